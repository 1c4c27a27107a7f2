"""Committed q-point campaigns as one archive each.

A campaign is the set of finished ph.x q points of one metal, q grid and phonon
key (:func:`scimodel.qe.phonon_key`), ``<M>_q<n>_<phonon key>``.  It is kept as
one deterministic zip archive, ``<root>/<M>_q<n>_<key>.zip``, holding the folders
``iq<i>/`` that :func:`scimodel.qe.run_q_point` wrote (ph.in, ph.out, the
dynamical matrices, elph_dir/, summary.json).  Zip rather than a compressed tar:
the list of stored q points is read without decompressing anything (the workflow
reads it while it builds the DAG), and one q point is extracted on its own.

The archive bytes depend only on the member names and contents: members are
sorted, dated 1980-01-01 and stored with mode 0644, so re-packing the same q
points gives the same file (a test), and adding a q point rewrites the archive
atomically (temporary file, then :func:`os.replace`).
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Iterable

from ..errors import InputError
from . import irreps

ARCHIVE_SUFFIX = ".zip"
CAMPAIGN_RE = re.compile(r"^(?P<metal>[A-Z][a-z]?)_q(?P<q>\d+)_(?P<key>[0-9a-f]{16})$")
_IQ_RE = re.compile(r"^iq(?P<iq>\d+)$")
#: folder of the finished representations of unfinished q points (:mod:`.irreps`)
PARTIAL = "partial"
_DATE = (1980, 1, 1, 0, 0, 0)
_SKIP = {".snakemake_timestamp"}


def campaign_archive(roots: str | os.PathLike | Iterable[str | os.PathLike], name: str) -> Path | None:
    """The archive of campaign ``name`` in the first of ``roots`` that holds one, else None."""
    if isinstance(roots, (str, os.PathLike)):
        roots = [roots]
    for root in roots:
        p = Path(root) / f"{name}{ARCHIVE_SUFFIX}"
        if p.is_file():
            return p
    return None


def _point_files(d: Path) -> dict[str, Path]:
    """{archive name ``iq<i>/...``: file} of every file of the q-point folder ``d``."""
    return {f"{d.name}/{f.relative_to(d).as_posix()}": f for f in d.rglob("*")
            if f.is_file() and f.name not in _SKIP}


@functools.lru_cache(maxsize=256)
def _names(path: str, mtime_ns: int, size: int) -> tuple[str, ...]:
    try:
        with zipfile.ZipFile(path) as z:
            return tuple(z.namelist())
    except zipfile.BadZipFile as err:
        raise InputError(Path(path), "<zip archive>", f"a q-point campaign archive ({err})") from None


def archive_names(archive: str | os.PathLike) -> tuple[str, ...]:
    """Member names of a campaign archive (cached on path, size and mtime)."""
    st = os.stat(archive)
    return _names(str(Path(archive).resolve()), st.st_mtime_ns, st.st_size)


def stored_points(archive: str | os.PathLike) -> list[int]:
    """The finished q points of a campaign archive: i of every ``iq<i>/summary.json``."""
    out = []
    for n in archive_names(archive):
        parts = PurePosixPath(n).parts
        if len(parts) == 2 and parts[1] == "summary.json" and _IQ_RE.match(parts[0]):
            out.append(int(parts[0][2:]))
    return sorted(out)


def write_archive(files: dict[str, bytes | Path], archive: str | os.PathLike) -> Path:
    """Write ``{member name: bytes or file}`` as a deterministic zip at ``archive``
    (atomically: a failed write leaves the old archive or none)."""
    archive = Path(archive)
    archive.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{archive.name}.", dir=archive.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w") as z:
            for name in sorted(files):
                info = zipfile.ZipInfo(name, date_time=_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                src = files[name]
                z.writestr(info, src if isinstance(src, bytes) else Path(src).read_bytes(),
                           compresslevel=9)
        os.chmod(tmp, 0o644)
        os.replace(tmp, archive)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return archive


def pack_campaign(folder: str | os.PathLike, archive: str | os.PathLike) -> Path:
    """Pack the ``iq<i>/`` folders of a campaign folder into ``archive``."""
    folder = Path(folder)
    files: dict[str, bytes | Path] = {}
    for d in folder.iterdir():
        if d.is_dir() and _IQ_RE.match(d.name):
            files.update(_point_files(d))
    if not files:
        raise InputError(folder, "iq*/", "at least one q-point folder to pack")
    return write_archive(files, archive)


def add_points(archive: str | os.PathLike, folders: Iterable[str | os.PathLike]) -> list[int]:
    """Add q-point folders ``iq<i>`` to ``archive`` (created if absent); a q point the
    archive already holds is kept as it is.  Returns the q points added."""
    archive = Path(archive)
    have = set(stored_points(archive)) if archive.exists() else set()
    files: dict[str, bytes | Path] = {}
    if archive.exists():
        with zipfile.ZipFile(archive) as z:
            files = {n: z.read(n) for n in z.namelist()}
    added = []
    for d in folders:
        d = Path(d)
        m = _IQ_RE.match(d.name)
        if m is None:
            raise InputError(d, "<folder name>", "a q-point folder named iq<i>")
        if int(m["iq"]) in have:
            continue
        files.update(_point_files(d))
        added.append(int(m["iq"]))
        # the finished q point replaces its finished representations
        files = {n: v for n, v in files.items() if not n.startswith(f"{PARTIAL}/{d.name}/")}
    if added:
        write_archive(files, archive)
    return sorted(added)


def _safe(name: str, archive: Path) -> PurePosixPath:
    p = PurePosixPath(name)
    top = p.parts[1:2] if p.parts[:1] == (PARTIAL,) else p.parts[:1]
    if p.is_absolute() or ".." in p.parts or not top or not _IQ_RE.match(top[0]):
        raise InputError(archive, name, "members under iq<i>/ or partial/iq<i>/ with "
                         "relative paths")
    return p


def _members(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as z:
        return {n: z.read(n) for n in z.namelist() if not n.endswith("/")}


def stored_partial(archive: str | os.PathLike, iq: int) -> irreps.IrrepParts | None:
    """The finished representations of the unfinished q point ``iq`` kept in
    ``archive`` (``partial/iq<i>/``), None if it holds none."""
    archive = Path(archive)
    root = f"{PARTIAL}/iq{iq}"
    if f"{root}/{irreps.META}" not in archive_names(archive):
        return None
    return irreps.from_members(_members(archive), root, archive)


def add_partial(archive: str | os.PathLike, parts: irreps.IrrepParts) -> list[int]:
    """Keep the finished representations ``parts`` of an unfinished q point in
    ``archive`` (created if absent), joined with those it holds already; returns the
    representations it now holds for that q point.  A finished q point is not touched."""
    archive = Path(archive)
    if archive.exists() and parts.iq in stored_points(archive):
        return []
    files = _members(archive) if archive.exists() else {}
    root = f"{PARTIAL}/iq{parts.iq}"
    old = irreps.from_members(files, root, archive) if files else None
    joined = irreps.merge(old, parts, str(archive))
    files = {n: v for n, v in files.items() if not n.startswith(root + "/")}
    files.update(irreps.to_members(joined, root))
    write_archive(files, archive)
    return joined.done


def save_partial(parts: irreps.IrrepParts, path: str | os.PathLike) -> Path:
    """``parts`` as an archive of its own (a run's scratch copy)."""
    return write_archive(irreps.to_members(parts, f"{PARTIAL}/iq{parts.iq}"), path)


def load_partial(path: str | os.PathLike, iq: int) -> irreps.IrrepParts | None:
    """Inverse of :func:`save_partial`; None if ``path`` does not exist."""
    path = Path(path)
    if not path.exists():
        return None
    return irreps.from_members(_members(path), f"{PARTIAL}/iq{iq}", path)


def extract_point(archive: str | os.PathLike, iq: int, dest: str | os.PathLike) -> Path:
    """Extract q point ``iq`` of ``archive`` to the folder ``dest`` (absent or empty;
    written next to it first, then renamed, so a failure leaves nothing)."""
    archive, dest = Path(archive), Path(dest)
    if iq not in stored_points(archive):
        raise InputError(archive, f"iq{iq}/summary.json",
                         f"a finished q point {iq} (stored: {stored_points(archive)})")
    if dest.is_dir() and not any(dest.iterdir()):
        dest.rmdir()
    if dest.exists():
        raise InputError(dest, "<folder>", "an absent or empty folder to extract into")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        with zipfile.ZipFile(archive) as z:
            for n in z.namelist():
                p = _safe(n, archive)
                if p.parts[0] != f"iq{iq}" or n.endswith("/"):
                    continue
                out = tmp.joinpath(*p.parts[1:])
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(z.read(n))
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def extract_campaign(archive: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Extract every q point of ``archive`` into ``dest/iq<i>/``; returns ``dest``
    (the folder form that :func:`q_point_lambdas` and the records read)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for iq in stored_points(archive):
        if not (dest / f"iq{iq}").exists():
            extract_point(archive, iq, dest / f"iq{iq}")
    return dest
