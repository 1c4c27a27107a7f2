"""The committed q-point campaigns as zip archives (scimodel.qe.store)."""
from __future__ import annotations

import json
import zipfile

import pytest

from scimodel import qe
from scimodel.errors import InputError

from conftest import QPOINT_ROOTS


def _point(folder, iq, text="ph.x output\n     JOB DONE.\n"):
    d = folder / f"iq{iq}"
    (d / "elph_dir").mkdir(parents=True)
    (d / "ph.out").write_text(text)
    (d / "elph_dir" / f"a2Fq2r.51.{iq}").write_text(f"{iq} 0.1 0.2\n")
    (d / "summary.json").write_text(json.dumps({"iq": iq}))
    (d / ".snakemake_timestamp").write_text("")
    return d


def test_packing_is_deterministic_and_round_trips(tmp_path):
    src = tmp_path / "Al_q2_0123456789abcdef"
    for iq in (1, 3, 2):
        _point(src, iq)
    (src / "iq4").mkdir()                          # unfinished: no summary.json
    (src / "iq4" / "ph.out").write_text("running\n")
    a = qe.pack_campaign(src, tmp_path / "a.zip")
    b = qe.pack_campaign(src, tmp_path / "b.zip")
    assert a.read_bytes() == b.read_bytes()
    assert qe.stored_points(a) == [1, 2, 3]
    names = zipfile.ZipFile(a).namelist()
    assert names == sorted(names) and not any(".snakemake_timestamp" in n for n in names)
    back = qe.extract_campaign(a, tmp_path / "back")
    for f in (src / "iq2").rglob("*"):
        if f.is_file() and f.name != ".snakemake_timestamp":
            assert (back / "iq2" / f.relative_to(src / "iq2")).read_bytes() == f.read_bytes()
    # adding points in another order gives the same archive as packing them at once
    c = tmp_path / "c.zip"
    assert qe.add_points(c, [src / "iq3"]) == [3]
    assert qe.add_points(c, [src / "iq1", src / "iq2", src / "iq3"]) == [1, 2]
    assert qe.stored_points(c) == [1, 2, 3]
    assert qe.add_points(c, [src / "iq4"]) == [4] and qe.stored_points(c) == [1, 2, 3]


def test_extraction_refuses_what_it_cannot_do_and_leaves_nothing(tmp_path):
    src = tmp_path / "camp"
    _point(src, 1)
    a = qe.pack_campaign(src, tmp_path / "a.zip")
    with pytest.raises(InputError, match=r"a finished q point 5 \(stored: \[1\]\)"):
        qe.extract_point(a, 5, tmp_path / "x" / "iq5")
    assert not (tmp_path / "x" / "iq5").exists()
    full = tmp_path / "full"
    (full / "f").mkdir(parents=True)
    with pytest.raises(InputError, match="absent or empty folder"):
        qe.extract_point(a, 1, full)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (qe.extract_point(a, 1, empty) / "ph.out").exists()
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("iq1/summary.json", "{}")
        z.writestr("iq1/../../outside.txt", "x")
    with pytest.raises(InputError, match="relative paths"):
        qe.extract_point(evil, 1, tmp_path / "e" / "iq1")
    assert not (tmp_path / "outside.txt").exists() and not (tmp_path / "e" / "iq1").exists()
    assert not [p for p in (tmp_path / "e").iterdir()]          # no temporary folder left
    bad = tmp_path / "bad.zip"
    bad.write_text("not a zip")
    with pytest.raises(InputError, match="bad.zip.*a q-point campaign archive"):
        qe.stored_points(bad)
    with pytest.raises(InputError, match="iq<i>"):
        qe.add_points(tmp_path / "n.zip", [tmp_path / "full"])


def test_committed_archives_are_named_by_campaign_and_hold_finished_points():
    """Every committed archive is <M>_q<n>_<16-hex key>.zip, opens, holds only iq<i>/
    members (and partial/iq<i>/ ones of q points not finished, each with its
    irreps.json), at least one finished q point, and no campaign is committed twice;
    resources/ stays small (one file per campaign, not one per QE output)."""
    seen = {}
    for root in QPOINT_ROOTS:
        for p in root.glob("*.zip"):
            assert qe.store.CAMPAIGN_RE.match(p.stem), p
            assert p.stem not in seen, (p, seen.get(p.stem))
            seen[p.stem] = p
            names = qe.store.archive_names(p)
            top = [n.split("/")[1] if n.startswith("partial/") else n.split("/")[0]
                   for n in names]
            assert all(t.startswith("iq") for t in top), p
            for iq in {int(t[2:]) for n, t in zip(names, top) if n.startswith("partial/")}:
                assert iq not in qe.stored_points(p), (p, iq)
                assert qe.store.stored_partial(p, iq).done, (p, iq)
            assert qe.stored_points(p), p
    assert seen, "no committed q-point campaign archives"
    root = QPOINT_ROOTS[0].parents[1]
    assert sum(1 for f in root.rglob("*") if f.is_file()) < 500


# --- finished representations of unfinished q points (scimodel.qe.irreps) -------------

_PATTERNS = """<Root><IRREPS_INFO><QPOINT_NUMBER>3</QPOINT_NUMBER>
<NUMBER_IRR_REP>2</NUMBER_IRR_REP>
<REPRESENTION.1><NUMBER_OF_PERTURBATIONS>1</NUMBER_OF_PERTURBATIONS></REPRESENTION.1>
<REPRESENTION.2><NUMBER_OF_PERTURBATIONS>2</NUMBER_OF_PERTURBATIONS></REPRESENTION.2>
</IRREPS_INFO></Root>"""
_KEYS = {"phonon_key": "0123456789abcdef", "pseudo_sha256": "ab", "qe_version": "6.7MaX"}


def _ph_outdir(tmp, done, n_records, rb=32, patterns=_PATTERNS):
    """A ph.x outdir of q point 3 (prefix 'al') with representations ``done`` finished
    and ``n_records`` dV records of ``rb`` bytes, record i filled with byte i."""
    ps = tmp / "_ph0" / "al.phsave"
    ps.mkdir(parents=True)
    for n in (1, 2, 3):
        (ps / f"patterns.{n}.xml").write_text(patterns if n == 3 else f"<q{n}/>")
    for name in ("control_ph.xml", "status_run.xml", "dynmat.3.0.xml"):
        (ps / name).write_text(f"<{name}/>")
    for r in (1, 2):
        flag = "true" if r in done else "false"
        (ps / f"dynmat.3.{r}.xml").write_text(f"<Root><DONE_IRR>{flag}</DONE_IRR></Root>")
    dv = tmp / "_ph0" / "al.q_3" / "al.aldv1"
    dv.parent.mkdir(parents=True)
    dv.write_bytes(b"".join(bytes([i + 1]) * rb for i in range(n_records)))
    return tmp


def test_finished_representations_are_read_with_their_dv_records(tmp_path):
    from scimodel.qe import irreps

    assert irreps.representation_sizes(_PATTERNS, "p") == (1, 2)
    with pytest.raises(InputError, match="REPRESENTION.2"):
        irreps.representation_sizes(_PATTERNS.replace("REPRESENTION.2", "X"), "p")
    out = _ph_outdir(tmp_path / "a", done=[2], n_records=3)
    p = irreps.harvest(out, "al", 3, 32, _KEYS)
    assert p.done == [2] and p.missing == [1] and not p.complete
    assert p.dvscf[2] == bytes([2]) * 32 + bytes([3]) * 32        # records 2 and 3
    assert "dynmat.3.1.xml" not in p.xml and "patterns.1.xml" in p.xml
    # a dV file shorter than the finished representation's records
    short = _ph_outdir(tmp_path / "b", done=[2], n_records=2)
    with pytest.raises(InputError, match=r"al\.aldv1.*records 2-3"):
        irreps.harvest(short, "al", 3, 32, _KEYS)
    assert irreps.harvest(_ph_outdir(tmp_path / "c", done=[], n_records=0), "al", 3, 32, _KEYS) is None


def test_representations_join_round_trip_and_install_at_their_offsets(tmp_path):
    from scimodel.qe import irreps, store

    a = irreps.harvest(_ph_outdir(tmp_path / "a", done=[1], n_records=1), "al", 3, 32, _KEYS)
    b = irreps.harvest(_ph_outdir(tmp_path / "b", done=[2], n_records=3), "al", 3, 32, _KEYS)
    both = irreps.merge(a, b)
    assert both.done == [1, 2] and both.complete
    other = irreps.harvest(_ph_outdir(tmp_path / "o", done=[2], n_records=3,
                                      patterns=_PATTERNS.replace("<QPOINT_NUMBER>3", "<QPOINT_NUMBER>03")),
                           "al", 3, 32, _KEYS)
    with pytest.raises(InputError, match="patterns.3.xml"):
        irreps.merge(a, other)
    # the archive: joined with what it holds, dropped when the q point is stored
    archive = tmp_path / "Al_q2_0123456789abcdef.zip"
    assert store.add_partial(archive, a) == [1]
    assert store.add_partial(archive, b) == [1, 2]
    back = store.stored_partial(archive, 3)
    assert back.dvscf == both.dvscf and back.xml == both.xml and back.keys == _KEYS
    files = {n: zipfile.ZipFile(archive).read(n) for n in zipfile.ZipFile(archive).namelist()}
    files["partial/iq3/dvscf/irr2.bin"] = b"x" * 10
    with pytest.raises(InputError, match="irr2.bin"):
        irreps.from_members(files, "partial/iq3", archive)
    dest = tmp_path / "joined"
    irreps.install(back, dest, "al")
    assert (dest / "_ph0/al.q_3/al.aldv1").read_bytes() == (
        bytes([1]) * 32 + bytes([2]) * 32 + bytes([3]) * 32)
    assert (dest / "_ph0/al.phsave/dynmat.3.2.xml").exists()
    # only the representations of a first process: records of the others stay zero
    irreps.install(a, tmp_path / "first", "al")
    assert (tmp_path / "first/_ph0/al.q_3/al.aldv1").read_bytes() == bytes([1]) * 32 + bytes(64)
    qe.add_points(archive, [_point(tmp_path / "pts", 3)])
    assert store.stored_partial(archive, 3) is None
    assert store.add_partial(archive, a) == []                   # finished: not touched
