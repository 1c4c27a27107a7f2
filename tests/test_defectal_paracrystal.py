"""Paracrystal structure factor (paper 000, Eqs. 2, 3, A8-A10) and the
simulated diffraction (Fig. 1 j,k)."""
import numpy as np
import pytest

from scimodel.defectal import diffraction as dif
from scimodel.defectal import paracrystal as pc
from scimodel.errors import InputError


@pytest.mark.parametrize("sigma", [0.04, 0.02, 0.01])
def test_sigma_to_zero_gives_delta_comb(sigma):
    """Each Bragg peak carries unit weight (in x = a p / 2 pi) and the
    off-peak intensity vanishes ~ sigma^2 as sigma -> 0 (delta comb)."""
    a = 1.0
    for m in (1, 2):
        g = 2 * np.pi * m / a
        p = np.linspace(g - np.pi / a, g + np.pi / a, 400001)
        w = np.trapezoid(pc.line_profile(p, a, sigma), p) * a / (2 * np.pi)
        # tails of the Lorentzian outside +-half period carry ~ 2 hwhm / pi^2 ... of the weight
        assert w == pytest.approx(1.0, abs=3 * pc.peak_hwhm(m, a, sigma) * a)
    mid = pc.line_profile(np.array([np.pi / a]), a, sigma)[0]
    assert mid < 2.0 * (np.pi * sigma) ** 2
    assert mid > 0.0


def test_off_peak_intensity_scales_as_sigma_squared():
    x = np.array([0.5 * np.pi])
    s1 = pc.line_profile(x, 1.0, 0.01)[0]
    s2 = pc.line_profile(x, 1.0, 0.005)[0]
    assert s1 / s2 == pytest.approx(4.0, rel=1e-3)


@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_peak_heights_and_widths(m):
    """S_max = 1/(pi^2 sigma^2 m^2) (paper, a = 1 units) and width ~ pi^2 sigma^2 m^2 / a.

    The exact HWHM is twice the paper's delta p (factor-2 slip, see module doc)."""
    sigma, a = 0.015, 1.3
    h, hw = pc.measure_peak(m, a, sigma)
    assert h == pytest.approx(pc.peak_height(m, sigma), rel=0.01)
    assert hw == pytest.approx(pc.peak_hwhm(m, a, sigma), rel=0.02)
    assert hw / pc.peak_width_paper(m, a, sigma) == pytest.approx(2.0, rel=0.02)


def test_lorentzian_expansion_of_a8_near_peak():
    """Near a peak, Eq. A8 is the Lorentzian S_max / (1 + l_m^2 (p - g)^2) of Eq. A10."""
    sigma, a, m = 0.02, 1.0, 2
    g = 2 * np.pi * m / a
    hw = pc.peak_hwhm(m, a, sigma)
    dp = np.linspace(-3 * hw, 3 * hw, 61)
    exact = pc.line_profile(g + dp, a, sigma)
    lor = pc.peak_height(m, sigma) / (1 + (dp / hw) ** 2)
    np.testing.assert_allclose(exact, lor, rtol=0.06)


def test_lorentzian_expansion_3d_peak_value():
    ell = 50.0
    g, m2 = pc.reciprocal_vectors(2)
    for gi, mi in zip(g[:3], m2[:3]):
        val = pc.lorentzian_expansion(gi[None, :], ell, 2)[0]
        # the peak itself plus the far tails of the other peaks
        assert val == pytest.approx(ell / mi, rel=0.01)


def test_reciprocal_shell_multiplicities():
    _, m2 = pc.reciprocal_vectors(4)
    vals, counts = np.unique(m2, return_counts=True)
    assert dict(zip(vals.astype(int), counts)) == {1: 6, 2: 12, 3: 8, 4: 6}


def test_eq3_mapping():
    ell0 = pc.ell0_from_resistivities(1.0, 30.0)
    assert ell0 == pytest.approx(29.0)
    # amorphous limit l = a0 <-> rho = rho_am (delta rho / rho0 = rho_am/rho0 - 1)
    assert pc.drho_from_ell(1.0, ell0) == pytest.approx(29.0)
    x = np.array([0.1, 1.0, 7.0])
    np.testing.assert_allclose(pc.drho_from_ell(pc.ell_from_drho(x, ell0), ell0), x)
    assert np.isinf(pc.ell_from_drho(np.array([0.0]), ell0)[0])
    with pytest.raises(InputError):
        pc.ell0_from_resistivities(1.0, 0.5)


def test_ell_sigma_roundtrip():
    for paper in (False, True):
        assert pc.sigma_from_ell(pc.ell_from_sigma(0.03, paper=paper), paper=paper) == pytest.approx(0.03)
    assert pc.ell_from_sigma(0.03, paper=True) / pc.ell_from_sigma(0.03) == pytest.approx(2.0)


def test_finite_chain_tends_to_a8():
    p = np.linspace(0.3, 3.7, 200) * 2 * np.pi
    np.testing.assert_allclose(pc.finite_chain_profile(p, 200000, 1.0, 0.08),
                               pc.line_profile(p, 1.0, 0.08), rtol=2e-3)


def test_line_profile_twin():
    p = np.linspace(0.01, 30.0, 5001)
    np.testing.assert_allclose(pc.line_profile_nb(p, 1.1, 0.07), pc.line_profile(p, 1.1, 0.07),
                               rtol=1e-10)


# ---------------------------------------------------------------- simulated diffraction

def test_simulated_line_profile_matches_a8_within_error():
    n, sigma = 200, 0.08
    p = np.linspace(0.5, 3.5, 241) * 2 * np.pi
    prof = dif.simulated_line_profile(n, sigma, p, seed=11)
    for theory in (pc.finite_chain_profile(p, n, 1.0, sigma), pc.line_profile(p, 1.0, sigma)):
        z = (prof.mean - theory) / prof.stderr
        assert 0.6 < np.mean(z**2) < 1.5
        assert np.mean(np.abs(z) < 3) > 0.97


def test_simulation_is_seeded():
    r1 = dif.paracrystal_2d(16, 0.05, seed=3)
    r2 = dif.paracrystal_2d(16, 0.05, seed=3)
    r3 = dif.paracrystal_2d(16, 0.05, seed=4)
    assert np.array_equal(r1, r2)
    assert not np.array_equal(r1, r3)


def test_pristine_fraunhofer_is_delta_comb():
    n = 32
    r = dif.paracrystal_2d(n, 0.0)
    pat = dif.fraunhofer(r, oversample=4, deconvolve=False)
    k = pat.k
    i0 = np.argmin(np.abs(k))
    i1 = np.argmin(np.abs(k - 2 * np.pi))
    # coherent Bragg peaks of height N_sites at g = 0 and g = (2 pi / a, 0)
    assert pat.intensity[i0, i1] == pytest.approx(n * n, rel=1e-9)
    assert pat.intensity[i1, i1] == pytest.approx(n * n, rel=1e-9)
    ioff = np.argmin(np.abs(k - np.pi))
    assert pat.intensity[i0, ioff] < 1e-12 * n * n


def test_distorted_pattern_peaks_decay_with_order():
    r = dif.paracrystal_2d(128, 0.06, seed=2)
    pat = dif.fraunhofer(r, oversample=8)
    i0 = np.argmin(np.abs(pat.k))
    heights = []
    for m in (1, 2, 3):
        sel = np.abs(pat.k - 2 * np.pi * m) < 0.4
        heights.append(pat.intensity[np.ix_(sel, sel)].max())
    assert heights[0] > heights[1] > heights[2]
    assert pat.intensity[i0, i0] == pytest.approx(128 * 128, rel=0.05)


def test_cic_twin():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 10, size=(500, 2))
    np.testing.assert_allclose(dif.cic_deposit(xy, 0.25, 40), dif.cic_deposit(xy, 0.25, 40, numba=False),
                               rtol=1e-10, atol=1e-12)


def test_row_profiles_twin():
    rng = np.random.default_rng(1)
    x = np.cumsum(1 + 0.05 * rng.standard_normal((6, 50)), axis=1)
    p = np.linspace(0.1, 20, 77)
    np.testing.assert_allclose(dif.row_profiles(x, p), dif.row_profiles(x, p, numba=False), rtol=1e-10)


def test_bad_input():
    with pytest.raises(InputError):
        dif.paracrystal_2d(1, 0.1)
    with pytest.raises(InputError):
        pc.line_profile(np.ones(3), 1.0, -0.1)
