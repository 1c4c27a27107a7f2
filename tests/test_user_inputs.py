"""A metal from the user's own alpha2F and DOS text files (scimodel.user_inputs).

Round trip: the committed first-principles Al input is written out as text
files (DOS in eV, states/eV: exercises the unit conversion), read back by
the user route, and must give the same SCDFT input (alpha2F, DOS, N(0),
k_F, volume) and pass the contract check of scimodel.qe.read_abinitio.
The workflow test runs the rule and the paper-004 per-metal target on it.
"""
from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
import yaml

from conftest import ROOT, copy_workflow, run_snakemake
from scimodel import qe, units
from scimodel.errors import InputError
from scimodel.io import read_dos, write_dataset, write_spectrum
from scimodel.user_inputs import dataset_from_files

AL_NC = ROOT / "resources/abinitio/Al.nc"


def _export_al(tmp_path, dos_unit="eV"):
    with xr.open_dataset(AL_NC) as ds:
        ds = ds.load()
    a2f = tmp_path / "al_a2f.csv"
    write_spectrum(a2f, ds["omega"].values, ds["a2f"].values, "alpha2F", comment="Al from resources")
    factor = units.energy_factor_to_mev(dos_unit)
    keep = ds["xi"].values >= float(ds["band_bottom"]) - 50.0
    xi, n = ds["xi"].values[keep], ds["dos"].values[keep]
    dos = tmp_path / "al_dos.csv"
    dos.write_text(f"# Al DOS per {dos_unit} per spin per atom\nxi_{dos_unit},dos\n"
                   + "".join(f"{float(x / factor)!r},{float(d * factor)!r}\n" for x, d in zip(xi, n)))
    return ds, a2f, dos


@pytest.mark.parametrize("unit", ["eV", "meV", "Ry"])
def test_read_dos_converts_units_once(tmp_path, unit):
    ds, _, dos = _export_al(tmp_path, unit)
    xi, n = read_dos(dos)
    keep = ds["xi"].values >= float(ds["band_bottom"]) - 50.0
    np.testing.assert_allclose(xi, ds["xi"].values[keep], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(n, ds["dos"].values[keep], rtol=1e-12, atol=0)


def test_round_trip_of_the_al_input(tmp_path):
    ds, a2f, dos = _export_al(tmp_path)
    a = float(ds.attrs["lattice_constant_angstrom"])
    user = dataset_from_files("Al", a2f, dos, structure="fcc", a_angstrom=a, n_valence=3)
    path = tmp_path / "Al_user.nc"
    write_dataset(user, path, source="test", references="test")
    back = qe.read_abinitio(path)          # the contract every consumer relies on
    for var, rtol in (("lambda", 1e-10), ("omega_log", 1e-10), ("omega2", 1e-10),
                      ("dos_ef", 2e-3), ("kf", 1e-3), ("volume", 1e-3), ("electron_density", 3e-3)):
        assert float(back[var]) == pytest.approx(float(ds[var]), rel=rtol), var
    # band bottom: the QE value is the lowest eigenvalue; from a binned DOS it is
    # known to one bin (the first non-zero bin)
    step = float(np.diff(ds["xi"].values).max())
    assert abs(float(back["band_bottom"]) - float(ds["band_bottom"])) <= 2 * step


def test_omega_grid_gets_zero_prepended(tmp_path):
    ds, _, dos = _export_al(tmp_path)
    a2f = tmp_path / "a2f.csv"
    a2f.write_text("omega_THz,alpha2F\n1,0.1\n2,0.4\n3,0.2\n4,0\n")
    user = dataset_from_files("X", a2f, dos, structure="bcc", a_angstrom=3.3, n_valence=5)
    assert user["omega"].values[0] == 0.0
    assert user["omega"].values[1] == pytest.approx(units.energy_factor_to_mev("THz"))
    assert np.isnan(user["phonon_dos"].values).all()


def test_all_zero_alpha2f_is_refused(tmp_path):
    _, _, dos = _export_al(tmp_path)
    a2f = tmp_path / "a2f.csv"
    a2f.write_text("omega_meV,alpha2F\n0,0\n1,0\n2,0\n")
    with pytest.raises(InputError, match="all values are zero"):
        dataset_from_files("X", a2f, dos, structure="fcc", a_angstrom=4.0, n_valence=3)


@pytest.mark.slow
def test_user_metal_through_the_workflow(tmp_path):
    """Rule abinitio_user + the paper-004 per-metal target on Al's exported files:
    the SCDFT Tc (TF-FE) equals that of the committed Al input within 1 %
    (the inputs differ only by the band bottom's bin)."""
    wf = copy_workflow(tmp_path / "wf")
    _, a2f, dos = _export_al(wf / "resources")
    cfg_path = wf / "config/config.yaml"
    c = yaml.safe_load(cfg_path.read_text())
    c["abinitio"]["metals"] = ["Al", "AlUser"]
    c["abinitio"]["elements"]["AlUser"] = {
        "structure": "fcc", "a_angstrom": c["abinitio"]["elements"]["Al"]["a_angstrom"],
        "n_valence": 3, "files": {"alpha2f": "resources/al_a2f.csv", "dos": "resources/al_dos.csv",
                                  "reference": "test: exported from resources/abinitio/Al.nc"}}
    c["paper004"]["metals"] = ["Al", "AlUser"]
    cfg_path.write_text(yaml.safe_dump(c, sort_keys=False))
    targets = ["results/paper004/metals/AlUser.nc", "results/paper004/metals/Al.nc",
               "results/tables/abinitio_summary.md"]
    res = run_snakemake(wf, *targets, "--cores", "2", timeout=1800)
    assert res.returncode == 0, res.stderr[-3000:]
    with xr.open_dataset(wf / targets[0]) as u, xr.open_dataset(wf / targets[1]) as ref:
        assert float(u["tc_tf_fe"]) == pytest.approx(float(ref["tc_tf_fe"]), rel=0.01)
    assert "AlUser" in (wf / targets[2]).read_text()
    with xr.open_dataset(wf / "results/abinitio/user/AlUser.nc") as u:
        assert "al_a2f.csv" in u.attrs["input_alpha2f_file"]
        assert u.attrs["references"].startswith("test: exported")


@pytest.mark.slow
def test_shipped_user_metal_example_runs_as_documented(tmp_path):
    """config/examples/user_metal.yaml (config/README.md): Al from the shipped text
    files gives the Al row of the QE cache (same alpha2F and DOS, exported by
    resources/examples/make_al_text_example.py) to 1e-3, and Table 2 has its row."""
    wf = copy_workflow(tmp_path / "wf")
    res = run_snakemake(wf, "--cores", "2", "results/paper004/metals/AlText.nc",
                        "results/paper004/metals/Al.nc", "results/tables/table2.md",
                        "--configfile", "config/examples/user_metal.yaml")
    assert res.returncode == 0, res.stderr[-3000:]
    with xr.open_dataset(wf / "results/paper004/metals/Al.nc") as a, \
            xr.open_dataset(wf / "results/paper004/metals/AlText.nc") as b:
        for k in ("tc_tf_fe", "tc_tf_sk", "delta0_tf_fe", "lambda", "dos_ef", "cs_cn_tf_fe"):
            assert float(b[k]) == pytest.approx(float(a[k]), rel=1e-3), k
    assert any(ln.startswith("| AlText |") for ln in (wf / "results/tables/table2.md").read_text().splitlines())
