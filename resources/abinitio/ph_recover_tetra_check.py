"""ph.x 6.7's own restart (recover = .true.) of a tetrahedron DFPT run, on the tiny Al cell.

Why the pipeline (scimodel.qe.run_q_point, scimodel.qe.irreps) restarts an interrupted
q point of an elph_method = 'tetrahedra' campaign at its first unfinished irreducible
representation, in a fresh ph.x process that recomputes the nscf, and does not continue
the interrupted process in its own outdir.  Al, fcc 2^3 q, q = L (iq 2: representations of
1 and 2 modes), the settings of tests/test_abinitio.py (Al.pz-vbc.UPF, 12 Ry, 4^3 k,
tetrahedra_opt).  Every case is compared with one uninterrupted ph.x process:

* pipeline: representation 1 in one process (last_irr = 1), representation 2 in a fresh one
  (start_irr = 2, its own nscf), joined by a recover run on the joined files;
* boundary, bands read: after the last_irr = 1 process, ph.x with recover = .true. in the
  same outdir (it prints "Bands found" and skips the nscf) computes representation 2;
* mid-SCF, bands read: the first process stops inside representation 1's SCF (niter_ph = 3:
  ph.x writes its restart file and stops), then recover = .true. in the same outdir;
* mid-SCF, bands recomputed: as before, with the nscf's files of the q point removed
  (_ph0/al.q_2/al.save, al.wfc1), so the recover run recomputes the bands.

Run from the project root (about 1 min on one core):
    .venv/bin/python resources/abinitio/ph_recover_tetra_check.py > resources/abinitio/ph_recover_tetra_check.md
"""
from __future__ import annotations

import re
import shutil
import tempfile
from datetime import date
from pathlib import Path

from scimodel import qe
from scimodel.provenance import git_commit
from scimodel.qe import irreps
from scimodel.qe.inputs import ph_input
from scimodel.qe.runner import qe_version, run_qe

ROOT = Path(__file__).resolve().parents[2]
PARAMS = dict(structure="fcc", a_angstrom=4.05, mass_amu=26.9815, pseudo="shipped/Al.pz-vbc.UPF",
              ecutwfc_Ry=12.0, ecutrho_Ry=48.0, k_scf=4, k_dense=8, q_grid=2, degauss_Ry=0.05,
              elph_sigma0_Ry=0.005, elph_nsigma=10, elph_sigma_Ry=0.03,
              stability_window_Ry=[0.02, 0.04], k_dos=8, nbnd=16, n_valence=3,
              semicore_bands=0, matdyn_grid=8, dos_degauss_Ry=0.01, dos_step_eV=0.02,
              dos_above_ef_eV=20.5, elph_method="tetrahedra")
IQ = 2


def with_key(text: str, line: str) -> str:
    return text.replace("ldisp", f"{line},\n  ldisp")


def freqs(path: Path) -> list[float]:
    """cm-1 of the dynamical-matrix file's modes."""
    return [float(x) for x in re.findall(r"freq \(\s*\d+\) =\s*\S+ \[THz\] =\s*(\S+) \[cm-1\]",
                                         path.read_text())]


def outdir(ground: Path, where: Path) -> Path:
    shutil.copytree(ground / "tmp", where / "tmp")
    shutil.copy(ground / PARAMS["pseudo"].split("/")[1], where)
    return where


def main() -> None:
    spec = qe.metal_spec("Al", PARAMS)
    text = ph_input(spec, iq=IQ)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ground = tmp / "ground"
        qe.run_ground(spec, ROOT / "resources/pseudo" / PARAMS["pseudo"], ground)
        ref = outdir(ground, tmp / "ref")
        run_qe("ph.x", text, "ph", ref)
        rows.append(("one uninterrupted process", freqs(ref / "al.dyn2"), ""))

        # the pipeline's restart (scimodel.qe.irreps): representation 1 in one process, 2 in a
        # fresh one with its own nscf, the two joined by a recover run on a fresh copy
        p = outdir(ground, tmp / "split")
        run_qe("ph.x", with_key(text, "last_irr = 1"), "ph1", p)
        r2 = outdir(ground, tmp / "split2")
        run_qe("ph.x", ph_input(spec, iq=IQ, start_irr=2), "ph2", r2)
        rb = irreps.record_bytes(ground / "tmp", "al")
        g = qe.read_ground(ground)[1]
        keys = {k: g[k] for k in irreps.KEYS}
        parts = irreps.merge(irreps.harvest(p / "tmp", "al", IQ, rb, keys),
                             irreps.harvest(r2 / "tmp", "al", IQ, rb, keys))
        j = tmp / "join"
        j.mkdir()
        shutil.copy(ground / PARAMS["pseudo"].split("/")[1], j)
        shutil.copytree(ground / "tmp", j / "tmp")
        irreps.install(parts, j / "tmp", "al")
        run_qe("ph.x", ph_input(spec, iq=IQ, recover=True), "join", j)
        rows.append(("pipeline restart: representation 2 in a fresh process (start_irr = 2, own "
                     "nscf), joined", freqs(j / "al.dyn2"), ""))
        b = outdir(ground, tmp / "boundary")
        shutil.rmtree(b / "tmp")
        shutil.copytree(p / "tmp", b / "tmp")
        run_qe("ph.x", ph_input(spec, iq=IQ, recover=True), "ph2", b)
        found = "Bands found" in (b / "ph2.out").read_text()
        rows.append(("boundary, bands read (recover after last_irr = 1)", freqs(b / "al.dyn2"),
                     f"nscf skipped: {found}"))

        for label, drop in (("mid-SCF, bands read", ()),
                            ("mid-SCF, bands recomputed", ("al.save", "al.wfc1"))):
            m = outdir(ground, tmp / label.replace(" ", "_").replace(",", ""))
            try:
                run_qe("ph.x", with_key(text, "niter_ph = 3"), "ph1", m)
            except Exception:                # ph.x: "No convergence has been achieved"
                pass
            q = m / "tmp" / "_ph0" / f"al.q_{IQ}"
            stopped = (q / "al.recover").exists()
            for name in drop:
                shutil.rmtree(q / name) if (q / name).is_dir() else (q / name).unlink()
            run_qe("ph.x", ph_input(spec, iq=IQ, recover=True), "ph2", m)
            out = (m / "ph2.out").read_text()
            first = re.search(r"iter #\s+(\d+)", out).group(1)
            rows.append((label + " (stop after 3 iterations of representation 1)",
                         freqs(m / "al.dyn2"),
                         f"restart file: {stopped}; nscf skipped: {'Bands found' in out}; "
                         f"first iteration of the recover run: #{first}"))
    ref_f = rows[0][1]
    print("# ph.x 6.7 recover in a tetrahedron DFPT run (Al, fcc 2^3 q, q = L)\n")
    print(f"Computed {date.today().isoformat()} with scimodel at commit {git_commit()} by "
          f"`resources/abinitio/ph_recover_tetra_check.py` (QE {qe_version()}, 1 process).\n")
    print("| run | modes (cm-1) | largest change against the uninterrupted run | notes |")
    print("| --- | --- | --- | --- |")
    for label, f, note in rows:
        dev = max(abs(a / b - 1) for a, b in zip(f, ref_f))
        print(f"| {label} | {', '.join(f'{x:.3f}' for x in f)} | {100 * dev:.3g} % | {note} |")


if __name__ == "__main__":
    main()
