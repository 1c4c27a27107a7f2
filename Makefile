# Two commands for a fresh machine (Python 3.11 + pip):
#   make reproduce CORES=2   -> install, then build every default target
#   make test                -> install (incl. system packages), then run the tests
PYTHON ?= python3
VENV   ?= .venv
CORES  ?= 2
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: install system-deps reproduce test test-fast report bench clean-results

# Python environment: the scimodel package (editable) + Snakemake + test tools.
# The exact, tested versions (requirements.lock), then scimodel itself (editable).
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.lock
	$(BIN)/python -m pip install --no-deps -e ".[workflow,test]"
	touch $(STAMP)

install: $(STAMP)

# Debian packages used by the tests that exercise external programs
# (Quantum ESPRESSO; a local SLURM cluster; OpenBLAS as the system BLAS, the
# reference BLAS beside it for the pseudopotential test).
# Needs root; skipped otherwise (those tests then skip with a message).
system-deps:
	bash envs/install-system-deps.sh

reproduce: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)

# The report embeds the default targets: build them first (nothing to do if current).
report: reproduce
	$(BIN)/snakemake --report report.html

test: $(STAMP) system-deps
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest -q -n 2 --dist loadgroup -rs

# Quick tests only (skip workflow builds, QE and SLURM).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not qe and not slurm"

bench: $(STAMP)
	bash benchmarks/run_all.sh

clean-results:
	rm -rf results/*/ logs benchmarks/results .snakemake
