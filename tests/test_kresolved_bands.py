"""Kohn-Sham bands over the zone (scimodel.qe.bandgrid) and their star-function fit
(scimodel.scdft.abinitio_bands): conventions checked on a tiny pw.x run, accuracy and
its convergence with the mesh on the committed band grids."""
from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from scimodel import qe
from scimodel.errors import InputError
from scimodel.qe import bandgrid
from scimodel.scdft import abinitio_bands
from scimodel.scdft.bzgrid import cart_to_frac

from conftest import ROOT, run_snakemake

BANDS = ROOT / "resources" / "abinitio" / "bands"
CACHED = sorted(BANDS.glob("*.nc"))
needs_qe = pytest.mark.skipif(not qe.qe_available(), reason="Quantum ESPRESSO (pw.x) not installed")

AL_TINY = {"structure": "fcc", "a_angstrom": 4.05, "mass_amu": 26.98, "pseudo": "shipped/Al.pz-vbc.UPF",
           "ecutwfc_Ry": 12.0, "ecutrho_Ry": 48.0, "k_scf": 4, "k_dense": 8, "q_grid": 2, "q_check": 0,
           "degauss_Ry": 0.05, "elph_sigma0_Ry": 0.005, "elph_nsigma": 10, "elph_sigma_Ry": 0.03,
           "stability_window_Ry": [0.02, 0.04], "k_dos": 4, "nbnd": 8, "n_valence": 3,
           "semicore_bands": 0, "matdyn_grid": 4, "dos_degauss_Ry": 0.01, "dos_step_eV": 0.05}


@pytest.mark.qe
@needs_qe
def test_tiny_band_grid_conventions(tmp_path, monkeypatch):
    """pw.x 'bands' at every point of the full 4^3 mesh (the check points, forced onto
    the mesh) gives the nscf energies of its irreducible image to 0.05 meV, and the fit
    through the irreducible points, symmetric by construction, reproduces them: the k
    units and bases of the nscf and bands runs and of the fit agree."""
    mesh = 4
    full = np.array([(i, j, k) for i in range(mesh) for j in range(mesh) for k in range(mesh)]) / mesh
    monkeypatch.setattr(bandgrid, "random_k_fractions", lambda n, seed: full)
    spec = qe.metal_spec("Al", AL_TINY)
    bandgrid.run_band_grid(spec, ROOT / "resources/pseudo/shipped/Al.pz-vbc.UPF", tmp_path / "run",
                           tmp_path / "scratch", mesh=mesh, n_random=full.shape[0], seed=0)
    assert not (tmp_path / "scratch").exists()
    ds = bandgrid.band_grid_dataset(tmp_path / "run")
    assert ds.sizes["k_irr"] == 8 and ds.sizes["band"] == 8        # fcc 4^3: 8 irreducible points
    np.testing.assert_allclose(float(ds["weight_grid"].sum()), 1.0)
    frac = cart_to_frac(ds["k_random"].values, ds["cell"].values)
    np.testing.assert_allclose(np.mod(frac + 1e-9, 1.0) - 1e-9, full, atol=1e-8)
    fit = abinitio_bands.fit_bands(ds)
    assert fit.residual < 1e-6
    e_fit = fit.energies(ds["k_random"].values)
    np.testing.assert_allclose(e_fit, ds["energy_random"].values, atol=0.05)
    e_grid = ds["energy_grid"].values
    assert np.isclose(e_grid.min(), ds["energy_random"].values.min(), atol=0.05)
    assert float(ds.attrs["fermi_energy_eV"]) > 0 and ds.attrs["mesh"] == mesh


def test_band_grid_refuses_bad_settings(tmp_path):
    spec = qe.metal_spec("Al", AL_TINY)
    with pytest.raises(InputError, match="band_grid.mesh"):
        bandgrid.run_band_grid(spec, "none.UPF", tmp_path / "r", tmp_path / "s", mesh=1, n_random=2, seed=0)
    with pytest.raises(InputError, match="n_random"):
        bandgrid.random_k_fractions(0, 1)
    a, b = bandgrid.random_k_fractions(5, 3), bandgrid.random_k_fractions(5, 3)
    assert np.array_equal(a, b) and a.min() >= 0 and a.max() < 1
    with pytest.raises(InputError, match="band-grid run"):
        bandgrid.band_grid_dataset(tmp_path)


def test_load_band_grid_names_what_is_wrong(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        abinitio_bands.load_band_grid(tmp_path / "none.nc")
    ds = xr.Dataset({"energy_grid": (("k", "b"), np.zeros((2, 2)), {"units": "eV"})}, attrs={"mesh": 2})
    ds.to_netcdf(tmp_path / "x.nc")
    with pytest.raises(InputError, match=r"energy_grid.units.*'meV'"):
        abinitio_bands.load_band_grid(tmp_path / "x.nc")


@pytest.mark.skipif(not CACHED, reason="no committed band grids in resources/abinitio/bands")
@pytest.mark.parametrize("path", CACHED, ids=lambda p: p.stem)
def test_cached_band_grid_fit_converges_with_the_mesh(path):
    """The fit error at the random check points within 1 eV of E_F falls from the half
    mesh to the full mesh (median and 90th percentile), and on the full mesh the median
    is below 3 meV (stated tolerance; the measured values per metal are in
    results/tables/band_fit.md).  The maximum stays above 1 meV: bands sorted by energy
    have kinks where they cross."""
    ds = abinitio_bands.load_band_grid(path)
    np.testing.assert_allclose(float(ds["weight_grid"].sum()), 1.0, rtol=1e-12)
    half = abinitio_bands.random_point_errors(ds, abinitio_bands.fit_bands(ds, step=2))
    full = abinitio_bands.random_point_errors(ds, abinitio_bands.fit_bands(ds))
    assert full["n"] >= 50
    assert full["median"] < half["median"] / 2 and full["p90"] < half["p90"]
    assert full["median"] < 3.0, full


def test_mesh_subset_picks_the_coarser_mesh():
    """Every second point of a 4^3 mesh is the 2^3 mesh (synthetic points: the 4^3
    irreducible set of fcc from scdft.bzgrid)."""
    from scimodel.scdft.bzgrid import cubic_cell, frac_to_cart, irreducible_grid

    cell = cubic_cell("fcc", 7.6)
    g = irreducible_grid(cell, 4)
    ds = xr.Dataset({"k_grid": (("k", "xyz"), frac_to_cart(g.k_frac, cell)), "cell": (("v", "xyz"), cell)},
                    attrs={"mesh": 4})
    sub = abinitio_bands.mesh_subset(ds, 2)
    assert len(sub) == len(irreducible_grid(cell, 2).k_frac)
    with pytest.raises(InputError, match="divisor"):
        abinitio_bands.mesh_subset(ds, 3)


def test_a_metal_without_a_committed_band_grid_is_named_and_left_out():
    res = run_snakemake(ROOT, "-n", "--cores", "1", "--quiet", "rules", "--config",
                        'abinitio={"band_grid": {"metals": ["Al", "V"]}}', timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "no committed band grid for ['V']" in res.stderr
    assert not (ROOT / "resources/abinitio/bands/V.nc").exists()
