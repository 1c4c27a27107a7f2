"""The QE chain of one metal as independent steps: the ground state
(:func:`run_ground`), one ph.x process per irreducible q point
(:func:`run_q_point`), the join (:func:`assemble_run`), all three in one process
(:func:`run_pipeline`), and the cache of finished q points (:func:`store_q_points`)."""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Mapping, Sequence

from .. import units
from ..errors import InputError
from . import irreps, store
from .elph import write_tetra_gamma_files
from .inputs import dos_input, matdyn_input, ph_input, ph_tetra_input, pw_input, q2r_input
from .parsers import parse_pw_xml
from .runner import check_qe_output, qe_version, run_qe, sha256_file
from .spec import TETRA_OCCUPATIONS, MetalSpec, irreducible_q_count, phonon_key


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def _read_json(path: Path, what: str) -> dict:
    if not path.exists():
        raise InputError(path, "<file>", f"missing: not a finished {what}")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(path, "<file>", f"not valid JSON ({exc})") from exc


log = logging.getLogger(__name__)

GROUND_FILE = "ground.json"


def upf_z_valence(path: str | os.PathLike) -> float:
    """Valence charge of a UPF pseudopotential (v2 ``z_valence="..."``, v1 ``Z valence``)."""
    text = Path(path).read_text(errors="replace")[:200000]
    m = (re.search(r'z_valence\s*=\s*"\s*([-+\d.eEdD]+)', text)
         or re.search(r"^\s*([-+\d.eEdD]+)\s+Z valence", text, re.M))
    if m is None:
        raise InputError(path, "z_valence", "a UPF file with its valence charge")
    return float(m.group(1).replace("d", "e").replace("D", "e"))


def spinor_scf_bands(spec: MetalSpec, pseudo_file: str | os.PathLike) -> int | None:
    """Bands of a spinor (spin_orbit) tetrahedron ground state, None (pw.x's default)
    otherwise: twice the scalar metal default max(0.6 z, z/2 + 4) plus two.  With pw.x's
    own spinor default (twice the scalar one) the tetrahedron DFPT step of ph.x 6.7 gave
    NaN ('solve_linter: root not converged', then 'broyden') for the tiny Al test cell;
    12 and 14 spinor bands failed there, 16 and 20 worked (direct pw.x/ph.x runs on that
    cell, 2026-12-03)."""
    if not spec.spin_orbit:
        return None
    z = upf_z_valence(pseudo_file)
    return 2 * (max(round(0.6 * z), round(z / 2) + 4) + 2)


def run_ground(spec: MetalSpec, pseudo_file: str | os.PathLike, grounddir: str | os.PathLike, *,
               nproc: int = 1, mpi_command: str = "mpirun -np {nproc}") -> dict:
    """Ground state of one metal for its phonon runs: pw.x scf on the dense grid
    with ``la2F`` (the "fit" run) and on the coarse grid, in ``grounddir`` (which
    keeps QE's ``tmp`` folder for the q-point runs of :func:`run_q_point`).

    Writes and returns ``grounddir/ground.json`` (spec, :func:`phonon_key`,
    pseudopotential SHA-256, QE version, the number of irreducible q points,
    wall times).
    """
    grounddir = _fresh(Path(grounddir))
    if not Path(pseudo_file).exists():
        raise InputError(pseudo_file, "<file>", "pseudopotential file does not exist")
    spec = MetalSpec(**{**asdict(spec), "pseudo": Path(spec.pseudo).name, "pseudo_dir": "./"})
    shutil.copy(pseudo_file, grounddir / spec.pseudo)
    kw = dict(nproc=nproc, mpi_command=mpi_command, pools=True)
    if spec.elph_method == "tetrahedra":
        # ph.x's lambda_tetra computes the dense-grid wave functions itself: no la2F run
        walls = {"pw_scf": run_qe("pw.x", pw_input(spec, occupations=TETRA_OCCUPATIONS,
                                                   nbnd=spinor_scf_bands(spec, pseudo_file)),
                                  "scf", grounddir, **kw)}
    else:
        walls = {"pw_fit": run_qe("pw.x", pw_input(spec, k=spec.k_dense, la2f=True), "fit",
                                  grounddir, **kw),
                 "pw_scf": run_qe("pw.x", pw_input(spec), "scf", grounddir, **kw)}
    ground = {"metal": spec.name, "spec": asdict(spec), "phonon_key": phonon_key(spec),
              "pseudo_file": str(pseudo_file), "pseudo_sha256": sha256_file(pseudo_file),
              "qe_version": qe_version(), "nproc": nproc,
              "n_q": irreducible_q_count(spec.structure, spec.q_grid), "wall_times_s": walls}
    (grounddir / GROUND_FILE).write_text(json.dumps(ground, indent=1, sort_keys=True))
    return ground


def read_ground(grounddir: str | os.PathLike) -> tuple[MetalSpec, dict]:
    g = _read_json(Path(grounddir) / GROUND_FILE, "ground-state folder (scimodel.qe.run_ground)")
    return MetalSpec(**{**g["spec"], "stability_window_ry": tuple(g["spec"]["stability_window_ry"])}), g


def _ph_q_count(text: str, path: Path) -> int:
    m = re.search(r"uniform grid of q-points\s*\(\s*(\d+)\s*q-points\)", text)
    if not m:
        raise InputError(path, "q-point list", "ph.x did not print its list of q points")
    return int(m.group(1))


def _elph_q_files(spec: MetalSpec, iq: int) -> list[str]:
    """The files ph.x writes for q point ``iq``: its dynamical matrix and the
    electron-phonon data, for q2r.x (Gaussian: elph_dir/a2Fq2r.<50+i>.<iq>) or
    for the direct q sum (tetrahedra: the lambda_tetra output elph.out)."""
    if spec.elph_method == "tetrahedra":
        return [f"{spec.prefix}.dyn{iq}", "elph.in", "elph.out"]
    return [f"{spec.prefix}.dyn{iq}"] + [f"elph_dir/a2Fq2r.{50 + i}.{iq}"
                                         for i in range(1, spec.elph_nsigma + 1)]


RESUME_FILE = "resume.json"
#: finished representations of the q point so far, in its scratch folder
PARTS_FILE = "irreps.zip"


def _resume_record(scratch: Path, iq: int, g: dict, spec: MetalSpec) -> dict | None:
    """The progress record of an interrupted :func:`run_q_point` of the same q point on
    the same ground state (phonon key and pseudopotential) in ``scratch``, or None when
    the folder holds nothing ph.x could continue from."""
    path = scratch / RESUME_FILE
    if not path.exists():
        return None
    try:
        rec = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None
    same = all(rec.get(k) == g[k] for k in ("phonon_key", "pseudo_sha256", "qe_version"))
    if not same or rec.get("iq") != int(iq):
        return None
    status = scratch / "tmp" / "_ph0" / f"{spec.prefix}.phsave" / "status_run.xml"
    if "ph" not in rec["finished"] and not status.exists() and not (scratch / PARTS_FILE).exists():
        return None
    return rec


def _process_name(start: int) -> str:
    """Name (input/output stem in the scratch folder) of the DFPT process of a q point that
    starts at representation ``start``: ``ph`` for the whole q point."""
    return "ph" if start == 1 else f"ph_irr{start}"


def _campaign_name(spec: MetalSpec, g: dict) -> str:
    """``<M>_q<q>_<phonon key>``: the campaign archive of the ground state ``g``."""
    return f"{spec.name}_q{spec.q_grid}_{g['phonon_key']}"


def _stored_irreps(archive_roots: Sequence[str | os.PathLike], spec: MetalSpec, g: dict,
                   iq: int) -> irreps.IrrepParts | None:
    """Finished representations of q point ``iq`` committed in the campaign archive
    (``partial/iq<i>/``), checked against the ground state ``g``."""
    archive = store.campaign_archive(list(archive_roots), _campaign_name(spec, g))
    if archive is None:
        return None
    parts = store.stored_partial(archive, iq)
    if parts is not None:
        for k in irreps.KEYS:
            if parts.keys.get(k) != g[k]:
                raise InputError(archive, f"partial/iq{iq}/{irreps.META}:{k}",
                                 f"{g[k]!r} (the ground state), got {parts.keys.get(k)!r}")
    return parts


def _dfpt_by_representations(spec: MetalSpec, g: dict, grounddir: Path, iq: int,
                             scratch: Path, rec: dict, parts: irreps.IrrepParts | None,
                             run) -> None:
    """The DFPT step of one q point in ph.x processes that each start at the first
    representation not yet done (``start_irr``), then, if more than one process
    contributed, a ``recover`` run on the joined files that writes the dynamical
    matrix (:mod:`scimodel.qe.irreps`).  ``parts``: representations finished before
    (committed or left by an interrupted process); ``run(name, text)`` runs ph.x in
    ``scratch``.  Leaves ``ph.in``, ``ph.out`` (every process's output in order), the
    dynamical matrix and the joined ``tmp`` in ``scratch``."""
    keys = {k: g[k] for k in irreps.KEYS}
    rb = irreps.record_bytes(grounddir / "tmp", spec.prefix)
    first = parts is None
    while parts is None or parts.missing:
        start = 1 if parts is None else parts.missing[0]
        name = _process_name(start)
        shutil.rmtree(scratch / "tmp", ignore_errors=True)
        shutil.copytree(grounddir / "tmp", scratch / "tmp")
        rec.setdefault("processes", []).append({"start_irr": start})
        run(name, ph_input(spec, iq=iq, start_irr=None if start == 1 else start))
        new = irreps.harvest(scratch / "tmp", spec.prefix, iq, rb, keys, scratch / f"{name}.out")
        if new is None or start not in new.done:
            raise RuntimeError(f"ph.x finished without representation {start} of q point "
                               f"{iq} ({scratch / (name + '.out')})")
        if first and not new.missing:
            return                        # one process did every representation
        first = False
        parts = irreps.merge(parts, new, str(scratch))
        store.save_partial(parts, scratch / PARTS_FILE)
    if not parts.complete:
        raise InputError(scratch / PARTS_FILE, f"dynmat.{iq}.0.xml",
                         "the representation-independent part of the dynamical matrix")
    shutil.rmtree(scratch / "tmp", ignore_errors=True)
    shutil.copytree(grounddir / "tmp", scratch / "tmp")
    irreps.install(parts, scratch / "tmp", spec.prefix)
    rec.setdefault("processes", []).append({"join": parts.done})
    run("ph_join", ph_input(spec, iq=iq, recover=True))
    (scratch / "ph.in").write_text(ph_input(spec, iq=iq))
    (scratch / "ph.out").write_bytes(b"".join([*parts.logs.values(),
                                                (scratch / "ph_join.out").read_bytes()]))


def _scratch_irreps(scratch: Path, rec: dict, spec: MetalSpec, g: dict,
                    grounddir: Path) -> irreps.IrrepParts | None:
    """The finished representations of a q point's scratch folder: those its earlier
    processes left in ``PARTS_FILE`` and those of the last process's ``tmp``."""
    iq = int(rec["iq"])
    last = rec["processes"][-1].get("start_irr", 1) if rec.get("processes") else 1
    left = irreps.harvest(scratch / "tmp", spec.prefix, iq,
                          irreps.record_bytes(grounddir / "tmp", spec.prefix),
                          {k: g[k] for k in irreps.KEYS}, scratch / f"{_process_name(last)}.out")
    return irreps.merge(store.load_partial(scratch / PARTS_FILE, iq), left, str(scratch))


def run_q_point(grounddir: str | os.PathLike, iq: int, qdir: str | os.PathLike,
                scratch: str | os.PathLike, *, nproc: int = 1,
                mpi_command: str = "mpirun -np {nproc}",
                archive_roots: Sequence[str | os.PathLike] = ()) -> dict:
    """ph.x for the ``iq``-th irreducible q point (1-based) on a copy of the
    ground state of :func:`run_ground`.  ``qdir`` receives ph.in/ph.out, the
    list of q points (``<prefix>.dyn0``), the q point's dynamical matrix and
    electron-phonon files, and ``summary.json`` (q, keys, wall time); q points
    run independently (other processes, other machines, other days) and
    :func:`assemble_run` joins them.

    An interrupted run leaves ``scratch`` with ph.x's files and a progress record
    (``resume.json``); called again with the same ``scratch`` on the same ground
    state, a finished step is not repeated, so CPU time given to one q point over
    several sessions adds up.  How the DFPT step continues depends on the
    electron-phonon method:

    * ``tetrahedra`` (DFPT and lambda_tetra are separate runs): at the first
      representation not finished (:mod:`scimodel.qe.irreps`), with the finished
      ones taken from the interrupted run and from the campaign archive in
      ``archive_roots`` (``partial/iq<i>/``, :func:`store_partial_q_point`), so work
      also carries over from one machine to another.  The result equals one
      uninterrupted process's.
    * ``gaussian`` (electron-phonon inside the DFPT run): ph.x's own ``recover =
      .true.`` from its last finished SCF iteration, on the same machine.

    After a restart the wall times in the summary are those of the final process of
    each step, and ``resumed`` counts the restarts."""
    spec, g = read_ground(grounddir)
    if not 1 <= int(iq) <= g["n_q"]:
        raise InputError(None, "iq", f"got {iq}, expected 1..{g['n_q']} "
                         f"(irreducible points of the {spec.q_grid}^3 q grid)")
    grounddir, scratch = Path(grounddir), Path(scratch)
    tetra = spec.elph_method == "tetrahedra"
    rec = _resume_record(scratch, iq, g, spec)
    parts = _stored_irreps(archive_roots, spec, g, iq) if tetra else None
    if rec is None:
        scratch = _fresh(scratch)
        shutil.copytree(grounddir / "tmp", scratch / "tmp")
        shutil.copy(grounddir / spec.pseudo, scratch / spec.pseudo)
        rec = {"iq": int(iq), **{k: g[k] for k in ("phonon_key", "pseudo_sha256", "qe_version")},
               "finished": {}, "resumed": 0}
    else:
        rec["resumed"] += 1
        log.info("q point %d: continuing the run in %s (finished steps: %s)", iq, scratch,
                 ", ".join(rec["finished"]) or "none")
        if tetra and "ph" not in rec["finished"]:
            # representations finished by the interrupted process and by earlier ones
            parts = irreps.merge(_scratch_irreps(scratch, rec, spec, g, grounddir), parts,
                                 str(scratch))
            if parts is not None:
                store.save_partial(parts, scratch / PARTS_FILE)
    if tetra and parts is not None:
        rec["irreps_before"] = parts.done
    record = scratch / RESUME_FILE

    def run(name, text):
        record.write_text(json.dumps(rec, indent=1))
        run_qe("ph.x", text, name, scratch, nproc=nproc, mpi_command=mpi_command, pools=True)

    def step(name, exe_input, recover_input=None):
        if name in rec["finished"]:
            return
        recover = recover_input is not None and rec.get("started_" + name, 0) > 0
        out = scratch / f"{name}.out"
        if recover and out.exists():
            # the interrupted process's log (q list, first iterations) stays in front
            out.rename(scratch / f"{name}.out.part{rec['started_' + name]}")
        rec["started_" + name] = rec.get("started_" + name, 0) + 1
        t0 = time.perf_counter()
        if callable(exe_input):
            exe_input()
        else:
            run(name, recover_input if recover else exe_input)
        rec["finished"][name] = time.perf_counter() - t0
        parts_ = sorted(scratch.glob(f"{name}.out.part*"), key=lambda p: int(p.suffix[5:]))
        if parts_:
            out.write_text("".join(p.read_text(errors="replace") for p in [*parts_, out]))
        record.write_text(json.dumps(rec, indent=1))

    if tetra:
        step("ph", lambda: _dfpt_by_representations(spec, g, grounddir, iq, scratch, rec,
                                                    parts, run))
        step("elph", ph_tetra_input(spec, iq=iq))
    else:
        step("ph", ph_input(spec, iq=iq), ph_input(spec, iq=iq, recover=True))
    walls = dict(rec["finished"])
    text = (scratch / "ph.out").read_text(errors="replace")
    n_q = _ph_q_count(text, scratch / "ph.out")
    if n_q != g["n_q"]:
        raise RuntimeError(f"ph.x lists {n_q} irreducible q points, scimodel.qe counted "
                           f"{g['n_q']} for the {spec.structure} {spec.q_grid}^3 grid")
    m = re.search(r"Calculation of q\s*=\s*(\S+)\s+(\S+)\s+(\S+)", text)
    qdir = _fresh(Path(qdir))
    (qdir / "elph_dir").mkdir()
    for f in ["ph.in", "ph.out", f"{spec.prefix}.dyn0", *_elph_q_files(spec, iq)]:
        if not (scratch / f).exists():
            raise RuntimeError(f"ph.x did not write {f} for q point {iq} in {scratch}")
        shutil.copy(scratch / f, qdir / f)
    summary = {"metal": spec.name, "iq": int(iq), "n_q": n_q,
               "q_cart_2pi_over_a": [float(x) for x in m.groups()] if m else None,
               "phonon_key": g["phonon_key"], "pseudo_sha256": g["pseudo_sha256"],
               "qe_version": g["qe_version"], "nproc": nproc, "elph_method": spec.elph_method,
               # "ph": all ph.x time of this q point (DFPT + lambda_tetra), as before the split
               "wall_times_s": {**walls, "ph": sum(walls.values())}}
    if rec["resumed"]:
        # the wall time of the final process of each step; interrupted processes are not in it
        summary["resumed"] = rec["resumed"]
    if "elph" in walls:
        summary["wall_times_s"]["dfpt"] = walls["ph"]
    if rec.get("irreps_before"):
        # representations finished by earlier processes (interrupted or committed)
        summary["irreps_before"] = rec["irreps_before"]
        summary["dfpt_processes"] = rec.get("processes", [])
    (qdir / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True))
    shutil.rmtree(scratch, ignore_errors=True)
    return summary


def assemble_run(grounddir: str | os.PathLike, qdirs: Sequence[str | os.PathLike],
                 rundir: str | os.PathLike, scratch: str | os.PathLike, *, nproc: int = 1,
                 mpi_command: str = "mpirun -np {nproc}", keep_scratch: bool = False,
                 with_dos: bool = True) -> dict:
    """Join the q-point runs of one ground state into a run folder: check that
    every q point is there once and belongs to this ground state (phonon key,
    pseudopotential, list of q points), run nscf + dos.x (``with_dos``), q2r.x and
    matdyn.x.

    ``rundir`` receives the inputs, outputs and small result files
    (:data:`RUN_FILES`; ``ph.out`` is the q-point outputs in order) and
    ``summary.json`` with the wall times of every step (``ph`` = the sum over q
    points; ``ph_wall_per_q_s`` each).  The wave functions stay in ``scratch``, removed
    at the end unless ``keep_scratch``.
    """
    grounddir, rundir = Path(grounddir), Path(rundir)
    spec, g = read_ground(grounddir)
    parts: dict[int, tuple[Path, dict]] = {}
    for d in map(Path, qdirs):
        s = _read_json(d / "summary.json", "q-point folder (scimodel.qe.run_q_point)")
        for key in ("phonon_key", "pseudo_sha256", "n_q"):
            if s.get(key) != g[key]:
                raise InputError(d / "summary.json", key, f"got {s.get(key)!r}, expected "
                                 f"{g[key]!r} (the ground state {grounddir})")
        if s["iq"] in parts:
            raise InputError(d / "summary.json", "iq", f"q point {s['iq']} given twice")
        check_qe_output(d / "ph.out")
        parts[s["iq"]] = (d, s)
    missing = sorted(set(range(1, g["n_q"] + 1)) - set(parts))
    if missing:
        raise InputError(None, "q points", f"missing q points {missing} of {g['n_q']}")
    dyn0 = {(d / f"{spec.prefix}.dyn0").read_text() for d, _ in parts.values()}
    if len(dyn0) != 1:
        raise InputError(None, f"{spec.prefix}.dyn0", "the q-point runs list different q points")
    scratch = _fresh(Path(scratch))
    shutil.copytree(grounddir / "tmp", scratch / "tmp")
    shutil.copy(grounddir / spec.pseudo, scratch / spec.pseudo)
    rundir.mkdir(parents=True, exist_ok=True)
    for f in ("fit.in", "fit.out", "scf.in", "scf.out"):
        if f.startswith("scf") or spec.elph_method == "gaussian":   # tetrahedra: no fit run
            shutil.copy(grounddir / f, rundir / f)
    shutil.copy(grounddir / "tmp" / f"{spec.prefix}.save" / "data-file-schema.xml",
                rundir / "scf.xml")
    walls: dict[str, float] = dict(g["wall_times_s"])
    kw = dict(nproc=nproc, mpi_command=mpi_command)
    t_all = time.perf_counter()
    summary: dict = {"metal": spec.name, "spec": asdict(spec), "pseudo_file": g["pseudo_file"],
                     "pseudo_sha256": g["pseudo_sha256"], "qe_version": g["qe_version"],
                     "nproc": nproc, "phonon_key": g["phonon_key"], "n_q": g["n_q"]}
    files = []
    if with_dos:
        # The DOS runs in a copy of the scf save folder (./tmp_dos) without wave functions.
        src, dst = scratch / "tmp" / f"{spec.prefix}.save", scratch / "tmp_dos" / f"{spec.prefix}.save"
        dst.mkdir(parents=True)
        for f in src.iterdir():
            if f.is_file() and not f.name.startswith("wfc"):
                shutil.copy(f, dst / f.name)
        # Gaussian smearing = the DOS broadening, so that E_F and N(xi) are consistent.
        # (tetrahedra_opt: QE 6.7's tetrahedron set-up scales like N_k(full) x N_k(irr)
        # and did not finish in minutes on a 32^3 grid.)
        walls["pw_nscf"] = run_qe(
            "pw.x", pw_input(spec, "nscf", k=spec.k_dos, nbnd=spec.dos_bands * spec.spinor_factor,
                             outdir="./tmp_dos", smearing="gaussian", degauss_ry=spec.dos_degauss_ry),
            "nscf", scratch, pools=True, **kw)
        xml = dst / "data-file-schema.xml"
        shutil.copy(xml, rundir / "nscf.xml")
        bands = parse_pw_xml(xml)
        window = dos_window(spec, bands)
        summary["dos_window_eV"] = window
        walls["dos_gauss"] = run_qe("dos.x", dos_input(
            spec, window["emin_eV"], window["emax_eV"], spec.dos_step_ev, "dos_gauss.dat",
            spec.dos_degauss_ry, outdir="./tmp_dos"), "dos_gauss", scratch)
        ef = bands["fermi_energy_eV"]
        # broadening check: the same DOS near E_F with twice the broadening
        walls["dos_wide"] = run_qe("dos.x", dos_input(
            spec, ef - spec.ef_window_ev, ef + spec.ef_window_ev, 0.005, "dos_wide.dat",
            2 * spec.dos_degauss_ry, outdir="./tmp_dos"), "dos_wide", scratch)
        shutil.rmtree(scratch / "tmp_dos", ignore_errors=True)
        files += ["dos_gauss.dat", "dos_wide.dat"]
    (scratch / "elph_dir").mkdir()
    ph_out, elph_out = [], []
    for iq in sorted(parts):
        d, s = parts[iq]
        for f in [f"{spec.prefix}.dyn0", *_elph_q_files(spec, iq)]:
            if not f.startswith("elph."):
                shutil.copy(d / f, scratch / f)
        ph_out.append((d / "ph.out").read_text(errors="replace"))
        shutil.copy(d / "ph.in", rundir / f"ph_q{iq}.in")
        if spec.elph_method == "tetrahedra":
            check_qe_output(d / "elph.out")
            elph_out.append((d / "elph.out").read_text(errors="replace"))
            shutil.copy(d / "elph.in", rundir / f"elph_q{iq}.in")
            # lambda_tetra writes no a2Fq2r files: build them from its lambda_{q nu}
            # so that q2r.x/matdyn.x interpolate them (gamma_file_text)
            write_tetra_gamma_files(spec, d, iq, scratch / "elph_dir")
    (rundir / "ph.out").write_text("".join(ph_out))
    if elph_out:
        # lambda_{q nu} of every q point, in order (read by build_abinitio_dataset)
        (rundir / "elph.out").write_text("".join(elph_out))
    summary["ph_wall_per_q_s"] = [float(parts[iq][1]["wall_times_s"]["ph"]) for iq in sorted(parts)]
    walls["ph"] = float(sum(summary["ph_wall_per_q_s"]))
    walls["q2r"] = run_qe("q2r.x", q2r_input(spec), "q2r", scratch)
    walls["matdyn"] = run_qe("matdyn.x", matdyn_input(spec), "matdyn", scratch)
    files += ["phonon.dos", f"{spec.prefix}.freq", "lambda"]
    files += sorted(p.name for p in scratch.glob("a2F.dos*"))
    for f in files:
        shutil.copy(scratch / f, rundir / f)
    for p in [*scratch.glob("*.in"), *scratch.glob("*.out")]:
        shutil.copy(p, rundir / p.name)
    walls["assemble"] = time.perf_counter() - t_all
    walls["total"] = (walls.get("pw_fit", 0.0) + walls["pw_scf"] + walls["ph"] + walls["assemble"])
    summary["wall_times_s"] = walls
    (rundir / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True))
    if not keep_scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    return summary


def store_q_points(parts_dir: str | os.PathLike, cache_root: str | os.PathLike) -> list[int]:
    """Add the finished q points of ``parts_dir`` (``results/abinitio/qe_parts/<M>_q<q>``:
    ``ground/`` and ``iq<i>/``) to the campaign archive
    ``cache_root/<M>_q<q>_<phonon key>.zip`` (:mod:`scimodel.qe.store`), from which the
    workflow takes them instead of recomputing (workflow/rules/common.smk,
    abinitio_qe_input).  Only q points whose ph.x output ends with JOB DONE and whose
    key equals the ground state's are added, and none the archive already holds;
    returns the q points added."""
    parts_dir = Path(parts_dir)
    _, g = read_ground(parts_dir / "ground")
    archive = Path(cache_root) / f"{parts_dir.name}_{g['phonon_key']}{store.ARCHIVE_SUFFIX}"
    new = []
    for d in sorted(parts_dir.glob("iq*"), key=lambda p: int(p.name[2:])):
        if not (d / "summary.json").exists():
            continue                                   # unfinished
        s = _read_json(d / "summary.json", "q-point folder")
        check_qe_output(d / "ph.out")
        if s["phonon_key"] == g["phonon_key"]:
            new.append(d)
    return store.add_points(archive, new)


def store_partial_q_point(scratch: str | os.PathLike, grounddir: str | os.PathLike,
                          cache_root: str | os.PathLike) -> list[int]:
    """Add the finished representations of the unfinished q point in ``scratch`` (a
    running or stopped :func:`run_q_point` of an ``elph_method = 'tetrahedra'``
    campaign) to the campaign archive ``cache_root/<M>_q<q>_<phonon key>.zip``, under
    ``partial/iq<i>/``; :func:`run_q_point` given that archive's folder in
    ``archive_roots`` starts at the first representation not in it, on any machine.
    Returns the representations the archive now holds for that q point."""
    scratch = Path(scratch)
    spec, g = read_ground(grounddir)
    rec = _read_json(scratch / RESUME_FILE, "q-point scratch folder (scimodel.qe.run_q_point)")
    for k in irreps.KEYS:
        if rec.get(k) != g[k]:
            raise InputError(scratch / RESUME_FILE, k, f"{g[k]!r} (the ground state {grounddir})")
    parts = _scratch_irreps(scratch, rec, spec, g, Path(grounddir))
    if parts is None:
        return []
    archive = Path(cache_root) / f"{_campaign_name(spec, g)}{store.ARCHIVE_SUFFIX}"
    return store.add_partial(archive, parts)


def run_pipeline(spec: MetalSpec, pseudo_file: str | os.PathLike, rundir: str | os.PathLike,
                 scratch: str | os.PathLike, *, nproc: int = 1,
                 mpi_command: str = "mpirun -np {nproc}", keep_scratch: bool = False,
                 with_dos: bool = True) -> dict:
    """The whole QE chain of one metal in one process: :func:`run_ground`, one
    :func:`run_q_point` per irreducible q point, :func:`assemble_run` (the
    workflow runs the same three steps as separate jobs).

    Parameters
    ----------
    pseudo_file : the UPF file (copied into the scratch folder).
    rundir : folder that receives inputs, outputs and the small result files
        (:data:`RUN_FILES`); the wave functions stay in ``scratch``.
    scratch : working folder (large files), removed at the end unless ``keep_scratch``.
    with_dos : False skips the nscf + dos.x steps (q-grid convergence runs).

    Returns the summary dict also written to ``rundir/summary.json``.
    """
    scratch = _fresh(Path(scratch))
    g = run_ground(spec, pseudo_file, scratch / "ground", nproc=nproc, mpi_command=mpi_command)
    qdirs = [scratch / f"iq{iq}" for iq in range(1, g["n_q"] + 1)]
    for iq, d in enumerate(qdirs, 1):
        run_q_point(scratch / "ground", iq, d, scratch / "ph_scratch", nproc=nproc,
                    mpi_command=mpi_command)
    summary = assemble_run(scratch / "ground", qdirs, rundir, scratch / "assemble", nproc=nproc,
                           mpi_command=mpi_command, keep_scratch=keep_scratch, with_dos=with_dos)
    if not keep_scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    return summary


def dos_window(spec: MetalSpec, bands: Mapping) -> dict:
    """Energy window of the DOS (absolute eV) from the nscf eigenvalues.

    Lower end: ``dos_below_bottom_ev`` below the bottom of the valence band
    (band index ``semicore_bands``); upper end: E_F + ``dos_above_ef_ev``.
    Raises InputError when the highest computed band does not reach the top of
    the window everywhere in the zone (the DOS would be cut off: raise ``nbnd_dos``).
    """
    eig = bands["eigenvalues_eV"]
    ef = bands["fermi_energy_eV"]
    nsc = spec.semicore_bands * spec.spinor_factor      # QE bands below the valence band
    if eig.shape[1] <= nsc:
        raise InputError(None, f"abinitio.elements.{spec.name}.semicore_bands",
                         f"{nsc} >= number of bands {eig.shape[1]}")
    bottom = float(eig[:, nsc].min())
    if nsc > 0:
        top_semicore = float(eig[:, nsc - 1].max())
        if top_semicore > bottom - 2 * spec.dos_below_bottom_ev:
            raise InputError(None, f"abinitio.elements.{spec.name}.semicore_bands",
                             f"semicore band top {top_semicore - ef:.2f} eV is not separated "
                             f"from the valence band bottom {bottom - ef:.2f} eV (rel. E_F)")
    emax = ef + spec.dos_above_ef_ev
    top_min = float(eig[:, -1].min())
    margin = 5 * spec.dos_degauss_ry * units.RY_TO_EV
    if top_min < emax + margin:
        raise InputError(None, f"abinitio.elements.{spec.name}.nbnd_dos",
                         f"highest band (nbnd={eig.shape[1]}) starts at {top_min - ef:.2f} eV "
                         f"above E_F; need > {emax + margin - ef:.2f} eV: raise nbnd_dos")
    return {"emin_eV": bottom - spec.dos_below_bottom_ev, "emax_eV": emax,
            "band_bottom_eV": bottom, "fermi_energy_eV": ef, "top_band_min_eV": top_min}
