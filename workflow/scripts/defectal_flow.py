"""Disorder flow of one material class: Tc(l), A(l) (Monte Carlo), Tc-A, gap ratio."""
from scimodel.defectal.products import REFERENCE, flow_dataset
from scimodel.io import write_dataset
from scimodel.workflow import run_script


def main(sm):
    import numba
    numba.set_num_threads(max(1, min(int(sm.threads), numba.config.NUMBA_NUM_THREADS)))
    p = sm.params
    ds = flow_dataset(sm.wildcards.cls, p.cls, p.common)
    write_dataset(ds, sm.output.nc, source="scimodel.defectal.products.flow_dataset",
                  references=REFERENCE, config=dict(cls=p.cls, common=p.common),
                  wildcards=dict(cls=sm.wildcards.cls))


run_script(main, snakemake)  # noqa: F821
