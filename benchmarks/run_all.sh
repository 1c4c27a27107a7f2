#!/usr/bin/env bash
# Run every benchmark in one go and print the tables (see benchmarks/README.md).
#   bash benchmarks/run_all.sh            # kernels + whole-DAG timings
#   SKIP_DAG=1 bash benchmarks/run_all.sh # kernels only
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
echo "# machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
for b in benchmarks/bench_*.py; do
  echo
  echo "## $b"
  "$PY" "$b"
done
if [ -z "${SKIP_DAG:-}" ]; then
  echo
  echo "## whole default DAG (fresh copy, cold Numba cache, then a no-op rerun)"
  "$PY" benchmarks/dag_timing.py
fi
