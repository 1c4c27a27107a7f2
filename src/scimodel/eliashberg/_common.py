"""Helpers shared by the solvers: the serial/parallel switch for small Numba work,
input checks and the default Coulomb and Matsubara cutoffs."""
from __future__ import annotations

import numpy as np
from numba import get_num_threads as numba_get_num_threads
from numba import set_num_threads as numba_set_num_threads

from ..errors import InputError
from .spectrum import Spectrum


# ---------------------------------------------------------------- threads for small work


class _Threads:
    """``with _Threads(work):`` runs the Numba kernels inside on one thread when
    ``work`` (~ flops) is below ``_PARALLEL_WORK``.  A parallel region of a
    few ms waits at its end for every thread; on a loaded machine (2 Snakemake
    jobs on 2 cores, QE in the background) that wait cost more than the
    second thread saved (benchmarks/bench_eliashberg.py: Tc 3-10x slower)."""

    def __init__(self, work: float):
        self.serial = work < _PARALLEL_WORK

    def __enter__(self):
        self.threads = numba_get_num_threads()
        if self.serial:
            numba_set_num_threads(1)
        return self

    def __exit__(self, *exc):
        numba_set_num_threads(self.threads)
        return False


_PARALLEL_WORK = 2e6


# ---------------------------------------------------------------- input checks and defaults


def _check_positive(value, field: str, allow_zero: bool = False) -> float:
    v = float(value)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise InputError(None, field, f"expected a finite number {'>=' if allow_zero else '>'} 0, got {value!r}")
    return v


def _check_method(method: str) -> str:
    if method not in ("compressed", "dense"):
        raise InputError(None, "method", f"expected 'compressed' or 'dense', got {method!r}")
    return method


def _check_density(density) -> int:
    if int(density) != density or density < 2:
        raise InputError(None, "density", f"expected an integer >= 2 (cells per e-fold of frequency), got {density!r}")
    return int(density)



def _defaults(spec: Spectrum, omega_c, cutoff, factor=10.0):
    omega_c = factor * spec.omega_max if omega_c is None else _check_positive(omega_c, "omega_c")
    cutoff = omega_c if cutoff is None else _check_positive(cutoff, "cutoff")
    return omega_c, max(cutoff, omega_c)
