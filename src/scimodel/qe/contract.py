"""The ab-initio NetCDF contract (:data:`CONTRACT`): a finished run folder ->
Dataset (:func:`build_abinitio_dataset`) and its validation (:func:`read_abinitio`)."""
from __future__ import annotations

import json
import os
from dataclasses import fields
from pathlib import Path
from typing import Mapping

import numpy as np
import xarray as xr

from .. import units
from ..errors import InputError
from ..io import da, read_dataset
from .elph import (_moments, _trapz, a2f_from_q_points, a2f_table, free_electron_kf,
                   imaginary_weight, lambda_by_smearing, stability)
from .parsers import parse_pw_xml, read_dos_x, read_matdyn_lambda, read_ph_elph, read_phonon_dos
from .runner import check_qe_output
from .spec import _SPEC_KEYS, TETRA_OCCUPATIONS, MetalSpec


#: Files of a finished run folder that :func:`build_abinitio_dataset` reads.
RUN_FILES = ("summary.json", "nscf.xml", "scf.xml", "phonon.dos", "lambda", "dos_gauss.dat",
             "dos_wide.dat")

#: Variables of the NetCDF contract: name -> (units, dims).
CONTRACT: dict[str, tuple[str, tuple[str, ...]]] = {
    "omega": ("meV", ("omega",)),
    "xi": ("meV", ("xi",)),
    "smearing": ("meV", ("smearing",)),
    "a2f": ("1", ("omega",)),
    "a2f_by_smearing": ("1", ("smearing", "omega")),
    "phonon_dos": ("1/meV", ("omega",)),
    "dos": ("1/meV", ("xi",)),
    "lambda": ("1", ()),
    "omega_log": ("meV", ()),
    "omega2": ("meV", ()),
    "dos_ef": ("1/meV", ()),
    "fermi_energy": ("eV", ()),
    "band_bottom": ("meV", ()),
    "electron_density": ("1/bohr^3", ()),
    "kf": ("1/bohr", ()),
    "volume": ("bohr^3", ()),
    "n_valence": ("1", ()),
}


#: Attribute ``spin_orbit`` of a run with spin-orbit coupling (absent without).
SPIN_ORBIT_TEXT = ("noncolin + lspinorb (spinor bands, 1 electron each; nbnd_dos and "
                   "semicore_bands_excluded count scalar bands)")

#: Config keys that only affect post-processing (the NetCDF step), not the QE runs.
POSTPROCESS_KEYS = ("elph_sigma_Ry", "stability_window_Ry", "n_valence", "semicore_bands",
                    "dos_step_eV", "a2f_method", "a2f_q_broadening_meV")


def build_abinitio_dataset(rundir: str | os.PathLike, *, check_rundir: str | os.PathLike | None = None,
                           tolerances: Mapping | None = None,
                           element: Mapping | None = None) -> tuple[xr.Dataset, dict]:
    """Assemble the contract Dataset of one metal from a finished run folder.

    Parameters
    ----------
    rundir : folder written by :func:`run_pipeline` (with the DOS steps).
    check_rundir : optional second run on another q grid (q-grid check).
    tolerances : ``imaginary_weight`` (0.001), ``lambda_stability`` (0.05),
        ``q_grid`` (0.10): thresholds of the verdicts.
    element : the metal's config; its :data:`POSTPROCESS_KEYS` (chosen smearing,
        stability window, valence, semicore bands, DOS step) override the values
        stored with the run, so that they can change without rerunning QE.

    Returns ``(dataset, attrs)``; attrs go to :func:`scimodel.io.write_dataset`
    as ``extra_attrs``.
    """
    rundir = Path(rundir)
    tol = {"imaginary_weight": 1e-3, "lambda_stability": 0.05, "q_grid": 0.10}
    tol.update(tolerances or {})
    summary, spec = _read_run_folder(rundir, element)
    # r: the named results of every step (see the helpers for the keys)
    r = _alpha2f(rundir, spec)
    r.update(_coupling(rundir, spec, r["tab"]))
    r.update(_phonon_dos(rundir, r["tab"]["omega"], r["qsum"], r["blocks"]))
    r.update(_electron_dos(rundir, check_rundir, spec))
    r.update(_q_grid_check(check_rundir, spec, r["ic"], r["mom"]["lam"]))
    r["direct"] = _direct_lambdas(rundir, check_rundir, spec, r["tab"]["omega"], r["qsum"], r["ic"])
    r["verdict"] = _verdicts(tol, r["imag"], r["stab"], r["q_rel"], _is_tetra(spec))
    ds = _assemble_dataset(spec, r)
    attrs = _attributes(spec, summary, tol, r, rundir, check_rundir)
    return ds, attrs


def build_phonon_dataset(rundir: str | os.PathLike, *,
                         element: Mapping | None = None) -> tuple[xr.Dataset, dict]:
    """alpha2F (every smearing), lambda and its moments, and the phonon DOS of a run folder
    joined without the electronic steps (:func:`scimodel.qe.assemble_run` with
    ``with_dos=False``): the coarse grids of a spin-orbit transfer
    (:mod:`scimodel.qe.spin_orbit`), which need no nscf run.  Not a :data:`CONTRACT`
    dataset (no electronic DOS).  Returns ``(dataset, attrs)`` as
    :func:`build_abinitio_dataset` does."""
    rundir = Path(rundir)
    summary, spec = _read_run_folder(rundir, element)
    r = _alpha2f(rundir, spec)
    r.update(_coupling(rundir, spec, r["tab"]))
    r.update(_phonon_dos(rundir, r["tab"]["omega"], r["qsum"], r["blocks"]))
    sm = r["tab"]["sigma_ry"] * units.RY_TO_MEV
    ds = xr.Dataset({**_phonon_vars(r, sm), **moment_vars(r["mom"])},
                    coords=_phonon_coords(r, sm, _is_tetra(spec)))
    attrs = {**_phonon_only_setup(spec, summary), **_elph_attrs(spec, r),
             "electronic_steps": "none (phonons only)", "nproc": summary.get("nproc", 1)}
    if spec.spin_orbit:
        attrs["spin_orbit"] = SPIN_ORBIT_TEXT
    attrs.update(_ph_run_attrs(summary, None, None))
    return ds, attrs


def _phonon_only_setup(spec: MetalSpec, summary: dict) -> dict:
    """:func:`_setup_attrs` of a spectrum without the electronic steps (no DOS grid, no
    q-grid check)."""
    setup = _setup_attrs(spec, summary, {"q_check": None, "bands": {"qe_version": "not recorded"}})
    for k in ("k_grid_dos", "nbnd_dos", "dos_above_ef_eV", "q_grid_check"):
        setup.pop(k)
    return setup


def _elph_method_text(spec: MetalSpec) -> str:
    return ("optimized tetrahedra (tetrahedra_opt ground state; ph.x lambda_tetra "
            f"on the {spec.k_dense}^3 k grid)" if _is_tetra(spec) else
            "Gaussian double-delta smearings (ph.x electron_phonon='interpolated')")


def _is_tetra(spec: MetalSpec) -> bool:
    return spec.elph_method == "tetrahedra"


def _elph_output(spec: MetalSpec) -> str:
    """The ph.x output with the lambda_{q nu} of every q point."""
    return "elph.out" if _is_tetra(spec) else "ph.out"


def _read_run_folder(rundir: Path, element: Mapping | None) -> tuple[dict, MetalSpec]:
    """``summary.json`` of a finished run folder (its QE outputs checked) and the
    run's MetalSpec with the element's :data:`POSTPROCESS_KEYS` applied."""
    sfile = rundir / "summary.json"
    if not sfile.exists():
        raise InputError(sfile, "<file>", "missing: not a finished run folder of scimodel.qe.run_pipeline")
    summary = json.loads(sfile.read_text())
    for stem in ("fit", "scf", "nscf", "ph", "elph"):  # pw.x / ph.x outputs kept in the run folder
        if (rundir / f"{stem}.out").exists():
            check_qe_output(rundir / f"{stem}.out")
    known = {f.name for f in fields(MetalSpec)}
    sp = {k: v for k, v in summary["spec"].items() if k in known}
    for key in POSTPROCESS_KEYS:
        if element is not None and key in element:
            sp[_SPEC_KEYS[key]] = element[key]
    sp["stability_window_ry"] = tuple(float(x) for x in sp["stability_window_ry"])
    return summary, MetalSpec(**sp)


def _alpha2f(rundir: Path, spec: MetalSpec) -> dict:
    """alpha2F for every smearing: ``tab`` (:func:`a2f_table`); with a2f_method
    'q_points' its ``a2f`` is the direct q-point sum ``qsum`` over the ph.x
    ``blocks`` (both None for 'interpolated')."""
    # tetrahedra: no smearing; alpha2F is matdyn's interpolation of the lambda_tetra
    # lambda_{q nu} (write_tetra_gamma_files), one row with sigma = 0
    tab = a2f_table(rundir, spec)
    qsum = blocks = None
    if spec.a2f_method == "q_points":
        # direct sum over the computed q points: for a q grid whose Fourier
        # interpolation is unstable (Nb on 4^3: imaginary TA branch near Gamma)
        elph_file = rundir / _elph_output(spec)
        blocks = read_ph_elph(elph_file)
        qsum = a2f_from_q_points(blocks, tab["omega"], spec.a2f_q_broadening_mev)
        if not np.allclose(blocks[0]["sigma_ry"], tab["sigma_ry"], rtol=1e-6):
            raise InputError(elph_file, "Gaussian Broadening",
                             "smearings differ from the a2F.dos* files")
        tab["a2f"] = qsum["a2f"]
    elif spec.a2f_method != "interpolated":
        raise InputError(None, f"abinitio.elements.{spec.name}.a2f_method",
                         f"got {spec.a2f_method!r}, expected 'interpolated' or 'q_points'")
    return {"tab": tab, "qsum": qsum, "blocks": blocks}


def _coupling(rundir: Path, spec: MetalSpec, tab: dict) -> dict:
    """Chosen smearing index ``ic``, ``lam_s`` per smearing, moments ``mom`` of the
    chosen alpha2F, matdyn.x's lambda ``mat`` and the smearing stability ``stab``."""
    tetra = _is_tetra(spec)
    ic = 0 if tetra else spec.chosen_sigma_index()
    lam_s = lambda_by_smearing(tab["omega"], tab["a2f"])
    mom = _moments(tab["omega"], tab["a2f"][ic])
    mat = read_matdyn_lambda(rundir / "lambda")
    if tetra:
        stab = float("nan")                     # one lambda, no smearing window
        mat = {"sigma_ry": tab["sigma_ry"], "lambda": mat["lambda"][:1]}
    else:
        stab = stability(tab["sigma_ry"], lam_s, ic, spec.stability_window_ry)
    return {"ic": ic, "lam_s": lam_s, "mom": mom, "mat": mat, "stab": stab}


def _phonon_dos(rundir: Path, omega: np.ndarray, qsum: dict | None, blocks: list | None) -> dict:
    """Phonon DOS ``f_grid`` on ``omega``, normalised to 3 modes per atom over the whole
    computed grid, and the imaginary-mode weights ``imag``, ``imag_interpolated``;
    with q-point sums also the weight ``gamma_acoustic`` of Gamma's acoustic modes."""
    wf, ff = read_phonon_dos(rundir / "phonon.dos")
    norm = _trapz(ff, wf)
    if norm <= 0:
        raise InputError(rundir / "phonon.dos", "DOS", "non-positive total weight")
    ff = ff * 3.0 / norm
    imag = imag_interpolated = imaginary_weight(wf, ff)
    f_grid = np.interp(omega, wf, ff, left=0.0, right=0.0)
    gamma_acoustic = None
    if qsum is not None:
        f_grid = qsum["phonon_dos"]
        imag = qsum["negative_weight"] if qsum["negative_weight"] > 1e-12 else 0.0
        # Gamma's acoustic modes (omega = 0 up to the sum-rule residue) carry no weight
        g0 = [b for b in blocks if np.all(np.abs(b["freq_mev"]) < 1.0)]
        gamma_acoustic = sum(b["star"] for b in g0) / sum(b["star"] for b in blocks)
        imag = max(0.0, imag - gamma_acoustic)
    return {"f_grid": f_grid, "imag": imag, "imag_interpolated": imag_interpolated,
            "gamma_acoustic": gamma_acoustic}


def _electron_dos(rundir: Path, check_rundir: str | os.PathLike | None, spec: MetalSpec) -> dict:
    """Electrons of the nscf run: tetrahedron DOS (:func:`_tetrahedron_dos`), dos.x
    cross-checks, ``volume`` and valence ``density``; ``dos_dir`` is the folder used."""
    # the DOS steps normally run with the main q grid; a run folder without them
    # takes them from the check run (same electronic settings, other q grid)
    dos_dir = rundir
    if not (rundir / "nscf.xml").exists() and check_rundir is not None:
        dos_dir = Path(check_rundir)
    bands = parse_pw_xml(dos_dir / "nscf.xml")
    out = {"dos_dir": dos_dir, "bands": bands, **_tetrahedron_dos(bands, spec)}
    # cross-checks: QE's Gaussian-broadened DOS (dos.x) at 1x and 2x broadening
    per_ev = 1.0 / units.EV_TO_MEV
    eg, gg, ef_qe = read_dos_x(dos_dir / "dos_gauss.dat")
    ew, gw, _ = read_dos_x(dos_dir / "dos_wide.dat")
    out["ef_qe"] = ef_qe
    out["dos_ef_gauss"] = float(np.interp(ef_qe, eg, gg)) / 2.0 * per_ev
    out["dos_ef_wide"] = float(np.interp(ef_qe, ew, gw)) / 2.0 * per_ev
    out["volume"] = bands["volume_bohr3"]
    out["density"] = spec.n_valence / out["volume"]
    return out


def _tetrahedron_dos(bands: dict, spec: MetalSpec) -> dict:
    """Linear-tetrahedron DOS of the valence bands (:mod:`scimodel.abinitio`):
    ``ef`` (eV), ``xi`` (meV), ``dos`` and ``dos_ef`` per spin per atom (1/meV),
    ``band_bottom`` (meV), ``n_below``, ``n_band_electrons``, DOS ``step`` (eV)."""
    from .. import abinitio
    # scalar bands hold 2 electrons (1 per spin), spinor bands 1 (1/2 per spin)
    occ = spec.band_occupancy
    eig = bands["eigenvalues_eV"][:, spec.semicore_bands * spec.spinor_factor:]
    n_band_electrons = bands["nelec"] - 2 * spec.semicore_bands
    full = abinitio.unfold_cubic(bands["k_cart_2pi_alat"], eig, bands["cell_alat"], spec.k_dos)
    ef = abinitio.fermi_level(full, n_band_electrons / occ, float(eig.min()), float(eig.max()))
    bottom_ev = float(eig[:, 0].min())
    step = spec.dos_step_ev
    e = ef + step * np.arange(np.floor((bottom_ev - spec.dos_below_bottom_ev - ef) / step),
                              np.ceil(spec.dos_above_ef_ev / step) + 1)
    per_ev = 1.0 / units.EV_TO_MEV                     # states/eV/spin/cell -> /meV/spin/atom
    xi = (e - ef) * units.EV_TO_MEV
    dos = abinitio.tetrahedron_dos(full, e) * per_ev * (occ / 2.0)
    return {"ef": ef, "xi": xi, "dos": dos, "dos_ef": float(np.interp(0.0, xi, dos)),
            "band_bottom": (bottom_ev - ef) * units.EV_TO_MEV,
            "n_below": occ * float(abinitio.integrated_dos(full, np.array([ef]))[0]),
            "n_band_electrons": n_band_electrons, "step": step}


def _q_grid_check(check_rundir: str | os.PathLike | None, spec: MetalSpec, ic: int, lam) -> dict:
    """lambda of the check run's interpolated alpha2F (chosen smearing ``ic``) against
    the main run's ``lam``: ``check_summary``, ``q_check``, ``lam_q_check``, ``q_rel``
    (all None without a check run)."""
    if check_rundir is None:
        return {"check_summary": None, "q_check": None, "lam_q_check": None, "q_rel": None}
    cs = json.loads((Path(check_rundir) / "summary.json").read_text())
    ctab = a2f_table(check_rundir, spec)
    lam_q_check = float(_moments(ctab["omega"], ctab["a2f"][ic])["lam"])
    return {"check_summary": cs, "q_check": int(cs["spec"]["q_grid"]),
            "lam_q_check": lam_q_check, "q_rel": abs(lam - lam_q_check) / lam}


def _direct_lambdas(rundir: Path, check_rundir: str | os.PathLike | None, spec: MetalSpec,
                    omega: np.ndarray, qsum: dict | None, ic: int) -> dict:
    """lambda of the direct sums over the computed q points of both grids ('main',
    'check'; where the ph.x output exists) -- a record, the q-grid verdict stays the
    interpolated one."""
    direct = {"main": float(qsum["lambda_direct"][ic])} if qsum is not None else {}
    elph_name = _elph_output(spec)
    for name, folder in (("main", rundir), ("check", check_rundir)):
        if name not in direct and folder is not None and (Path(folder) / elph_name).exists():
            direct[name] = float(a2f_from_q_points(read_ph_elph(Path(folder) / elph_name), omega,
                                                   spec.a2f_q_broadening_mev)["lambda_direct"][ic])
    return direct


def _verdicts(tol: dict, imag: float, stab: float, q_rel: float | None, tetra: bool) -> dict:
    """pass / FAIL of the imaginary modes, the smearing stability and the q-grid check."""
    return {
        "verdict_imaginary_modes": "pass" if imag < tol["imaginary_weight"] else "FAIL",
        "verdict_lambda_smearing_stability": (
            "not applicable (tetrahedra: no smearing)" if tetra
            else "pass" if stab <= tol["lambda_stability"] else "FAIL"),
        "verdict_q_grid": ("not checked" if q_rel is None
                           else ("pass" if q_rel <= tol["q_grid"] else "FAIL")),
    }


def _assemble_dataset(spec: MetalSpec, r: dict) -> xr.Dataset:
    """The contract Dataset (:data:`CONTRACT` plus the per-smearing lambdas)."""
    sm = r["tab"]["sigma_ry"] * units.RY_TO_MEV
    data = {**_spectral_vars(r, sm), **_scalar_vars(spec, r)}
    return xr.Dataset(data, coords=_coords(r, sm, _is_tetra(spec)))


def _spectral_vars(r: dict, sm: np.ndarray) -> dict:
    """alpha2F, lambda per smearing, phonon DOS and electronic DOS."""
    return {
        **_phonon_vars(r, sm),
        "dos": da(r["dos"], ("xi",), "1/meV",
                  "electronic DOS per spin per atom (linear tetrahedra, valence bands)",
                  bin_width_meV=r["step"] * units.EV_TO_MEV),
    }


def _phonon_vars(r: dict, sm: np.ndarray) -> dict:
    """alpha2F, lambda per smearing and the phonon DOS."""
    tab, ic, mat = r["tab"], r["ic"], r["mat"]
    return {
        "a2f": da(tab["a2f"][ic], ("omega",), "1", "Eliashberg function alpha2F (chosen smearing)",
                  smearing_meV=float(sm[ic])),
        "a2f_by_smearing": da(tab["a2f"], ("smearing", "omega"), "1",
                              "Eliashberg function alpha2F per electron-phonon smearing"),
        "lambda_by_smearing": da(r["lam_s"], ("smearing",), "1",
                                 "lambda = 2 Int a2F/w dw per smearing"),
        "lambda_matdyn": da(np.interp(tab["sigma_ry"], mat["sigma_ry"], mat["lambda"]),
                            ("smearing",), "1", "lambda as printed by matdyn.x (cross-check)"),
        "phonon_dos": da(r["f_grid"], ("omega",), "1/meV",
                         "phonon DOS F(omega) per atom, normalised to 3 modes incl. omega<0"),
    }


def moment_vars(mom: dict) -> dict:
    """lambda, omega_log and <omega^2>^(1/2) (:func:`scimodel.eliashberg.moments`) as variables."""
    return {
        "lambda": da(mom["lam"], (), "1", "electron-phonon coupling constant lambda"),
        "omega_log": da(mom["omega_log"], (), "meV", "logarithmic average phonon frequency"),
        "omega2": da(mom["omega2"], (), "meV", "<omega^2>^(1/2)"),
    }


def _scalar_vars(spec: MetalSpec, r: dict) -> dict:
    """lambda and the moments of alpha2F, Fermi-level and free-electron quantities."""
    return {
        **moment_vars(r["mom"]),
        "dos_ef": da(r["dos_ef"], (), "1/meV",
                     "N(0): DOS at E_F per spin per atom (= dos at xi = 0)"),
        "fermi_energy": da(r["ef"], (), "eV",
                           "Kohn-Sham Fermi energy (QE absolute scale, tetrahedron method)"),
        "band_bottom": da(r["band_bottom"], (), "meV",
                          "bottom of the valence band relative to E_F"),
        "electron_density": da(r["density"], (), "1/bohr^3", "valence electrons per volume"),
        "kf": da(free_electron_kf(r["density"]), (), "1/bohr",
                 "free-electron Fermi wave vector of electron_density"),
        "volume": da(r["volume"], (), "bohr^3", "volume per atom"),
        "n_valence": da(float(spec.n_valence), (), "1", "valence electrons per atom"),
    }


def _coords(r: dict, sm: np.ndarray, tetra: bool) -> dict:
    return {**_phonon_coords(r, sm, tetra),
            "xi": da(r["xi"], ("xi",), "meV", "electron energy relative to E_F")}


def _phonon_coords(r: dict, sm: np.ndarray, tetra: bool) -> dict:
    return {
        "omega": da(r["tab"]["omega"], ("omega",), "meV", "phonon energy"),
        "smearing": da(sm, ("smearing",), "meV",
                       "electron-phonon (double-delta) smearing" + (
                           " (0: optimized tetrahedra, no smearing)" if tetra else "")),
    }


def _attributes(spec: MetalSpec, summary: dict, tol: dict, r: dict, rundir: Path,
                check_rundir: str | os.PathLike | None) -> dict:
    """Global attributes of the NetCDF, in their recorded order."""
    walls = summary.get("wall_times_s", {})
    attrs = _setup_attrs(spec, summary, r)
    attrs.update(_elph_attrs(spec, r))
    attrs.update(_check_attrs(spec, summary, tol, r))
    attrs.update({f"wall_time_{k}_s": round(float(v), 2) for k, v in walls.items()})
    attrs["dos_from_run"] = "q_grid_check" if r["dos_dir"] != rundir else "q_grid"
    if spec.spin_orbit:
        attrs["spin_orbit"] = SPIN_ORBIT_TEXT
    attrs.update(_ph_run_attrs(summary, r["check_summary"], check_rundir))
    attrs.update(_q_point_attrs(r["direct"], r["gamma_acoustic"]))
    if check_rundir is not None:
        for k, v in r["check_summary"].get("wall_times_s", {}).items():
            attrs[f"wall_time_qcheck_{k}_s"] = round(float(v), 2)
    return attrs


def _setup_attrs(spec: MetalSpec, summary: dict, r: dict) -> dict:
    """The metal, the QE version, pseudopotential, cutoffs and grids of the run."""
    tetra = _is_tetra(spec)
    return {
        "metal": spec.name, "structure": spec.structure, "lattice_constant_angstrom": spec.a_angstrom,
        "mass_amu": spec.mass_amu,
        "qe_version": summary.get("qe_version") or r["bands"]["qe_version"],
        "pseudopotential": spec.pseudo, "pseudopotential_sha256": summary["pseudo_sha256"],
        "ecutwfc_Ry": spec.ecutwfc_ry, "ecutrho_Ry": spec.ecutrho_ry,
        "k_grid_scf": spec.k_scf, "k_grid_dense_elph": spec.k_dense, "q_grid": spec.q_grid,
        "q_grid_check": r["q_check"] if r["q_check"] is not None else "none",
        "k_grid_dos": spec.k_dos, "nbnd_dos": spec.dos_bands, "dos_above_ef_eV": spec.dos_above_ef_ev,
        "degauss_scf_Ry": spec.degauss_ry,
        "smearing_scf": (f"none: optimized tetrahedra (occupations='{TETRA_OCCUPATIONS}'); "
                         "degauss_scf_Ry is not used" if tetra else "Marzari-Vanderbilt"),
        "matdyn_grid": spec.matdyn_grid, "asr": spec.asr,
    }


def _elph_attrs(spec: MetalSpec, r: dict) -> dict:
    """Smearings, stability, imaginary-mode weights and the alpha2F methods."""
    tetra, tab = _is_tetra(spec), r["tab"]
    return {
        "elph_smearings_Ry": json.dumps([round(x, 6) for x in tab["sigma_ry"].tolist()]),
        "elph_smearing_chosen_Ry": float(tab["sigma_ry"][r["ic"]]),
        "lambda_stability_window_Ry": ("not applicable (tetrahedra)" if tetra
                                       else json.dumps(list(spec.stability_window_ry))),
        "lambda_stability_max_rel_dev": r["stab"],
        "imaginary_mode_weight": r["imag"],
        "elph_method": _elph_method_text(spec),
        "a2f_method": _a2f_method_text(spec, r["qsum"], r["blocks"]),
        "imaginary_mode_weight_interpolated": r["imag_interpolated"],
        "a2f_negative_frequency_fraction": tab["a2f_negative_fraction"],
        "a2f_clipped_fraction": tab["a2f_clipped_fraction"],
    }


def _a2f_method_text(spec: MetalSpec, qsum: dict | None, blocks: list | None) -> str:
    if qsum is not None:
        return (f"q_points: direct sum over the {len(blocks)} computed irreducible q points "
                f"(star weights), Gaussian {spec.a2f_q_broadening_mev} meV; the matdyn "
                "interpolation is kept only as lambda_matdyn and "
                "imaginary_mode_weight_interpolated")
    return spec.a2f_method + (
        ": q2r.x/matdyn.x Fourier interpolation of the lambda_tetra "
        "lambda_{q nu} (mode-diagonal gamma matrices written by "
        "scimodel.qe.write_tetra_gamma_files)" if _is_tetra(spec) else "")


def _check_attrs(spec: MetalSpec, summary: dict, tol: dict, r: dict) -> dict:
    """q-grid check, electronic DOS cross-checks, tolerances and verdicts."""
    return {
        "lambda_q_grid_check": r["lam_q_check"] if r["lam_q_check"] is not None else "none",
        "lambda_q_grid_rel_change": r["q_rel"] if r["q_rel"] is not None else "none",
        "dos_method": "linear tetrahedra (scimodel.abinitio) on the nscf grid unfolded by O_h",
        "fermi_energy_qe_gaussian_eV": r["ef_qe"],
        "dos_ef_qe_gaussian": r["dos_ef_gauss"],
        "dos_ef_qe_gaussian_double": r["dos_ef_wide"],
        "dos_qe_gaussian_broadening_meV": spec.dos_degauss_ry * units.RY_TO_MEV,
        "electrons_below_ef_from_dos": r["n_below"],
        "electrons_in_dos_bands": r["n_band_electrons"],
        "semicore_bands_excluded": spec.semicore_bands,
        "tolerances": json.dumps(tol, sort_keys=True),
        "nproc": summary.get("nproc", 1),
        **r["verdict"],
    }


def _ph_run_attrs(summary: dict, check_summary: dict | None,
                  check_rundir: str | os.PathLike | None) -> dict:
    """Which q points were joined (phonon keys) and how ph.x ran."""
    # which q points were joined: the campaign archive <M>_q<q>_<phonon key>.zip
    attrs = {}
    if "phonon_key" in summary:
        attrs["phonon_key"] = summary["phonon_key"]
    if check_rundir is not None and "phonon_key" in check_summary:
        attrs["phonon_key_q_grid_check"] = check_summary["phonon_key"]
    if "ph_wall_per_q_s" in summary:
        attrs["ph_runs"] = "one ph.x process per irreducible q point (scimodel.qe.run_q_point)"
        attrs["wall_time_ph_per_q_s"] = [round(float(v), 2) for v in summary["ph_wall_per_q_s"]]
    else:
        attrs["ph_runs"] = "one ph.x process for all q points (ldisp, before the per-q split)"
    return attrs


def _q_point_attrs(direct: dict, gamma_acoustic: float | None) -> dict:
    """lambda of the direct q-point sums and the Gamma acoustic weight left out of F(omega)."""
    attrs = {}
    if "main" in direct:
        attrs["lambda_q_points_direct"] = direct["main"]
    if "check" in direct:
        attrs["lambda_q_grid_check_direct"] = direct["check"]
    if "main" in direct and "check" in direct:
        attrs["lambda_q_grid_rel_change_direct"] = abs(direct["main"] - direct["check"]) / direct["main"]
    if gamma_acoustic is not None:
        # Gamma's three acoustic modes sit at omega = 0: left out of F(omega), whose
        # integral is therefore 3 (1 - this weight)
        attrs["phonon_dos_gamma_acoustic_excluded"] = gamma_acoustic
    return attrs


def read_abinitio(path: str | os.PathLike) -> xr.Dataset:
    """Open ``resources/abinitio/<M>.nc`` and validate the contract (:data:`CONTRACT`).

    Raises InputError on a missing variable, missing or wrong units, wrong
    dimensions, an omega grid that does not start at 0, a DOS grid that does
    not reach 20 eV above E_F, or non-positive scalars where they must be positive.
    """
    ds = read_dataset(path, required={k: u for k, (u, _) in CONTRACT.items()},
                      dims={k: d for k, (_, d) in CONTRACT.items()})
    om = ds["omega"].values
    if om.size < 3 or om[0] != 0.0 or np.any(np.diff(om) <= 0):
        raise InputError(path, "omega", "expected a strictly increasing grid starting at 0")
    if ds["a2f_by_smearing"].shape != (ds.sizes["smearing"], ds.sizes["omega"]):
        raise InputError(path, "a2f_by_smearing", "shape is not (smearing, omega)")
    xi = ds["xi"].values
    if xi.size < 3 or np.any(np.diff(xi) <= 0):
        raise InputError(path, "xi", "expected a strictly increasing grid")
    if xi[-1] < 20.0 * units.EV_TO_MEV:
        raise InputError(path, "xi", f"DOS ends at {xi[-1]:.0f} meV; expected >= 20000 meV above E_F")
    if float(ds["band_bottom"]) >= 0 or xi[0] > float(ds["band_bottom"]):
        raise InputError(path, "band_bottom",
                         "expected a negative value inside the xi grid (DOS from the band bottom)")
    for name in ("lambda", "omega_log", "omega2", "dos_ef", "electron_density", "kf", "volume",
                 "n_valence"):
        v = float(ds[name])
        if not np.isfinite(v) or v <= 0:
            raise InputError(path, name, f"got {v}; expected a positive finite number")
    if np.any(ds["a2f"].values < 0) or np.any(ds["dos"].values < 0):
        raise InputError(path, "a2f/dos", "negative values")
    return ds
