"""Wall time of the test's targets (Eliashberg slice + SCDFT): local run vs the local SLURM cluster.

    .venv/bin/python benchmarks/bench_slurm.py [--repeat N]

Starts the single-node cluster (profiles/slurm/local-cluster/up.sh) if no
cluster answers, and stops it again afterwards.  Each run works in a fresh
temporary copy of the repository (git ls-files) with a fresh Numba cache, so
both runs compile their kernels; the runs are sequential (not overlapped).
Prints a table: cluster start-up, local wall time (profiles/default,
--cores 2), SLURM wall time (--workflow-profile profiles/slurm, unchanged),
number of jobs, and for the SLURM run the summed run time of its SLURM jobs
and the span from the first job's start to the last one's end (squeue; the
rest of the wall time is Snakemake start-up and status-check latency).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "profiles" / "slurm" / "local-cluster"))
import harness  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-local", action="store_true", help="SLURM run only")
    ap.add_argument("--report", action="store_true",
                    help="also build `snakemake --report report.html` after the SLURM run")
    ap.add_argument("--keep", type=Path, default=None,
                    help="directory (new) for the copies, kept afterwards (default: temporary)")
    ap.add_argument("targets", nargs="*",
                    help="Snakemake targets (default: the Eliashberg slice + SCDFT kernel; "
                         "'all' for the whole default DAG)")
    args = ap.parse_args()
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    targets = args.targets or (harness.slice_targets(config) + list(harness.scdft_targets()))

    rows = []
    was_up = harness.cluster_answers()
    if not was_up:
        t = time.perf_counter()
        up = harness.cluster_up()
        if up.returncode != 0:
            print(f"cannot start the local SLURM cluster:\n{up.stdout}{up.stderr}")
            return 1
        rows.append(("cluster start-up (up.sh)", time.perf_counter() - t, "-"))
    try:
        for k in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="bench_slurm_") as tmp:
                tmp = Path(tmp)
                if args.keep:
                    tmp = args.keep / f"run{k + 1}"
                    tmp.mkdir(parents=True)
                extra = []
                if not args.targets:      # the test's targets: SCDFT on the coarse mesh
                    extra = ["--configfile", harness.COARSE_CONFIG]
                run = None
                if not args.no_local:
                    local = harness.copy_workflow(tmp / "local")
                    if extra:
                        harness.write_coarse_config(local)
                    run = harness.snakemake(
                        local, ["--workflow-profile", "profiles/default", "--cores", "2",
                                *targets, *extra],
                        timeout_s=1800, env={"NUMBA_CACHE_DIR": str(tmp / "numba-local")},
                        logfile=tmp / "local.log")
                if run is not None:
                    if run.returncode:
                        print(run.log[-3000:])
                        return 1
                    rows.append((f"local run, profiles/default (#{k + 1})", run.wall_s,
                                 str(len(run.jobs()))))
                remote = harness.copy_workflow(tmp / "slurm")
                if extra:
                    harness.write_coarse_config(remote)
                cap = ["--max-threads", str(harness.node_cpus())]
                run = harness.snakemake(remote, ["--workflow-profile", "profiles/slurm", *targets,
                                                 *cap, *extra],
                                        timeout_s=1800, logfile=tmp / "slurm.log")
                if run.returncode:
                    print(run.log[-3000:])
                    return 1
                rows.append((f"SLURM run, profiles/slurm (#{k + 1})", run.wall_s,
                             f"{len(run.jobs())} ({len(run.submissions())} sbatch)"))
                if args.report:
                    rep = harness.snakemake(remote, ["--report", "report.html", *targets, *extra],
                                            timeout_s=600, logfile=tmp / "report.log")
                    rows.append(("  snakemake --report report.html", rep.wall_s,
                                 "ok" if rep.returncode == 0 else f"FAILED ({tmp / 'report.log'})"))
                times = harness.job_times([sid for _, sid, _ in run.submissions()])
                if times:
                    busy = sum(e - s for s, e in times.values())
                    span = max(e for _, e in times.values()) - min(s for s, _ in times.values())
                    rows.append(("  sum of SLURM job run times", busy, f"{len(times)} jobs"))
                    rows.append(("  first job start -> last job end", span, "-"))
    finally:
        if not was_up:
            harness.cluster_down()

    what = ("Eliashberg slice + SCDFT (kernel W, one metal, coarse mesh)" if not args.targets
            else " ".join(args.targets))
    print(f"{what} ({len(targets)} targets), machine: 2 cores shared")
    print(f"{'run':45s} {'wall [s]':>9s}  jobs")
    for name, wall, jobs in rows:
        print(f"{name:45s} {wall:9.1f}  {jobs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
