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


class ExternalProgramError(RuntimeError):
    """An external program (Quantum ESPRESSO) stopped with an error of its own.

    Not a scimodel bug: the program refused the settings it was given (for example a
    k grid beyond one of its array limits), ran out of memory or time, or crashed.
    The message carries the program, its exit status, the program's own error
    message and the path of its full output, so that a user can act on it without
    a Python traceback.

    Parameters
    ----------
    program : str
        The executable, e.g. ``"ph.x"``.
    output : str or Path
        The file with the program's full output (kept, not removed).
    message : str
        The program's own error message (or the tail of its output).
    exit_code : int or None
        The exit status, if the program returned one.
    """

    def __init__(self, program: str, output: str | Path, message: str,
                 exit_code: int | None = None):
        self.program = program
        self.output = str(output)
        self.message = message
        self.exit_code = exit_code
        status = "" if exit_code is None else f" (exit {exit_code})"
        super().__init__(f"{program} failed{status}: {message}\n"
                         f"  full output: {self.output}")
