"""Isotropic cumulative 2D paracrystal (Fig. 1 j,k of paper 000): displacement field
normalisation, expected pattern (Poisson-summed vs direct lattice sum), simulation vs
expectation within statistical error, and the isotropy metrics (ring anisotropy, (3, 0)
spot width ratio) that separate the halo of the isotropic model from the streaks of the
separable (product) paracrystal."""
import numpy as np
import pytest

from scimodel.defectal import diffraction as dif
from scimodel.defectal import isotropy as isot
from scimodel.errors import InputError

TWO_PI = 2 * np.pi


def _min_image(n):
    i = np.arange(n)
    return np.where(2 * i <= n, i, i - n)


# ---------------------------------------------------------------- construction

def test_isotropic_is_default_seeded_periodic_and_exact_at_sigma_zero():
    n = 32
    r1 = dif.paracrystal_2d(n, 0.05, seed=3)
    assert np.array_equal(r1, dif.paracrystal_2d(n, 0.05, seed=3, mode="isotropic"))
    assert not np.array_equal(r1, dif.paracrystal_2d(n, 0.05, seed=4))
    ij = np.arange(n, dtype=float)
    u = r1 - np.stack(np.broadcast_arrays(ij[None, :], ij[:, None]), axis=-1)
    # k = 0 mode dropped: no net translation; non-separable: x varies along columns too
    np.testing.assert_allclose(u.mean(axis=(0, 1)), 0.0, atol=1e-12)
    assert np.std(u[:, 0, 0]) > 0.01 and np.std(u[0, :, 1]) > 0.01
    r0 = dif.paracrystal_2d(n, 0.0, a=1.3, seed=5)
    assert np.array_equal(r0[..., 0], np.broadcast_to(1.3 * ij[None, :], (n, n)))
    assert np.array_equal(r0[..., 1], np.broadcast_to(1.3 * ij[:, None], (n, n)))
    # the pattern of a seeded configuration is reproducible too
    p1 = dif.fraunhofer(r1, oversample=4)
    p2 = dif.fraunhofer(dif.paracrystal_2d(n, 0.05, seed=3), oversample=4)
    assert np.array_equal(p1.intensity, p2.intensity)


def test_spectrum_normalisation_small_k():
    """The g = 0 term of the lattice spectrum is pi (k a)^-3 (C = pi sigma^2 a): at the
    smallest k of a large lattice the aliases are negligible."""
    n = 256
    s = dif.displacement_spectrum(n)
    ka = TWO_PI / n
    assert s[0, 1] * ka**3 / np.pi == pytest.approx(1.0, abs=1e-5)
    assert s[1, 0] == pytest.approx(s[0, 1], rel=1e-12)
    assert s[0, 0] == 0.0
    # converged in the number of images
    np.testing.assert_allclose(dif.displacement_spectrum(64, 4), dif.displacement_spectrum(64, 8), rtol=2e-5)


@pytest.mark.parametrize("n", [64, 256])
def test_structure_function_is_sigma2_a_R(n):
    """D(R) = sigma^2 a |R| (1 - |R| / (n a) + delta), 0 <= delta <= 0.012, for 1 <= |R|/a <= n/4
    (docstring); exact as n -> infinity."""
    sigma, a = 0.07, 1.7
    d = dif.displacement_structure_function(n, sigma, a)
    ii = _min_image(n)
    rr = np.hypot(ii[None, :], ii[:, None])
    m = (rr >= 1) & (rr <= n / 4)
    ratio = d[m] / (sigma**2 * a * a * rr[m])
    delta = ratio - (1 - rr[m] / n)
    assert delta.min() >= 0.0 and delta.max() <= 0.012
    assert ratio.max() == pytest.approx(1 - 1 / n, abs=0.05 / n)
    # isotropy: (3, 4) and (5, 0) have the same |R|
    assert d[4, 3] == pytest.approx(d[0, 5], rel=0.01)
    assert d[3, 4] == pytest.approx(d[4, 3], rel=1e-12)


def test_sampled_displacements_match_structure_function():
    """Empirical <(u_R - u_0)_c^2> over sites and seeds agrees with D(R) within the seed
    scatter for both components; the components are uncorrelated.  (One field gives
    strongly skewed, R-correlated estimates at large R: many seeds.)"""
    n, sigma, seeds = 64, 0.05, 200
    d_th = dif.displacement_structure_function(n, sigma)
    vecs = [(1, 0), (0, 1), (1, 1), (3, 2), (8, 0), (16, 16)]
    est = np.empty((seeds, len(vecs), 2))
    cross = np.empty((seeds, len(vecs)))
    for s in range(seeds):
        u = dif.isotropic_displacements(n, sigma, seed=100 + s)
        for v, (rx, ry) in enumerate(vecs):
            du = np.roll(u, (-ry, -rx), axis=(1, 2)) - u
            est[s, v] = (du**2).mean(axis=(1, 2))
            cross[s, v] = (du[0] * du[1]).mean()
    mean = est.mean(axis=0)
    se = est.std(axis=0, ddof=1) / np.sqrt(seeds)
    th = np.array([d_th[ry, rx] for rx, ry in vecs])
    z = (mean - th[:, None]) / se
    assert np.all(np.abs(z) < 4), z
    np.testing.assert_allclose(mean[:3], np.repeat(th[:3, None], 2, axis=1), rtol=0.01)
    zc = cross.mean(axis=0) / (cross.std(axis=0, ddof=1) / np.sqrt(seeds))
    assert np.all(np.abs(zc) < 4)


# ---------------------------------------------------------------- expected pattern

def test_poisson_sum_equals_direct_lattice_sum():
    rng = np.random.default_rng(7)
    kx = rng.uniform(-4, 4, 10) * TWO_PI
    ky = rng.uniform(-4, 4, 10) * TWO_PI
    for sigma, a in ((0.1, 1.0), (0.2, 1.0), (0.12, 1.4)):
        kap = 0.5 * sigma**2 * a * (kx**2 + ky**2)
        ok = kap * a > 0.3                       # direct sum affordable there
        assert ok.sum() >= 6
        p = isot.isotropic_structure_factor_2d(kx[ok], ky[ok], sigma, a)
        d = isot.isotropic_structure_factor_2d(kx[ok], ky[ok], sigma, a, method="direct")
        np.testing.assert_allclose(p, d, rtol=5e-5)
    # convergence in the number of reciprocal vectors summed explicitly
    p4 = isot.isotropic_structure_factor_2d(kx, ky, 0.05)
    p8 = isot.isotropic_structure_factor_2d(kx, ky, 0.05, m_box=8)
    np.testing.assert_allclose(p4, p8, rtol=2e-5)


def test_structure_factor_spot_shape_and_halo():
    """Spot g: height 2 pi / kappa^2, isotropic (kappa^2 + q^2)^(-3/2) shape; kappa a >> 1:
    incoherent limit S -> 1 (halo)."""
    sigma, a = 0.02, 1.0
    g = np.array([2.0, 1.0]) * TWO_PI
    kap = 0.5 * sigma**2 * a * (g @ g)
    s0 = isot.isotropic_structure_factor_2d(g[0], g[1], sigma, a)
    assert s0 == pytest.approx(TWO_PI / (kap**2 * a * a), rel=2e-3)
    q = 0.766 * kap                               # HWHM of the isotropic shape
    u = g / np.linalg.norm(g)
    t = np.array([-u[1], u[0]])
    s_rad = isot.isotropic_structure_factor_2d(*(g + q * u), sigma, a)
    s_tan = isot.isotropic_structure_factor_2d(*(g + q * t), sigma, a)
    assert s_tan / s0 == pytest.approx(0.5, abs=0.01)
    assert s_rad / s0 == pytest.approx(0.5, abs=0.02)   # kappa grows outwards: slightly asymmetric
    far = isot.isotropic_structure_factor_2d(np.array([40.0, 53.0]) * TWO_PI, 0.0, 0.05)
    np.testing.assert_allclose(far, 1.0, atol=2e-3)
    assert np.isinf(isot.isotropic_structure_factor_2d(0.0, 0.0, 0.05))
    assert isot.isotropic_structure_factor_2d(0.5 * TWO_PI, 0.0, 0.0) == 0.0


def test_periodic_expectation_tends_to_infinite_lattice():
    """Exact expectation of the periodic n x n box vs the infinite-lattice S in the halo:
    the finite-size difference shrinks like 1 / n."""
    sigma = 0.05
    rng = np.random.default_rng(3)
    diffs = []
    rad = rng.uniform(2.0, 3.5, 16)
    ang = rng.uniform(0, 2 * np.pi, 16)
    for n in (64, 128, 256):
        kx = TWO_PI * np.round(n * rad * np.cos(ang)) / n     # grid points of the n x n box
        ky = TWO_PI * np.round(n * rad * np.sin(ang)) / n
        per = isot.periodic_structure_factor_2d(kx, ky, sigma, n)
        inf = isot.isotropic_structure_factor_2d(kx, ky, sigma)
        diffs.append(np.mean(np.abs(per / inf - 1)))
    assert diffs[2] < 0.5 * diffs[1] * 1.2 and diffs[1] < 0.5 * diffs[0] * 1.2
    assert diffs[2] < 0.005


def test_expected_fraunhofer_aliasing():
    sigma = 0.05
    k = np.array([0.7, 1.9, 2.5, 3.3]) * TWO_PI
    s = isot.isotropic_structure_factor_2d(k, 0.4 * k, sigma)
    fine = isot.expected_fraunhofer(k, 0.4 * k, sigma, oversample=64)
    np.testing.assert_allclose(fine, s, rtol=2e-3)
    coarse = isot.expected_fraunhofer(k, 0.4 * k, sigma, oversample=8)
    assert np.all(coarse > s)                      # aliases add intensity
    raw = isot.expected_fraunhofer(k, 0.4 * k, sigma, oversample=8, deconvolve=False)
    w = (isot.cic_window(k, 1 / 8) * isot.cic_window(0.4 * k, 1 / 8)) ** 2
    np.testing.assert_allclose(raw, coarse * w, rtol=1e-12)


# ---------------------------------------------------------------- simulation vs expectation

def _sector_z(pats, sel, expect, kr, edges, n_sectors=8):
    """z of <I_sim / I_exp> - 1 per annulus: ratios of sector means (n_sectors angular
    sectors of the upper half plane, every seed) and their scatter."""
    kx, ky = np.meshgrid(pats[0].k, pats[0].k)
    ang = np.arctan2(ky[sel], kx[sel])
    sec = np.minimum((ang / np.pi * n_sectors).astype(int), n_sectors - 1)
    b = np.digitize(kr, edges) - 1
    inten = np.array([p.intensity[sel] for p in pats])
    z = []
    for i in range(len(edges) - 1):
        q = np.ravel([inten[:, (b == i) & (sec == s)].mean(axis=1) / expect[(b == i) & (sec == s)].mean()
                      for s in range(n_sectors)])
        z.append((q.mean() - 1) / (q.std(ddof=1) / np.sqrt(q.size)))
    return np.array(z)


def test_simulation_matches_exact_periodic_expectation():
    """n = 64 box, 16 seeds, annuli 0.5-3.5 x 2 pi / a (first orders included): the
    Fraunhofer pattern agrees with the exact expectation of the periodic box (CIC aliases
    included) within the statistical error."""
    n, sigma, os_ = 64, 0.05, 8
    pats = [dif.fraunhofer(dif.paracrystal_2d(n, sigma, seed=500 + s), oversample=os_) for s in range(16)]
    kx, ky = np.meshgrid(pats[0].k, pats[0].k)
    kr = np.hypot(kx, ky) / TWO_PI
    sub = np.zeros(kr.shape, dtype=bool)
    sub[::2, ::2] = True
    sel = sub & (ky > 0) & (kr >= 0.5) & (kr < 3.5)
    expect = isot.expected_fraunhofer(kx[sel], ky[sel], sigma, oversample=os_, n_alias=2, n_periodic=n)
    z = _sector_z(pats, sel, expect, kr[sel], np.arange(0.5, 3.51, 0.25))
    assert np.all(np.abs(z) < 4), z
    assert np.mean(z**2) < 2.5, z


def test_figure_pattern_matches_infinite_lattice_halo():
    """Figure set-up (n = 256, sigma = 0.05, oversample 8, deconvolved), 4 seeds: annular
    averages over 2-3.5 x 2 pi / a agree with the infinite-lattice S(p)
    (:func:`isotropic_structure_factor_2d` + CIC aliases) within the statistical error."""
    n, sigma, os_ = 256, 0.05, 8
    pats = [dif.fraunhofer(dif.paracrystal_2d(n, sigma, seed=s), oversample=os_) for s in range(4)]
    kx, ky = np.meshgrid(pats[0].k, pats[0].k)
    kr = np.hypot(kx, ky) / TWO_PI
    sub = np.zeros(kr.shape, dtype=bool)
    sub[::4, ::4] = True
    sel = sub & (ky > 0) & (kr >= 2.0) & (kr < 3.5)
    expect = isot.expected_fraunhofer(kx[sel], ky[sel], sigma, oversample=os_, n_alias=2)
    z = _sector_z(pats, sel, expect, kr[sel], np.arange(2.0, 3.51, 0.25))
    assert np.all(np.abs(z) < 4), z
    assert np.mean(z**2) < 3, z


# ---------------------------------------------------------------- isotropy metrics

def test_metrics_on_synthetic_spots():
    """An isotropic synthetic spot gives ratio 1 and the input HWHM; an anisotropic one its
    width ratio; a radial-only pattern gives ring ratio 1."""
    k = np.linspace(-3.5, 3.5, 701) * TWO_PI
    kx, ky = np.meshgrid(k, k)
    iso = 1.0 + 1.0 / (1 + (kx**2 + ky**2) / 4.0)
    assert isot.ring_anisotropy(dif.Pattern(k, iso)) == pytest.approx(1.0, abs=1e-3)
    for gx, gy in ((0.3, 0.3), (0.3, 0.15)):
        inten = np.full(kx.shape, 0.2)
        g = 3 * TWO_PI
        for cx, cy, wx, wy in ((g, 0, gx, gy), (-g, 0, gx, gy), (0, g, gy, gx), (0, -g, gy, gx)):
            inten += 50.0 / (1 + ((kx - cx) / wx) ** 2 + ((ky - cy) / wy) ** 2) ** 1.5
        hx, hy = isot.spot_hwhm(dif.Pattern(k, inten), band=0.0)
        assert hx == pytest.approx(0.766 * gx, rel=0.03)
        assert hy / hx == pytest.approx(gy / gx, rel=0.03)
        # band averaging widens both cuts of an isotropic spot alike
        assert isot.spot_width_ratio(dif.Pattern(k, inten)) == pytest.approx(gy / gx, rel=0.1)


@pytest.fixture(scope="module")
def metrics():
    out = {mode: isot.isotropy_metrics(256, 0.05, mode=mode, seeds=(0, 1, 2, 3), expected=(mode == "isotropic"))
           for mode in ("isotropic", "product")}
    return out


def test_isotropic_paracrystal_gives_a_halo(metrics):
    m = metrics["isotropic"]
    assert m["ring_anisotropy"] < 2.0
    assert 0.8 <= m["spot_width_ratio"] <= 1.25
    # and both agree with the model within their statistical scatter
    assert m["ring_anisotropy"] == pytest.approx(m["expected_ring_anisotropy"], rel=0.1)
    assert m["expected_spot_width_ratio"] == pytest.approx(1.0, abs=0.01)
    assert m["spot_width_ratio"] == pytest.approx(m["expected_spot_width_ratio"], abs=0.12)
    assert max(m["ring_anisotropy_single"]) < 2.0


def test_separable_paracrystal_gives_streaks(metrics):
    """The product mode fails both criteria (the tests can fail)."""
    m = metrics["product"]
    assert m["ring_anisotropy"] > 10.0
    assert min(m["ring_anisotropy_single"]) > 10.0
    assert m["spot_width_ratio"] < 0.5
    assert max(m["spot_width_ratio_single"]) < 0.8


# ---------------------------------------------------------------- twins and inputs

def test_structure_factor_kernel_twins():
    rng = np.random.default_rng(11)
    kx = rng.uniform(-5, 5, 40) * TWO_PI
    ky = rng.uniform(-5, 5, 40) * TWO_PI
    kx[0], ky[0] = 2 * TWO_PI, -TWO_PI               # exactly on a spot
    for sigma in (0.0, 0.03, 0.2):
        nb = isot.isotropic_structure_factor_2d(kx, ky, sigma, 1.2)
        npy = isot.isotropic_structure_factor_2d(kx, ky, sigma, 1.2, numba=False)
        np.testing.assert_allclose(nb, npy, rtol=1e-12)
    sel = slice(1, 6)
    d_nb = isot.isotropic_structure_factor_2d(kx[sel], ky[sel], 0.2, method="direct")
    d_np = isot.isotropic_structure_factor_2d(kx[sel], ky[sel], 0.2, method="direct", numba=False)
    np.testing.assert_allclose(d_nb, d_np, rtol=1e-10)
    n = 24
    m = rng.integers(-3 * n, 3 * n, size=(2, 15))
    p_nb = isot.periodic_structure_factor_2d(TWO_PI * m[0] / n, TWO_PI * m[1] / n, 0.05, n)
    p_np = isot.periodic_structure_factor_2d(TWO_PI * m[0] / n, TWO_PI * m[1] / n, 0.05, n, numba=False)
    np.testing.assert_allclose(p_nb, p_np, rtol=1e-10, atol=1e-12)


def test_bad_inputs_isotropic():
    with pytest.raises(InputError):
        dif.paracrystal_2d(8, 0.05, mode="hexagonal")
    with pytest.raises(InputError):
        dif.paracrystal_2d(8, -0.05)
    with pytest.raises(InputError):
        isot.isotropic_structure_factor_2d(1.0, 1.0, -0.1)
    with pytest.raises(InputError):
        isot.isotropic_structure_factor_2d(1.0, 1.0, 0.1, method="ewald")
    with pytest.raises(InputError):
        isot.isotropic_structure_factor_2d(0.0, 0.0, 0.1, method="direct")
    with pytest.raises(InputError):
        isot.spot_hwhm(dif.Pattern(np.linspace(-1, 1, 11), np.ones((11, 11))), order=(3, 0))
