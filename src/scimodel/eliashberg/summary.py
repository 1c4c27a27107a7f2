"""Summaries used by the workflow: moments and the three Tc's of one spectrum
(:func:`summarize`) and over rescaled lambdas (:func:`lambda_scan`)."""
from __future__ import annotations

import numpy as np

from ..units import KB_MEV_PER_K
from .formulas import allen_dynes_tc, lambda_from_a2f, mcmillan_tc, moments
from .gap import gap_edge
from .spectrum import _spectrum
from .tc import tc_eliashberg


def summarize(omega, a2f=None, *, mu_star: float, cutoff_factor: float = 10.0,
              with_gap: bool = True) -> dict:
    """Moments and Tc by McMillan, Allen-Dynes and the Eliashberg equations.

    Returns a dict with lam, omega_log, omega2 (meV), omega_c (meV),
    tc_mcmillan, tc_allen_dynes, tc_eliashberg (K), and if ``with_gap``:
    delta0 (meV) and gap_ratio = 2 Delta0 / k_B Tc.  tc_eliashberg = 0 means
    provably no transition (then delta0 = 0, gap_ratio NaN); a transition below
    the searchable range raises :class:`TcBelowRangeError` (see
    :func:`tc_eliashberg`), never 0.
    """
    spec = _spectrum(omega, a2f)
    m = moments(spec)
    omega_c = cutoff_factor * spec.omega_max
    out = dict(m, mu_star=mu_star, omega_c=omega_c,
               tc_mcmillan=mcmillan_tc(m["lam"], m["omega_log"], mu_star),
               tc_allen_dynes=allen_dynes_tc(m["lam"], m["omega_log"], m["omega2"], mu_star),
               tc_eliashberg=tc_eliashberg(spec, mu_star=mu_star, omega_c=omega_c))
    if with_gap:
        tc = out["tc_eliashberg"]
        d0 = gap_edge(spec, mu_star=mu_star, tc_k=tc, omega_c=omega_c) if tc > 0 else 0.0
        out["delta0"] = d0
        out["gap_ratio"] = 2.0 * d0 / (KB_MEV_PER_K * tc) if tc > 0 else float("nan")
    return out


def lambda_scan(omega, a2f=None, *, lambdas, mu_star: float, cutoff_factor: float = 10.0) -> dict:
    """Rescale a2F to each lambda in ``lambdas`` and compute the three Tc's.

    Returns arrays (same length as ``lambdas``): omega_log (meV; unchanged
    by rescaling), tc_mcmillan, tc_allen_dynes, tc_eliashberg (K; 0 and errors
    as in :func:`summarize`).
    """
    spec = _spectrum(omega, a2f)
    lam0 = lambda_from_a2f(spec)
    rows = [summarize(spec.scaled(lam / lam0), mu_star=mu_star, cutoff_factor=cutoff_factor,
                      with_gap=False) for lam in lambdas]
    keys = ("lam", "omega_log", "omega2", "tc_mcmillan", "tc_allen_dynes", "tc_eliashberg")
    return {k: np.array([r[k] for r in rows]) for k in keys}
