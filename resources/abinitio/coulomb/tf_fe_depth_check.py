"""TF-FE's mu (depth of E_F below the band bottom) and the split of each TF-ME miss.

Table 2 k-resolved splits each TF-ME miss into an inputs factor (energy-only TF-FE on the
fitted bands against the paper's TF-FE) and a matrix-element factor (our TF-ME / TF-FE against
the paper's).  TF-FE (paper 004, Eqs. 20 and 26) depends on the lowest band of its DOS through
mu, the lower limit of the xi' integral and the free-electron k = sqrt(2 (xi + mu)).  Which
bands the paper's DOS held is not stated beyond "all bands within 15-30 eV from the Fermi
surface" (Sec. IV, for the matrix elements).  This record computes the energy-only TF-FE Tc on
the DOS of the fitted bands with the valence bands only (the workflow's default,
`semicore_bands`) and with the semicore p (Nb, Mo, Ta) or d (Pb) shell kept, and the split of
the TF-ME miss under each reading.  The TF-ME Tc is the table's (valence-band solution).

Run from the project root (reads the committed snapshot of the k-resolved table,
`table2_kresolved_snapshot.csv`; a table rebuilt by `snakemake paper004_table2_kresolved`
is used when its path is given as the argument):
    .venv/bin/python resources/abinitio/coulomb/tf_fe_depth_check.py > resources/abinitio/coulomb/tf_fe_depth_check.md
"""
import sys
from datetime import date

import pandas as pd
import yaml

from scimodel import paper004
from scimodel.paper004 import paper_value, read_paper_values
from scimodel.provenance import git_commit
from scimodel.scdft import Settings
from scimodel.scdft.solver import GapEquation

cfg = yaml.safe_load(open("config/config.yaml"))
elements = cfg["abinitio"]["elements"]
# the shell kept in the second reading (config paper004.kresolved_tfme.semicore_shell)
SHELLS = cfg["paper004"]["kresolved_tfme"]["semicore_shell"]
paper = read_paper_values("resources/paper004/paper004_values.csv")
# the k-resolved table: the committed snapshot, or a rebuilt table given as the argument
TABLE = sys.argv[1] if len(sys.argv) > 1 else "resources/abinitio/coulomb/table2_kresolved_snapshot.csv"
kres = pd.read_csv(TABLE, index_col=0, comment="#")


def tc_fe(metal, semicore):
    x = paper004.fitted_band_input(metal, semicore, paper_value(paper, "lambda", metal, "paper"))
    res = GapEquation(x, Settings.from_config(cfg["scdft"]).refined(coulomb="tf-fe",
                                                                    cutoff=float(x.xi[-1]))).tc()
    if not res.found:
        raise RuntimeError(f"{metal}: no energy-only TF-FE Tc with {semicore} bands left out")
    return res.tc, x.mu


print("# TF-FE's band bottom and the split of the TF-ME miss (paper 004, Table 2)\n")
print(f"Computed {date.today().isoformat()} with scimodel at commit {git_commit()} by "
      "tf_fe_depth_check.py (this folder; the method is in its docstring) from the committed band "
      "grids and Eliashberg inputs, alpha2F rescaled to the paper's lambda, the config's solver settings "
      "(`scdft`) and the DOS settings of `scimodel.scdft.tfme.kresolved_tc`; TF-ME Tc from "
      f"`{TABLE}` (`tc_tf_me_rescaled`).\n")
print("| metal | DOS bands | mu (eV) | TF-FE (K) | paper TF-FE | inputs factor | TF-ME (K) | "
      "TF-ME / TF-FE | paper | matrix-element factor | TF-ME below TF-FE |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for metal, shell in SHELLS.items():
    valence = int(elements[metal]["semicore_bands"])
    me = float(kres.loc["tc_tf_me_rescaled", metal])
    p_fe = paper_value(paper, "tc", metal, "TF-FE")
    p_me = paper_value(paper, "tc", metal, "TF-ME")
    for label, semicore in (("valence", valence), (f"with {shell['name']}", valence - shell["bands"])):
        fe, mu = tc_fe(metal, semicore)
        ratio, p_ratio = me / fe, p_me / p_fe
        print(f"| {metal} | {label} | {mu / 1000:.1f} | {fe:.3f} | {p_fe:g} | "
              f"{100 * (fe / p_fe - 1):+.0f} % | {me:.3f} | {ratio:.3f} | {p_ratio:.3f} | "
              f"{100 * (ratio / p_ratio - 1):+.0f} % | {'yes' if ratio < 1 else 'no'} "
              f"(paper: {'yes' if p_ratio < 1 else 'no'}) |")
