"""SCDFT energy-space gap equation (scimodel.scdft; paper 004, Marques et al. 2005).

Analytic limits stated by the paper, independent checks of the bounded and
integrated kernel forms against the printed formulas, Numba/NumPy twins,
BCS weak-coupling ratios, convergence of the default settings and a guard
against normalisation errors (Allen-Dynes).  Model inputs only (synthetic).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from scimodel import eliashberg, spectra, units
from scimodel.errors import InputError
from scimodel.scdft import (GapEquation, ScdftInput, Settings, heat_capacity_jump,
                            isotope_coefficient, parabolic_band_input)
from scimodel.scdft import coulomb, kernels, kernels_np
from scimodel.scdft.observables import T_GAP, convergence, decomposition, order_parameter

# Al-like free-electron metal: 3 electrons in 111.3 bohr^3 (fcc Al, a = 7.63 bohr)
AL = dict(n_valence=3, volume=111.3)


def beta_of(t_k):
    return 1.0 / units.kelvin_to_mev(t_k)


def debye_grid(omega_d=30.0, lam=1.0, n=301):
    w, a = spectra.debye(omega_d, lam, n=n)
    wts = np.full(w.size, w[1] - w[0])
    wts[-1] *= 0.5
    m = w > 0
    return w[m], (wts * a)[m]


def einstein_input(omega_e=10.0, lam=0.25, **kw):
    # exact delta function: 3-point grid whose trapezoid weight at omega_e is omega_e
    w = np.array([0.0, omega_e, 2 * omega_e])
    a = np.array([0.0, 0.5 * lam, 0.0])
    return parabolic_band_input(w, a, **(kw or AL), name="einstein")


def two_peak_input(kind="al"):
    if kind == "al":
        w, a = spectra.two_peak(20.0, 36.0, 0.44)
        return parabolic_band_input(w, a, **AL, name="Al-like")
    w, a = spectra.two_peak(4.4, 8.5, 1.55)
    return parabolic_band_input(w, a, n_valence=4, volume=204.0, name="Pb-like")


# ------------------------------------------------------------------------------ kernels
@pytest.mark.parametrize("lam", [0.44, 1.0, 1.6])
def test_t0_limits_at_fermi_level(lam):
    """Sec. V: N(0) K^ph(0,0) -> -lambda and Z^ph(0) -> lambda (T -> 0), within 1 %."""
    w, wa = debye_grid(lam=lam)
    beta = beta_of(0.01)
    n0 = 0.37
    x = np.array([0.0])
    k00 = kernels.kph_matrix_nb(x, x, w, wa, beta, n0, True)[0, 0]
    assert n0 * k00 == pytest.approx(-lam, rel=0.01)
    for mu in (np.inf, 11700.0):
        z0 = kernels.zph_nb(x, w, wa, beta, mu)[0]
        assert z0 == pytest.approx(lam, rel=0.01)


def test_kph_zero_temperature_closed_form():
    """K^ph = -(2/N0) Int a2F/(|xi|+|xi'|+W) at 0.01 K, 1e-6 relative for |xi|,|xi'| >= 100 k_B T."""
    w, wa = debye_grid()
    t = 0.01
    kt = units.kelvin_to_mev(t)
    mags = np.geomspace(100 * kt, 5e4, 25)
    x = np.concatenate([-mags[::-1], mags])
    k = kernels.kph_matrix_nb(x, x, w, wa, beta_of(t), 0.4, True)
    k0 = kernels_np.kph_zero_temperature(x, x, w, wa, 0.4)
    np.testing.assert_allclose(k, k0, rtol=1e-6, atol=0)
    # ... and the corresponding Z^ph closed form 2 Int a2F/(|xi|+W) (mu = inf)
    z = kernels.zph_nb(x, w, wa, beta_of(t), np.inf)
    np.testing.assert_allclose(z, kernels_np.zph_zero_temperature(x, w, wa), rtol=1e-6)


def _fermi(x, beta):
    from scipy.special import expit
    return expit(-beta * np.asarray(x, float))


def _bose(w, beta):
    return 1.0 / np.expm1(beta * w)


def test_bounded_i_matches_printed_eq10():
    """The bounded form of W = I(xi,xi') - I(xi,-xi') equals Eq. (10) as printed
    (exponentials), where the printed form does not overflow."""
    beta = beta_of(20.0)          # k_B T = 1.7 meV
    rng = np.random.default_rng(1)
    xa, xb = rng.uniform(-15, 15, 40), rng.uniform(-15, 15, 40)
    w = rng.uniform(0.5, 12, 40)

    def i_printed(x, y, om):
        pre = _fermi(x, beta) * _fermi(y, beta) * _bose(om, beta)
        return pre * ((np.exp(beta * x) - np.exp(beta * (y + om))) / (x - y - om)
                      - (np.exp(beta * y) - np.exp(beta * (x + om))) / (x - y + om))

    ref = i_printed(xa, xb, w) - i_printed(xa, -xb, w)
    got = np.array([kernels.w_kernel(a, b, c, beta) for a, b, c in zip(xa, xb, w)])
    np.testing.assert_allclose(got, ref, rtol=1e-9)
    # removable singularity xi - xi' - W = 0: continuous through it
    x0, om = 3.0, 2.0
    vals = [kernels.w_kernel(x0, x0 - om + d, om, beta) for d in (-1e-7, 0.0, 1e-7)]
    assert np.ptp(vals) < 1e-6 * abs(vals[1])


def test_zph_closed_form_matches_numerical_xi_integral():
    """Z^ph of Eq. (24) with J of Eqs. (12, 13) integrated numerically over xi'
    equals the closed form used by the solver, up to the overall sign (reading
    documented in scimodel.scdft.kernels: the text fixes Z^ph(0) = +lambda)."""
    t = 30.0
    beta = beta_of(t)                 # k_B T = 2.6 meV
    om = 10.0
    mu = 3000.0
    n = _bose(om, beta)

    def jt(x, y, w, nw):
        d = x - y - w
        br = (_fermi(y, beta) - _fermi(x - w, beta)) / d - beta * _fermi(x - w, beta) * _fermi(-x + w, beta)
        return -(_fermi(x, beta) + nw) / d * br

    def jfun(x, y):
        return jt(x, y, om, n) - jt(x, y, -om, -1.0 - n)

    for x in (0.7, 4.0, -13.0):
        def integrand(y):
            return jfun(x, y) + jfun(x, -y)
        pts = sorted({x - om, x + om, -(x - om), -(x + om), 0.0})
        edges = [-mu] + [p for p in pts if -mu < p < 200] + [200.0, 5e3, 1e5, 1e7]
        tot = sum(quad(integrand, a, b, limit=400, epsabs=0, epsrel=1e-11)[0]
                  for a, b in zip(edges[:-1], edges[1:]))
        z_printed = tot / math.tanh(0.5 * beta * x)      # a2F = delta(W - om), weight 1
        z_ours = kernels.zph_nb(np.array([x]), np.array([om]), np.array([1.0]), beta, mu)[0]
        assert z_ours == pytest.approx(-z_printed, rel=2e-4)


def test_g_hilbert_against_principal_value():
    beta = 1.7
    for y in (0.05, 0.8, -2.5, 9.0):
        def dfermi(u):
            e = np.exp(-beta * abs(u))
            return beta * e / (1 + e) ** 2
        pv = quad(dfermi, -80, 80, weight="cauchy", wvar=y, epsabs=1e-13)[0]
        assert kernels.g_hilbert(y, beta) == pytest.approx(-pv, rel=1e-9)
    assert kernels.g_hilbert(1e4, beta_of(0.01)) == pytest.approx(1e-4, rel=1e-12)


def test_no_nan_or_inf_anywhere():
    w, wa = debye_grid()
    x = np.concatenate([-np.geomspace(1e-9, 5e4, 60)[::-1], [0.0], np.geomspace(1e-9, 5e4, 60)])
    for t in (0.001, 0.01, 0.1, 1.0, 10.0, 100.0):
        b = beta_of(t)
        k = kernels.kph_matrix_nb(x, x, w, wa, b, 0.3, True)
        z = kernels.zph_nb(x, w, wa, b, 11700.0)
        assert np.all(np.isfinite(k)) and np.all(np.isfinite(z))
        assert np.all(k < 0)               # attractive everywhere
        assert np.all(np.isfinite([kernels.w_kernel(a, a + 30.0, 30.0, b) for a in x[::7]]))
    kel = coulomb.coulomb_kernel(x[x > -11000], scheme="tf-fe", dos_ef=2e-4, volume=111.3, mu=11700.0)
    assert np.all(np.isfinite(kel)) and np.all(kel > 0)


@pytest.mark.parametrize("t", [0.01, 3.0, 100.0])
def test_numba_numpy_twins(t):
    w, wa = debye_grid(n=61)
    b = beta_of(t)
    x = np.concatenate([-np.geomspace(1e-6, 5e4, 30)[::-1], [0.0], np.geomspace(1e-6, 5e4, 30)])
    k_nb = kernels.kph_matrix_nb(x, x, w, wa, b, 0.3, True)
    k_np = kernels_np.kph_matrix_np(x, x, w, wa, b, 0.3)
    np.testing.assert_allclose(k_nb, k_np, rtol=1e-10, atol=0)
    k_nb2 = kernels.kph_matrix_nb(x[:20], x, w, wa, b, 0.3, False)
    np.testing.assert_allclose(k_nb2, k_np[:20], rtol=1e-10, atol=0)
    np.testing.assert_allclose(kernels.zph_nb(x, w, wa, b, 9000.0), kernels_np.zph_np(x, w, wa, b, 9000.0),
                               rtol=1e-10, atol=0)
    y = np.linspace(-50, 50, 101)
    np.testing.assert_allclose([kernels.g_hilbert(v, b) for v in y], kernels_np.g_hilbert_np(y, b),
                               rtol=1e-10, atol=0)
    # raw W (no 1/tanh): compared where it is not a cancellation of O(1) terms (|beta xi| > 1e-3)
    xw = x[np.abs(b * x) > 1e-3][::3]
    xa, xb, om = np.meshgrid(xw, xw, w[::10], indexing="ij")
    w_np = kernels_np.w_kernel_np(xa, xb, om, b)
    # W is a difference of terms of size up to max|W|: absolute floor at 1e-13 of that scale
    np.testing.assert_allclose(np.vectorize(kernels.w_kernel)(xa, xb, om, b), w_np,
                               rtol=1e-10, atol=1e-13 * np.abs(w_np).max())
    k = coulomb.wavevector(np.linspace(0, 4e4, 50))
    np.testing.assert_allclose(coulomb.coulomb_tf_matrix_nb(k, k, 0.9),
                               coulomb.coulomb_tf_matrix_np(k, k, 0.9), rtol=1e-10)



def test_kph_phonon_grid_any_order_duplicates_and_resonances():
    """The Numba K^ph sorts the phonon grid and merges equal energies (its pointer
    walk needs an ascending grid); xi - xi' = W exactly (p(0) = beta) is on the mesh.
    Checked against the NumPy twin, which evaluates every (xi, xi', W) term as is."""
    w = np.array([0.5, 1.25, 2.0, 3.0, 4.5, 6.0, 8.0])      # exact binary fractions
    wa = np.array([0.01, 0.03, 0.05, 0.08, 0.1, 0.06, 0.02])
    perm = np.array([3, 0, 6, 2, 5, 1, 4])
    w_dup = np.concatenate([w, w[2:4]])                      # W = 2 and 3 twice, weights split
    wa_dup = np.concatenate([wa, wa[2:4]]) * np.array([1, 1, 0.25, 0.5, 1, 1, 1, 0.75, 0.5])
    x = np.array([-8.0, -3.0, -1.25, -0.5, 0.0, 0.5, 1.25, 2.0, 3.5, 5.0, 9.5, 40.0])
    for t in (0.5, 20.0, 200.0):
        b = beta_of(t)
        ref = kernels_np.kph_matrix_np(x, x, w, wa, b, 0.3)
        for om, wt in ((w, wa), (w[perm], wa[perm]), (w_dup, wa_dup)):
            np.testing.assert_allclose(kernels.kph_matrix_nb(x, x, om, wt, b, 0.3, True), ref,
                                       rtol=1e-10, atol=0)
            np.testing.assert_allclose(kernels.kph_matrix_nb(x[::-1], x, om, wt, b, 0.3, False),
                                       ref[::-1], rtol=1e-10, atol=0)


def _kph_decimal(x, y, om, wa, beta, n0):
    """K^ph(x, y) from the bounded form of Eq. (10) (module docstring) in 40-digit
    decimal arithmetic, with the same XI_BETA_MIN clamp: an independent reference."""
    from decimal import Decimal as D, localcontext
    with localcontext() as ctx:
        ctx.prec = 40
        lim = kernels.XI_BETA_MIN / beta
        x, y = (v if abs(v) >= lim else math.copysign(lim, v if v != 0 else 1.0) for v in (x, y))
        X, Y, B = D(x), D(y), D(beta)

        def f(z):
            return 1 / ((B * z).exp() + 1)

        def p(z):
            z = abs(z)
            return B if z == 0 else (1 - (-B * z).exp()) / z

        def i_fun(u, v, W, n):
            x1, x2 = u - v - W, u - v + W
            t1 = f(-u) * f(v) * n * p(x1) if x1 >= 0 else f(u) * f(-v) * (1 + n) * p(x1)
            t2 = -f(u) * f(-v) * n * p(x2) if x2 <= 0 else -f(-u) * f(v) * (1 + n) * p(x2)
            return t1 - t2

        acc = D(0)
        for W, wt in zip(om, wa):
            W = D(float(W))
            n = 1 / ((B * W).exp() - 1)
            acc += D(float(wt)) * (i_fun(X, Y, W, n) - i_fun(X, -Y, W, n))

        def tanh_half(z):
            e = (B * z).exp()
            return (e - 1) / (e + 1)
        return float(2 * acc / (tanh_half(X) * tanh_half(Y) * D(n0)))


@pytest.mark.parametrize("t", [0.05, 5.0, 100.0])
def test_kph_against_decimal_reference(t):
    """Both twins against a 40-digit evaluation of the same formula, including the
    cancellation region |beta xi|, |beta xi'| ~ XI_BETA_MIN (W ~ xi xi', amplification
    of rounding errors up to ~1e5) where 1e-10 relative is the documented accuracy."""
    w, wa = debye_grid(n=41)
    b = beta_of(t)
    kt = 1.0 / b
    x = np.array([0.0, 1e-3 * kt, -6e-3 * kt, 0.02 * kt, 0.3 * kt, -1.7 * kt, 7.0, 29.9, -45.0, 3e3])
    ref = np.array([[_kph_decimal(u, v, w, wa, b, 0.3) for v in x] for u in x])
    np.testing.assert_allclose(kernels.kph_matrix_nb(x, x, w, wa, b, 0.3, True), ref, rtol=1e-10, atol=0)
    np.testing.assert_allclose(kernels_np.kph_matrix_np(x, x, w, wa, b, 0.3), ref, rtol=1e-10, atol=0)


def test_zph_is_even_in_xi():
    """The solver evaluates Z^ph on |xi| only: Z^ph(-xi) = Z^ph(xi), with and without the
    finite-band (1/mu) term, at low and high T, Numba and NumPy."""
    rng = np.random.default_rng(3)
    w = np.linspace(0.5, 30.0, 60)
    wa = rng.random(60) * 0.02
    x = np.concatenate([np.geomspace(1e-4, 2e4, 80), [5.0, 30.0, 31.0]])
    for t in (0.01, 5.0, 80.0):
        b = beta_of(t)
        for mu in (np.inf, 9000.0):
            for fn in (kernels.zph_nb, kernels_np.zph_np):
                np.testing.assert_allclose(fn(-x, w, wa, b, mu), fn(x, w, wa, b, mu),
                                           rtol=1e-12, atol=1e-15)


def test_kph_zph_thread_count_independent():
    """Each matrix element is computed by one thread in a fixed order: 1 and 2 threads agree bitwise."""
    import numba
    w, wa = debye_grid(n=61)
    x = np.concatenate([-np.geomspace(1e-3, 5e4, 40)[::-1], np.geomspace(1e-3, 5e4, 40)])
    b = beta_of(3.0)
    prev = numba.get_num_threads()
    try:
        out = []
        for nt in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(nt)
            out.append((kernels.kph_matrix_nb(x, x, w, wa, b, 0.3, True), kernels.zph_nb(x, w, wa, b, 9000.0)))
    finally:
        numba.set_num_threads(prev)
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][1], out[1][1])


# ------------------------------------------------------------------------------ Coulomb
def test_coulomb_normalisation_free_electron_mu():
    """N(0) K^el(0,0) = ln(1 + pi k_F)/(2 pi k_F) for the free-electron gas, ~0.23 for Al."""
    inp = parabolic_band_input(*debye_grid(), **AL)
    ge = GapEquation(inp, Settings(coulomb="tf-fe"))
    i0 = ge.mesh.i0
    mu_c = inp.dos_ef * ge.kel[i0, i0]
    assert mu_c == pytest.approx(coulomb.mu_free_electron(inp.kf), rel=1e-6)
    assert 0.2 < mu_c < 0.3
    # TF-SK and TF-FE coincide for a parabolic band (mu = k_F^2/2)
    ge_sk = GapEquation(inp, Settings(coulomb="tf-sk"))
    np.testing.assert_allclose(ge_sk.kel, ge.kel, rtol=1e-6)
    # large-k limit of Eq. (26): 4 pi/(k^2 + k_TF^2) for k >> k'
    q2 = 0.7
    k_big = coulomb.coulomb_tf_matrix_nb(np.array([1e-4]), np.array([30.0]), q2)[0, 0]
    assert k_big == pytest.approx(4 * math.pi / (900 + q2), rel=1e-6)


def test_thomas_fermi_wavevector_free_electron():
    """Eq. (17) with the total DOS per volume: k_TF^2 = 4 k_F/pi for the free-electron gas."""
    inp = parabolic_band_input(*debye_grid(), **AL)
    assert coulomb.ktf2_from_dos(inp.dos_ef, inp.volume) == pytest.approx(4 * inp.kf / math.pi, rel=1e-9)


# ------------------------------------------------------------------------------ gap equation
def test_weak_coupling_bcs_ratios():
    """Einstein a2F, lambda = 0.25, no Coulomb: 2 Delta0/k_B Tc = 3.53 and C_S/C_N = 2.43 within 3 %."""
    inp = einstein_input(10.0, 0.25)
    ge = GapEquation(inp, Settings(coulomb="none", n_omega=0))
    tc = ge.tc().tc
    d0 = ge.solve(T_GAP).delta0
    assert 2 * d0 / units.kelvin_to_mev(tc) == pytest.approx(3.528, rel=0.03)
    jump = heat_capacity_jump(ge, tc_k=tc)
    assert jump.ratio == pytest.approx(2.43, rel=0.03)


def test_selfconsistent_gap_vanishes_at_linear_tc():
    inp = two_peak_input("pb")
    ge = GapEquation(inp)
    tc = ge.tc().tc
    below = ge.solve(0.99 * tc)
    above = ge.solve(1.01 * tc, amplitude=0.5)
    d0 = ge.solve(T_GAP).delta0
    assert below.converged and above.converged
    assert below.delta0 > 0.05 * d0           # BCS: ~0.17 Delta0 at 0.99 Tc
    assert abs(above.delta0) < 1e-6 * d0
    # shape of the Pb gap (Sec. V): positive at E_F, node below 1 eV, negative tail
    sol = ge.solve(T_GAP)
    assert sol.delta[sol.xi > 2000].max() < 0


def test_normal_heat_capacity_sommerfeld():
    """C_N = (2 pi^2/3) N(0) k_B^2 T (both spins) from the solver's quadrature."""
    inp = two_peak_input("al")
    ge = GapEquation(inp)
    t = 1.0
    expect = 2 * math.pi**2 / 3 * inp.dos_ef * units.kelvin_to_mev(t)
    assert ge.normal_heat_capacity(t) == pytest.approx(expect, rel=2e-3)


def test_default_settings_converged():
    """Tc and Delta0 change < 0.5 % when the mesh density or the cutoff is doubled (Al-like, TF-FE)."""
    res = convergence(two_peak_input("al"), Settings(), controls=("mesh", "cutoff"))
    for control, r in res.items():
        assert abs(r["dtc_rel"]) < 0.005, (control, r)
        assert abs(r["ddelta0_rel"]) < 0.005, (control, r)


def test_allen_dynes_guard():
    """Parabolic band (Al-like), Debye a2F (omega_D = 30 meV) with lambda = 1, TF-FE.

    mu* used for Allen-Dynes: Morel-Anderson mu* = mu/(1 + mu ln(E_F/omega_D))
    with mu = N(0) K^el(0,0) of the *same* TF-FE kernel (0.234) and E_F the
    depth of the band (11.7 eV): mu* = 0.098.  This is what the kernel
    implies: the exact T-matrix elimination of the states above omega_D with
    the same discretised kernel gives 0.093 (checked below).

    Measured: SCDFT 9.7 K, Allen-Dynes 15.8 K (ratio 1.63), i.e. the issue's
    factor-1.5 target is missed.  The cause is the functional, not a
    normalisation: without Coulomb SCDFT is within 10 % of Allen-Dynes
    (22.1 K vs 24.5 K, asserted below to 1.5), and the solver reproduces the
    two-square-well Morel-Anderson result exactly
    (test_square_well_morel_anderson); the energy-dependent K^ph (1/xi tail)
    makes the Coulomb suppression of SCDFT stronger than mu* = 0.1 implies.
    The paper's own numbers show the same gap between this functional and
    Allen-Dynes: Al, TF-FE 1.0 K (Table 2) against Allen-Dynes 1.8-1.9 K for
    the paper's lambda = 0.44, our omega_log (270 K) and mu* = 0.10 (ratio
    1.8-1.9); Pb, 6.8 K against 7.6-8.1 K (1.1-1.2).  Consistently, our
    isotropic Eliashberg solver with the same kernel's mu*(omega_c) gives
    16.1-17.1 K for omega_c from 30 to 300 meV, also a factor 1.6-1.8 above
    SCDFT.  The issue's factor 1.5 is therefore not reachable by a correct
    implementation of this functional at lambda = 1; the guard asserts a
    factor 2 with Coulomb and 1.5 for the phonon part, and
    test_allen_dynes_guard_sensitivity shows that it catches factor-2
    normalisation errors.
    """
    w, a = spectra.debye(30.0, 1.0)
    inp = parabolic_band_input(w, a, **AL)
    m = eliashberg.moments(w, a)
    ge = GapEquation(inp)
    i0 = ge.mesh.i0
    mu_c = inp.dos_ef * ge.kel[i0, i0]
    mu_star = eliashberg.mu_star_morel_anderson(mu_c, inp.mu, 30.0)
    # the same kernel's own renormalisation of the states above omega_D (T -> 0)
    high = np.abs(ge.xi) > 30.0
    d = np.where(high, ge.nw / np.maximum(np.abs(ge.xi), 1e-30), 0.0)
    t_mat = np.linalg.solve(np.eye(ge.xi.size) + 0.5 * ge.kel * d[None, :], ge.kel)
    assert inp.dos_ef * t_mat[i0, i0] == pytest.approx(mu_star, rel=0.1)
    tc_ad = eliashberg.allen_dynes_tc(m["lam"], m["omega_log"], m["omega2"], mu_star)
    tc = ge.tc().tc
    assert tc_ad / 2.0 < tc < 2.0 * tc_ad, (tc, tc_ad, mu_star)
    tc_ph = GapEquation(inp, Settings(coulomb="none")).tc().tc
    tc_ad0 = eliashberg.allen_dynes_tc(m["lam"], m["omega_log"], m["omega2"], 0.0)
    assert tc_ad0 / 1.5 < tc_ph < 1.5 * tc_ad0, (tc_ph, tc_ad0)


def test_allen_dynes_guard_sensitivity():
    """The guards of test_allen_dynes_guard catch factor-2 normalisation errors:
    a Coulomb kernel twice too large moves SCDFT below Allen-Dynes/2 (with the
    correct mu*), and an alpha2F twice too large moves the no-Coulomb Tc
    above 1.5 x Allen-Dynes(mu* = 0) of the correct spectrum."""
    w, a = spectra.debye(30.0, 1.0)
    inp = parabolic_band_input(w, a, **AL)
    m = eliashberg.moments(w, a)
    ge = GapEquation(inp)
    i0 = ge.mesh.i0
    mu_star = eliashberg.mu_star_morel_anderson(inp.dos_ef * ge.kel[i0, i0], inp.mu, 30.0)
    tc_ad = eliashberg.allen_dynes_tc(m["lam"], m["omega_log"], m["omega2"], mu_star)
    ge.kel = 2.0 * ge.kel
    assert ge.tc().tc < tc_ad / 2.0
    w2, a2 = spectra.debye(30.0, 2.0)
    tc_ph2 = GapEquation(parabolic_band_input(w2, a2, **AL), Settings(coulomb="none")).tc().tc
    tc_ad0 = eliashberg.allen_dynes_tc(m["lam"], m["omega_log"], m["omega2"], 0.0)
    assert tc_ph2 > 1.5 * tc_ad0, (tc_ph2, tc_ad0)


def test_square_well_morel_anderson():
    """The discretised linear solver with square-well kernels (phonon -lambda/N0
    for |xi|,|xi'| < w, Coulomb mu/N0 for |xi|,|xi'| < E, flat DOS) reproduces
    the exact BCS/Morel-Anderson Tc: 1/(lambda - mu*) = Int_0^w tanh(x/2T)/x dx,
    mu* = mu/(1 + mu ln(E/w)).  The step at w is not on the mesh, so the error is of
    the order of the mesh spacing at w over w (measured: -0.5, +1.4, +0.5, 0.0 % at 20,
    40, 80, 160 points per decade): within 2 % on the default mesh, 0.2 % on 160."""
    from scipy.optimize import brentq
    lam, mu, om, e_band, n0 = 0.3, 0.25, 30.0, 5000.0, 1e-4
    xi = np.linspace(-e_band, 2 * e_band, 301)
    inp = ScdftInput(omega=np.array([0.0, om, 2 * om]), a2f=np.array([0.0, 0.15, 0.0]), xi=xi,
                     dos=np.full(xi.size, n0), dos_ef=n0, band_bottom=-e_band, volume=100.0, kf=1.0)
    mus = mu / (1 + mu * math.log(e_band / om))

    def bcs(t, coupling):
        kt = units.kelvin_to_mev(t)
        return quad(lambda s: math.tanh(s / (2 * kt)) / s, 0, om, limit=200)[0] - 1 / coupling

    exact = brentq(bcs, 0.01, 100, args=(lam - mus,))
    for ppd, tol in ((Settings().points_per_decade, 0.02), (160.0, 0.002)):
        ge = GapEquation(inp, Settings(coulomb="none", use_zph=False, cutoff=e_band, points_per_decade=ppd))
        x = np.abs(ge.xi)
        kph = np.where((x[:, None] < om) & (x[None, :] < om), -lam / n0, 0.0)
        ge.phonon_kernels = lambda t, kph=kph: (kph, None)
        ge.kel = np.full((x.size, x.size), mu / n0)
        assert ge.tc().tc == pytest.approx(exact, rel=tol), ppd


def test_isotope_coefficient_retardation():
    """Phonons only: the equation is scale invariant, alpha = 1/2 (up to the
    DOS curvature over Omega/E_F); with Coulomb repulsion alpha < 1/2 (paper: Pb 0.47)."""
    inp = two_peak_input("pb")
    a_ph = isotope_coefficient(inp, Settings(coulomb="none"))
    assert a_ph == pytest.approx(0.5, abs=0.005)
    a_all = isotope_coefficient(inp, Settings())
    assert 0.35 < a_all < 0.5


def test_decomposition_ordering():
    """Fig. 8: Z^ph and the Coulomb term each reduce the Pb gap at E_F."""
    dec = decomposition(two_peak_input("pb"))
    d = [s.delta0 for s in dec.values()]
    assert d[0] > d[1] > d[2] > 0
    chi = order_parameter(dec["K^ph + Z^ph + K^el"])
    assert np.argmax(chi) == np.argmin(np.abs(dec["K^ph"].xi))
    assert chi.max() == pytest.approx(0.5, rel=1e-3)     # Delta/(2E) at xi = 0, T -> 0


def test_input_errors():
    import xarray as xr
    ds = xr.Dataset({"a2f": ("omega", np.zeros(3))}, coords={"omega": [0.0, 1.0, 2.0]})
    with pytest.raises(InputError):
        ScdftInput.from_dataset(ds, path="x.nc")


def test_solver_numpy_path_matches_numba():
    """The whole gap equation built from the NumPy twins gives the same Tc and Delta0."""
    w, a = spectra.two_peak(4.4, 8.5, 1.55)
    inp = parabolic_band_input(w, a, n_valence=4, volume=204.0)
    s = Settings(points_per_decade=8, n_omega=30, cutoff=50000.0)
    ge_nb, ge_np = GapEquation(inp, s), GapEquation(inp, s, use_numba=False)
    np.testing.assert_allclose(ge_np.kel, ge_nb.kel, rtol=1e-10)
    tc_nb, tc_np = ge_nb.tc().tc, ge_np.tc().tc
    assert tc_np == pytest.approx(tc_nb, rel=1e-8)
    assert ge_np.solve(T_GAP).delta0 == pytest.approx(ge_nb.solve(T_GAP).delta0, rel=1e-8)


@pytest.mark.slow
def test_default_settings_converged_pb_like_and_frequency_grid():
    res = convergence(two_peak_input("pb"), Settings(), controls=("mesh", "cutoff", "frequency"))
    for control, r in res.items():
        assert abs(r["dtc_rel"]) < 0.005, (control, r)
        assert abs(r["ddelta0_rel"]) < 0.005, (control, r)


@pytest.mark.slow
@pytest.mark.parametrize("metal", ["Al", "Mo", "Ta", "Pb", "Nb"])
def test_config_settings_converged_for_every_cached_metal(metal):
    """Every numerical setting of config/config.yaml's scdft section, refined on its own
    (mesh density, uniform spacing, far step, end of the uniform part, cutoff, phonon
    frequencies: factor 2; xi_min: factor 10), changes the TF-FE Tc of each cached metal
    by < 0.5 %; the Settings defaults are the config values."""
    from pathlib import Path

    import yaml

    from scimodel import qe
    from scimodel.scdft.observables import EVERY_SETTING

    root = Path(__file__).resolve().parents[1]
    section = yaml.safe_load((root / "config/config.yaml").read_text())["scdft"]
    s = Settings.from_config(section)
    assert s == Settings(t_search_min=s.t_search_min, t_search_max=s.t_search_max)
    inp = ScdftInput.from_dataset(qe.read_abinitio(root / f"resources/abinitio/{metal}.nc"))
    res = convergence(inp, s, controls=EVERY_SETTING, with_gap=False)
    for control, r in res.items():
        assert abs(r["dtc_rel"]) < 0.005, (metal, control, r)


def test_largest_eigenvalue_lanczos_equals_dense():
    """The Lanczos largest eigenvalue of the symmetrised linear problem equals the last
    eigenvalue of a dense eigensolver, above and below Tc."""
    from scimodel.scdft.solver import _chi_linear

    ge = GapEquation(two_peak_input("pb"), Settings(points_per_decade=10, max_spacing=2000.0))
    for t in (1.0, 5.0, 20.0):
        beta = 1.0 / units.kelvin_to_mev(t)
        k, onez = ge.total_kernel(t)
        v = np.sqrt(ge.nw * _chi_linear(ge.xi, beta) / onez)
        dense = np.linalg.eigvalsh(-0.5 * v[:, None] * k * v[None, :])[-1]
        assert ge.largest_eigenvalue(t) == pytest.approx(dense, rel=1e-12, abs=1e-14)


def test_scale_pairs_touches_only_pairs_inside_the_window():
    from scimodel.scdft.coulomb import scale_pairs
    xi = np.array([-3000.0, -100.0, 0.0, 200.0, 5000.0])
    k = np.arange(25.0).reshape(5, 5) + 1.0
    out = scale_pairs(k, xi, 0.5, 1500.0)
    inside = np.ix_([1, 2, 3], [1, 2, 3])
    assert np.array_equal(out[inside], 0.5 * k[inside])
    mask = np.ones((5, 5), bool)
    mask[inside] = False
    assert np.array_equal(out[mask], k[mask])
    assert np.array_equal(scale_pairs(k, xi, 2.0), 2.0 * k)
