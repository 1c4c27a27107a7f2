"""Distorted-lattice Eliashberg function of paper 000 (Eqs. 4-8, B1-B8).

Debye phonons (omega_q = v_s |q| for |q| <= q_D) coupled to nearly-free
electrons with a spherical Fermi surface (radius k_F) on a simple-cubic
lattice of constant a0.  Everything is dimensionless in units of k_F:
x = omega / (v_s k_F) (the abscissa of Fig. 5 g), s = |q + g| / k_F,
L = k_F l, G = |g| / k_F.

Eq. B6-B7:  alpha2F_l(omega) ~ Int d^3q D_l(q, k_F) / omega_q delta(omega - omega_q)
            = C x sum_g < d_L(|x e + G|) >_e ,
with d_L(s) the bracket of Eq. B7,

  d_L(s) = (1/2L) { ln[(1 + L^2 (s - 2)^2) / (1 + L^2 s^2)]
                    - 2 L s [atan(L (s - 2)) - atan(L s)] }
         = L Int_0^2 dQ Q / (1 + L^2 (Q - s)^2)      (checked in the tests),

and <...>_e the average over the directions of q (only |g| matters, so the
sum runs over shells with their multiplicities).  Readings taken:

* B7 carries no g-dependent weight; we keep that (equal weights), so the g
  sum grows linearly with the number of shells (Lorentzian tails in 3D).  It
  is truncated at |m|^2 <= ``m2_max`` (the paper sums "the leading
  contributions", appendix B); the cutoff is a model parameter in config.
* For L -> infinity, d(s) -> pi s for s < 2 and 0 for s > 2 (exact limit, used
  for L = inf); alpha2F_inf = C pi x^2 for x < 2 when 2 k_F < |g_min| (no
  umklapp), i.e. the omega^2 law of Eq. B2.  For finite L, d_L(0) =
  ln(1 + 4 L^2)/(2 L) > 0, so alpha2F ~ x at x << 1/L (Eq. B3, amorphous).
* Direction average, evaluated exactly (``d_sum``, ``shell_average``).  With
  s^2 = x^2 + G^2 + 2 x G mu,
    <d_L(|x e + G|)>_e = (1/(2 x G)) Int_{|G-x|}^{G+x} s d_L(s) ds   (G > 0),
  and s d_L(s) has the closed-form primitive P = A_2 - A_0,
    A_c(s) = (s^2 + c^2 + 1/(3L^2)) ln(1 + L^2 (s-c)^2) / (4L)
             - (s^3 - c^3) atan(L (s-c)) / 3 - (s-c)^2 / (12L),
  which we evaluate as differences over [|G-x|, G+x] that are each proportional
  to the width w = 2 min(x, G) (atan2 for atan differences, log1p for log
  differences; the s^3 atan term is taken per endpoint when w > (G+x)/2).
  That avoids cancellation for x -> 0 (limit d_L(G)) and at k_F l >> 1.  For L = inf: pi [min(2, G+x)^3 - |G-x|^3] / (6 x G) if
  |G-x| < 2, else 0.  A fixed quadrature in mu cannot do this.  d_L(s) jumps
  (L = inf) or has a width-1/L step (finite L) at s = 2, so the former
  64-node Gauss-Legendre rule in mu turned the first-shell umklapp onset into
  a staircase (up to ~90 % wrong above x = G_1 - 2 at k_F l = 1e4, 5 % at 100).
  ``d_sum(..., n_mu=N)`` still gives that N-node rule as a brute-force
  cross-check.
* C is fixed so that the standard lambda = 2 Int alpha2F / omega of the
  pristine spectrum equals ``lambda_norm``: C = lambda_norm / (4 pi).
* Lifshitz resonance (Eqs. 4-7): Debye Green function
  D(w) = w^2 Int F(w') dw' / (w'^2 - w^2) with F = 3 w'^2 / w_D^3, i.e.
  Re D = (3 w^2 / w_D^3) [w_D + (w/2) ln|(w_D - w)/(w_D + w)|],
  Im D = (3 pi / 2) w^3 / w_D^3.  Resonance eps Re D(w_R) = 1, phase shift of
  Eq. 5 with atan2 (continuous branch).  For eps >> 1: w_R = w_D / sqrt(3 eps),
  FWHM Gamma = (pi/2) w_R^2 / w_D.  In alpha2F the resonance enters (Eq. 8)
  with weight n_d(l); we take n_d = 1/(k_F l), the weight Eq. 17 transfers to
  w_R, times ``resonance_weight`` x (area of the pristine spectrum), and the
  Lorentzian of Eq. 6 is replaced by the damped-oscillator line
  x Gamma / ((x_R^2 - x^2)^2 + x^2 Gamma^2) (normalised), which is the same
  Lorentzian near x_R but vanishes ~ x at x -> 0 so that lambda stays finite.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from ..errors import InputError
from ..numba_config import jit, pjit, prange
from .paracrystal import reciprocal_vectors

#: q_D a0 of a monatomic simple-cubic Debye solid, (6 pi^2)^(1/3).
QD_A0_SC = (6.0 * np.pi**2) ** (1.0 / 3.0)


# ---------------------------------------------------------------- Eq. B7

def d_bracket(s, L: float):
    """The bracket of Eq. B7 for one g, in units of k_F (see module doc)."""
    s = np.asarray(s, dtype=float)
    if np.isinf(L):
        return np.where(s < 2.0, np.pi * s, np.where(s == 2.0, 0.5 * np.pi * s, 0.0))
    lg = np.log((1.0 + L**2 * (s - 2.0) ** 2) / (1.0 + L**2 * s**2))
    at = np.arctan(L * (s - 2.0)) - np.arctan(L * s)
    return (lg - 2.0 * L * s * at) / (2.0 * L)


def shells(m2_max: int, kf_a0: float):
    """Distinct |g|/k_F of the simple-cubic shells 0 < |m|^2 <= m2_max and their multiplicities."""
    _, m2 = reciprocal_vectors(m2_max)
    vals, counts = np.unique(m2, return_counts=True)
    return 2.0 * np.pi * np.sqrt(vals) / kf_a0, counts.astype(float)


@jit
def _d_nb(s, L):
    if np.isinf(L):
        if s < 2.0:
            return np.pi * s
        if s == 2.0:
            return 0.5 * np.pi * s
        return 0.0
    lg = np.log((1.0 + L * L * (s - 2.0) ** 2) / (1.0 + L * L * s * s))
    at = np.arctan(L * (s - 2.0)) - np.arctan(L * s)
    return (lg - 2.0 * L * s * at) / (2.0 * L)


@jit
def _shell_avg_nb(x, G, L):
    """<d_L(|x e + G ghat|)>_e for one shell G > 0 (x >= 0); see :func:`shell_average`."""
    if x == 0.0:
        return _d_nb(G, L)
    a = abs(G - x)
    b = G + x
    w = 2.0 * min(x, G)                     # b - a, without the cancellation of b - a
    if np.isinf(L):
        if a >= 2.0:
            return 0.0
        if b <= 2.0:
            m, dm = b, w
        else:
            m, dm = 2.0, 2.0 - a
        return np.pi * dm * (m * m + m * a + a * a) / (6.0 * x * G)
    L2 = L * L
    kap = 1.0 / (3.0 * L2)
    p = a + b
    q2 = 0.5 * (a * a + b * b)
    q3 = 0.5 * (a * a * a + b * b * b)
    ta = a - 2.0
    tb = b - 2.0
    dl2 = np.log1p(L2 * w * (p - 4.0) / (1.0 + L2 * ta * ta))
    dl0 = np.log1p(L2 * w * p / (1.0 + L2 * a * a))
    da2 = np.arctan2(L * w, 1.0 + L2 * ta * tb)
    da0 = np.arctan2(L * w, 1.0 + L2 * a * b)
    lbar = 0.5 * (np.log((1.0 + L2 * ta * ta) / (1.0 + L2 * a * a))
                  + np.log((1.0 + L2 * tb * tb) / (1.0 + L2 * b * b)))
    # D(s) = atan(L (s - 2)) - atan(L s); [D s^3 / 3]_a^b per endpoint for a wide interval,
    # as (Delta D) mean(s^3) / 3 + mean(D) Delta(s^3) / 3 for a narrow one (both exact)
    Da = np.arctan2(-2.0 * L, 1.0 + L2 * a * ta)
    Db = np.arctan2(-2.0 * L, 1.0 + L2 * b * tb)
    if 2.0 * w > b:
        dsh = (Db * b * b * b - Da * a * a * a) / 3.0
    else:
        dsh = (da2 - da0) * q3 / 3.0 + 0.5 * (Da + Db) * w * (a * a + a * b + b * b) / 3.0
    integral = (dl2 * (q2 + 4.0 + kap) / (4.0 * L) - dl0 * (q2 + kap) / (4.0 * L)
                + lbar * w * p / (4.0 * L)
                - dsh + 8.0 * da2 / 3.0
                + w / (3.0 * L))
    return integral / (2.0 * x * G)


@pjit
def _dsum_nb(x, L, gs, mult):
    out = np.empty(x.size)
    for i in prange(x.size):
        acc = _d_nb(x[i], L)
        xa = abs(x[i])
        for j in range(gs.size):
            acc += mult[j] * _shell_avg_nb(xa, gs[j], L)
        out[i] = acc
    return out


def shell_average(x, G: float, L: float):
    """<d_L(|x e + G ghat|)>_e over the directions e, for one shell G = |g|/k_F > 0 (NumPy).

    Exact reduction (s^2 = x^2 + G^2 + 2 x G mu):
    <d_L>_e = (1/(2 x G)) Int_a^b s d_L(s) ds, a = |G - x|, b = G + x, with the
    closed-form primitive (module doc) written as differences that are each
    proportional to w = b - a = 2 min(x, G) (atan2 for differences of atan,
    log1p for differences of log), so that x -> 0 and L >> 1 lose no digits.
    Same formulas as the Numba kernel ``_shell_avg_nb``, written out separately.
    x = 0 gives the limit d_L(G); L = inf the step-function form.
    """
    x = np.abs(np.asarray(x, dtype=float))
    a = np.abs(G - x)
    b = G + x
    w = 2.0 * np.minimum(x, G)
    xs = np.where(x > 0, x, 1.0)            # x = 0 is replaced by the limit below
    with np.errstate(invalid="ignore", divide="ignore"):
        if np.isinf(L):
            m = np.minimum(b, 2.0)
            dm = np.where(b <= 2.0, w, 2.0 - a)
            val = np.where(a < 2.0, np.pi * dm * (m**2 + m * a + a**2) / (6.0 * xs * G), 0.0)
        else:
            def delta(c):
                """Delta over [a, b] of ln(1 + L^2 (s - c)^2) and of atan(L (s - c))."""
                ta, tb = a - c, b - c
                return (np.log1p(L**2 * w * (ta + tb) / (1.0 + (L * ta) ** 2)),
                        np.arctan2(L * w, 1.0 + L**2 * ta * tb))

            def bracket_parts(s):
                """ln and atan parts of d_L(s) (the same pieces as in :func:`d_bracket`)."""
                return (np.log((1.0 + (L * (s - 2.0)) ** 2) / (1.0 + (L * s) ** 2)),
                        np.arctan2(-2.0 * L, 1.0 + L**2 * s * (s - 2.0)))

            dl2, da2 = delta(2.0)
            dl0, da0 = delta(0.0)
            la, Da = bracket_parts(a)
            lb, Db = bracket_parts(b)
            s2m = 0.5 * (a**2 + b**2) + 1.0 / (3.0 * L**2)
            # [D s^3 / 3]_a^b, D = atan(L (s - 2)) - atan(L s): per endpoint for a wide interval
            dsh = np.where(2.0 * w > b, (Db * b**3 - Da * a**3) / 3.0,
                           (da2 - da0) * 0.5 * (a**3 + b**3) / 3.0
                           + 0.5 * (Da + Db) * w * (a**2 + a * b + b**2) / 3.0)
            integral = ((dl2 * (s2m + 4.0) - dl0 * s2m + 0.5 * (la + lb) * w * (a + b)) / (4.0 * L)
                        - dsh + 8.0 * da2 / 3.0 + w / (3.0 * L))
            val = integral / (2.0 * xs * G)
    return np.where(x > 0, val, d_bracket(np.full_like(x, G), L))


def _dsum_np(x, L, gs, mult):
    acc = d_bracket(x, L)
    for G, c in zip(gs, mult):
        acc = acc + c * shell_average(x, G, L)
    return acc


@pjit
def _dsum_gl_nb(x, L, gs, mult, mu, wmu):
    out = np.empty(x.size)
    for i in prange(x.size):
        acc = _d_nb(x[i], L)
        for j in range(gs.size):
            sh = 0.0
            for k in range(mu.size):
                s = np.sqrt(x[i] * x[i] + gs[j] * gs[j] + 2.0 * x[i] * gs[j] * mu[k])
                sh += wmu[k] * _d_nb(s, L)
            acc += mult[j] * 0.5 * sh
        out[i] = acc
    return out


def _dsum_gl_np(x, L, gs, mult, mu, wmu):
    acc = d_bracket(x, L)
    for G, c in zip(gs, mult):
        s = np.sqrt(x[:, None] ** 2 + G**2 + 2.0 * x[:, None] * G * mu[None, :])
        acc = acc + c * 0.5 * (d_bracket(s, L) * wmu).sum(axis=1)
    return acc


def d_sum(x, L: float, kf_a0: float, m2_max: int = 3, n_mu: int | None = None, numba: bool = True):
    """sum_g <d_L(|x e + g/k_F|)>_e of Eq. B7 (g = 0 plus shells up to m2_max).

    The direction average is the exact 1-D reduction of :func:`shell_average`.
    ``n_mu`` (default None) instead selects the former fixed ``n_mu``-node
    Gauss-Legendre rule in mu = cos(angle); it is kept only as a brute-force
    cross-check and is inaccurate above the umklapp onset unless n_mu >> k_F l.
    """
    x = np.ascontiguousarray(x, dtype=float)
    gs, mult = shells(m2_max, kf_a0)
    if n_mu is not None:
        mu, wmu = np.polynomial.legendre.leggauss(int(n_mu))
        kern = _dsum_gl_nb if numba else _dsum_gl_np
        return kern(x, float(L), gs, mult, mu, wmu)
    if numba:
        return _dsum_nb(x, float(L), gs, mult)
    return _dsum_np(x, float(L), gs, mult)


# ---------------------------------------------------------------- Lifshitz resonance (Eqs. 4-7)

def debye_green(w, w_d: float):
    """Complex D(w) of a Debye solid (module doc), for 0 <= w < w_D."""
    w = np.asarray(w, dtype=float)
    with np.errstate(divide="ignore"):
        re = 3.0 * w**2 / w_d**3 * (w_d + 0.5 * w * np.log(np.abs((w_d - w) / (w_d + w))))
    im = np.where(w < w_d, 1.5 * np.pi * w**3 / w_d**3, 0.0)
    return re + 1j * im


def phase_shift(w, eps: float, w_d: float):
    """Phase shift Phi(w) of Eq. 5 (continuous atan2 branch, 0 at w = 0)."""
    d = debye_green(w, w_d)
    return np.arctan2(eps * d.imag, 1.0 - eps * d.real)


def resonance(eps: float, w_d: float, exact: bool = True):
    """(w_R, Gamma): resonance of Eq. 4 (eps Re D(w_R) = 1) and its FWHM.

    ``exact=False`` returns the eps >> 1 forms w_D / sqrt(3 eps) and (pi/2) w_R^2 / w_D.
    """
    if eps <= 1.0 / 3.0:
        raise InputError(None, "heavy_mass_ratio", f"got {eps}; a resonance needs eps > 1/3 (heavy scatterer)")
    wr0 = w_d / np.sqrt(3.0 * eps)
    if not exact:
        return wr0, 0.5 * np.pi * wr0**2 / w_d

    def f(w):
        return eps * debye_green(w, w_d).real - 1.0
    # Re D rises from 0, peaks and falls to -inf at w_D: the first root is the resonance
    grid = np.linspace(1e-6 * w_d, 0.999 * w_d, 4001)
    vals = f(grid)
    idx = np.nonzero(np.diff(np.sign(vals)) > 0)[0]
    if idx.size == 0:
        raise InputError(None, "heavy_mass_ratio", f"no resonance found for eps = {eps}")
    wr = brentq(f, grid[idx[0]], grid[idx[0] + 1], xtol=1e-14 * w_d)
    h = 1e-6 * w_d
    dre = (debye_green(wr + h, w_d).real - debye_green(wr - h, w_d).real) / (2 * h)
    gamma = 2.0 * debye_green(wr, w_d).imag / dre
    return float(wr), float(gamma)


def dho_line(x, x_r: float, gamma: float):
    """Damped-oscillator line x Gamma / ((x_R^2 - x^2)^2 + x^2 Gamma^2), normalised on the grid."""
    x = np.asarray(x, dtype=float)
    g = x * gamma / ((x_r**2 - x**2) ** 2 + x**2 * gamma**2)
    return g / np.trapezoid(g, x)


# ---------------------------------------------------------------- alpha2F_l (Eqs. 8, B6-B7)

def alpha2f_lattice(x, kf_l: float, kf_a0: float, m2_max: int = 3, lambda_norm: float = 1.0,
                    x_max: float | None = None, numba: bool = True):
    """Lattice part of alpha2F_l(x), x = omega/(v_s k_F), zero above x_D = q_D / k_F."""
    x = np.asarray(x, dtype=float)
    x_max = QD_A0_SC / kf_a0 if x_max is None else x_max
    c = lambda_norm / (4.0 * np.pi)
    out = c * x * d_sum(x, kf_l, kf_a0, m2_max, numba=numba)
    return np.where(x <= x_max, out, 0.0)


def alpha2f(x, kf_l: float, kf_a0: float, *, m2_max: int = 3, lambda_norm: float = 1.0,
            eps: float | None = None, resonance_weight: float = 0.0, numba: bool = True):
    """alpha2F_l(x) of Eq. 8: lattice part (B6-B7) plus the Lifshitz resonance
    (damped-oscillator line at x_R, FWHM Gamma from :func:`resonance` with
    eps = ``eps``), of area ``resonance_weight`` x (area of the pristine
    spectrum) / (k_F l); no resonance for ``eps=None``, weight 0 or l = inf.

    Returns ``(a2f, parts)`` with ``parts = dict(lattice=, resonance=, x_r=, gamma=)``.
    """
    x = np.asarray(x, dtype=float)
    if kf_l <= 0:
        raise InputError(None, "kF_ell", f"got {kf_l}; expected > 0")
    x_d = QD_A0_SC / kf_a0
    lat = alpha2f_lattice(x, kf_l, kf_a0, m2_max, lambda_norm, x_d, numba)
    res = np.zeros_like(x)
    x_r = gamma = np.nan
    if eps is not None and resonance_weight > 0 and np.isfinite(kf_l):
        x_r, gamma = resonance(eps, x_d)
        # area of the pristine spectrum C pi Int_0^2 x^2 dx = lambda_norm * 2/3
        area_inf = lambda_norm / (4 * np.pi) * np.pi * 8.0 / 3.0
        res = resonance_weight * area_inf / kf_l * dho_line(x, x_r, gamma)
    return lat + res, dict(lattice=lat, resonance=res, x_r=x_r, gamma=gamma)


def loglog_slope(x, y, lo: float, hi: float) -> float:
    """Least-squares slope of ln y vs ln x on lo <= x <= hi."""
    sel = (x >= lo) & (x <= hi) & (y > 0)
    if sel.sum() < 3:
        raise InputError(None, "window", f"fewer than 3 points in [{lo}, {hi}]")
    return float(np.polyfit(np.log(x[sel]), np.log(y[sel]), 1)[0])
