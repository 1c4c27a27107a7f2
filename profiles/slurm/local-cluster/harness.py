"""Helpers to run the workflow on the local SLURM cluster (used by
tests/test_slurm.py and benchmarks/bench_slurm.py).

Every run happens in a temporary copy of the repository (the files
``git ls-files`` lists, see :func:`copy_workflow`), so nothing is
written to the checkout: results/, logs/, .snakemake/ and the Numba cache of
a run all live in the copy or under /tmp.  Snakemake is always wrapped in
``timeout -s INT -k 30`` because a hung Snakemake ignores SIGTERM; SIGINT
makes it cancel its SLURM jobs.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]          # profiles/slurm/local-cluster -> repository root
UP = HERE / "up.sh"
DOWN = HERE / "down.sh"
CANNOT_RUN = 3                  # exit status of up.sh: this machine cannot run the daemons

SUBMIT_RE = re.compile(
    r"Job (\d+) has been submitted with SLURM jobid (\d+) \(log: (\S+?)\)\.?$", re.M)
RULE_RE = re.compile(r"^(local)?(?:rule|checkpoint) (\w+):\n(?:    .*\n)*?    jobid: (\d+)$", re.M)


# ------------------------------------------------------------------ cluster
def cluster_answers() -> bool:
    """A SLURM controller answers and a node is usable."""
    if not shutil.which("sinfo"):
        return False
    try:
        ping = subprocess.run(["scontrol", "ping"], capture_output=True, text=True, timeout=15)
        states = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True,
                                timeout=15)
    except (OSError, subprocess.SubprocessError):
        return False
    return ping.returncode == 0 and bool(
        re.search(r"^(idle|mixed|allocated|completing)$", states.stdout, re.M))


def cluster_up(timeout: float = 600) -> subprocess.CompletedProcess:
    """Run up.sh (installs the Debian packages when missing; ~1-10 s otherwise)."""
    return subprocess.run(["bash", str(UP)], capture_output=True, text=True, timeout=timeout)


def cluster_down() -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(DOWN)], capture_output=True, text=True, timeout=120)


def squeue_states(job_ids) -> dict[str, str]:
    """SLURM state of each job id, from squeue (finished jobs stay listed for MinJobAge)."""
    # one query per id: squeue prints nothing at all when any id of a list is unknown
    states = {}
    for jid in job_ids:
        out = subprocess.run(
            ["squeue", "--states=all", "--noheader", "--format=%i|%T", "--jobs", str(jid)],
            capture_output=True, text=True, timeout=30)
        for line in out.stdout.splitlines():
            if "|" in line:
                j, state = line.split("|", 1)
                states[j.strip()] = state.strip()
    return states


def job_times(job_ids) -> dict[str, tuple[float, float]]:
    """(start, end) as POSIX seconds of each finished job id, from squeue."""
    import datetime as dt

    out = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--format=%i|%S|%e", "--jobs", ",".join(job_ids)],
        capture_output=True, text=True, timeout=30)
    times = {}
    for line in out.stdout.splitlines():
        parts = line.split("|")
        if len(parts) == 3:
            try:
                start, end = (dt.datetime.fromisoformat(x.strip()).timestamp() for x in parts[1:])
            except ValueError:       # N/A: not started or not finished
                continue
            times[parts[0].strip()] = (start, end)
    return times


# ------------------------------------------------------------------ workflow copy
def repo_files(root: Path = ROOT) -> list[str]:
    """Files tracked by git (``git ls-files``)."""
    out = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True,
                         text=True, check=True)
    return [f for f in out.stdout.split("\0") if f]


def copy_workflow(dest: Path, root: Path = ROOT, source: str | None = None) -> Path:
    """Copy the repository's tracked files to ``dest``; returns ``dest``.

    ``source`` (default: environment variable SCIMODEL_WORKFLOW_COPY, else
    "worktree"): "worktree" copies the tracked files as they are in the work
    tree (uncommitted edits included, untracked files not); "head" copies the
    last commit (``git archive HEAD``), for a work tree that others are
    editing at the same time.  Files get the time of copying as modification
    time, so a copy never inherits cache stamps (Numba's index, Snakemake's
    mtime trigger) from an earlier copy.
    """
    source = source or os.environ.get("SCIMODEL_WORKFLOW_COPY", "worktree")
    dest.mkdir(parents=True, exist_ok=True)
    if source == "head":
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=root, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-m", "-C", str(dest)], input=archive, check=True)
        return dest
    if source != "worktree":
        raise ValueError(f"SCIMODEL_WORKFLOW_COPY must be 'worktree' or 'head', not {source!r}")
    for rel in repo_files(root):
        src = root / rel
        if not src.is_file():        # deleted in the work tree, or a submodule
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, target)     # permissions kept, fresh mtime
    return dest


@dataclass
class Run:
    returncode: int
    wall_s: float
    log: str             # Snakemake's stdout+stderr

    def submissions(self) -> list[tuple[str, str, str]]:
        """(snakemake job id, SLURM job id, rule name) of every sbatch submission."""
        subs = []
        for sm_id, slurm_id, logpath in SUBMIT_RE.findall(self.log):
            m = re.search(r"/rule_(\w+?)/", logpath)
            subs.append((sm_id, slurm_id, m.group(1) if m else "?"))
        return subs

    def jobs(self) -> list[tuple[bool, str, str]]:
        """(is local rule, rule name, snakemake job id) of every job Snakemake started."""
        return [(bool(m.group(1)), m.group(2), m.group(3)) for m in RULE_RE.finditer(self.log)]


class Started:
    """A Snakemake run going on in the background; ``wait()`` returns its Run."""

    def __init__(self, proc: subprocess.Popen, t0: float, logfile: Path, handle):
        self.proc, self.t0, self.logfile, self._handle = proc, t0, logfile, handle

    def wait(self) -> Run:
        rc = self.proc.wait()
        wall = time.perf_counter() - self.t0
        self._handle.close()
        return Run(rc, wall, self.logfile.read_text())


def start_snakemake(workdir: Path, args: list[str], *, timeout_s: int, logfile: Path,
                    env: dict | None = None) -> Started:
    """Start ``python -m snakemake ARGS`` in ``workdir`` under ``timeout -s INT -k 30``;
    its stdout and stderr go to ``logfile``."""
    full_env = dict(os.environ)
    # the copy's scimodel, not the checkout's editable install
    full_env["PYTHONPATH"] = os.pathsep.join(
        [str(workdir / "src")] + ([full_env["PYTHONPATH"]] if full_env.get("PYTHONPATH") else []))
    full_env.pop("SLURM_JOB_ID", None)
    if env:
        full_env.update(env)
    cmd = ["timeout", "-s", "INT", "-k", "30", str(timeout_s),
           sys.executable, "-m", "snakemake", *args]
    t0 = time.perf_counter()
    out = open(logfile, "w")
    proc = subprocess.Popen(cmd, cwd=workdir, env=full_env, stdout=out,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return Started(proc, t0, logfile, out)


def snakemake(workdir: Path, args: list[str], *, timeout_s: int, logfile: Path,
              env: dict | None = None) -> Run:
    """Run ``python -m snakemake ARGS`` in ``workdir`` and wait for it."""
    return start_snakemake(workdir, args, timeout_s=timeout_s, logfile=logfile, env=env).wait()


def slice_targets(config: dict) -> list[str]:
    """The Eliashberg vertical slice (outputs of workflow/rules/eliashberg.smk)."""
    spectra = sorted(config["eliashberg"]["spectra"])
    return ([f"results/eliashberg/spectra/{s}.nc" for s in spectra]
            + ["results/eliashberg/lambda_scan.nc",
               "results/figures/eliashberg_tc_vs_lambda.png",
               "results/tables/eliashberg_models.csv",
               "results/tables/eliashberg_models.md",
               "results/tables/eliashberg_models.nc"])


# SCDFT on a coarse energy mesh for the test (20 points per decade by default).
COARSE_SCDFT = {"scdft": {"points_per_decade": 8}}
COARSE_CONFIG = "config/slurm_test_coarse.yaml"    # written into a copy, never into the checkout
# Metals tried for the SCDFT Tc target, in this order (the first whose
# first-principles input is in the repository is used).
SCDFT_METALS = ["Pb", "Al", "Nb", "Mo", "Ta", "Cu"]


def write_coarse_config(workdir: Path) -> str:
    """Write the coarse-mesh config override into a copy; returns its relative path."""
    import yaml

    (workdir / COARSE_CONFIG).write_text(
        "# tests/test_slurm.py: SCDFT on a coarse mesh (override of config/config.yaml)\n"
        + yaml.safe_dump(COARSE_SCDFT))
    return COARSE_CONFIG


def node_cpus() -> int:
    """CPUs of the smallest node of the cluster (sinfo)."""
    out = subprocess.run(["sinfo", "-h", "-o", "%c"], capture_output=True, text=True, timeout=30)
    return min(int(x) for x in out.stdout.split() if x.isdigit())


def scdft_targets(root: Path = ROOT) -> dict[str, str]:
    """SCDFT targets small enough for the test, {target: rule}, where the rules exist:

    * the universal SCDFT phonon kernel W(T, omega) of paper 004 (Fig. 1 data, ~3 s);
    * SCDFT Tc, gap and Eliashberg comparison of one metal (paper004_metal) on the
      coarse mesh of COARSE_SCDFT (~15 s), for the first metal of SCDFT_METALS
      whose resources/abinitio/<M>.nc is tracked by git.
    """
    smk = root / "workflow" / "rules" / "paper004.smk"
    text = smk.read_text() if smk.is_file() else ""
    out = {}
    if re.search(r"^rule paper004_kernel:", text, re.M):
        out["results/paper004/kernel_w.nc"] = "paper004_kernel"
    if re.search(r"^rule paper004_metal:", text, re.M):
        tracked = set(repo_files(root))
        for metal in SCDFT_METALS:
            if f"resources/abinitio/{metal}.nc" in tracked:
                out[f"results/paper004/metals/{metal}.nc"] = "paper004_metal"
                break
    return out
