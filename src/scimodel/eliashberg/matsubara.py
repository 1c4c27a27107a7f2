"""Dense Matsubara axis: every frequency up to the cutoff.

Numba kernels and their NumPy twins for the bosonic lambda table, the
linearised-gap matrix (general and symmetrised) and one nonlinear fixed-point
step; the grid at one temperature (:class:`MatsubaraGrid`) and the
normal-state w Z."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..numba_config import pjit, prange
from ..units import KB_MEV_PER_K
from ._common import _Threads
from .spectrum import Spectrum


# ---------------------------------------------------------------- Numba kernels and NumPy twins


@pjit
def _lambda_bosonic_nb(nodes, weights, nu):
    """lambda(nu_k) = 2 sum_i w_i omega_i / (omega_i^2 + nu_k^2)."""
    out = np.empty(nu.size)
    for k in prange(nu.size):
        s = 0.0
        nk2 = nu[k] * nu[k]
        for i in range(nodes.size):
            s += weights[i] * nodes[i] / (nodes[i] * nodes[i] + nk2)
        out[k] = 2.0 * s
    return out


def _lambda_bosonic_np(nodes, weights, nu):
    """NumPy twin of :func:`_lambda_bosonic_nb`."""
    return 2.0 * np.sum(weights * nodes / (nodes**2 + nu[:, None] ** 2), axis=1)


@pjit
def _linear_matrix_nb(lam_k, zw, mu_star, n_c, t_mev):
    """Linearised-gap matrix M_nm = pi T K_nm / (w_m Z_m) (Eq. 10, Delta -> 0).

    K_nm = lambda(n-m) + lambda(n+m+1) - 2 mu* theta(w_c - w_m): the Coulomb
    term acts on the frequencies inside the cutoff (m < n_c) only, as in
    Eq. 10 of paper 000; zw_m = w_m Z_m (normal state).
    """
    n = zw.size
    a = np.empty((n, n))
    for i in prange(n):
        for j in range(n):
            kij = lam_k[abs(i - j)] + lam_k[i + j + 1]
            if j < n_c:
                kij -= 2.0 * mu_star
            a[i, j] = np.pi * t_mev * kij / zw[j]
    return a


def _linear_matrix_np(lam_k, zw, mu_star, n_c, t_mev):
    """NumPy twin of :func:`_linear_matrix_nb`."""
    i = np.arange(zw.size)
    k = lam_k[np.abs(i[:, None] - i[None, :])] + lam_k[i[:, None] + i[None, :] + 1]
    k = k - 2.0 * mu_star * (i[None, :] < n_c)
    return np.pi * t_mev * k / zw[None, :]


@pjit
def _linear_matrix_sym_nb(lam_k, zw, mu_star, t_mev):
    """Symmetrised linearised-gap matrix when every frequency is inside the Coulomb
    cutoff: S = D^(1/2) M D^(-1/2), D = diag(1/zw), i.e.
    S_nm = pi T [lambda(n-m) + lambda(n+m+1) - 2 mu*] / sqrt(zw_n zw_m);
    same eigenvalues as :func:`_linear_matrix_nb` (with n_c = N)."""
    n = zw.size
    a = np.empty((n, n))
    for i in prange(n):
        si = 1.0 / np.sqrt(zw[i])
        for j in range(n):
            kij = lam_k[abs(i - j)] + lam_k[i + j + 1] - 2.0 * mu_star
            a[i, j] = np.pi * t_mev * kij * si / np.sqrt(zw[j])
    return a


def _linear_matrix_sym_np(lam_k, zw, mu_star, t_mev):
    """NumPy twin of :func:`_linear_matrix_sym_nb`."""
    i = np.arange(zw.size)
    k = lam_k[np.abs(i[:, None] - i[None, :])] + lam_k[i[:, None] + i[None, :] + 1] - 2.0 * mu_star
    sq = 1.0 / np.sqrt(zw)
    return np.pi * t_mev * sq[:, None] * k * sq[None, :]


@pjit
def _nonlinear_step_nb(lam_k, wn, delta, mu_star, n_c, t_mev):
    """One fixed-point update (Delta, Z) of the folded Matsubara equations."""
    n = wn.size
    r = np.sqrt(wn * wn + delta * delta)
    cw = wn / r
    cd = delta / r
    z = np.empty(n)
    dnew = np.empty(n)
    for i in prange(n):
        sz = 0.0
        sd = 0.0
        for j in range(n):
            lm = lam_k[abs(i - j)]
            lp = lam_k[i + j + 1]
            sz += (lm - lp) * cw[j]
            kij = lm + lp
            if j < n_c:
                kij -= 2.0 * mu_star
            sd += kij * cd[j]
        z[i] = 1.0 + np.pi * t_mev / wn[i] * sz
        dnew[i] = np.pi * t_mev * sd / z[i]
    return dnew, z


def _nonlinear_step_np(lam_k, wn, delta, mu_star, n_c, t_mev):
    """NumPy twin of :func:`_nonlinear_step_nb`."""
    n = wn.size
    i = np.arange(n)
    lm = lam_k[np.abs(i[:, None] - i[None, :])]
    lp = lam_k[i[:, None] + i[None, :] + 1]
    r = np.sqrt(wn**2 + delta**2)
    z = 1.0 + np.pi * t_mev / wn * ((lm - lp) @ (wn / r))
    k = lm + lp - 2.0 * mu_star * (i[None, :] < n_c)
    return np.pi * t_mev * (k @ (delta / r)) / z, z


# ---------------------------------------------------------------- dense Matsubara set-up


@dataclass
class MatsubaraGrid:
    """Positive fermionic frequencies and the bosonic lambda table at one T."""

    t_mev: float
    wn: np.ndarray          # pi T (2n+1), n = 0..N-1  (meV)
    lam_k: np.ndarray       # lambda(2 pi T k), k = 0..2N
    n_c: int                # number of frequencies with w_n < omega_c (mu* cut)


def _n_matsubara(t_mev: float, cutoff: float) -> int:
    """Number of positive Matsubara frequencies kept up to ``cutoff`` (at least 4)."""
    return max(int(np.ceil((cutoff / (np.pi * t_mev) - 1.0) / 2.0)), 4)


def matsubara_grid(spec: Spectrum, t_k: float, omega_c: float, cutoff: float,
                   numba: bool = True) -> MatsubaraGrid:
    """Frequencies up to ``cutoff`` (meV) and the lambda(nu) table at T = ``t_k``."""
    t = t_k * KB_MEV_PER_K
    n = _n_matsubara(t, cutoff)
    wn = np.pi * t * (2.0 * np.arange(n) + 1.0)
    nu = 2.0 * np.pi * t * np.arange(2 * n + 1)
    lam_fn = _lambda_bosonic_nb if numba else _lambda_bosonic_np
    with _Threads(5.0 * nu.size * spec.omega.size):
        lam_k = lam_fn(spec.omega, spec.weight, nu)
    n_c = int(np.searchsorted(wn, omega_c, side="right"))
    return MatsubaraGrid(t, wn, lam_k, n_c)


def _z_normal(g: MatsubaraGrid) -> np.ndarray:
    """w_n Z_n in the normal state: w_n + pi T [lambda(0) + 2 sum_{k=1}^{n} lambda(k)]."""
    csum = np.cumsum(g.lam_k[: g.wn.size])
    return g.wn + np.pi * g.t_mev * (2.0 * csum - g.lam_k[0])
