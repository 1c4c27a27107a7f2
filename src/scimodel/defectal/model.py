"""Material classes and the disorder flow of paper 000: Tc(l), A(l), Tc-A.

A :class:`MaterialClass` holds the parameters of one class (weak or strong
coupling); :func:`flow` follows the disorder flow delta rho0 / rho0 = l0 / l
(Eq. 3) from the pristine lattice down to k_F l = ``kf_ell_min`` (Eq. 17 holds
for k_F l >> 1; 5 by default) and returns an :class:`xarray.Dataset` with every
intermediate quantity (omega_E(l), lambda_l, Tc from Eq. 16 and from the full
linearised Eliashberg equations, the small-delta-rho laws, the efficiency
E_l = F_l^2, A(l), ln Tc vs A^(-1/2) with its straight-line fit, the gap ratio).

Readings of the structure factor in Eqs. 21-38 (:class:`Reading`), both built:

* ``sum_rule`` (default): the isotropic Hosemann paracrystal, whose peaks keep
  their weight as they broaden (:mod:`.sumrule`), on a metallic Fermi sphere,
  k_F a0 = (3 pi^2 n)^(1/3) for n electrons per cell.  F_l is nearly constant
  and Eq. 39 is one straight line with F > 0 for both classes.
* ``halo_only``: Eq. 2 taken literally (peak height (l/a0)/|m|^2, width 1/l,
  so every peak's weight vanishes as l -> infinity) on a small sphere,
  k_F a0 = 1.4 < pi/2, where umklapp needs the halo (:mod:`.transport`,
  Monte Carlo).  F_l^2 grows like delta rho0 and no single line fits.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Mapping

import numpy as np
import xarray as xr

from .. import units
from ..errors import InputError
from ..io import da
from . import coupling, spectral, sumrule, transport


@dataclass(frozen=True)
class MaterialClass:
    name: str
    lambda_inf: float          # Eq. 14 coupling of the defectal-free material
    omega_E_inf_meV: float     # Einstein frequency of the defectal-free alpha2F
    omega_opt_meV: float       # optimal frequency of Eq. 14
    omega_c_meV: float         # cutoff of Eq. 16 (theta = 1.13 omega_c / k_B)
    kF_l0: float               # k_F l0 of Eq. 3
    heavy_mass_ratio: float    # eps = (M_eff - M)/M of Eq. 4
    omega_D_meV: float         # Debye frequency (Lifshitz resonance, Eqs. 4-7)
    mu_star: float = 0.1

    @classmethod
    def from_config(cls, name: str, d: Mapping, mu_star: float, where: str = "config") -> "MaterialClass":
        names = [f.name for f in fields(cls) if f.name not in ("name", "mu_star")]
        missing = [n for n in names if n not in d]
        if missing:
            raise InputError(where, f"defectal.classes.{name}", f"missing keys {missing}")
        vals = {n: float(d[n]) for n in names}
        for n, v in vals.items():
            if not v > 0:
                raise InputError(where, f"defectal.classes.{name}.{n}", f"got {v}; expected > 0")
        if vals["lambda_inf"] <= mu_star:
            raise InputError(where, f"defectal.classes.{name}.lambda_inf",
                             f"got {vals['lambda_inf']}; expected > mu* = {mu_star}")
        return cls(name=name, mu_star=float(mu_star), **vals)

    @property
    def omega_R_meV(self) -> float:
        return spectral.resonance(self.heavy_mass_ratio, self.omega_D_meV)[0]

    @property
    def area_meV(self) -> float:
        return coupling.einstein_area(self.lambda_inf, self.omega_E_inf_meV, self.omega_opt_meV)

    @property
    def theta_K(self) -> float:
        return 1.13 * units.mev_to_kelvin(self.omega_c_meV)


READING_LABELS = {
    "sum_rule": "sum-rule structure factor (isotropic Hosemann, Eq. A7)",
    "halo_only": "Eq. 2 literally (halo-only umklapp)",
}


@dataclass(frozen=True)
class Reading:
    """One reading of the structure factor of Eqs. 21-38 (module doc) and its numerics."""
    name: str
    kf_a0: float
    mc_samples: int = 1_000_000     # halo_only: Monte Carlo samples per point
    seed: int = 0                   # halo_only: base seed
    m2_max: int = 3                 # halo_only: reciprocal shells of Eq. 2
    nodes: int = 96                 # sum_rule: Gauss-Legendre nodes per interval
    shell_margin: float = 8.0       # sum_rule: shells summed up to 4 k_F + margin |g_1|

    def __post_init__(self):
        if self.name not in READING_LABELS:
            raise InputError(None, "defectal.transport.readings",
                             f"unknown reading {self.name!r}; expected one of {sorted(READING_LABELS)}")

    @property
    def label(self) -> str:
        return f"{READING_LABELS[self.name]}, k_F a0 = {self.kf_a0:.3g}"

    def efficiencies(self, kf_l, numba: bool = True):
        """E_l and its one-sigma error at every k_F l (inf = pristine lattice)."""
        eff = np.zeros(len(kf_l))
        err = np.zeros(len(kf_l))
        for i, k in enumerate(kf_l):
            if self.name == "sum_rule":
                eff[i] = sumrule.efficiency(float(k), self.kf_a0, nodes=self.nodes,
                                            shell_margin=self.shell_margin)
            elif np.isfinite(k):     # halo_only: f_inf carries no weight (k_F a0 < pi/2)
                r = transport.efficiency(k, self.kf_a0, n_samples=self.mc_samples,
                                         seed=self.seed + 7919 * i, m2_max=self.m2_max, numba=numba)
                eff[i], err[i] = r.mean, r.stderr
        return eff, err


def drho_grid(mc: MaterialClass, kf_ell_min: float, n: int) -> np.ndarray:
    """delta rho0/rho0 from 0 (pristine) to k_F l = ``kf_ell_min`` (Eq. 3: k_F l = k_F l0 / drho)."""
    if not kf_ell_min > 0:
        raise InputError(None, "defectal.flow.kF_ell_min", f"got {kf_ell_min}; expected > 0")
    return np.linspace(0.0, mc.kF_l0 / kf_ell_min, n)


def lambda_of_kfl(mc: MaterialClass, kf_l):
    """lambda_l (Eq. 14) along Eq. 17; kf_l may contain inf."""
    kf_l = np.asarray(kf_l, float)
    we = np.where(np.isfinite(kf_l), coupling.einstein_omega(np.where(np.isfinite(kf_l), kf_l, 1.0),
                                                             mc.omega_E_inf_meV, mc.omega_R_meV),
                  mc.omega_E_inf_meV)
    return we, coupling.lambda_einstein(we, mc.area_meV, mc.omega_opt_meV)


def line_fit(x, y):
    """Least-squares line y = b + k x: returns (k, b, R^2); NaN where fewer than 3 points."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if x.size < 3:
        return np.nan, np.nan, np.nan
    k, b = np.polyfit(x, y, 1)
    ss_res = float(np.sum((y - (b + k * x)) ** 2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return float(k), float(b), (1.0 - ss_res / ss_tot) if ss_tot > 0 else np.nan


def monotonic(v) -> str:
    """'rising', 'falling' or 'not monotonic' (strictly) along the flow."""
    d = np.diff(np.asarray(v, float))
    return "rising" if np.all(d > 0) else "falling" if np.all(d < 0) else "not monotonic"


def flow(mc: MaterialClass, readings, *, kf_ell_min: float = 5.0, n_points: int = 41,
         r2_min: float = 0.97, n_eliashberg: int = 0, eliashberg_cutoff_factor: float = 10.0,
         numba: bool = True) -> xr.Dataset:
    """Disorder flow of one class for every :class:`Reading` in ``readings`` (module doc)."""
    readings = list(readings)
    if not readings:
        raise InputError(None, "defectal.transport.readings", "expected at least one reading")
    drho = drho_grid(mc, kf_ell_min, n_points)
    with np.errstate(divide="ignore"):
        kf_l = np.where(drho > 0, mc.kF_l0 / np.where(drho > 0, drho, 1.0), np.inf)
    we, lam = lambda_of_kfl(mc, kf_l)
    tc = coupling.tc_eq16(lam, mc.mu_star, mc.omega_c_meV)
    tc0 = float(tc[0])
    lam_std = 2.0 * mc.area_meV / we
    # small-delta-rho laws
    s19 = coupling.slope_eq19(mc.lambda_inf, mc.mu_star, mc.kF_l0)
    s_ex = coupling.slope_exact(mc.lambda_inf, mc.mu_star, mc.kF_l0, mc.omega_E_inf_meV,
                                mc.omega_opt_meV, mc.omega_R_meV)
    t1, t2 = coupling.eq20_coefficients(mc.lambda_inf, mc.kF_l0, mc.omega_E_inf_meV, mc.omega_opt_meV)
    cfac = transport.coupling_factor(lam, mc.mu_star)
    with np.errstate(divide="ignore"):
        ln_tc = np.log(np.where(tc > 0, tc, np.nan))
    e36 = transport.eq36_coefficients(mc.lambda_inf, mc.mu_star)
    dlam = lam - mc.lambda_inf
    h0 = float(transport.coupling_factor(mc.lambda_inf, mc.mu_star))
    h_exact2 = h0 + e36["a1"] * dlam + e36["a2_exact"] * dlam**2
    h_paper2 = h0 + e36["a1"] * dlam + e36["a2_paper"] * dlam**2
    gap = coupling.gap_ratio_eq41(tc, mc.theta_K)

    # transport, one row per reading
    nr = len(readings)
    eff = np.zeros((nr, drho.size))
    err = np.zeros_like(eff)
    for j, r in enumerate(readings):
        eff[j], err[j] = r.efficiencies(kf_l, numba=numba)
    a_rel = eff * cfac
    pos = a_rel > 0
    a_inv_sqrt = np.where(pos, 1.0 / np.sqrt(np.where(pos, a_rel, 1.0)), np.nan)
    f_l = np.sqrt(eff)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Eq. 39 with the point-wise F_l: an identity (Eq. 38 in Eq. 39)
        resid_eq39 = np.where(pos, ln_tc - (np.log(mc.theta_K) - f_l * a_inv_sqrt), np.nan)
    fit = np.full((nr, 3), np.nan)
    resid_line = np.full_like(eff, np.nan)
    supports = np.zeros(nr, dtype=np.int8)
    trend = []
    for j in range(nr):
        m = np.isfinite(a_inv_sqrt[j]) & np.isfinite(ln_tc)
        k, b, r2 = line_fit(a_inv_sqrt[j, m], ln_tc[m])
        fit[j] = (-k, b, r2)
        resid_line[j, m] = ln_tc[m] - (b + k * a_inv_sqrt[j, m])
        supports[j] = int(np.isfinite(r2) and r2 >= r2_min and -k > 0)
        trend.append(monotonic(a_rel[j, pos[j]]) if pos[j].sum() >= 2 else "undefined")

    ds = xr.Dataset(coords=dict(
        drho=da(drho, "drho", "1", "relative residual-resistivity increase delta rho0 / rho0 (Eq. 3)"),
        reading=da(np.array([r.name for r in readings]), "reading", "1",
                   "reading of the structure factor in Eqs. 21-38 (scimodel.defectal.model)")))
    # stored as 1/(k_F l): 0 (finite) for the pristine lattice, where l is infinite
    ds["inv_kF_ell"] = da(1.0 / np.asarray(kf_l, float), "drho", "1",
                          "1/(k_F l) (Eq. 3: l = l0 rho0 / delta rho0); 0 for the pristine lattice")
    ds["omega_E"] = da(we, "drho", "meV", "Einstein frequency omega_E(l) (Eq. 17)")
    ds["lambda_l"] = da(lam, "drho", "1", "coupling lambda_l at omega_opt (Eq. 14)")
    ds["lambda_standard"] = da(lam_std, "drho", "1",
                               "standard coupling lambda(0) = 2 Int alpha2F / omega = 2 A / omega_E(l)")
    ds["Tc"] = da(tc, "drho", "K", "Tc(l) from Eq. 16")
    ds["dTc_over_Tc0"] = da(tc / tc0 - 1.0, "drho", "1", "delta Tc / Tc0 from Eq. 16")
    ds["dTc_eq19"] = da(s19 * drho, "drho", "1", "delta Tc / Tc0, Eq. 19 as printed (linear law)")
    ds["dTc_exact_linear"] = da(s_ex * drho, "drho", "1", "delta Tc / Tc0, exact first order in delta rho")
    ds["dTc_eq20"] = da(-t1 * drho - t2 * drho**2, "drho", "1", "delta Tc / Tc0, Eq. 20 as printed")
    ds["ln_Tc"] = da(ln_tc, "drho", "1", "ln(Tc / 1 K), Tc from Eq. 16")
    ds["coupling_factor"] = da(cfac, "drho", "1", "((lambda_l - mu*)/(1 + lambda_l))^2 (Eq. 38)")
    ds["h_exact2"] = da(h_exact2, "drho", "1", "second-order expansion of ((lambda-mu*)/(1+lambda))^2 in delta lambda, exact coefficients")
    ds["h_eq36"] = da(h_paper2, "drho", "1", "same with a1, a2 of Eq. 36 as printed")
    ds["gap_ratio"] = da(gap, "drho", "1", "2 Delta / k_B Tc from Eq. 41")
    rd = ("reading", "drho")
    ds["efficiency"] = da(eff, rd, "1", "momentum-relaxation efficiency E_l = F_l^2 (Eq. 33 without F_0^2 prefactors)")
    ds["efficiency_err"] = da(err, rd, "1", "one-sigma error of E_l (Monte Carlo; 0 for the quadrature)")
    ds["F_l"] = da(f_l, rd, "1", "F_l = E_l^(1/2), in units of A_unit^(1/2) (Eq. 38)")
    ds["A_rel"] = da(a_rel, rd, "1", "Fermi-liquid coefficient A(l) = E_l ((lambda_l - mu*)/(1 + lambda_l))^2 "
                     "in units of A_unit (Eqs. 32, 38; attribute A_unit)")
    ds["A_rel_err"] = da(err * cfac, rd, "1", "one-sigma error of A_rel (units of A_unit)")
    ds["A_inv_sqrt"] = da(a_inv_sqrt, rd, "1", "A(l)^(-1/2) in units of A_unit^(-1/2); NaN where A = 0 "
                          "(halo-only reading, pristine lattice: no umklapp)")
    ds["eq39_residual"] = da(resid_eq39, rd, "1", "ln Tc - [ln theta - F_l A_l^(-1/2)] with the point-wise "
                             "F_l (Eq. 39 with Eq. 38: zero up to rounding)")
    ds["line_residual"] = da(resid_line, rd, "1", "ln Tc minus the straight-line fit ln theta_fit - F_fit A^(-1/2)")
    ds["fit_F"] = da(fit[:, 0], "reading", "1", "F of the straight-line fit of ln Tc vs A^(-1/2) (A_unit^(1/2))")
    ds["fit_ln_theta"] = da(fit[:, 1], "reading", "1", "ln(theta / 1 K) of the straight-line fit")
    ds["fit_R2"] = da(fit[:, 2], "reading", "1", "coefficient of determination R^2 of the straight-line fit")
    ds["fit_supports_line"] = da(supports, "reading", "1",
                                 f"1 if R^2 >= {r2_min} and F > 0 (one straight line, Eq. 39), else 0")
    if n_eliashberg > 0:
        idx = np.unique(np.linspace(0, drho.size - 1, n_eliashberg).round().astype(int))
        oc = eliashberg_cutoff_factor * mc.omega_E_inf_meV
        tce = coupling.tc_eliashberg_einstein(we[idx], mc.area_meV, mc.mu_star, oc)
        ds = ds.assign_coords(drho_el=da(drho[idx], "drho_el", "1", "delta rho0 / rho0 of the Eliashberg points"))
        ds["Tc_eliashberg"] = da(tce, "drho_el", "K", "Tc(l) of the linearised Eliashberg equations on A delta(omega - omega_E(l))")
        ds["dTc_over_Tc0_eliashberg"] = da(tce / tce[0] - 1.0, "drho_el", "1", "delta Tc / Tc0, Eliashberg")
        ds["Tc_eliashberg_over_eq16"] = da(tce / tc[idx], "drho_el", "1",
                                           "Tc(Eliashberg) / Tc(Eq. 16, fixed theta = 1.13 omega_c / k_B)")
    ds.attrs.update(dict(
        material_class=mc.name, Tc0_K=tc0, theta_K=mc.theta_K, omega_R_meV=mc.omega_R_meV,
        area_meV=mc.area_meV, lambda_opt_inf=mc.lambda_inf, lambda_standard_inf=float(lam_std[0]),
        slope_eq19=s19, slope_exact=s_ex, eq20_t1=t1, eq20_t2=t2,
        eq36_a1=e36["a1"], eq36_a2_paper=e36["a2_paper"], eq36_a2_exact=e36["a2_exact"],
        kF_ell_min=kf_ell_min, line_r2_min=r2_min, default_reading=readings[0].name,
        reading_labels="; ".join(f"{r.name}: {r.label}" for r in readings),
        reading_kF_a0="; ".join(f"{r.name}: {r.kf_a0:.6g}" for r in readings),
        A_trend="; ".join(f"{r.name}: {t}" for r, t in zip(readings, trend)),
        A_unit=("A is given in units of A_unit = F_0^2 (hbar k_F/m*)^2 (4 pi)^4/(2 pi)^12 / N(eF)^2 "
                "(Eqs. 33-34, 38); the absolute value depends on n, m*, N(eF) and is not evaluated"),
    ))
    return ds


def v_ee_curve(x) -> np.ndarray:
    """Fig. 5 h: V_ee N(eF) at fixed area in units of 2A/omega_opt vs omega_E / omega_opt."""
    return coupling.v_ee_shape(x)
