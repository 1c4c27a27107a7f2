"""Simulated 2D paracrystal: Fraunhofer patterns (Fig. 1 j,k) and the Eq. A8 check."""
from scimodel.defectal.products import REFERENCE, diffraction_dataset
from scimodel.io import write_dataset
from scimodel.workflow import run_script


def main(sm):
    import numba
    numba.set_num_threads(max(1, min(int(sm.threads), numba.config.NUMBA_NUM_THREADS)))
    ds = diffraction_dataset(sm.params.diffraction, workers=int(sm.threads))
    write_dataset(ds, sm.output.nc, source="scimodel.defectal.products.diffraction_dataset",
                  references=REFERENCE, config=dict(diffraction=sm.params.diffraction))


run_script(main, snakemake)  # noqa: F821
