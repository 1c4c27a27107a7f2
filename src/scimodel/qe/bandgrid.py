"""Kohn-Sham bands over the zone for the k-resolved gap equation (paper 004, Sec. III).

Three pw.x runs per metal, in one scratch folder:

1. ``scf`` on the metal's coarse k grid (its configured cutoffs, smearing and
   pseudopotential; Marzari-Vanderbilt smearing also for a metal whose phonons
   use tetrahedra: only the density is needed);
2. ``nscf`` on a Gamma-centred ``mesh``^3 grid, reduced by pw.x to its
   irreducible points: the data of the star-function fit
   (:class:`scimodel.scdft.bands.StarFit`), with ``nbnd`` bands (the element's
   nbnd, which reaches E_F + 20 eV);
3. ``bands`` at ``n_random`` k points drawn uniformly from the reciprocal
   cell (seeded): the independent check of the fit at random k.

The result, one NetCDF per metal (:func:`band_grid_dataset`), holds both sets
of eigenvalues relative to the Fermi energy of the nscf run (meV), the k
points (Cartesian, 1/bohr), the direct lattice vectors (bohr) and the run's
provenance.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np
import xarray as xr

from .. import units
from ..errors import InputError
from ..io import da
from .inputs import pw_input
from .parsers import parse_pw_xml
from .pipeline import _fresh
from .runner import qe_version, run_qe, sha256_file
from .spec import MetalSpec

def random_k_fractions(n: int, seed: int) -> np.ndarray:
    """``n`` points uniform in the reciprocal cell, fractional coordinates in [0, 1)^3."""
    if n < 1:
        raise InputError(None, "abinitio.band_grid.n_random", f"got {n}; expected >= 1")
    return np.random.Generator(np.random.PCG64(seed)).random((n, 3))


def _with_k_list(text: str, k_tpiba: np.ndarray) -> str:
    """pw.x input ``text`` with its K_POINTS card replaced by an explicit list (2 pi / a)."""
    i = text.index("K_POINTS")
    rows = "".join(f" {k[0]:.10f} {k[1]:.10f} {k[2]:.10f} 1.0\n" for k in k_tpiba)
    return text[:i] + f"K_POINTS tpiba\n {len(k_tpiba)}\n" + rows


def _with_gamma_mesh(text: str, mesh: int) -> str:
    i = text.index("K_POINTS")
    return text[:i] + f"K_POINTS automatic\n {mesh} {mesh} {mesh} 0 0 0\n"


def run_band_grid(spec: MetalSpec, pseudo_file: str | os.PathLike, rundir: str | os.PathLike,
                  scratch: str | os.PathLike, *, mesh: int, n_random: int, seed: int,
                  nproc: int = 1, mpi_command: str = "mpirun -np {nproc}") -> dict:
    """The three runs of the module doc; ``rundir`` receives the inputs, outputs,
    the two ``data-file-schema.xml`` files and ``summary.json``.  Returns the summary."""
    if spec.spin_orbit:
        raise InputError(None, f"abinitio.elements.{spec.name}.spin_orbit",
                         "scalar-relativistic bands (the band grid has no spinor branch)")
    if mesh < 2:
        raise InputError(None, "abinitio.band_grid.mesh", f"got {mesh}; expected >= 2")
    rundir, scratch = _fresh(Path(rundir)), _fresh(Path(scratch))
    if not Path(pseudo_file).exists():
        raise InputError(pseudo_file, "<file>", "pseudopotential file does not exist")
    local = MetalSpec(**{**asdict(spec), "pseudo": Path(spec.pseudo).name, "pseudo_dir": "./"})
    shutil.copy(pseudo_file, scratch / local.pseudo)
    kw = dict(nproc=nproc, mpi_command=mpi_command, pools=True)
    walls = {"scf": run_qe("pw.x", pw_input(local), "scf", scratch, **kw)}
    nscf = _with_gamma_mesh(pw_input(local, "nscf", nbnd=spec.nbnd), mesh)
    walls["nscf"] = run_qe("pw.x", nscf, "nscf", scratch, **kw)
    xml = scratch / "tmp" / f"{local.prefix}.save" / "data-file-schema.xml"
    shutil.copy(xml, rundir / "nscf.xml")
    grid = parse_pw_xml(xml)
    recip = np.linalg.inv(grid["cell_alat"]).T                   # rows b_i in 2 pi / a
    k_random = random_k_fractions(n_random, seed) @ recip
    walls["bands"] = run_qe("pw.x", _with_k_list(pw_input(local, "bands", nbnd=spec.nbnd), k_random),
                            "bands", scratch, **kw)
    shutil.copy(xml, rundir / "bands.xml")
    for p in [*scratch.glob("*.in"), *scratch.glob("*.out")]:
        shutil.copy(p, rundir / p.name)
    summary = {"metal": spec.name, "spec": asdict(spec), "mesh": mesh, "n_random": n_random,
               "seed": seed, "pseudo_file": str(pseudo_file), "pseudo_sha256": sha256_file(pseudo_file),
               "qe_version": qe_version(), "nproc": nproc, "wall_times_s": walls}
    (rundir / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True))
    shutil.rmtree(scratch, ignore_errors=True)
    return summary


def band_grid_dataset(rundir: str | os.PathLike) -> xr.Dataset:
    """The NetCDF content of a finished :func:`run_band_grid` folder (module doc)."""
    rundir = Path(rundir)
    summary_path = rundir / "summary.json"
    if not summary_path.exists():
        raise InputError(summary_path, "<file>", "missing: not a finished band-grid run")
    s = json.loads(summary_path.read_text())
    grid, rand = parse_pw_xml(rundir / "nscf.xml"), parse_pw_xml(rundir / "bands.xml")
    alat = float(s["spec"]["a_angstrom"]) * units.ANGSTROM_TO_BOHR
    ef = grid["fermi_energy_eV"]
    if rand["eigenvalues_eV"].shape != (s["n_random"], grid["eigenvalues_eV"].shape[1]):
        raise InputError(rundir / "bands.xml", "eigenvalues",
                         f"{s['n_random']} k points x {grid['eigenvalues_eV'].shape[1]} bands "
                         f"(got {rand['eigenvalues_eV'].shape})")
    to_mev = units.EV_TO_MEV
    tpiba = 2 * np.pi / alat
    ds = xr.Dataset({
        "energy_grid": da((grid["eigenvalues_eV"] - ef) * to_mev, ("k_irr", "band"), "meV",
                          "Kohn-Sham energy relative to E_F at the irreducible points of the mesh"),
        "weight_grid": da(grid["k_weights"] / grid["k_weights"].sum(), ("k_irr",), "1",
                          "symmetry weight of the irreducible point (sum 1)"),
        "k_grid": da(grid["k_cart_2pi_alat"] * tpiba, ("k_irr", "xyz"), "1/bohr",
                     "irreducible k point of the Gamma-centred mesh, Cartesian"),
        "energy_random": da((rand["eigenvalues_eV"] - ef) * to_mev, ("k_rand", "band"), "meV",
                            "Kohn-Sham energy relative to E_F at the random check points"),
        "k_random": da(rand["k_cart_2pi_alat"] * tpiba, ("k_rand", "xyz"), "1/bohr",
                       "random check k point (uniform in the reciprocal cell), Cartesian"),
        "cell": da(grid["cell_alat"] * alat, ("vector", "xyz"), "bohr",
                   "direct lattice vectors a_i (rows)"),
    })
    ds.attrs.update({
        "metal": s["metal"], "structure": s["spec"]["structure"], "mesh": int(s["mesh"]),
        "n_random": int(s["n_random"]), "random_seed": int(s["seed"]),
        "fermi_energy_eV": ef, "nbnd": int(grid["eigenvalues_eV"].shape[1]),
        "nelec": grid["nelec"], "qe_version": s["qe_version"],
        "pseudopotential": Path(s["pseudo_file"]).name, "pseudopotential_sha256": s["pseudo_sha256"],
        "ecutwfc_Ry": s["spec"]["ecutwfc_ry"], "ecutrho_Ry": s["spec"]["ecutrho_ry"],
        "k_scf": s["spec"]["k_scf"], "degauss_Ry": s["spec"]["degauss_ry"],
        "wall_time_s": json.dumps(s["wall_times_s"], sort_keys=True),
        "runs": "pw.x scf (k_scf, MV smearing), nscf on the Gamma-centred mesh (irreducible points), "
                "bands at the random points (scimodel.qe.bandgrid)",
    })
    return ds
