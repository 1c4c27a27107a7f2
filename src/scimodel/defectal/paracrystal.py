"""Hosemann paracrystal: structure factor, Bragg-peak heights and widths,
the Lorentzian expansion of paper 000 (Eq. 2 / A10) and the length l.

Paper: M. ElMassalami and M. B. Silva Neto, arXiv:1904.04773 ("paper 000"),
Sec. III.A and appendix A (Eqs. 2, 3, A5-A10).

Conventions and readings taken
------------------------------
* ``sigma`` is the *relative* distortion of a lattice vector, sigma = Delta a / a
  (the text under Fig. 1: "sigma_ij = Delta a_j / a_i").  Every lattice vector
  is drawn from the Gaussian of Eq. A5 with mean ``a`` and standard deviation
  ``sigma * a`` along each Cartesian direction (the OCR'd normalisation
  1/sqrt(2 pi sigma) of Eq. A5 is read as the normalised Gaussian).
* Eq. A9 (Guinier): F(p) = exp(-sigma^2 (a p)^2 / 2 + i a p), i.e. the
  characteristic function of one step.  Eq. A8 is then the Poisson kernel
  P_r(x) = (1 - r^2) / (1 - 2 r cos x + r^2), r = |F(p)|, x = a p, whose period
  average is exactly 1 (sum rule) and which tends to the delta comb
  2 pi sum_m delta(x - 2 pi m) as r -> 1 (sigma -> 0).
* Peak heights: to leading order in sigma, S(p = 2 pi m / a) = 1/(pi^2 sigma^2 m^2),
  the paper's S_max = a^2/(pi^2 sigma^2 m^2) with a measured in units of a
  (sigma is dimensionless here, so the a^2 of the paper is a = 1).
* Peak widths: the exact half width at half maximum of the m-th peak is
  (1 - r)/(a sqrt(r)) -> 2 pi^2 sigma^2 m^2 / a.  The paper writes
  delta p = pi^2 sigma^2 m^2 / a, i.e. half of our HWHM: the paper's scaling
  (sigma^2 m^2 / a) is reproduced exactly, its prefactor is a factor-2 slip
  (equivalently, the paper's value is the HWHM of the peak expressed in the
  variable x/2).  We keep both: :func:`peak_hwhm` (exact) and
  :func:`peak_width_paper` (paper's formula) and test their ratio.
* The length l: the paper uses a single l ("effective mean free path") for all
  g in Eq. 2, B7, and Secs. IV-V, l = 1/delta p of the first order.  We follow
  that: ``ell`` is the inverse HWHM of the first-order peak, so
  l = a / (2 pi^2 sigma^2) exactly (paper: a / (pi^2 sigma^2)).  The Lorentzian
  expansion (Eq. 2) is written with the paper's single l and the peak heights
  S_max(g) = (l/a) / |m|^2, obtained by eliminating sigma through the paper's
  own pair S_max(g) = a^2/(sigma^2 pi^2 |m|^2), l = a/(sigma^2 pi^2) (first
  shell).  Lengths are in units of a unless stated.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..numba_config import jit


# ---------------------------------------------------------------- 1D line profile (Eqs. A8-A9)

def guinier_modulus(p, a: float, sigma: float):
    """|F(p)| = exp(-sigma^2 (a p)^2 / 2) of Eq. A9 (sigma relative)."""
    x = a * np.asarray(p, dtype=float)
    return np.exp(-0.5 * sigma**2 * x**2)


def line_profile(p, a: float = 1.0, sigma: float = 0.05):
    """Hosemann 1D structure factor, Eq. A8 with F from Eq. A9.

    S(p) = (1 - |F|^2) / ((1 - |F|)^2 + 4 |F| sin^2(a p / 2)).

    At p = 0 (the g = 0 reflection, a true delta) the formula is 0/0 and
    ``inf`` is returned; just off p = 0 it tends to the diffuse value sigma^2.
    """
    if sigma < 0:
        raise InputError(None, "sigma", f"got {sigma}; expected sigma >= 0")
    p = np.asarray(p, dtype=float)
    x = a * p
    r = np.exp(-0.5 * sigma**2 * x**2)
    num = 1.0 - r * r
    den = (1.0 - r) ** 2 + 4.0 * r * np.sin(0.5 * x) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    return np.where(den == 0.0, np.inf, out)


def finite_chain_profile(p, n: int, a: float = 1.0, sigma: float = 0.05):
    """Expected |sum_j exp(i p x_j)|^2 / n of an n-site 1D paracrystal.

    S_n(p) = 1 + 2 Re sum_{k=1}^{n-1} (1 - k/n) F(p)^k, with F of Eq. A9.
    Tends to :func:`line_profile` (Eq. A8) as n -> infinity; used to judge the
    finite size of the simulated diffraction pattern.
    """
    p = np.asarray(p, dtype=float)
    x = a * p
    f = np.exp(-0.5 * sigma**2 * x**2 + 1j * x)
    k = np.arange(1, n)
    # closed form of sum_{k=1}^{n-1} (1 - k/n) f^k
    with np.errstate(divide="ignore", invalid="ignore"):
        geo = f * (1 - f ** (n - 1)) / (1 - f)
        kf = f * (1 - n * f ** (n - 1) + (n - 1) * f**n) / (1 - f) ** 2
        s = geo - kf / n
    exact = np.isclose(f, 1.0)
    if np.any(exact):
        s = np.where(exact, np.sum(1 - k / n), s)
    return 1.0 + 2.0 * s.real


def peak_height(m, sigma: float):
    """Paper's S_max(m) = 1/(pi^2 sigma^2 m^2) (sigma relative; a = 1 units)."""
    m = np.asarray(m, dtype=float)
    return 1.0 / (np.pi**2 * sigma**2 * m**2)


def peak_height_exact(m, sigma: float):
    """Exact height (1 + r)/(1 - r) of the m-th peak of Eq. A8, r = exp(-2 pi^2 sigma^2 m^2)."""
    r = np.exp(-2.0 * np.pi**2 * sigma**2 * np.asarray(m, dtype=float) ** 2)
    return (1.0 + r) / (1.0 - r)


def peak_hwhm(m, a: float, sigma: float):
    """Leading-order HWHM 2 pi^2 sigma^2 m^2 / a of the m-th peak of Eq. A8 (see module doc)."""
    return 2.0 * np.pi**2 * sigma**2 * np.asarray(m, dtype=float) ** 2 / a


def peak_width_paper(m, a: float, sigma: float):
    """The paper's delta p = pi^2 sigma^2 m^2 / a (text after Eq. A9) = HWHM / 2."""
    return np.pi**2 * sigma**2 * np.asarray(m, dtype=float) ** 2 / a


def measure_peak(m: int, a: float, sigma: float, n: int = 20001):
    """Numerical height and HWHM of the m-th peak of :func:`line_profile`.

    Returns ``(height, hwhm)``; the peak is located by maximisation on a fine
    grid (it sits slightly below 2 pi m / a because |F| decreases with p) and
    the half-maximum points are found by linear interpolation.
    """
    g = 2.0 * np.pi * m / a
    w0 = max(peak_hwhm(m, a, sigma), 1e-12)
    span = min(25.0 * w0, 0.45 * 2 * np.pi / a)
    p = np.linspace(g - span, g + span, n)
    s = line_profile(p, a, sigma)
    i = int(np.argmax(s))
    h = s[i]
    half = 0.5 * h
    left = np.nonzero(s[:i] < half)[0]
    right = np.nonzero(s[i:] < half)[0]
    if left.size == 0 or right.size == 0:
        raise InputError(None, "sigma", "peak too broad to measure its half width (sigma too large)")
    il = left[-1]
    ir = i + right[0]
    pl = np.interp(half, [s[il], s[il + 1]], [p[il], p[il + 1]])
    pr = np.interp(half, [s[ir], s[ir - 1]], [p[ir], p[ir - 1]])
    return float(h), float(0.5 * (pr - pl))


# ---------------------------------------------------------------- 3D product and Eq. 2 / A10

def structure_factor_3d(p, a: float = 1.0, sigma: float = 0.05):
    """Product over x, y, z of Eq. A8 for a simple-cubic paracrystal (Eq. A8, 3D)."""
    p = np.asarray(p, dtype=float)
    return (line_profile(p[..., 0], a, sigma) * line_profile(p[..., 1], a, sigma)
            * line_profile(p[..., 2], a, sigma))


def reciprocal_vectors(m2_max: int, a: float = 1.0, include_zero: bool = False):
    """Simple-cubic reciprocal lattice vectors g = 2 pi (h, k, l)/a with
    0 < h^2 + k^2 + l^2 <= ``m2_max``; returns ``(g[n, 3], m2[n])``."""
    if m2_max < 0:
        raise InputError(None, "shells_m2_max", f"got {m2_max}; expected an integer >= 0")
    r = int(np.floor(np.sqrt(m2_max)))
    hkl = np.array([(h, k, l) for h in range(-r, r + 1) for k in range(-r, r + 1)
                    for l in range(-r, r + 1)], dtype=float)
    m2 = (hkl**2).sum(axis=1)
    keep = (m2 <= m2_max) & ((m2 > 0) | include_zero)
    return 2.0 * np.pi * hkl[keep] / a, m2[keep]


def lorentzian_peak_heights(ell: float, m2, a: float = 1.0):
    """S_max(g) = (l/a)/|m|^2 of Eq. 2 with the single length l (module doc)."""
    return (ell / a) / np.asarray(m2, dtype=float)


def lorentzian_expansion(p, ell: float, m2_max: int = 3, a: float = 1.0):
    """Diffuse (g != 0) part of Eq. 2 / A10:
    sum_{0 < |m|^2 <= m2_max} S_max(g) / (1 + l^2 |p - g|^2).

    The g = 0 Kronecker delta of Eq. 2 is not included (it is not a function
    on a continuous p grid).  The sum is truncated at ``m2_max``: in 3D the
    Lorentzian tails make the untruncated sum diverge (the paper sums only the
    "leading contributions", appendix B).
    """
    p = np.asarray(p, dtype=float)
    g, m2 = reciprocal_vectors(m2_max, a)
    smax = lorentzian_peak_heights(ell, m2, a)
    d2 = ((p[..., None, :] - g) ** 2).sum(axis=-1)
    return (smax / (1.0 + ell**2 * d2)).sum(axis=-1)


# ---------------------------------------------------------------- l <-> sigma <-> delta rho (Eq. 3)

def ell_from_sigma(sigma: float, a: float = 1.0, paper: bool = False) -> float:
    """l = 1 / HWHM of the first-order peak: a/(2 pi^2 sigma^2); ``paper=True``: a/(pi^2 sigma^2)."""
    return a / ((1.0 if paper else 2.0) * np.pi**2 * sigma**2)


def sigma_from_ell(ell: float, a: float = 1.0, paper: bool = False) -> float:
    """Inverse of :func:`ell_from_sigma`."""
    return float(np.sqrt(a / ((1.0 if paper else 2.0) * np.pi**2 * ell)))


def ell0_from_resistivities(a0: float, rho_am_over_rho0: float) -> float:
    """l0 = a0 (rho_am / rho0 - 1) of Eq. 3."""
    if rho_am_over_rho0 <= 1:
        raise InputError(None, "rho_am_over_rho0", f"got {rho_am_over_rho0}; expected > 1")
    return a0 * (rho_am_over_rho0 - 1.0)


def drho_from_ell(ell, ell0: float):
    """delta rho0 / rho0 = l0 / l (Eq. 3)."""
    return ell0 / np.asarray(ell, dtype=float)


def ell_from_drho(drho, ell0: float):
    """l = l0 / (delta rho0 / rho0) (Eq. 3); delta rho -> 0 gives l -> infinity."""
    drho = np.asarray(drho, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(drho > 0, ell0 / np.where(drho > 0, drho, 1.0), np.inf)


# ---------------------------------------------------------------- Numba twin for the hot 1D profile

@jit
def _line_profile_nb(p, a, sigma):
    out = np.empty(p.size)
    for i in range(p.size):
        x = a * p[i]
        r = np.exp(-0.5 * sigma * sigma * x * x)
        den = (1.0 - r) ** 2 + 4.0 * r * np.sin(0.5 * x) ** 2
        out[i] = (1.0 - r * r) / den if den > 0.0 else np.inf
    return out


def line_profile_nb(p, a: float = 1.0, sigma: float = 0.05):
    """Numba twin of :func:`line_profile` (1-D input)."""
    return _line_profile_nb(np.ascontiguousarray(p, dtype=float).ravel(), float(a), float(sigma))
