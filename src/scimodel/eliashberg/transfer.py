"""Carry a change of alpha2F measured on a coarse q grid onto a converged spectrum.

The use: Pb with spin-orbit coupling (issue 31).  A spin-orbit q grid is affordable on 4^3
only; the scalar-relativistic spectrum is converged on 6^3.  With one pseudopotential and
one electron-phonon method on 4^3 with and without spin-orbit (``ref_from`` = scalar,
``ref_to`` = spin-orbit), the change is applied to the converged scalar spectrum
(``target``).  All spectra are tabulated on one omega grid (meV).

Two readings of "the spin-orbit / scalar ratio, frequency-resolved":

``method="quantile"`` (the default)
    Spin-orbit moves weight down in frequency (Pb at X: TA -30 %, LA -7 % on one
    pseudopotential), so the two coarse spectra are not two amplitudes on common peaks
    and their pointwise ratio is not a property of either.  The change is split instead
    into a relative shift of frequencies at equal fraction of the coupling and a factor
    on the coupling.  With the cumulative coupling Lambda(w) = Int_0^w 2 a2F(v)/v dv, its
    normalised form g = Lambda / lambda and w_X(p) = g_X^-1(p) the frequency below which
    spectrum X holds the fraction p of its lambda,

        w_new(p) = w_target(p) * w_to(p) / w_from(p),   lambda_new = lambda_target * r,
        r = lambda_to / lambda_from,

    i.e. the coupling of the target at its quantile p moves by the factor by which the
    references' quantile p moves; Lambda_new is r lambda_target times the distribution
    function of w_new(p) over uniform p (sorted, so a non-monotone w_new is allowed).
    Properties: ``target = ref_from`` gives ``ref_to``; a target that is a uniformly
    stiffer copy of ``ref_from`` (another pseudopotential, say) gives the same stiffening of
    ``ref_to``; a uniform scaling of all frequencies from ``ref_from`` to ``ref_to`` scales
    the target's.  ``weight="density"`` does the same with the plain integral
    Int_0^w F(v) dv, for a phonon density of states F.

``method="ratio"`` (the literal reading, a labelled variant)
    a2F_new(w) = a2F_target(w) * S[ref_to](w) / S[ref_from](w), with S a Gaussian
    smoothing of width ``smoothing_mev``, where S[ref_from] is above ``floor`` of its
    maximum; zero elsewhere.  The weight of ``ref_to`` at frequencies where ``ref_from``
    has none (below the scalar's lowest modes, where spin-orbit moved them) is lost; the
    fraction lost is reported.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .formulas import lambda_from_a2f

METHODS = ("quantile", "ratio")
N_QUANTILES = 200_000          # samples of the coupling fraction p in the quantile method
WEIGHTS = ("coupling", "density")


@dataclass(frozen=True)
class Transfer:
    """A transferred spectrum and what it was built from."""

    a2f: np.ndarray            # on the common omega grid
    method: str
    lambda_ratio: float        # lambda_to / lambda_from of the two coarse spectra
    lost_fraction: float       # ratio method: lambda of ref_to where ref_from is below floor, / lambda_to


def _check(omega: np.ndarray, spectra: dict) -> None:
    if omega.ndim != 1 or omega.size < 3 or omega[0] != 0.0 or np.any(np.diff(omega) <= 0):
        raise InputError(None, "omega", "expected a strictly increasing grid starting at 0 (meV)")
    for name, a in spectra.items():
        if a.shape != omega.shape:
            raise InputError(None, name, f"shape {a.shape}; expected the omega grid's {omega.shape}")
        if not np.isfinite(a).all() or np.any(a < 0):
            raise InputError(None, name, "expected finite, non-negative spectrum values")
        if lambda_from_a2f(omega, a) <= 0:
            raise InputError(None, name, "lambda is 0; expected a spectrum with weight")


def cumulative_lambda(omega: np.ndarray, a2f: np.ndarray, weight: str = "coupling") -> np.ndarray:
    """Lambda(w) = Int_0^w 2 a2F(v)/v dv on the grid (trapezoid; the integrand is 0 at w = 0,
    where a2F vanishes at least like w^2); ``weight="density"``: Int_0^w a2F(v) dv."""
    if weight == "density":
        integrand = np.asarray(a2f, dtype=float)
    else:
        integrand = np.zeros_like(a2f, dtype=float)
        integrand[1:] = 2.0 * a2f[1:] / omega[1:]
    steps = 0.5 * (integrand[1:] + integrand[:-1]) * np.diff(omega)
    return np.concatenate(([0.0], np.cumsum(steps)))


def _inverse(g: np.ndarray, omega: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The smallest omega at which the non-decreasing g reaches p, linear within the grid
    interval where it does (a plateau of g, a frequency range without weight, maps to its
    left end)."""
    i = np.clip(np.searchsorted(g, p, side="left"), 1, g.size - 1)
    lo, hi = g[i - 1], g[i]
    t = np.clip((p - lo) / np.where(hi > lo, hi - lo, 1.0), 0.0, 1.0)
    return np.where(p <= g[0], omega[0], omega[i - 1] + t * (omega[i] - omega[i - 1]))


def _smooth(omega: np.ndarray, a: np.ndarray, width: float) -> np.ndarray:
    d = omega[:, None] - omega[None, :]
    k = np.exp(-0.5 * (d / width) ** 2)
    h = np.gradient(omega)
    return (k * (a * h)[None, :]).sum(axis=1) / (k * h[None, :]).sum(axis=1)


def _total(omega: np.ndarray, a: np.ndarray, weight: str) -> float:
    return float(cumulative_lambda(omega, a, weight)[-1]) if weight == "density" else lambda_from_a2f(omega, a)


def transfer(omega, target, ref_from, ref_to, *, method: str = "quantile", weight: str = "coupling",
             smoothing_mev: float = 0.3, floor: float = 0.02) -> Transfer:
    """``target`` changed as ``ref_from`` -> ``ref_to`` (module docstring), on ``omega``;
    ``weight``: "coupling" (alpha2F, lambda-weighted) or "density" (a phonon DOS)."""
    omega = np.asarray(omega, float)
    target, ref_from, ref_to = (np.asarray(a, float) for a in (target, ref_from, ref_to))
    if method not in METHODS:
        raise InputError(None, "method", f"{method!r}; expected one of {METHODS}")
    if weight not in WEIGHTS:
        raise InputError(None, "weight", f"{weight!r}; expected one of {WEIGHTS}")
    _check(omega, {"target": target, "ref_from": ref_from, "ref_to": ref_to})
    lam_from, lam_to = _total(omega, ref_from, weight), _total(omega, ref_to, weight)
    r = lam_to / lam_from
    if method == "ratio":
        if smoothing_mev <= 0:
            raise InputError(None, "smoothing_mev", f"{smoothing_mev}; expected > 0")
        s_from, s_to = _smooth(omega, ref_from, smoothing_mev), _smooth(omega, ref_to, smoothing_mev)
        held = s_from > floor * s_from.max()
        ratio = np.where(held, s_to / np.where(held, s_from, 1.0), 0.0)
        lost = _total(omega, np.where(held, 0.0, ref_to), weight) / lam_to
        return Transfer(target * ratio, method, r, float(lost))
    p = (np.arange(N_QUANTILES) + 0.5) / N_QUANTILES
    w = {}
    for name, a in (("target", target), ("from", ref_from), ("to", ref_to)):
        g = cumulative_lambda(omega, a, weight)
        w[name] = _inverse(g / g[-1], omega, p)
    shift = np.where(w["from"] > 0, w["to"] / np.where(w["from"] > 0, w["from"], 1.0), 1.0)
    moved = np.sort(w["target"] * shift)
    if moved[-1] > omega[-1]:
        raise InputError(None, "omega", f"the transferred spectrum reaches {moved[-1]:.4g} meV, above the "
                         f"grid's top {omega[-1]:.4g} meV: extend the grid")
    frac = np.searchsorted(moved, omega, side="right") / N_QUANTILES     # distribution function
    dens = np.gradient(r * _total(omega, target, weight) * frac, omega)
    out = np.clip(dens if weight == "density" else 0.5 * omega * dens, 0.0, None)
    out *= r * _total(omega, target, weight) / _total(omega, out, weight)
    return Transfer(out, method, r, 0.0)
