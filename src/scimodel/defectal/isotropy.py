"""Expected Fraunhofer pattern of the isotropic cumulative paracrystal and the
isotropy metrics of Fig. 1 k (paper 000); the simulation is :mod:`.diffraction`.

Expected pattern.  For Gaussian u, <|sum_j exp(i p.r_j)|^2> / N = sum_R exp(i p.R -
|p|^2 D(R) / 2), i.e. on the infinite lattice (:func:`isotropic_structure_factor_2d`)

    S(p) = sum_R exp(-kappa |R| + i p.R),  kappa = sigma^2 a |p|^2 / 2
         = (2 pi kappa / a^2) sum_g (kappa^2 + |p - g|^2)^(-3/2)        (Poisson summation;
           the 2D transform of exp(-kappa r) is 2 pi kappa / (kappa^2 + k^2)^(3/2)):

every spot g carries the weight (2 pi / a)^2 (sum rule), has the isotropic shape
(kappa^2 + q^2)^(-3/2) (HWHM sqrt(2^(2/3) - 1) kappa = 0.766 kappa, height 2 pi / kappa^2)
and a width growing like |g|^2, so the higher orders overlap into a halo (S -> 1).  It is
the 2D analogue of the structure factor used for transport,
S(p) = sum_R exp(-sigma^2 a |R| |p|^2 / 2 + i p.R); along a lattice row it is the 1D
Hosemann profile (Eq. A8) with the isotropic damping |F| = exp(-sigma^2 a^2 |p|^2 / 2)
(Eq. A7 integrates a 3D Gaussian per step) instead of (a_i.p)^2 of Eq. A9.  For the
finite periodic box, :func:`periodic_structure_factor_2d` is the exact expectation (it
differs from S(p) mostly in the first orders, where exp(-kappa n a / 2) is not small, and
by ~0.7 / n in the halo), and
:func:`expected_fraunhofer` adds the CIC window and aliasing of :func:`fraunhofer`.

Isotropy metrics (the Fig. 1 k acceptance numbers, :func:`isotropy_metrics`)
--------------------------------------------------------------------------
:func:`ring_anisotropy`: mean raw intensity on the ring | |k| - 2.5 x 2 pi / a | <=
0.05 x 2 pi / a within +-1 deg of the axes over that within +-1 deg of the diagonals
(narrow windows: the streaks are one pixel wide, see the function).
:func:`spot_width_ratio`: HWHM along k_y over HWHM along k_x of the (3, 0) spot, from
cuts averaged over a band +-0.1 x 2 pi / a, the cuts of the four 90-deg-related spots
averaged, background = the outer 20 % of the +-0.5 x 2 pi / a window.  Both accept a
list of patterns (seeds), averaged first: a single n = 256 pattern carries collective
fluctuations of the spot shapes (the long-wavelength modes of the cumulative field), so
the spot ratio of one seed scatters by ~0.1 (rms) around 1; four seeds bring it to ~0.05.
Measured (sigma = 0.05, n = 256, oversample 8, deconvolved, crop_and_bin(kmax =
3.5 x 2 pi / a, bin 2), seeds 0-3 averaged):
    isotropic: ring 0.66 (single seeds 0.64-0.69; model 0.68), spot ratio 0.98
               (single seeds 0.82-1.13; model 1.00, HWHM 0.37 / a vs 0.40 / a of the model);
    product:   ring 75 (single seeds 54-102), spot ratio 0.18 (single seeds 0.27-0.61;
               the k_x width of one chain's spot is speckle-limited, the k_y width is the
               resolution 2 pi / (n a)).
    The figure's seed (19040) alone: isotropic ring 0.67, spot ratio 1.08; product ring 42,
    spot ratio 0.51.  Axis pixels only (unbinned, +-0.05 deg): product ~1100, isotropic 0.8.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..numba_config import pjit, prange
from .diffraction import (_TAIL_THETA, _TAIL_W, Pattern, _lattice_tail, crop_and_bin,
                          displacement_structure_function, fraunhofer,
                          paracrystal_2d)


# ---------------------------------------------------------------- expected pattern of the isotropic model

@pjit
def _sf_poisson_nb(kx, ky, sigma, a, m_box, theta, wts):
    g0 = 2.0 * np.pi / a
    s = (m_box + 0.5) * g0
    out = np.empty(kx.size)
    for t in prange(kx.size):
        px = kx[t]
        py = ky[t]
        kap = 0.5 * sigma * sigma * a * (px * px + py * py)
        ix0 = np.floor(px / g0 + 0.5)
        iy0 = np.floor(py / g0 + 0.5)
        if kap == 0.0:
            out[t] = np.inf if (px == ix0 * g0 and py == iy0 * g0) else 0.0
            continue
        acc = 0.0
        for mx in range(-m_box, m_box + 1):
            dx = px - (ix0 + mx) * g0
            for my in range(-m_box, m_box + 1):
                dy = py - (iy0 + my) * g0
                q2 = kap * kap + dx * dx + dy * dy
                acc += 1.0 / (q2 * np.sqrt(q2))
        tail = 0.0
        for q in range(theta.size):
            c = np.cos(theta[q])
            tail += wts[q] / np.sqrt(kap * kap + s * s / (c * c))
        a2 = kap * kap + s * s
        jj = s * (2.0 * s * s + 3.0 * a2) / (3.0 * a2 * a2 * (a2 + s * s) ** 1.5)
        d2 = (px - ix0 * g0) ** 2 + (py - iy0 * g0) ** 2
        acc += 8.0 * tail / (g0 * g0) + s * jj * (6.0 * d2 / (g0 * g0) - 1.0)
        out[t] = 2.0 * np.pi * kap / (a * a) * acc
    return out


def _sf_poisson_np(kx, ky, sigma, a, m_box):
    g0 = 2.0 * np.pi / a
    kap = 0.5 * sigma**2 * a * (kx**2 + ky**2)
    ix0 = np.floor(kx / g0 + 0.5)
    iy0 = np.floor(ky / g0 + 0.5)
    acc = np.zeros(kx.size)
    for mx in range(-m_box, m_box + 1):
        for my in range(-m_box, m_box + 1):
            q2 = kap**2 + (kx - (ix0 + mx) * g0) ** 2 + (ky - (iy0 + my) * g0) ** 2
            with np.errstate(divide="ignore"):
                acc += q2 ** -1.5
    acc += _lattice_tail(kap, (kx - ix0 * g0) ** 2 + (ky - iy0 * g0) ** 2, (m_box + 0.5) * g0, g0)
    with np.errstate(invalid="ignore"):
        out = 2.0 * np.pi * kap / a**2 * acc
    on_g = (kx == ix0 * g0) & (ky == iy0 * g0)
    return np.where(kap == 0.0, np.where(on_g, np.inf, 0.0), out)


@pjit
def _sf_direct_nb(kx, ky, sigma, a, r_fac, r_cap):
    out = np.empty(kx.size)
    for t in prange(kx.size):
        kap = 0.5 * sigma * sigma * a * (kx[t] * kx[t] + ky[t] * ky[t])
        rm = r_cap if kap * a * r_cap <= r_fac else int(np.ceil(r_fac / (kap * a)))
        cx = np.cos(kx[t] * a * np.arange(rm + 1))
        cy = np.cos(ky[t] * a * np.arange(rm + 1))
        acc = 0.0
        for j in range(-rm, rm + 1):
            aj = abs(j)
            for i in range(-rm, rm + 1):
                ai = abs(i)
                rr = aj * aj + ai * ai
                if rr <= rm * rm:
                    acc += np.exp(-kap * a * np.sqrt(rr)) * cx[ai] * cy[aj]
        out[t] = acc
    return out


def _sf_direct_np(kx, ky, sigma, a, r_fac, r_cap):
    out = np.empty(kx.size)
    for t in range(kx.size):
        kap = 0.5 * sigma**2 * a * (kx[t] ** 2 + ky[t] ** 2)
        rm = r_cap if kap * a * r_cap <= r_fac else int(np.ceil(r_fac / (kap * a)))
        ii = np.arange(-rm, rm + 1)
        rr = np.sqrt(ii[None, :] ** 2 + ii[:, None] ** 2)
        w = np.where(rr <= rm, np.exp(-kap * a * rr), 0.0)
        out[t] = np.sum(w * np.cos(kx[t] * a * ii)[None, :] * np.cos(ky[t] * a * ii)[:, None])
    return out


def isotropic_structure_factor_2d(kx, ky, sigma: float, a: float = 1.0, method: str = "poisson",
                                  m_box: int = 4, r_fac: float = 40.0, r_cap: int = 2000,
                                  numba: bool = True) -> np.ndarray:
    """Ensemble-average pattern S(p) = <|sum_j exp(i p.r_j)|^2> / N of the infinite isotropic
    paracrystal (``mode="isotropic"``), p = (kx, ky) broadcast, in units 1/a.

    S(p) = sum_R exp(-kappa |R| + i p.R),  kappa = sigma^2 a |p|^2 / 2
         = (2 pi kappa / a^2) sum_g (kappa^2 + |p - g|^2)^(-3/2)   (Poisson summation).

    method="poisson": the g-sum over the (2 m_box + 1)^2 reciprocal vectors nearest p
        plus the remaining tail as a corrected continuum integral (:func:`_lattice_tail`;
        relative error < 2e-5 at m_box = 4, < 1e-6 at m_box = 8, any kappa); the default.
    method="direct": the lattice sum over |R| <= min(r_fac / (kappa a), r_cap) a (truncation
        error ~ exp(-r_fac) unless capped; cost ~ (r_fac / kappa a)^2 per point: use it to
        check the Poisson form where kappa is not small).
    S = inf at p = 0 (and at p = g for sigma = 0), S = 0 off g for sigma = 0.
    """
    if sigma < 0:
        raise InputError(None, "sigma", f"got {sigma}; expected >= 0")
    kx, ky = np.broadcast_arrays(np.asarray(kx, dtype=float), np.asarray(ky, dtype=float))
    shape = kx.shape
    fx, fy = np.ascontiguousarray(kx.ravel()), np.ascontiguousarray(ky.ravel())
    if method == "poisson":
        out = (_sf_poisson_nb(fx, fy, float(sigma), float(a), int(m_box), _TAIL_THETA, _TAIL_W) if numba
               else _sf_poisson_np(fx, fy, float(sigma), float(a), int(m_box)))
    elif method == "direct":
        if sigma == 0 or np.any(fx**2 + fy**2 == 0):
            raise InputError(None, "k", "the direct lattice sum needs sigma > 0 and p != 0")
        out = (_sf_direct_nb(fx, fy, float(sigma), float(a), float(r_fac), int(r_cap)) if numba
               else _sf_direct_np(fx, fy, float(sigma), float(a), float(r_fac), int(r_cap)))
    else:
        raise InputError(None, "method", f"got {method!r}; expected 'poisson' or 'direct'")
    return out.reshape(shape)


@pjit
def _sf_periodic_nb(kx, ky, dper, a):
    n = dper.shape[0]
    out = np.empty(kx.size)
    for t in prange(kx.size):
        h = 0.5 * (kx[t] * kx[t] + ky[t] * ky[t])
        acc = 0.0
        for j in range(n):
            jj = j if 2 * j <= n else j - n
            for i in range(n):
                ii = i if 2 * i <= n else i - n
                acc += np.exp(-h * dper[j, i]) * np.cos(a * (kx[t] * ii + ky[t] * jj))
        out[t] = acc
    return out


def _sf_periodic_np(kx, ky, dper, a):
    n = dper.shape[0]
    idx = np.arange(n)
    idx = np.where(2 * idx <= n, idx, idx - n)
    out = np.empty(kx.size)
    for t in range(kx.size):
        ph = a * (kx[t] * idx[None, :] + ky[t] * idx[:, None])
        out[t] = np.sum(np.exp(-0.5 * (kx[t] ** 2 + ky[t] ** 2) * dper) * np.cos(ph))
    return out


def periodic_structure_factor_2d(kx, ky, sigma: float, n: int, a: float = 1.0,
                                 numba: bool = True) -> np.ndarray:
    """Exact expectation of |sum_j exp(i k.r_j)|^2 / N for ``paracrystal_2d(n, sigma, a)``
    (periodic n x n lattice), at k on the grid 2 pi (m_x, m_y) / (n a):
    sum_{R in box} exp(i k.R - |k|^2 D(R) / 2) with D of :func:`displacement_structure_function`.

    Differs from :func:`isotropic_structure_factor_2d` by the finite, periodic box: in the
    first orders (exp(-kappa n a / 2) not small) a residual coherent spike and narrower spots,
    elsewhere the ~|R| / (n a) deficit of D (sigma = 0.05, 2-3.5 x 2 pi / a: mean |difference|
    1.1 %, 0.56 %, 0.28 % at n = 64, 128, 256, i.e. ~0.7 / n).  Cost n^2 per k.
    """
    kx, ky = np.broadcast_arrays(np.asarray(kx, dtype=float), np.asarray(ky, dtype=float))
    dper = np.ascontiguousarray(displacement_structure_function(n, sigma, a))
    fx, fy = np.ascontiguousarray(kx.ravel()), np.ascontiguousarray(ky.ravel())
    out = _sf_periodic_nb(fx, fy, dper, float(a)) if numba else _sf_periodic_np(fx, fy, dper, float(a))
    return out.reshape(kx.shape)


def cic_window(k, h: float) -> np.ndarray:
    """Per-axis cloud-in-cell window sinc^2(k h / 2 pi) (np.sinc = sin(pi x) / (pi x))."""
    return np.sinc(np.asarray(k, dtype=float) * h / (2.0 * np.pi)) ** 2


def expected_fraunhofer(kx, ky, sigma: float, a: float = 1.0, oversample: int = 4,
                        deconvolve: bool = True, n_alias: int = 2, n_periodic: int | None = None,
                        numba: bool = True) -> np.ndarray:
    """Expected :func:`fraunhofer` intensity of the isotropic paracrystal at (kx, ky):
    sum_{m in [-n_alias, n_alias]^2} W^2(k + m k_s) S(k + m k_s) [/ W^2(k) if deconvolve],
    k_s = 2 pi oversample / a, W the CIC window of both axes (aliasing of the CIC grid;
    the cross terms between aliases average out for a distorted lattice).  S is
    :func:`isotropic_structure_factor_2d`; with ``n_periodic`` the m = 0 term uses the exact
    :func:`periodic_structure_factor_2d` of the n_periodic x n_periodic simulation box (the
    aliases, ~10 % of the intensity at |k| ~ 2.5 x 2 pi / a for oversample = 8, keep the
    infinite-lattice S: their finite-size correction is negligible).
    """
    kx, ky = np.broadcast_arrays(np.asarray(kx, dtype=float), np.asarray(ky, dtype=float))
    h = a / oversample
    ks = 2.0 * np.pi / h
    out = np.zeros(kx.shape)
    for mx in range(-n_alias, n_alias + 1):
        for my in range(-n_alias, n_alias + 1):
            qx, qy = kx + mx * ks, ky + my * ks
            if n_periodic is None or mx or my:
                sf = isotropic_structure_factor_2d(qx, qy, sigma, a, numba=numba)
            else:
                sf = periodic_structure_factor_2d(qx, qy, sigma, n_periodic, a, numba=numba)
            out += (cic_window(qx, h) * cic_window(qy, h)) ** 2 * sf
    if deconvolve:
        out /= (cic_window(kx, h) * cic_window(ky, h)) ** 2
    return out


# ---------------------------------------------------------------- isotropy metrics (Fig. 1 k acceptance numbers)

def _mean_intensity(pattern) -> tuple[np.ndarray, np.ndarray]:
    """(k, I): a Pattern, or the average of a sequence of Patterns on the same k axis."""
    if isinstance(pattern, Pattern):
        return pattern.k, pattern.intensity
    pats = list(pattern)
    if not pats or any(p.k.shape != pats[0].k.shape or not np.allclose(p.k, pats[0].k) for p in pats):
        raise InputError(None, "pattern", "expected a Pattern or Patterns on one k axis")
    return pats[0].k, np.mean([p.intensity for p in pats], axis=0)


def ring_masks(k, k_ring: float, half_width: float, window_deg: float = 10.0):
    """Boolean masks (on_axis, off_axis) on the (ky, kx) grid of axis ``k``: pixels with
    | |k| - k_ring | <= half_width and polar angle within +-window_deg of 0/90/180/270 deg
    (on axis) or of 45/135/225/315 deg (off axis)."""
    kx, ky = k[None, :], k[:, None]
    ring = np.abs(np.hypot(kx, ky) - k_ring) <= half_width
    ang = np.degrees(np.arctan2(ky, kx)) % 90.0          # fold the four quadrants
    on = ring & ((ang <= window_deg) | (ang >= 90.0 - window_deg))
    off = ring & (np.abs(ang - 45.0) <= window_deg)
    return on, off


def ring_anisotropy(pattern, k_ring: float | None = None, a: float = 1.0,
                    half_width: float | None = None, window_deg: float = 1.0) -> float:
    """Mean intensity on the ring |k| = k_ring near the axes over that off axis.

    Ring | |k| - k_ring | <= half_width (default k_ring = 2.5 x 2 pi / a, half width
    0.05 x 2 pi / a); "near the axes": polar angle within +-window_deg of 0, 90, 180,
    270 deg; "off axis": within +-window_deg of 45, 135, 225, 315 deg (:func:`ring_masks`).
    Raw intensities (no background subtraction); ``pattern`` may be a sequence of
    Patterns (seeds) on one k axis, averaged first.

    The default window +-1 deg (+-0.044 x 2 pi / a at the default ring, ~11 pixels of the
    binned figure) is narrow because the streaks of the separable paracrystal are one
    pixel wide: their contrast is diluted ~ 1/window (sigma = 0.05, n = 256: ~30-140 at
    +-1 deg, ~1000 for the axis pixels alone), and at +-10 deg the off-axis wedge even
    crosses the k_x, k_y = +-2 x 2 pi / a streaks (at 36.9 / 53.1 deg), which gives ~1.2.
    The isotropic paracrystal gives ~0.7 for any window (spots of the square lattice,
    not streaks; :func:`isotropy_metrics` with ``expected=True`` gives the model value).
    """
    k, inten = _mean_intensity(pattern)
    k_ring = 2.5 * 2.0 * np.pi / a if k_ring is None else float(k_ring)
    half_width = 0.05 * 2.0 * np.pi / a if half_width is None else float(half_width)
    on, off = ring_masks(k, k_ring, half_width, window_deg)
    if not on.any() or not off.any():
        raise InputError(None, "k_ring", f"ring |k| = {k_ring} has no pixels in the pattern")
    return float(np.mean(inten[on]) / np.mean(inten[off]))


def _axis_cut(k, inten, g, axis, band, half_window):
    """Band-averaged cut through the spot at g = (gx, gy) along ``axis`` (0: kx, 1: ky):
    offsets q = k - g_axis (|q| <= half_window) and the intensity averaged over the
    pixels with |k_perp - g_perp| <= band (at least the nearest one)."""
    par, perp = (g[0], g[1]) if axis == 0 else (g[1], g[0])
    sel = np.nonzero(np.abs(k - par) <= half_window)[0]
    rows = np.nonzero(np.abs(k - perp) <= band)[0]
    if rows.size == 0:
        rows = np.array([np.argmin(np.abs(k - perp))])
    if sel.size < 5:
        raise InputError(None, "order", f"spot at {g} is not inside the pattern")
    sub = inten[np.ix_(rows, sel)] if axis == 0 else inten[np.ix_(sel, rows)].T
    return k[sel] - par, sub.mean(axis=0)


def _hwhm(q, prof, bg_frac=0.2):
    """HWHM of a peak profile: background = mean of the outer bg_frac of the window on both
    sides, maximum within the inner half of the window, half-maximum crossings found by
    walking outwards from the maximum (linear interpolation); mean of the two sides."""
    qmax = np.max(np.abs(q))
    bg = np.mean(prof[np.abs(q) >= (1.0 - bg_frac) * qmax])
    inner = np.nonzero(np.abs(q) <= 0.5 * qmax)[0]
    i0 = inner[np.argmax(prof[inner])]
    half = bg + 0.5 * (prof[i0] - bg)
    sides = []
    for step in (1, -1):
        i = i0
        while 0 <= i + step < q.size and prof[i + step] > half:
            i += step
        if not 0 <= i + step < q.size:
            return np.nan
        j = i + step
        t = (prof[i] - half) / (prof[i] - prof[j])
        sides.append(abs(q[i] + t * (q[j] - q[i]) - q[i0]))
    return 0.5 * (sides[0] + sides[1])


def spot_hwhm(pattern, order=(3, 0), a: float = 1.0, band: float | None = None,
              half_window: float | None = None, symmetrize: bool = True) -> tuple[float, float]:
    """(HWHM along k_x, HWHM along k_y) of the Bragg spot g = 2 pi order / a, in 1/a.

    Cuts through the spot along k_x and k_y, each averaged over a band |k_perp - g_perp|
    <= band (default 0.1 x 2 pi / a, ~ 2 HWHM of the isotropic (3, 0) spot: the band
    average widens both cuts of an isotropic spot alike and leaves the cuts of a separable
    spot unchanged, and it beats the speckle), within |q| <= half_window
    (default 0.5 x 2 pi / a, i.e. up to the midpoints to the neighbouring spots);
    background and half-maximum crossings as in :func:`_hwhm`.  ``symmetrize`` averages
    the cuts of the four spots related by 90 deg rotations (the k_x cut of g maps to the
    k_y cut of the rotated spot, with the outward direction kept) before the HWHM.
    ``pattern`` may be a sequence of Patterns (seeds) on one k axis.
    """
    k, inten = _mean_intensity(pattern)
    g = 2.0 * np.pi * np.asarray(order, dtype=float) / a
    band = 0.1 * 2.0 * np.pi / a if band is None else float(band)
    half_window = 0.5 * 2.0 * np.pi / a if half_window is None else float(half_window)
    q_ref, px = _axis_cut(k, inten, g, 0, band, half_window)
    _, py = _axis_cut(k, inten, g, 1, band, half_window)
    cuts_x, cuts_y = [px], [py]
    if symmetrize:
        gr = g.copy()
        for rot in (1, 2, 3):
            gr = np.array([-gr[1], gr[0]])           # 90 deg rotation R: e_x -> e_y, e_y -> -e_x
            # R^rot e_x, R^rot e_y as (axis, sign)
            ex, ey = [((1, 1), (0, -1)), ((0, -1), (1, -1)), ((1, -1), (0, 1))][rot - 1]
            for (ax, sgn), store in ((ex, cuts_x), (ey, cuts_y)):
                q, prof = _axis_cut(k, inten, gr, ax, band, half_window)
                q = sgn * q
                o = np.argsort(q)
                store.append(np.interp(q_ref, q[o], prof[o]))
    return (_hwhm(q_ref, np.mean(cuts_x, axis=0)), _hwhm(q_ref, np.mean(cuts_y, axis=0)))


def spot_width_ratio(pattern, order=(3, 0), a: float = 1.0, **kw) -> float:
    """HWHM along k_y / HWHM along k_x of the spot ``order`` (:func:`spot_hwhm`); ~1 for
    the isotropic paracrystal, << 1 for the separable one (resolution-limited along k_y)."""
    hx, hy = spot_hwhm(pattern, order, a, **kw)
    return float(hy / hx)


def _spot_cut_mask(k, order, a, band, half_window):
    """Pixels used by :func:`spot_hwhm` (the two cuts of the four rotated spots; band at
    least one pixel)."""
    band = max(band, float(np.min(np.diff(k))))
    kx, ky = k[None, :], k[:, None]
    g = 2.0 * np.pi * np.asarray(order, dtype=float) / a
    mask = np.zeros((k.size, k.size), dtype=bool)
    for _ in range(4):
        near_x, near_y = np.abs(kx - g[0]) <= half_window, np.abs(ky - g[1]) <= half_window
        mask |= (near_x & (np.abs(ky - g[1]) <= band + 1e-12)) | (near_y & (np.abs(kx - g[0]) <= band + 1e-12))
        g = np.array([-g[1], g[0]])
    return mask


def isotropy_metrics(n: int = 256, sigma: float = 0.05, mode: str = "isotropic", seeds=(0, 1, 2, 3),
                     a: float = 1.0, oversample: int = 8, k_max_orders: float = 3.5, bin_: int = 2,
                     order=(3, 0), workers: int = 1, expected: bool = False) -> dict:
    """The Fig. 1 k acceptance numbers: :func:`ring_anisotropy` and :func:`spot_width_ratio`
    (defaults of both) of ``crop_and_bin(fraunhofer(paracrystal_2d(n, sigma, seed=s, mode=mode),
    oversample, deconvolve=True), k_max_orders x 2 pi / a, bin_)`` averaged over ``seeds``,
    each single seed's values too, and with ``expected=True`` (isotropic mode) the same
    metrics of :func:`expected_fraunhofer` (infinite lattice, evaluated at the binned pixel
    centres on the pixels the metrics use).
    """
    pats = []
    for s in seeds:
        r = paracrystal_2d(n, sigma, a, seed=int(s), mode=mode)
        pats.append(crop_and_bin(fraunhofer(r, a, oversample, workers=workers, deconvolve=True),
                                 k_max_orders * 2.0 * np.pi / a, bin_))
    hx, hy = spot_hwhm(pats, order, a)
    out = dict(ring_anisotropy=ring_anisotropy(pats, a=a), spot_width_ratio=float(hy / hx),
               spot_hwhm_x=float(hx), spot_hwhm_y=float(hy), n_seeds=len(pats),
               ring_anisotropy_single=[ring_anisotropy(p, a=a) for p in pats],
               spot_width_ratio_single=[spot_width_ratio(p, order, a) for p in pats])
    if expected:
        k = pats[0].k
        on, off = ring_masks(k, 2.5 * 2.0 * np.pi / a, 0.05 * 2.0 * np.pi / a, 1.0)
        need = on | off | _spot_cut_mask(k, order, a, 0.1 * 2.0 * np.pi / a, 0.5 * 2.0 * np.pi / a)
        kx, ky = np.meshgrid(k, k)
        inten = np.full(kx.shape, np.nan)
        inten[need] = expected_fraunhofer(kx[need], ky[need], sigma, a, oversample)
        ep = Pattern(k, inten)
        ehx, ehy = spot_hwhm(ep, order, a)
        out.update(expected_ring_anisotropy=ring_anisotropy(ep, a=a), expected_spot_width_ratio=float(ehy / ehx),
                   expected_spot_hwhm_x=float(ehx), expected_spot_hwhm_y=float(ehy))
    return out
