"""Run small dense linear algebra with one BLAS thread.

The gap-equation matrices are small (~600 x 600); on a loaded 2-core
machine OpenBLAS's own threads spin against the Numba threads and make a
30 ms eigen-decomposition take seconds.  :func:`single_blas_thread` limits
every OpenBLAS loaded in the process (NumPy's and SciPy's wheels) to one
thread for the duration of a ``with`` block, via their exported
``*_set_num_threads`` functions (what threadpoolctl does, without the extra
dependency).  Where no such library is found it does nothing.
"""
from __future__ import annotations

import ctypes
import threading
from contextlib import contextmanager

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
            "openblas_get_num_threads64_", "openblas_get_num_threads")
_LOCK = threading.Lock()
_LIBS: list | None = None


def _libraries() -> list:
    global _LIBS
    if _LIBS is not None:
        return _LIBS
    found = []
    try:
        import numpy  # noqa: F401  (make sure the BLAS libraries are loaded)
        import scipy.linalg  # noqa: F401
        with open("/proc/self/maps") as fh:
            paths = sorted({ln.split()[-1] for ln in fh if "openblas" in ln.lower() and "/" in ln})
    except OSError:
        paths = []
    for p in paths:
        try:
            lib = ctypes.CDLL(p)
        except OSError:
            continue
        get = next((getattr(lib, s) for s in _GETTERS if hasattr(lib, s)), None)
        set_ = next((getattr(lib, s) for s in _SETTERS if hasattr(lib, s)), None)
        if get is not None and set_ is not None:
            get.restype = ctypes.c_int
            found.append((get, set_))
    _LIBS = found
    return found


@contextmanager
def single_blas_thread():
    """Context manager: OpenBLAS limited to one thread inside the block."""
    with _LOCK:
        libs = _libraries()
        old = []
        for get, set_ in libs:
            try:
                old.append(int(get()))
                set_(1)
            except Exception:   # pragma: no cover - exotic builds
                old.append(None)
    try:
        yield
    finally:
        with _LOCK:
            for (get, set_), n in zip(libs, old):
                if n is not None:
                    set_(n)
