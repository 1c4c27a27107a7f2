"""Fraunhofer diffraction of a simulated 2D Hosemann paracrystal (Fig. 1 j,k of paper 000).

Construction ("cumulated along rows and columns", paper 000 Sec. III.A and
appendix A): every lattice vector is drawn independently from the Gaussian of
Eq. A5 with the paper's sigma_ij = sigma delta_ij (Eq. A6 ff.: a_i fluctuates
along its own direction), a_1 = (a + sigma a xi, 0), a_2 = (0, a + sigma a eta),
cumulated along rows and columns (:func:`paracrystal_2d`).  Each chain of
a_1 vectors is a 1D paracrystal with step characteristic function F(p) of
Eq. A9, so the chain-averaged line profile
<|sum_i exp(i p x_i)|^2 / N> is the finite-chain version of Eq. A8
(:func:`scimodel.defectal.paracrystal.finite_chain_profile`), which the tests
check within the statistical error (standard error over the independent chains).

The 2D pattern I(k) = |sum_j exp(i k.r_j)|^2 / N_sites is computed by
depositing the sites on a periodic grid with cloud-in-cell weights
(``oversample`` grid points per lattice spacing), one FFT, and division by the
CIC window; it is a picture (aliasing of far orders is not corrected), the
quantitative check uses the direct sums of :func:`row_profiles`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft

from ..errors import InputError
from ..numba_config import jit, pjit, prange


def chains_1d(n_chains: int, n: int, sigma: float, a: float = 1.0, seed: int = 0) -> np.ndarray:
    """``x[n_chains, n]``: independent 1D paracrystals, steps a (1 + sigma xi), x_0 = 0."""
    if n < 2 or n_chains < 1:
        raise InputError(None, "n_sites", f"got {n} sites, {n_chains} chains; expected n >= 2, chains >= 1")
    if sigma < 0:
        raise InputError(None, "sigma", f"got {sigma}; expected >= 0")
    rng = np.random.default_rng(seed)
    steps = a + rng.normal(0.0, sigma * a, size=(n_chains, n - 1))
    x = np.zeros((n_chains, n))
    x[:, 1:] = np.cumsum(steps, axis=1)
    return x


def paracrystal_2d(n: int, sigma: float, a: float = 1.0, seed: int = 0,
                   mode: str = "product") -> np.ndarray:
    """Positions ``r[n, n, 2]`` (row index j, column index i) of a 2D paracrystal.

    Every lattice vector has the Gaussian length distribution of Eq. A5 with
    the paper's sigma_ij = sigma delta_ij (Eq. A6 ff.: a_i fluctuates along its
    own direction only); the vectors are cumulated along rows and columns.

    mode="product": one chain of a_1 vectors shared by all rows and one chain
        of a_2 vectors shared by all columns (x_ij = X_i, y_ij = Y_j); the
        expected pattern is exactly the product of Eq. A8 over the two
        directions (the paper's Eq. A8), spots broaden as m^2 along each axis.
    mode="rows": every row has its own a_1 chain and every column its own a_2
        chain; rows lose their mutual registry, off-axis spots fade.
    """
    if mode == "product":
        xy = chains_1d(2, n, sigma, a, seed)
        r = np.zeros((n, n, 2))
        r[..., 0] = xy[0][None, :]
        r[..., 1] = xy[1][:, None]
        return r
    if mode == "rows":
        x = chains_1d(n, n, sigma, a, seed)
        y = chains_1d(n, n, sigma, a, seed + 1)
        return np.stack([x, y.T], axis=-1)
    raise InputError(None, "mode", f"got {mode!r}; expected 'product' or 'rows'")


# ---------------------------------------------------------------- direct line profiles (check vs Eq. A8)

@pjit
def _row_profiles_nb(x, p):
    nr, nc = x.shape
    out = np.empty((nr, p.size))
    for j in prange(nr):
        for k in range(p.size):
            re = 0.0
            im = 0.0
            for i in range(nc):
                ph = p[k] * x[j, i]
                re += np.cos(ph)
                im += np.sin(ph)
            out[j, k] = (re * re + im * im) / nc
    return out


def _row_profiles_np(x, p):
    out = np.empty((x.shape[0], p.size))
    for j in range(x.shape[0]):
        amp = np.exp(1j * np.outer(p, x[j])).sum(axis=1)
        out[j] = (amp.real**2 + amp.imag**2) / x.shape[1]
    return out


def row_profiles(x, p, numba: bool = True) -> np.ndarray:
    """|sum_i exp(i p x_ji)|^2 / N for every row j of ``x[rows, N]`` and every p."""
    x = np.ascontiguousarray(x, dtype=float)
    p = np.ascontiguousarray(p, dtype=float)
    return _row_profiles_nb(x, p) if numba else _row_profiles_np(x, p)


@dataclass
class LineProfile:
    p: np.ndarray          # 1/a
    mean: np.ndarray       # row average
    stderr: np.ndarray     # standard error of the mean over rows
    n_rows: int
    n_sites: int


def simulated_line_profile(n: int, sigma: float, p, a: float = 1.0, seed: int = 0,
                           numba: bool = True) -> LineProfile:
    """Line profile of ``n`` independent n-site chains (the a_1 chains of the
    simulation), averaged, with the standard error of the mean."""
    x = chains_1d(n, n, sigma, a, seed)
    prof = row_profiles(x, p, numba)
    return LineProfile(np.asarray(p, float), prof.mean(axis=0),
                       prof.std(axis=0, ddof=1) / np.sqrt(n), n, n)


# ---------------------------------------------------------------- 2D Fraunhofer pattern

@jit
def _cic_deposit_nb(xy, h, m):
    grid = np.zeros((m, m))
    for s in range(xy.shape[0]):
        fx = xy[s, 0] / h
        fy = xy[s, 1] / h
        ix = int(np.floor(fx))
        iy = int(np.floor(fy))
        tx = fx - ix
        ty = fy - iy
        ix0 = ix % m
        iy0 = iy % m
        ix1 = (ix + 1) % m
        iy1 = (iy + 1) % m
        grid[iy0, ix0] += (1 - tx) * (1 - ty)
        grid[iy0, ix1] += tx * (1 - ty)
        grid[iy1, ix0] += (1 - tx) * ty
        grid[iy1, ix1] += tx * ty
    return grid


def _cic_deposit_np(xy, h, m):
    f = xy / h
    i0 = np.floor(f).astype(np.int64)
    t = f - i0
    grid = np.zeros((m, m))
    for dx in (0, 1):
        for dy in (0, 1):
            w = (t[:, 0] if dx else 1 - t[:, 0]) * (t[:, 1] if dy else 1 - t[:, 1])
            np.add.at(grid, ((i0[:, 1] + dy) % m, (i0[:, 0] + dx) % m), w)
    return grid


def cic_deposit(xy, h: float, m: int, numba: bool = True) -> np.ndarray:
    """Cloud-in-cell density of points ``xy[n, 2]`` on a periodic m x m grid of spacing h."""
    xy = np.ascontiguousarray(xy, dtype=float)
    return _cic_deposit_nb(xy, float(h), int(m)) if numba else _cic_deposit_np(xy, float(h), int(m))


@dataclass
class Pattern:
    k: np.ndarray          # 1/a, centred axis (same for kx, ky)
    intensity: np.ndarray  # I(ky, kx) = |sum exp(i k.r)|^2 / N_sites


def fraunhofer(r: np.ndarray, a: float = 1.0, oversample: int = 4, workers: int = 1,
               deconvolve: bool = True, numba: bool = True) -> Pattern:
    """Fraunhofer intensity of the sites ``r[..., 2]`` (periodic box of n a per side).

    ``deconvolve`` divides by the CIC window, which is right on average over
    sub-pixel positions (distorted lattices); sites exactly on grid nodes (the
    pristine lattice) need ``deconvolve=False`` to be exact.
    """
    xy = r.reshape(-1, 2)
    n_side = int(round(np.sqrt(xy.shape[0])))
    m = n_side * int(oversample)
    h = a / oversample
    grid = cic_deposit(xy - xy.min(axis=0), h, m, numba)
    amp = scipy.fft.fft2(grid, workers=workers)
    kk = 2.0 * np.pi * scipy.fft.fftfreq(m, d=h)
    w1 = np.sinc(kk * h / (2.0 * np.pi)) ** 2      # CIC window per axis (np.sinc = sin(pi x)/(pi x))
    inten = (amp.real**2 + amp.imag**2) / xy.shape[0]
    if deconvolve:
        inten /= (w1[:, None] * w1[None, :]) ** 2
    return Pattern(scipy.fft.fftshift(kk), scipy.fft.fftshift(inten))


def crop_and_bin(pat: Pattern, kmax: float, bin_: int = 1) -> Pattern:
    """Keep |kx|, |ky| <= kmax and sum intensities over bin_ x bin_ blocks (divided by bin_^2)."""
    sel = np.nonzero(np.abs(pat.k) <= kmax)[0]
    nb = (sel.size // bin_) * bin_
    sel = sel[:nb]
    sub = pat.intensity[np.ix_(sel, sel)]
    if bin_ > 1:
        sub = sub.reshape(nb // bin_, bin_, nb // bin_, bin_).mean(axis=(1, 3))
        k = pat.k[sel].reshape(-1, bin_).mean(axis=1)
    else:
        k = pat.k[sel]
    return Pattern(k, sub)
