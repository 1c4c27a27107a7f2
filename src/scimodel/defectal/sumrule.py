"""Momentum-relaxation efficiency E_l with a structure factor that keeps its
normalisation sum rule ("sum-rule reading" of paper 000, Eqs. 21-38).

Why a second reading
--------------------
Eq. 2 of the paper, taken literally in 3-D (peaks S_max(g) = (l/a0)/|m|^2 of
Lorentzian shape 1/(1 + l^2 |p - g|^2)), gives every Bragg peak a weight that
vanishes with the width: the pristine lattice has no umklapp at all, and the
efficiency grows like 1/l, i.e. like delta rho0 (:mod:`.transport`, the
"halo-only" reading).  Eq. 39 then cannot be one straight line: substituting
Eq. 38 in Eq. 39 gives F_l / sqrt(A_l) = (1 + lambda_l)/(lambda_l - mu*), so
ln Tc = ln theta - F_l A_l^(-1/2) holds point by point for any F_l, and is a
single line only if F_l is (nearly) constant along the flow.  The paper
assumes exactly that (Eq. 36 has no dF term; Sec. II.C calls theta and F
material constants).  A paracrystal structure factor conserves the
integrated intensity of every reciprocal cell (Eqs. A7-A8: each 1-D factor
has period average 1), so disorder moves weight *within* the pattern (the
peaks broaden into a halo) without removing it; with a metallic Fermi sphere
(k_F a0 = (3 pi^2 n)^(1/3) for n electrons per simple-cubic cell, 3.094 for
n = 1; 4 k_F > |g_min| = 2 pi / a0) the pristine lattice already has umklapp
and E_l changes by only a few per cent along the flow.

The structure factor (isotropic cumulative paracrystal)
-------------------------------------------------------
Eq. A7 integrates a 3-D Gaussian per lattice step, so the damping of the
Hosemann factor depends on |p|^2 (the separable Guinier form Eq. A9, with
(a_i . p)^2, is a different model that gives streaks, not a halo).  We take
the isotropic member of that family: the displacement difference of two sites
R apart is Gaussian and isotropic with variance sigma^2 a0 |R| per component
(along a row this is Hosemann's n sigma^2 a0^2 for n steps), so

    S_l(p) = sum_R exp(-kappa(p) |R| + i p.R),     kappa(p) = sigma^2 a0 |p|^2 / 2,

and by Poisson summation, exactly,

    S_l(p) = V* sum_g c3(p - g; kappa(p)),     c3(u; k) = (k / pi^2) / (k^2 + u^2)^2,

V* = (2 pi / a0)^3: peaks of weight V* at every g (the sum rule: one per
reciprocal cell, the pristine limit is S = V* sum_g delta(p - g)), of width
kappa growing like |g|^2, merging into a halo S -> 1.  The length l of the
paper (l = |delta g|^-1, the inverse width of the first order) is the
correlation length 1 / kappa(|g_1|), so in units of k_F

    kappa(s) = (s / G_1)^2 / (k_F l),     G_1 = 2 pi / (k_F a0)

(for the first order this is sigma^2 = a0 / (2 pi^2 l), as in
:func:`.paracrystal.ell_from_sigma`).

Eq. 21 for f_l: the autoconvolution over the phonon momentum q of one
Brillouin zone picks, for given k1' - k1 in the first zone, the g = 0 delta of
one factor times the other factor, so f_l(P) = S_l(P) at the non-conserved
total momentum P = k1 + k2 - k1' - k2' with unit weight per g (f_inf =
sum_g delta_{P, g}, the paper's pristine f_inf).  Pairs whose k1' - k1 lies
outside the first zone would add the widths of two peaks; this is neglected.

The efficiency (Eq. 33 without its F_0^2 prefactors, as in :mod:`.transport`)

    E_l = < [u.P / k_F]^2 f_l(P) >  over four independent Fermi-surface directions
        = Int_0^4 ds f4(s) (s^2 / 3) < S_l(s e) >_e ,

with f4 the radial density of the length of a sum of four unit vectors
(Rayleigh; piecewise polynomial, :func:`walk4_density`) and (u.P)^2 replaced
by its average |P|^2 / 3 over the field direction (S_l has cubic symmetry).
The direction average of one peak over the sphere |P| = s is elementary,

    < c3(s e - g) >_e = (kappa / (4 pi^2 s G)) [1/(kappa^2 + (s - G)^2) - 1/(kappa^2 + (s + G)^2)],

(and c3(s) itself for g = 0), so E_l is a sum over reciprocal shells of 1-D
integrals.  Each is done by Gauss-Legendre in theta, s = G + kappa(G) tan theta
(flat in theta however sharp the peak), split at the kink of f4 at s = 2.  The
shells beyond G_c = 4 + ``shell_margin`` G_1 are summed as an integral over g
(closed form, :func:`_tail`), which is exact for the dense lattice.  Limits
checked in the tests: k_F l -> infinity gives the pristine umklapp sum
(V* / 12 pi) sum_{g != 0} f4(|g|) (1.3559 at k_F a0 = 3.094); k_F a0 -> infinity
(dense lattice) gives <|P|^2>/3 = 4/3 at any l; a brute-force Monte Carlo
over four directions with S_l evaluated point by point agrees within its
error.
"""
from __future__ import annotations

from math import comb

import numpy as np

from ..errors import InputError

#: k_F a0 of a free-electron sphere with one electron per simple-cubic cell, (3 pi^2)^(1/3).
KF_A0_ONE_ELECTRON = (3.0 * np.pi**2) ** (1.0 / 3.0)


def kf_a0_from_electrons(n_per_cell: float) -> float:
    """k_F a0 = (3 pi^2 n)^(1/3) of a free-electron sphere (two spins) with n electrons per cell."""
    if not (np.isfinite(n_per_cell) and n_per_cell > 0):
        raise InputError(None, "electrons_per_cell", f"got {n_per_cell}; expected a number > 0")
    return float((3.0 * np.pi**2 * n_per_cell) ** (1.0 / 3.0))


def walk4_density(s):
    """Radial probability density of |d1 + d2 + d3 + d4| for four independent unit vectors
    uniform on the sphere (Rayleigh 1919): s/16 sum_k (-1)^k C(4,k) (4 - s - 2k)_+^2, 0 < s < 4."""
    s = np.asarray(s, dtype=float)
    acc = np.zeros_like(s)
    for k in range(3):
        t = 4.0 - s - 2.0 * k
        acc = acc + np.where(t > 0.0, (-1) ** k * comb(4, k) * t * t, 0.0)
    return np.where((s > 0.0) & (s < 4.0), s / 16.0 * acc, 0.0)


def shells(kf_a0: float, g_max: float):
    """Distinct |g| / k_F <= g_max of the simple-cubic reciprocal lattice (0 included) and
    their multiplicities."""
    m = int(np.ceil(g_max * kf_a0 / (2.0 * np.pi)))
    h = np.arange(-m, m + 1)
    m2 = (h[:, None, None] ** 2 + h[None, :, None] ** 2 + h[None, None, :] ** 2).ravel()
    vals, counts = np.unique(m2, return_counts=True)
    g = 2.0 * np.pi * np.sqrt(vals) / kf_a0
    keep = g <= g_max
    return g[keep], counts[keep].astype(float)


def kappa(s, kf_l: float, kf_a0: float):
    """Width kappa(s) = (s / G_1)^2 / (k_F l) of the peaks at |p| = s k_F (units of k_F)."""
    g1 = 2.0 * np.pi / kf_a0
    return (np.asarray(s, dtype=float) / g1) ** 2 / kf_l


def sphere_average(s, kap, g: float):
    """<c3(s e - g; kappa)>_e over the unit sphere e, for |g| = ``g`` (module doc)."""
    s = np.asarray(s, dtype=float)
    kap = np.asarray(kap, dtype=float)
    if g == 0.0:
        return (kap / np.pi**2) / (kap**2 + s**2) ** 2
    return (kap / (4.0 * np.pi**2 * s * g)) * (1.0 / (kap**2 + (s - g) ** 2) - 1.0 / (kap**2 + (s + g) ** 2))


def _tail(s, kap, g_c: float):
    """Int_{|g| > g_c} d^3g c3(s e - g; kappa): the shells beyond g_c as a continuum."""
    lg = np.log((kap**2 + (g_c - s) ** 2) / (kap**2 + (g_c + s) ** 2))
    at = np.arctan((g_c - s) / kap) + np.arctan((g_c + s) / kap)
    return 1.0 - kap / (2.0 * np.pi * s) * lg - at / np.pi


def structure_factor(p, kf_l: float, kf_a0: float, shell_margin: float = 8.0):
    """S_l(p) at momenta ``p[..., 3]`` (units of k_F), by the peak sum over |g| <= |p| + margin
    plus the continuum of the rest (for tests and figures; E_l does not use it)."""
    p = np.asarray(p, dtype=float)
    s = np.linalg.norm(p, axis=-1)
    kap = kappa(s, kf_l, kf_a0)
    g1 = 2.0 * np.pi / kf_a0
    g_c = float(s.max(initial=0.0)) + shell_margin * g1
    m = int(np.ceil(g_c / g1))
    h = np.arange(-m, m + 1)
    hkl = np.stack(np.meshgrid(h, h, h, indexing="ij"), axis=-1).reshape(-1, 3)
    g = g1 * hkl[np.linalg.norm(hkl, axis=1) * g1 <= g_c]
    vs = g1**3
    d2 = ((p[..., None, :] - g) ** 2).sum(axis=-1)
    peaks = vs * ((kap[..., None] / np.pi**2) / (kap[..., None] ** 2 + d2) ** 2).sum(axis=-1)
    # continuum beyond g_c: Int_{|g| > g_c} c3(p - g) d^3g depends on |p| only (both the
    # ball and c3 are isotropic), so it is the sphere-average tail :func:`_tail`
    with np.errstate(divide="ignore", invalid="ignore"):
        tail = np.where(s > 0, _tail(np.where(s > 0, s, 1.0), kap, g_c), 0.0)
    return peaks + tail


def efficiency_pristine(kf_a0: float) -> float:
    """E_inf = (V* / 12 pi) sum_{g != 0} f4(|g|): umklapp of the perfect lattice (k_F l = inf)."""
    g, mult = shells(kf_a0, 4.0)
    vs = (2.0 * np.pi / kf_a0) ** 3
    return float(vs / (12.0 * np.pi) * np.sum(mult[g > 0] * walk4_density(g[g > 0])))


def efficiency(kf_l: float, kf_a0: float, *, nodes: int = 96, shell_margin: float = 8.0) -> float:
    """E_l of the sum-rule structure factor (module doc); ``kf_l = inf`` gives the pristine value.

    ``nodes`` Gauss-Legendre nodes per sub-interval, shells summed up to
    |g| = 4 + ``shell_margin`` G_1 (units of k_F) and the rest as a continuum.
    """
    if not (kf_a0 > 0 and np.isfinite(kf_a0)):
        raise InputError(None, "kF_a0", f"got {kf_a0}; expected a finite number > 0")
    if np.isinf(kf_l) and kf_l > 0:
        return efficiency_pristine(kf_a0)
    if not kf_l > 0:
        raise InputError(None, "kF_ell", f"got {kf_l}; expected > 0")
    if nodes < 8 or shell_margin < 1:
        raise InputError(None, "quadrature", f"got nodes={nodes}, shell_margin={shell_margin}; "
                         "expected nodes >= 8 and shell_margin >= 1")
    g1 = 2.0 * np.pi / kf_a0
    vs = g1**3
    g_c = 4.0 + shell_margin * g1
    x, w = np.polynomial.legendre.leggauss(int(nodes))
    pieces = ((0.0, 2.0), (2.0, 4.0))

    def weight(s):
        return walk4_density(s) * s * s / 3.0

    total = 0.0
    gs, mult = shells(kf_a0, g_c)
    for g, mu in zip(gs, mult):
        for a, b in pieces:
            if g == 0.0:                       # smooth: kappa(s) ~ s^2 -> c3 finite
                s = 0.5 * (b - a) * x + 0.5 * (a + b)
                total += vs * mu * 0.5 * (b - a) * np.sum(w * weight(s) * sphere_average(s, kappa(s, kf_l, kf_a0), 0.0))
                continue
            kg = float(kappa(g, kf_l, kf_a0))
            ta, tb = np.arctan((a - g) / kg), np.arctan((b - g) / kg)
            t = 0.5 * (tb - ta) * x + 0.5 * (ta + tb)
            s = g + kg * np.tan(t)
            jac = kg / np.cos(t) ** 2
            total += vs * mu * 0.5 * (tb - ta) * np.sum(w * weight(s) * sphere_average(s, kappa(s, kf_l, kf_a0), g) * jac)
    for a, b in pieces:
        s = 0.5 * (b - a) * x + 0.5 * (a + b)
        total += 0.5 * (b - a) * np.sum(w * weight(s) * _tail(s, kappa(s, kf_l, kf_a0), g_c))
    return float(total)
