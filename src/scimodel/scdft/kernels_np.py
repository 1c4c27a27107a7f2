"""NumPy twins of the Numba kernels of :mod:`scimodel.scdft.kernels` (suffix
``_np``; the tests check that they agree to 1e-10) and the closed-form T = 0
limits of K^ph and Z^ph: plain, vectorised reference implementations of the
same formulas (derivations in the kernels module).
"""
from __future__ import annotations

import numpy as np

from .kernels import _BIG, XI_BETA_MIN
from .trigamma import _im_trigamma_half_np


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
