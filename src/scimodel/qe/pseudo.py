"""Pseudopotentials: ld1.x generation and test (:func:`generate_pseudo`), UPF
generation dates and the tolerant UPF comparison (:func:`upf_equivalent`)."""
from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ExternalProgramError, InputError
from .parsers import read_ld1_test, read_ld1_wavefunctions
from .runner import qe_error_message

# the logger of the former single module scimodel/qe.py
log = logging.getLogger("scimodel.qe")


def upf_with_date(text: str, date: str) -> str:
    """A UPF file's text with the generation date that ld1.x stamps into it (the
    ``Generation date:`` line of PP_INFO and PP_HEADER's ``date`` attribute) set to
    ``date``."""
    text = re.sub(r"(Generation date:)[^\n]*", lambda m: f"{m.group(1)} {date}", text)
    return re.sub(r'(<PP_HEADER\b[^>]*?\sdate=")[^"]*(")',
                  lambda m: f"{m.group(1)}{date}{m.group(2)}", text)


def upf_without_date(text: str) -> str:
    """A UPF file's text with ld1.x's generation date blanked: the only part of
    ld1.x's output that changes from one run to the next."""
    return upf_with_date(text, "")


# A number as ld1.x writes it (integer, fixed or E format), standing alone: not a part of
# a word or of a dotted name such as PP_BETA.1, 4S, v.6.7MaX or version="2.0.1".
_UPF_NUMBER = re.compile(r"(?<![\w.+-])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")
_UPF_PIECE = re.compile(r"<!--.*?-->|<[^>]*>|[^<]+", re.S)
_UPF_ATTRIBUTE = re.compile(r'([\w.:-]+)\s*=\s*"[^"]*$')


@dataclass
class _UpfField:
    """A tag, or the text between two tags, of a UPF file."""
    name: str                 # element path, e.g. PP_NONLOCAL/PP_BETA.1 (+ " tag" for a tag)
    start: int                # offset in the file
    skeleton: str             # the text, numbers replaced by '#', white space runs by ' '
    numbers: list[str]        # the numbers as written
    offsets: list[int]        # their offsets in the field
    is_tag: bool

    @property
    def is_array(self) -> bool:
        """Text made of numbers only: the samples of a radial function (or a matrix)."""
        return not self.is_tag and bool(self.numbers) and not self.skeleton.replace("#", "").strip()


def _upf_fields(text: str) -> list[_UpfField]:
    out, path = [], []
    for m in _UPF_PIECE.finditer(text):
        piece = m.group()
        is_tag = piece.startswith("<") and not piece.startswith("<!--")
        if is_tag:
            tag = re.match(r"<\s*(/?)\s*([^\s/>]*)", piece)
            if tag.group(1):                                     # </NAME>
                name = "/".join(path) + " closing tag"
                if path and path[-1] == tag.group(2):
                    path.pop()
            else:
                name = "/".join(path + [tag.group(2)]) + " tag"
                if not piece.endswith("/>") and tag.group(2)[:1] not in ("?", "!"):
                    path.append(tag.group(2))
        else:
            name = "/".join(path) or "(outside the elements)"
        nums = list(_UPF_NUMBER.finditer(piece))
        out.append(_UpfField(name, m.start(), re.sub(r"\s+", " ", _UPF_NUMBER.sub("#", piece)),
                             [n.group() for n in nums], [n.start() for n in nums], is_tag))
    return out


def _rounding_allowance(a: str, b: str) -> float:
    """One unit in the last printed digit if ``a`` and ``b`` are printed alike (same
    count of decimals, both with or both without an exponent) with at least 6 decimals,
    as ld1.x prints computed values (PP_INFO's energies: -2.907393); else 0, e.g. for
    the echo of the input (rcore=0.9 vs rcore=0.901)."""
    shape = [(s.lower().partition("e")[0].partition(".")[2], "e" in s.lower()) for s in (a, b)]
    if len(shape[0][0]) != len(shape[1][0]) or shape[0][1] != shape[1][1] or len(shape[0][0]) < 6:
        return 0.0
    exps = [int(s.lower().partition("e")[2] or 0) for s in (a, b)]
    return 10.0 ** (max(exps) - len(shape[0][0]))


def upf_equivalent(text_a: str, text_b: str, rtol: float = 1e-8, atol: float = 1e-12,
                   array_rtol: float = 1e-4) -> tuple[bool, str]:
    """Whether two UPF files (their text) hold the same pseudopotential up to the rounding
    of floating-point arithmetic (ld1.x linked to another BLAS/LAPACK, or run on another
    CPU): ``(True, "")``, or ``(False, reason)`` naming the first differing field
    (element, attribute or position in an array), its line and both values.

    The generation date is ignored (:func:`upf_without_date`).  Everything but the
    numbers must be equal: tags, attribute names, text, the count and the order of the
    numbers (a run of white space counts as one blank: the sign of a number near zero
    moves Fortran's padding).  Integers (no decimal point, no exponent: sizes, indices)
    must be equal.  The other numbers:

    * a standalone number (an attribute, a number in PP_INFO's text or the input's
      echo): ``|a - b| <= max(rtol * max(|a|, |b|), atol)``, plus one unit in the last
      digit when both are printed alike with at least 6 decimals (two values within
      tolerance can round to neighbouring printed values: Ta's 4D "E pseu"
      -2.907393 / -2.907394);
    * an array (a text made of numbers only: PP_R, PP_BETA.i, PP_QIJL..., PP_DIJ, ...):
      ``|a_i - b_i| <= array_rtol * max_j(|a_j|, |b_j|)`` -- relative to the array's
      largest magnitude, which is also the floor near zero, as ld1.x's conditioning
      amplifies rounding there (e.g. the projectors near the origin);
    * a wavefunction PP_CHI.i may also match the other's negative: an eigenvector's sign
      is arbitrary, and it does flip between BLAS libraries.

    Measured with QE 6.7's ld1.x on Nb, Mo and Ta (Debian 12: reference BLAS/LAPACK
    3.11 vs OpenBLAS 0.3.21 with its SkylakeX, Haswell, Zen, SandyBridge, Nehalem and
    Prescott kernels): standalone numbers differ by <= 1.5e-10 relative
    (total_psenergy, wfc_cutoff, rho_cutoff) and by one unit in PP_INFO's 6th decimal,
    arrays by <= 2.6e-6 of their largest magnitude (Ta's PP_BETA.5; PP_DIJ 3.3e-8), and
    PP_CHI.i change sign.  ``array_rtol`` leaves a factor ~40 to that.  A changed
    generation setting changes the input's echo (to ``rtol``), and rcloc 1.6 -> 1.61
    changed 8 arrays by more than 1e-4 of their largest magnitude (PP_BETA.6: 0.48).
    """
    a_text, b_text = upf_without_date(text_a), upf_without_date(text_b)
    fa, fb = _upf_fields(a_text), _upf_fields(b_text)

    def line(text, f, k=None):
        return text.count("\n", 0, f.start + (f.offsets[k] if k is not None else 0)) + 1

    def label(f, k):
        if f.is_tag:
            att = _UPF_ATTRIBUTE.search(a_text[f.start:f.start + f.offsets[k]])
            return f"{f.name[:-4]} attribute {att.group(1) if att else '?'}"
        return f"{f.name}, number {k + 1} of {len(f.numbers)}"

    def first_failure(a, b, x, y):
        """(index, why) of the first number of field a/b out of tolerance, or None."""
        d = np.abs(x - y)
        if a.is_array:
            scale = max(np.abs(x).max(), np.abs(y).max())
            bad = np.flatnonzero(~(d <= array_rtol * scale))     # ~(<=): NaN fails too
            if bad.size:
                k = bad[0]
                return k, (f"|difference| {d[k]:.3g} = {d[k] / scale:.3g} x the array's largest "
                           f"magnitude {scale:.6g} > array_rtol {array_rtol:g}")
            return None
        tol = np.maximum(rtol * np.maximum(np.abs(x), np.abs(y)), atol)
        for k in np.flatnonzero(~(d <= tol)):
            sa, sb = a.numbers[k], b.numbers[k]
            if not any(c in s for s in (sa, sb) for c in ".eE"):
                return k, "integers differ"
            if not d[k] <= tol[k] + _rounding_allowance(sa, sb):
                return k, (f"|difference| {d[k]:.3g}, relative "
                           f"{d[k] / max(abs(x[k]), abs(y[k])):.3g} > rtol {rtol:g}")
        return None

    for a, b in zip(fa, fb):
        where = f"line {line(a_text, a)} / {line(b_text, b)}"
        if a.name != b.name:
            return False, f"structure differs ({where}): {a.name} vs {b.name}"
        if len(a.numbers) != len(b.numbers):
            return False, f"{a.name} ({where}) holds {len(a.numbers)} vs {len(b.numbers)} numbers"
        if a.skeleton != b.skeleton:
            i = next((i for i, (p, q) in enumerate(zip(a.skeleton, b.skeleton)) if p != q),
                     min(len(a.skeleton), len(b.skeleton)))
            return False, (f"text of {a.name} differs ({where}): "
                           f"{a.skeleton[max(0, i - 30):i + 30]!r} vs "
                           f"{b.skeleton[max(0, i - 30):i + 30]!r}")
        if a.numbers == b.numbers:
            continue
        x = np.array([float(s) for s in a.numbers])
        y = np.array([float(s) for s in b.numbers])
        fail = first_failure(a, b, x, y)
        if fail and a.is_array and a.name.rpartition("/")[2].startswith("PP_CHI"):
            flipped = first_failure(a, b, x, -y)
            if flipped and np.dot(x, y) < 0:
                fail = flipped[0], flipped[1] + " (compared with the other's negative)"
            elif not flipped:
                fail = None
        if fail:
            k, why = fail
            return False, (f"{label(a, k)} (line {line(a_text, a, k)}): "
                           f"{a.numbers[k]} vs {b.numbers[k]}; {why}")
    if len(fa) != len(fb):
        f = (fa if len(fa) > len(fb) else fb)[min(len(fa), len(fb))]
        return False, f"one file ends where the other goes on with {f.name}"
    return True, ""


def generate_pseudo(gen_input: str | os.PathLike, test_input: str | os.PathLike,
                    upf_out: str | os.PathLike, gen_out: str | os.PathLike,
                    test_out: str | os.PathLike, table_out: str | os.PathLike,
                    reference_upf: str | os.PathLike | None = None) -> list[dict]:
    """Run ld1.x generation (``iswitch=3``) and the transferability test (``iswitch=2``).

    Writes the UPF file, both ld1.x outputs and a CSV table of
    Delta E = dEtot_AE - dEtot_PS per test configuration (mRy).
    Raises :class:`~scimodel.errors.ExternalProgramError` if ld1.x stops with an
    error, RuntimeError if the UPF file is not produced.

    ``reference_upf`` (the committed copy, resources/pseudo/generated/): if the new
    file holds the same pseudopotential (:func:`upf_equivalent`: apart from the
    generation date, equal up to the rounding of another BLAS/LAPACK or CPU), the
    reference's bytes are written, so that its SHA-256, recorded by the committed q
    points and caches, holds for a regenerated file too.  Otherwise the new file is
    kept and a warning gives the first difference (the joins of committed q points
    will then refuse it by its SHA-256).
    """
    import tempfile
    gen_text = Path(gen_input).read_text()
    m = re.search(r"file_pseudopw\s*=\s*'([^']+)'", gen_text)
    if not m:
        raise InputError(gen_input, "file_pseudopw", "not set in the &inputp namelist")
    name = m.group(1)
    with tempfile.TemporaryDirectory() as tmp:
        for stem, text, out in (("gen", gen_text, gen_out),
                                ("test", Path(test_input).read_text(), test_out)):
            with open(Path(tmp) / f"{stem}.out", "w") as fh:
                rc = subprocess.run(["ld1.x"], input=text, text=True, cwd=tmp, stdout=fh,
                                    stderr=subprocess.STDOUT).returncode
            res = (Path(tmp) / f"{stem}.out").read_text(errors="replace")
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            Path(out).write_text(res)
            # ld1.x's "BEWARE! Errors in PS-KS equations" in a test configuration (the
            # pseudo-atom found a state with the wrong number of nodes) is a transferability
            # result, kept in the table of Delta E and flagged there, not a failed run
            warned = res.count("BEWARE! Errors in PS-KS equations") if stem == "test" else 0
            if rc != 0 or res.count("Error") > warned:
                # ``out`` is a rule output and goes with the failed rule: keep its end in the log
                log.error("last lines of the failed ld1.x (%s) output:\n%s", stem,
                          "\n".join(res.splitlines()[-40:]))
                raise ExternalProgramError(
                    f"ld1.x ({stem})", f"{out} (the rule's log keeps its last 40 lines)",
                    qe_error_message(res), rc)
            if stem == "gen":
                if not (Path(tmp) / name).exists():
                    raise RuntimeError(f"ld1.x did not write {name}; see {out}")
                shutil.copy(Path(tmp) / name, upf_out)
    if reference_upf is not None and Path(reference_upf).exists():
        new, ref = Path(upf_out).read_text(), Path(reference_upf).read_text()
        same, reason = upf_equivalent(new, ref)
        if same:
            shutil.copy(reference_upf, upf_out)
            log.info("%s: ld1.x reproduced %s (%s); its bytes are kept", upf_out, reference_upf,
                     "apart from the generation date" if upf_without_date(new) ==
                     upf_without_date(ref) else "within the rounding tolerance of qe.upf_equivalent")
        else:
            log.warning("%s differs from %s: %s; the joins of committed q points computed "
                        "with the latter will refuse it", upf_out, reference_upf, reason)
    rows = read_ld1_test(test_out)
    if not rows:
        raise RuntimeError(f"no transferability results in {test_out}")
    lines = ["configuration,dEtot_ae_Ry,dEtot_ps_Ry,delta_mRy,ps_nodes_wrong"]
    lines += [f"{i + 2},{r['dEtot_ae_Ry']:.6f},{r['dEtot_ps_Ry']:.6f},{r['delta_mRy']:.3f},"
              f"{str(r['ps_nodes_wrong']).lower()}" for i, r in enumerate(rows)]
    for i, r in enumerate(rows):
        if r["ps_nodes_wrong"]:
            log.warning("%s: test configuration %d: ld1.x found a pseudo-state with the wrong "
                        "number of nodes (Delta E %.1f mRy)", test_out, i + 2, r["delta_mRy"])
    Path(table_out).write_text("\n".join(lines) + "\n")
    return rows


def atomic_wavefunctions(upf: str | os.PathLike) -> dict:
    """All-electron and pseudo radial functions of the reference atom of an ld1.x
    pseudopotential: ld1.x is run again on the generation input the UPF file keeps
    (PP_INPUTFILE) in a temporary folder.

    Returns ``{"r": mesh (bohr), "dx": step of the logarithmic mesh, "ae": {label: u},
    "ps": {label: u}}`` with u = r R(r) for the valence (pseudized) orbitals, both
    from ``<prefix>ps.wfc`` (ld1.x writes there the pseudo-wavefunctions and then the
    all-electron ones of the same orbitals).  The rerun must reproduce the UPF's own
    pseudo-wavefunctions (PP_CHI) to 1e-6; otherwise another ld1.x wrote the file and
    a RuntimeError says so.  Raises :class:`~scimodel.errors.InputError` if the file
    has no generation input, :class:`~scimodel.errors.ExternalProgramError` if ld1.x
    fails.
    """
    import tempfile
    upf = Path(upf)
    text = upf.read_text()
    m = re.search(r"<PP_INPUTFILE>\s*\n(.*?)</PP_INPUTFILE>", text, re.S)
    if not m:
        raise InputError(upf, "PP_INFO/PP_INPUTFILE", "the ld1.x generation input (a UPF file "
                         "written by ld1.x)")
    # PP_INPUTFILE writes the namelists' '&' as '@'; this run's files are atom.wfc, atomps.wfc
    gen = re.sub(r"(?m)^[ \t]*@", "&", m.group(1))
    gen = re.sub(r"(?im)^[ \t]*prefix\s*=\s*'[^']*'\s*,?[ \t]*\n", "", gen)
    gen, n = re.subn(r"(?im)^(&input[ \t]*\n)", r"\1prefix='atom',\n", gen, count=1)
    if n != 1:
        raise InputError(upf, "PP_INPUTFILE", "an &input namelist")
    with tempfile.TemporaryDirectory() as tmp:
        res = subprocess.run(["ld1.x"], input=gen, text=True, cwd=tmp, capture_output=True)
        out = res.stdout + res.stderr
        if res.returncode != 0 or "%%%%%" in out:
            raise ExternalProgramError("ld1.x (atomic wavefunctions)", str(upf),
                                       qe_error_message(out), res.returncode)
        r, ps = read_ld1_wavefunctions(Path(tmp) / "atomps.wfc", occurrence=0)
        _, ae = read_ld1_wavefunctions(Path(tmp) / "atomps.wfc", occurrence=1)
    chi = {mm.group(1).strip(): np.array(mm.group(2).split(), float) for mm in re.finditer(
        r'<PP_CHI\.\d+[^>]*?label="([^"]+)"[^>]*>(.*?)</PP_CHI', text, re.S)}
    for lab, u in ps.items():
        ref = chi.get(lab.strip())
        if ref is None or ref.size != u.size or np.max(np.abs(np.abs(ref) - np.abs(u))) > 1e-6:
            raise RuntimeError(f"ld1.x's rerun does not reproduce {lab} of {upf} (PP_CHI); the "
                               "file was written by another ld1.x")
    return {"r": r, "dx": float(np.log(r[1] / r[0])), "ae": ae, "ps": ps}


def read_upf_projectors(upf: str | os.PathLike) -> dict:
    """Radial mesh and nonlocal projectors of a UPF v2 file: ``{"r", "rab" (bohr), "beta":
    [{"l", "label", "rbeta" (r beta(r) on the mesh, PP_BETA), "r_cut" (bohr)}], "dij"
    (PP_DIJ, Ry)}``.  Raises InputError naming the field that is missing or malformed."""
    upf = Path(upf)
    text = upf.read_text(errors="replace")

    def array(tag):
        m = re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", text, re.S)
        if not m:
            raise InputError(upf, tag, "missing: expected a UPF v2 file")
        try:
            return np.array(m.group(1).split(), float)
        except ValueError:
            raise InputError(upf, tag, "numbers only") from None

    r, rab = array("PP_R"), array("PP_RAB")
    if r.size != rab.size:
        raise InputError(upf, "PP_RAB", f"{rab.size} values; expected one per PP_R point ({r.size})")
    beta = []
    for m in re.finditer(r"<(PP_BETA\.\d+)\b([^>]*)>(.*?)</PP_BETA\.\d+>", text, re.S):
        tag, attrs, body = m.groups()
        at = dict(re.findall(r'(\w+)\s*=\s*"([^"]*)"', attrs))
        if "angular_momentum" not in at:
            raise InputError(upf, f"{tag}.angular_momentum", "missing")
        vals = np.array(body.split(), float)
        if vals.size > r.size:
            raise InputError(upf, tag, f"{vals.size} values; expected at most {r.size}")
        rbeta = np.zeros(r.size)
        rbeta[:vals.size] = vals
        beta.append({"l": int(at["angular_momentum"]), "label": at.get("label", ""),
                     "rbeta": rbeta, "r_cut": float(at.get("cutoff_radius", r[np.nonzero(rbeta)[0][-1]]))})
    dij = array("PP_DIJ") if beta else np.zeros(0)
    if dij.size != len(beta) ** 2:
        raise InputError(upf, "PP_DIJ", f"{dij.size} values; expected {len(beta)}^2")
    return {"r": r, "rab": rab, "beta": beta, "dij": dij.reshape(len(beta), len(beta))}
