"""The SLURM profile against a real SLURM: profiles/slurm on a single-node
cluster on localhost (profiles/slurm/local-cluster/up.sh, Debian's SLURM
22.05), on the Eliashberg vertical slice of the DAG.

The module starts the cluster itself (and stops it at the end if it
started it), so CI needs no set-up step; where the machine cannot run the
daemons (not root and the packages missing, no apt-get, not Linux) every test
is skipped with the reason.  Each run works in a temporary copy of the
repository (git ls-files), never in the checkout.

What is checked:
* every non-local job of the slice went through sbatch (a SLURM job id per
  job in Snakemake's log, and squeue reports each id COMPLETED);
* the outputs equal those of a local run of the same targets (NetCDF data and
  attributes except the time stamp, CSV/Markdown tables, figure pixels);
* each job ran with the per-node NUMBA_CACHE_DIR that the profile exports;
* a rule made to fail on purpose (extra rule file in the copy only) is
  reported, resubmitted ``retries`` times as the profile says, and a rule that
  fails only with the first attempt's memory succeeds on the retry with the
  profile's attempt-scaled ``mem_mb``;
* ``snakemake --report`` builds a report of the slice with every figure and
  table under a category and captions rendered from the config.

Wall times (local vs SLURM) are measured by benchmarks/bench_slurm.py, not
asserted here.
"""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "profiles" / "slurm" / "local-cluster"))
import harness  # noqa: E402

pytestmark = [pytest.mark.slurm]

PROFILE = yaml.safe_load((ROOT / "profiles" / "slurm" / "config.yaml").read_text())
CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
TARGETS = harness.slice_targets(CONFIG)
RUN_TIMEOUT_S = 900          # per Snakemake run; a hung run is interrupted (SIGINT)


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def cluster():
    """A running single-node SLURM cluster; stopped afterwards if we started it."""
    if not sys.platform.startswith("linux"):
        pytest.skip("local SLURM cluster needs Linux")
    was_up = harness.cluster_answers()
    if not was_up:
        up = harness.cluster_up()
        if up.returncode == harness.CANNOT_RUN:
            pytest.skip(f"this machine cannot run SLURM daemons: {up.stderr.strip()}")
        assert up.returncode == 0, f"up.sh failed:\n{up.stdout}\n{up.stderr}"
        assert harness.cluster_answers(), f"up.sh returned 0 but no node is usable:\n{up.stdout}"
    yield
    if not was_up:
        down = harness.cluster_down()
        assert down.returncode == 0, down.stdout + down.stderr


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """The slice run locally with profiles/default (the reference)."""
    work = harness.copy_workflow(tmp_path_factory.mktemp("local") / "wf")
    run = harness.snakemake(
        work, ["--workflow-profile", "profiles/default", "--cores", "2", *TARGETS],
        timeout_s=RUN_TIMEOUT_S, env={"NUMBA_CACHE_DIR": str(work / ".numba_cache")},
        logfile=work / "snakemake.log")
    assert run.returncode == 0, f"local run failed:\n{run.log[-4000:]}"
    return work, run


@pytest.fixture(scope="module")
def slurm_run(cluster, tmp_path_factory):
    """The same targets with --workflow-profile profiles/slurm."""
    work = harness.copy_workflow(tmp_path_factory.mktemp("slurm") / "wf")
    t0 = time.time()
    run = harness.snakemake(work, ["--workflow-profile", "profiles/slurm", *TARGETS],
                            timeout_s=RUN_TIMEOUT_S, logfile=work / "snakemake.log")
    assert run.returncode == 0, f"SLURM run failed:\n{run.log[-4000:]}"
    return work, run, t0


# ---------------------------------------------------------------- helpers
def _attempt_value(expr, attempt: int, threads: int = 1):
    """Value of a profile resource (a Python expression in `attempt`) for one attempt."""
    return eval(str(expr), {"attempt": attempt, "threads": threads})  # profile text, ours


def _assert_same_netcdf(a: Path, b: Path):
    import xarray as xr

    with xr.open_dataset(a) as da, xr.open_dataset(b) as db:
        assert sorted(da.variables) == sorted(db.variables), b
        for name in da.variables:
            va, vb = da[name], db[name]
            assert va.dims == vb.dims, (b, name)
            assert va.attrs == vb.attrs, (b, name)
            if np.issubdtype(va.dtype, np.number):
                np.testing.assert_allclose(vb.values, va.values, rtol=1e-12, atol=0,
                                           err_msg=f"{b}:{name}")
            else:
                assert (va.values == vb.values).all(), (b, name)
        # provenance: everything but the time stamp of writing
        skip = {"history"}
        assert {k: v for k, v in da.attrs.items() if k not in skip} == \
               {k: v for k, v in db.attrs.items() if k not in skip}, b


def _assert_same_png(a: Path, b: Path):
    import matplotlib.image as mpimg

    pa, pb = mpimg.imread(a), mpimg.imread(b)
    assert pa.shape == pb.shape, b
    np.testing.assert_array_equal(pa, pb, err_msg=str(b))


# ---------------------------------------------------------------- tests
def test_profile_keys_for_the_local_cluster():
    """The profile settings that the measured facts require (see up.sh)."""
    assert PROFILE["executor"] == "slurm"
    # without slurmdbd sacct fails: the plugin must query squeue ...
    assert PROFILE["slurm-status-command"] == "squeue"
    # ... and squeue must still list finished jobs at the check, else the
    # plugin silently falls back to sacct (MinJobAge >= 3 x init interval)
    conf = Path("/etc/slurm/slurm.conf")
    init = PROFILE["slurm-init-seconds-before-status-checks"]
    up_sh = harness.UP.read_text()
    min_job_age = int(re.search(r"^MinJobAge=(\d+)", up_sh, re.M).group(1))
    assert min_job_age >= 3 * init
    if conf.exists() and "scimodel" in conf.read_text():
        assert f"MinJobAge={min_job_age}" in conf.read_text()
    res = PROFILE["default-resources"]
    for key in ("slurm_partition", "runtime", "mem_mb", "cpus_per_task"):
        assert key in res, key
    assert int(PROFILE["retries"]) >= 1
    assert "NUMBA_CACHE_DIR" in PROFILE["precommand"]


def test_every_job_went_through_slurm(slurm_run):
    work, run, _ = slurm_run
    jobs = run.jobs()
    remote = {sm_id: rule for local, rule, sm_id in jobs if not local}
    assert remote, "no job ran"
    assert {rule for rule in remote.values()} >= {
        "eliashberg_spectrum", "eliashberg_lambda_scan", "eliashberg_table", "eliashberg_figure"}
    subs = run.submissions()
    by_sm = {sm_id: (slurm_id, rule) for sm_id, slurm_id, rule in subs}
    assert set(by_sm) == set(remote), "every non-local job has exactly one sbatch submission"
    assert len(subs) == len(remote), "no job was submitted twice in a clean run"
    for sm_id, (slurm_id, rule) in by_sm.items():
        assert rule == remote[sm_id]
    states = harness.squeue_states([s for s, _ in by_sm.values()])
    assert {s: states.get(s) for s, _ in by_sm.values()} == \
           {s: "COMPLETED" for s, _ in by_sm.values()}
    # SLURM's own log of every job exists (the profile keeps successful logs)
    for sm_id, (slurm_id, rule) in by_sm.items():
        logs = list((work / ".snakemake" / "slurm_logs" / f"rule_{rule}").rglob(f"{slurm_id}.log"))
        assert logs, (rule, slurm_id)
        assert f"rule {rule}:" in logs[0].read_text()


def test_outputs_equal_local_run(local_run, slurm_run):
    local, _ = local_run
    remote, _, _ = slurm_run
    for target in TARGETS:
        a, b = local / target, remote / target
        assert a.is_file() and b.is_file(), target
        if target.endswith(".nc"):
            _assert_same_netcdf(a, b)
        elif target.endswith(".png"):
            _assert_same_png(a, b)
        else:
            assert a.read_text() == b.read_text(), target


def test_jobs_used_per_node_numba_cache(slurm_run):
    """The profile's precommand exported NUMBA_CACHE_DIR=/tmp/...-<user>-<node>;
    the slice's Numba kernels (cache=True) wrote their cache there during the run."""
    _, _, t0 = slurm_run
    # the directory the precommand exports on this node (the test runs on the node)
    out = subprocess.run(["bash", "-c", PROFILE["precommand"] + ' && printf %s "$NUMBA_CACHE_DIR"'],
                         capture_output=True, text=True, check=True)
    cache = Path(out.stdout)
    assert socket.gethostname().split(".")[0] in cache.name, "the directory is per node"
    assert cache.is_dir(), cache
    fresh = [p for p in cache.rglob("*.nb[ic]") if p.stat().st_mtime >= t0 - 1]
    assert fresh, f"no Numba cache file written under {cache} during the SLURM run"


FAIL_RULES = '''
# Extra rules of tests/test_slurm.py (only in the temporary copy).
rule slurm_test_always_fails:
    output:
        txt="results/slurm_test/always_fails.txt",
    log:
        "logs/slurm_test_always_fails/all.log",
    shell:
        "echo 'failing on purpose with mem_mb={resources.mem_mb}' | tee {log} >&2; exit 3"


rule slurm_test_needs_retry:
    output:
        txt="results/slurm_test/needs_retry.txt",
    params:
        need_mb=MEM_NEEDED,
    log:
        "logs/slurm_test_needs_retry/all.log",
    shell:
        "if [ {resources.mem_mb} -lt {params.need_mb} ]; then"
        " echo 'mem_mb={resources.mem_mb} too small on purpose' | tee {log} >&2; exit 3; fi; "
        "echo {resources.mem_mb} $SLURM_JOB_ID > {output.txt}"
'''


def test_failure_reported_and_retried_per_profile(cluster, tmp_path_factory):
    work = harness.copy_workflow(tmp_path_factory.mktemp("fail") / "wf")
    retries = int(PROFILE["retries"])
    mem_expr = PROFILE["default-resources"]["mem_mb"]
    mem = [_attempt_value(mem_expr, k) for k in range(1, retries + 2)]
    assert mem[-1] > mem[0], "the profile's mem_mb must grow with attempt"
    # needs more than the first attempt's memory, no more than the last one's
    need = mem[-1]
    (work / "workflow" / "rules" / "zz_slurm_test.smk").write_text(
        FAIL_RULES.replace("MEM_NEEDED", str(need)))
    with open(work / "Snakefile", "a") as f:
        f.write('\ninclude: "workflow/rules/zz_slurm_test.smk"\n')
    run = harness.snakemake(
        work, ["--workflow-profile", "profiles/slurm",
               "results/slurm_test/always_fails.txt", "results/slurm_test/needs_retry.txt"],
        timeout_s=RUN_TIMEOUT_S, logfile=work / "snakemake.log")
    assert run.returncode != 0, "a failing job must make the run fail"
    subs = run.submissions()
    by_rule: dict[str, list[str]] = {}
    for _, slurm_id, rule in subs:
        by_rule.setdefault(rule, []).append(slurm_id)
    # retried as the profile says: 1 + retries submissions of the failing rule
    assert len(by_rule.get("slurm_test_always_fails", [])) == retries + 1, run.log[-3000:]
    states = harness.squeue_states(by_rule["slurm_test_always_fails"])
    assert all(states.get(j) == "FAILED" for j in by_rule["slurm_test_always_fails"]), states
    # reported: Snakemake names the rule and SLURM's verdict, and SLURM's log keeps the message
    assert "Error in rule slurm_test_always_fails" in run.log
    last = by_rule["slurm_test_always_fails"][-1]
    assert re.search(rf"SLURM-job '{last}' failed, SLURM status is: 'FAILED'", run.log), run.log[-3000:]
    slurm_logs = list((work / ".snakemake" / "slurm_logs").rglob(f"{last}.log"))
    assert slurm_logs and "failing on purpose" in slurm_logs[0].read_text()
    assert not (work / "results/slurm_test/always_fails.txt").exists()
    # the retry with the attempt-scaled memory succeeds
    ids = by_rule.get("slurm_test_needs_retry", [])
    assert len(ids) == retries + 1, run.log[-3000:]
    states = harness.squeue_states(ids)
    assert [states.get(j) for j in ids] == ["FAILED"] * retries + ["COMPLETED"], states
    got_mem, got_job = (work / "results/slurm_test/needs_retry.txt").read_text().split()
    assert int(got_mem) == mem[-1] and got_job == ids[-1]


def test_report_of_the_slice(slurm_run):
    """`snakemake --report` after the SLURM run: every report() output of the
    slice is in the report under a category, captions rendered from config."""
    work, _, _ = slurm_run
    run = harness.snakemake(work, ["--report", "report.html", *TARGETS],
                            timeout_s=300, logfile=work / "report.log")
    assert run.returncode == 0, run.log[-3000:]
    html = (work / "report.html").read_text()
    m = re.search(r"var categories = (\{.*?\});\s*</script>", html, re.S)
    assert m, "no categories in report.html"
    categories = json.loads(m.group(1))
    in_report = {p for sub in categories.values() for paths in sub.values() for p in paths}
    # the report() outputs of eliashberg.smk (figures and Markdown tables)
    expected = {t for t in TARGETS if t.endswith((".png", ".md"))}
    assert expected <= in_report, expected - in_report
    assert all(categories), "every result sits in a named category"
    m = re.search(r"var results = (\{.*?\});\s*</script>", html, re.S)
    results = json.loads(m.group(1))
    for path in expected:
        caption = results[path]["caption"]
        assert caption.strip(), path
        assert "{{" not in caption and "snakemake.config" not in caption, path
    mu_star = str(CONFIG["eliashberg"]["mu_star"])
    assert any(f"= {mu_star}" in results[p]["caption"] for p in expected), \
        "captions quote the config value mu*"
