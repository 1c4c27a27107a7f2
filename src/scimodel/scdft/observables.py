"""Observables of the energy-space SCDFT gap equation (paper 004, Sec. V).

All functions take a :class:`~scimodel.scdft.inputs.ScdftInput` (or a ready
:class:`~scimodel.scdft.solver.GapEquation`) and :class:`Settings`; energies
in meV, temperatures in K, entropies and heat capacities in k_B per atom.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import units
from .inputs import ScdftInput
from .solver import GapEquation, GapSolution, Settings

#: temperature of the "T = 0" gap in paper 004 (Table 2, Figs. 4, 8, 9)
T_GAP = 0.01


def _eq(inp_or_eq, settings=None) -> GapEquation:
    if isinstance(inp_or_eq, GapEquation):
        return inp_or_eq
    return GapEquation(inp_or_eq, settings or Settings())


def tc(inp_or_eq, settings: Settings | None = None) -> float:
    """Tc (K) from the linearised gap equation; 0.0 if none above ``t_search_min``."""
    return _eq(inp_or_eq, settings).tc().tc


def gap(inp_or_eq, t_k: float = T_GAP, settings: Settings | None = None,
        amplitude: float | None = None, guess=None) -> GapSolution:
    """Self-consistent Delta(xi) at t_k, from a step function (or ``guess``)."""
    ge = _eq(inp_or_eq, settings)
    if amplitude is None:
        amplitude = 0.5
    return ge.solve(t_k, guess=guess, amplitude=amplitude)


def delta0(inp_or_eq, settings: Settings | None = None, t_k: float = T_GAP) -> float:
    """Delta(xi = 0) at t_k (default 0.01 K), meV."""
    return gap(inp_or_eq, t_k, settings).delta0


def order_parameter(sol: GapSolution) -> np.ndarray:
    """chi(xi) = Delta/(2E) tanh(beta E/2) (Fig. 11), dimensionless."""
    beta = 1.0 / units.kelvin_to_mev(sol.t)
    e = sol.energies()
    return sol.delta / (2.0 * e) * np.tanh(0.5 * beta * e)


def delta0_curve(inp_or_eq, temps, settings: Settings | None = None, *,
                 keep_solutions: bool = False) -> dict:
    """Delta0(T) on increasing ``temps`` (K), each solve started from the
    previous temperature's gap (the first from a step function).

    Returns dict(t=, delta0=, entropy_diff=, converged=, solutions=[...]).
    """
    ge = _eq(inp_or_eq, settings)
    temps = np.sort(np.asarray(temps, float))
    out_d, out_ds, conv, sols = [], [], [], []
    prev = None
    for t in temps:
        guess = prev.delta if (prev is not None and abs(prev.delta0) > 1e-9) else None
        sol = ge.solve(t, guess=guess, amplitude=0.5)
        out_d.append(sol.delta0)
        out_ds.append(ge.entropy_difference(sol))
        conv.append(sol.converged)
        if keep_solutions:
            sols.append(sol)
        prev = sol
    return dict(t=temps, delta0=np.array(out_d), entropy_diff=np.array(out_ds),
                converged=np.array(conv), solutions=sols)


@dataclass
class HeatCapacityJump:
    tc: float            # K
    ratio: float         # C_S(Tc)/C_N(Tc)
    c_n: float           # C_N(Tc), k_B per atom
    slope: float         # d(S_S - S_N)/dT at Tc^- (k_B per atom per K)
    t: np.ndarray        # temperatures used in the fit (K)
    entropy_diff: np.ndarray


def heat_capacity_jump(inp_or_eq, settings: Settings | None = None, tc_k: float | None = None,
                       fractions=(0.97, 0.95, 0.93, 0.91, 0.89)) -> HeatCapacityJump:
    """C_S(Tc)/C_N(Tc) (Table 3) from the Kohn-Sham entropy (Eq. 31).

    S_S - S_N vanishes at Tc and is, just below, a smooth function of
    T - Tc; a quadratic fit through 0 at Tc on T = fractions * Tc gives the
    slope d(S_S - S_N)/dT at Tc^-, and C_S/C_N = 1 + Tc slope / C_N(Tc)
    (C = T dS/dT).  C_N is evaluated analytically from the same quadrature.
    """
    ge = _eq(inp_or_eq, settings)
    if tc_k is None:
        tc_k = ge.tc().tc
    if not tc_k > 0:
        raise ValueError("no superconducting transition: heat-capacity jump undefined")
    temps = np.sort(np.asarray(fractions, float) * tc_k)
    curve = delta0_curve(ge, temps)
    return jump_from_entropy(temps, curve["entropy_diff"], tc_k, ge.normal_heat_capacity(tc_k))


def jump_from_entropy(temps, entropy_diff, tc_k: float, c_n: float) -> HeatCapacityJump:
    """C_S/C_N at Tc from S_S - S_N at ``temps`` just below Tc (:func:`heat_capacity_jump`):
    Delta S = a1 x + a2 x^2 (+ a3 x^3), x = T - Tc, least squares through the origin."""
    temps = np.asarray(temps, float)
    ds = np.asarray(entropy_diff, float)
    x = temps - tc_k
    deg = 3 if len(x) >= 4 else 2
    a = np.vstack([x**k for k in range(1, deg + 1)]).T
    coef, *_ = np.linalg.lstsq(a, ds, rcond=None)
    slope = float(coef[0])
    return HeatCapacityJump(tc=tc_k, ratio=1.0 + tc_k * slope / c_n, c_n=c_n, slope=slope,
                            t=temps, entropy_diff=ds)


def thermodynamics(inp_or_eq, temps, settings: Settings | None = None,
                   tc_k: float | None = None) -> dict:
    """Entropy difference and specific heats on a temperature grid (Fig. 10).

    Returns dict(t=, delta0=, entropy_diff= [k_B/atom], c_s_over_cn_tc=, c_n_over_cn_tc=)
    with C_S = T dS_S/dT by centred finite differences on ``temps`` (which
    should be dense; points above Tc give C_N).
    """
    ge = _eq(inp_or_eq, settings)
    if tc_k is None:
        tc_k = ge.tc().tc
    curve = delta0_curve(ge, temps)
    t = curve["t"]
    s_n = np.array([ge.entropy(tt) for tt in t])
    s_s = s_n + curve["entropy_diff"]
    c_s = t * np.gradient(s_s, t)
    c_n = np.array([ge.normal_heat_capacity(tt) for tt in t])
    cn_tc = ge.normal_heat_capacity(tc_k) if tc_k > 0 else np.nan
    return dict(t=t, delta0=curve["delta0"], entropy_diff=curve["entropy_diff"],
                c_s_over_cn_tc=c_s / cn_tc, c_n_over_cn_tc=c_n / cn_tc, tc=tc_k)


def isotope_coefficient(inp: ScdftInput, settings: Settings | None = None, *,
                        quantity: str = "tc", dm: float = 0.05) -> float:
    """alpha = -d ln X / d ln M for X = Tc (``quantity="tc"``) or Delta0 ("gap").

    The heavier/lighter isotopes have alpha2F(Omega sqrt(M'/M)) with lambda
    fixed (paper 004, Sec. V); central difference with M' = M (1 +- dm).
    """
    settings = settings or Settings()
    vals = []
    for r in (1.0 + dm, 1.0 - dm):
        ge = GapEquation(inp.isotope(r), settings)
        if quantity == "tc":
            vals.append(ge.tc().tc)
        elif quantity == "gap":
            vals.append(ge.solve(T_GAP, amplitude=0.5).delta0)
        else:
            raise ValueError("quantity must be 'tc' or 'gap'")
    if min(vals) <= 0:
        return float("nan")
    return -(math.log(vals[0]) - math.log(vals[1])) / (math.log1p(dm) - math.log1p(-dm))


#: the decompositions of Fig. 8: (label, use_kph, use_zph, coulomb on)
DECOMPOSITIONS = (("K^ph", True, False, False), ("K^ph + Z^ph", True, True, False),
                  ("K^ph + Z^ph + K^el", True, True, True))


def decomposition(inp: ScdftInput, settings: Settings | None = None,
                  t_k: float = T_GAP) -> dict[str, GapSolution]:
    """Delta(xi) at t_k with the gap-equation terms switched on one by one (Fig. 8)."""
    settings = settings or Settings()
    out = {}
    for label, kph, zph, el in DECOMPOSITIONS:
        s = settings.refined(use_kph=kph, use_zph=zph,
                             coulomb=settings.coulomb if el else "none")
        out[label] = GapEquation(inp, s).solve(t_k, amplitude=0.5)
    return out


# ------------------------------------------------------------------------------ convergence
#: refinement of each convergence control: settings field -> function(old value) -> new value
REFINEMENTS = {
    "mesh": lambda s: s.refined(points_per_decade=2 * s.points_per_decade,
                                max_spacing=0.5 * s.max_spacing, far_step=0.5 * s.far_step),
    "cutoff": lambda s: s.refined(cutoff=2 * s.cutoff),
    "frequency": lambda s: s.refined(n_omega=2 * s.n_omega if s.n_omega else 0),
    "xi_min": lambda s: s.refined(xi_min=0.1 * s.xi_min),
    # one setting at a time
    "points_per_decade": lambda s: s.refined(points_per_decade=2 * s.points_per_decade),
    "max_spacing": lambda s: s.refined(max_spacing=0.5 * s.max_spacing),
    "far_step": lambda s: s.refined(far_step=0.5 * s.far_step),
    "linear_until": lambda s: s.refined(linear_until=2 * s.linear_until),
}
#: every numerical setting of :class:`Settings`, each refined by a factor 2 (xi_min 10)
EVERY_SETTING = ("points_per_decade", "max_spacing", "far_step", "linear_until", "cutoff",
                 "frequency", "xi_min")


def convergence(inp: ScdftInput, settings: Settings | None = None,
                controls=("mesh", "cutoff", "frequency"), with_gap: bool = True) -> dict:
    """Relative change of Tc and Delta0 when each control is refined.

    Returns {control: dict(tc=, tc_refined=, dtc_rel=, delta0=, delta0_refined=, ddelta0_rel=)}.
    """
    settings = settings or Settings()
    base = GapEquation(inp, settings)
    tc0 = base.tc().tc
    d0 = base.solve(T_GAP, amplitude=0.5).delta0 if with_gap else float("nan")
    out = {}
    for c in controls:
        ge = GapEquation(inp, REFINEMENTS[c](settings))
        tc1 = ge.tc(t_guess=tc0 or None).tc
        d1 = ge.solve(T_GAP, amplitude=0.5).delta0 if with_gap else float("nan")
        out[c] = dict(tc=tc0, tc_refined=tc1, dtc_rel=(tc1 - tc0) / tc0 if tc0 else float("nan"),
                      delta0=d0, delta0_refined=d1,
                      ddelta0_rel=(d1 - d0) / d0 if d0 else float("nan"))
    return out


def cutoff_scan(inp: ScdftInput, cutoffs, settings: Settings | None = None,
                t_k: float = T_GAP) -> dict:
    """Delta0 at t_k versus the energy cutoff (Fig. 9)."""
    settings = settings or Settings()
    d = []
    for c in cutoffs:
        d.append(GapEquation(inp, settings.refined(cutoff=float(c))).solve(t_k, amplitude=0.5).delta0)
    return dict(cutoff=np.asarray(cutoffs, float), delta0=np.array(d))
