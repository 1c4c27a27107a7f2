"""The SLURM profile against a real SLURM: profiles/slurm on a single-node
cluster on localhost (profiles/slurm/local-cluster/up.sh, Debian's SLURM
22.05), on the Eliashberg vertical slice of the DAG and SCDFT targets of
paper 004 where their rules and inputs exist (the phonon kernel W; Tc of one
metal on a coarse energy mesh).

The module starts the cluster itself (and stops it at the end if it
started it), so CI needs no set-up step; where the machine cannot run the
daemons (not root and the packages missing, no apt-get, not Linux) every test
is skipped with the reason.  Each run works in a temporary copy of the
repository (git ls-files), never in the checkout.

What is checked, on one SLURM run of the slice plus two rules that fail on
purpose (an extra rule file in the copy only), next to a local run:
* every job went through sbatch (a SLURM job id per job in Snakemake's log,
  squeue reports the slice's jobs COMPLETED, SLURM's log of each job exists);
* the outputs equal those of the local run of the same targets (NetCDF data
  and attributes except the time stamp, CSV/Markdown tables, figure pixels);
* the jobs used the per-node NUMBA_CACHE_DIR that the profile exports;
* the failing rule is reported (Snakemake's error, SLURM state FAILED, the
  message in SLURM's log) and submitted 1 + ``retries`` times as the profile
  says; a rule that fails only with the first attempt's memory succeeds on
  the retry with the profile's attempt-scaled ``mem_mb``;
* ``snakemake --report`` builds a report of the slice with every figure and
  table under a category and captions rendered from the config.

Wall times (local vs SLURM) are measured by benchmarks/bench_slurm.py, not
asserted here.
"""
from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import same_attrs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "profiles" / "slurm" / "local-cluster"))
import harness  # noqa: E402

# one worker runs the whole module under pytest-xdist (`--dist loadgroup`): the
# module starts and stops one cluster and shares its runs between the tests
pytestmark = [pytest.mark.slurm, pytest.mark.xdist_group("slurm")]

PROFILE = yaml.safe_load((ROOT / "profiles" / "slurm" / "config.yaml").read_text())
CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
SCDFT = harness.scdft_targets()      # {target: rule}, e.g. paper 004's SCDFT kernel
TARGETS = harness.slice_targets(CONFIG) + list(SCDFT)
RUN_TIMEOUT_S = 900          # per Snakemake run; a hung run is interrupted (SIGINT)

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
        "echo {resources.mem_mb} $SLURM_JOB_ID $SLURM_CPUS_PER_TASK $NUMBA_NUM_THREADS > {output.txt}"
'''
FAIL_TARGETS = ["results/slurm_test/always_fails.txt", "results/slurm_test/needs_retry.txt"]

# An MPI rule like the QE rule (abinitio_qe: `mpirun -np {threads}`), on 2 ranks,
# with the profile's resources for abinitio_qe.
MPI_RANKS = 2
MPI_RULE = '''

rule slurm_test_mpi:
    output:
        txt="results/slurm_test/mpi.txt",
    threads: RANKS
    resources:
        nodes=NODES,
    log:
        "logs/slurm_test_mpi/all.log",
    shell:
        "mpirun --allow-run-as-root -np {threads} hostname > {output.txt} 2> {log}"
'''
HAVE_MPIRUN = shutil.which("mpirun") is not None


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
def runs(cluster, tmp_path_factory):
    """One SLURM run and one local run of TARGETS, side by side.

    SLURM: TARGETS plus the extra rules of this module (two that fail on
    purpose, one MPI rule; an extra rule file in the copy only), with
    --workflow-profile profiles/slurm as it is, plus --max-threads = the
    node's CPUs.  Local: TARGETS with profiles/default, started in the
    background at the same time (it uses the CPUs while the SLURM run waits
    for status checks).  Both with the coarse SCDFT mesh (--configfile).
    Returns dict(local=(workdir, Run), slurm=(workdir, Run, t0), mem=, retries=).
    """
    local = harness.copy_workflow(tmp_path_factory.mktemp("local") / "wf")
    # a path no earlier run used: Numba keys a cache by the source directory's path and
    # the source's content, so a copy at a reused basetemp path would find the kernels
    # an earlier run compiled and write nothing (test_jobs_used_per_node_numba_cache)
    remote = harness.copy_workflow(
        tmp_path_factory.mktemp(f"slurm-{uuid.uuid4().hex[:12]}", numbered=False) / "wf")
    retries = int(PROFILE["retries"])
    mem = [_attempt_value(PROFILE["default-resources"]["mem_mb"], k)
           for k in range(1, retries + 2)]
    assert mem[-1] > mem[0], "the profile's mem_mb must grow with attempt"
    # the retried rule needs more than the first attempt's memory, no more than the last one's
    extra, targets = FAIL_RULES.replace("MEM_NEEDED", str(mem[-1])), list(FAIL_TARGETS)
    qe = PROFILE["set-resources"]["abinitio_qe"]
    if HAVE_MPIRUN:
        extra += MPI_RULE.replace("RANKS", str(MPI_RANKS)).replace("NODES", str(qe["nodes"]))
        targets.append("results/slurm_test/mpi.txt")
    (remote / "workflow" / "rules" / "zz_slurm_test.smk").write_text(extra)
    with open(remote / "Snakefile", "a") as f:
        f.write('\ninclude: "workflow/rules/zz_slurm_test.smk"\n')

    # SCDFT on a coarse mesh in both runs; threads capped at the node's CPUs
    # (the profile gives the SCDFT rules 4 threads: more than the test node has)
    coarse = [harness.write_coarse_config(w) for w in (local, remote)][0]
    cap = ["--max-threads", str(harness.node_cpus())]

    t0 = time.time()
    bg = harness.start_snakemake(
        local, ["--workflow-profile", "profiles/default", "--cores", "2", *TARGETS,
                "--configfile", coarse],
        timeout_s=RUN_TIMEOUT_S, env={"NUMBA_CACHE_DIR": str(local / ".numba_cache")},
        logfile=local.parent / "snakemake.log")
    slurm = harness.snakemake(remote, ["--workflow-profile", "profiles/slurm", *TARGETS, *targets,
                                       *cap, "--configfile", coarse],
                              timeout_s=RUN_TIMEOUT_S, logfile=remote.parent / "snakemake.log")
    loc = bg.wait()
    assert loc.returncode == 0, f"local run failed:\n{loc.log[-4000:]}"
    # the run fails (a rule fails on purpose) but keep-going finishes the rest
    assert slurm.returncode != 0, "a failing job must make the run fail"
    missing = [t for t in TARGETS if not (remote / t).is_file()]
    assert not missing, f"SLURM run did not make {missing}:\n{slurm.log[-4000:]}"
    return dict(local=(local, loc), slurm=(remote, slurm, t0), mem=mem, retries=retries)


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
            assert same_attrs(va.attrs, vb.attrs), (b, name)
            if np.issubdtype(va.dtype, np.number):
                np.testing.assert_allclose(vb.values, va.values, rtol=1e-12, atol=0,
                                           err_msg=f"{b}:{name}")
            else:
                assert (va.values == vb.values).all(), (b, name)
        # provenance: everything but the time stamp of writing
        skip = {"history"}
        assert same_attrs({k: v for k, v in da.attrs.items() if k not in skip},
                          {k: v for k, v in db.attrs.items() if k not in skip}), b


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
    assert "NUMBA_NUM_THREADS" in PROFILE["precommand"]
    # Snakemake expands $VAR in profile values on the submit host: the
    # per-node parts must be $( ) command substitutions, evaluated in the job
    assert not re.search(r"\$(\w|\{)", PROFILE["precommand"])
    # ... and sbatch must get the command as a script: with --wrap="..." a
    # shell on the submit host would expand the $( ) (checked in a job by
    # test_failure_reported_and_retried_per_profile: NUMBA_NUM_THREADS)
    assert PROFILE["slurm-pass-command-as-script"] is True


def test_every_job_went_through_slurm(runs):
    work, run, _ = runs["slurm"]
    remote = {sm_id: rule for local, rule, sm_id in run.jobs() if not local}
    slice_rules = {"eliashberg_spectrum", "eliashberg_lambda_scan", "eliashberg_table",
                   "eliashberg_figure", *SCDFT.values()}
    assert set(remote.values()) >= slice_rules
    subs = run.submissions()
    assert {sm_id for sm_id, _, _ in subs} == set(remote), \
        "every non-local job was submitted with sbatch"
    n_subs: dict[str, int] = {}
    for sm_id, _, rule in subs:
        assert rule == remote[sm_id]
        n_subs[sm_id] = n_subs.get(sm_id, 0) + 1
    slice_jobs = {sm_id for sm_id, rule in remote.items() if rule in slice_rules}
    assert all(n_subs[j] == 1 for j in slice_jobs), "slice jobs ran once each"
    slice_ids = [slurm_id for sm_id, slurm_id, _ in subs if sm_id in slice_jobs]
    states = harness.squeue_states(slice_ids)
    assert {j: states.get(j) for j in slice_ids} == {j: "COMPLETED" for j in slice_ids}
    # SLURM's own log of every job exists (the profile keeps successful logs)
    # and shows the job's rule run by Snakemake inside the allocation
    for sm_id, slurm_id, rule in subs:
        if sm_id not in slice_jobs:
            continue
        logs = list((work / ".snakemake" / "slurm_logs" / f"rule_{rule}").rglob(f"{slurm_id}.log"))
        assert logs, (rule, slurm_id)
        assert f"rule {rule}:" in logs[0].read_text()


def test_outputs_equal_local_run(runs):
    local, _ = runs["local"]
    remote, _, _ = runs["slurm"]
    for target in TARGETS:
        a, b = local / target, remote / target
        assert a.is_file() and b.is_file(), target
        if target.endswith(".nc"):
            _assert_same_netcdf(a, b)
        elif target.endswith(".png"):
            _assert_same_png(a, b)
        else:
            assert a.read_text() == b.read_text(), target


def test_jobs_used_per_node_numba_cache(runs):
    """The profile's precommand exported NUMBA_CACHE_DIR=/tmp/...-<user>-<node>;
    the slice's Numba kernels (cache=True) wrote their cache there during the run."""
    remote, _, t0 = runs["slurm"]
    # the directory the precommand exports on this node (the test runs on the node)
    out = subprocess.run(["bash", "-c", PROFILE["precommand"] + ' && printf %s "$NUMBA_CACHE_DIR"'],
                         capture_output=True, text=True, check=True)
    cache = Path(out.stdout)
    assert socket.gethostname().split(".")[0] in cache.name, "the directory is per node"
    assert cache.is_dir(), cache
    fresh = [p for p in cache.rglob("*.nb[ic]") if p.stat().st_mtime >= t0 - 1]
    assert fresh, f"no Numba cache file written under {cache} during the SLURM run"
    # ... and not next to the sources of the copy (Numba's default location)
    assert not list((remote / "src").rglob("*.nbi"))


def test_failure_reported_and_retried_per_profile(runs):
    work, run, _ = runs["slurm"]
    retries, mem = runs["retries"], runs["mem"]
    by_rule: dict[str, list[str]] = {}
    for _, slurm_id, rule in run.submissions():
        by_rule.setdefault(rule, []).append(slurm_id)
    # retried as the profile says: 1 + retries submissions of the failing rule
    fails = by_rule.get("slurm_test_always_fails", [])
    assert len(fails) == retries + 1, run.log[-3000:]
    states = harness.squeue_states(fails)
    assert [states.get(j) for j in fails] == ["FAILED"] * len(fails), states
    # reported: Snakemake names the rule and SLURM's verdict; SLURM's log keeps the message
    assert "Error in rule slurm_test_always_fails" in run.log
    assert re.search(rf"SLURM-job '{fails[-1]}' failed, SLURM status is: 'FAILED'", run.log), \
        run.log[-3000:]
    slurm_logs = list((work / ".snakemake" / "slurm_logs").rglob(f"{fails[-1]}.log"))
    assert slurm_logs and "failing on purpose" in slurm_logs[0].read_text()
    assert not (work / "results/slurm_test/always_fails.txt").exists()
    # the retry, with the profile's attempt-scaled mem_mb, succeeds
    ids = by_rule.get("slurm_test_needs_retry", [])
    assert len(ids) == retries + 1, run.log[-3000:]
    states = harness.squeue_states(ids)
    assert [states.get(j) for j in ids] == ["FAILED"] * retries + ["COMPLETED"], states
    got_mem, got_job, cpus, numba_threads = \
        (work / "results/slurm_test/needs_retry.txt").read_text().split()
    assert int(got_mem) == mem[-1] and got_job == ids[-1]
    # the profile's precommand, evaluated in the job (not on the submit host,
    # which has no SLURM_CPUS_PER_TASK and 2 cores), limits Numba's threads
    # to the job's CPUs
    assert numba_threads == cpus == "1"


def test_mpi_rule_like_qe_runs_its_ranks(runs):
    """`mpirun -np <threads>` (the QE rule's launcher) inside a SLURM job of
    one task with <threads> CPUs on one node (the profile's abinitio_qe
    settings): all ranks start.  Without the profile's OMPI_MCA_ras/plm=^slurm
    Open MPI counts one slot per SLURM task and refuses ("not enough slots")."""
    qe = PROFILE["set-resources"]["abinitio_qe"]
    assert qe["nodes"] == 1
    assert "OMPI_MCA_ras=^slurm" in PROFILE["precommand"]
    if not HAVE_MPIRUN:
        pytest.skip("mpirun not installed (Debian package openmpi-bin, pulled in by quantum-espresso)")
    work, run, _ = runs["slurm"]
    ids = [sid for _, sid, rule in run.submissions() if rule == "slurm_test_mpi"]
    assert len(ids) == 1, run.log[-3000:]
    assert harness.squeue_states(ids) == {ids[0]: "COMPLETED"}
    lines = (work / "results/slurm_test/mpi.txt").read_text().split()
    assert len(lines) == MPI_RANKS, lines


def test_report_of_the_slice(runs):
    """`snakemake --report` after the SLURM run: every report() output of the
    slice is in the report under a category, captions rendered from config."""
    work, _, _ = runs["slurm"]
    run = harness.snakemake(work, ["--report", "report.html", *TARGETS],
                            timeout_s=300, logfile=work.parent / "report.log")
    assert run.returncode == 0, run.log[-3000:]
    html = (work / "report.html").read_text()
    m = re.search(r"var categories = (\{.*?\});\s*</script>", html, re.S)
    assert m, "no categories in report.html"
    categories = json.loads(m.group(1))
    in_report = {p for sub in categories.values() for paths in sub.values() for p in paths}
    # the report() outputs of eliashberg.smk (the figure and the Markdown table)
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
