"""Phonon dispersion of one metal along the usual path: q2r.x + matdyn.x on the ph.x
campaign its cached file was joined from."""
import shutil
from pathlib import Path

from scimodel import phonons, qe
from scimodel.io import write_dataset
from scimodel.workflow import run_script


def main(sm):
    qe.require_qe()
    work = Path(sm.params.scratch)
    ds = phonons.dispersion_dataset(sm.wildcards.metal, sm.params.structure, sm.params.mass,
                                    sm.input.archive, work, sm.params.points_per_unit)
    write_dataset(ds, sm.output.nc, source="Quantum ESPRESSO 6.7 q2r.x and matdyn.x on the dynamical matrices of "
                  f"{Path(sm.input.archive).name} (scimodel.phonons.dispersion_dataset; "
                  "workflow/rules/phonons.smk)",
                  references="Giannozzi et al., J. Phys.: Condens. Matter 21, 395502 (2009)",
                  config={"structure": sm.params.structure, "mass_amu": sm.params.mass,
                          "points_per_unit": sm.params.points_per_unit},
                  wildcards=dict(sm.wildcards.items()))
    shutil.rmtree(work, ignore_errors=True)


run_script(main, snakemake)  # noqa: F821
