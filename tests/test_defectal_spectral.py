"""Distorted-lattice Eliashberg function and Lifshitz resonance (paper 000,
Eqs. 4-8, B2-B7, Fig. 5 g)."""
import math

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


@pytest.mark.parametrize("kf_a0", [1.4, 3.09])
def test_d_sum_twin(kf_a0):
    """Numba kernel = NumPy twin, including x = 0, x -> 0 and the umklapp kinks."""
    x = np.concatenate([[0.0, 1e-12, 1e-7], np.linspace(1e-3, 3.0, 3001)])
    for L in (np.inf, 1e4, 100.0, 50.0, 10.0, 2.0, 0.5):
        a = sp.d_sum(x, L, kf_a0, 4)
        assert np.all(np.isfinite(a))
        np.testing.assert_allclose(a, sp.d_sum(x, L, kf_a0, 4, numba=False), rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- direction average of Eq. B7

def _d_scalar(s, L):
    """d_L(s) of Eq. B7 with math functions (independent of the module's kernels)."""
    if math.isinf(L):
        return math.pi * s if s < 2.0 else 0.0
    return (math.log((1 + L * L * (s - 2) ** 2) / (1 + L * L * s * s))
            - 2 * L * s * (math.atan(L * (s - 2)) - math.atan(L * s))) / (2 * L)


def _shell_quad(x, G, L):
    """Brute force: (1/2) Int_{-1}^{1} d_L(|x e + G ghat|) dmu, adaptive, breakpoint where s = 2."""
    if x == 0.0:
        return _d_scalar(G, L)
    mu2 = (4.0 - x * x - G * G) / (2.0 * x * G)
    val, _ = quad(lambda mu: _d_scalar(math.sqrt(max(x * x + G * G + 2 * x * G * mu, 0.0)), L), -1.0, 1.0,
                  points=[mu2] if -1.0 < mu2 < 1.0 else None, limit=400, epsabs=1e-13, epsrel=1e-11)
    return 0.5 * val


def _d_sum_quad(x, L, kf_a0, m2_max=3):
    gs, mult = sp.shells(m2_max, kf_a0)
    return np.array([_d_scalar(xi, L) + sum(c * _shell_quad(xi, G, L) for G, c in zip(gs, mult)) for xi in x])


def _d_sum_clean(x, kf_a0, m2_max=3):
    """L = inf closed form: pi x (x < 2) + sum_g mult pi [min(2, G + x)^3 - |G - x|^3] / (6 x G)."""
    gs, mult = sp.shells(m2_max, kf_a0)
    x = np.asarray(x, dtype=float)
    out = np.where(x < 2.0, np.pi * x, 0.0)
    xs = np.where(x > 0, x, 1.0)
    for G, c in zip(gs, mult):
        a = np.abs(G - x)
        term = np.where(a < 2.0, np.pi * (np.minimum(2.0, G + x) ** 3 - a**3) / (6.0 * xs * G), 0.0)
        out = out + c * np.where(x > 0, term, np.pi * G * (G < 2.0))
    return out, gs


def _kinks(gs):
    """Where the L = inf sum has a jump (x = 2, g = 0) or a slope discontinuity (|G -+ x| = 2)."""
    return np.array([2.0] + [k for G in gs for k in (G - 2.0, 2.0 - G, G + 2.0)])


@pytest.mark.parametrize("L", [0.5, 10.0, 1e4, np.inf])
@pytest.mark.parametrize("G", [1.05, 2.0334, 4.488])
@pytest.mark.parametrize("x", [0.0, 1e-9, 1e-4, 0.03, 0.5, 1.0, 2.0, 2.4882, 2.6, 4.0])
def test_shell_average_is_the_direction_average(x, G, L):
    """Exact 1-D reduction vs adaptive quadrature over mu (x < G, x > G, x -> 0, at the kinks)."""
    ref = _shell_quad(x, G, L)
    assert sp.shell_average(x, G, L) == pytest.approx(ref, rel=1e-8, abs=1e-13)
    assert sp._shell_avg_nb(x, G, L) == pytest.approx(ref, rel=1e-8, abs=1e-13)


@pytest.mark.parametrize("numba", [True, False])
@pytest.mark.parametrize("kf_a0", [1.4, 3.09])
def test_d_sum_clean_limit_closed_form(kf_a0, numba):
    """L = inf: d_sum = closed form at every x in [0, x_D] (required 0.5 %, asserted 1e-9)."""
    x = np.linspace(0.0, sp.QD_A0_SC / kf_a0, 4001)
    ref, _ = _d_sum_clean(x, kf_a0)
    np.testing.assert_allclose(sp.d_sum(x, np.inf, kf_a0, 3, numba=numba), ref, rtol=1e-9, atol=1e-12)


def _near_clean(val, ref, x, gs, L):
    """0.5 % of the L = inf curve, away (100/L) from its kinks, with an absolute floor of
    0.5 % of the curve maximum where the clean value is ~0 (finite-L Lorentzian tails)."""
    far = np.min(np.abs(x[:, None] - _kinks(gs)[None, :]), axis=1) > 100.0 / L
    ok = np.abs(val - ref) <= 5e-3 * np.abs(ref) + 5e-3 * np.max(np.abs(ref))
    return bool(np.all(ok[far])), far


@pytest.mark.parametrize("kf_a0", [1.4, 3.09])
def test_d_sum_large_l_approaches_clean_limit(kf_a0):
    """k_F l = 1e4 follows the L = inf closed form, also above the umklapp onset
    (x > G_1 - 2 = 2.488 for kf_a0 = 1.4), where the former 64-node Gauss-Legendre rule
    in mu produced a staircase (up to ~90 % off); that rule must fail the same check."""
    L = 1e4
    x = np.linspace(0.0, sp.QD_A0_SC / kf_a0, 6001)
    ref, gs = _d_sum_clean(x, kf_a0)
    ok, far = _near_clean(sp.d_sum(x, L, kf_a0, 3), ref, x, gs, L)
    assert ok and far.sum() > 0.9 * x.size
    if kf_a0 == 1.4:
        assert not _near_clean(sp.d_sum(x, L, kf_a0, 3, n_mu=64), ref, x, gs, L)[0]


@pytest.mark.parametrize("L", [100.0, 10.0])
@pytest.mark.parametrize("kf_a0", [1.4, 3.09])
def test_d_sum_matches_brute_force(kf_a0, L):
    """Finite k_F l: d_sum vs adaptive quadrature over mu (required 0.5 %, asserted 1e-7),
    on a grid over [0, x_D] plus points at and around the kinks."""
    gs, _ = sp.shells(3, kf_a0)
    x_d = sp.QD_A0_SC / kf_a0
    k = _kinks(gs)
    k = k[(k > 0) & (k < x_d)]
    x = np.unique(np.concatenate([np.linspace(0.0, x_d, 61), k, k + 1.0 / L, k - 1.0 / L, k + 3.0 / L]))
    x = x[(x >= 0) & (x <= x_d)]
    ref = _d_sum_quad(x, L, kf_a0)
    for numba in (True, False):
        np.testing.assert_allclose(sp.d_sum(x, L, kf_a0, 3, numba=numba), ref, rtol=1e-7)


def test_d_sum_umklapp_onset_large_l():
    """k_F l = 1e4 just above the first-shell umklapp onset, vs adaptive quadrature."""
    x = np.linspace(2.47, sp.QD_A0_SC / KF_A0, 25)
    np.testing.assert_allclose(sp.d_sum(x, 1e4, KF_A0, 3), _d_sum_quad(x, 1e4, KF_A0), rtol=1e-7)


def test_d_sum_small_x_limit():
    """x -> 0: the shell average tends to d_L(G); continuous through x = 0."""
    gs, mult = sp.shells(3, 3.09)
    x = np.array([0.0, 1e-10, 1e-7])
    for L in (np.inf, 1e4, 10.0):
        lim = float(np.sum(mult * sp.d_bracket(gs, L)))
        assert lim > 0 or np.isinf(L)
        for numba in (True, False):
            shells_part = sp.d_sum(x, L, 3.09, 3, numba=numba) - sp.d_bracket(x, L)
            np.testing.assert_allclose(shells_part, lim, rtol=1e-6, atol=1e-12)


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
