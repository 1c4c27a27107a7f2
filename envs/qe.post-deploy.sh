#!/usr/bin/env bash
# Run by Snakemake (--sdm conda) inside the new envs/qe.yaml
# environment, from the workflow's working directory (the repository root):
# install the scimodel package in editable mode, without touching the
# conda-pinned dependencies.
set -euo pipefail
if ! grep -q '^name = "scimodel"' pyproject.toml 2>/dev/null; then
    echo "scimodel post-deploy: run snakemake from the repository root (no scimodel pyproject.toml in $PWD)" >&2
    exit 1
fi
python -m pip install --no-deps --no-build-isolation --editable .
