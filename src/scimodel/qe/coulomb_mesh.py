"""Thomas-Fermi screened Coulomb matrix elements between Kohn-Sham states on a
regular mesh (paper 004, Eq. 18: the TF-ME functional), from the project's own
pw.x wavefunctions.

Two pw.x runs per metal, in one scratch folder:

1. ``scf`` on the metal's k grid (its configured cutoffs, smearing and
   pseudopotential, which must be norm-conserving: the pair densities are
   those of the pseudo-wavefunctions, with no augmentation charge, and by default
   no reconstruction of the core region: the approximation this project makes for
   TF-ME; ``onsite_upf`` of :func:`coulomb_dataset` adds the on-site
   reconstruction of :mod:`scimodel.scdft.onsite`);
2. ``nscf`` at the ``mesh``^3 points of the full Gamma-centred mesh, listed
   explicitly in the order of :func:`scimodel.scdft.coulomb_me.mesh_fractions`
   (no symmetry reduction: ``nosym``, ``noinv``), ``nbnd`` bands.

The wavefunctions are read from ``wfc<ik>.dat``
(:mod:`scimodel.qe.wavefunctions`), put on an FFT grid that holds their products
without aliasing, and :func:`scimodel.scdft.coulomb_me.mesh_coulomb_matrix`
computes K^TF-ME for every pair of mesh states from the irreducible rows.
k_TF is Eq. 17 with the N(0) of the metal's cached Eliashberg input.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import xarray as xr

from .. import units
from ..errors import InputError
from ..io import da
from ..scdft import bzgrid
from ..scdft.coulomb import ktf2_from_dos
from ..scdft.coulomb_me import OnsiteTerms, mesh_coulomb_matrix, mesh_fractions, truncated_fft_shape
from ..scdft.onsite import reconstruction_from_upf
from .bandgrid import _with_k_list
from .inputs import pw_input
from .parsers import parse_pw_xml
from .pipeline import _fresh
from .runner import qe_version, run_qe, sha256_file
from .spec import MetalSpec
from .wavefunctions import fft_shape, periodic_parts, read_save_folder


def upf_is_norm_conserving(path: str | os.PathLike) -> bool:
    """Whether a UPF file (v1 or v2) holds a norm-conserving pseudopotential, from its
    ``is_ultrasoft`` / ``is_paw`` / ``pseudo_type`` attributes or, failing those, the
    "Pseudopotential type:" line of PP_INFO.  Raises InputError if neither is there."""
    text = Path(path).read_text(errors="replace")[:40000]
    for key in ("is_ultrasoft", "is_paw"):
        m = re.search(key + r'\s*=\s*"\s*\.?(true|t)\b', text, re.IGNORECASE)
        if m:
            return False
    m = re.search(r'pseudo_type\s*=\s*"\s*(\w+)', text)
    if m:
        return m.group(1).upper() in ("NC", "SL")
    m = re.search(r"Pseudopotential type:\s*(\w+)", text)
    if m:
        return m.group(1).upper() in ("NC", "SL")
    raise InputError(path, "PP_HEADER", "no pseudo_type attribute and no 'Pseudopotential type:' line; "
                     "expected a UPF file")


def tfme_settings(abinitio: dict, metal: str) -> tuple[dict, int, float | None, float | None]:
    """The TF-ME run of ``metal`` from the validated ``abinitio`` config section: its
    ``elements`` entry with the ``coulomb_me.elements`` overrides (pseudopotential,
    cutoffs), the band offset (band-grid bands in that pseudopotential's core), the
    cutoff of the G sum in Ry (per metal, else ``coulomb_me.g_cut_Ry``; None: all) and
    the Q cutoff of the on-site reconstruction in 1/bohr (per metal, else
    ``coulomb_me.onsite_q_max``; None: pseudo pair densities)."""
    cm = abinitio.get("coulomb_me", {})
    over = dict(cm.get("elements", {}).get(metal, {}))
    offset = int(over.pop("band_offset", 0))
    g_cut = over.pop("g_cut_Ry", cm.get("g_cut_Ry"))
    q_onsite = over.pop("onsite_q_max", cm.get("onsite_q_max"))
    return {**abinitio["elements"][metal], **over}, offset, g_cut, q_onsite


def run_wavefunction_mesh(spec: MetalSpec, pseudo_file: str | os.PathLike, rundir: str | os.PathLike,
                          scratch: str | os.PathLike, *, mesh: int, nbnd: int, nproc: int = 1,
                          mpi_command: str = "mpirun -np {nproc}") -> Path:
    """The two runs of the module doc.  Returns the ``<prefix>.save`` folder (in
    ``scratch``); ``rundir`` receives the inputs, outputs and ``summary.json``."""
    if spec.spin_orbit:
        raise InputError(None, f"abinitio.elements.{spec.name}.spin_orbit",
                         "scalar-relativistic states (the matrix elements have no spinor branch)")
    if not Path(pseudo_file).exists():
        raise InputError(pseudo_file, "<file>", "pseudopotential file does not exist")
    if not upf_is_norm_conserving(pseudo_file):
        raise InputError(pseudo_file, "PP_HEADER", "an ultrasoft or PAW pseudopotential; TF-ME matrix "
                         "elements need a norm-conserving one (pair densities without augmentation)")
    if mesh < 2 or nbnd < 1:
        raise InputError(None, "abinitio.coulomb_me", f"mesh {mesh}, nbnd {nbnd}; expected >= 2 and >= 1")
    rundir, scratch = _fresh(Path(rundir)), _fresh(Path(scratch))
    local = MetalSpec(**{**asdict(spec), "pseudo": Path(spec.pseudo).name, "pseudo_dir": "./"})
    shutil.copy(pseudo_file, scratch / local.pseudo)
    kw = dict(nproc=nproc, mpi_command=mpi_command, pools=True)
    walls = {"scf": run_qe("pw.x", pw_input(local), "scf", scratch, **kw)}
    cell = bzgrid.cubic_cell(spec.structure, spec.alat_bohr)
    k_tpiba = mesh_fractions(mesh) @ bzgrid.reciprocal_cell(cell) / (2 * np.pi / spec.alat_bohr)
    text = pw_input(local, "nscf", nbnd=nbnd).replace("&system\n", "&system\n  nosym = .true.\n"
                                                       "  noinv = .true.\n", 1)
    walls["nscf"] = run_qe("pw.x", _with_k_list(text, k_tpiba), "nscf", scratch, **kw)
    save = scratch / "tmp" / f"{local.prefix}.save"
    shutil.copy(save / "data-file-schema.xml", rundir / "nscf.xml")
    for f in scratch.glob("*.in"):
        shutil.copy(f, rundir / f.name)
    for f in scratch.glob("*.out"):
        shutil.copy(f, rundir / f.name)
    summary = {"metal": spec.name, "spec": asdict(spec), "mesh": int(mesh), "nbnd": int(nbnd),
               "wall_times_s": walls, "qe_version": qe_version(),
               "pseudo_file": str(pseudo_file), "pseudo_sha256": sha256_file(pseudo_file)}
    (rundir / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True))
    return save


def coulomb_dataset(save: str | os.PathLike, rundir: str | os.PathLike, *, dos_ef: float, n_keep: int,
                    degeneracy_tol_mev: float = 1.0, workers: int = 1,
                    band_offset: int = 0, g_cut_ry: float | None = None,
                    onsite_upf: str | os.PathLike | None = None,
                    onsite_q_max: float = 20.0) -> xr.Dataset:
    """K^TF-ME on the mesh of a finished :func:`run_wavefunction_mesh` (module doc) for
    the lowest ``n_keep`` bands (the run's further bands complete the degenerate sets
    that straddle band ``n_keep``); ``dos_ef``: N(0) per spin per atom (1/meV), sets k_TF.
    ``band_offset``: bands of the metal's band grid below the lowest band of this run
    (semicore states that this run's pseudopotential keeps in its core); the ``band``
    coordinate counts band-grid bands, so run band n is band-grid band n + band_offset.
    ``g_cut_ry``: the G sum of Eq. 18 stops at |k - k' + G|^2 = g_cut_ry (Ry), on the
    smaller FFT grid that holds those components exactly
    (:func:`scimodel.scdft.coulomb_me.truncated_fft_shape`); None: all components.
    ``onsite_upf``: the run's norm-conserving UPF file, to reconstruct the pair densities
    inside the core spheres (:mod:`scimodel.scdft.onsite`; the on-site terms summed to
    |k - k' + G| = ``onsite_q_max``, 1/bohr); None: pseudo pair densities only."""
    rundir = Path(rundir)
    s = json.loads((rundir / "summary.json").read_text())
    m, alat = int(s["mesh"]), float(s["spec"]["a_angstrom"]) * units.ANGSTROM_TO_BOHR
    cell = bzgrid.cubic_cell(s["spec"]["structure"], alat)
    kf = mesh_fractions(m)
    grid = parse_pw_xml(rundir / "nscf.xml")
    e = (grid["eigenvalues_eV"] - grid["fermi_energy_eV"]) * units.EV_TO_MEV      # (k, band)
    wfs = read_save_folder(save)
    want = kf @ bzgrid.reciprocal_cell(cell)
    got = np.array([w.k_cart for w in wfs])
    if got.shape != want.shape or not np.allclose(got, want, atol=1e-6):
        raise InputError(save, "xk", f"the wavefunction k points are not the {m}^3 mesh in "
                         "mesh_fractions order")
    shape = fft_shape([w.miller for w in wfs])
    if g_cut_ry is not None:
        mmax = np.max([np.abs(w.miller).max(axis=0) for w in wfs], axis=0)
        shape = truncated_fft_shape(mmax, cell, float(g_cut_ry))
    u = np.stack([periodic_parts(w, shape) for w in wfs])
    volume = abs(np.linalg.det(cell))
    ktf2 = ktf2_from_dos(dos_ef, volume)
    t0 = time.perf_counter()
    onsite = None
    if onsite_upf is not None:
        rec = reconstruction_from_upf(onsite_upf, q_max=float(onsite_q_max))
        proj = np.stack([rec.projections(w.k_cart, w.miller @ w.b, w.coeffs, volume) for w in wfs])
        onsite = OnsiteTerms(rec, proj, cell, m, ktf2, float(onsite_q_max))
    res = mesh_coulomb_matrix(u, e, cell, m, ktf2, degeneracy_tol=degeneracy_tol_mev, n_keep=n_keep,
                              workers=workers, g_cut2=None if g_cut_ry is None else float(g_cut_ry),
                              onsite=onsite)
    wall = time.perf_counter() - t0
    e = e[:, :n_keep]
    nb, nk = n_keep, m ** 3
    ds = xr.Dataset({
        "coulomb_me_irr": da(res["rows"] * units.HA_TO_MEV, ("k_irr", "band", "k2", "band2"), "meV",
                             "K^TF-ME(n k, n' k') of paper 004 Eq. 18 per cell (meV atom: N(0) per "
                             "spin per atom times K is dimensionless) for k the irreducible mesh "
                             "points; the full matrix is scimodel.scdft.coulomb_me.full_matrix(dataset)"),
        "energy": da(e, ("k", "band"), "meV", "Kohn-Sham energy relative to E_F of the nscf run"),
        "degeneracy": da(res["degeneracy"], ("k", "band"), "1",
                         "size of the degenerate set the state was averaged over (bands above nbnd "
                         "included)"),
        "k_frac": da(kf, ("k", "reciprocal"), "1", "mesh point, fractional coordinates of the "
                                                   "reciprocal cell (index i + m (j + m l))"),
        "cell": da(cell, ("vector", "xyz"), "bohr", "direct lattice vectors a_i (rows)"),
    }, coords={"band": da(band_offset + np.arange(nb), ("band",), "1",
                          "band index of the metal's band grid (0 = its lowest band)"),
               "band2": da(band_offset + np.arange(nb), ("band2",), "1",
                           "band index of the second state"),
               "k": da(np.arange(nk), ("k",), "1", "mesh point index"),
               "k_irr": da(res["irreducible"], ("k_irr",), "1",
                           "mesh point index of the irreducible points (lowest of each orbit)"),
               "k2": da(np.arange(nk), ("k2",), "1", "mesh point index of the second state")})
    ds.attrs.update({
        "metal": s["metal"], "structure": s["spec"]["structure"], "mesh": m, "nbnd": nb,
        "band_offset": int(band_offset),
        "nbnd_run": int(s["nbnd"]),
        "fermi_energy_eV": grid["fermi_energy_eV"], "nelec": grid["nelec"],
        "dos_ef_per_meV": float(dos_ef), "ktf2_per_bohr2": float(ktf2), "volume_bohr3": float(volume),
        "fft_shape": list(shape), "irreducible_points": int(res["irreducible"].size),
        "g_cut_Ry": float("inf") if g_cut_ry is None else float(g_cut_ry),
        "orbit_spread": res["orbit_spread"], "asymmetry_before_symmetrisation": res["asymmetry"],
        "pairs_computed": int(res["pairs"]),
        "degeneracy_tol_meV": float(degeneracy_tol_mev), "matrix_wall_time_s": round(wall, 1),
        "qe_version": s["qe_version"], "pseudopotential": Path(s["pseudo_file"]).name,
        "pseudopotential_sha256": s["pseudo_sha256"], "ecutwfc_Ry": s["spec"]["ecutwfc_ry"],
        "k_scf": s["spec"]["k_scf"], "degauss_Ry": s["spec"]["degauss_ry"],
        "wall_time_s": json.dumps(s["wall_times_s"], sort_keys=True),
        "onsite_reconstruction": "none" if onsite is None else
            f"{Path(onsite_upf).name}: channels {[c.label for c in onsite.rec.channels]}, "
            f"on-site terms to |k - k' + G| = {float(onsite_q_max)} /bohr",
        "approximation": ("pair densities of norm-conserving pseudo-wavefunctions: no augmentation, "
                          "the core region is not reconstructed; " if onsite is None else
                          "pair densities of norm-conserving pseudo-wavefunctions reconstructed inside "
                          "the core spheres with the all-electron partial waves of the channels with a "
                          "projector (scimodel.scdft.onsite); ") + "degenerate bands averaged; "
                         + (f"valence-only pseudopotential: band n of this run is taken as band "
                            f"n + {band_offset} of the band grid (same band order near E_F); "
                            if band_offset else "") +
                         "M(Sk, Sk') = M(k, k') used to complete the irreducible rows, and "
                         "M(k, Sk') = M(k, k') for the S with Sk = k within each row",
    })
    return ds

