"""All Numba options in one place.

``cache=True`` stores compiled kernels next to the source (or in
``NUMBA_CACHE_DIR``, which the SLURM profile sets per node);
``error_model='numpy'`` lets divisions produce inf/nan like NumPy instead of
raising, and ``fastmath`` stays off so the Numba kernels reproduce their
NumPy twins to ~1e-13.
"""
from __future__ import annotations

import numba

JIT = dict(cache=True, nogil=True, error_model="numpy", fastmath=False)
PJIT = dict(JIT, parallel=True)

njit = numba.njit
prange = numba.prange


def jit(func=None, **kw):
    """Serial kernel decorator with the project options."""
    opts = dict(JIT, **kw)
    if func is None:
        return lambda f: numba.njit(**opts)(f)
    return numba.njit(**opts)(func)


def pjit(func=None, **kw):
    """Parallel kernel decorator (``prange`` loops) with the project options."""
    opts = dict(PJIT, **kw)
    if func is None:
        return lambda f: numba.njit(**opts)(f)
    return numba.njit(**opts)(func)
