"""alpha2F, lambda and the phonon DOS as a direct sum over listed committed q points of a campaign."""
import tempfile
from pathlib import Path

from scimodel import qe
from scimodel.io import write_dataset
from scimodel.workflow import run_script


def main(sm):
    iqs = [int(i) for i in sm.wildcards.iqs.split("-")]
    with tempfile.TemporaryDirectory() as tmp:
        dirs = [qe.extract_point(sm.input.archive, iq, Path(tmp) / f"iq{iq}") for iq in iqs]
        ds, attrs = qe.build_q_point_dataset(dirs, sm.wildcards.metal, sm.params.element,
                                             q_grid=int(sm.wildcards.q))
    write_dataset(ds, sm.output.nc, source="Quantum ESPRESSO 6.7 (ph.x) q points of "
                  f"{Path(sm.input.archive).name} via scimodel.qe.build_q_point_dataset; "
                  "workflow/rules/abinitio.smk (abinitio_q_point_spectrum)",
                  references="Giannozzi et al., J. Phys.: Condens. Matter 21, 395502 (2009)",
                  config={"element": sm.params.element}, wildcards=dict(sm.wildcards.items()),
                  extra_attrs=attrs)


run_script(main, snakemake)  # noqa: F821
