"""Running QE executables: availability, version, :func:`run_qe`, QE's error
messages and the check of a finished pw.x/ph.x output."""
from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from ..errors import ExternalProgramError, InputError

# the logger of the former single module scimodel/qe.py
log = logging.getLogger("scimodel.qe")

#: QE executables the pipeline needs.
QE_EXECUTABLES = ("pw.x", "ph.x", "q2r.x", "matdyn.x", "dos.x")


def qe_available() -> bool:
    """True if every executable of :data:`QE_EXECUTABLES` is on PATH."""
    return all(shutil.which(x) for x in QE_EXECUTABLES)


def require_qe() -> None:
    """Raise InputError (naming PATH and the install command) without QE."""
    if not qe_available():
        raise InputError(None, "PATH", f"Quantum ESPRESSO executables {QE_EXECUTABLES} not "
                         "found; install them (apt-get install -y quantum-espresso)")


def qe_version() -> str:
    """QE version reported by pw.x (runs pw.x on an empty input), or 'unknown'."""
    if not shutil.which("pw.x"):
        return "unknown"
    import tempfile
    try:
        # pw.x writes input_tmp.in / CRASH into its working folder: use a throw-away one.
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run(["pw.x"], input="", capture_output=True, text=True, timeout=60,
                                 cwd=tmp, env=_mpi_env()).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    m = re.search(r"Program PWSCF v\.(\S+)", out)
    return m.group(1) if m else "unknown"


def _mpi_env() -> dict:
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")     # one thread per MPI rank
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Open MPI refuses to run as root without these (containers, CI).
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    return env


def run_qe(exe: str, input_text: str, stem: str, cwd: Path, *, nproc: int = 1,
           mpi_command: str = "mpirun -np {nproc}", pools: bool = False) -> float:
    """Run one QE executable with ``stem.in`` -> ``stem.out`` in ``cwd``; return wall seconds.

    A non-zero exit status or a missing ``JOB DONE`` raises
    :class:`~scimodel.errors.ExternalProgramError` with QE's own error message
    (:func:`qe_error_message`) and the path of ``stem.out``.
    """
    cwd = Path(cwd)
    (cwd / f"{stem}.in").write_text(input_text)
    cmd = [exe]
    if nproc > 1 and exe in ("pw.x", "ph.x"):
        cmd = mpi_command.format(nproc=nproc).split() + [exe]
        if pools:
            cmd += ["-nk", str(nproc)]
    cmd += ["-in", f"{stem}.in"]
    log.info("running %s in %s", " ".join(cmd), cwd)
    t0 = time.perf_counter()
    with open(cwd / f"{stem}.out", "w") as out:
        rc = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                            env=_mpi_env()).returncode
    wall = time.perf_counter() - t0
    text = (cwd / f"{stem}.out").read_text(errors="replace")
    if rc != 0 or (exe in ("pw.x", "ph.x") and "JOB DONE" not in text):
        raise ExternalProgramError(exe, cwd / f"{stem}.out", qe_error_message(text), rc)
    log.info("%s done in %.1f s", stem, wall)
    return wall


_QE_ERROR_BLOCK = re.compile(r"^ *%{20,} *\n(.*?)^ *%{20,} *$", re.M | re.S)


def qe_error_message(text: str, tail_lines: int = 15) -> str:
    """QE's own error message in an output ``text``, on one line.

    QE's ``errore`` prints a block between two rules of ``%`` signs (``Error in
    routine set_kplusq (28824): too many k points``); the first such block is
    returned with its whitespace collapsed.  Without one (a crash, a kill, a
    missing ``JOB DONE``), the last ``tail_lines`` non-empty lines are returned.
    """
    m = _QE_ERROR_BLOCK.search(text)
    if m:
        return " ".join(m.group(1).split())
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return "no output"
    return "no QE error message; last lines of the output:\n" + "\n".join(lines[-tail_lines:])


def check_qe_output(path: str | os.PathLike) -> None:
    """Refuse a pw.x/ph.x output that is truncated or did not converge.

    Raises InputError naming the file and the line: ``convergence NOT
    achieved`` (pw.x stops the SCF loop but may still end normally), or no
    ``JOB DONE`` at the end (killed, crashed or truncated run).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "<file>", "QE output file does not exist")
    lines = path.read_text(errors="replace").splitlines()
    for i, line in enumerate(lines, 1):
        if "convergence NOT achieved" in line:
            raise InputError(path, f"line {i}",
                             f"non-converged run ({line.strip()!r}); expected a converged SCF")
    if not any("JOB DONE" in ln for ln in lines[-40:]):
        raise InputError(path, f"line {len(lines)} (end of file)",
                         "no 'JOB DONE': truncated or unfinished QE run")


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
