"""How far the Coulomb matrix elements would have to move to turn our TF-ME / TF-FE into paper 004's.

Table 2 k-resolved splits each TF-ME miss into an inputs factor and a matrix-element factor,
(our TF-ME / TF-FE) over (the paper's TF-ME / TF-FE).  This record translates the
matrix-element factor into a change of the Coulomb kernel: the energy-only TF-SK Tc (which
near E_F equals our TF-ME within 6 %, `energy_profile.md`) with the kernel multiplied by f,
either for pairs of states both within 1.5 eV of E_F ("near E_F") or everywhere ("all"), on
the cached DOS with alpha2F rescaled to paper 004's lambda.  'needed f': the f at which
Tc(f) / Tc(1) equals the paper's ratio over ours, by interpolation in log Tc.  It is a model
statement (one factor for all pairs of a window), and it measures how sensitive each metal's
Tc is to the Coulomb term.  mu = N(0) K(0, 0), the Fermi-surface Coulomb parameter of TF-SK
(k_F of the valence electrons) and of TF-FE (mu of Eq. 26 the depth of E_F below the band
bottom of the cached DOS).

Run from the project root (reads the committed snapshot of the k-resolved table,
`table2_kresolved_snapshot.csv`; a table rebuilt by `snakemake paper004_table2_kresolved`
is used when its path is given as the argument):
    .venv/bin/python resources/abinitio/coulomb/coulomb_sensitivity.py > resources/abinitio/coulomb/coulomb_sensitivity.md
"""
import sys
from datetime import date

import numpy as np
import pandas as pd

from scimodel import qe
from scimodel.paper004 import paper_value, read_paper_values
from scimodel.provenance import git_commit
from scimodel.scdft import ScdftInput
from scimodel.scdft.coulomb import coulomb_kernel, scale_pairs
from scimodel.scdft.solver import GapEquation, Settings

METALS = ["Al", "Mo", "Ta", "Pb", "Nb"]
WINDOW_MEV = 1500.0
FACTORS = [0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4]


def tc_scaled(inp, f, window):
    def fn(xi):
        k = coulomb_kernel(xi, scheme="tf-sk", dos_ef=inp.dos_ef, volume=inp.volume, mu=inp.mu,
                           kf=inp.kf)
        return scale_pairs(k, xi, f, window)
    res = GapEquation(inp, Settings(coulomb="tf-sk"), coulomb_fn=fn).tc()
    return res.tc if res.found else float("nan")


def needed(factors, ratio, target):
    """f where log(ratio) crosses log(target) (ratio falls with f); None outside the scan."""
    lr = np.log(ratio)
    ok = np.isfinite(lr)
    f, lr = np.asarray(factors)[ok], lr[ok]
    if not (lr.min() <= np.log(target) <= lr.max()):
        return None
    return float(np.interp(-np.log(target), -lr, f))


paper = read_paper_values("resources/paper004/paper004_values.csv")
# the k-resolved table: the committed snapshot, or a rebuilt table given as the argument
TABLE = sys.argv[1] if len(sys.argv) > 1 else "resources/abinitio/coulomb/table2_kresolved_snapshot.csv"
kres = pd.read_csv(TABLE, index_col=0, comment="#")

print("# Sensitivity of Tc to the Coulomb kernel, and the matrix-element factor of Table 2 "
      "k-resolved\n")
print(f"Computed {date.today().isoformat()} with scimodel at commit {git_commit()} from the "
      "committed caches `resources/abinitio/<M>.nc` and the k-resolved table "
      f"(`{TABLE}`: `ratio_me_fe_bands`, "
      "`ratio_me_fe_paper`).  Produced by coulomb_sensitivity.py (this folder); the method is "
      "in its docstring.\n")
print("Tc(f) / Tc(1), energy-only TF-SK, alpha2F rescaled to the paper's lambda:\n")
print("| metal | window | mu TF-SK | mu TF-FE | " + " | ".join(f"f = {f:g}" for f in FACTORS)
      + " | paper TF-ME/TF-FE | ours | target Tc(f)/Tc(1) | needed f |")
print("| --- | --- | --- | --- |" + " --- |" * (len(FACTORS) + 4))
summary = {}
for metal in METALS:
    lam = paper_value(paper, "lambda", metal, "paper")
    inp = ScdftInput.from_dataset(qe.read_abinitio(f"resources/abinitio/{metal}.nc")) \
        .scaled_to_lambda(lam)
    k0 = coulomb_kernel(np.array([0.0]), scheme="tf-sk", dos_ef=inp.dos_ef, volume=inp.volume,
                        mu=inp.mu, kf=inp.kf)[0, 0]
    mu = inp.dos_ef * k0
    mu_fe = inp.dos_ef * coulomb_kernel(np.array([0.0]), scheme="tf-fe", dos_ef=inp.dos_ef,
                                        volume=inp.volume, mu=inp.mu, kf=inp.kf)[0, 0]
    want = float(kres.loc["ratio_me_fe_paper", metal])
    ours = float(kres.loc["ratio_me_fe_bands", metal])
    target = want / ours
    for label, window in (("near E_F", WINDOW_MEV), ("all", None)):
        tcs = np.array([tc_scaled(inp, f, window) for f in FACTORS])
        ratio = tcs / tcs[FACTORS.index(1.0)]
        f_need = needed(FACTORS, ratio, target)
        summary[(metal, label)] = f_need
        cells = [f"{t:.3g} K ({q:.3f})" if np.isfinite(t) else "no Tc" for t, q in zip(tcs, ratio)]
        print(f"| {metal} | {label} | {mu:.3f} | {mu_fe:.3f} | " + " | ".join(cells)
              + f" | {want:.3f} | {ours:.3f} | {target:.3f} | "
              + (f"{f_need:.3f}" if f_need is not None else "outside the scan") + " |")

print("\nThe matrix-element factor of each metal as a change of the Coulomb kernel "
      "(needed f - 1, near E_F / all):\n")
for metal in METALS:
    a, b = summary[(metal, "near E_F")], summary[(metal, "all")]
    fmt = lambda x: f"{100 * (x - 1):+.1f} %" if x is not None else "outside the scan"
    print(f"* {metal}: {fmt(a)} / {fmt(b)}")
