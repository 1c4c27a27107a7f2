"""Core: units, NetCDF I/O with provenance, spectrum reader, config validation."""
from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from numpy.testing import assert_allclose

from scimodel import units
from scimodel.config import validate_config
from scimodel.errors import InputError
from scimodel.io import da, read_dataset, read_spectrum, write_dataset, write_spectrum
from conftest import ROOT, default_sigint


def test_unit_factors_against_textbook_values():
    assert_allclose(units.KB_MEV_PER_K, 0.08617333262, rtol=1e-10)
    assert_allclose(units.THZ_TO_MEV, 4.135667696, rtol=1e-9)
    assert_allclose(units.RY_TO_MEV, 13605.693122994, rtol=1e-10)
    assert_allclose(units.HA_TO_MEV, 2 * units.RY_TO_MEV, rtol=1e-11)
    assert_allclose(units.CM1_TO_MEV, 0.1239841984, rtol=1e-9)
    assert_allclose(units.mev_to_kelvin(units.kelvin_to_mev(7.2)), 7.2, rtol=1e-15)


def _ds():
    return xr.Dataset({"x": da([1.0, 2.0], "i", "meV", "an energy")},
                      coords={"i": da([0, 1], "i", "1", "index")})


def test_write_read_roundtrip_with_provenance(tmp_path):
    path = write_dataset(_ds(), tmp_path / "a/b.nc", source="test", references="ref",
                         config={"k": 1}, wildcards={"w": "x"})
    ds = read_dataset(path, required={"x": "meV"})
    assert ds.attrs["source"] == "test" and ds.attrs["config"] == '{"k": 1}'
    assert ds.attrs["scimodel_version"] and "git_commit" in ds.attrs
    assert_allclose(ds["x"].values, [1.0, 2.0])


def test_write_refuses_variable_without_units(tmp_path):
    ds = _ds()
    del ds["x"].attrs["units"]
    with pytest.raises(InputError, match="'x'.*units"):
        write_dataset(ds, tmp_path / "c.nc", source="t")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("mutate,field", [
    (lambda ds: ds.drop_vars("x"), "x"),
    (lambda ds: ds.assign(x=ds["x"].assign_attrs(units="eV")), "x"),
])
def test_read_validates(tmp_path, mutate, field):
    p = tmp_path / "d.nc"
    mutate(_ds()).to_netcdf(p)
    with pytest.raises(InputError) as exc:
        read_dataset(p, required={"x": "meV"})
    assert str(p) in str(exc.value) and f"'{field}'" in str(exc.value)


def test_spectrum_roundtrip_and_unit_conversion(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("# test\nomega_THz,alpha2F\n0,0\n1,0.5\n2,0.25\n")
    w, a = read_spectrum(p)
    assert_allclose(w, [0, units.THZ_TO_MEV, 2 * units.THZ_TO_MEV])
    write_spectrum(tmp_path / "t.csv", w, a)
    w2, a2 = read_spectrum(tmp_path / "t.csv")
    assert_allclose(w2, w, rtol=1e-9) and assert_allclose(a2, a)


@pytest.mark.parametrize("text,field", [
    ("", "<header>"),
    ("omega_meV,alpha2F\n", "<data>"),
    ("omega_meV,alpha2F\n0,0\n1,0.1\n", "<data>"),                    # truncated
    ("freq,alpha2F\n0,0\n1,1\n2,1\n", "header"),                       # wrong columns
    ("omega_furlong,alpha2F\n0,0\n1,1\n2,1\n", "omega_furlong"),       # unknown unit
    ("omega_meV,alpha2F\n0,0\n1,nan\n2,1\n", "alpha2F"),
    ("omega_meV,alpha2F\n0,0\n-1,1\n2,1\n", "omega_meV"),
    ("omega_meV,alpha2F\n0,0\n2,1\n1,1\n", "omega_meV"),               # not monotonic
    ("omega_meV,alpha2F\n0,0\n1,-1\n2,1\n", "alpha2F"),
    ("omega_meV,alpha2F\n0,0\n1,x\n2,1\n", "line 3"),
])
def test_spectrum_reader_rejects_bad_files(tmp_path, text, field):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(InputError) as exc:
        read_spectrum(p)
    assert str(p) in str(exc.value) and field in str(exc.value)


def test_config_validation_fills_defaults_and_names_field():
    schema = ROOT / "src/scimodel/schemas/config.schema.yaml"
    cfg = {"eliashberg": {"spectra": {"e": {"kind": "einstein", "omega_e_meV": 10, "lambda": 1}}}}
    validate_config(cfg, schema)
    assert cfg["eliashberg"]["mu_star"] == 0.1
    cfg["eliashberg"]["spectra"]["e"]["kind"] = "lorentz"
    with pytest.raises(InputError, match="eliashberg.spectra.e.kind"):
        validate_config(cfg, schema, ["my.yaml"])


def test_code_fingerprint_tracks_every_source_file(tmp_path):
    """The workflow's rerun trigger: an edit of any .py file of the package changes
    it; byte-code caches and non-Python files do not."""
    import shutil
    from pathlib import Path

    import scimodel
    from scimodel.provenance import code_fingerprint
    pkg = tmp_path / "scimodel"
    shutil.copytree(Path(scimodel.__file__).parent, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    a = code_fingerprint(pkg)
    assert a == code_fingerprint() and len(a) == 16
    (pkg / "__pycache__").mkdir(exist_ok=True)
    (pkg / "__pycache__" / "x.py").write_text("junk")
    (pkg / "notes.txt").write_text("junk")
    assert code_fingerprint(pkg) == a
    with open(pkg / "scdft" / "kernels.py", "a") as fh:
        fh.write("\n")
    b = code_fingerprint(pkg)
    assert b != a
    (pkg / "scdft" / "new_module.py").write_text("x = 1\n")
    assert code_fingerprint(pkg) not in (a, b)


_CTRL_C_DURING_WRITE = """
import os, signal, sys
import numpy as np, xarray as xr
from pathlib import Path
from scimodel import io
out = Path(sys.argv[1])
ds = xr.Dataset({"x": ("n", np.arange(10.0), {"units": "1", "long_name": "x"})})
def write(tmp):
    os.kill(os.getpid(), signal.SIGINT)          # Ctrl-C in the middle of the write
    ds.to_netcdf(tmp)
try:
    io._atomic(out, write, suffix=".nc")
except KeyboardInterrupt:
    with xr.open_dataset(out) as got:
        print("interrupted after a complete write:", got["x"].size)
    sys.exit(0)
print("the interrupt was lost")
"""


def test_ctrl_c_during_a_write_is_delivered_after_it(tmp_path):
    """A KeyboardInterrupt inside xarray's locked netCDF write can leave its lock
    held and hang the job (CI, 2026-12-02); writes hold SIGINT back until the
    file is complete and renamed, then raise KeyboardInterrupt."""
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-c", _CTRL_C_DURING_WRITE, str(tmp_path / "o.nc")],
                         capture_output=True, text=True, timeout=120, preexec_fn=default_sigint)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "interrupted after a complete write: 10"
    assert [p.name for p in tmp_path.iterdir()] == ["o.nc"]      # no temporary file left
