"""The workflow as a whole: lint, dry run, the Eliashberg slice built in a
temporary directory, and bad input failing cleanly."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from conftest import ROOT, run_snakemake

import scimodel
from scimodel import eliashberg, spectra

SLICE_NC = [
    "results/eliashberg/lambda_scan.nc",
    "results/tables/eliashberg_models.nc",
]


def test_lint_clean():
    res = run_snakemake(ROOT, "--lint", timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Congratulations, your workflow is in a good condition" in res.stdout + res.stderr


def test_dry_run_of_whole_dag():
    res = run_snakemake(ROOT, "-n", "--quiet", "rules", timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.slow
def test_build_eliashberg_slice(workflow_copy):
    targets = ["results/tables/eliashberg_models.md", "results/figures/eliashberg_tc_vs_lambda.png"]
    res = run_snakemake(workflow_copy, "--cores", "2", *targets, timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    cfg = yaml.safe_load((workflow_copy / "config/config.yaml").read_text())["eliashberg"]
    for rel in SLICE_NC + [f"results/eliashberg/spectra/{n}.nc" for n in cfg["spectra"]]:
        with xr.open_dataset(workflow_copy / rel) as ds:
            for v in list(ds.data_vars) + list(ds.coords):
                assert "units" in ds[v].attrs and "long_name" in ds[v].attrs, (rel, v)
            for key in ("source", "references", "history", "git_commit", "scimodel_version",
                        "config"):
                assert key in ds.attrs, (rel, key)
    # the table equals the solver called directly on the same spectrum
    with xr.open_dataset(workflow_copy / "results/tables/eliashberg_models.nc") as tab:
        name = "two_peak_pb_like"
        w, a = spectra.from_config(cfg["spectra"][name], name)
        omega_c = cfg["matsubara_cutoff_factor"] * w[a > 0].max()
        direct = eliashberg.tc_eliashberg(w, a, mu_star=cfg["mu_star"], omega_c=omega_c)
        np.testing.assert_allclose(float(tab["tc_eliashberg"].sel(spectrum=name)), direct,
                                   rtol=1e-6)
    assert (workflow_copy / "results/figures/eliashberg_tc_vs_lambda.png").stat().st_size > 10000
    # up to date now; an edited scimodel module (a copy of the package, first on
    # PYTHONPATH) changes the code fingerprint and reruns every job of the slice
    res = run_snakemake(workflow_copy, *targets, "-n", "--quiet", "rules", timeout=300)
    assert res.returncode == 0 and "Nothing to be done" in res.stdout, res.stdout
    pkg = workflow_copy.parent / "pkg"
    shutil.copytree(Path(scimodel.__file__).parent, pkg / "scimodel",
                    ignore=shutil.ignore_patterns("__pycache__"))
    with open(pkg / "scimodel/eliashberg/tc.py", "a") as fh:
        fh.write("\n# an edit\n")
    res = run_snakemake(workflow_copy, *targets, "-n", "--quiet", "rules", timeout=300,
                        env={"PYTHONPATH": str(pkg)})
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Nothing to be done" not in res.stdout, res.stdout
    for rule in ("eliashberg_spectrum", "eliashberg_lambda_scan", "eliashberg_table",
                 "eliashberg_figure"):
        assert rule in res.stdout, (rule, res.stdout)


def _edit_config(wf, fn):
    path = wf / "config/config.yaml"
    cfg = yaml.safe_load(path.read_text())
    fn(cfg)
    path.write_text(yaml.safe_dump(cfg))


def test_schema_violation_names_file_and_field(workflow_copy):
    _edit_config(workflow_copy, lambda c: c["eliashberg"].update(mu_star=-1))
    res = run_snakemake(workflow_copy, "-n", timeout=300)
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert "config/config.yaml" in out and "eliashberg.mu_star" in out


@pytest.mark.parametrize("content,field", [
    ("omega_meV,alpha2F\n0,0\n1,0.1\n2,nan\n3,0.1\n", "alpha2F"),
    ("omega_meV,alpha2F\n-1,0\n1,0.1\n2,0.2\n3,0.1\n", "omega_meV"),
])
def test_bad_alpha2f_file_fails_cleanly(workflow_copy, content, field):
    bad = workflow_copy / "resources/bad_a2f.csv"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_text(content)
    _edit_config(workflow_copy, lambda c: c["eliashberg"]["spectra"].update(
        bad={"kind": "file", "path": "resources/bad_a2f.csv", "lambda": 1.0}))
    target = "results/eliashberg/spectra/bad.nc"
    res = run_snakemake(workflow_copy, "--cores", "1", target, timeout=600)
    out = res.stdout + res.stderr + (workflow_copy / "logs/eliashberg_spectrum/bad.log").read_text()
    assert res.returncode != 0
    assert "resources/bad_a2f.csv" in out and f"field '{field}'" in out
    assert not (workflow_copy / target).exists()
    assert not list((workflow_copy / "results/eliashberg/spectra").glob(".tmp-*"))
