"""Bad-input battery (issue: reliability).

Each case damages one input of a fresh copy of the workflow (config,
alpha2F text file, digitization record, WebPlotDigitizer project, cached
ab-initio NetCDF, ...) and runs Snakemake on a target that reads it.  Every
case must end with

* a non-zero exit status,
* one clear message naming the file and the field (or line) and what was
  expected (the ``expect`` substrings),
* no Python traceback in what the user sees (Snakemake's output and the
  job log),
* no output file of the failed job and no temporary file left behind.

The number of cases is printed at the end of the run (``-rA`` shows it).
"""
from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
import yaml

from conftest import ROOT, copy_workflow, run_snakemake

# ---------------------------------------------------------------- helpers


def edit_yaml(rel: str, fn: Callable[[dict], None]) -> Callable[[Path], None]:
    def apply(wf: Path) -> None:
        path = wf / rel
        data = yaml.safe_load(path.read_text())
        fn(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    return apply


def write(rel: str, text: str) -> Callable[[Path], None]:
    def apply(wf: Path) -> None:
        (wf / rel).parent.mkdir(parents=True, exist_ok=True)
        (wf / rel).write_text(text)
    return apply


def chain(*fns):
    def apply(wf: Path) -> None:
        for f in fns:
            f(wf)
    return apply


def cfg(fn):
    return edit_yaml("config/config.yaml", fn)


@dataclass
class Case:
    id: str
    kind: str                      # config | alpha2F | record | wpd | abinitio | ...
    setup: Callable[[Path], None]
    targets: list[str] = field(default_factory=list)   # empty: dry run of the whole DAG
    expect: list[str] = field(default_factory=list)    # substrings of the message
    absent: list[str] = field(default_factory=list)    # outputs that must not exist
    args: list[str] = field(default_factory=list)      # extra Snakemake arguments (--config ...)


CASES: list[Case] = []

# ---------------------------------------------------------------- config


def _config_case(cid, fn, *expect):
    CASES.append(Case(cid, "config", cfg(fn), [], ["config/config.yaml", *expect]))


_config_case("config-negative-mu-star", lambda c: c["eliashberg"].update(mu_star=-0.1),
             "eliashberg.mu_star", "minimum")
_config_case("config-wrong-type-lambda-scan", lambda c: c["eliashberg"].update(lambda_scan="1,2"),
             "eliashberg.lambda_scan", "not of type 'array'")
_config_case("config-unknown-spectrum-kind",
             lambda c: c["eliashberg"]["spectra"]["einstein"].update(kind="lorentz"),
             "eliashberg.spectra.einstein.kind", "lorentz")
_config_case("config-unknown-top-level-key", lambda c: c.update(eliashbreg={}),
             "eliashbreg", "Additional properties")
_config_case("config-missing-required", lambda c: c["eliashberg"].pop("spectra"),
             "spectra", "required")
_config_case("config-negative-mesh", lambda c: c["scdft"].update(points_per_decade=-20),
             "scdft.points_per_decade")
_config_case("config-string-for-number", lambda c: c["scdft"].update(cutoff_meV="big"),
             "scdft.cutoff_meV")
_config_case("config-unknown-material", lambda c: c["abinitio"].update(metals=["Al", "Unobtainium"]),
             "abinitio.metals", "Unobtainium")

# Non-finite numbers: the schema's minimum/maximum comparisons are false for NaN.
_config_case("config-nan", lambda c: c["eliashberg"].update(matsubara_cutoff_factor=float("nan")),
             "eliashberg.matsubara_cutoff_factor", "expected a finite number")
_config_case("config-infinity", lambda c: c["scdft"].update(cutoff_meV=float("inf")),
             "scdft.cutoff_meV", "expected a finite number")
_config_case("config-nan-in-list", lambda c: c["eliashberg"].update(lambda_scan=[0.5, float("nan")]),
             "eliashberg.lambda_scan.1", "expected a finite number")
# Ordered pairs (both fields named).
_config_case("config-inverted-tc-search", lambda c: c["scdft"].update(t_search_min_K=500.0),
             "scdft.t_search_min_K", "scdft.t_search_max_K", "expected t_search_min_K < t_search_max_K")
_config_case("config-inverted-stability-window",
             lambda c: c["abinitio"]["elements"]["Al"].update(stability_window_Ry=[0.05, 0.03]),
             "abinitio.elements.Al.stability_window_Ry.0", "abinitio.elements.Al.stability_window_Ry.1")
_config_case("config-eliashberg-points-exceed-flow",
             lambda c: c["defectal"]["flow"].update(n_eliashberg=50),
             "defectal.flow.n_eliashberg", "defectal.flow.n_points")
# Cost bounds: values that would run for days stop at once, with the reason.
_config_case("config-monte-carlo-samples-1e13",
             lambda c: c["defectal"]["monte_carlo"].update(samples=10**13),
             "defectal.monte_carlo.samples", "maximum", "cost")
_config_case("config-samples-exponent-string",      # PyYAML reads 1e13 (no dot) as a string
             lambda c: c["defectal"]["monte_carlo"].update(samples="1e13"),
             "defectal.monte_carlo.samples", "maximum", "cost")
_config_case("config-matsubara-factor-huge", lambda c: c["eliashberg"].update(matsubara_cutoff_factor=1e4),
             "eliashberg.matsubara_cutoff_factor", "maximum", "cost")
_config_case("config-mesh-density-huge", lambda c: c["scdft"].update(points_per_decade=100000),
             "scdft.points_per_decade", "maximum", "cost")
_config_case("config-k-grid-huge", lambda c: c["abinitio"]["elements"]["Al"].update(k_dense=1000),
             "abinitio.elements.Al.k_dense", "maximum", "cost")
_config_case("config-curve-points-huge", lambda c: c["paper004"].update(curve_points=10**6),
             "paper004.curve_points", "maximum", "cost")
_config_case("config-lambda-scan-too-long",
             lambda c: c["eliashberg"].update(lambda_scan=[0.5 + 0.001 * i for i in range(1000)]),
             "eliashberg.lambda_scan", "got 1000 items; expected at most 200", "cost")
# structure: sc is only for a metal from the user's files (QE runs: fcc, bcc).
_config_case("config-sc-structure-qe-metal",
             lambda c: c["abinitio"]["elements"]["Al"].update(structure="sc"),
             "abinitio.elements.Al.structure", "'files'")

# ---------------------------------------------------------------- config files as text
# Damage that a YAML round trip cannot express: duplicate keys, syntax errors,
# an empty file.  Line numbers refer to the checkout's config/config.yaml.

_CFG_LINES = (ROOT / "config/config.yaml").read_text().splitlines()
_MU_LINE = next(i for i, ln in enumerate(_CFG_LINES, 1) if ln.startswith("  mu_star:"))  # eliashberg
_SCDFT_LINE = _CFG_LINES.index("scdft:") + 1


def edit_text(rel: str, fn: Callable[[str], str]) -> Callable[[Path], None]:
    def apply(wf: Path) -> None:
        (wf / rel).write_text(fn((wf / rel).read_text()))
    return apply


def _insert_after(line_no: int, new: str) -> Callable[[str], str]:
    def fn(text: str) -> str:
        lines = text.splitlines()
        return "\n".join(lines[:line_no] + [new] + lines[line_no:]) + "\n"
    return fn


def _replace_line(line_no: int, new: str) -> Callable[[str], str]:
    def fn(text: str) -> str:
        lines = text.splitlines()
        lines[line_no - 1] = new
        return "\n".join(lines) + "\n"
    return fn


def _yaml_case(cid, fn, *expect):
    CASES.append(Case(cid, "config-yaml", edit_text("config/config.yaml", fn), [],
                      ["config/config.yaml", *expect]))


_yaml_case("config-duplicate-key", _insert_after(_MU_LINE, "  mu_star: 0.3"),
           "field 'eliashberg.mu_star'", "duplicate key", f"line {_MU_LINE} ", f"line {_MU_LINE + 1};")
_yaml_case("config-duplicate-section", lambda s: s + "scdft:\n  tol: 1.0e-6\n",
           "field 'scdft'", "duplicate key", f"line {_SCDFT_LINE} ", f"line {len(_CFG_LINES) + 1};")
_yaml_case("config-yaml-syntax-error", _replace_line(_MU_LINE, "  mu_star: 0.1: 2"),
           f"field 'line {_MU_LINE}'", "malformed YAML")
_yaml_case("config-yaml-tab-indent", _replace_line(_MU_LINE, "\tmu_star: 0.1"),
           f"field 'line {_MU_LINE}'", "malformed YAML", "tabs")
_yaml_case("config-empty-file", lambda s: "", "file is empty")
_yaml_case("config-top-level-list", lambda s: "- eliashberg\n- scdft\n", "expected a YAML mapping")

# ---------------------------------------------------------------- --config / --configfile
# The message names the layer that set the value, not config/config.yaml.

CLI = "--config (command line)"


def _override_case(cid, args, setup, *expect):
    CASES.append(Case(cid, "config-override", setup or (lambda wf: None), [], list(expect),
                      args=list(args)))


_override_case("override-number-above-maximum", ["--config", "scdft={tol: 2.0}"], None,
               f"{CLI}: field 'scdft.tol'", "maximum")
_override_case("override-not-a-number", ["--config", "scdft={cutoff_meV: big}"], None,
               f"{CLI}: field 'scdft.cutoff_meV'", "not of type 'number'")
_override_case("override-nan", ["--config", "scdft={tol: .nan}"], None,
               f"{CLI}: field 'scdft.tol'", "expected a finite number")
_override_case("override-inverted-tc-search", ["--config", "scdft={t_search_min_K: 400}"], None,
               f"{CLI}: field 'scdft.t_search_min_K'", "scdft.t_search_max_K",
               "(from config/config.yaml)")
_override_case("override-configfile-value", ["--configfile", "config/extra.yaml"],
               write("config/extra.yaml", "scdft:\n  tol: 2.0\n"),
               "config/extra.yaml: field 'scdft.tol'", "maximum")
_override_case("override-configfile-duplicate-key", ["--configfile", "config/extra.yaml"],
               write("config/extra.yaml", "scdft:\n  tol: 1.0e-8\n  tol: 2.0\n"),
               "config/extra.yaml: field 'scdft.tol'", "duplicate key", "line 2 ", "line 3;")

# ---------------------------------------------------------------- alpha2F text files

A2F_TARGET = "results/eliashberg/spectra/user.nc"
_GOOD_A2F_TEXT = "omega_meV,alpha2F\n0,0\n5,0.2\n10,0.5\n15,0.2\n20,0\n"


def _a2f_case(cid, text, *expect):
    setup = chain(
        write("resources/user_a2f.csv", text),
        cfg(lambda c: c["eliashberg"]["spectra"].update(
            user={"kind": "file", "path": "resources/user_a2f.csv", "lambda": 1.0})),
    )
    CASES.append(Case(cid, "alpha2F", setup, [A2F_TARGET],
                      ["resources/user_a2f.csv", *expect], [A2F_TARGET]))


_a2f_case("a2f-nan", "omega_meV,alpha2F\n0,0\n1,0.1\n2,nan\n3,0.1\n", "field 'alpha2F'", "non-finite")
_a2f_case("a2f-negative-frequency", "omega_meV,alpha2F\n-1,0\n1,0.1\n2,0.2\n3,0.1\n",
          "field 'omega_meV'", "negative frequency")
_a2f_case("a2f-non-monotonic", "omega_meV,alpha2F\n0,0\n2,0.1\n1,0.2\n3,0.1\n",
          "field 'omega_meV'", "strictly increasing")
_a2f_case("a2f-wrong-columns", "freq,a2F,extra\n0,0,0\n1,0.1,0\n2,0.1,0\n",
          "header", "omega_<unit>,alpha2F")
_a2f_case("a2f-wrong-unit", "omega_parsec,alpha2F\n0,0\n1,0.1\n2,0.1\n", "omega_parsec",
          "unknown energy unit")
_a2f_case("a2f-empty-file", "", "file is empty")
_a2f_case("a2f-truncated", "omega_meV,alpha2F\n0,0\n1,0.1\n", "truncated")
_a2f_case("a2f-not-a-number", "omega_meV,alpha2F\n0,0\n1,abc\n2,0.1\n3,0.1\n", "line 3",
          "not two numbers")
_a2f_case("a2f-negative-value", "omega_meV,alpha2F\n0,0\n1,-0.1\n2,0.1\n3,0.1\n",
          "field 'alpha2F'", "expected >= 0")
# unit mix-ups: the values are plausible only in another unit than the header's
_a2f_case("a2f-mev-under-ev-header", _GOOD_A2F_TEXT.replace("omega_meV", "omega_eV"),
          "field 'omega_eV'", "extends to 1.5e+04 meV", "energies in meV under an omega_eV header?")
_a2f_case("a2f-ev-under-mev-header",
          "omega_meV,alpha2F\n0,0\n0.005,0.2\n0.01,0.5\n0.015,0.2\n0.02,0\n",
          "field 'omega_meV'", "ends at 0.015 meV", "energies in eV or Ry under an omega_meV header?")


def write_bytes(rel: str, data: bytes) -> Callable[[Path], None]:
    def apply(wf: Path) -> None:
        (wf / rel).parent.mkdir(parents=True, exist_ok=True)
        (wf / rel).write_bytes(data)
    return apply


CASES.append(Case(
    "a2f-binary-file", "alpha2F",
    chain(write_bytes("resources/user_a2f.csv", bytes(range(256)) * 8),
          cfg(lambda c: c["eliashberg"]["spectra"].update(
              user={"kind": "file", "path": "resources/user_a2f.csv", "lambda": 1.0}))),
    [A2F_TARGET], ["resources/user_a2f.csv", "not a text file", "omega_<unit>,alpha2F"], [A2F_TARGET]))
# a spectrum file named in the config but absent: a missing rule input, not stale numbers
CASES.append(Case(
    "a2f-path-does-not-exist", "alpha2F",
    cfg(lambda c: c["eliashberg"]["spectra"].update(
        einstein={"kind": "file", "path": "resources/no_such_a2f.csv", "lambda": 1.0})),
    ["results/eliashberg/spectra/einstein.nc"],
    ["Missing input files", "resources/no_such_a2f.csv"], ["results/eliashberg/spectra/einstein.nc"]))

# ---------------------------------------------------------------- electronic DOS text files
# A user metal from text files (abinitio.elements.<M>.files, scimodel.user_inputs).

DOS_TARGET = "results/abinitio/user/Xu.nc"
_GOOD_A2F = _GOOD_A2F_TEXT


def _dos_rows(xi_ev, dos):
    return "xi_eV,dos\n" + "".join(f"{x},{d}\n" for x, d in zip(xi_ev, dos))


_GOOD_XI = [-10.0, -9.99, -5.0, 0.0, 5.0, 21.0]
_GOOD_N = [0.0, 0.05, 0.2, 0.3, 0.3, 0.4]


def _dos_case(cid, text, *expect, a2f=None):
    def user_metal(c):
        c["abinitio"]["metals"] = ["Xu"]
        c["abinitio"]["figure_metals"] = []
        c["abinitio"]["elements"]["Xu"] = {
            "structure": "fcc", "a_angstrom": 4.0, "n_valence": 3,
            "files": {"alpha2f": "resources/user_a2f.csv", "dos": "resources/user_dos.csv"}}
    setup = chain(write("resources/user_a2f.csv", a2f or _GOOD_A2F),
                  write("resources/user_dos.csv", text), cfg(user_metal))
    named = "resources/user_a2f.csv" if a2f else "resources/user_dos.csv"
    CASES.append(Case(cid, "dos", setup, [DOS_TARGET], [named, *expect], [DOS_TARGET]))


_dos_case("dos-nan", _dos_rows(_GOOD_XI, [0, 0.05, "nan", 0.3, 0.3, 0.4]), "field 'dos'", "non-finite")
_dos_case("dos-non-monotonic", _dos_rows([-10, -9.99, 0.0, -5.0, 5, 21], _GOOD_N),
          "field 'xi_eV'", "strictly increasing")
_dos_case("dos-wrong-columns", "energy,dos_up,dos_down\n-1,0.1,0.1\n0,0.1,0.1\n1,0.1,0.1\n",
          "header", "xi_<unit>,dos")
_dos_case("dos-wrong-unit", _dos_rows(_GOOD_XI, _GOOD_N).replace("xi_eV", "xi_furlong"),
          "xi_furlong", "unknown energy unit")
_dos_case("dos-empty-file", "", "file is empty")
_dos_case("dos-truncated", "xi_eV,dos\n-10,0\n-9.99,0.05\n", "truncated")
_dos_case("dos-negative", _dos_rows(_GOOD_XI, [0, 0.05, -0.2, 0.3, 0.3, 0.4]), "field 'dos'",
          "expected >= 0")
_dos_case("dos-no-fermi-level", _dos_rows([1, 2, 3, 4, 5, 21], _GOOD_N), "field 'xi'",
          "does not contain E_F")
_dos_case("dos-too-short", _dos_rows([-10, -9.99, -5, 0, 2, 5], _GOOD_N), "field 'xi'",
          "expected >= 20 eV")
_dos_case("dos-zero-at-ef", _dos_rows(_GOOD_XI, [0, 0.05, 0.2, 0.0, 0.3, 0.4]), "field 'dos'",
          "N(0) > 0")
# plausibility: the likely unit mix-up is named
_dos_case("dos-mev-under-ev-header",                  # a DOS written in meV, headed xi_eV
          _dos_rows([1e3 * x for x in _GOOD_XI], [1e-3 * n for n in _GOOD_N]),
          "field 'xi_eV'", "states from -9990 eV below E_F", "energies in meV under an xi_eV header?")
_dos_case("dos-per-mev-values", _dos_rows(_GOOD_XI, [1e-3 * n for n in _GOOD_N]),
          "field 'dos'", "N(0) = 0.0003 states/(eV spin atom)", "DOS per meV under an xi_eV header")
_dos_case("user-lambda-implausible", _dos_rows(_GOOD_XI, _GOOD_N),
          "field 'alpha2F'", "lambda = 2 Int alpha2F/omega = 103.3", "expected 0.001..6",
          a2f="omega_meV,alpha2F\n0,0\n5,20\n10,50\n15,20\n20,0\n")

# ---------------------------------------------------------------- digitization records

REC = "resources/datasets/alo_ziemann1978_synthetic/dtc_QI1.yaml"
REC_TARGET = "results/datasets/series/alo_ziemann1978_synthetic/dtc_QI1.nc"


def _record_case(cid, setup, *expect):
    CASES.append(Case(cid, "record", setup, [REC_TARGET], [REC, *expect], [REC_TARGET]))


_record_case("record-missing-calibration-point",
             edit_yaml(REC, lambda r: r["data"]["calibration"]["x"].pop()), "calibration")
_record_case("record-identical-calibration-points",
             edit_yaml(REC, lambda r: r["data"]["calibration"]["y"].__setitem__(
                 1, dict(r["data"]["calibration"]["y"][0]))), "calibration")
_record_case("record-log-axis-nonpositive",
             edit_yaml(REC, lambda r: r["data"]["calibration"]["x"][0].update(value=0.0)),
             "calibration", "log")
_record_case("record-unknown-unit", edit_yaml(REC, lambda r: r["x"].update(unit="furlong")),
             "unit", "furlong")
_record_case("record-point-outside-image",
             edit_yaml(REC, lambda r: r["data"]["points"].append([5000.0, 10.0])), "points",
             "outside")
_record_case("record-nan-pixel-without-image-size",
             edit_yaml(REC, lambda r: (r["data"].pop("image"),
                                       r["data"]["points"].__setitem__(1, [float("nan"), 304.91]))),
             "data.points[1]", "two finite numbers")
_record_case("record-malformed-yaml", write(REC, "format: scimodel-digitization/1\nid: [unclosed\n"),
             "YAML")

# ---------------------------------------------------------------- WebPlotDigitizer projects

WPD = "resources/datasets/alo_ziemann1978_synthetic/user.wpd.json"


def _wpd_case(cid, text, *expect):
    def use_wpd(r):
        r["data"] = {"type": "wpd", "file": "user.wpd.json", "pick_uncertainty_px": 1.0}
    setup = chain(write(WPD, text), edit_yaml(REC, use_wpd))
    CASES.append(Case(cid, "wpd", setup, [REC_TARGET], ["user.wpd.json", *expect], [REC_TARGET]))


def _wpd_from_record(edit_point) -> str:
    """A WPD project with the record's own calibration and points; ``edit_point(i, d)``
    returns the JSON entry of point i (d: WPD's {"x", "y"} object)."""
    import json

    rec = yaml.safe_load((ROOT / REC).read_text())
    c = rec["data"]["calibration"]
    cps = [{"px": p["pixel"][0], "py": p["pixel"][1], "dx": str(p["value"]), "dy": "0"} for p in c["x"]]
    cps += [{"px": p["pixel"][0], "py": p["pixel"][1], "dx": "0", "dy": str(p["value"])} for p in c["y"]]
    pts = [edit_point(i, {"x": px, "y": py}) for i, (px, py) in enumerate(rec["data"]["points"])]
    return json.dumps({"version": [4, 2], "axesColl": [
        {"name": "XY", "type": "XYAxes", "isLogX": True, "isLogY": True, "calibrationPoints": cps}],
        "datasetColl": [{"name": "Default Dataset", "axesName": "XY", "data": pts}]})


_wpd_case("wpd-nan-point",
          _wpd_from_record(lambda i, d: {**d, "y": float("nan")} if i == 2 else d),
          "datasetColl['Default Dataset'].data[2].y", "expected a finite number, got nan")
_wpd_case("wpd-points-as-lists", _wpd_from_record(lambda i, d: [d["x"], d["y"]]),
          "datasetColl['Default Dataset'].data[0]", "expected an object", "got list")
_wpd_case("wpd-malformed-json", '{"version": [4, 2], "axesColl": [', "JSON")
_wpd_case("wpd-no-axes", '{"version": [4, 2], "axesColl": [], "datasetColl": []}', "axes")
_wpd_case("wpd-one-calibration-point",
          '{"version": [4, 2], "axesColl": [{"name": "XY", "type": "XYAxes", "isLogX": false,'
          ' "isLogY": false, "calibrationPoints": [{"px": 1, "py": 2, "dx": "0", "dy": "0"}]}],'
          ' "datasetColl": [{"name": "Default Dataset", "axesName": "XY", "data": []}]}',
          "calibration")

# ---------------------------------------------------------------- cached ab-initio NetCDF

AB_NC = "resources/abinitio/Cu.nc"
AB_TARGET = "results/tables/abinitio_summary.md"


def edit_nc(rel: str, fn) -> Callable[[Path], None]:
    def apply(wf: Path) -> None:
        import xarray as xr

        path = wf / rel
        with xr.open_dataset(path) as ds:
            ds = ds.load()
        path.unlink()
        fn(ds).to_netcdf(path)
    return apply


def _abinitio_case(cid, fn, *expect):
    CASES.append(Case(cid, "abinitio-netcdf", edit_nc(AB_NC, fn), [AB_TARGET],
                      [AB_NC, *expect], [AB_TARGET]))


def _strip_units(ds, var):
    ds[var].attrs.pop("units", None)
    return ds


_abinitio_case("abinitio-missing-variable", lambda ds: ds.drop_vars("a2f"), "'a2f'", "missing")
_abinitio_case("abinitio-missing-units", lambda ds: _strip_units(ds, "dos"), "'dos'", "units")
_abinitio_case("abinitio-wrong-shape",
               lambda ds: ds.assign(a2f_by_smearing=ds["a2f_by_smearing"].transpose()),
               "'a2f_by_smearing'", "dimensions")
_abinitio_case("abinitio-wrong-units",
               lambda ds: ds.assign(omega_log=ds["omega_log"].assign_attrs(units="K")),
               "'omega_log'", "expected 'meV'")
CASES.append(Case("abinitio-not-netcdf", "abinitio-netcdf", write(AB_NC, "not a netcdf file\n"),
                  [AB_TARGET], [AB_NC, "NetCDF"], [AB_TARGET]))

# ---------------------------------------------------------------- Quantum ESPRESSO outputs
# A real (tiny) Al run folder is made once per session with the rule's own
# script; each case damages a copy of it and asks the workflow (recompute
# mode, use_cache: false) to turn it into results/abinitio/Al.nc.

QE_RUN = "results/abinitio/qe/Al_q2"
QE_TARGET = "results/abinitio/Al.nc"
TINY_AL = dict(structure="fcc", a_angstrom=4.05, mass_amu=26.9815, pseudo="shipped/Al.pz-vbc.UPF",
               ecutwfc_Ry=12.0, ecutrho_Ry=48.0, k_scf=4, k_dense=8, q_grid=2, q_check=0,
               degauss_Ry=0.05, elph_sigma0_Ry=0.005, elph_nsigma=10, elph_sigma_Ry=0.03,
               stability_window_Ry=[0.02, 0.04], k_dos=8, nbnd=16, n_valence=3,
               semicore_bands=0, matdyn_grid=8, dos_degauss_Ry=0.01, dos_step_eV=0.02,
               dos_above_ef_eV=20.5)


def _truncate(rel, keep=0.5):
    def apply(run: Path) -> None:
        text = (run / rel).read_text()
        (run / rel).write_text(text[: int(len(text) * keep)])
    return apply


def _not_converged(run: Path) -> None:
    out = run / "scf.out"
    lines = out.read_text().splitlines()
    i = next(k for k, ln in enumerate(lines) if "End of self-consistent calculation" in ln)
    lines.insert(i, "     convergence NOT achieved after   2 iterations: stopping")
    out.write_text("\n".join(lines) + "\n")


QE_CASES = [
    ("qe-truncated-scf-output", _truncate("scf.out"), ["scf.out", "JOB DONE"]),
    ("qe-non-converged-scf", _not_converged, ["scf.out", "line", "convergence NOT achieved"]),
    ("qe-truncated-ph-output", _truncate("ph.out", 0.8), ["ph.out", "JOB DONE"]),
    ("qe-truncated-nscf-xml", _truncate("nscf.xml"), ["nscf.xml", "QE XML"]),
    ("qe-missing-summary", lambda run: (run / "summary.json").unlink(), ["summary.json", "missing"]),
]


@pytest.fixture(scope="module")
def tiny_al_run(tmp_path_factory):
    from scimodel import qe
    from conftest import run_qe_rule_scripts

    if not qe.qe_available():
        pytest.skip("Quantum ESPRESSO not on PATH (install: apt-get install -y quantum-espresso)")
    tmp = tmp_path_factory.mktemp("tiny_al")
    return run_qe_rule_scripts(tmp, TINY_AL, "Al", 2)


def _recompute_config(c):
    ab = c["abinitio"]
    ab.update(use_cache=False, metals=["Al"], figure_metals=["Al"])
    ab["elements"]["Al"] = dict(TINY_AL)


for _cid, _damage, _expect in QE_CASES:
    CASES.append(Case(_cid, "qe-output", _damage, [QE_TARGET], _expect, [QE_TARGET]))


@pytest.mark.qe
@pytest.mark.slow
@pytest.mark.xdist_group("qe-battery")
@pytest.mark.parametrize("case", [c for c in CASES if c.kind == "qe-output"],
                         ids=[c[0] for c in QE_CASES])
def test_bad_qe_output(case: Case, tiny_al_run, tmp_path):
    import shutil

    wf = copy_workflow(tmp_path / "wf")
    cfg(_recompute_config)(wf)
    run = wf / QE_RUN
    # the run folder and the ground-state / q-point folders it was joined from
    parts = Path(str(tiny_al_run).replace("/qe/", "/qe_parts/"))
    shutil.copytree(parts, wf / QE_RUN.replace("/qe/", "/qe_parts/"))
    shutil.copytree(tiny_al_run, run)
    case.setup(run)
    # the run folder is newer than its inputs: only the NetCDF step runs
    _check_failure(case, wf, [*case.targets, "--cores", "1", "--rerun-triggers", "mtime"])


# ---------------------------------------------------------------- the battery


TRACEBACK = re.compile(r"Traceback \(most recent call last\)")


def _check_failure(case: Case, wf: Path, args: list[str]) -> None:
    res = run_snakemake(wf, *args, timeout=600)
    logs = "\n".join(p.read_text(errors="replace") for p in (wf / "logs").rglob("*.log")) \
        if (wf / "logs").exists() else ""
    seen = res.stdout + res.stderr + logs
    assert res.returncode != 0, f"{case.id}: bad input was accepted"
    for s in case.expect:
        assert s in seen, f"{case.id}: message lacks {s!r}:\n{(res.stderr + logs)[-2500:]}"
    assert not TRACEBACK.search(seen), f"{case.id}: a traceback reached the user"
    for rel in case.absent:
        assert not (wf / rel).exists(), f"{case.id}: partial output {rel} left behind"
    if (wf / "results").exists():
        assert not list((wf / "results").rglob(".tmp-*")), f"{case.id}: temporary file left"


@pytest.mark.slow
@pytest.mark.parametrize("case", [c for c in CASES if c.kind != "qe-output"],
                         ids=[c.id for c in CASES if c.kind != "qe-output"])
def test_bad_input(case: Case, tmp_path):
    wf = copy_workflow(tmp_path / "wf")
    case.setup(wf)
    _check_failure(case, wf, [*(["--cores", "1", *case.targets] if case.targets else ["-n"]),
                              *case.args])


# ---------------------------------------------------------------- what must still work


@pytest.mark.slow
def test_nested_config_override_numbers_accepted(tmp_path):
    """--config reads every nested value as a string ('1.0e-8'); where the schema
    wants a number it is read as that number (config/README.md, "Validation")."""
    wf = copy_workflow(tmp_path / "wf")
    res = run_snakemake(wf, "-n", "--cores", "1", "--config",
                        "scdft={tol: 1.0e-8, n_omega: 160}", "paper004={mu_star: null}")
    assert res.returncode == 0, res.stderr[-2500:]


def test_config_strings_read_as_schema_types():
    from scimodel.config import CLI_CONFIG, ConfigSource, validate_config

    cfg = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    cli = {"scdft": {"tol": "1.0e-8", "n_omega": "160"}, "paper004": {"mu_star": "null"},
           "abinitio": {"use_cache": "false"}, "eliashberg": {"lambda_scan": ["0.5", "1"]}}
    files = ConfigSource("config/config.yaml", yaml.safe_load((ROOT / "config/config.yaml").read_text()))
    for sec, vals in cli.items():
        cfg[sec].update(vals)
    cfg["defectal"]["monte_carlo"]["samples"] = "2e6"           # a YAML 1.1 string in a file
    validate_config(cfg, ROOT / "src/scimodel/schemas/config.schema.yaml",
                    sources=[files, ConfigSource(CLI_CONFIG, cli, cli=True)])
    assert cfg["scdft"]["tol"] == 1e-8 and isinstance(cfg["scdft"]["tol"], float)
    assert cfg["scdft"]["n_omega"] == 160 and isinstance(cfg["scdft"]["n_omega"], int)
    assert cfg["paper004"]["mu_star"] is None and cfg["abinitio"]["use_cache"] is False
    assert cfg["eliashberg"]["lambda_scan"] == [0.5, 1]
    assert cfg["defectal"]["monte_carlo"]["samples"] == 2_000_000


@pytest.mark.slow
def test_sc_structure_user_metal(tmp_path):
    """structure: sc (documented in config/README.md) works for a metal from the
    user's files: the NetCDF has the simple-cubic volume a^3."""
    import xarray as xr

    wf = copy_workflow(tmp_path / "wf")
    write("resources/user_a2f.csv", _GOOD_A2F)(wf)
    write("resources/user_dos.csv", _dos_rows(_GOOD_XI, _GOOD_N))(wf)

    def user_metal(c):
        c["abinitio"].update(metals=["Xu"], figure_metals=[])
        c["abinitio"]["elements"]["Xu"] = {
            "structure": "sc", "a_angstrom": 4.0, "n_valence": 3,
            "files": {"alpha2f": "resources/user_a2f.csv", "dos": "resources/user_dos.csv"}}
    cfg(user_metal)(wf)
    res = run_snakemake(wf, "--cores", "1", DOS_TARGET)
    assert res.returncode == 0, res.stderr[-2500:]
    with xr.open_dataset(wf / DOS_TARGET) as ds:
        assert ds.attrs["structure"] == "sc"
        assert float(ds["volume"]) == pytest.approx((4.0 / 0.529177210903) ** 3, rel=1e-6)


def test_battery_size():
    """The reliability issue asks for at least 30 distinct malformed inputs."""
    kinds = {c.kind for c in CASES}
    print(f"\nbad-input battery: {len(CASES)} cases over {len(kinds)} input kinds: {sorted(kinds)}")
    assert len({c.id for c in CASES}) == len(CASES)
    assert len(CASES) >= 30


def test_wpd_battery_project_is_valid_before_damage(tmp_path):
    """The WPD cases damage one point of a project that is otherwise read as the
    record's own pixels (so the failure is the damage, not the project)."""
    import shutil

    from scimodel.datasets import load_record

    d = tmp_path / Path(REC).parent.name
    shutil.copytree((ROOT / REC).parent, d)
    (d / "user.wpd.json").write_text(_wpd_from_record(lambda i, p: p))
    edit_yaml("dtc_QI1.yaml", lambda r: r.update(
        data={"type": "wpd", "file": "user.wpd.json", "pick_uncertainty_px": 1.0}))(d)
    ref = load_record(ROOT / REC)
    got = load_record(d / "dtc_QI1.yaml")
    assert got.x == pytest.approx(ref.x, rel=1e-12) and got.y == pytest.approx(ref.y, rel=1e-12)


# ---------------------------------------------------------------- the file system
# A full disk and a read-only output folder, made real with a small tmpfs
# mounted over the output folder (needs root and mount rights; skipped otherwise).

SPECTRUM_TARGET = "results/eliashberg/spectra/einstein.nc"


@contextlib.contextmanager
def _tmpfs(where: Path, options: str):
    import subprocess

    where.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (needs root and mount rights): {r.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _fill(folder: Path) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


@pytest.mark.slow
@pytest.mark.parametrize("fs", ["disk-full", "read-only"])
def test_file_system_failures_are_named(fs, tmp_path):
    wf = copy_workflow(tmp_path / "wf")
    out = wf / Path(SPECTRUM_TARGET).parent
    opts = "size=256k" if fs == "disk-full" else "ro,size=64k"
    with _tmpfs(out, opts):
        if fs == "disk-full":
            _fill(out)
        expect = (["cannot write the outputs", str(out), "MiB free (disk full?)"] if fs == "disk-full"
                  else [f"folder {Path(SPECTRUM_TARGET).parent} is not writable"])
        case = Case(f"fs-{fs}", "file-system", lambda w: None, [SPECTRUM_TARGET], expect,
                    [SPECTRUM_TARGET])
        _check_failure(case, wf, ["--cores", "1", SPECTRUM_TARGET])


def test_storage_problem_leaves_real_bugs_alone(tmp_path):
    """A failure with room and permissions is not blamed on the file system."""
    import errno

    from scimodel.workflow import storage_problem

    out = [str(tmp_path / "sub" / "x.nc")]
    assert storage_problem(out, ValueError("a bug")) is None
    assert "no space left" in storage_problem(out, OSError(errno.ENOSPC, "No space", out[0]))
    assert "permission denied" in storage_problem(out, PermissionError(errno.EACCES, "denied", out[0]))
