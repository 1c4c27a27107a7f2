"""Material classes and the disorder flow of paper 000: Tc(l), A(l), Tc-A.

A :class:`MaterialClass` holds the parameters of one class (weak or strong
coupling); :func:`flow` follows the disorder flow delta rho0 / rho0 = l0 / l
(Eq. 3) and returns an :class:`xarray.Dataset` with every intermediate
quantity (omega_E(l), lambda_l, Tc from Eq. 16 and from the full
linearised Eliashberg equations, the small-delta-rho laws, the Monte Carlo
efficiency E_l, A(l), ln Tc vs A^(-1/2), the gap ratio).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Mapping

import numpy as np
import xarray as xr

from .. import units
from ..errors import InputError
from ..io import da
from . import coupling, spectral, transport


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


def drho_grid(mc: MaterialClass, kf_a0: float, n: int) -> np.ndarray:
    """delta rho0/rho0 from 0 to the amorphous limit l = a0 (k_F l = k_F a0, or 1 if larger)."""
    top = mc.kF_l0 / max(kf_a0, 1.0)
    return np.linspace(0.0, top, n)


def lambda_of_kfl(mc: MaterialClass, kf_l):
    """lambda_l (Eq. 14) along Eq. 17; kf_l may contain inf."""
    kf_l = np.asarray(kf_l, float)
    we = np.where(np.isfinite(kf_l), coupling.einstein_omega(np.where(np.isfinite(kf_l), kf_l, 1.0),
                                                             mc.omega_E_inf_meV, mc.omega_R_meV),
                  mc.omega_E_inf_meV)
    return we, coupling.lambda_einstein(we, mc.area_meV, mc.omega_opt_meV)


def flow(mc: MaterialClass, *, kf_a0: float, n_points: int = 41, mc_samples: int = 1_000_000,
         seed: int = 0, m2_max: int = 3, n_eliashberg: int = 0, eliashberg_cutoff_factor: float = 10.0,
         numba: bool = True) -> xr.Dataset:
    """Disorder flow of one class (see module doc)."""
    drho = drho_grid(mc, kf_a0, n_points)
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
    # Monte Carlo efficiency and A(l)
    eff = np.zeros_like(drho)
    err = np.zeros_like(drho)
    for i, k in enumerate(kf_l):
        if np.isfinite(k):
            r = transport.efficiency(k, kf_a0, n_samples=mc_samples, seed=seed + 7919 * i,
                                     m2_max=m2_max, numba=numba)
            eff[i], err[i] = r.mean, r.stderr
    cfac = transport.coupling_factor(lam, mc.mu_star)
    a_rel = eff * cfac
    with np.errstate(divide="ignore"):
        a_inv_sqrt = np.where(a_rel > 0, 1.0 / np.sqrt(np.where(a_rel > 0, a_rel, 1.0)), np.inf)
        ln_tc = np.log(np.where(tc > 0, tc, np.nan))
    # Eq. 39: theta exp(-F_l / sqrt(A_l)) with F_l = sqrt(E_l) (same units as A_rel)
    with np.errstate(divide="ignore", invalid="ignore"):
        tc_eq39 = mc.theta_K * np.exp(-np.sqrt(eff) / np.sqrt(a_rel)) * (lam > mc.mu_star)
    e36 = transport.eq36_coefficients(mc.lambda_inf, mc.mu_star)
    dlam = lam - mc.lambda_inf
    h0 = float(transport.coupling_factor(mc.lambda_inf, mc.mu_star))
    h_exact2 = h0 + e36["a1"] * dlam + e36["a2_exact"] * dlam**2
    h_paper2 = h0 + e36["a1"] * dlam + e36["a2_paper"] * dlam**2
    gap = coupling.gap_ratio_eq41(tc, mc.theta_K)

    ds = xr.Dataset(coords=dict(
        drho=da(drho, "drho", "1", "relative residual-resistivity increase delta rho0 / rho0 (Eq. 3)")))
    ds["kF_ell"] = da(kf_l, "drho", "1", "k_F l (Eq. 3: l = l0 rho0 / delta rho0)")
    ds["omega_E"] = da(we, "drho", "meV", "Einstein frequency omega_E(l) (Eq. 17)")
    ds["lambda_l"] = da(lam, "drho", "1", "coupling lambda_l at omega_opt (Eq. 14)")
    ds["lambda_standard"] = da(lam_std, "drho", "1", "standard lambda = 2 A / omega_E of the same spectrum")
    ds["Tc"] = da(tc, "drho", "K", "Tc(l) from Eq. 16")
    ds["dTc_over_Tc0"] = da(tc / tc0 - 1.0, "drho", "1", "delta Tc / Tc0 from Eq. 16")
    ds["dTc_eq19"] = da(s19 * drho, "drho", "1", "delta Tc / Tc0, Eq. 19 as printed (linear law)")
    ds["dTc_exact_linear"] = da(s_ex * drho, "drho", "1", "delta Tc / Tc0, exact first order in delta rho")
    ds["dTc_eq20"] = da(-t1 * drho - t2 * drho**2, "drho", "1", "delta Tc / Tc0, Eq. 20 as printed")
    ds["efficiency"] = da(eff, "drho", "1", "momentum-relaxation efficiency E_l (Monte Carlo, Eq. 33 without F_0^2 prefactors)")
    ds["efficiency_err"] = da(err, "drho", "1", "one-sigma Monte Carlo error of E_l")
    ds["coupling_factor"] = da(cfac, "drho", "1", "((lambda_l - mu*)/(1 + lambda_l))^2 (Eq. 38)")
    ds["A_rel"] = da(a_rel, "drho", "A_unit", "Fermi-liquid coefficient A(l) = E_l ((lambda_l - mu*)/(1 + lambda_l))^2 (Eqs. 32, 38)")
    ds["A_rel_err"] = da(err * cfac, "drho", "A_unit", "one-sigma Monte Carlo error of A_rel")
    ds["A_inv_sqrt"] = da(a_inv_sqrt, "drho", "A_unit-1/2", "A(l)^(-1/2)")
    ds["ln_Tc"] = da(ln_tc, "drho", "ln(K)", "ln Tc(l), Tc from Eq. 16")
    ds["Tc_eq39"] = da(tc_eq39, "drho", "K", "theta exp(-F_l / sqrt(A_l)) (Eq. 39), F_l = sqrt(E_l)")
    ds["h_exact2"] = da(h_exact2, "drho", "1", "second-order expansion of ((lambda-mu*)/(1+lambda))^2 in delta lambda, exact coefficients")
    ds["h_eq36"] = da(h_paper2, "drho", "1", "same with a1, a2 of Eq. 36 as printed")
    ds["gap_ratio"] = da(gap, "drho", "1", "2 Delta / k_B Tc from Eq. 41")
    if n_eliashberg > 0:
        idx = np.unique(np.linspace(0, drho.size - 1, n_eliashberg).round().astype(int))
        oc = eliashberg_cutoff_factor * mc.omega_E_inf_meV
        tce = coupling.tc_eliashberg_einstein(we[idx], mc.area_meV, mc.mu_star, oc)
        ds = ds.assign_coords(drho_el=da(drho[idx], "drho_el", "1", "delta rho0 / rho0 of the Eliashberg points"))
        ds["Tc_eliashberg"] = da(tce, "drho_el", "K", "Tc(l) of the linearised Eliashberg equations on A delta(omega - omega_E(l))")
        ds["dTc_over_Tc0_eliashberg"] = da(tce / tce[0] - 1.0, "drho_el", "1", "delta Tc / Tc0, Eliashberg")
    ds.attrs.update(dict(
        material_class=mc.name, Tc0_K=tc0, theta_K=mc.theta_K, omega_R_meV=mc.omega_R_meV,
        area_meV=mc.area_meV, slope_eq19=s19, slope_exact=s_ex, eq20_t1=t1, eq20_t2=t2,
        eq36_a1=e36["a1"], eq36_a2_paper=e36["a2_paper"], eq36_a2_exact=e36["a2_exact"],
        kF_a0=kf_a0, mc_samples=mc_samples, mc_seed=seed,
        A_unit=("A is given in units of A_unit = F_0^2 (hbar k_F/m*)^2 (4 pi)^4/(2 pi)^12 / N(eF)^2 "
                "(Eqs. 33-34, 38); the absolute value depends on n, m*, N(eF) and is not evaluated"),
    ))
    return ds


def v_ee_curve(x) -> np.ndarray:
    """Fig. 5 h: V_ee N(eF) at fixed area in units of 2A/omega_opt vs omega_E / omega_opt."""
    return coupling.v_ee_shape(x)
