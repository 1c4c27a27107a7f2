"""K^TF-ME (paper 004, Eq. 18) of one metal on the regular mesh, from pw.x wavefunctions."""
import shutil
from pathlib import Path

import xarray as xr

from scimodel import paper004, qe
from scimodel.io import write_dataset
from scimodel.qe import coulomb_mesh
from scimodel.workflow import run_script


def main(sm):
    qe.require_qe()
    c = dict(sm.params.coulomb)
    spec = qe.metal_spec(sm.wildcards.metal, sm.params.element)
    offset = int(sm.params.band_offset)          # band-grid bands in this pseudopotential's core
    n_keep = spec.nbnd - offset
    work = Path(sm.params.scratch)
    save = coulomb_mesh.run_wavefunction_mesh(
        spec, sm.input.pseudo, work / "run", work / "qe", mesh=c["mesh"],
        nbnd=n_keep + c["buffer_bands"], nproc=sm.threads, mpi_command=sm.params.mpi_command)
    with xr.open_dataset(sm.input.nc) as ab:
        dos_ef = float(ab["dos_ef"])
    ds = coulomb_mesh.coulomb_dataset(save, work / "run", dos_ef=dos_ef, n_keep=n_keep,
                                      degeneracy_tol_mev=c["degeneracy_tol_meV"], workers=sm.threads,
                                      band_offset=offset, g_cut_ry=sm.params.g_cut,
                                      **({} if sm.params.onsite_q_max is None else
                                         {"onsite_upf": sm.input.pseudo,
                                          "onsite_q_max": sm.params.onsite_q_max}))
    write_dataset(ds, sm.output.nc, source="Quantum ESPRESSO 6.7 pw.x (scf, nscf on the full mesh) and "
                  "scimodel.qe.coulomb_mesh (wfc<ik>.dat, pair densities by FFT); "
                  "workflow/rules/kresolved.smk",
                  references=paper004.REFERENCE + ", Eq. 18; Giannozzi et al., J. Phys.: Condens. "
                  "Matter 21, 395502 (2009)",
                  config={"element": sm.params.element, "coulomb_me": c, "band_offset": offset,
                          "g_cut_Ry": sm.params.g_cut, "onsite_q_max": sm.params.onsite_q_max},
                  wildcards=dict(sm.wildcards.items()),
                  extra_attrs={"dos_ef_source": str(sm.input.nc)})
    shutil.rmtree(work, ignore_errors=True)


run_script(main, snakemake)  # noqa: F821
