"""Datasets behind the defectal figures (one builder per workflow rule).

Each builder takes the plain config subset (the ``params`` of its rule) and
returns an :class:`xarray.Dataset` whose variables carry ``units`` and
``long_name``; the workflow scripts only write them with
:func:`scimodel.io.write_dataset`.
"""
from __future__ import annotations

import time
from typing import Mapping

import numpy as np
import xarray as xr

from ..io import da
from . import diffraction, isotropy, paracrystal, spectral
from .coupling import v_ee_shape
from .model import MaterialClass, Reading, flow
from .sumrule import kf_a0_from_electrons

REFERENCE = ("M. ElMassalami and M. B. Silva Neto, 'Defect-engineered, universal kinematic "
             "correlations between superconductivity and Fermi liquid transport', arXiv:1904.04773")


def paracrystal_dataset(p: Mapping) -> xr.Dataset:
    """Line profiles (Eq. A8) for several sigma, peak heights and widths versus order."""
    sig = np.asarray(p["sigmas"], float)
    orders = np.arange(1, int(p["orders"]) + 1)
    x = np.linspace(0.02, orders[-1] + 0.5, 6000)          # p in units of 2 pi / a0
    prof = np.array([paracrystal.line_profile(2 * np.pi * x, 1.0, s) for s in sig])
    h_meas = np.full((sig.size, orders.size), np.nan)
    w_meas = np.full_like(h_meas, np.nan)
    for i, s in enumerate(sig):
        for j, m in enumerate(orders):
            try:
                h_meas[i, j], w_meas[i, j] = paracrystal.measure_peak(int(m), 1.0, float(s))
            except Exception:      # peak merged into the halo: no half maximum
                pass
    lor = np.array([[paracrystal.peak_height(m, s) / (1 + ((x - m) * 2 * np.pi / paracrystal.peak_hwhm(m, 1.0, s)) ** 2)
                     for m in orders] for s in sig]).max(axis=1)
    ds = xr.Dataset(coords=dict(
        sigma=da(sig, "sigma", "1", "relative distortion sigma = Delta a / a"),
        order=da(orders, "order", "1", "Bragg order m"),
        p=da(x, "p", "1", "momentum transfer along a_1, in units of 2 pi/a0")))
    ds["S"] = da(prof, ("sigma", "p"), "1", "Hosemann line profile (Eq. A8)")
    ds["S_lorentz"] = da(lor, ("sigma", "p"), "1", "largest Lorentzian of the expansion (Eq. A10) at each p")
    ds["height"] = da(h_meas, ("sigma", "order"), "1", "measured peak height of Eq. A8")
    ds["height_paper"] = da(np.array([paracrystal.peak_height(orders, s) for s in sig]), ("sigma", "order"), "1",
                            "S_max = 1/(pi^2 sigma^2 m^2) (paper, a0 = 1)")
    ds["hwhm"] = da(w_meas, ("sigma", "order"), "1", "measured half width at half maximum, in units of 1/a0")
    ds["hwhm_exact"] = da(np.array([paracrystal.peak_hwhm(orders, 1.0, s) for s in sig]), ("sigma", "order"),
                          "1", "leading-order HWHM 2 pi^2 sigma^2 m^2 / a0, in units of 1/a0")
    ds["width_paper"] = da(np.array([paracrystal.peak_width_paper(orders, 1.0, s) for s in sig]),
                           ("sigma", "order"), "1", "paper's delta p = pi^2 sigma^2 m^2 / a0, in units of 1/a0")
    return ds


def diffraction_dataset(p: Mapping, workers: int = 1) -> xr.Dataset:
    """Pristine and distorted Fraunhofer patterns and the line-profile check."""
    n, os_ = int(p["n_sites"]), int(p["oversample"])
    kmax = float(p["k_max_orders"]) * 2 * np.pi
    t0 = time.perf_counter()
    pats = []
    for sigma, deconv in ((0.0, False), (float(p["sigma"]), True)):
        r = diffraction.paracrystal_2d(n, sigma, seed=int(p["seed"]))
        pat = diffraction.fraunhofer(r, oversample=os_, workers=workers, deconvolve=deconv)
        pats.append(diffraction.crop_and_bin(pat, kmax, int(p["bin"])))
    t_img = time.perf_counter() - t0
    seeds = tuple(int(p["seed"]) + i for i in range(int(p["metric_seeds"])))
    metrics = {}
    # the ring at 2.5 and the (3,0) spot +- 0.5 must lie inside the shown and the Nyquist range
    if min(float(p["k_max_orders"]), 0.5 * os_) >= 3.5:
        iso = isotropy.isotropy_metrics(n, float(p["sigma"]), seeds=seeds, oversample=os_,
                                        k_max_orders=float(p["k_max_orders"]), bin_=int(p["bin"]),
                                        workers=workers, expected=True)
        metrics = dict(
            ring_anisotropy=iso["ring_anisotropy"], ring_anisotropy_expected=iso["expected_ring_anisotropy"],
            spot30_width_ratio=iso["spot_width_ratio"],
            spot30_width_ratio_expected=iso["expected_spot_width_ratio"], metric_seeds=len(seeds),
            metric_definition=("ring: mean intensity on |k| = 2.5 (2 pi/a0) within +-1 deg of the axes over "
                               "that within +-1 deg of the diagonals; spot: HWHM_y / HWHM_x of the (3,0) spot; "
                               "both averaged over metric_seeds simulations (scimodel.defectal.isotropy)"))
    q = np.linspace(0.3, 3.7, int(p["profile_points"])) * 2 * np.pi
    sp = float(p["profile_sigma"])
    lp = diffraction.simulated_line_profile(n, sp, q, seed=int(p["seed"]) + 1)
    ds = xr.Dataset(coords=dict(
        kx=da(pats[0].k / (2 * np.pi), "kx", "1", "k_x in units of 2 pi/a0"),
        ky=da(pats[0].k / (2 * np.pi), "ky", "1", "k_y in units of 2 pi/a0"),
        lattice=da(np.array(["pristine", "distorted"]), "lattice", "1", "lattice"),
        p=da(q / (2 * np.pi), "p", "1", "momentum transfer along a_1, in units of 2 pi/a0")))
    ds["intensity"] = da(np.stack([pp.intensity for pp in pats]).astype(np.float32),
                         ("lattice", "ky", "kx"), "1", "Fraunhofer intensity |sum exp(i k.r)|^2 / N_sites")
    ds["profile_sim"] = da(lp.mean, "p", "1", "row-averaged simulated line profile")
    ds["profile_err"] = da(lp.stderr, "p", "1", "standard error of the row average")
    ds["profile_chain"] = da(paracrystal.finite_chain_profile(q, n, 1.0, sp), "p", "1",
                             "expected profile of an N-site chain (Eq. A8 at finite N)")
    ds["profile_a8"] = da(paracrystal.line_profile(q, 1.0, sp), "p", "1", "Eq. A8")
    z = (lp.mean - ds["profile_a8"].values) / lp.stderr
    ds.attrs.update(dict(
        model="isotropic cumulative paracrystal (displacement variance sigma^2 a |R|, "
              "scimodel.defectal.diffraction.paracrystal_2d mode='isotropic'); the line profile "
              "uses separable chains (Eq. A8)",
        isotropy_metrics=("computed" if metrics else "not computed: k_max_orders or oversample / 2 below 3.5"), **metrics))
    ds.attrs.update(dict(sigma=float(p["sigma"]), profile_sigma=sp, n_sites=n,
                         image_seconds=t_img, profile_mean_z2=float(np.mean(z**2)),
                         profile_frac_within_3sigma=float(np.mean(np.abs(z) < 3))))
    return ds


def spectra_dataset(p: Mapping, kf_a0: float, m2_max: int, omega_opt_over_vs_kf=None) -> xr.Dataset:
    """alpha2F_l(x) for several k_F l (Fig. 5 g) and V_ee(omega_E/omega_opt) (Fig. 5 h)."""
    kfl = np.asarray(p["kF_ell"], float)
    x_d = spectral.QD_A0_SC / kf_a0
    x = np.linspace(x_d / p["n_omega"], x_d, int(p["n_omega"]))
    a = np.zeros((kfl.size, x.size))
    lat = np.zeros_like(a)
    slopes = np.zeros(kfl.size)
    lam = np.zeros(kfl.size)
    for i, L in enumerate(kfl):
        a[i], parts = spectral.alpha2f(x, L, kf_a0, m2_max=m2_max, lambda_norm=float(p["lambda_norm"]),
                                       eps=float(p["heavy_mass_ratio"]),
                                       resonance_weight=float(p["resonance_weight"]))
        lat[i] = parts["lattice"]
        xl = np.geomspace(1e-4, 0.5, 400)
        al = spectral.alpha2f_lattice(xl, L, kf_a0, m2_max, float(p["lambda_norm"]))
        lo, hi = (0.05, 0.3) if L * 0.05 > 5 else (0.003, 0.03)
        slopes[i] = spectral.loglog_slope(xl, al, lo, hi)
        lam[i] = 2 * np.trapezoid(a[i] / x, x)
    x_r, gam = spectral.resonance(float(p["heavy_mass_ratio"]), x_d)
    xe = np.geomspace(0.05, 20, 400)
    ds = xr.Dataset(coords=dict(
        kF_ell=da(kfl, "kF_ell", "1", "k_F l"),
        x=da(x, "x", "1", "omega / (v_s k_F)"),
        omegaE_over_omegaopt=da(xe, "omegaE_over_omegaopt", "1", "omega_E / omega_opt")))
    ds["alpha2F"] = da(a, ("kF_ell", "x"), "1", "alpha2F_l (Eqs. 8, B6-B7), lattice + Lifshitz resonance")
    ds["alpha2F_lattice"] = da(lat, ("kF_ell", "x"), "1", "lattice part of alpha2F_l (Eqs. B6-B7)")
    ds["low_freq_exponent"] = da(slopes, "kF_ell", "1", "log-log slope of the lattice part at low frequency")
    ds["lambda_standard"] = da(lam, "kF_ell", "1", "lambda = 2 Int alpha2F / omega")
    ds["V_ee"] = da(v_ee_shape(xe), "omegaE_over_omegaopt", "1",
                    "V_ee at fixed spectral area A (Eq. 14 with an Einstein spectrum), in units of 2 A / (N(eF) omega_opt)")
    ds.attrs.update(dict(kF_a0=kf_a0, x_D=x_d, x_R=x_r, Gamma_x=gam, shells_m2_max=m2_max))
    return ds


def readings_from_config(common: Mapping) -> list:
    """The transport readings of ``defectal.transport`` (:class:`.model.Reading`), default first."""
    t = common["transport"]
    m = common["monte_carlo"]
    out = []
    for name in t["readings"]:
        if name == "sum_rule":
            out.append(Reading(name, kf_a0_from_electrons(float(t["electrons_per_cell"])),
                               nodes=int(t["quadrature_nodes"]), shell_margin=float(t["shell_margin"])))
        else:
            out.append(Reading(name, float(common["kF_a0"]), mc_samples=int(m["samples"]),
                               seed=int(m["seed"]), m2_max=int(common["shells_m2_max"])))
    return out


def flow_dataset(name: str, cls: Mapping, common: Mapping) -> xr.Dataset:
    """Disorder flow of one material class (:func:`scimodel.defectal.model.flow`), every reading."""
    mc = MaterialClass.from_config(name, cls, float(common["mu_star"]))
    f = common["flow"]
    readings = readings_from_config(common)
    ds = flow(mc, readings, kf_ell_min=float(f["kF_ell_min"]), n_points=int(f["n_points"]),
              r2_min=float(f["line_r2_min"]), n_eliashberg=int(f["n_eliashberg"]),
              eliashberg_cutoff_factor=float(f["eliashberg_cutoff_factor"]))
    kf_a0 = xr.DataArray([r.kf_a0 for r in readings], dims="reading")
    inv_ell = ds["inv_kF_ell"] * kf_a0 / float(common["a0_angstrom"])
    ds["inv_ell"] = da(inv_ell.transpose("reading", "drho").values, ("reading", "drho"), "angstrom-1",
                       "1/l (Eqs. 2-3) for the reading's k_F a0; 0 for the pristine lattice")
    return ds


def model_curves(flows: Mapping[str, xr.Dataset]) -> xr.Dataset:
    """Curves for the literature overlays: per class ``c``

    dTc_over_Tc0_<c>(drho_<c>)   delta Tc / Tc0 (Eq. 16 along Eq. 17)
    A_<c>(drho_<c>)              A(l) in A_unit (Eqs. 32, 38)
    lnTc_<c>(drho_<c>)           ln(Tc / K)
    A_inv_sqrt_<c>(drho_<c>)     A^(-1/2) in A_unit^(-1/2) (x axis of the Tc-A plot)
    Tc_<c>, A_err_<c>, dTc_eq19_<c>, dTc_eq20_<c>, dTc_over_Tc0_eliashberg_<c>(drho_el_<c>)
    """
    ds = xr.Dataset()
    order = []
    for c, f in flows.items():
        f = f.sel(reading=f.attrs["default_reading"])
        d = f"drho_{c}"
        ds = ds.assign_coords({d: da(f.drho.values, d, "1", f"delta rho0 / rho0, {c}-coupling class")})
        order += [
            (f"dTc_over_Tc0_{c}", f["dTc_over_Tc0"], "1", f"delta Tc / Tc0, {c} class (Eq. 16 along Eq. 17)"),
            (f"A_{c}", f["A_rel"], "1", f"A(l) in A_unit, {c} class (Eqs. 32, 38; A_unit: see attrs)"),
            (f"lnTc_{c}", f["ln_Tc"], "1", f"ln(Tc / 1 K), {c} class"),
            (f"A_inv_sqrt_{c}", f["A_inv_sqrt"], "1", f"A^(-1/2) in A_unit^(-1/2), {c} class"),
            (f"Tc_{c}", f["Tc"], "K", f"Tc(l), {c} class (Eq. 16)"),
            (f"A_err_{c}", f["A_rel_err"], "1", f"one-sigma error of A (A_unit), {c} class"),
            (f"dTc_eq19_{c}", f["dTc_eq19"], "1", f"Eq. 19 as printed, {c} class"),
            (f"dTc_eq20_{c}", f["dTc_eq20"], "1", f"Eq. 20 as printed, {c} class"),
        ]
        for name, v, u, ln in order[-8:]:
            ds[name] = da(v.values, d, u, ln)
        if "Tc_eliashberg" in f:
            de = f"drho_el_{c}"
            ds = ds.assign_coords({de: da(f.drho_el.values, de, "1", f"delta rho0 / rho0 of the Eliashberg points, {c}")})
            ds[f"dTc_over_Tc0_eliashberg_{c}"] = da(f["dTc_over_Tc0_eliashberg"].values, de, "1",
                                                    f"delta Tc / Tc0 from the linearised Eliashberg equations, {c}")
    any_flow = next(iter(flows.values()))
    ds.attrs["A_unit"] = any_flow.attrs["A_unit"]
    ds.attrs["reading"] = any_flow.attrs["default_reading"]
    ds.attrs["reading_labels"] = any_flow.attrs["reading_labels"]
    return ds
