"""scimodel.datasets: records, registry, units, ingestion, fits; the datasets workflow."""
from __future__ import annotations

import copy
import json
import re
import runpy
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from numpy.testing import assert_allclose

from scimodel import datasets as dsm
from scimodel import digitize as dg
from scimodel.errors import InputError
from scimodel.workflow import mock_snakemake

ROOT = Path(__file__).resolve().parents[1]
RES = ROOT / "resources" / "datasets"
REGISTRY = RES / "registry.yaml"
SCRIPT_INGEST = ROOT / "workflow" / "scripts" / "datasets_ingest.py"


@pytest.fixture(scope="module")
def registry():
    return dsm.load_registry(REGISTRY)


# ----------------------------------------------------------------------------- registry
def test_registry_consistent_and_complete(registry):
    groups = registry.groups
    mats = {v["material"] for v in groups.values()}
    assert mats == {"Al-O", "In", "V3Si", "Nb"}
    lit = [e for e in registry.series if groups[e["group"]]["kind"] != "synthetic"]
    syn = [e for e in registry.series if groups[e["group"]]["kind"] == "synthetic"]
    # every literature series is a skeleton until a real digitization is added
    for e in lit:
        rec = dsm.load_record(registry.record_path(e))
        assert e["status"] == dsm.AWAITING and not rec.has_data, e["id"]
        assert rec.meta["source"]["reference"]
    # the Fig. 3 panels a.1-a.10 (V3Si) and b.1-b.3 (In) all have a skeleton
    figs = {e["figure"] for e in lit}
    for p in [f"a.{i}" for i in range(1, 11)] + ["b.1", "b.2", "b.3"]:
        assert f"Fig. 3({p})" in figs
    # Fig. 2(a) series of the four materials: Q.I.1, 2, 4, 5, 6 and Q.IV.1-4
    ids = {e["id"].split("/")[1] for e in lit}
    for q in ("QI1", "QI2", "QI4", "QI5", "QI6", "QIV1", "QIV2", "QIV3", "QIV4"):
        assert f"dtc_{q}" in ids
    # synthetic records say so in the file name, the kind and the title
    for e in syn:
        assert "synthetic" in e["files"][0]
        rec = dsm.load_record(registry.record_path(e))
        assert rec.synthetic and rec.meta["title"].startswith("SYNTHETIC")
    # V3Si fluences of the Fig. 3 caption
    flu = sorted(dsm.load_record(registry.record_path(e)).meta["params_canonical"]["fluence"]
                 for e in syn if e["role"] == "rho_T")
    assert_allclose(flu, [0.0, 11e18, 18e18, 21.5e18])


def test_registry_mismatch_is_reported(tmp_path):
    shutil.copytree(RES, tmp_path / "d", ignore=shutil.ignore_patterns("*.py"))
    reg = tmp_path / "d" / "registry.yaml"
    doc = yaml.safe_load(reg.read_text())
    doc["series"][0]["status"] = "digitized"
    reg.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(InputError) as ei:
        dsm.load_registry(reg)
    assert ei.value.file == str(reg) and ei.value.field == "series[0].status"


# ----------------------------------------------------------------------------- units
@pytest.mark.parametrize("q,unit,factor", [
    ("rho", "mOhm cm", 1e3), ("rho", "Ohm m", 1e8), ("rho", "nOhm m", 0.1),
    ("T", "mK", 1e-3), ("A", "nOhm cm/K^2", 1e-3), ("A", "uOhm m/K^2", 100.0),
    ("A_inv_sqrt", "(nOhm cm/K^2)^-1/2", 1e-3 ** -0.5), ("fluence", "1e18 n/cm^2", 1e18),
    ("fluence", "n/m^2", 1e-4), ("dTc_rel", "%", 0.01), ("inv_rho0", "1/(mOhm cm)", 1e-3),
])
def test_unit_factors(q, unit, factor):
    assert dsm.unit_factor(q, unit) == pytest.approx(factor, rel=1e-14)


def test_unknown_unit_and_quantity():
    with pytest.raises(InputError, match="unknown unit"):
        dsm.unit_factor("rho", "furlong", "f.yaml", "y.unit")
    with pytest.raises(InputError, match="unknown quantity"):
        dsm.unit_factor("spin", "1", "f.yaml", "y.unit")


# ----------------------------------------------------------------------------- bad records
def _base_record():
    return yaml.safe_load((RES / "in_heim1978_synthetic" / "A_rho0.yaml").read_text())


def _write(tmp_path, doc, name="A_rho0", group="in_heim1978_synthetic"):
    p = tmp_path / group / f"{name}.yaml"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(yaml.safe_dump(doc, sort_keys=False))
    return p


def _mutations():
    def drop_cal(d):
        d["data"]["calibration"]["x"] = d["data"]["calibration"]["x"][:1]

    def same_cal(d):
        d["data"]["calibration"]["y"][1] = copy.deepcopy(d["data"]["calibration"]["y"][0])

    def log_nonpos(d):
        d["x"]["scale"] = "log"               # the x calibration starts at rho0 = 0

    def bad_unit(d):
        d["y"]["unit"] = "nOhm furlong/K^2"

    def outside(d):
        d["data"]["points"][3] = [700.0, 100.0]   # image is 640 x 480

    def bad_role(d):
        d["x"]["quantity"] = "T"

    return [(drop_cal, "data.calibration.x", "expected exactly 2"),
            (same_cal, "data.calibration.y", "share the pixel"),
            (log_nonpos, "data.calibration.x[0].value", "log axis"),
            (bad_unit, "y.unit", "unknown unit"),
            (outside, "data.points[3]", "outside"),
            (bad_role, "x.quantity", "role")]


@pytest.mark.parametrize("mutate,field,msg", _mutations())
def test_bad_record_names_file_and_field(tmp_path, mutate, field, msg):
    doc = _base_record()
    mutate(doc)
    p = _write(tmp_path, doc)
    with pytest.raises(InputError) as ei:
        dsm.load_record(p)
    assert ei.value.file == str(p)
    assert ei.value.field == field
    assert msg in ei.value.problem


def test_malformed_yaml_and_json(tmp_path):
    p = tmp_path / "in_heim1978_synthetic" / "A_rho0.yaml"
    p.parent.mkdir(parents=True)
    p.write_text("format: scimodel-digitization/1\nid: [unclosed\nkind: synthetic\n")
    with pytest.raises(InputError) as ei:
        dsm.load_record(p)
    assert ei.value.file == str(p) and ei.value.field.startswith("line ")
    # a record pointing to a malformed WebPlotDigitizer project
    doc = _base_record()
    doc["data"] = {"type": "wpd", "file": "proj.json", "pick_uncertainty_px": 1.0}
    p = _write(tmp_path, doc)
    (p.parent / "proj.json").write_text('{"axesColl": [}')
    with pytest.raises(InputError) as ei:
        dsm.load_record(p)
    assert ei.value.file == str(p.parent / "proj.json") and "malformed JSON" in ei.value.problem


def test_bad_record_leaves_no_output(tmp_path):
    doc = _base_record()
    doc["y"]["unit"] = "parsec"
    p = _write(tmp_path, doc)
    out = tmp_path / "out" / "A_rho0.nc"
    sm = mock_snakemake(input={"record": str(p), "refs": []}, output={"nc": str(out)},
                        params={"config": {}}, wildcards={"group": "g", "series": "s"},
                        log=[str(tmp_path / "log.txt")])
    with pytest.raises(SystemExit) as ei:
        runpy.run_path(str(SCRIPT_INGEST), init_globals={"snakemake": sm})
    assert ei.value.code == 1
    assert not out.exists()
    assert not list((tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else True
    assert "y.unit" in (tmp_path / "log.txt").read_text()


def test_ingest_writes_cf_netcdf_with_provenance(tmp_path):
    import xarray as xr
    rec = RES / "in_heim1978_synthetic" / "A_rho0.yaml"
    out = tmp_path / "A_rho0.nc"
    sm = mock_snakemake(input={"record": str(rec), "refs": []}, output={"nc": str(out)},
                        params={"config": {"registry": "r"}},
                        wildcards={"group": "in_heim1978_synthetic", "series": "A_rho0"},
                        log=[str(tmp_path / "log.txt")])
    runpy.run_path(str(SCRIPT_INGEST), init_globals={"snakemake": sm})
    with xr.open_dataset(out) as ds:
        assert ds["A"].attrs["units"] == "uohm cm K-2"
        assert ds["rho0"].attrs["units"] == "uohm cm"
        assert ds.attrs["synthetic"] == "true" and "SYNTHETIC" in ds.attrs["source"]
        truth = json.loads(ds.attrs["synthetic_truth"])
        # the record's y axis is in nOhm cm/K^2; stored A must be in uOhm cm/K^2
        span = 5.5          # y axis span of the record in nOhm cm/K^2 -> pixel noise ~ 0.015 nOhm cm/K^2
        assert np.max(np.abs(ds["A"].values - truth["A"])) < 5 * span / 380 * 1e-3
        assert np.all(ds["sigma_A"].values > 0)


# ----------------------------------------------------------------------------- other data sources
def test_table_record_converts_units(tmp_path):
    doc = _base_record()
    doc.pop("synthetic")
    doc.update(kind="transcribed", status="transcribed")
    doc["x"]["unit"] = "mOhm cm"
    doc["data"] = {"type": "table", "file": "A_rho0.csv"}
    p = _write(tmp_path, doc)
    (p.parent / "A_rho0.csv").write_text("# transcribed\nx,y,sigma_x,sigma_y\n0.002,0.5,0.0001,0.01\n"
                                         "0.004,0.9,0.0001,0.01\n")
    s = dsm.load_record(p)
    assert_allclose(s.x, [2.0, 4.0])                 # mOhm cm -> uOhm cm
    assert_allclose(s.y, [0.5e-3, 0.9e-3])           # nOhm cm/K^2 -> uOhm cm/K^2
    assert_allclose(s.sigma_x, [0.1, 0.1])
    assert p.parent / "A_rho0.csv" in [Path(i) for i in s.inputs]


def test_wpd_record_equals_pixel_record(tmp_path):
    doc = _base_record()
    s0 = dsm.load_record(_write(tmp_path / "a", doc))
    cal = s0.calibration
    proj = dg.write_wpd_project(tmp_path / "b" / "in_heim1978_synthetic" / "proj.json", cal, s0.pixels)
    doc2 = copy.deepcopy(doc)
    doc2["data"] = {"type": "wpd", "file": proj.name, "pick_uncertainty_px": 1.0,
                    "image": {"size": [640, 480]}}
    s1 = dsm.load_record(_write(tmp_path / "b", doc2))
    assert_allclose(s1.x, s0.x, rtol=1e-9)
    assert_allclose(s1.y, s0.y, rtol=1e-9)
    assert_allclose(s1.sigma_y, s0.sigma_y, rtol=1e-9)


def test_image_hash_is_checked(tmp_path):
    from skimage import io as skio
    doc = _base_record()
    p = _write(tmp_path, doc)
    img = np.full((480, 640, 3), 255, np.uint8)
    skio.imsave(str(p.parent / "fig.png"), img, check_contrast=False)
    doc["data"]["image"] = {"file": "fig.png", "sha256": "0" * 64}
    p = _write(tmp_path, doc)
    with pytest.raises(InputError) as ei:
        dsm.load_record(p)
    assert ei.value.field == "data.image.sha256"
    doc["data"]["image"]["sha256"] = dsm.sha256_file(p.parent / "fig.png")
    s = dsm.load_record(_write(tmp_path, doc))
    assert s.image_sha256 == doc["data"]["image"]["sha256"]


# ----------------------------------------------------------------------------- fits
def test_fits_exact_on_noise_free_data():
    T = np.linspace(5, 40, 30)
    fit = dsm.fit_rho_T(T, dsm.rho_T_model(T, 12.0, 3e-7, 0.008), 0.01, 0.01)
    assert_allclose(fit.params, [12.0, 3e-7, 0.008], rtol=1e-8)
    x = np.linspace(0.1, 5, 9)
    f = dsm.fit_dtc_law(x, -0.05 * x - 0.01 * x**2, 0.0, 0.001, "strong")
    assert_allclose(f.params, [0.05, 0.01], rtol=1e-9)
    a = np.linspace(5, 30, 6)
    f = dsm.fit_tc_a(a, np.log(40.0) - 0.1 * a, 0.0, 0.01)
    assert_allclose([np.exp(f.params[0]), f.params[1]], [40.0, 0.1], rtol=1e-9)


def _truth_checks(group, fit, series):
    """(name, fitted, stderr, truth) for every parameter a synthetic record states."""
    out = []
    truth0 = series[0].meta["synthetic"]["truth"]
    g = truth0.get("group", {})
    if "TcA_theta" in fit:
        out += [("theta", float(fit["TcA_theta"]), float(fit["TcA_theta_stderr"]), g["theta"]),
                ("F", float(fit["TcA_F"]), float(fit["TcA_F_stderr"]), g["F"])]
    if "A_rho0_A0" in fit:
        out += [(n, float(fit[f"A_rho0_{n}"]), float(fit[f"A_rho0_{n}_stderr"]), g[n]) for n in ("A0", "A1", "A2")]
    if "curve" in fit.dims:
        for s in series:
            if s.meta["role"] != "rho_T":
                continue
            t = s.meta["synthetic"]["truth"]
            j = list(fit["curve"].values).index(s.name)
            out += [(f"{s.name}.{n}", float(fit[n][j]), float(fit[f"{n}_stderr"][j]), t[n])
                    for n in ("rho0", "beta", "A")]
    for s in series:
        if s.meta["role"] == "dTc_drho":
            t = s.meta["synthetic"]["truth"]
            out += [(f"{s.name}.{n}", float(fit[f"{s.name}__{n}"]), float(fit[f"{s.name}__{n}_stderr"]), t[n])
                    for n in t]
    return out


def test_fits_recover_synthetic_truth_within_two_stderr(registry):
    checked = 0
    for g in registry.variant_groups("synthetic"):
        series = [dsm.load_record(registry.record_path(e)) for e in registry.group_series(g)]
        fit = dsm.analyse_group(series, registry.groups[g]["analysis"], {"rho_T_tmax_K": 40.0})
        for name, val, err, truth in _truth_checks(g, fit, series):
            assert err > 0
            assert abs(val - truth) <= 2 * err, f"{g}:{name} = {val} +- {err}, truth {truth}"
            checked += 1
    assert checked >= 30


def test_stderr_coverage_on_fresh_synthetic_series():
    """Over many fresh noise draws, ~95% of the fits lie within 2 standard errors."""
    hits, n = 0, 0
    cal = dsm.virtual_calibration((0.0, 45.0), (0.0, 60.0))
    calw = dsm.virtual_calibration((0.01, 10.0), (0.001, 10.0), xlog=True, ylog=True)
    T = np.linspace(5, 40, 24)
    x = np.geomspace(0.1, 3, 8)
    for seed in range(150):
        rng = np.random.default_rng(10_000 + seed)
        pix = dsm.synthetic_pixels(cal, T, dsm.rho_T_model(T, 5.0, 2e-7, 0.012), 1.0, rng)
        t, r = cal.pixel_to_data(pix[:, 0], pix[:, 1])
        st, sr = cal.data_sigma(t, r, 1.0)
        f = dsm.fit_rho_T(t, r, st, sr)
        for name, truth in (("rho0", 5.0), ("beta", 2e-7), ("A", 0.012)):
            v, e = f.value(name)
            hits += abs(v - truth) <= 2 * e
            n += 1
        pix = dsm.synthetic_pixels(calw, x, 0.25 * x, 1.0, rng)
        a, b = calw.pixel_to_data(pix[:, 0], pix[:, 1])
        sa, sb = calw.data_sigma(a, b, 1.0)
        v, e = dsm.fit_dtc_law(a, b, sa, sb, "weak").value("s")
        hits += abs(v - 0.25) <= 2 * e
        n += 1
    frac = hits / n
    # binomial sd at p = 0.95, n = 600 is 0.009; inflation by chi2/dof > 1 raises coverage a little
    assert 0.92 <= frac <= 0.995, frac


# ----------------------------------------------------------------------------- workflow
def _job_counts(text: str) -> dict:
    m = re.search(r"Job stats:\n(.*?)\n\n", text + "\n\n", re.S)
    counts = {}
    if m:
        for line in m.group(1).splitlines()[2:]:
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit() and parts[0] != "total":
                counts[parts[0]] = int(parts[1])
    return counts


def test_workflow_adding_a_wpd_project_reruns_exactly_its_dependents(tmp_path):
    """Build a small subset, add a (synthetic) WebPlotDigitizer project to one
    literature series, and check that only that series, its group's fit and
    the literature table / Fig. 2 are rebuilt."""
    import subprocess
    import sys
    from conftest import copy_workflow, run_snakemake  # noqa: PLC0415

    wf = copy_workflow(tmp_path / "wf")
    (wf / "Snakefile.datasets").write_text(
        'configfile: "config/config.yaml"\n'
        'include: "workflow/rules/common.smk"\n'
        'include: "workflow/rules/datasets.smk"\n\n'
        "rule all:\n    input:\n        FIGURES,\n        TABLES,\n        DATA,\n")
    cfg = yaml.safe_load((wf / "config" / "config.yaml").read_text())
    cfg["datasets"]["groups"] = ["nb_linker1980", "nb_linker1980_synthetic"]
    (wf / "test_config.yaml").write_text(yaml.safe_dump(cfg))
    args = ["-s", "Snakefile.datasets", "--configfile", "test_config.yaml", "--cores", "2"]
    r = run_snakemake(wf, *args)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (wf / "results/datasets/fig2_synthetic.png").exists()
    assert (wf / "results/datasets/fig2_literature.png").exists()

    # A user digitizes Fig. 2(a) Q.IV.3 with WebPlotDigitizer (here: synthetic points).
    rec_path = wf / "resources/datasets/nb_linker1980/dtc_QIV3.yaml"
    rec = yaml.safe_load(rec_path.read_text())
    cal = dsm.virtual_calibration((0.01, 10.0), (-0.5, 0.0), xlog=True)
    xs = np.geomspace(0.1, 4, 7)
    px, py = cal.data_to_pixel(xs, -0.03 * xs - 0.02 * xs**2)
    dg.write_wpd_project(rec_path.parent / "dtc_QIV3.wpd.json", cal, np.column_stack([px, py]))
    rec["status"] = "digitized"
    rec["x"]["scale"] = "log"          # the WPD axes say log x; the record must agree
    rec["data"] = {"type": "wpd", "file": "dtc_QIV3.wpd.json", "pick_uncertainty_px": 1.0}
    rec_path.write_text(yaml.safe_dump(rec, sort_keys=False))
    reg_path = wf / "resources/datasets/registry.yaml"
    reg = yaml.safe_load(reg_path.read_text())
    for e in reg["series"]:
        if e["id"] == "nb_linker1980/dtc_QIV3":
            e["status"] = "digitized"
            e["files"].append("nb_linker1980/dtc_QIV3.wpd.json")
    reg_path.write_text(yaml.safe_dump(reg, sort_keys=False))

    r = run_snakemake(wf, *args, "-n")
    assert r.returncode == 0, r.stderr[-3000:]
    jobs = _job_counts(r.stdout + r.stderr)
    jobs.pop("all", None)              # the aggregate target rule itself
    assert jobs == {"digitize_series": 1, "datasets_fit": 1, "datasets_table": 1, "datasets_fig2": 1}, jobs
    outputs = [ln.split(":", 1)[1].strip() for ln in (r.stdout + r.stderr).splitlines()
               if ln.strip().startswith("output:")]
    assert sorted(outputs) == sorted([
        "results/datasets/series/nb_linker1980/dtc_QIV3.nc", "results/datasets/fits/nb_linker1980.nc",
        "results/datasets/fit_table_literature.csv, results/datasets/fit_table_literature.md",
        "results/datasets/fig2_literature.png"]), outputs

    r = run_snakemake(wf, *args)
    assert r.returncode == 0, r.stderr[-3000:]
    table = (wf / "results/datasets/fit_table_literature.csv").read_text()
    assert "nb_linker1980" in table and ",t2," in table
    out = subprocess.run([sys.executable, "-c", (
        "import xarray as xr;ds=xr.open_dataset('results/datasets/fits/nb_linker1980.nc');"
        "print(float(ds['dtc_QIV3__t1']), float(ds['dtc_QIV3__t2']))")],
        cwd=wf, capture_output=True, text=True, check=True).stdout.split()
    assert_allclose([float(v) for v in out], [0.03, 0.02], rtol=1e-6)


def test_auto_digitized_image_record_round_trip(tmp_path):
    """Render a figure with known points, pick them automatically into a
    record, and read the record back: points within 0.5% of the axis span."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from skimage import io as skio
    from skimage.transform import downscale_local_mean

    T = np.linspace(5, 38, 9)
    rho = dsm.rho_T_model(T, 10.0, 2e-7, 0.01)
    ss = 4
    fig = plt.figure(figsize=(6.4, 4.8), dpi=100 * ss)
    ax = fig.add_subplot(111)
    ax.plot(T, rho, "s", color="#2ca02c", ms=5)
    ax.set(xlim=(0, 40), ylim=(0, 60))
    ax.grid(False)
    fig.canvas.draw()
    big = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    H = big.shape[0]

    def pix(x, y):
        d = ax.transData.transform([[x, y]])[0]
        return [d[0] / ss - 0.5, (H - d[1]) / ss - 0.5]

    cal = {"x": [{"pixel": pix(0, 0), "value": 0.0}, {"pixel": pix(40, 0), "value": 40.0}],
           "y": [{"pixel": pix(0, 0), "value": 0.0}, {"pixel": pix(0, 60), "value": 60.0}]}
    plt.close(fig)
    d = tmp_path / "v3si_caton1982"
    d.mkdir()
    skio.imsave(str(d / "fig.png"), downscale_local_mean(big, (ss, ss, 1)).round().astype(np.uint8),
                check_contrast=False)
    block = dsm.auto_data_block(d / "fig.png", cal, "#2ca02c", record_dir=d)
    rec = yaml.safe_load((RES / "v3si_caton1982" / "rho_T_0.yaml").read_text())
    rec["status"] = "digitized"
    rec["data"] = block
    p = d / "rho_T_0.yaml"
    p.write_text(yaml.safe_dump(rec, sort_keys=False))
    s = dsm.load_record(p)
    assert len(s.x) == len(T)
    assert np.max(np.abs(s.x - T)) <= 0.005 * 40
    assert np.max(np.abs(s.y - rho)) <= 0.005 * 60
    assert s.image_sha256 == dsm.sha256_file(d / "fig.png")


def test_read_model_curves(tmp_path):
    import xarray as xr
    from scimodel.io import da
    assert dsm.read_model_curves(tmp_path / "absent.nc") == {}
    x = np.linspace(0, 3, 7)
    ds = xr.Dataset({"dTc_over_Tc0_weak": da(0.2 * x, "drho_weak", "1", "w"),
                     "A_strong": da(x**2, "drho_strong", "A_unit", "a"),
                     "lnTc_strong": da(2 - x, "drho_strong", "ln(K)", "l"),
                     "A_inv_sqrt_strong": da(x + 1, "drho_strong", "A_unit-1/2", "i")},
                    coords={"drho_weak": da(x, "drho_weak", "1", "x"),
                            "drho_strong": da(x, "drho_strong", "1", "x")},
                    attrs={"A_unit": "model"})
    ds.to_netcdf(tmp_path / "m.nc")
    m = dsm.read_model_curves(tmp_path / "m.nc")
    assert set(m) == {"dtc_weak", "A_strong", "lntc_strong", "A_unit"}
    assert_allclose(m["dtc_weak"][1], 0.2 * x)
    assert_allclose(m["lntc_strong"][0], x + 1)


@pytest.mark.parametrize("synthetic", [True, False])
def test_every_synthetic_panel_is_stamped(registry, tmp_path, monkeypatch, synthetic):
    import scimodel.plotting as pl
    calls = []
    monkeypatch.setattr(pl, "stamp_synthetic", lambda obj, *a, **k: calls.append(obj))
    variant = "synthetic" if synthetic else "literature"
    groups = registry.variant_groups(variant)
    ss = [dsm.load_record(registry.record_path(e)) for g in groups for e in registry.group_series(g)]
    data = [s for s in ss if s.has_data]
    fits = {g: dsm.analyse_group([s for s in data if s.group == g], registry.groups[g]["analysis"])
            for g in {s.group for s in data}}
    mat = {g: registry.groups[g]["material"] for g in groups}
    wait = [s.id for s in ss if not s.has_data]
    dsm.plot_fig2([s for s in data if s.meta["role"] == "dTc_drho"], fits, mat, wait, {}, synthetic,
                  tmp_path / "f2.png")
    n2 = len(calls)
    dsm.plot_fig3([s for s in data if s.meta["role"] != "dTc_drho"], fits, mat, wait, {}, synthetic,
                  tmp_path / "f3.png")
    assert (tmp_path / "f2.png").stat().st_size > 0 and (tmp_path / "f3.png").stat().st_size > 0
    if synthetic:
        assert n2 == 5 + 1                 # five panels + the notes panel (suptitle: SYNTHETIC DATA)
        assert len(calls) - n2 == 13       # a.1-a.10, b.1-b.3 have synthetic data (suptitle too)
    else:
        assert calls == []


def test_wpd_values_mismatch_is_reported(tmp_path, caplog):
    doc = _base_record()
    s0 = dsm.load_record(_write(tmp_path / "a", doc))
    proj = dg.write_wpd_project(tmp_path / "b" / "in_heim1978_synthetic" / "proj.json", s0.calibration, s0.pixels)
    doc2 = copy.deepcopy(doc)
    doc2["data"] = {"type": "wpd", "file": proj.name, "pick_uncertainty_px": 1.0}
    p = _write(tmp_path / "b", doc2)
    with caplog.at_level("WARNING", logger="scimodel"):
        dsm.load_record(p)
    assert "differ" not in caplog.text
    wpd = json.loads(proj.read_text())
    wpd["datasetColl"][0]["data"][2]["value"][1] *= 1.5        # WPD says something else
    proj.write_text(json.dumps(wpd))
    with caplog.at_level("WARNING", logger="scimodel"):
        dsm.load_record(p)
    assert "differ" in caplog.text and "proj.json" in caplog.text


def test_wpd_tar_point_outside_embedded_image(tmp_path):
    from skimage import io as skio
    doc = _base_record()
    s0 = dsm.load_record(_write(tmp_path / "a", doc))
    d = tmp_path / "b" / "in_heim1978_synthetic"
    d.mkdir(parents=True)
    js = dg.write_wpd_project(tmp_path / "wpd.json", s0.calibration, s0.pixels)
    skio.imsave(str(tmp_path / "small.png"), np.zeros((100, 100, 3), np.uint8), check_contrast=False)
    (d / "proj.tar").write_bytes(dg.wpd_tar_bytes(js, tmp_path / "small.png"))
    doc["data"] = {"type": "wpd", "file": "proj.tar", "pick_uncertainty_px": 1.0}
    p = _write(tmp_path / "b", doc)
    with pytest.raises(InputError) as ei:
        dsm.load_record(p)
    assert ei.value.file == str(p) and ei.value.field.startswith("data.file:points[")
    assert "outside the 100x100 image" in ei.value.problem
