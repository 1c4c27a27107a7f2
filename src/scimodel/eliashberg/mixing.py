"""Anderson mixing for fixed points x = g(x)."""
from __future__ import annotations

import numpy as np


def anderson_fixed_point(g, x0: np.ndarray, *, tol: float, max_iter: int, depth: int = 5,
                         beta: float = 0.5, atol: float = 0.0):
    """Fixed point x = g(x) by Anderson mixing (Anderson 1965; Walker & Ni,
    SIAM J. Numer. Anal. 49, 1715 (2011)), history ``depth``, damping ``beta``.

    x_{k+1} = x_k + beta f_k - (dX + beta dF) gamma,  f = g(x) - x, with gamma
    the least-squares solution of dF gamma = f_k over the last ``depth``
    differences dX, dF of iterates and residuals.  ``depth = 0`` is linear
    mixing.  Stops when max|f| <= tol max(max|g(x)|, atol).

    Returns (x, g(x), iterations, residual) with residual = max|f| / max(max|g(x)|, atol).
    """
    x = np.array(x0, dtype=float)
    xs, fs = [], []
    res = np.inf
    gx = g(x)
    for it in range(1, max_iter + 1):
        fx = gx - x
        res = float(np.max(np.abs(fx)) / max(np.max(np.abs(gx)), atol, 1e-300))
        if res <= tol:
            return x, gx, it, res
        xs.append(x.copy())
        fs.append(fx.copy())
        if len(xs) > depth + 1:
            xs.pop(0)
            fs.pop(0)
        if len(xs) > 1:
            dx = np.diff(np.array(xs), axis=0).T
            df = np.diff(np.array(fs), axis=0).T
            gamma = np.linalg.lstsq(df, fx, rcond=None)[0]
            x = x + beta * fx - (dx + beta * df) @ gamma
        else:
            x = x + beta * fx
        gx = g(x)
    fx = gx - x
    res = float(np.max(np.abs(fx)) / max(np.max(np.abs(gx)), atol, 1e-300))
    return x, gx, max_iter, res
