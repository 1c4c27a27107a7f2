"""Im psi'(1/2 + i a), the imaginary part of the trigamma function on the line
Re z = 1/2, for the G(y) of the Z^ph kernel (:mod:`scimodel.scdft.kernels`):
recurrence psi'(z) = 1/z^2 + psi'(z+1) until |z| >= 12, then the asymptotic
series with the Bernoulli numbers B_2 .. B_14 (~1e-15 relative).  A Numba
version in real arithmetic and its complex-valued NumPy twin.

Numba caches the machine code of a caller (kernels.py) without tracking callees in
other files: after editing this module, clear the Numba cache (``__pycache__`` /
``NUMBA_CACHE_DIR``) so that the kernels recompile.
"""
from __future__ import annotations

import numpy as np

from ..numba_config import jit


@jit
def _trigamma_tail_im(xr, aa):
    """Im of the asymptotic series psi'(z) ~ 1/z + 1/(2 z^2) + sum_k B_2k / z^(2k+1)
    at z = xr + i aa (|z| >= 12), in real arithmetic (no calls, no branches, so
    that loops over it vectorise)."""
    inv = 1.0 / (xr * xr + aa * aa)
    p = xr * inv                      # 1/z = p + i q
    q = -aa * inv
    u = p * p - q * q                 # 1/z^2 = u + i v
    v = 2.0 * p * q
    # Horner in 1/z^2 for B_2 .. B_14: 1/6 - 1/30 w + 1/42 w^2 - 1/30 w^3 + 5/66 w^4 - 691/2730 w^5 + 7/6 w^6
    sr = 7.0 / 6.0
    si = 0.0
    sr, si = -691.0 / 2730.0 + u * sr - v * si, u * si + v * sr
    sr, si = 5.0 / 66.0 + u * sr - v * si, u * si + v * sr
    sr, si = -1.0 / 30.0 + u * sr - v * si, u * si + v * sr
    sr, si = 1.0 / 42.0 + u * sr - v * si, u * si + v * sr
    sr, si = -1.0 / 30.0 + u * sr - v * si, u * si + v * sr
    sr, si = 1.0 / 6.0 + u * sr - v * si, u * si + v * sr
    tr = p * u - q * v                # 1/z^3
    ti = p * v + q * u
    return q + 0.5 * v + (tr * si + ti * sr)


@jit
def _trigamma_shift(aa):
    """Recurrence psi'(z) = 1/z^2 + psi'(z+1) from z = 1/2 + i aa until |z| >= 12:
    returns (Re z after the shifts, sum of Im 1/z^2 = -2 x aa / (x^2 + aa^2)^2)."""
    a2 = aa * aa
    xr = 0.5
    r = xr * xr + a2
    acc = 0.0
    while r < 144.0:
        acc -= 2.0 * xr * aa / (r * r)
        xr += 1.0
        r = xr * xr + a2
    return xr, acc


@jit
def _im_trigamma_half(a):
    """Im psi'(1/2 + i a) (trigamma), accurate to ~1e-15 relative.

    Recurrence psi'(z) = 1/z^2 + psi'(z+1) until |z| >= 12, then the
    asymptotic series; the same algorithm as the complex-valued NumPy twin,
    written in real arithmetic (Im 1/(x + i a)^2 = -2 x a / (x^2 + a^2)^2)."""
    if a == 0.0:
        return 0.0
    aa = abs(a)
    xr, acc = _trigamma_shift(aa)
    im = acc + _trigamma_tail_im(xr, aa)
    return im if a > 0.0 else -im


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
