"""Phononic SCDFT kernels K^ph(xi, xi') and Z^ph(xi) (paper 004, Eqs. 10-13, 23, 24, 30).

Energies in meV, ``beta`` = 1/(k_B T) in 1/meV.  Every Numba kernel has a
plain-NumPy twin (suffix ``_np``, in :mod:`scimodel.scdft.kernels_np` with the
T = 0 limits); tests check that they agree to 1e-10.  The trigamma function
of G(y) is in :mod:`scimodel.scdft.trigamma`.

Bounded forms
-------------
With f(x) = 1/(e^{beta x}+1), n(W) = 1/(e^{beta W}-1) and the identities
f(x) e^{beta x} = f(-x), n(W) e^{beta W} = 1 + n(W), the two fractions of
I (Eq. 10) become, with x1 = xi - xi' - W and x2 = xi - xi' + W,

    t1 = [f(-xi) f(xi') n  - f(xi) f(-xi') (1+n)] / x1
       = f(-xi) f(xi') n     * p(x1)     if x1 >= 0
       = f(xi) f(-xi') (1+n) * p(x1)     if x1 <  0
    t2 = [f(xi) f(-xi') n  - f(-xi) f(xi') (1+n)] / x2
       = -f(xi) f(-xi') n    * p(x2)     if x2 <= 0
       = -f(-xi) f(xi') (1+n)* p(x2)     if x2 >  0
    I  = t1 - t2,

where p(x) = (1 - e^{-beta|x|}) / |x| (p(0) = beta) is bounded by beta: the
removable singularities x1, x2 -> 0 are exactly its limit, and no
exponential of a large argument is ever formed.  W = I(xi, xi') - I(xi, -xi')
(Eq. 30).

Z^ph: closed-form xi' integral
------------------------------
Reading of Eq. (13): the OCR text has ``beta f(xi - W) f(-xi' + W)``; only
``beta f(xi - W) f(W - xi) = -f'(xi - W)`` makes the bracket vanish at
xi - xi' - W = 0 (so that J~ is finite there, as the text requires), so we
read it that way.  Then, with y = xi - W and x = xi - xi' - W,

    J~ = -(f(xi) + n(W)) [ (f(y - x) - f(y))/x^2 + f'(y)/x ],

and the xi' integral over the whole real line is (integration by parts and
the Matsubara expansion of f; derivation in docs of :func:`g_hilbert`)

    Int dxi' J~(xi, xi', W) = -(f(xi) + n(W)) G(xi - W),
    G(y) = PV Int du (-f'(u)) / (y - u) = -(beta/2pi) Im psi'(1/2 + i beta y / 2pi).

G -> 1/y for |y| >> k_B T.  J(W) = J~(W) - J~(-W) and n(-W) = -1 - n(W) give

    Int dxi' [J(xi,xi') + J(xi,-xi')] = -2 [(f(xi)+n) G(xi-W) + (f(-xi)+n) G(xi+W)].

Sign reading: with the signs of Eqs. (12), (13) and (24) exactly as printed,
this gives Z^ph(0) -> -lambda at T -> 0, whereas the text (Sec. V) states
Z^ph(0) = +lambda and that Z^ph is positive and reduces the gap.  We take the
overall sign from the text, i.e.

    Z^ph(xi) = 1/tanh(beta xi/2) Int dW a2F(W)
               [ 2 B(xi, W) + C(xi, W)/mu ],
    B = (f(xi)+n) G(xi-W) + (f(-xi)+n) G(xi+W).

The term C/mu is the leading-order correction for the lower limit -mu of the
xi' integral in Eq. (24) (band bottom at -mu; the symmetric integrand decays
like C/xi'^2 for |xi'| >> W, k_B T):

    C = -(f(xi)+n) [tanh(beta(xi-W)/2) + 2 beta (xi-W) f(xi-W) f(W-xi)]
        -(f(-xi)+n)[tanh(beta(xi+W)/2) + 2 beta (xi+W) f(xi+W) f(-xi-W)]

(Omega/mu ~ 1e-3 relative; set ``mu = inf`` to drop it).

Removable singularities at xi -> 0 (the 1/tanh prefactors) are handled by
evaluating at |xi| >= XI_BETA_MIN / beta (K and Z are even and smooth in xi
on the scale k_B T, so the error is O(XI_BETA_MIN^2/2) ~ 1e-5 relative, and
only for |xi| < 5e-3 k_B T, a region of negligible weight in Eq. 20; the
cancellation in W ~ xi xi' there costs ~ eps/XI_BETA_MIN^2 ~ 1e-11).
"""
from __future__ import annotations

import math

import numpy as np

from ..numba_config import jit, pjit, prange
from .trigamma import _im_trigamma_half, _trigamma_tail_im

#: smallest |beta xi| at which the 1/tanh(beta xi/2) prefactors are evaluated
XI_BETA_MIN = 5e-3
#: beyond this beta*|x| the factor e^{-beta|x|} is below double precision
_BIG = 40.0


# --------------------------------------------------------------------------- scalars (Numba)
@jit
def fermi(x, beta):
    """Fermi function f(x) = 1/(e^{beta x} + 1), overflow-free."""
    y = beta * x
    if y > 0.0:
        e = math.exp(-y)
        return e / (1.0 + e)
    return 1.0 / (1.0 + math.exp(y))


@jit
def bose(w, beta):
    """Bose function n(w) = 1/(e^{beta w} - 1) for w > 0, overflow-free."""
    y = beta * w
    return math.exp(-y) / (-math.expm1(-y))


@jit
def _p(x, beta):
    """p(x) = (1 - exp(-beta |x|)) / |x|, p(0) = beta."""
    a = abs(x)
    y = beta * a
    if y > _BIG:
        return 1.0 / a
    if y < 1e-8:
        return beta * (1.0 - 0.5 * y)
    return -math.expm1(-y) / a


@jit
def _i_fun(fa, fma, fb, fmb, xa, xb, w, n, beta):
    """I(xi, xi', W) of Eq. (10) in the bounded form (see module docstring)."""
    x1 = xa - xb - w
    if x1 >= 0.0:
        t1 = fma * fb * n * _p(x1, beta)
    else:
        t1 = fa * fmb * (1.0 + n) * _p(x1, beta)
    x2 = xa - xb + w
    if x2 <= 0.0:
        t2 = -fa * fmb * n * _p(x2, beta)
    else:
        t2 = -fma * fb * (1.0 + n) * _p(x2, beta)
    return t1 - t2


@jit
def w_kernel(xa, xb, w, beta):
    """W(xi, xi', Omega) = I(xi, xi', W) - I(xi, -xi', W) (Eq. 30), in 1/meV."""
    fa = fermi(xa, beta)
    fma = fermi(-xa, beta)
    fb = fermi(xb, beta)
    fmb = fermi(-xb, beta)
    n = bose(w, beta)
    return (_i_fun(fa, fma, fb, fmb, xa, xb, w, n, beta)
            - _i_fun(fa, fma, fmb, fb, xa, -xb, w, n, beta))


@jit
def _clamp_xi(x, beta):
    lim = XI_BETA_MIN / beta
    if abs(x) < lim:
        return lim if x >= 0.0 else -lim
    return x


# --------------------------------------------------------------------------- K^ph
# Structure used by the Numba kernel (same formulas as the NumPy twin, regrouped)
# ---------------------------------------------------------------------------
# In I(x, y, W) (module docstring) the Fermi factors enter only through the two
# products P = f(-x) f(y) and Q = f(x) f(-y), and the rest depends on x, y only
# through c = x - y.  Summing over the phonon grid (weights wn = w a2F n(W),
# wn1 = w a2F (1 + n(W))):
#
#     sum_W I = P A(c) + Q B(c)             (c >= 0)
#             = Q A(|c|) + P B(|c|)         (c <  0; the x2 <= 0 branch for c + W <= 0)
#     A(c) = sum_{W <= c} wn p(c - W) + sum_W wn1 p(c + W)
#     B(c) = sum_{W >  c} wn1 p(W - c)
#
# and I(x, -y) is the same with c = x + y and P, Q -> f(-x) f(-y), f(x) f(y).
# With the phonon grid sorted (equal energies merged), {W <= c} is a prefix
# found by a pointer walk, so the sums are two branch-free loops (W <= c and
# W > c; the c + W sum is split between them, and each loop does one division
# per grid point over a common denominator).  The numerators 1 - e^{-beta|x|} of p
# are formed without a per-term exponential and without cancellation:
#
#     1 - e^{-b(c - W_k)} = g_m + e_m M[m, k],   W_m = largest grid W <= c
#     1 - e^{-b(W_k - c)} = g_m' + e_m' M[m', k], W_m' = smallest grid W > c
#     1 - e^{-b(c + W_k)} = g_c + e_c (1 - e^{-b W_k})
#
# with g = -expm1(-y), e = exp(-y) for the single per-c arguments y and the
# table M[m, k] = -expm1(-b |W_m - W_k|) computed once per call: both terms are
# >= 0, so every numerator is accurate to a few ulp for any beta|x| (no
# fallback near the removable singularities x -> 0, no overflow for any beta).
# The loops are sums of positive terms; they are compiled with fastmath
# 'reassoc' (and 'contract') so that LLVM vectorises them: this changes only
# the summation order, ~1e-16 relative on positive sums.  The final
# combination t - u = I(x, y) - I(x, -y), which cancels for |beta x|,
# |beta y| << 1, is formed in double-double (:func:`_dd_pa`).  Cost per
# (xi, xi') pair: 2 nw divisions in vectorised loops and at most 6
# exp/expm1 calls (none where beta|arg| > 40), instead of 4 nw divisions and
# per-term branches.  Agreement with the twin: <= ~5e-11 relative in the
# cancellation region at the clamp, ~1e-15 elsewhere.

#: fastmath flags for the positive-term phonon sums (order of summation only)
_SUM_FASTMATH = {"reassoc", "contract"}


@jit
def _g_e(y):
    """(1 - e^{-y}, e^{-y}) for y >= 0, both to ~1 ulp, one transcendental call.

    For y > 40, e^{-y} < 2^-57: g + e*M rounds to exactly 1 for any 0 <= M <= 1,
    so (1, 0) is returned without calling exp (identical results)."""
    if y > _BIG:
        return 1.0, 0.0
    if y < 0.5:
        g = -math.expm1(-y)
        return g, 1.0 - g
    e = math.exp(-y)
    return 1.0 - e, e


@jit(fastmath=_SUM_FASTMATH)
def _sums_below(c, m, g, e, gc, ec, mrow, mw, om, wn, wn1):
    """Grid points k < m (W_k < W_m <= c): the W <= c part of A and the c + W part.

    Returns sum_k [wn_k (g + e M[m,k]) / (c - W_k) + wn1_k (gc + ec mw_k) / (c + W_k)],
    one division per k: a/u + b/v = (a v + b u) / (u v), u, v > 0."""
    acc = 0.0
    for k in range(m):
        u = c - om[k]
        v = c + om[k]
        acc += (wn[k] * (g + e * mrow[k]) * v + wn1[k] * (gc + ec * mw[k]) * u) / (u * v)
    return acc


@jit(fastmath=_SUM_FASTMATH)
def _sums_above(c, m, g, e, gc, ec, mrow, mw, om, wn1):
    """Grid points k >= m (W_k > c): (B part, c + W part of A).

    B = sum_k wn1_k (g + e M[m,k]) / (W_k - c), A_+ = sum_k wn1_k (gc + ec mw_k) / (c + W_k),
    with one division per k (common denominator (W_k - c)(W_k + c) > 0)."""
    accb = 0.0
    acca = 0.0
    for k in range(m, om.size):
        u = om[k] - c
        v = om[k] + c
        r = wn1[k] / (u * v)
        accb += (g + e * mrow[k]) * v * r
        acca += (gc + ec * mw[k]) * u * r
    return accb, acca


@jit
def _walk(om, c, k):
    """Number of grid values om[:] <= c (om ascending), walking from the guess k."""
    nw = om.size
    while k < nw and om[k] <= c:
        k += 1
    while k > 0 and om[k - 1] > c:
        k -= 1
    return k


@jit
def _a_b(c, kc, om, wn, wn1, mw, mtab, beta):
    """(A(c), B(c)) of the block comment above, for c >= 0 with kc = #{W <= c}."""
    gc, ec = _g_e(beta * c)
    a = 0.0
    if kc > 0:
        m = kc - 1                      # W_m: largest grid W <= c
        u = c - om[m]
        g, e = _g_e(beta * u)
        a = _sums_below(c, m, g, e, gc, ec, mtab[m], mw, om, wn, wn1)
        # k = m itself (u may be 0: p(0) = beta)
        a += wn[m] * (g / u if u > 0.0 else beta) + wn1[m] * (gc + ec * mw[m]) / (c + om[m])
    b = 0.0
    if kc < om.size:
        g, e = _g_e(beta * (om[kc] - c))
        b, ap = _sums_above(c, kc, g, e, gc, ec, mtab[kc], mw, om, wn1)
        a += ap
    return a, b


@jit
def _two_sum(a, b):
    """Knuth's TwoSum: a + b = s + err exactly."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@jit
def _two_prod(a, b):
    """Dekker's TwoProduct: a * b = p + err exactly (no FMA needed)."""
    p = a * b
    t = 134217729.0 * a
    ah = t - (t - a)
    al = a - ah
    t = 134217729.0 * b
    bh = t - (t - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@jit
def _dd_pa(f1, f2, a, f3, f4, b):
    """f1 f2 a + f3 f4 b as a double-double (hi, lo).

    The difference I(x, y) - I(x, -y) cancels by a factor ~ 1/(beta^2 x y)
    (up to ~1e5 at the XI_BETA_MIN clamp); the products and the sum are
    therefore formed without rounding, so that only the ~ulp errors of A, B
    and of the Fermi factors are amplified (as in the NumPy twin, where the
    per-term rounding errors average out over the phonon grid)."""
    p, pe = _two_prod(f1, f2)
    h1, e1 = _two_prod(p, a)
    e1 += pe * a
    q, qe = _two_prod(f3, f4)
    h2, e2 = _two_prod(q, b)
    e2 += qe * b
    hi, lo = _two_sum(h1, h2)
    return hi, lo + (e1 + e2)


@jit
def _phonon_tables(omega, wa2f, beta):
    """Phonon grid sorted, equal energies merged (weights added), and the
    per-call tables of the K^ph kernel."""
    order = np.argsort(omega, kind="mergesort")
    nw0 = omega.size
    om = np.empty(nw0)
    wt = np.empty(nw0)
    nw = 0
    for k in range(nw0):
        w = omega[order[k]]
        if nw > 0 and w == om[nw - 1]:
            wt[nw - 1] += wa2f[order[k]]
        else:
            om[nw] = w
            wt[nw] = wa2f[order[k]]
            nw += 1
    om = om[:nw].copy()
    wn = np.empty(nw)                 # weight * a2F * n(W)
    wn1 = np.empty(nw)                # weight * a2F * (1 + n(W))
    mw = np.empty(nw)                 # 1 - e^{-beta W}
    for k in range(nw):
        nk = bose(om[k], beta)
        wn[k] = wt[k] * nk
        wn1[k] = wt[k] * (1.0 + nk)
        mw[k] = -math.expm1(-beta * om[k])
    mtab = np.empty((nw, nw))         # 1 - e^{-beta |W_m - W_k|}
    for m in range(nw):
        for k in range(nw):
            mtab[m, k] = -math.expm1(-beta * abs(om[m] - om[k]))
    return om, wn, wn1, mw, mtab


@pjit
def kph_matrix_nb(xa, xb, omega, wa2f, beta, n0, symmetric):
    """K^ph(xa_i, xb_j) (Eq. 23) in meV*atom, i.e. N(0) K^ph is dimensionless.

    Parameters
    ----------
    xa, xb : energies (meV)
    omega, wa2f : phonon energies (meV, > 0; any order) and quadrature
        weights times alpha2F (so that Int dW a2F(W) h(W) = sum wa2f * h(omega))
    beta : 1/(k_B T) in 1/meV
    n0 : N(0) in 1/(meV spin atom)
    symmetric : if True, xa and xb are the same array and only the upper
        triangle is computed (K is symmetric).
    """
    na = xa.size
    nb = xb.size
    out = np.empty((na, nb))
    om, wn, wn1, mw, mtab = _phonon_tables(omega, wa2f, beta)
    # per-point clamp, Fermi factors and tanh, once
    ca = np.empty(na)
    fa_ = np.empty(na)
    fma_ = np.empty(na)
    ta_ = np.empty(na)
    for i in range(na):
        x = _clamp_xi(xa[i], beta)
        ca[i] = x
        fa_[i] = fermi(x, beta)
        fma_[i] = fermi(-x, beta)
        ta_[i] = math.tanh(0.5 * beta * x)
    cb = np.empty(nb)
    fb_ = np.empty(nb)
    fmb_ = np.empty(nb)
    tb_ = np.empty(nb)
    for j in range(nb):
        y = _clamp_xi(xb[j], beta)
        cb[j] = y
        fb_[j] = fermi(y, beta)
        fmb_[j] = fermi(-y, beta)
        tb_[j] = math.tanh(0.5 * beta * y)
    # rows interleaved (r, na-1-r) so that the triangular work is balanced over threads
    nhalf = (na + 1) // 2
    for r in prange(nhalf):
        ri = np.int64(r)            # prange indices are unsigned; keep row arithmetic signed
        for rep in range(2):
            row = ri
            if rep == 1:
                row = np.int64(na) - 1 - ri
                if row == ri:
                    continue
            x = ca[row]
            fa = fa_[row]
            fma = fma_[row]
            scale = 2.0 / (ta_[row] * n0)
            j0 = row if symmetric else 0
            kd = 0
            ks = 0
            for col in range(j0, nb):
                y = cb[col]
                fb = fb_[col]
                fmb = fmb_[col]
                # I(x, y): c = x - y, P = f(-x) f(y), Q = f(x) f(-y)
                d = x - y
                cd = abs(d)
                kd = _walk(om, cd, kd)
                ad, bd = _a_b(cd, kd, om, wn, wn1, mw, mtab, beta)
                # I(x, -y): c = x + y, P = f(-x) f(-y), Q = f(x) f(y)
                s = x + y
                cs = abs(s)
                ks = _walk(om, cs, ks)
                as_, bs = _a_b(cs, ks, om, wn, wn1, mw, mtab, beta)
                # t - u in double-double (see _dd_pa)
                if d >= 0.0:
                    h1, l1 = _dd_pa(fma, fb, ad, fa, fmb, bd)
                else:
                    h1, l1 = _dd_pa(fa, fmb, ad, fma, fb, bd)
                if s >= 0.0:
                    h2, l2 = _dd_pa(fma, fmb, as_, fa, fb, bs)
                else:
                    h2, l2 = _dd_pa(fa, fb, as_, fma, fmb, bs)
                hi, lo = _two_sum(h1, -h2)
                tmu = hi + (lo + (l1 - l2))
                out[row, col] = scale * tmu / tb_[col]
    if symmetric:
        for i in range(na):
            for j in range(i):
                out[i, j] = out[j, i]
    return out


# --------------------------------------------------------------------------- G(y) and Z^ph
@jit
def g_hilbert(y, beta):
    """G(y) = PV Int du (-f'(u))/(y - u) = -(beta/2pi) Im psi'(1/2 + i beta y/2pi).

    Derivation: -f'(u) = -(1/beta) sum_n (u - i w_n)^-2 (fermionic w_n);
    the principal value of each term by contour closure gives
    G = (4 pi/beta) sum_{n>=0} y w_n / (y^2 + w_n^2)^2, summed with the
    trigamma function.  G -> 1/y for |y| >> k_B T, G(0) = 0, G odd.
    """
    a = beta * y / (2.0 * math.pi)
    return -beta / (2.0 * math.pi) * _im_trigamma_half(a)


@jit
def _h_odd(y, beta):
    """h(y) = tanh(beta y/2) + 2 beta y f(y) f(-y) (odd in y) from one expm1:
    with em = expm1(-beta|y|): tanh(beta|y|/2) = -em/(2+em), f(|y|) = (1+em)/(2+em),
    f(-|y|) = 1/(2+em)."""
    ay = abs(y)
    if beta * ay > 60.0:              # 2 beta|y| e^{-beta|y|} < 1e-24: h = +-1 exactly
        return 1.0 if y > 0.0 else -1.0
    return _h_from_em(y, beta, math.expm1(-beta * ay))


@jit
def _h_from_em(y, beta, em):
    """h(y) of :func:`_h_odd` given em = e^{-beta|y|} - 1."""
    q = 1.0 / (2.0 + em)
    h = (-em + 2.0 * beta * abs(y) * (1.0 + em) * q) * q
    return h if y >= 0.0 else -h


@jit
def _h_pair(x, w, beta, ex, exi, ew, ewi, fast):
    """(h(x - w), h(x + w)).  With ``fast`` (beta * max W < 600), e^{-beta|x -+ w|}
    is formed from ex = e^{-beta x}, exi = e^{beta x} (arguments clipped at 700)
    and ew = e^{-beta w}, ewi = e^{beta w}: exact identities, used only where
    beta|x -+ w| <= 60, so no factor overflows and the exponent rounding
    (<= 700 eps relative) is far below what the C/mu correction (~1e-3 of Z)
    needs.  Otherwise one expm1 per argument (:func:`_h_odd`)."""
    if not fast:
        return _h_odd(x - w, beta), _h_odd(x + w, beta)
    ym = x - w
    if beta * abs(ym) > 60.0:
        hm = 1.0 if ym > 0.0 else -1.0
    else:
        e = ex * ewi if ym >= 0.0 else exi * ew
        hm = _h_from_em(ym, beta, e - 1.0)
    yp = x + w
    if beta * abs(yp) > 60.0:
        hp = 1.0 if yp > 0.0 else -1.0
    else:
        e = ex * ew if yp >= 0.0 else exi * ewi
        hp = _h_from_em(yp, beta, e - 1.0)
    return hm, hp


@jit
def _zph_point(x, omega, wa2f, nbose, beta, inv_mu, xr, aa, sh, sg, ew, ewi, fast):
    """Z^ph at one energy; xr, aa, sh, sg: scratch arrays of size 2 * omega.size.

    The 2 nw trigamma arguments x -+ W are shifted together (masked sweeps,
    then the asymptotic series) in branch-free loops that LLVM vectorises;
    the sum over W runs in grid order."""
    x = _clamp_xi(x, beta)
    fa = fermi(x, beta)
    fma = fermi(-x, beta)
    nw = omega.size
    n2 = 2 * nw
    sc = beta / (2.0 * math.pi)
    nmax = 0
    for k in range(nw):
        for j in range(2):
            y = x - omega[k] if j == 0 else x + omega[k]
            a = sc * y
            i = 2 * k + j
            aa[i] = abs(a)
            sg[i] = -sc if a > 0.0 else (sc if a < 0.0 else 0.0)    # G = -sc * sign(a) * Im psi'
            xr[i] = 0.5
            sh[i] = 0.0
            if aa[i] < 12.0:
                nmax = max(nmax, int(math.sqrt(144.0 - aa[i] * aa[i])) + 1)
    # recurrence psi'(z) = 1/z^2 + psi'(z+1) until |z| >= 12 (as _trigamma_shift), one
    # shift of every argument per sweep, masked: each argument sums its terms in order
    for _ in range(nmax):
        for i in range(n2):
            r = xr[i] * xr[i] + aa[i] * aa[i]
            go = r < 144.0
            sh[i] -= 2.0 * xr[i] * aa[i] / (r * r) if go else 0.0
            xr[i] += 1.0 if go else 0.0
    for i in range(n2):
        sh[i] = sg[i] * (sh[i] + _trigamma_tail_im(xr[i], aa[i]))  # G(x -+ W)
    ex = math.exp(min(-beta * x, 700.0))
    exi = math.exp(min(beta * x, 700.0))
    s = 0.0
    for k in range(nw):
        w = omega[k]
        n = nbose[k]
        b = (fa + n) * sh[2 * k] + (fma + n) * sh[2 * k + 1]
        c = 0.0
        if inv_mu > 0.0:
            hm, hp = _h_pair(x, w, beta, ex, exi, ew[k], ewi[k], fast)
            c = -(fa + n) * hm - (fma + n) * hp
        s += wa2f[k] * (2.0 * b + c * inv_mu)
    return s / math.tanh(0.5 * beta * x)


@pjit
def zph_nb(xi, omega, wa2f, beta, mu):
    """Z^ph(xi) (Eq. 24, sign and xi' integral as in the module docstring); dimensionless.

    ``mu`` (meV, > 0) is the depth of the Fermi level below the band bottom,
    ``inf`` to integrate xi' over the whole real line.
    """
    nw = omega.size
    nbose = np.empty(nw)
    ew = np.empty(nw)
    ewi = np.empty(nw)
    wmax = 0.0
    for k in range(nw):
        nbose[k] = bose(omega[k], beta)
        ew[k] = math.exp(-beta * omega[k])
        ewi[k] = math.exp(min(beta * omega[k], 700.0))
        wmax = max(wmax, omega[k])
    fast = beta * wmax < 600.0
    inv_mu = 0.0 if not math.isfinite(mu) else 1.0 / mu
    out = np.empty(xi.size)
    # contiguous blocks of energies, one scratch set per block (not per energy)
    nblk = min(xi.size, 32)
    for b in prange(nblk):
        xr = np.empty(2 * nw)
        aa = np.empty(2 * nw)
        sh = np.empty(2 * nw)
        sg = np.empty(2 * nw)
        for i in range(b * xi.size // nblk, (b + 1) * xi.size // nblk):
            out[i] = _zph_point(xi[i], omega, wa2f, nbose, beta, inv_mu, xr, aa, sh, sg, ew, ewi, fast)
    return out
