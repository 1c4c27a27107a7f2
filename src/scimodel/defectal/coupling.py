"""Coupling lambda_l, Einstein softening, Tc(l) and the small-delta-rho laws
of paper 000 (Eqs. 11-20, 41).  Energies in meV, temperatures in K.

Readings taken
--------------
* Eq. 14: lambda_l = 2 Int omega alpha2F_l(omega) / (omega_opt^2 + omega^2) d omega
  (lambda(nu) of the Matsubara kernel evaluated at nu = omega_opt).
* Eq. 17 (Einstein softening) is read as
  omega_E(l) = (1 - 1/(k_F l)) omega_E(inf) + omega_R / (k_F l), valid for
  k_F l >> 1 (the OCR "k_F l >~ 17" is the "valid for k_F l >> 1" of the text
  below it).  The spectral *area* A of alpha2F = A delta(omega - omega_E) is
  held fixed (Coombes-Carbotte scaling theorem quoted above Eq. 17); A is
  calibrated so that lambda_inf (Eq. 14) equals the class value.
* Eq. 16: Tc = theta exp(-(1 + lambda)/(lambda - mu*)), theta = 1.13 omega_c / k_B.
* Eq. 18 is implemented as printed (:func:`delta_lambda_paper`); the exact
  expansion of Eq. 14 + 17 is (2s - 1)(1 - w_R/w_inf) u + O(u^2), u = 1/(k_F l),
  s = w_inf^2 / (w_opt^2 + w_inf^2): the printed first-order term agrees (for
  w_R << w_inf), the printed second-order term -s/2 u^2 does not (exact:
  (4 s^2 - 3 s) u^2 for w_R = 0); we compute with the exact closed form.
* Eq. 19 as printed, lambda_inf / (lambda_inf - mu*)^2 / (k_F l0), is the
  mu* -> 0, w_inf/w_opt -> infinity limit of the exact slope
  (1 + mu*) lambda_inf (2 s - 1)(1 - w_R/w_inf) / ((lambda_inf - mu*)^2 k_F l0)
  (:func:`slope_exact`); with mu* = 0.1 the two differ by ~10 %.
* Eq. 20: t1, t2 as printed (:func:`eq20_coefficients`).
"""
from __future__ import annotations

import numpy as np

from .. import units
from ..errors import InputError

#: BCS prefactor 2 e^gamma / pi of Eq. 15-16 (the paper rounds it to 1.13).
BCS_PREFACTOR = 2.0 * np.exp(units.EULER_GAMMA) / np.pi


def lambda_opt(omega, a2f, omega_opt: float) -> float:
    """Eq. 14 on a tabulated spectrum (trapezoid rule); omega, omega_opt in meV."""
    omega = np.asarray(omega, float)
    a2f = np.asarray(a2f, float)
    return float(2.0 * np.trapezoid(omega * a2f / (omega_opt**2 + omega**2), omega))


def lambda_standard(omega, a2f) -> float:
    """lambda = 2 Int alpha2F / omega (for comparison with Eq. 14)."""
    omega = np.asarray(omega, float)
    a2f = np.asarray(a2f, float)
    m = omega > 0
    return float(2.0 * np.trapezoid(np.where(m, a2f / np.where(m, omega, 1.0), 0.0), omega))


def einstein_area(lambda_inf: float, omega_inf: float, omega_opt: float) -> float:
    """Area A (meV) of alpha2F = A delta(w - w_inf) with Eq. 14 lambda = lambda_inf."""
    return lambda_inf * (omega_opt**2 + omega_inf**2) / (2.0 * omega_inf)


def lambda_einstein(omega_e, area: float, omega_opt: float):
    """Eq. 14 for alpha2F = A delta(w - w_E): 2 A w_E / (w_opt^2 + w_E^2)."""
    omega_e = np.asarray(omega_e, float)
    return 2.0 * area * omega_e / (omega_opt**2 + omega_e**2)


def v_ee_shape(x):
    """V_ee(omega_E/omega_opt) at fixed spectral area, in units of 2 A / (N(eF) omega_opt)
    (Fig. 5 h): x / (1 + x^2), maximal (1/2) at omega_E = omega_opt."""
    x = np.asarray(x, float)
    return x / (1.0 + x**2)


def einstein_omega(kf_l, omega_inf: float, omega_r: float):
    """Eq. 17: omega_E(l) = (1 - u) omega_E(inf) + u omega_R, u = 1/(k_F l)."""
    u = 1.0 / np.asarray(kf_l, float)
    if np.any(u > 1):
        raise InputError(None, "kF_ell", "Eq. 17 needs k_F l >= 1 (weights must stay positive)")
    return (1.0 - u) * omega_inf + u * omega_r


def delta_lambda_paper(kf_l, omega_inf: float, omega_opt: float):
    """Eq. 18 as printed: delta lambda / lambda_inf (O(1/l^3) dropped)."""
    u = 1.0 / np.asarray(kf_l, float)
    s = omega_inf**2 / (omega_opt**2 + omega_inf**2)
    return u * (s * (2.0 - 0.5 * u) - 1.0)


def tc_eq16(lam, mu_star: float, omega_c: float, prefactor: float = 1.13):
    """Eq. 16 in K: theta exp(-(1 + lambda)/(lambda - mu*)), theta = prefactor omega_c / k_B.

    Returns 0 where lambda <= mu* (no superconductivity in this formula).
    """
    lam = np.asarray(lam, float)
    theta = prefactor * units.mev_to_kelvin(omega_c)
    ok = lam > mu_star
    expo = np.where(ok, -(1.0 + lam) / np.where(ok, lam - mu_star, 1.0), -np.inf)
    return np.where(ok, theta * np.exp(expo), 0.0)


def slope_eq19(lambda_inf: float, mu_star: float, kf_l0: float) -> float:
    """Slope d(delta Tc/Tc0)/d(delta rho/rho0) of Eq. 19 as printed."""
    return lambda_inf / (lambda_inf - mu_star) ** 2 / kf_l0


def slope_exact(lambda_inf: float, mu_star: float, kf_l0: float, omega_inf: float,
                omega_opt: float, omega_r: float) -> float:
    """Exact first-order slope of Eqs. 14 + 16 + 17 (module doc)."""
    s = omega_inf**2 / (omega_opt**2 + omega_inf**2)
    return ((1.0 + mu_star) * lambda_inf * (2.0 * s - 1.0) * (1.0 - omega_r / omega_inf)
            / ((lambda_inf - mu_star) ** 2 * kf_l0))


def eq20_coefficients(lambda_inf: float, kf_l0: float, omega_inf: float, omega_opt: float):
    """(t1, t2) of Eq. 20 as printed."""
    s = omega_inf**2 / (omega_opt**2 + omega_inf**2)
    t1 = (1.0 / lambda_inf / kf_l0) * (1.0 - 2.0 * s)
    t2 = (1.0 / lambda_inf / (8.0 * kf_l0)) * s
    return t1, t2


def gap_ratio_eq41(tc, theta):
    """Eq. 41: 2 Delta / k_B Tc = 3.53 {1 + 12.5 (Tc/theta)^2 ln(theta / (2 Tc))}."""
    t = np.asarray(tc, float) / theta
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t > 0, 3.53 * (1.0 + 12.5 * t**2 * np.log(1.0 / (2.0 * np.where(t > 0, t, 1.0)))), 3.53)


def tc_eliashberg_einstein(omega_e, area: float, mu_star: float, omega_c: float, **kw):
    """Full linearised Eliashberg Tc (K) on alpha2F = A delta(w - w_E), via the toolbox.

    ``omega_c`` (meV) is the Coulomb / Matsubara cutoff, held fixed along the flow.
    """
    from ..eliashberg import Spectrum, tc_eliashberg
    out = []
    for we in np.atleast_1d(omega_e):
        spec = Spectrum(np.array([float(we)]), np.array([float(area)]))
        out.append(tc_eliashberg(spec, mu_star=mu_star, omega_c=omega_c, **kw))
    return np.array(out)


def tc_eliashberg_grid(omega, a2f, mu_star: float, omega_c: float, **kw) -> float:
    """Full linearised Eliashberg Tc (K) on a tabulated alpha2F (meV grid), via the toolbox."""
    from ..eliashberg import tc_eliashberg
    return float(tc_eliashberg(np.asarray(omega, float), np.asarray(a2f, float),
                               mu_star=mu_star, omega_c=omega_c, **kw))
