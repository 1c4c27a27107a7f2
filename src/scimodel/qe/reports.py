"""Summary tables of the ab-initio datasets against the reference lambdas."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import xarray as xr

from .. import units
from ..errors import InputError


def read_reference_lambda(path: str | os.PathLike) -> dict[str, float]:
    """Two-column CSV ``metal,lambda`` (comment lines '#') -> {metal: lambda}."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "<file>", "file does not exist")
    rows = [ln.strip() for ln in path.read_text().splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]
    if not rows or rows[0].replace(" ", "") != "metal,lambda":
        raise InputError(path, "header", "expected 'metal,lambda'")
    out = {}
    for i, ln in enumerate(rows[1:], 2):
        parts = [p.strip() for p in ln.split(",")]
        try:
            name, lam = parts[0], float(parts[1])
        except (IndexError, ValueError):
            raise InputError(path, f"row {i}", f"expected 'metal,lambda', got {ln!r}") from None
        if not lam > 0:
            raise InputError(path, f"row {i}", f"lambda must be > 0, got {lam}")
        out[name] = lam
    return out


def spin_orbit_label(attrs: Mapping) -> str:
    """How an ab-initio NetCDF treats spin-orbit coupling: ``no`` (scalar-relativistic),
    ``yes`` (spinor run) or ``by transfer (...)`` (:mod:`scimodel.qe.spin_orbit`)."""
    if "spin_orbit_transfer" in attrs:
        return (f"by transfer (scalar lambda {float(attrs['scalar_lambda']):.3f}, coarse-pair ratio "
                f"{float(attrs['spin_orbit_lambda_ratio']):.3f})")
    return "yes" if "spin_orbit" in attrs else "no"


def summary_tables(datasets: Mapping[str, xr.Dataset], reference: Mapping[str, float],
                   tolerance: float = 0.15):
    """Two DataFrames: physics (lambda, omega_log, omega2, N(0), E_F - band bottom, paper 004's
    lambda and the deviation) and the convergence record (grids, verdicts, wall time)."""
    import pandas as pd
    phys, conv = [], []
    for m, ds in datasets.items():
        lam = float(ds["lambda"])
        ref = reference.get(m)
        dev = (lam - ref) / ref if ref else float("nan")
        phys.append({
            "metal": m, "lambda": lam, "lambda_paper004": ref if ref else float("nan"),
            "rel_dev": dev,
            "within_tol": ("yes" if abs(dev) <= tolerance else "no") if ref else "-",
            "omega_log_meV": float(ds["omega_log"]),
            "omega_log_K": float(ds["omega_log"]) * units.MEV_TO_K,
            "omega2_meV": float(ds["omega2"]),
            "N0_per_eV_spin_atom": float(ds["dos_ef"]) * units.EV_TO_MEV,
            "band_bottom_eV": float(ds["band_bottom"]) * units.MEV_TO_EV,
            "kf_per_bohr": float(ds["kf"]),
            "spin_orbit": spin_orbit_label(ds.attrs),
        })
        a = ds.attrs
        conv.append({
            "metal": m, "q_grid": a.get("q_grid"), "q_check": a.get("q_grid_check"),
            "lambda_q_check": a.get("lambda_q_grid_check", a.get("scalar_lambda_q_grid_check")),
            "q_rel_change": a.get("lambda_q_grid_rel_change"),
            "verdict_q": a.get("verdict_q_grid"),
            "q_rel_change_direct": a.get("lambda_q_grid_rel_change_direct", float("nan")),
            "elph": ("tetrahedra" if str(a.get("elph_method", "")).startswith("optimized tetrahedra")
                     else "gaussian"),
            "sigma_Ry": a.get("elph_smearing_chosen_Ry"),
            "smearing_max_rel_dev": a.get("lambda_stability_max_rel_dev"),
            "verdict_smearing": a.get("verdict_lambda_smearing_stability"),
            "imag_weight": a.get("imaginary_mode_weight"),
            "verdict_imag": a.get("verdict_imaginary_modes"),
            "k_dense": a.get("k_grid_dense_elph"), "k_dos": a.get("k_grid_dos"),
            "wall_min": float(a.get("wall_time_total_s", float("nan"))) / 60.0
            + float(a.get("wall_time_qcheck_total_s", 0.0)) / 60.0,
        })
    return pd.DataFrame(phys), pd.DataFrame(conv)
