"""Moments of alpha2F (lambda, omega_log, <omega^2>^(1/2)) and the closed forms:
McMillan and Allen-Dynes Tc, Morel-Anderson mu*."""
from __future__ import annotations

import numpy as np

from ..units import KB_MEV_PER_K
from .spectrum import _spectrum


def lambda_from_a2f(omega, a2f=None) -> float:
    """lambda = 2 Int a2F(w)/w dw (dimensionless)."""
    s = _spectrum(omega, a2f)
    return float(2.0 * np.sum(s.weight / s.omega))


def omega_log(omega, a2f=None) -> float:
    """omega_log = exp[(2/lambda) Int ln(w) a2F(w)/w dw] in meV."""
    s = _spectrum(omega, a2f)
    lam = lambda_from_a2f(s)
    return float(np.exp(2.0 / lam * np.sum(s.weight * np.log(s.omega) / s.omega)))


def omega2_rms(omega, a2f=None) -> float:
    """<omega^2>^(1/2) = [(2/lambda) Int w a2F(w) dw]^(1/2) in meV."""
    s = _spectrum(omega, a2f)
    lam = lambda_from_a2f(s)
    return float(np.sqrt(2.0 / lam * np.sum(s.weight * s.omega)))


def moments(omega, a2f=None) -> dict:
    """``dict(lam=, omega_log=, omega2=)`` (omega's in meV)."""
    s = _spectrum(omega, a2f)
    return dict(lam=lambda_from_a2f(s), omega_log=omega_log(s), omega2=omega2_rms(s))


# ---------------------------------------------------------------- closed forms


def _exponent(lam: float, mu_star: float) -> float:
    den = lam - mu_star * (1.0 + 0.62 * lam)
    return -1.04 * (1.0 + lam) / den if den > 0 else -np.inf


def mcmillan_tc(lam: float, omega_log_mev: float, mu_star: float) -> float:
    """McMillan's Tc in Allen and Dynes' form, in K:
    Tc = (w_log/1.2) exp[-1.04 (1+l) / (l - mu*(1 + 0.62 l))].

    Valid for lambda <~ 1.5; returns 0 when the denominator is not positive.
    """
    e = _exponent(lam, mu_star)
    return float(omega_log_mev / 1.2 * np.exp(e) / KB_MEV_PER_K) if np.isfinite(e) else 0.0


def allen_dynes_factors(lam: float, omega_log_mev: float, omega2_mev: float,
                        mu_star: float) -> tuple[float, float]:
    """Strong-coupling (f1) and shape (f2) factors of Allen and Dynes (1975)."""
    big1 = 2.46 * (1.0 + 3.8 * mu_star)
    big2 = 1.82 * (1.0 + 6.3 * mu_star) * (omega2_mev / omega_log_mev)
    f1 = (1.0 + (lam / big1) ** 1.5) ** (1.0 / 3.0)
    f2 = 1.0 + (omega2_mev / omega_log_mev - 1.0) * lam**2 / (lam**2 + big2**2)
    return float(f1), float(f2)


def allen_dynes_tc(lam: float, omega_log_mev: float, omega2_mev: float, mu_star: float) -> float:
    """Allen-Dynes Tc in K (McMillan form times f1 f2)."""
    f1, f2 = allen_dynes_factors(lam, omega_log_mev, omega2_mev, mu_star)
    return f1 * f2 * mcmillan_tc(lam, omega_log_mev, mu_star)


def mu_star_morel_anderson(mu: float, e_f: float, omega_c: float) -> float:
    """mu* = mu / (1 + mu ln(E_F/omega_c)) (Eq. 11 of paper 000; E_F, omega_c same units)."""
    return float(mu / (1.0 + mu * np.log(e_f / omega_c)))
