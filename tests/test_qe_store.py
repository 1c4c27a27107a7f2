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
    members and at least one finished q point, and no campaign is committed twice;
    resources/ stays small (one file per campaign, not one per QE output)."""
    seen = {}
    for root in QPOINT_ROOTS:
        for p in root.glob("*.zip"):
            assert qe.store.CAMPAIGN_RE.match(p.stem), p
            assert p.stem not in seen, (p, seen.get(p.stem))
            seen[p.stem] = p
            names = qe.store.archive_names(p)
            assert all(n.split("/")[0].startswith("iq") for n in names), p
            assert qe.stored_points(p), p
    assert seen, "no committed q-point campaign archives"
    root = QPOINT_ROOTS[0].parents[1]
    assert sum(1 for f in root.rglob("*") if f.is_file()) < 500
