"""Datasets behind the defectal rules: CF attributes, the model-curve contract
with the digitization issue, and the figure functions (small configurations)."""
import numpy as np
import pytest

from scimodel.defectal import plots, products
from scimodel.io import check_cf, read_dataset, write_dataset

COMMON = dict(mu_star=0.1, kF_a0=1.4, a0_angstrom=4.05, shells_m2_max=3,
              transport=dict(readings=["sum_rule", "halo_only"], electrons_per_cell=1.0,
                             quadrature_nodes=48, shell_margin=6.0),
              flow=dict(n_points=5, kF_ell_min=5.0, line_r2_min=0.97, n_eliashberg=2,
                        eliashberg_cutoff_factor=5.0),
              monte_carlo=dict(samples=64_000, seed=1))
CLASSES = dict(
    weak=dict(lambda_inf=0.4, omega_E_inf_meV=20.0, omega_opt_meV=2.2, omega_c_meV=20.0,
              kF_l0=40.0, heavy_mass_ratio=300.0, omega_D_meV=25.0),
    strong=dict(lambda_inf=0.75, omega_E_inf_meV=10.0, omega_opt_meV=12.0, omega_c_meV=10.0,
                kF_l0=15.0, heavy_mass_ratio=30.0, omega_D_meV=12.0))


@pytest.fixture(scope="module")
def flows():
    return {c: products.flow_dataset(c, CLASSES[c], COMMON) for c in ("weak", "strong")}


def test_model_curves_contract(flows, tmp_path):
    mc = products.model_curves(flows)
    check_cf(mc)
    for c in ("weak", "strong"):
        for v in ("dTc_over_Tc0", "A", "lnTc", "A_inv_sqrt", "Tc", "A_err"):
            assert mc[f"{v}_{c}"].dims == (f"drho_{c}",)
    path = write_dataset(mc, tmp_path / "model_curves.nc", source="test")
    ds = read_dataset(path, required={"dTc_over_Tc0_weak": "1", "Tc_strong": "K"})
    assert ds["drho_weak"].values[0] == 0.0
    datasets = pytest.importorskip("scimodel.datasets")
    got = datasets.read_model_curves(path)
    assert {f"{k}_{c}" for k in ("dtc", "A", "lntc") for c in ("weak", "strong")} <= set(got)
    np.testing.assert_array_equal(got["A_weak"][1], mc["A_weak"].values)
    np.testing.assert_array_equal(got["lntc_strong"][0], mc["A_inv_sqrt_strong"].values)
    # the overlays use the default (first) reading
    assert mc.attrs["reading"] == "sum_rule"
    np.testing.assert_array_equal(mc["A_weak"].values, flows["weak"].A_rel.sel(reading="sum_rule").values)


def test_flow_signs(flows):
    assert np.all(np.diff(flows["weak"]["Tc"].values) > 0)
    assert np.all(np.diff(flows["strong"]["Tc"].values) < 0)
    for f in flows.values():
        check_cf(f)
        assert f.reading.values.tolist() == ["sum_rule", "halo_only"]
        assert np.all(np.isfinite(f.Tc_eliashberg_over_eq16.values))


def test_small_datasets_and_figures(flows, tmp_path):
    para = products.paracrystal_dataset(dict(sigmas=[0.03, 0.08], orders=3))
    check_cf(para)
    # measured heights follow S_max = 1/(pi^2 sigma^2 m^2) in the small-distortion regime
    h = para["height"].values
    eps = 2 * np.pi**2 * para["sigma"].values[:, None] ** 2 * para["order"].values[None, :] ** 2
    ok = np.isfinite(h) & (eps < 0.3)
    assert ok.sum() >= 3
    np.testing.assert_allclose(h[ok], para["height_paper"].values[ok], rtol=0.05)
    dif = products.diffraction_dataset(dict(n_sites=48, sigma=0.05, oversample=8, k_max_orders=3.5,
                                            bin=1, seed=3, profile_sigma=0.08, profile_points=60,
                                            metric_seeds=1))
    check_cf(dif)
    assert dif.attrs["isotropy_metrics"] == "computed"
    assert 0.3 < dif.attrs["ring_anisotropy"] < 3.0          # isotropic halo, no streaks
    spec = products.spectra_dataset(dict(kF_ell=[1e4, 1.4], n_omega=200, lambda_norm=1.0,
                                         heavy_mass_ratio=300.0, resonance_weight=0.5), 1.4, 3)
    check_cf(spec)
    assert spec["low_freq_exponent"].values[0] == pytest.approx(2.0, abs=0.1)
    assert spec["low_freq_exponent"].values[1] == pytest.approx(1.0, abs=0.1)
    for fn, arg in ((plots.fig_paracrystal, para), (plots.fig1jk, dif), (plots.fig5gh, spec),
                    (plots.fig4ab, flows), (plots.fig_tc_a, flows)):
        out = tmp_path / f"{fn.__name__}.png"
        fn(arg, out)
        assert out.stat().st_size > 1000
