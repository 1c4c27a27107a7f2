"""Wall time of the whole default DAG in a fresh copy of the workflow:
cold (empty results, empty Numba cache) and no-op (everything up to date),
with --cores 2 and --cores 1.

    .venv/bin/python benchmarks/dag_timing.py
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
sys.path.insert(0, str(ROOT / "tests"))
from conftest import copy_workflow  # noqa: E402  (the tests' copy of the tracked files)


def timed(cmd, cwd, env) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def main():
    rows = []
    for cores in ("2", "1"):
        with tempfile.TemporaryDirectory() as tmp:
            wf = Path(tmp) / "wf"
            copy_workflow(wf)
            env = dict(os.environ, NUMBA_CACHE_DIR=str(Path(tmp) / "numba"))
            cold = timed([SNAKEMAKE, "--cores", cores], wf, env)
            noop = timed([SNAKEMAKE, "--cores", cores], wf, env)
            rows.append((cores, cold, noop))
    print(f"{'cores':>5s} {'cold [s]':>10s} {'no-op [s]':>10s}")
    for cores, cold, noop in rows:
        print(f"{cores:>5s} {cold:10.1f} {noop:10.1f}")
    print(f"cold 1 core / 2 cores: {rows[1][1] / rows[0][1]:.2f}x")


if __name__ == "__main__":
    main()
