"""Benchmark of the QE chain on the tiny Al cell of the tests (and of the NetCDF assembly).

Run: .venv/bin/python benchmarks/bench_abinitio.py [nproc]
Prints one row per QE step (wall seconds).  Production wall times of the
cached metals are stored in resources/abinitio/<M>.nc (attributes wall_time_*).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

from scimodel import qe

ROOT = Path(__file__).resolve().parents[1]
PARAMS = dict(structure="fcc", a_angstrom=4.05, mass_amu=26.9815, pseudo="shipped/Al.pz-vbc.UPF",
              ecutwfc_Ry=12.0, ecutrho_Ry=48.0, k_scf=4, k_dense=8, q_grid=2, degauss_Ry=0.05,
              elph_sigma0_Ry=0.005, elph_nsigma=10, elph_sigma_Ry=0.03,
              stability_window_Ry=[0.02, 0.04], k_dos=8, nbnd=16, n_valence=3,
              semicore_bands=0, matdyn_grid=8, dos_degauss_Ry=0.01, dos_step_eV=0.02)


def main(nproc: int = 1) -> None:
    if not qe.qe_available():
        print("Quantum ESPRESSO not found (apt-get install -y quantum-espresso); nothing to time")
        return
    spec = qe.metal_spec("Al", PARAMS)
    with tempfile.TemporaryDirectory() as tmp:
        s = qe.run_pipeline(spec, ROOT / "resources/pseudo/shipped/Al.pz-vbc.UPF",
                            Path(tmp) / "run", Path(tmp) / "scratch", nproc=nproc)
        t0 = time.perf_counter()
        qe.build_abinitio_dataset(Path(tmp) / "run")
        t_build = time.perf_counter() - t0
    rows = [(k, f"{v:.2f}") for k, v in s["wall_times_s"].items()]
    rows += [(f"  ph, q point {i}", f"{v:.2f}") for i, v in enumerate(s["ph_wall_per_q_s"], 1)]
    rows.append(("build_abinitio_dataset", f"{t_build:.2f}"))
    print(f"tiny Al (ecut 12 Ry, k 4^3 / 8^3 dense, q 2^3), nproc = {nproc}, QE {s['qe_version']}")
    print(tabulate(rows, headers=["step", "wall (s)"]))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
