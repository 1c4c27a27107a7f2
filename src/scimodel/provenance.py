"""Provenance: git commit, package version, config subset, wildcards."""
from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any, Mapping

from . import __version__


def git_commit(path: str | Path | None = None) -> str:
    """Commit hash of the repository containing ``path`` (cwd by default).

    Returns ``"<hash>-dirty"`` when tracked files differ from HEAD and
    ``"unknown"`` outside a git checkout.
    """
    cwd = str(path) if path else os.getcwd()
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True,
            timeout=10, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("-dirty" if dirty else "")


def code_fingerprint(package_dir: str | Path | None = None) -> str:
    """SHA-256 (first 16 hex digits) of the Python sources of the scimodel package.

    The workflow passes it to every rule as a parameter, so that a changed
    physics module reruns the jobs it may affect (Snakemake's own ``code``
    trigger sees only the rule's script, not the modules it imports).
    ``package_dir`` defaults to the directory of the imported package; that
    value is computed once per process (every dataset written records it).
    """
    if package_dir is None:
        return _own_fingerprint()
    base = Path(package_dir)
    h = hashlib.sha256()
    for f in sorted(base.rglob("*.py")):
        if "__pycache__" in f.parts:
            continue
        h.update(f.relative_to(base).as_posix().encode() + b"\0")
        h.update(f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


@functools.cache
def _own_fingerprint() -> str:
    """Fingerprint of the imported package (its code cannot change while it runs)."""
    return code_fingerprint(Path(__file__).resolve().parent)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return str(obj)


def to_json(obj: Any) -> str:
    """Stable JSON text (sorted keys) of a config subset or wildcards."""
    return json.dumps(_jsonable(obj), sort_keys=True)


def provenance_attrs(
    *,
    source: str,
    references: str = "",
    config: Mapping | None = None,
    wildcards: Mapping | None = None,
    history: str | None = None,
    extra: Mapping | None = None,
) -> dict[str, str]:
    """Global attributes every dataset written by scimodel carries."""
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    attrs = {
        "Conventions": "CF-1.8",
        "source": source,
        "references": references,
        "history": history or f"{now}: written by scimodel {__version__}",
        "git_commit": git_commit(),
        "scimodel_version": __version__,
        "scimodel_code_sha256": code_fingerprint(),
        "config": to_json(config or {}),
        "wildcards": to_json(wildcards or {}),
    }
    for k, v in (extra or {}).items():
        attrs[k] = v if isinstance(v, (str, int, float)) else to_json(v)
    return attrs
