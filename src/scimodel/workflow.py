"""Glue for Snakemake scripts: logging, clean failure, no partial outputs.

A script does::

    from scimodel.workflow import run_script

    def main(sm):           # sm is the snakemake object (or a mock)
        ...

    run_script(main, snakemake)   # noqa: F821

:func:`run_script` sends log records to ``snakemake.log[0]``; an
:class:`~scimodel.errors.InputError` is printed as one line (file, field,
expected) to stderr and to the log, every declared output that the script
created is removed, and the process exits with status 1, without a Python
traceback.  An :class:`~scimodel.errors.ExternalProgramError` (Quantum
ESPRESSO stopped with an error message of its own, e.g. a grid beyond one of
its limits) is handled the same way, with the program's message and the path
of its full output.  A failure whose cause is the file system (an output folder
that is not writable, a full disk; see :func:`storage_problem`) is reported
the same way, in one line that names the folder.  Any other exception is a
bug: it is logged with its traceback and re-raised.
"""
from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

from .errors import ExternalProgramError, InputError

log = logging.getLogger("scimodel")


def _paths(x) -> list[str]:
    if x is None:
        return []
    if isinstance(x, (str, os.PathLike)):
        return [str(x)]
    return [str(p) for p in x]


def _remove_outputs(sm) -> None:
    for p in _paths(getattr(sm, "output", None)):
        path = Path(p)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()


#: Below this many free bytes a failed write is reported as a full disk.
LOW_DISK_BYTES = 64 * 2**20


def storage_problem(paths, exc: BaseException) -> str | None:
    """The file-system reason (permissions, full disk) why writing ``paths`` failed, if any.

    Checked when a script fails: the nearest existing folder of every path
    first (free space? writable for this user?), because libraries report a
    full disk as something else (netCDF: "HDF error" or EACCES), then the
    errno of an OSError (ENOSPC/EDQUOT, EACCES/EPERM/EROFS).
    """
    import errno

    for p in paths:
        d = Path(p).absolute().parent
        while not d.exists() and d != d.parent:
            d = d.parent
        free = shutil.disk_usage(d).free
        if free < LOW_DISK_BYTES:
            return (f"the file system holding {d} has only {free / 2**20:.1f} MiB free "
                    f"(disk full?); writing {p} failed")
        if not os.access(d, os.W_OK):
            return f"folder {d} is not writable for this user (needed for {p})"
    code = getattr(exc, "errno", None)
    name = getattr(exc, "filename", None)
    if code in (errno.ENOSPC, errno.EDQUOT):
        return f"no space left on the device holding {name or 'the outputs'} (free some space and rerun)"
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"{name or 'an output'} cannot be written: permission denied or read-only file "
                "system (make the folder writable, or run from a copy you own)")
    return None


def unwritable_folders(roots) -> list[str]:
    """Existing folders under ``roots`` (the workflow's output trees) that this
    user cannot write to: Snakemake itself fails on them with a traceback
    (removing a stale output), so the Snakefile checks them first."""
    bad = []
    for root in roots:
        if not Path(root).is_dir():
            continue
        for d, _, _ in os.walk(root):
            if not os.access(d, os.W_OK):
                bad.append(d)
    return bad


def setup_logging(logfile: str | None) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if logfile:
        try:
            Path(logfile).parent.mkdir(parents=True, exist_ok=True)
            handlers.append(logging.FileHandler(logfile, mode="w"))
        except OSError as exc:
            why = storage_problem([logfile], exc) or str(exc)
            print(f"ERROR scimodel: cannot open the log file {logfile}: {why}", file=sys.stderr)
            sys.exit(1)
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def run_script(main: Callable, sm) -> None:
    """Run ``main(sm)`` with logging and the error policy described above."""
    logs = _paths(getattr(sm, "log", None))
    setup_logging(logs[0] if logs else None)
    try:
        main(sm)
    except InputError as exc:
        _remove_outputs(sm)
        log.error("bad input: %s", exc)
        logging.shutdown()
        sys.exit(1)
    except ExternalProgramError as exc:
        _remove_outputs(sm)
        log.error("external program stopped (not a scimodel bug; check the settings "
                  "its message names): %s", exc)
        logging.shutdown()
        sys.exit(1)
    except BaseException as exc:
        _remove_outputs(sm)
        why = None if isinstance(exc, (KeyboardInterrupt, SystemExit)) else \
            storage_problem(_paths(getattr(sm, "output", None)), exc)
        if why is not None:
            log.error("cannot write the outputs: %s (%s: %s)", why, type(exc).__name__, exc)
            logging.shutdown()
            sys.exit(1)
        log.exception("unexpected failure (a bug, please report it)")
        raise


def run_figure_script(main: Callable, sm) -> None:
    """:func:`run_script` for a script that draws: ``main`` runs in the house
    Matplotlib style (:func:`scimodel.plotting.style`)."""
    from .plotting import style

    def styled(sm_):
        with style():
            main(sm_)

    run_script(styled, sm)


def mock_snakemake(*, input=None, output=None, params=None, wildcards=None,
                   log=None, threads=1, config=None) -> SimpleNamespace:
    """A stand-in for the ``snakemake`` object, to run a script without Snakemake."""
    def ns(x):
        if isinstance(x, dict):
            return _Named(x)
        if isinstance(x, (list, tuple)):
            return list(x)
        return _Named({}) if x is None else x
    return SimpleNamespace(input=ns(input), output=ns(output), params=ns(params),
                           wildcards=ns(wildcards), log=_paths(log), threads=threads,
                           config=config or {})


class _Named(list):
    """List with attribute access, like Snakemake's Namedlist."""

    def __init__(self, d: dict):
        super().__init__(d.values())
        self.__dict__.update(d)

    def keys(self):
        return [k for k in self.__dict__]

    def get(self, key, default=None):
        return self.__dict__.get(key, default)

    def items(self):
        return self.__dict__.items()
