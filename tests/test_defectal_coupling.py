"""lambda_l, Tc(l) and the small-delta-rho laws (paper 000, Eqs. 14-20, 41)."""
import numpy as np
import pytest

from scimodel.defectal import coupling as cp
from scimodel.defectal import model
from scimodel.errors import InputError

WEAK = dict(lambda_inf=0.4, omega_E_inf_meV=20.0, omega_opt_meV=2.2, omega_c_meV=20.0,
            kF_l0=40.0, heavy_mass_ratio=300.0, omega_D_meV=25.0)
STRONG = dict(lambda_inf=1.2, omega_E_inf_meV=8.0, omega_opt_meV=12.0, omega_c_meV=8.0,
              kF_l0=5.0, heavy_mass_ratio=30.0, omega_D_meV=10.0)


def tc_of_drho(mc, drho):
    kf_l = mc.kF_l0 / np.asarray(drho, float)
    _, lam = model.lambda_of_kfl(mc, kf_l)
    return cp.tc_eq16(lam, mc.mu_star, mc.omega_c_meV)


def test_eq14_on_a_grid_matches_einstein_closed_form():
    w = np.linspace(0, 40, 400001)
    wid = 0.05
    a2f = np.exp(-0.5 * ((w - 10) / wid) ** 2) / (np.sqrt(2 * np.pi) * wid) * 3.0
    assert cp.lambda_opt(w, a2f, 4.0) == pytest.approx(cp.lambda_einstein(10.0, 3.0, 4.0), rel=1e-4)
    assert cp.lambda_standard(w, a2f) == pytest.approx(2 * 3.0 / 10.0, rel=1e-4)


def test_v_ee_maximal_at_omega_opt():
    x = np.linspace(0.05, 10, 20001)
    assert x[np.argmax(cp.v_ee_shape(x))] == pytest.approx(1.0, abs=1e-3)


def test_area_calibration():
    mc = model.MaterialClass.from_config("weak", WEAK, 0.1)
    assert cp.lambda_einstein(mc.omega_E_inf_meV, mc.area_meV, mc.omega_opt_meV) == pytest.approx(0.4)


def test_weak_class_tc_rises_strong_class_falls():
    weak = model.MaterialClass.from_config("weak", WEAK, 0.1)
    strong = model.MaterialClass.from_config("strong", STRONG, 0.1)
    d = np.linspace(0.05, 3.0, 30)
    assert np.all(np.diff(tc_of_drho(weak, d)) > 0)
    assert np.all(np.diff(tc_of_drho(strong, d)) < 0)


def test_eq19_slope_weak_class():
    """Numerical slope at delta rho -> 0 vs Eq. 19 (5 %) and vs the exact first order (1e-3)."""
    mc = model.MaterialClass.from_config("weak", WEAK, 0.1)
    tc0 = cp.tc_eq16(mc.lambda_inf, 0.1, mc.omega_c_meV)
    h = 1e-4
    # Richardson estimate from two one-sided points (Tc(0) is the l = inf value)
    s1 = (tc_of_drho(mc, [h])[0] / tc0 - 1) / h
    s2 = (tc_of_drho(mc, [2 * h])[0] / tc0 - 1) / (2 * h)
    slope = 2 * s1 - s2
    assert slope > 0
    assert slope == pytest.approx(cp.slope_eq19(0.4, 0.1, 40.0), rel=0.05)
    assert slope == pytest.approx(cp.slope_exact(0.4, 0.1, 40.0, 20.0, 2.2, mc.omega_R_meV), rel=1e-3)


def test_eq19_is_the_small_mu_large_omega_limit():
    """Eq. 19 as printed is exact for mu* -> 0, omega_E(inf)/omega_opt -> inf, omega_R -> 0."""
    assert cp.slope_exact(0.4, 1e-6, 40.0, 1e4, 1.0, 0.0) == pytest.approx(cp.slope_eq19(0.4, 1e-6, 40.0), rel=1e-5)


def test_eq18_first_order_and_exact_second_order():
    w_inf, w_opt = 20.0, 7.0
    s = w_inf**2 / (w_opt**2 + w_inf**2)
    area = cp.einstein_area(1.0, w_inf, w_opt)
    u = np.array([1e-3, 2e-3])
    lam = cp.lambda_einstein(cp.einstein_omega(1 / u, w_inf, 0.0), area, w_opt)
    d = lam - 1.0
    c1 = (4 * d[0] - d[1]) / (2 * u[0])          # Richardson first derivative
    c2 = (d[1] - 2 * d[0]) / (2 * u[0] ** 2)     # second-order coefficient
    assert c1 == pytest.approx(2 * s - 1, rel=1e-5)
    # first-order coefficient of Eq. 18 as printed
    assert cp.delta_lambda_paper(1e6, w_inf, w_opt) * 1e6 == pytest.approx(2 * s - 1, rel=1e-5)
    assert c2 == pytest.approx(4 * s**2 - 3 * s, rel=1e-2)


def test_eq20_strong_class():
    mc = model.MaterialClass.from_config("strong", STRONG, 0.1)
    t1, t2 = cp.eq20_coefficients(1.2, 5.0, 8.0, 12.0)
    tc0 = cp.tc_eq16(1.2, 0.1, 8.0)
    h = 1e-4
    s1 = (tc_of_drho(mc, [h])[0] / tc0 - 1) / h
    s2 = (tc_of_drho(mc, [2 * h])[0] / tc0 - 1) / (2 * h)
    slope = 2 * s1 - s2
    assert slope < 0 and t1 > 0 and t2 > 0
    # Eq. 20 replaces (1+mu*) lambda/(lambda-mu*)^2 by 1/lambda: agreement to ~10 %
    assert -slope == pytest.approx(t1, rel=0.15)
    assert slope == pytest.approx(cp.slope_exact(1.2, 0.1, 5.0, 8.0, 12.0, mc.omega_R_meV), rel=1e-3)


def test_tc_eq16_and_gap_ratio_limits():
    assert cp.tc_eq16(0.05, 0.1, 10.0) == 0.0
    assert cp.gap_ratio_eq41(1e-8, 100.0) == pytest.approx(3.53, rel=1e-9)
    r = cp.gap_ratio_eq41(np.array([0.5, 2.0, 5.0]), 100.0)
    assert np.all(np.diff(r) > 0) and r[0] > 3.53


def test_eliashberg_tc_trends_follow_eq16():
    """Full linearised Eliashberg Tc on the same (constant-area) Einstein spectrum:
    rises for the weak class, falls for the strong class along the Eq. 17 softening."""
    pytest.importorskip("scimodel.eliashberg")
    for cfg, sign in ((WEAK, +1), (STRONG, -1)):
        mc = model.MaterialClass.from_config("c", cfg, 0.1)
        we, _ = model.lambda_of_kfl(mc, np.array([np.inf, 5.0]))
        tc = cp.tc_eliashberg_einstein(we, mc.area_meV, 0.1, 5 * mc.omega_E_inf_meV)
        assert np.sign(tc[1] - tc[0]) == sign


def test_bad_class_config():
    with pytest.raises(InputError):
        model.MaterialClass.from_config("weak", dict(WEAK, lambda_inf=0.05), 0.1)
    bad = dict(WEAK)
    del bad["kF_l0"]
    with pytest.raises(InputError):
        model.MaterialClass.from_config("weak", bad, 0.1)
    with pytest.raises(InputError):
        cp.einstein_omega(0.5, 10.0, 1.0)
