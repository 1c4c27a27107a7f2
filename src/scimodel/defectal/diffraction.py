"""Fraunhofer diffraction of a simulated 2D paracrystal (Fig. 1 j,k of paper 000).

Isotropic cumulative paracrystal (``paracrystal_2d(..., mode="isotropic")``, the default)
------------------------------------------------------------------------------------------
Sites r_ij = a (i, j) + u_ij on an n x n lattice, u a two-component Gaussian random
field (components independent) with the isotropic *cumulative* structure function

    D(R) = <(u_R - u_0)_x^2> = <(u_R - u_0)_y^2> = sigma^2 a |R|        (sigma relative)

-- the variance grows linearly with distance as along a Hosemann row (n steps:
n sigma^2 a^2), in every direction; cell vectors r_{i+1,j} - r_ij vary in length and
direction (each component with variance sigma^2 a^2).  Construction
(:func:`isotropic_displacements`): unit white noise per site and component, FFT, times
the square root of the lattice spectrum, inverse FFT, with

    S_u(k) = sum_R c(R) exp(-i k.R) = (pi sigma^2 / a) sum_g |k + g|^-3
           (:func:`displacement_spectrum`, k = 0 mode dropped),

the Poisson-summed lattice transform of c(R) = const - sigma^2 a |R| / 2 (the 2D Fourier
transform of |r| is -2 pi / k^3).  Normalisation: with P(k) = C |k|^-3 and
D(R) = (2 pi)^-2 Int P(k) 2 (1 - cos k.R) d^2k = 2 C |R| Int_0^inf (1 - J0(x)) / x^2 dx
/ (2 pi) = C |R| / pi, C = pi sigma^2 a (the g = 0 term of S_u a^2); the aliases g != 0
make D(R) = sigma^2 a |R| exact at every lattice vector of the infinite lattice, |R| = a
included (a bare |k|^-3 cut at the zone boundary would lack 0.29 sigma^2 a^2 at every R).  On the
periodic n x n lattice (:func:`displacement_structure_function`, exact for the
construction, checked in the tests) the dropped k = 0 mode and the periodicity give a
"Brownian bridge" deficit:

    D(R) / (sigma^2 a |R|) = 1 - |R| / (n a) + delta,  0 <= delta <= 0.012,
    for all 1 <= |R|/a <= n/4 (any n: the deficit depends on |R| / n only), i.e. the ratio
    runs from 1 - 1/n at |R| = a to 0.755 at |R| = n a / 4 (n = 256: 0.996, 0.985, 0.939,
    0.878, 0.755 at |R|/a = 1, 4, 16, 32, 64 along an axis; the diagonal follows the
    same law); within 1 % of sigma^2 a |R| up to |R| ~ n a / 100.

The configuration is periodic (period n a), so the FFT pattern has no edge effects;
sigma = 0 gives the exact lattice.

Separable paracrystal (``mode="product"``, kept for comparison) and why it gives streaks
-----------------------------------------------------------------------------------------
Every lattice vector drawn from the Gaussian of Eq. A5 with the paper's sigma_ij =
sigma delta_ij (Eq. A6 ff.: a_i fluctuates along its own direction only),
a_1 = (a + sigma a xi, 0), a_2 = (0, a + sigma a eta), cumulated along rows and columns
with one a_1 chain shared by all rows and one a_2 chain by all columns: x_ij = X_i,
y_ij = Y_j.  The pattern is then exactly S_1(k_x) S_1(k_y), the product of two 1D
Hosemann profiles (Eq. A8, damping (a_i.p)^2 of Eq. A9).  Each factor keeps its
coherent g = 0 reflection (N-fold at k = 0), so the intensity concentrates on the lines
k_x = 0 and k_y = 0 (and the rows/columns through the spots): a spot (m, 0) is broadened
only along k_x (HWHM 2 pi^2 sigma^2 m^2 / a) and stays resolution-limited along k_y.
Streaks instead of a halo: at sigma = 0.05, n = 256 the pixels of the ring
|k| = 2.5 x 2 pi / a on the axes are ~10^3 times brighter than those on the diagonals
(40-100 with the +-1 deg windows of :func:`ring_anisotropy`), and the (3, 0) spot is
resolution-limited along k_y (HWHM ~0.03 / a) while its k_x width is 2 pi^2 sigma^2 m^2 / a
= 0.44 / a in the ensemble (speckle-limited, ~0.06-0.1 / a, in one realisation).  ``mode="rows"``: independent chains for every row and column.

Line-profile check: every chain of a_1 vectors is a 1D paracrystal, and the
chain-averaged line profile <|sum_i exp(i p x_i)|^2 / N> of :func:`simulated_line_profile`
(independent chains, :func:`chains_1d`) is the finite-chain version of Eq. A8
(:func:`scimodel.defectal.paracrystal.finite_chain_profile`), which the tests check
within the statistical error (standard error over the independent chains).

Fraunhofer pattern
------------------
I(k) = |sum_j exp(i k.r_j)|^2 / N_sites is computed by depositing the sites on a
periodic grid with cloud-in-cell weights (``oversample`` grid points per lattice
spacing), one FFT, and division by the CIC window.  The grid aliases k + m k_s,
k_s = 2 pi oversample / a, into k; for a distorted lattice their cross terms average out
and :func:`expected_fraunhofer` gives the expected deconvolved pattern
sum_m W^2(k + m k_s) S(k + m k_s) / W^2(k) (at oversample = 8 the aliases add ~11 % at
|k| = 2.5 x 2 pi / a and ~16 % at 3.25 x 2 pi / a; the tests resolve this).  The exact lattice (sigma = 0, sites on grid nodes)
needs ``deconvolve=False``.

The expected pattern of the isotropic model and the isotropy metrics of
Fig. 1 k are in :mod:`.isotropy`.
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


# ---------------------------------------------------------------- isotropic cumulative displacement field

_TAIL_NODES, _TAIL_WEIGHTS = np.polynomial.legendre.leggauss(16)
_TAIL_THETA = (0.5 + 0.5 * _TAIL_NODES) * (np.pi / 4)      # Gauss-Legendre on [0, pi/4]
_TAIL_W = 0.5 * _TAIL_WEIGHTS * (np.pi / 4)


def _outside_square_integral(kappa, s):
    """Int over the outside of the square [-s, s]^2 of (kappa^2 + q^2)^(-3/2) d^2q
    = 8 Int_0^{pi/4} (kappa^2 + s^2 / cos^2 theta)^(-1/2) d theta (NumPy, vectorised in kappa)."""
    kappa = np.asarray(kappa, dtype=float)[..., None]
    return 8.0 * np.sum(_TAIL_W / np.sqrt(kappa**2 + (s / np.cos(_TAIL_THETA)) ** 2), axis=-1)


def _lattice_tail(kappa, d2, s, g0):
    """sum over the reciprocal vectors g outside the (2 M + 1)^2 box (half side
    s = (M + 1/2) g0, centred on the g nearest p, |p - g_nearest|^2 = d2) of
    (kappa^2 + |p - g|^2)^(-3/2): the continuum integral / g0^2 plus the
    Euler-Maclaurin (midpoint-rule) and box-offset corrections,
    s J (6 d2 / g0^2 - 1), J = Int_0^s (kappa^2 + s^2 + y^2)^(-5/2) dy."""
    a2 = kappa**2 + s * s
    j = s * (2.0 * s * s + 3.0 * a2) / (3.0 * a2**2 * (a2 + s * s) ** 1.5)
    return _outside_square_integral(kappa, s) / g0**2 + s * j * (6.0 * d2 / g0**2 - 1.0)


_SPECTRUM_CACHE: dict[tuple[int, int], np.ndarray] = {}


def displacement_spectrum(n: int, m_images: int = 4) -> np.ndarray:
    """Lattice power spectrum of one displacement component, in units of sigma^2 a^2.

    ``s[ky, kx]`` on the ``rfft2`` grid of the periodic n x n lattice (k a = 2 pi m / n):
    s(k) = pi sum_m |k a + 2 pi m|^-3, the lattice Fourier transform of
    c(R) = const - |R| / (2 a) (see the module docstring); the g-sum is done over
    (2 m_images + 1)^2 images plus the corrected continuum integral outside them
    (:func:`_lattice_tail`; relative error < 1e-5 at m_images = 4); s(0) = 0 (k = 0 mode
    dropped).  Cached per (n, m_images) (read-only array).
    """
    key = (int(n), int(m_images))
    if key in _SPECTRUM_CACHE:
        return _SPECTRUM_CACHE[key]
    kx = 2.0 * np.pi * np.fft.rfftfreq(n)[None, :]
    ky = 2.0 * np.pi * np.fft.fftfreq(n)[:, None]
    s = np.zeros((n, n // 2 + 1))
    for mx in range(-m_images, m_images + 1):
        for my in range(-m_images, m_images + 1):
            q2 = (kx + 2.0 * np.pi * mx) ** 2 + (ky + 2.0 * np.pi * my) ** 2
            if mx == 0 and my == 0:
                q2[0, 0] = np.inf
            s += q2 ** -1.5
    s += _lattice_tail(0.0, kx**2 + ky**2, (m_images + 0.5) * 2.0 * np.pi, 2.0 * np.pi)
    s *= np.pi
    s[0, 0] = 0.0
    s.flags.writeable = False
    _SPECTRUM_CACHE[key] = s
    return s


def displacement_structure_function(n: int, sigma: float, a: float = 1.0) -> np.ndarray:
    """D[j, i] = <(u_R - u_0)_x^2> of :func:`isotropic_displacements` at R = a (i, j)
    (exact for the periodic n x n construction; ~ sigma^2 a |R| (1 - |R| / (n a)))."""
    s = displacement_spectrum(n)
    c = scipy.fft.irfft2(s, s=(n, n))          # (1/N) sum_k s(k) exp(i k.R)
    return 2.0 * sigma**2 * a**2 * (c[0, 0] - c)


def isotropic_displacements(n: int, sigma: float, a: float = 1.0, seed: int = 0) -> np.ndarray:
    """``u[2, n, n]`` (component, row j, column i): the isotropic cumulative Gaussian
    displacement field, <(u_R - u_0)_x^2> = sigma^2 a |R| (module docstring).

    White noise of unit variance per site and component (``numpy.random.default_rng(seed)``),
    filtered by sqrt of :func:`displacement_spectrum` with real FFTs.
    """
    if n < 2:
        raise InputError(None, "n_sites", f"got {n}; expected n >= 2")
    if sigma < 0:
        raise InputError(None, "sigma", f"got {sigma}; expected >= 0")
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((2, n, n))
    amp = np.sqrt(displacement_spectrum(n)) * (sigma * a)
    return scipy.fft.irfft2(scipy.fft.rfft2(w, axes=(1, 2)) * amp, s=(n, n), axes=(1, 2))


def paracrystal_2d(n: int, sigma: float, a: float = 1.0, seed: int = 0,
                   mode: str = "isotropic") -> np.ndarray:
    """Positions ``r[n, n, 2]`` (row index j, column index i; r[..., 0] = x) of a 2D paracrystal.

    mode="isotropic" (default): r_ij = a (i, j) + u_ij with the isotropic cumulative
        Gaussian field of :func:`isotropic_displacements`, D(R) = sigma^2 a |R|;
        cell vectors vary in length and direction; expected pattern
        :func:`isotropic_structure_factor_2d` (isotropic spots merging into a halo).
        The configuration is periodic with period n a (sigma = 0: exact lattice).
    mode="product": separable paracrystal, every lattice vector has the Gaussian
        length distribution of Eq. A5 with the paper's sigma_ij = sigma delta_ij
        (Eq. A6 ff.: a_i fluctuates along its own direction only); one chain of a_1
        vectors shared by all rows and one chain of a_2 vectors shared by all columns
        (x_ij = X_i, y_ij = Y_j); the expected pattern is exactly the product of
        Eq. A8 over the two directions; spots broaden as m^2 along each axis only
        (streaks along k_x = 0 and k_y = 0, no halo: kept for comparison).
    mode="rows": every row has its own a_1 chain and every column its own a_2
        chain; rows lose their mutual registry, off-axis spots fade.
    """
    if mode == "isotropic":
        u = isotropic_displacements(n, sigma, a, seed)
        ij = a * np.arange(n, dtype=float)
        r = np.empty((n, n, 2))
        r[..., 0] = ij[None, :] + u[0]
        r[..., 1] = ij[:, None] + u[1]
        return r
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
    raise InputError(None, "mode", f"got {mode!r}; expected 'isotropic', 'product' or 'rows'")


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
    """Line profile of ``n`` independent n-site chains (the a_1 chains of the separable
    ``mode="product"`` / ``"rows"`` simulation, Eq. A8-A9), averaged, with the standard
    error of the mean."""
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
