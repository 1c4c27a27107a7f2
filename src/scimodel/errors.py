"""Error type for bad input.

Every reader and validator in :mod:`scimodel` raises :class:`InputError` with
the file, the field (or line) and what was expected, so that a user sees
one clear sentence instead of a traceback.  Workflow scripts run through
:func:`scimodel.workflow.run_script`, which prints the message and exits
non-zero.
"""
from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad user input: names the file, the field and what was expected.

    Parameters
    ----------
    file : str or Path or None
        The offending file (config, data file, record).
    field : str
        The field, variable, column or line that is wrong.
    problem : str
        What is wrong and what was expected.
    """

    def __init__(self, file: str | Path | None, field: str, problem: str):
        self.file = None if file is None else str(file)
        self.field = field
        self.problem = problem
        where = f"{self.file}: " if self.file else ""
        super().__init__(f"{where}field '{field}': {problem}")
