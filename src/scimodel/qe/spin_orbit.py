"""A first-principles input (:data:`scimodel.qe.contract.CONTRACT`) with the alpha2F of a
converged scalar-relativistic grid changed as two coarse grids say spin-orbit changes it
(issue 31, Pb: scalar 6^3, spin-orbit and scalar on one pseudopotential on 4^3).
The coarse pair is either two whole grids (phonon-only joins, rule
abinitio_phonon_spectrum) or the same q points of each, as direct sums (rule
abinitio_q_point_spectrum, :func:`scimodel.qe.build_q_point_dataset`), when a grid is not
complete.

The coarse pair must share everything but spin-orbit (pseudopotential, cutoffs, k grids,
electron-phonon method, q grid); :func:`transferred_dataset` checks what the datasets
record of it.  alpha2F (every smearing row) and the phonon DOS are carried over by
:func:`scimodel.eliashberg.transfer.transfer`; the electronic DOS, E_F and the
free-electron quantities stay the scalar file's (the attributes say so).  For Pb on pb_s.UPF
spin-orbit raises N(E_F) by 5.0 %, which lowers the energy-only Tc by 0.4-0.5 %
(resources/abinitio/Pb_spin_orbit_tetra_check/dos/dos_so_vs_scalar.md).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

import numpy as np
import xarray as xr

from .. import units
from ..eliashberg import moments
from ..eliashberg.transfer import transfer
from ..errors import InputError
from ..io import da
from .contract import SPIN_ORBIT_TEXT, _elph_method_text, _is_tetra, _phonon_only_setup, moment_vars
from .elph import a2f_from_q_points
from .parsers import read_ph_elph
from .pipeline import _read_json
from .runner import check_qe_output
from .spec import metal_spec, phonon_key

#: attributes of the two coarse datasets that must be equal (all but spin-orbit)
SAME_SETUP = ("metal", "structure", "lattice_constant_angstrom", "pseudopotential_sha256", "ecutwfc_Ry",
              "ecutrho_Ry", "k_grid_scf", "k_grid_dense_elph", "q_grid", "elph_method")

#: lambdas the scalar file records of its own runs; the transferred file keeps them as
#: ``scalar_<name>`` (they are not lambdas of its spectrum; the relative changes and verdicts,
#: which describe the scalar grids' convergence, keep their names)
SCALAR_RUN_LAMBDAS = ("lambda_q_grid_check", "lambda_q_points_direct", "lambda_q_grid_check_direct")


def _spin_orbit(ds: xr.Dataset) -> bool:
    """The run had spin-orbit coupling (attribute ``spin_orbit``, written by
    :func:`scimodel.qe.build_abinitio_dataset` and :func:`scimodel.qe.build_phonon_dataset`)."""
    return "spin_orbit" in ds.attrs


def _fine_grid(*grids: np.ndarray) -> np.ndarray:
    top = 1.25 * max(float(g[-1]) for g in grids)       # room for a transfer that stiffens
    step = min(float(np.min(np.diff(g))) for g in grids) / 4.0
    return np.linspace(0.0, top, int(np.ceil(top / step)) + 1)


def transferred_dataset(scalar: xr.Dataset, ref_from: xr.Dataset, ref_to: xr.Dataset, *,
                        method: str = "quantile", names: tuple[str, str, str] = ("", "", "")) -> xr.Dataset:
    """``scalar`` with alpha2F and the phonon DOS changed as ``ref_from`` (coarse, without
    spin-orbit) -> ``ref_to`` (coarse, with spin-orbit); ``names``: the three files, for
    the errors and the attributes."""
    n_s, n_from, n_to = names
    for key in SAME_SETUP:
        if ref_from.attrs.get(key) != ref_to.attrs.get(key):
            raise InputError(n_to, key, f"{ref_to.attrs.get(key)!r}; expected {ref_from.attrs.get(key)!r} "
                             f"as in {n_from} (the pair may differ in spin-orbit only)")
    if ref_from.attrs.get("q_points") != ref_to.attrs.get("q_points"):
        # direct sums over a subset of the grid (scimodel.qe.build_q_point_dataset)
        raise InputError(n_to, "q_points", f"{ref_to.attrs.get('q_points')!r}; expected "
                         f"{ref_from.attrs.get('q_points')!r} as in {n_from} (the pair must cover the "
                         "same q points)")
    if _spin_orbit(ref_from) or not _spin_orbit(ref_to) or _spin_orbit(scalar):
        raise InputError(n_to, "spin_orbit (attribute)",
                         "expected it absent from the scalar file and the first reference (no spin-orbit) "
                         "and present in the second")
    om = scalar["omega"].values
    fine = _fine_grid(om, ref_from["omega"].values, ref_to["omega"].values)

    def on_fine(ds, a):
        return np.interp(fine, ds["omega"].values, a, right=0.0)

    out = scalar.copy()
    lost = {}

    def carry(values, name: str, weight: str = "coupling") -> np.ndarray:
        """``values`` (on om) transferred on the fine grid and brought back to om; the
        quantile method's result is normalised there to the references' ratio times the
        lambda (or integral) of ``values`` on om, the ratio method's is left as it comes."""
        refs = [on_fine(d, np.clip(d[name].values, 0.0, None)) for d in (ref_from, ref_to)]
        t = transfer(fine, on_fine(scalar, np.clip(values, 0.0, None)), *refs, method=method, weight=weight)
        lost[name] = t.lost_fraction
        if t.a2f[fine > om[-1] * (1 + 1e-12)].max(initial=0.0) > 1e-9 * t.a2f.max():
            raise InputError(n_to, "omega", f"the transferred {name} has weight above the scalar grid's "
                             f"top ({om[-1]:.3f} meV)")
        back = np.interp(om, fine, t.a2f)
        if method != "quantile":
            return back
        if weight == "density":
            return back * t.lambda_ratio * np.trapezoid(values, om) / np.trapezoid(back, om)
        return back * t.lambda_ratio * moments(om, values)["lam"] / moments(om, back)["lam"]

    rows = [carry(row, "a2f") for row in scalar["a2f_by_smearing"].values]
    a2f = carry(scalar["a2f"].values, "a2f")
    f_new = carry(np.clip(scalar["phonon_dos"].values, 0.0, None), "phonon_dos", "density")
    mom = moments(om, a2f)
    lam_rows = np.array([moments(om, r)["lam"] for r in rows])
    keep = {k: v.attrs for k, v in scalar.data_vars.items()}
    out["a2f"] = da(a2f, ("omega",), "1", keep["a2f"]["long_name"] + ", spin-orbit by transfer",
                    **{k: v for k, v in keep["a2f"].items() if k not in ("units", "long_name")})
    out["a2f_by_smearing"] = da(np.array(rows), ("smearing", "omega"), "1",
                                keep["a2f_by_smearing"]["long_name"] + ", spin-orbit by transfer")
    out["lambda_by_smearing"] = da(lam_rows, ("smearing",), "1", "lambda = 2 Int a2F/w dw per smearing")
    out["phonon_dos"] = da(f_new, ("omega",), "1/meV",
                           keep["phonon_dos"]["long_name"] + ", spin-orbit by transfer")
    out = out.assign(moment_vars(mom))
    if "lambda_matdyn" in out:
        out = out.drop_vars("lambda_matdyn")     # a matdyn.x print of the scalar run: not this spectrum
    lam_from, lam_to = (float(moments(d["omega"].values, d["a2f"].values)["lam"]) for d in (ref_from, ref_to))
    for key in SCALAR_RUN_LAMBDAS:
        if key in out.attrs:
            out.attrs[f"scalar_{key}"] = out.attrs.pop(key)
    out.attrs.update({
        "variant": "spin-orbit by transfer",
        "spin_orbit_transfer": (
            f"alpha2F and phonon DOS of the scalar file ({n_s}) changed as the coarse pair "
            f"{n_from} (no spin-orbit) -> {n_to} (spin-orbit) changes "
            f"(scimodel.eliashberg.transfer, method {method!r}); electronic DOS, E_F and the "
            "free-electron quantities are the scalar file's"),
        "spin_orbit_transfer_method": method,
        "spin_orbit_transfer_lost_fraction": lost["a2f"],
        "spin_orbit_lambda_ratio": lam_to / lam_from,
        "spin_orbit_reference_lambda_scalar": lam_from,
        "spin_orbit_reference_lambda_spin_orbit": lam_to,
        "spin_orbit_reference_phonon_keys": json.dumps([ref_from.attrs.get("phonon_key"),
                                                        ref_to.attrs.get("phonon_key")]),
        "spin_orbit_reference_q_points": ref_to.attrs.get(
            "q_points", f"the whole {ref_to.attrs.get('q_grid')}^3 grid (q2r.x/matdyn.x)"),
        "scalar_lambda": float(scalar["lambda"]),
        "scalar_omega_log_meV": float(scalar["omega_log"]),
    })
    return out


#: Gaussian width (meV) of :func:`build_q_point_dataset`: narrow, so that lambda from the
#: broadened spectrum (2 Int a2F / omega) stays within 1 % of the direct sum for modes of 2.5 meV
#: and up (Pb's lowest TA); the transfer compares the two spectra's cumulative coupling, not shapes.
Q_POINT_BROADENING_MEV = 0.2


def build_q_point_dataset(qdirs, metal: str, element: Mapping, *, q_grid: int | None = None,
                          width_mev: float = Q_POINT_BROADENING_MEV) -> tuple[xr.Dataset, dict]:
    """alpha2F, lambda and the phonon DOS as the star-weighted direct sum over the given
    finished q points of one campaign (:func:`scimodel.qe.run_q_point` folders, e.g. the
    points two campaigns both hold), for a spin-orbit transfer (:mod:`scimodel.qe.spin_orbit`)
    whose grids are not both complete: no q2r.x/matdyn.x, so a subset of a grid will do.
    Weights star / (sum of the given stars); Gaussian of ``width_mev``
    (:func:`scimodel.qe.elph.a2f_from_q_points`).  ``element``: the campaign's config of
    ``metal``; every folder must carry its phonon key.  The electron-phonon row is the one
    of ``elph_sigma_Ry`` (tetrahedra: the only one).  Returns ``(dataset, attrs)``."""
    spec = metal_spec(metal, element, **({"q_grid": int(q_grid)} if q_grid else {}))
    key = phonon_key(spec)
    blocks, iqs, summaries = [], [], []
    for d in map(Path, qdirs):
        s = _read_json(d / "summary.json", "q-point folder (scimodel.qe.run_q_point)")
        if s.get("phonon_key") != key:
            raise InputError(d / "summary.json", "phonon_key",
                             f"{key} (the campaign of abinitio.elements.{metal}), got {s.get('phonon_key')!r}")
        src = d / ("elph.out" if _is_tetra(spec) else "ph.out")
        check_qe_output(d / "ph.out")
        b = read_ph_elph(src)[-1]
        iqs.append(int(s["iq"]))
        blocks.append(b)
        summaries.append(s)
    if len(set(iqs)) != len(iqs) or not iqs:
        raise InputError(None, "q points", f"distinct finished q points, got {iqs}")
    if len({s["pseudo_sha256"] for s in summaries}) != 1:
        raise InputError(None, "pseudo_sha256", "one pseudopotential in every q point")
    sig = blocks[0]["sigma_ry"]
    row = 0 if _is_tetra(spec) else int(np.argmin(np.abs(np.asarray(sig) - spec.elph_sigma_ry)))
    width = float(width_mev)
    top = max(float(np.max(b["freq_mev"])) for b in blocks) + 6.0 * width
    omega = np.linspace(0.0, top, int(np.ceil(top / (width / 10.0))) + 1)
    qsum = a2f_from_q_points(blocks, omega, width)
    a2f = qsum["a2f"][row]
    mom = moments(omega, a2f)
    stars = [int(b["star"]) for b in blocks]
    ds = xr.Dataset({
        "a2f": da(a2f, ("omega",), "1", "Eliashberg function alpha2F, direct sum over the listed q points",
                  smearing_meV=float(np.asarray(sig)[row]) * units.RY_TO_MEV),
        "phonon_dos": da(qsum["phonon_dos"], ("omega",), "1/meV",
                         "phonon DOS F(omega) per atom of the listed q points, 3 modes less "
                         "the omega <= 0 modes (Gamma's acoustic ones)"),
        "lambda_direct": da(float(qsum["lambda_direct"][row]), (), "1",
                            "lambda = sum_q w_q sum_nu lambda_{q nu} over the listed q points"),
        **moment_vars(mom)},
        coords={"omega": da(omega, ("omega",), "meV", "phonon energy")})
    attrs = {
        **_phonon_only_setup(spec, summaries[0]),
        "elph_method": _elph_method_text(spec), "phonon_key": key,
        "q_points": json.dumps(sorted(iqs)),
        "q_point_star_members": int(sum(stars)), "q_grid_points": int(spec.q_grid) ** 3,
        "a2f_method": (f"direct sum over the irreducible q points {sorted(iqs)} of the "
                       f"{spec.q_grid}^3 grid ({sum(stars)} of its {spec.q_grid ** 3} points with "
                       f"their stars; weights star / {sum(stars)}), Gaussian {width} meV; "
                       "no q2r.x/matdyn.x interpolation"),
        "electronic_steps": "none (phonons only)",
    }
    if spec.spin_orbit:
        attrs["spin_orbit"] = SPIN_ORBIT_TEXT
    return ds, attrs


def missing_point_bounds(scalar_points: Mapping[int, Mapping], so_points: Mapping[int, Mapping]) -> dict:
    """How far the spin-orbit / scalar lambda ratio over the q points both grids hold can be
    from the whole-grid ratio, when the scalar grid is complete and the spin-orbit one is not.
    ``*_points``: :func:`scimodel.qe.campaigns.q_point_lambdas` of each campaign (``star``,
    ``lambda_q``).  The missing points are given every ratio between the smallest and the
    largest of the computed points'.  Returns ``common`` (the shared points), ``ratio_common``
    (the star-weighted ratio over them, that of a pair from :func:`build_q_point_dataset`),
    ``missing``, ``missing_share`` (their part of the scalar grid's lambda), ``point_ratios``
    (min, max), ``whole_grid_ratio`` (low, high) and ``factor`` (low, high) = whole-grid ratio /
    ``ratio_common``, the factor on a lambda transferred with the shared points."""
    common = sorted(set(scalar_points) & set(so_points))
    missing = sorted(set(scalar_points) - set(so_points))
    if not common or not missing or set(so_points) - set(scalar_points):
        raise InputError(None, "q points", f"a complete scalar grid and a spin-orbit grid missing some of "
                         f"its points, got scalar {sorted(scalar_points)}, spin-orbit {sorted(so_points)}")

    def weighted(pts, iqs):
        return sum(pts[i]["star"] * pts[i]["lambda_q"] for i in iqs)

    members = sum(scalar_points[i]["star"] for i in scalar_points)
    full = weighted(scalar_points, scalar_points) / members
    ratios = [so_points[i]["lambda_q"] / scalar_points[i]["lambda_q"]
              for i in common if scalar_points[i]["lambda_q"] > 0]
    done = weighted(so_points, common) / members
    lost = weighted(scalar_points, missing) / members
    whole = tuple((done + r * lost) / full for r in (min(ratios), max(ratios)))
    sub = weighted(so_points, common) / weighted(scalar_points, common)
    return {"common": common, "ratio_common": sub, "missing": missing, "missing_share": lost / full,
            "point_ratios": (min(ratios), max(ratios)), "whole_grid_ratio": whole,
            "factor": tuple(w / sub for w in whole)}
