"""Non-uniform FFT (Kaiser-Bessel gridding) evaluation of a Fourier series and its
gradient at arbitrary points, used by :class:`.bands.StarFit` (method \"nufft\")."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft
import scipy.special

from ..numba_config import jit, pjit, prange


# --------------------------------------------------------------------------- NUFFT

def _kb_params(w: int, sigma: float) -> float:
    """Kaiser-Bessel shape beta for width w (grid points) and oversampling sigma
    (Beatty, Nishimura & Pauly, IEEE TMI 24, 799 (2005))."""
    return float(np.pi * np.sqrt((w / sigma) ** 2 * (sigma - 0.5) ** 2 - 0.8))


def _width_for(tol: float) -> int:
    """Kernel width (grid points) for a relative accuracy tol at oversampling 2
    (measured: about one decade per point, tests check it)."""
    return int(min(max(np.ceil(-np.log10(tol)) + 1, 4), 16))


def _kb_hat(n, w: int, g: int, beta: float) -> np.ndarray:
    """Fourier coefficient int_0^1 phi(t) exp(-2 pi i n t) dt of the periodised kernel
    phi(t) = I0(beta sqrt(1 - (t/alpha)^2)) / I0(beta), alpha = w / 2g."""
    alpha = 0.5 * w / g
    om = 2.0 * np.pi * np.asarray(n, float) * alpha
    d = beta * beta - om * om
    s = np.sqrt(np.abs(d))
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(d > 0, np.sinh(s) / np.where(s > 0, s, 1.0), np.sin(s) / np.where(s > 0, s, 1.0))
    f = np.where(s == 0, 1.0, f)
    return 2.0 * alpha * f / scipy.special.i0(beta)


def _kb(z, beta):
    """Kaiser-Bessel kernel I0(beta sqrt(1 - z^2)) / I0(beta) (0 for |z| > 1) and d/dz."""
    z = np.asarray(z, float)
    bs = beta * np.sqrt(np.maximum(1.0 - z * z, 0.0))
    i0b = scipy.special.i0(beta)
    with np.errstate(invalid="ignore", divide="ignore"):
        i1x = np.where(bs > 1e-8, scipy.special.i1(bs) / np.where(bs > 0, bs, 1.0), 0.5)
    inside = np.abs(z) <= 1.0
    return (np.where(inside, scipy.special.i0(bs) / i0b, 0.0),
            np.where(inside, -beta * beta * z * i1x / i0b, 0.0))


def _kb_tables(w: int, beta: float, g: int, tol: float):
    """Chebyshev tables of the stencil weights of one dimension.

    For a point x = f g (grid units), j0 = ceil(x - w/2) and tau = x - j0 - w/2 + 1 in
    (0, 1]; slot s (grid point j0 + s) has weight phi((tau + w/2 - 1 - s) / (w/2)).
    Returns Chebyshev coefficients (w, p + 1) in y = 2 tau - 1 of the weights and of
    their derivatives d/df (= g d/dx), p chosen so that the tables reproduce the
    kernel to 1e-3 tol (at least 1e-14).
    """
    half = 0.5 * w
    check = np.linspace(0.0, 1.0, 97)
    for p in range(w + 4, 61, 2):
        nodes = np.cos(np.pi * (np.arange(p + 1) + 0.5) / (p + 1))        # Chebyshev points in y
        tau = 0.5 * (nodes + 1.0)
        val = np.empty((w, p + 1))
        der = np.empty((w, p + 1))
        ok = True
        for sl in range(w):
            v, dv = _kb((tau + half - 1.0 - sl) / half, beta)
            val[sl] = np.polynomial.chebyshev.chebfit(nodes, v, p)
            der[sl] = np.polynomial.chebyshev.chebfit(nodes, dv * g / half, p)
            vv, dd = _kb((check + half - 1.0 - sl) / half, beta)
            yc = 2.0 * check - 1.0
            err = np.max(np.abs(np.polynomial.chebyshev.chebval(yc, val[sl]) - vv))
            derr = np.max(np.abs(np.polynomial.chebyshev.chebval(yc, der[sl]) - dd * g / half))
            if err > max(1e-3 * tol, 1e-14) or derr > max(1e-3 * tol, 1e-14) * beta * beta * g / half:
                ok = False
        if ok:
            return val, der
    return val, der


@jit
def _clenshaw_nb(c, y):
    """sum_k c[k] T_k(y)."""
    b1 = 0.0
    b2 = 0.0
    y2 = 2.0 * y
    for k in range(c.size - 1, 0, -1):
        b0 = c[k] + y2 * b1 - b2
        b2 = b1
        b1 = b0
    return c[0] + y * b1 - b2


@jit
def _kb_weights_nb(f, gs, w, val, der, wt, dwt, idx, want_grad):
    """Kernel weights wt (3, w), derivatives d/df dwt (3, w) and grid indices idx (3, w)
    of the stencil of one fractional point f (3,), from the Chebyshev tables val, der
    (3, w, p + 1) of :func:`_kb_tables`."""
    half = 0.5 * w
    for d in range(3):
        gd = gs[d]
        x = (f[d] - np.floor(f[d])) * gd
        j0 = int(np.ceil(x - half))
        y = 2.0 * (x - j0 - half + 1.0) - 1.0
        for s in range(w):
            wt[d, s] = _clenshaw_nb(val[d, s], y)
            if want_grad:
                dwt[d, s] = _clenshaw_nb(der[d, s], y)
            jj = (j0 + s) % gd
            if jj < 0:
                jj += gd
            idx[d, s] = jj


@pjit
def _nufft_val_nb(grid, f, w, val, der):
    """Numba kernel: energies (P, nb) from the deconvolved grid (g0, g1, g2, nb) at
    fractional k f (P, 3)."""
    nb = grid.shape[3]
    gs = np.array(grid.shape[:3])
    npt = f.shape[0]
    e = np.zeros((npt, nb))
    for p in prange(npt):
        wt = np.empty((3, w))
        dwt = np.empty((3, w))
        idx = np.empty((3, w), np.int64)
        _kb_weights_nb(f[p], gs, w, val, der, wt, dwt, idx, False)
        t0 = np.empty(nb)
        u0 = np.empty(nb)
        ep = e[p]
        for s0 in range(w):
            u0[:] = 0.0
            for s1 in range(w):
                t0[:] = 0.0
                row = grid[idx[0, s0], idx[1, s1]]
                for s2 in range(w):
                    c = wt[2, s2]
                    v = row[idx[2, s2]]
                    for b in range(nb):
                        t0[b] += c * v[b]
                c1 = wt[1, s1]
                for b in range(nb):
                    u0[b] += c1 * t0[b]
            c0 = wt[0, s0]
            for b in range(nb):
                ep[b] += c0 * u0[b]
    return e


@pjit
def _nufft_grad_nb(grid, f, w, val, der):
    """Numba kernel: energies (P, nb) and gradients d e / d f (P, nb, 3)."""
    nb = grid.shape[3]
    gs = np.array(grid.shape[:3])
    npt = f.shape[0]
    e = np.zeros((npt, nb))
    grad = np.zeros((npt, nb, 3))
    for p in prange(npt):
        wt = np.empty((3, w))
        dwt = np.empty((3, w))
        idx = np.empty((3, w), np.int64)
        _kb_weights_nb(f[p], gs, w, val, der, wt, dwt, idx, True)
        t0 = np.empty(nb)
        t1 = np.empty(nb)
        u0 = np.empty(nb)
        u1 = np.empty(nb)
        u2 = np.empty(nb)
        for s0 in range(w):
            u0[:] = 0.0
            u1[:] = 0.0
            u2[:] = 0.0
            for s1 in range(w):
                t0[:] = 0.0
                t1[:] = 0.0
                row = grid[idx[0, s0], idx[1, s1]]
                for s2 in range(w):
                    c = wt[2, s2]
                    dc = dwt[2, s2]
                    v = row[idx[2, s2]]
                    for b in range(nb):
                        t0[b] += c * v[b]
                        t1[b] += dc * v[b]
                c1 = wt[1, s1]
                dc1 = dwt[1, s1]
                for b in range(nb):
                    u0[b] += c1 * t0[b]
                    u1[b] += dc1 * t0[b]
                    u2[b] += c1 * t1[b]
            c0 = wt[0, s0]
            dc0 = dwt[0, s0]
            for b in range(nb):
                e[p, b] += c0 * u0[b]
                grad[p, b, 0] += dc0 * u0[b]
                grad[p, b, 1] += c0 * u1[b]
                grad[p, b, 2] += c0 * u2[b]
    return e, grad


def _nufft_nb(grid, f, w, val, der, want_grad):
    """Numba NUFFT evaluation (:func:`_nufft_val_nb`, :func:`_nufft_grad_nb`) with the
    Chebyshev weight tables val, der (3, w, p + 1); returns energies (P, nb) and
    gradients d e / d f (P, nb, 3) (or None)."""
    if want_grad:
        return _nufft_grad_nb(grid, f, w, val, der)
    return _nufft_val_nb(grid, f, w, val, der), None


def _nufft_np(grid, f, w, beta, want_grad, chunk: int = 128):
    """NumPy twin of :func:`_nufft_nb`: the Kaiser-Bessel weights straight from
    scipy.special (no tables), gather + einsum; returns energies (P, nb) and
    gradients d e / d f (P, nb, 3) (or None)."""
    gs = np.array(grid.shape[:3])
    nb = grid.shape[3]
    npt = f.shape[0]
    e = np.zeros((npt, nb))
    grad = np.zeros((npt, nb, 3)) if want_grad else None
    half = 0.5 * w
    for s in range(0, npt, chunk):
        ff = f[s:s + chunk]
        x = (ff - np.floor(ff)) * gs                                          # (P, 3)
        j = np.ceil(x - half).astype(np.int64)[:, :, None] + np.arange(w)     # (P, 3, w)
        z = (x[:, :, None] - j) / half
        wt = np.empty(z.shape)
        dwt = np.empty(z.shape)
        for d in range(3):
            wt[:, d], dz = _kb(z[:, d], beta[d])
            dwt[:, d] = dz * gs[d] / half
        idx = j % gs[None, :, None]
        vals = grid[idx[:, 0, :, None, None], idx[:, 1, None, :, None], idx[:, 2, None, None, :]]
        e[s:s + chunk] = np.einsum("pi,pj,pk,pijkb->pb", wt[:, 0], wt[:, 1], wt[:, 2], vals)
        if want_grad:
            grad[s:s + chunk, :, 0] = np.einsum("pi,pj,pk,pijkb->pb", dwt[:, 0], wt[:, 1], wt[:, 2], vals)
            grad[s:s + chunk, :, 1] = np.einsum("pi,pj,pk,pijkb->pb", wt[:, 0], dwt[:, 1], wt[:, 2], vals)
            grad[s:s + chunk, :, 2] = np.einsum("pi,pj,pk,pijkb->pb", wt[:, 0], wt[:, 1], dwt[:, 2], vals)
    return e, grad


@dataclass
class _NufftGrid:
    grid: np.ndarray        # (g0, g1, g2, nb) deconvolved values / (g0 g1 g2)
    w: int                  # kernel width (grid points)
    beta: np.ndarray        # (3,) Kaiser-Bessel shapes
    val: np.ndarray         # (3, w, p + 1) Chebyshev tables of the weights
    der: np.ndarray         # (3, w, p + 1) and of their f derivatives


@pjit
def _put_bands_nb(grid, block, b0):
    """grid[i, j, k, b0 + b] = block[b, i, j, k]: rows of ``block`` read contiguously, each
    (i, j) row of ``grid`` written while it is in cache (the twin is the NumPy assignment
    ``grid[..., b0:b0 + nb] = np.moveaxis(block, 0, -1)``)."""
    nb, n0, n1, n2 = block.shape
    for i in prange(n0):
        for j in range(n1):
            for b in range(nb):
                for k in range(n2):
                    grid[i, j, k, b0 + b] = block[b, i, j, k]
