"""Property-based tests (hypothesis) of the Numba kernels over wide ranges:
no NaN/inf, documented symmetries and limits (reliability issue).

Ranges: temperatures 1e-3 K - 300 K, electron energies up to +-50 eV,
phonon energies 0.1 - 100 meV, couplings 0.05 - 5.
"""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scimodel import eliashberg as el
from scimodel.scdft import kernels, kernels_np
from scimodel.units import KB_MEV_PER_K

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

temps = st.floats(1e-3, 300.0)
energies = st.floats(-5.0e4, 5.0e4, allow_nan=False)
phonons = st.floats(0.1, 100.0)
couplings = st.floats(0.05, 5.0)


@st.composite
def spectra(draw):
    """A random two-peak alpha2F as quadrature nodes/weights (meV)."""
    w1 = draw(phonons)
    w2 = draw(st.floats(1.05, 4.0)) * w1
    lam = draw(couplings)
    frac = draw(st.floats(0.1, 0.9))
    nodes = np.array([w1, w2])
    weights = 0.5 * lam * nodes * np.array([frac, 1.0 - frac])
    return el.Spectrum(nodes, weights)


@SETTINGS
@given(spectra(), temps)
def test_lambda_table_finite_positive_decreasing(spec, t_k):
    nu = 2 * np.pi * t_k * KB_MEV_PER_K * np.arange(50)
    lam = el._lambda_bosonic_nb(spec.omega, spec.weight, nu)
    assert np.all(np.isfinite(lam)) and np.all(lam > 0)
    assert np.all(np.diff(lam) <= 1e-15 * lam[0])          # lambda(nu) decreases with |nu|
    np.testing.assert_allclose(lam[0], el.lambda_from_a2f(spec), rtol=1e-12)
    np.testing.assert_allclose(lam, el._lambda_bosonic_np(spec.omega, spec.weight, nu), rtol=1e-10)


@SETTINGS
@given(spectra(), st.floats(0.05, 50.0), st.floats(0.0, 0.3))
def test_linear_gap_matrix_finite_and_twin(spec, t_k, mu_star):
    cut = 10 * spec.omega_max
    assume(cut / (2 * np.pi * t_k * KB_MEV_PER_K) < 600)      # keep the matrix small
    g = el.matsubara_grid(spec, t_k, cut, cut)
    zw = el._z_normal(g)
    a = el._linear_matrix_nb(g.lam_k, zw, mu_star, g.n_c, g.t_mev)
    assert np.all(np.isfinite(a))
    assert np.all(zw >= g.wn)                                 # Z >= 1 in the normal state
    np.testing.assert_allclose(a, el._linear_matrix_np(g.lam_k, zw, mu_star, g.n_c, g.t_mev),
                               rtol=1e-10, atol=1e-14 * np.abs(a).max())


@SETTINGS
@given(temps, energies, energies, phonons)
def test_scdft_w_kernel_finite_and_odd_in_second_argument(t_k, xa, xb, w):
    beta = 1.0 / (KB_MEV_PER_K * t_k)
    v = kernels.w_kernel(xa, xb, w, beta)
    assert np.isfinite(v)
    # W(xi, xi', Omega) = I(xi, xi') - I(xi, -xi') is odd in xi' (Eq. 30)
    np.testing.assert_allclose(kernels.w_kernel(xa, -xb, w, beta), -v, rtol=1e-12, atol=1e-300)


@SETTINGS
@given(temps, st.lists(energies, min_size=2, max_size=6), spectra())
def test_scdft_kph_finite_symmetric_attractive(t_k, xs, spec):
    beta = 1.0 / (KB_MEV_PER_K * t_k)
    x = np.array(sorted(set(xs)))
    n0 = 0.3
    k = kernels.kph_matrix_nb(x, x, spec.omega, spec.weight, beta, n0, False)
    assert np.all(np.isfinite(k))
    np.testing.assert_allclose(k, k.T, rtol=1e-9, atol=1e-300)   # K(xi, xi') = K(xi', xi)
    assert np.all(k <= 0.0)                                       # phonons attract
    np.testing.assert_allclose(
        k, kernels_np.kph_matrix_np(x, x, spec.omega, spec.weight, beta, n0), rtol=1e-9, atol=1e-300)
