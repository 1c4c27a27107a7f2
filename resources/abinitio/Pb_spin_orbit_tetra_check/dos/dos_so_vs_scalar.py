"""Pb's electronic DOS near E_F with and without spin-orbit (pb_s.UPF), and what its change does to Tc.

Inputs (this folder): dos.x output (`so_pb.dos`, `sr_pb.dos`; total DOS of both spins per atom,
1/eV) of the ground states of the two 4^3 campaigns (`so_scf.in`: spin-orbit,
`config/campaigns/abinitio_pb_spin_orbit.yaml`; `sr_scf.in`: without,
`config/campaigns/abinitio_pb_s_scalar.yaml`): pw.x 6.7, 20^3 k, optimized tetrahedra, and
dos.x with bz_sum = 'tetrahedra_opt' (`*_dos.in`, `*_dos.out`).  The spin-orbit transfer of
the cache (`scimodel.qe.spin_orbit`) keeps the scalar cache's DOS; this record measures the
N(0) it leaves out and the energy-only Tc of the Pb cache with its DOS scaled by the same
factor (alpha2F held fixed; N(0) also sets k_TF, Eq. 17).

    .venv/bin/python resources/abinitio/Pb_spin_orbit_tetra_check/dos/dos_so_vs_scalar.py
"""
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import yaml

from scimodel import paper004
from scimodel.paper004 import paper_value, read_paper_values
from scimodel.provenance import git_commit
from scimodel.scdft import Settings
from scimodel.scdft.solver import GapEquation

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
WINDOWS_EV = (0.05, 0.2, 0.5)


def read_dos(path):
    head = path.read_text().splitlines()[0]
    if "EFermi" not in head:
        raise ValueError(f"{path}: first line has no 'EFermi =' (dos.x header); got {head!r}")
    ef = float(head.split("=")[1].split()[0])
    e, n, _ = np.loadtxt(path).T
    return e - ef, n, ef


def main():
    rows = {}
    for name in ("sr", "so"):
        x, n, ef = read_dos(HERE / f"{name}_pb.dos")
        rows[name] = (ef, float(np.interp(0.0, x, n)), [float(n[np.abs(x) <= w].mean()) for w in WINDOWS_EV])
    lines = ["# Pb: DOS near E_F with and without spin-orbit, and its effect on Tc", "",
             f"Computed {date.today().isoformat()} with scimodel at commit {git_commit()} by "
             "dos_so_vs_scalar.py (this folder; inputs and method in its docstring).", "",
             "| run | E_F (eV) | N(E_F) (1/eV atom, both spins) | "
             + " | ".join(f"mean within {w * 1000:g} meV" for w in WINDOWS_EV) + " |",
             "| --- |" + " --- |" * (2 + len(WINDOWS_EV))]
    for name, label in (("sr", "scalar"), ("so", "spin-orbit")):
        ef, n0, av = rows[name]
        lines.append(f"| {label} | {ef:.3f} | {n0:.4f} | " + " | ".join(f"{a:.4f}" for a in av) + " |")
    factor = rows["so"][1] / rows["sr"][1]
    lines += ["", f"N(E_F) spin-orbit / scalar: {factor:.4f}.", ""]

    cfg = yaml.safe_load(open(ROOT / "config" / "config.yaml"))
    settings = Settings.from_config(cfg["scdft"])
    paper = read_paper_values(ROOT / "resources" / "paper004" / "paper004_values.csv")
    inp = paper004.load_input(ROOT / "resources" / "abinitio" / "Pb.nc", "Pb")
    lines += [f"Energy-only Tc of the Pb cache (K), DOS and N(0) x 1 and x {factor:.4f}:", "",
              "| alpha2F | scheme | DOS x 1 | DOS scaled | change |", "| --- | --- | --- | --- | --- |"]
    for label, x in (("as computed", inp),
                     ("rescaled to the paper's lambda", inp.scaled_to_lambda(paper_value(paper, "lambda", "Pb", "paper")))):
        scaled = replace(x, dos=np.asarray(x.dos) * factor, dos_ef=x.dos_ef * factor)
        for scheme in ("tf-fe", "tf-sk"):
            t0 = GapEquation(x, settings.refined(coulomb=scheme)).tc()
            t1 = GapEquation(scaled, settings.refined(coulomb=scheme)).tc()
            if not (t0.found and t1.found):
                raise RuntimeError(f"Pb {label} {scheme}: no Tc")
            lines.append(f"| {label} | {scheme.upper()} | {t0.tc:.3f} | {t1.tc:.3f} | "
                         f"{100 * (t1.tc / t0.tc - 1):+.2f} % |")
    text = "\n".join(lines) + "\n"
    (HERE / "dos_so_vs_scalar.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
