"""Distorted-lattice Eliashberg function and Lifshitz resonance (paper 000,
Eqs. 4-8, B2-B7, Fig. 5 g)."""
import numpy as np
import pytest
from scipy.integrate import quad

from scimodel.defectal import spectral as sp
from scimodel.errors import InputError

KF_A0 = 1.4


@pytest.mark.parametrize("L", [0.5, 3.0, 40.0])
@pytest.mark.parametrize("s", [0.0, 0.7, 1.9, 2.5, 6.0])
def test_b7_bracket_is_the_integrated_lorentzian(L, s):
    """Eq. B7 = L Int_0^2 dQ Q / (1 + L^2 (Q - s)^2) (the Q integral of Eq. B4-B5)."""
    val, _ = quad(lambda q: L * q / (1 + L**2 * (q - s) ** 2), 0, 2, points=[min(max(s, 0), 2)],
                  epsabs=1e-13, epsrel=1e-12)
    assert sp.d_bracket(s, L) == pytest.approx(val, rel=1e-8, abs=1e-12)


def test_b7_clean_limit_is_linear():
    s = np.array([0.1, 0.5, 1.5])
    np.testing.assert_allclose(sp.d_bracket(s, 1e7), np.pi * s, rtol=1e-5)
    np.testing.assert_allclose(sp.d_bracket(s, np.inf), np.pi * s)
    assert sp.d_bracket(3.0, np.inf) == 0.0


def test_low_frequency_exponent_clean_is_two():
    x = np.geomspace(1e-3, 2.0, 600)
    a2f, _ = sp.alpha2f(x, 1e3, KF_A0)
    assert sp.loglog_slope(x, a2f, 0.05, 0.3) == pytest.approx(2.0, abs=0.1)


def test_low_frequency_exponent_amorphous_is_one():
    x = np.geomspace(1e-4, 2.0, 600)
    a2f, _ = sp.alpha2f(x, KF_A0, KF_A0)          # l = a0
    assert sp.loglog_slope(x, a2f, 0.003, 0.03) == pytest.approx(1.0, abs=0.1)


def test_spectral_weight_moves_to_low_frequency_as_l_decreases():
    x = np.linspace(1e-4, 0.3, 400)
    w = [np.trapezoid(sp.alpha2f(x, L, KF_A0)[0], x) for L in (np.inf, 1e3, 100, 30, 10, 3)]
    assert np.all(np.diff(w) > 0)


def test_pristine_normalisation():
    """C fixes lambda of the l = inf spectrum on its normal-process part (x < 2)."""
    x = np.linspace(1e-6, 2.0 - 1e-9, 20001)
    a2f, _ = sp.alpha2f(x, np.inf, KF_A0, lambda_norm=0.7)    # 2 k_F < |g| - x: no umklapp below x = 2
    assert 2 * np.trapezoid(a2f / x, x) == pytest.approx(0.7, rel=1e-4)


def test_d_sum_twin():
    x = np.linspace(1e-3, 2.7, 301)
    for L in (np.inf, 50.0, 2.0):
        np.testing.assert_allclose(sp.d_sum(x, L, KF_A0, 4), sp.d_sum(x, L, KF_A0, 4, numba=False),
                                   rtol=1e-10, atol=1e-14)


def test_lifshitz_resonance_heavy_limit():
    wd = 20.0
    wr, gam = sp.resonance(2000.0, wd)
    wr0, gam0 = sp.resonance(2000.0, wd, exact=False)
    assert wr == pytest.approx(wr0, rel=1e-3)
    assert gam == pytest.approx(gam0, rel=1e-2)
    # phase shift through pi/2 at w_R, Lorentzian slope 2/Gamma (Eqs. 5-6)
    assert sp.phase_shift(wr, 2000.0, wd) == pytest.approx(np.pi / 2, abs=1e-8)
    h = 1e-4 * gam
    dphi = (sp.phase_shift(wr + h, 2000.0, wd) - sp.phase_shift(wr - h, 2000.0, wd)) / (2 * h)
    assert dphi == pytest.approx(2.0 / gam, rel=1e-3)


def test_heavier_scatterer_lower_and_sharper():
    r1 = sp.resonance(50.0, 10.0)
    r2 = sp.resonance(500.0, 10.0)
    assert r2[0] < r1[0] and r2[1] < r1[1]
    with pytest.raises(InputError):
        sp.resonance(0.1, 10.0)


def test_resonance_term_weight_and_low_frequency_law():
    x = np.linspace(1e-5, 2.78, 40001)
    a2f, parts = sp.alpha2f(x, 10.0, KF_A0, eps=300.0, resonance_weight=0.5)
    area_inf = 1.0 / (4 * np.pi) * np.pi * 8 / 3
    assert np.trapezoid(parts["resonance"], x) == pytest.approx(0.5 * area_inf / 10.0, rel=1e-6)
    assert sp.loglog_slope(x, parts["resonance"], 1e-4, 1e-3) == pytest.approx(1.0, abs=0.02)
    assert x[np.argmax(parts["resonance"])] == pytest.approx(parts["x_r"], rel=0.02)
