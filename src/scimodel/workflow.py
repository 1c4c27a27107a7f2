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
of its full output.  Any other exception is a bug: it is logged with its
traceback and re-raised.
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


def setup_logging(logfile: str | None) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if logfile:
        Path(logfile).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(logfile, mode="w"))
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
    except BaseException:
        _remove_outputs(sm)
        log.exception("unexpected failure (a bug, please report it)")
        raise


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
