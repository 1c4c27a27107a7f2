"""Kohn-Sham bands of one metal on a mesh and at random check points (pw.x)."""
import shutil
from pathlib import Path

from scimodel import qe
from scimodel.io import write_dataset
from scimodel.qe import bandgrid
from scimodel.workflow import run_script


def main(sm):
    qe.require_qe()
    g = sm.params.band_grid
    spec = qe.metal_spec(sm.wildcards.metal, sm.params.element)
    work = Path(sm.params.scratch)
    bandgrid.run_band_grid(spec, sm.input.pseudo, work / "run", work / "qe", mesh=g["mesh"],
                           n_random=g["n_random"], seed=g["seed"], nproc=sm.threads,
                           mpi_command=sm.params.mpi_command)
    ds = bandgrid.band_grid_dataset(work / "run")
    write_dataset(ds, sm.output.nc, source="Quantum ESPRESSO 6.7 pw.x (scf, nscf, bands) via "
                  "scimodel.qe.bandgrid; workflow/rules/kresolved.smk",
                  references="Marques et al., PRB 72, 024546 (2005) [paper 004], Sec. III; "
                  "Giannozzi et al., J. Phys.: Condens. Matter 21, 395502 (2009)",
                  config={"element": sm.params.element, "band_grid": g},
                  wildcards=dict(sm.wildcards.items()))
    shutil.rmtree(work, ignore_errors=True)


run_script(main, snakemake)  # noqa: F821
