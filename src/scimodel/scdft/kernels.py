"""Phononic SCDFT kernels K^ph(xi, xi') and Z^ph(xi) (paper 004, Eqs. 10-13, 23, 24, 30).

Energies in meV, ``beta`` = 1/(k_B T) in 1/meV.  Every Numba kernel has a
plain-NumPy twin (suffix ``_np``); tests check that they agree to 1e-10.

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
#: p(x) = (1 - exp(-beta|x|))/|x| as used inside the K^ph kernel (same function as _p)
_pw = _p


@jit
def _pw_fast(x, beta, em, ep, ewk, ewik, plus):
    """p(x) for x = c - w (plus=False) or c + w (plus=True), with e^{-beta|x|}
    from precomputed factors em = e^{-beta c}, ep = e^{beta c}, ewk = e^{-beta w},
    ewik = e^{beta w} (exact identities; used for 0.1 <= beta|x| <= 40, where
    1 - e^{-beta|x|} has no cancellation).  Falls back to :func:`_pw` otherwise."""
    a = abs(x)
    y = beta * a
    if y > _BIG:
        return 1.0 / a
    if y < 0.1:
        return _pw(x, beta)
    if plus:
        e = em * ewk if x >= 0.0 else ep * ewik
    else:
        e = em * ewik if x >= 0.0 else ep * ewk
    return (1.0 - e) / a


@pjit
def kph_matrix_nb(xa, xb, omega, wa2f, beta, n0, symmetric):
    """K^ph(xa_i, xb_j) (Eq. 23) in meV*atom, i.e. N(0) K^ph is dimensionless.

    Parameters
    ----------
    xa, xb : energies (meV)
    omega, wa2f : phonon energies (meV, > 0, ascending) and quadrature
        weights times alpha2F (so that Int dW a2F(W) h(W) = sum wa2f * h(omega))
    beta : 1/(k_B T) in 1/meV
    n0 : N(0) in 1/(meV spin atom)
    symmetric : if True, xa and xb are the same array and only the upper
        triangle is computed (K is symmetric).
    """
    na = xa.size
    nb = xb.size
    nw = omega.size
    out = np.empty((na, nb))
    wn = np.empty(nw)                 # weight * a2F * n(W)
    wn1 = np.empty(nw)                # weight * a2F * (1 + n(W))
    ew = np.empty(nw)                 # e^{-beta W}
    ewi = np.empty(nw)                # e^{+beta W}
    for k in range(nw):
        nk = bose(omega[k], beta)
        wn[k] = wa2f[k] * nk
        wn1[k] = wa2f[k] * (1.0 + nk)
        ew[k] = math.exp(-beta * omega[k])
        ewi[k] = math.exp(min(beta * omega[k], 700.0))
    # exponential factorisation is safe only if beta*max(W) stays far from overflow
    fast = nw > 0 and beta * omega[nw - 1] < 600.0
    # per-point Fermi factors and tanh, once
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
            j0 = row if symmetric else 0
            for col in range(j0, nb):
                y = cb[col]
                fb = fb_[col]
                fmb = fmb_[col]
                d = x - y
                sm = x + y
                # products of Fermi factors of I(x, y) and I(x, -y)
                p1 = fma * fb
                p2 = fa * fmb
                q1 = fma * fmb
                q2 = fa * fb
                acc = 0.0
                if fast:
                    # e^{+-beta d}, e^{+-beta s}: only used where beta|d -+ W| <= 40, i.e. beta|d| < 640
                    edm = math.exp(min(-beta * d, 700.0))
                    edp = math.exp(min(beta * d, 700.0))
                    esm = math.exp(min(-beta * sm, 700.0))
                    esp = math.exp(min(beta * sm, 700.0))
                    for k in range(nw):
                        w = omega[k]
                        x1 = d - w
                        t = (p1 * wn[k] if x1 >= 0.0 else p2 * wn1[k]) * \
                            _pw_fast(x1, beta, edm, edp, ew[k], ewi[k], False)
                        x2 = d + w
                        t += (p2 * wn[k] if x2 <= 0.0 else p1 * wn1[k]) * \
                            _pw_fast(x2, beta, edm, edp, ew[k], ewi[k], True)
                        x1 = sm - w
                        u = (q1 * wn[k] if x1 >= 0.0 else q2 * wn1[k]) * \
                            _pw_fast(x1, beta, esm, esp, ew[k], ewi[k], False)
                        x2 = sm + w
                        u += (q2 * wn[k] if x2 <= 0.0 else q1 * wn1[k]) * \
                            _pw_fast(x2, beta, esm, esp, ew[k], ewi[k], True)
                        acc += t - u
                    out[row, col] = 2.0 * acc / (ta_[row] * tb_[col] * n0)
                    continue
                for k in range(nw):
                    w = omega[k]
                    # I(x, y) = t1 - t2 (module docstring)
                    x1 = d - w
                    t = (p1 * wn[k] if x1 >= 0.0 else p2 * wn1[k]) * _pw(x1, beta)
                    x2 = d + w
                    t += (p2 * wn[k] if x2 <= 0.0 else p1 * wn1[k]) * _pw(x2, beta)
                    # I(x, -y): f(y) <-> f(-y)
                    x1 = sm - w
                    u = (q1 * wn[k] if x1 >= 0.0 else q2 * wn1[k]) * _pw(x1, beta)
                    x2 = sm + w
                    u += (q2 * wn[k] if x2 <= 0.0 else q1 * wn1[k]) * _pw(x2, beta)
                    acc += t - u
                out[row, col] = 2.0 * acc / (ta_[row] * tb_[col] * n0)
    if symmetric:
        for i in range(na):
            for j in range(i):
                out[i, j] = out[j, i]
    return out


def _fermi_np(x, beta):
    from scipy.special import expit
    return expit(-beta * np.asarray(x, dtype=float))


def _bose_np(w, beta):
    y = beta * np.asarray(w, dtype=float)
    return np.exp(-y) / (-np.expm1(-y))


def _p_np(x, beta):
    a = np.abs(x)
    y = beta * a
    out = np.empty_like(a)
    big = y > _BIG
    small = y < 1e-8
    mid = ~(big | small)
    out[big] = 1.0 / a[big]
    out[small] = beta * (1.0 - 0.5 * y[small])
    out[mid] = -np.expm1(-y[mid]) / a[mid]
    return out


def _i_np(fa, fma, fb, fmb, xa, xb, w, n, beta):
    x1 = xa - xb - w
    t1 = np.where(x1 >= 0.0, fma * fb * n, fa * fmb * (1.0 + n)) * _p_np(x1, beta)
    x2 = xa - xb + w
    t2 = np.where(x2 <= 0.0, -fa * fmb * n, -fma * fb * (1.0 + n)) * _p_np(x2, beta)
    return t1 - t2


def _clamp_np(x, beta):
    x = np.asarray(x, dtype=float)
    lim = XI_BETA_MIN / beta
    return np.where(np.abs(x) < lim, np.where(x >= 0.0, lim, -lim), x)


def w_kernel_np(xa, xb, w, beta):
    """NumPy twin of :func:`w_kernel` (broadcasting)."""
    xa, xb, w = np.broadcast_arrays(np.asarray(xa, float), np.asarray(xb, float),
                                    np.asarray(w, float))
    fa, fma = _fermi_np(xa, beta), _fermi_np(-xa, beta)
    fb, fmb = _fermi_np(xb, beta), _fermi_np(-xb, beta)
    n = _bose_np(w, beta)
    return (_i_np(fa, fma, fb, fmb, xa, xb, w, n, beta)
            - _i_np(fa, fma, fmb, fb, xa, -xb, w, n, beta))


def kph_matrix_np(xa, xb, omega, wa2f, beta, n0, symmetric=False):
    """NumPy twin of :func:`kph_matrix_nb` (full matrix, row by row)."""
    xa = _clamp_np(xa, beta)
    xb = _clamp_np(xb, beta)
    omega = np.asarray(omega, float)
    n = _bose_np(omega, beta)[None, :]
    fb, fmb = _fermi_np(xb, beta)[:, None], _fermi_np(-xb, beta)[:, None]
    tb = np.tanh(0.5 * beta * xb)
    y = xb[:, None]
    w = omega[None, :]
    out = np.empty((xa.size, xb.size))
    for i, x in enumerate(xa):
        fa, fma = _fermi_np(x, beta), _fermi_np(-x, beta)
        wk = (_i_np(fa, fma, fb, fmb, x, y, w, n, beta)
              - _i_np(fa, fma, fmb, fb, x, -y, w, n, beta))
        out[i] = 2.0 * (wk @ wa2f) / (np.tanh(0.5 * beta * x) * tb * n0)
    return out


def kph_zero_temperature(xa, xb, omega, wa2f, n0):
    """T = 0 closed form K^ph = -(2/N(0)) Int dW a2F(W) / (|xi| + |xi'| + W)."""
    a = np.abs(np.asarray(xa, float))[:, None, None] + np.abs(np.asarray(xb, float))[None, :, None]
    return -2.0 / n0 * np.sum(wa2f / (a + np.asarray(omega)[None, None, :]), axis=-1)


# --------------------------------------------------------------------------- G(y) and Z^ph
@jit
def _im_trigamma_half(a):
    """Im psi'(1/2 + i a) (trigamma), accurate to ~1e-15 relative."""
    if a == 0.0:
        return 0.0
    z = complex(0.5, abs(a))
    acc = complex(0.0, 0.0)
    while abs(z) < 12.0:
        acc += 1.0 / (z * z)
        z += 1.0
    iz = 1.0 / z
    iz2 = iz * iz
    # asymptotic series psi'(z) ~ 1/z + 1/(2 z^2) + sum B_2k / z^(2k+1)
    ser = (1.0 / 6.0 + iz2 * (-1.0 / 30.0 + iz2 * (1.0 / 42.0 + iz2 * (
        -1.0 / 30.0 + iz2 * (5.0 / 66.0 + iz2 * (-691.0 / 2730.0 + iz2 * (7.0 / 6.0)))))))
    val = acc + iz + 0.5 * iz2 + iz * iz2 * ser
    im = val.imag
    return im if a > 0.0 else -im


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
def _tanh_half(x, beta):
    return math.tanh(0.5 * beta * x)


@jit
def _zph_point(x, omega, wa2f, nbose, beta, inv_mu):
    x = _clamp_xi(x, beta)
    fa = fermi(x, beta)
    fma = fermi(-x, beta)
    s = 0.0
    for k in range(omega.size):
        w = omega[k]
        n = nbose[k]
        ym = x - w
        yp = x + w
        b = (fa + n) * g_hilbert(ym, beta) + (fma + n) * g_hilbert(yp, beta)
        c = 0.0
        if inv_mu > 0.0:
            c = (-(fa + n) * (_tanh_half(ym, beta) + 2.0 * beta * ym * fermi(ym, beta) * fermi(-ym, beta))
                 - (fma + n) * (_tanh_half(yp, beta) + 2.0 * beta * yp * fermi(yp, beta) * fermi(-yp, beta)))
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
    for k in range(nw):
        nbose[k] = bose(omega[k], beta)
    inv_mu = 0.0 if not math.isfinite(mu) else 1.0 / mu
    out = np.empty(xi.size)
    for i in prange(xi.size):
        out[i] = _zph_point(xi[i], omega, wa2f, nbose, beta, inv_mu)
    return out


def _im_trigamma_half_np(a):
    a = np.asarray(a, dtype=float)
    sgn = np.sign(a)
    z = 0.5 + 1j * np.abs(a)
    acc = np.zeros_like(z)
    for _ in range(12):           # |z| >= 12 after at most 12 shifts
        m = np.abs(z) < 12.0
        if not m.any():
            break
        acc = acc + np.where(m, 1.0 / (z * z), 0.0)
        z = np.where(m, z + 1.0, z)
    iz = 1.0 / z
    iz2 = iz * iz
    ser = (1.0 / 6.0 + iz2 * (-1.0 / 30.0 + iz2 * (1.0 / 42.0 + iz2 * (
        -1.0 / 30.0 + iz2 * (5.0 / 66.0 + iz2 * (-691.0 / 2730.0 + iz2 * (7.0 / 6.0)))))))
    val = acc + iz + 0.5 * iz2 + iz * iz2 * ser
    return sgn * val.imag


def g_hilbert_np(y, beta):
    """NumPy twin of :func:`g_hilbert`."""
    return -beta / (2.0 * np.pi) * _im_trigamma_half_np(beta * np.asarray(y, float) / (2.0 * np.pi))


def zph_np(xi, omega, wa2f, beta, mu):
    """NumPy twin of :func:`zph_nb`."""
    x = _clamp_np(xi, beta)[:, None]
    w = np.asarray(omega, float)[None, :]
    n = _bose_np(w, beta)
    fa, fma = _fermi_np(x, beta), _fermi_np(-x, beta)
    ym, yp = x - w, x + w
    b = (fa + n) * g_hilbert_np(ym, beta) + (fma + n) * g_hilbert_np(yp, beta)
    total = 2.0 * b
    if np.isfinite(mu):
        def h(y):
            return np.tanh(0.5 * beta * y) + 2.0 * beta * y * _fermi_np(y, beta) * _fermi_np(-y, beta)
        c = -(fa + n) * h(ym) - (fma + n) * h(yp)
        total = total + c / mu
    return (total @ wa2f) / np.tanh(0.5 * beta * x[:, 0])


def zph_zero_temperature(xi, omega, wa2f):
    """T = 0, mu = inf limit: Z^ph(xi) = 2 Int dW a2F(W) / (|xi| + W)."""
    a = np.abs(np.asarray(xi, float))[:, None]
    return 2.0 * np.sum(wa2f / (a + np.asarray(omega)[None, :]), axis=-1)
