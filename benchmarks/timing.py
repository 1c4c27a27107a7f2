"""Timing helpers shared by the benchmark scripts (run from the repository root)."""
from __future__ import annotations

import time

import numba


def interleaved(variants, rounds):
    """Best wall time of each callable in ``variants`` (name -> (fn, Numba threads)),
    each called once per round in turn, so that a change of machine load hits all alike."""
    best = {name: float("inf") for name in variants}
    for _ in range(rounds):
        for name, (fn, threads) in variants.items():
            numba.set_num_threads(threads)
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    return best
