"""Momentum-relaxation efficiency F_l^2 (Monte Carlo) and A(l) (paper 000,
Eqs. 21-39)."""
import numpy as np
import pytest

from scimodel.defectal import model
from scimodel.defectal import transport as tr
from scimodel.errors import InputError

from conftest import default_sigint

KF_A0 = 1.4          # 4 k_F < 2 pi / a0: only normal processes in the pristine lattice
N = 256_000


def test_normal_only_efficiency_vanishes_as_l_to_infinity():
    e = {L: tr.efficiency(L, KF_A0, n_samples=N, seed=1).mean for L in (10.0, 1e3, 1e5)}
    assert e[1e5] < 2e-3 * e[10.0]
    # leading behaviour ~ 1/l (Lorentzian tails of the broadened g != 0 peaks)
    assert e[1e5] * 1e5 == pytest.approx(e[1e3] * 1e3, rel=1e-3)
    assert tr.efficiency(np.inf, KF_A0).mean == 0.0


def test_efficiency_grows_monotonically_as_l_decreases():
    ls = [1e4, 1e3, 300.0, 100.0, 30.0, 10.0, 3.0, 1.4]
    res = [tr.efficiency(L, KF_A0, n_samples=N, seed=2) for L in ls]
    e = np.array([r.mean for r in res])
    err = np.array([r.stderr for r in res])
    assert np.all(np.diff(e) > 3 * np.hypot(err[1:], err[:-1]))


def test_mc_error_halves_when_samples_quadruple():
    r1 = tr.efficiency(20.0, KF_A0, n_samples=100_000, seed=3)
    r4 = tr.efficiency(20.0, KF_A0, n_samples=400_000, seed=3)
    assert r4.stderr / r1.stderr == pytest.approx(0.5, rel=0.1)
    # and the two estimates agree within their errors
    assert abs(r4.mean - r1.mean) < 4 * r1.stderr


def test_same_seed_same_number_other_seed_within_error():
    a = tr.efficiency(20.0, KF_A0, n_samples=N, seed=4)
    b = tr.efficiency(20.0, KF_A0, n_samples=N, seed=4)
    c = tr.efficiency(20.0, KF_A0, n_samples=N, seed=5)
    assert a.mean == b.mean and a.stderr == b.stderr
    assert a.mean != c.mean
    assert abs(a.mean - c.mean) < 5 * np.hypot(a.stderr, c.stderr)


def test_same_seed_same_number_on_1_and_2_threads():
    """Chunks own their keys and sums, reduced serially: the thread count cannot change a bit."""
    import numba
    prev = numba.get_num_threads()
    try:
        out = []
        for nt in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(nt)
            e = tr.efficiency(3.0, KF_A0, n_samples=N, seed=11)
            out.append((e.mean, e.stderr))
    finally:
        numba.set_num_threads(prev)
    assert out[0] == out[1]


def test_field_average_is_unbiased():
    """(u.P)^2 with u = z and |P|^2/3 have the same expectation (cubic symmetry)."""
    a = tr.efficiency(5.0, KF_A0, n_samples=1_000_000, seed=6, field_average=True)
    b = tr.efficiency(5.0, KF_A0, n_samples=1_000_000, seed=7, field_average=False)
    assert abs(a.mean - b.mean) < 4 * np.hypot(a.stderr, b.stderr)
    assert a.stderr < b.stderr


def test_sampler_is_uniform_on_the_sphere():
    d = tr.sample_directions(8, 0, np.arange(40_000))
    np.testing.assert_allclose((d**2).sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(d.mean(axis=0), 0.0, atol=4 * np.sqrt(1 / 3 / 40_000))
    np.testing.assert_allclose((d**2).mean(axis=0), 1 / 3, atol=4 * np.sqrt(4 / 45 / 40_000))


def test_uniforms_are_uniform():
    u = tr.uniforms(1, 0, 0, 200_000)
    assert 0.0 <= u.min() and u.max() < 1.0
    assert u.mean() == pytest.approx(0.5, abs=4 * np.sqrt(1 / 12 / 200_000))


def test_numba_numpy_twins():
    rng = np.random.default_rng(0)
    p = rng.uniform(-4, 4, size=(2000, 3))
    for fa in (True, False):
        np.testing.assert_allclose(tr.integrand(p, 7.0, KF_A0, 3, fa),
                                   tr.integrand(p, 7.0, KF_A0, 3, fa, numba=False), rtol=1e-10)
    d1 = tr.sample_directions(9, 3, np.arange(3000))
    d2 = tr.sample_directions(9, 3, np.arange(3000), numba=False)
    np.testing.assert_allclose(d1, d2, rtol=1e-10, atol=1e-15)
    a = tr.efficiency(7.0, KF_A0, n_samples=64 * 500, seed=9)
    b = tr.efficiency(7.0, KF_A0, n_samples=64 * 500, seed=9, numba=False)
    assert a.mean == pytest.approx(b.mean, rel=1e-10)
    assert a.stderr == pytest.approx(b.stderr, rel=1e-8)


def test_block_direction_sampler_draws_the_scalar_numbers():
    """The vectorised by-try sampler of the MC kernel reproduces _direction_nb exactly,
    including vectors rejected once, twice, ... (compaction rounds)."""
    B = tr._BATCH
    key = tr._chunk_key(11, 2)
    arrs = [np.empty(4 * B) for _ in range(6)]
    ok = np.empty(4 * B, dtype=np.bool_)
    jl = np.empty(4 * B, dtype=np.int64)
    vl = np.empty(4 * B, dtype=np.int64)
    n_rejected = 0
    for i0, nb in ((0, B), (B, B), (2 * B, 17)):          # a partial block too
        dx, dy, dz, cx, cy, cz = arrs
        tr._directions_block_nb(key, i0, nb, dx, dy, dz, jl, vl, cx, cy, cz, ok)
        vec = [4 * (i0 + k) + v for v in range(4) for k in range(nb)]
        ref = tr.sample_directions(11, 2, vec)
        got = np.array([(dx[v * B + k], dy[v * B + k], dz[v * B + k])
                        for v in range(4) for k in range(nb)])
        np.testing.assert_array_equal(got, ref)
        u = np.array([tr.uniforms(11, 2, n * tr._BLOCK, 2) for n in vec])
        n_rejected += int((((2 * u - 1) ** 2).sum(axis=1) >= 1.0).sum())
    assert n_rejected > 20          # the rejection path was exercised


@pytest.mark.parametrize("m2_max", [1, 2, 3])
def test_lorentzian_pair_grouping_twins_near_peaks_and_large_l(m2_max):
    """Grouped +-g sums (one division per 2 or 4 Lorentzians) against the plain NumPy sum,
    at momenta on and next to the g peaks and for l up to 1e6 (no cancellation)."""
    rng = np.random.default_rng(1)
    g, _ = tr._g_table(KF_A0, m2_max)
    g = g[np.linalg.norm(g, axis=1) <= 4.0]                  # peaks reachable by |P| <= 4
    p = np.concatenate([rng.uniform(-4, 4, size=(500, 3)), g,
                        g + rng.normal(scale=1e-4, size=g.shape), g * (1 + 1e-7)])
    gx, gy, gz, w = tr._g_pairs(KF_A0, m2_max)
    assert 2 * gx.size == tr._g_table(KF_A0, m2_max)[0].shape[0]
    for L in (0.5, 7.0, 1e3, 1e6):
        ref = tr.integrand(p, L, KF_A0, m2_max, True, numba=False)
        for quad in (True, False):
            got = tr._weights_batch_nb(p, L, KF_A0, gx, gy, gz, w, quad, True)
            np.testing.assert_allclose(got, ref, rtol=1e-10)


def test_mc_twins_other_options_and_huge_l():
    for kw in (dict(pairings=1, field_average=False), dict(pairings=3, n_chunks=5)):
        a = tr.efficiency(3.0, KF_A0, n_samples=30_000, seed=12, **kw)
        b = tr.efficiency(3.0, KF_A0, n_samples=30_000, seed=12, numba=False, **kw)
        assert a.mean == pytest.approx(b.mean, rel=1e-10)
        assert a.stderr == pytest.approx(b.stderr, rel=1e-8)
    gx, gy, gz, _ = tr._g_pairs(KF_A0, 3)
    assert tr._quad_ok(1e20, gx, gy, gz) and not tr._quad_ok(1e40, gx, gy, gz)
    a = tr.efficiency(1e40, KF_A0, n_samples=3 * 64 * 40, seed=13)   # one division per pair
    b = tr.efficiency(1e40, KF_A0, n_samples=3 * 64 * 40, seed=13, numba=False)
    assert np.isfinite(a.mean) and a.mean > 0
    assert a.mean == pytest.approx(b.mean, rel=1e-10)


def test_eq36_exact_coefficients_and_convergence():
    lam0, mu = 0.4, 0.1
    c = tr.eq36_coefficients(lam0, mu)
    h = lambda lam: tr.coupling_factor(lam, mu)  # noqa: E731
    eps = 1e-4
    assert (h(lam0 + eps) - h(lam0 - eps)) / (2 * eps) == pytest.approx(c["a1"], rel=1e-7)
    assert (h(lam0 + eps) - 2 * h(lam0) + h(lam0 - eps)) / (2 * eps**2) == pytest.approx(c["a2_exact"], rel=1e-5)
    # the second-order truncation error is cubic in delta lambda
    e = [abs(h(lam0 + d) - (h(lam0) + c["a1"] * d + c["a2_exact"] * d**2)) for d in (0.02, 0.01)]
    assert e[0] / e[1] == pytest.approx(8.0, rel=0.1)
    # Eq. 36's printed a2 differs from the Taylor coefficient (documented reading)
    assert c["a2_paper"] != pytest.approx(c["a2_exact"], rel=0.05)


def test_kadowaki_woods_scaling():
    base = tr.kadowaki_woods(1.0, 1e28, 1e46, 1e12)
    assert tr.kadowaki_woods(3.0, 1e28, 1e46, 1e12) == pytest.approx(3 * base)
    assert tr.kadowaki_woods(1.0, 1e28, 2e46, 1e12) == pytest.approx(base / 4)


def test_bad_sample_count():
    with pytest.raises(InputError):
        tr.efficiency(5.0, KF_A0, n_samples=10)


def test_segmented_kernel_gives_the_same_bits(monkeypatch):
    """The Monte Carlo kernel runs in segments (so that Ctrl-C is seen between them): any
    segment length gives bit-for-bit the single-call result."""
    ref = tr.efficiency(30.0, KF_A0, n_samples=3 * 64 * 1000, seed=3)
    for seg in (64 * 64, 64 * 64 * 3, 10**9):
        monkeypatch.setattr(tr, "_SEGMENT_SETS", seg)
        r = tr.efficiency(30.0, KF_A0, n_samples=3 * 64 * 1000, seed=3)
        assert (r.mean, r.stderr) == (ref.mean, ref.stderr)


def test_sigint_stops_a_long_monte_carlo_within_seconds(tmp_path):
    """A Monte Carlo of 1e13 samples (days) stops within seconds of SIGINT."""
    import signal
    import subprocess
    import sys
    import time

    code = ("from scimodel.defectal import transport as tr\n"
            "print('ready', flush=True)\n"
            "tr.efficiency(30.0, 1.4, n_samples=10**13, seed=1)\n")
    # default_sigint: the child sees SIGINT as from a terminal even when the test run
    # itself was started in the background (nohup, '&'), which ignores SIGINT
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint) as p:
        try:
            assert p.stdout.readline().strip() == "ready"
            time.sleep(8.0)                       # compile and run into the long loop
            assert p.poll() is None
            t0 = time.monotonic()
            p.send_signal(signal.SIGINT)
            _, err = p.communicate(timeout=60)
            waited = time.monotonic() - t0
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
    assert p.returncode != 0
    assert "KeyboardInterrupt" in err
    assert waited < 10.0, waited
