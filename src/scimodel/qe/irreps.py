"""One q point's DFPT over several ph.x processes, one finished irreducible
representation at a time.

For every representation it finishes, ph.x 6.7 writes its part of the dynamical
matrix (``_ph0/<prefix>.phsave/dynmat.<iq>.<r>.xml``, ``<r> = 0`` being the part that
needs no linear response) and, with ``fildvscf``, the self-consistent dV of its
modes (records ``imode0 + 1 .. imode0 + npert`` of the direct-access file
``<prefix>.<fildvscf>1``, one record of 16 bytes per point of the dense FFT grid for
a non-magnetic crystal).  Those few MB are all a later process needs, on this
machine or another one:

* a fresh ph.x run with ``start_irr = r`` computes the representations from ``r`` on
  (its displacement patterns, ``patterns.<iq>.xml``, are a deterministic function of
  the ground state; :func:`merge` checks them byte for byte);
* a last ph.x run with ``recover = .true.`` on the joined files (:func:`install`)
  finds every representation done and only writes the dynamical matrix.

On the tiny Al cell (q = L: representations of 1 and 2 modes, tests/test_abinitio.py)
the joined dynamical matrix and lambda_tetra equal an uninterrupted run's to every
printed digit.  ph.x 6.7's own ``recover`` in the interrupted process's outdir gives
wrong frequencies in a tetrahedron DFPT run (resources/abinitio/ph_recover_tetra_check.md,
same cell): a representation computed on the bands it reads back instead of redoing the
nscf (TA at L 379 instead of 147 cm-1), and one continued from the middle of its SCF
(LA 1083 instead of 275 cm-1 with the bands recomputed).  So the pipeline restarts at
representation boundaries, in a fresh process with its own nscf
(:func:`scimodel.qe.run_q_point`); a representation must finish within one process.

Finished representations of an unfinished q point are kept in the campaign archive
(:mod:`.store`) under ``partial/iq<i>/``: ``irreps.json`` (sizes, record length,
keys), ``phsave/<xml>``, ``dvscf/irr<r>.bin`` and the ph.x outputs that computed them.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

META = "irreps.json"
#: keys a part must share with the ground state it continues
KEYS = ("phonon_key", "pseudo_sha256", "qe_version")
_DYN_RE = re.compile(r"^dynmat\.(?P<iq>\d+)\.(?P<r>\d+)\.xml$")


@dataclass
class IrrepParts:
    """The finished representations of q point ``iq`` (1-based ``r``)."""
    iq: int
    sizes: tuple[int, ...]                      # modes of representation 1..n
    record_bytes: int                           # one dV record (one mode)
    keys: dict                                  # KEYS of the ground state
    xml: dict[str, bytes] = field(default_factory=dict)    # phsave files
    dvscf: dict[int, bytes] = field(default_factory=dict)  # r -> its modes' records
    logs: dict[str, bytes] = field(default_factory=dict)   # ph.x outputs, in order

    @property
    def done(self) -> list[int]:
        return sorted(self.dvscf)

    @property
    def missing(self) -> list[int]:
        return [r for r in range(1, len(self.sizes) + 1) if r not in self.dvscf]

    @property
    def complete(self) -> bool:
        return not self.missing and f"dynmat.{self.iq}.0.xml" in self.xml

    def first_mode(self, r: int) -> int:
        """0-based index of representation ``r``'s first mode (ph.x's imode0)."""
        return sum(self.sizes[:r - 1])


def phsave_dir(tmp: Path, prefix: str) -> Path:
    return Path(tmp) / "_ph0" / f"{prefix}.phsave"


def dvscf_path(tmp: Path, prefix: str, iq: int) -> Path:
    """ph.x's dV file of q point ``iq`` (``fildvscf = '<prefix>dv'``, as ph_input sets):
    in ``_ph0`` for Gamma (the first q point of the list), in ``_ph0/<prefix>.q_<iq>``
    otherwise."""
    base = Path(tmp) / "_ph0"
    name = f"{prefix}.{prefix}dv1"
    return base / name if iq == 1 else base / f"{prefix}.q_{iq}" / name


def representation_sizes(text: str, where: Path | str) -> tuple[int, ...]:
    """Modes per representation from a ``patterns.<iq>.xml`` text."""
    m = re.search(r"<NUMBER_IRR_REP>\s*(\d+)\s*</NUMBER_IRR_REP>", text)
    if m is None:
        raise InputError(where, "NUMBER_IRR_REP", "a ph.x patterns file")
    n = int(m.group(1))
    sizes = []
    for r in range(1, n + 1):
        b = re.search(rf"<REPRESENTION\.{r}>\s*<NUMBER_OF_PERTURBATIONS>\s*(\d+)", text)
        if b is None:
            raise InputError(where, f"REPRESENTION.{r}/NUMBER_OF_PERTURBATIONS",
                             f"the size of each of the {n} representations")
        sizes.append(int(b.group(1)))
    return tuple(sizes)


def record_bytes(ground_tmp: Path, prefix: str) -> int:
    """Bytes of one dV record: 16 per point of the dense FFT grid of the ground state
    (``<fft_grid nr1 nr2 nr3>`` of its data-file-schema.xml; one spin component:
    the campaigns are non-magnetic)."""
    path = Path(ground_tmp) / f"{prefix}.save" / "data-file-schema.xml"
    m = re.search(r'<fft_grid\s+nr1="(\d+)"\s+nr2="(\d+)"\s+nr3="(\d+)"',
                  path.read_text(errors="replace"))
    if m is None:
        raise InputError(path, "fft_grid", "the dense FFT grid of a pw.x run")
    n1, n2, n3 = map(int, m.groups())
    return 16 * n1 * n2 * n3


def harvest(tmp: Path, prefix: str, iq: int, rec_bytes: int, keys: dict,
            log: Path | None = None) -> IrrepParts | None:
    """The finished representations in a ph.x ``outdir`` (``tmp``) of q point ``iq``,
    running, stopped or finished; None if none is finished.  ``log``: the ph.x output
    of that process, kept with them."""
    phsave = phsave_dir(tmp, prefix)
    pat = phsave / f"patterns.{iq}.xml"
    if not pat.exists():
        return None
    sizes = representation_sizes(pat.read_text(errors="replace"), pat)
    parts = IrrepParts(iq, sizes, rec_bytes, dict(keys))
    done = []
    for f in sorted(phsave.glob(f"dynmat.{iq}.*.xml")):
        r = int(_DYN_RE.match(f.name)["r"])
        text = f.read_text(errors="replace")
        if r == 0:
            parts.xml[f.name] = text.encode()
        elif re.search(r"<DONE_IRR>\s*true\s*</DONE_IRR>", text, re.I):
            parts.xml[f.name] = text.encode()
            done.append(r)
    if not done:
        return None
    for name in ("control_ph.xml", "status_run.xml"):
        if not (phsave / name).exists():
            raise InputError(phsave / name, "<file>", "written by ph.x with its finished "
                             "representations")
        parts.xml[name] = (phsave / name).read_bytes()
    # every q point's patterns: a recover run reads them all
    parts.xml.update({f.name: f.read_bytes() for f in phsave.glob("patterns.*.xml")})
    dv = dvscf_path(tmp, prefix, iq)
    if not dv.exists():
        raise InputError(dv, "<file>", f"the dV file of finished representations {done}")
    size = dv.stat().st_size
    with open(dv, "rb") as fh:
        for r in done:
            lo = parts.first_mode(r) * rec_bytes
            hi = lo + sizes[r - 1] * rec_bytes
            if size < hi:
                raise InputError(dv, f"records {lo // rec_bytes + 1}-{hi // rec_bytes}",
                                 f"the dV of finished representation {r} ({size} bytes, "
                                 f"{hi} expected with {rec_bytes}-byte records)")
            fh.seek(lo)
            parts.dvscf[r] = fh.read(hi - lo)
    if log is not None and Path(log).exists():
        # named by the first representation the process finished: sorted = in order
        parts.logs[f"irr{done[0]:03d}_{Path(log).name}"] = Path(log).read_bytes()
    return parts


def merge(a: IrrepParts | None, b: IrrepParts | None, where: str = "") -> IrrepParts | None:
    """The union of two sets of finished representations of one q point (``a``'s
    files where both have one)."""
    if a is None or b is None:
        return a or b
    for name, x, y in (("iq", a.iq, b.iq), ("representation sizes", a.sizes, b.sizes),
                       ("record length", a.record_bytes, b.record_bytes), ("keys", a.keys, b.keys)):
        if x != y:
            raise InputError(where or None, name, f"equal in both sets of representations "
                             f"(got {x!r} and {y!r})")
    for pat in sorted(n for n in {*a.xml, *b.xml} if n.startswith("patterns.")):
        if a.xml.get(pat) != b.xml.get(pat):
            raise InputError(where or None, pat, "the same displacement patterns in both "
                             "sets (another ph.x build or ground state chose other "
                             "representations)")
    logs = {**b.logs, **a.logs}
    return IrrepParts(a.iq, a.sizes, a.record_bytes, dict(a.keys), {**b.xml, **a.xml},
                      {**b.dvscf, **a.dvscf}, dict(sorted(logs.items())))


def to_members(parts: IrrepParts, root: str) -> dict[str, bytes]:
    """Archive members of ``parts`` under ``root`` (e.g. ``partial/iq6``)."""
    meta = {"iq": parts.iq, "sizes": list(parts.sizes), "record_bytes": parts.record_bytes,
            "done": parts.done, **parts.keys}
    files = {f"{root}/{META}": json.dumps(meta, indent=1, sort_keys=True).encode()}
    files.update({f"{root}/phsave/{k}": v for k, v in parts.xml.items()})
    files.update({f"{root}/dvscf/irr{r}.bin": v for r, v in parts.dvscf.items()})
    files.update({f"{root}/logs/{k}": v for k, v in parts.logs.items()})
    return files


def from_members(files: dict[str, bytes], root: str, where: Path | str) -> IrrepParts | None:
    """Inverse of :func:`to_members`; None without ``root/irreps.json``."""
    key = f"{root}/{META}"
    if key not in files:
        return None
    meta = json.loads(files[key])
    parts = IrrepParts(int(meta["iq"]), tuple(meta["sizes"]), int(meta["record_bytes"]),
                       {k: meta.get(k) for k in KEYS})
    for name, data in files.items():
        if not name.startswith(root + "/"):
            continue
        rel = name[len(root) + 1:]
        if rel.startswith("phsave/"):
            parts.xml[rel[7:]] = data
        elif rel.startswith("dvscf/irr"):
            r = int(rel[9:].removesuffix(".bin"))
            if len(data) != parts.sizes[r - 1] * parts.record_bytes:
                raise InputError(where, name, f"{parts.sizes[r - 1]} records of "
                                 f"{parts.record_bytes} bytes")
            parts.dvscf[r] = data
        elif rel.startswith("logs/"):
            parts.logs[rel[5:]] = data
    if sorted(parts.dvscf) != sorted(meta["done"]):
        raise InputError(where, key, f"dV files of the representations it lists as done "
                         f"({meta['done']}); found {sorted(parts.dvscf)}")
    return parts


def install(parts: IrrepParts, tmp: Path, prefix: str) -> None:
    """Write ``parts`` into a ph.x ``outdir`` (a fresh copy of the ground state): the
    phsave files and the dV file, each finished representation's records at its offset
    (the records of representations not done stay zero: ph.x recomputes them)."""
    phsave = phsave_dir(tmp, prefix)
    phsave.mkdir(parents=True, exist_ok=True)
    for name, data in parts.xml.items():
        (phsave / name).write_bytes(data)
    dv = dvscf_path(tmp, prefix, parts.iq)
    dv.parent.mkdir(parents=True, exist_ok=True)
    buf = bytearray(sum(parts.sizes) * parts.record_bytes)
    for r, data in parts.dvscf.items():
        lo = parts.first_mode(r) * parts.record_bytes
        buf[lo:lo + len(data)] = data
    dv.write_bytes(bytes(buf))
