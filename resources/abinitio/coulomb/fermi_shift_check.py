"""Sensitivity of the energy-only TF-FE and TF-SK Tc to the position of E_F in the cached DOS
(paper 004 notes that its Mo results are "very sensitive to the details of the density of
states").  For each metal: the cached input (resources/abinitio/<M>.nc), alpha2F rescaled to
paper 004's lambda (held fixed), E_F moved by dE within the cached DOS (xi -> xi - dE, N(0) read
at the new E_F, band bottom moved with it, k_F kept), default solver settings.  Run from the
project root:
    .venv/bin/python resources/abinitio/coulomb/fermi_shift_check.py > resources/abinitio/coulomb/fermi_shift_check.md
"""
from dataclasses import replace

import numpy as np

from scimodel import paper004, qe
from scimodel.paper004 import paper_value
from scimodel.scdft import GapEquation, ScdftInput, Settings

METALS = ["Mo", "Ta", "Nb", "Al", "Pb"]
SHIFTS = (-100, -50, -20, 0, 20, 50, 100)     # meV


def shifted(inp: ScdftInput, d: float) -> ScdftInput:
    xi = np.asarray(inp.xi) - d
    return replace(inp, xi=xi, dos_ef=float(np.interp(0.0, xi, inp.dos)), band_bottom=inp.band_bottom - d)


paper = paper004.read_paper_values("resources/paper004/paper004_values.csv")
print("# Energy-only Tc against a shift of E_F in the cached DOS\n")
print(__doc__.split("Run from")[0].strip().replace("\n", " ") + "  Produced by fermi_shift_check.py (this folder).\n")
print("| metal | dE_F (meV) | N(0) (1/eV per spin) | TF-FE Tc (K) | TF-SK Tc (K) |")
print("| --- | --- | --- | --- | --- |")
for m in METALS:
    inp = ScdftInput.from_dataset(qe.read_abinitio(f"resources/abinitio/{m}.nc"))
    inp = inp.scaled_to_lambda(paper_value(paper, "lambda", m, "paper"))
    rows = []
    for d in SHIFTS:
        x = shifted(inp, d)
        rows.append((d, x.dos_ef, *(GapEquation(x, Settings().refined(coulomb=c)).tc().tc
                                   for c in ("tf-fe", "tf-sk"))))
    n0, fe0, sk0 = [r for r in rows if r[0] == 0][0][1:]
    for d, n, fe, sk in rows:
        print(f"| {m} | {d:+d} | {1000 * n:.3f} ({n / n0 - 1:+.1%}) | {fe:.3f} ({fe / fe0 - 1:+.1%}) | "
              f"{sk:.3f} ({sk / sk0 - 1:+.1%}) |")
