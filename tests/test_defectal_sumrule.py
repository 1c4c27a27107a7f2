"""Sum-rule reading of the defectal transport (scimodel.defectal.sumrule) and the
Tc-A flow it gives (Eq. 39): limits, an independent Monte Carlo, convergence,
and the acceptance numbers on the configured material classes."""
from pathlib import Path

import numpy as np
import pytest
import yaml

from scimodel.defectal import model, products, sumrule as sr

ROOT = Path(__file__).resolve().parents[1]
X1 = sr.KF_A0_ONE_ELECTRON


def test_walk4_density_normalised_with_second_moment_4():
    s = np.linspace(0.0, 4.0, 400_001)
    f = sr.walk4_density(s)
    assert np.trapezoid(f, s) == pytest.approx(1.0, abs=1e-9)
    assert np.trapezoid(f * s**2, s) == pytest.approx(4.0, abs=1e-8)     # <|d1+..+d4|^2> = 4
    # against sampled sums of four random unit vectors
    rng = np.random.default_rng(3)
    d = rng.normal(size=(4, 400_000, 3))
    d /= np.linalg.norm(d, axis=2, keepdims=True)
    r = np.linalg.norm(d.sum(axis=0), axis=1)
    hist, edges = np.histogram(r, bins=16, range=(0, 4), density=True)
    mid = 0.5 * (edges[1:] + edges[:-1])
    np.testing.assert_allclose(hist, sr.walk4_density(mid), atol=0.01)


def test_kf_a0_of_one_electron_per_cell():
    assert sr.kf_a0_from_electrons(1.0) == pytest.approx(3.0936677, rel=1e-7)
    assert sr.kf_a0_from_electrons(2.0) / sr.kf_a0_from_electrons(1.0) == pytest.approx(2 ** (1 / 3))
    with pytest.raises(Exception, match="electrons_per_cell"):
        sr.kf_a0_from_electrons(0.0)


def test_pristine_limit_is_the_umklapp_lattice_sum():
    e_inf = sr.efficiency_pristine(X1)
    assert e_inf == pytest.approx(1.35591, abs=2e-5)
    for kfl in (1e6, 1e9):
        assert sr.efficiency(kfl, X1) == pytest.approx(e_inf, rel=2e-5)
    # a small sphere (4 k_F < |g_1|) has no umklapp: the halo-only case of the paper
    assert sr.efficiency_pristine(1.4) == 0.0


@pytest.mark.parametrize("kfl", [np.inf, 50.0, 5.0, 1.0])
def test_dense_lattice_limit_is_four_thirds(kfl):
    """k_F a0 >> 1: the peaks fill reciprocal space with unit density, E -> <|P|^2>/3 = 4/3."""
    assert sr.efficiency(kfl, 40.0) == pytest.approx(4.0 / 3.0, rel=2e-4)


def test_sphere_average_against_direct_angular_quadrature():
    mu, w = np.polynomial.legendre.leggauss(400)
    for s, kap, g in ((1.0, 0.3, 2.0), (2.1, 0.05, 2.03), (3.0, 1.0, 5.0), (0.7, 0.2, 0.0)):
        u2 = s**2 + g**2 - 2 * s * g * mu            # |s e - g|^2 at cos(angle) = mu
        direct = 0.5 * np.sum(w * (kap / np.pi**2) / (kap**2 + u2) ** 2)
        assert sr.sphere_average(s, kap, g) == pytest.approx(direct, rel=1e-9)


def test_structure_factor_sum_rule_and_halo():
    """Peaks of weight V* at every g; broad peaks merge into a halo S -> 1."""
    # the weight of the (1,0,0) peak: integrate S over the cell around g_1 at small width
    g1 = 2 * np.pi / X1
    n = 41
    x = np.linspace(-0.5, 0.5, n) * g1
    p = np.stack(np.meshgrid(x + g1, x, x, indexing="ij"), axis=-1).reshape(-1, 3)
    s = sr.structure_factor(p, 2.0, X1, shell_margin=3.0)
    cell_mean = s.mean()
    assert 0.9 < cell_mean < 1.1
    far = np.array([[9.0, 4.0, 1.0], [12.0, -3.0, 7.0]])
    np.testing.assert_allclose(sr.structure_factor(far, 5.0, X1), 1.0, atol=0.02)


@pytest.mark.parametrize("kfl", [3.0, 5.0])
def test_efficiency_against_brute_force_monte_carlo(kfl):
    """Four random Fermi-surface directions, S_l evaluated point by point (no radial reduction)."""
    rng = np.random.default_rng(int(kfl))
    vals = []
    for _ in range(16):
        d = rng.normal(size=(4, 15_000, 3))
        d /= np.linalg.norm(d, axis=2, keepdims=True)
        p = d[0] + d[1] - d[2] - d[3]
        vals.append(np.mean(p[:, 2] ** 2 * sr.structure_factor(p, kfl, X1, shell_margin=3.0)))
    vals = np.array(vals)
    err = vals.std(ddof=1) / np.sqrt(vals.size)
    assert abs(vals.mean() - sr.efficiency(kfl, X1)) < 4 * err
    assert err / vals.mean() < 0.02


@pytest.mark.parametrize("kfl", [1e4, 200.0, 20.0, 5.0])
def test_quadrature_converged(kfl):
    ref = sr.efficiency(kfl, X1, nodes=256, shell_margin=16.0)
    assert sr.efficiency(kfl, X1) == pytest.approx(ref, rel=1e-4)


def test_efficiency_falls_slowly_along_the_flow():
    kfl = np.array([np.inf, 1e3, 100.0, 20.0, 5.0])
    e = np.array([sr.efficiency(k, X1) for k in kfl])
    assert np.all(np.diff(e) < 0)
    assert 0.92 < e[-1] / e[0] < 0.96          # F_l nearly constant: the premise of Eq. 39


def _config_flows(n_points=21):
    cfg = yaml.safe_load((ROOT / "config/config.yaml").read_text())["defectal"]
    common = {k: cfg[k] for k in ("mu_star", "kF_a0", "a0_angstrom", "shells_m2_max", "transport",
                                  "flow", "monte_carlo")}
    common["flow"] = dict(common["flow"], n_points=n_points, n_eliashberg=0)
    common["monte_carlo"] = dict(samples=64_000, seed=5)
    return {c: products.flow_dataset(c, cfg["classes"][c], common) for c in ("weak", "strong")}


@pytest.fixture(scope="module")
def config_flows():
    return _config_flows()


def test_config_classes_give_one_straight_tc_a_line(config_flows):
    """The acceptance numbers of the Tc-A law on the configured classes."""
    for c, f in config_flows.items():
        g = f.sel(reading="sum_rule")
        assert float(g.fit_R2) >= 0.97, c
        assert float(g.fit_F) > 0, c
        assert int(g.fit_supports_line) == 1
        trend = dict(t.split(": ") for t in f.attrs["A_trend"].split("; "))
        assert trend["sum_rule"] == ("rising" if c == "weak" else "falling")
        np.testing.assert_allclose(g.eq39_residual.values, 0.0, atol=1e-12)   # Eq. 38 in Eq. 39
        # halo-only reading: built, and no single line
        h = f.sel(reading="halo_only")
        assert int(h.fit_supports_line) == 0
        assert np.isnan(h.A_inv_sqrt.values[0])          # A = 0 on the pristine small sphere
    # strong class: the standard lambda(0) is of order 1-2 (Nb/Pb-like), not ~4
    assert 1.0 < config_flows["strong"].attrs["lambda_standard_inf"] < 2.0
    assert 1.0 / float(config_flows["strong"].inv_kF_ell.values[-1]) == pytest.approx(5.0)


def test_eq39_identity_holds_for_any_efficiency():
    """ln Tc = ln theta - F_l A_l^(-1/2) point by point with F_l = E_l^(1/2), for both readings."""
    cfg = dict(lambda_inf=0.4, omega_E_inf_meV=20.0, omega_opt_meV=2.2, omega_c_meV=20.0,
               kF_l0=40.0, heavy_mass_ratio=300.0, omega_D_meV=25.0)
    mc = model.MaterialClass.from_config("weak", cfg, 0.1)
    ds = model.flow(mc, [model.Reading("halo_only", 1.4, mc_samples=64_000, seed=1),
                         model.Reading("sum_rule", X1)], n_points=6)
    theta = ds.attrs["theta_K"]
    for r in ("halo_only", "sum_rule"):
        g = ds.sel(reading=r)
        m = np.isfinite(g.A_inv_sqrt.values)
        tc39 = theta * np.exp(-g.F_l.values[m] * g.A_inv_sqrt.values[m])
        np.testing.assert_allclose(tc39, ds.Tc.values[m], rtol=1e-12)
    assert ds.A_rel.sel(reading="halo_only").values[0] == 0.0
    assert ds.A_rel.sel(reading="sum_rule").values[0] > 0.0


def test_unknown_reading_is_refused():
    with pytest.raises(Exception, match="unknown reading"):
        model.Reading("literal", 1.4)
