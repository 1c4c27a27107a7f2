"""C_S/C_N at Tc (paper 004, Table 3) against the coupling strength, energy-only, Nb and Pb.

The k-resolved TF-ME C_S/C_N of Nb with alpha2F rescaled to the paper's lambda (1.18) lies
below the paper's 2.87, and so does its Tc (about 27 %).  The jump of a strong-coupling
superconductor grows with Tc / omega_log, so a low Tc drags the jump down.  This record scales
the cached alpha2F to several lambda and prints the energy-only TF-FE and TF-SK Tc and C_S/C_N
(default solver settings of config/config.yaml), so that the jump can be read at the paper's Tc.

Run from the project root:
    .venv/bin/python resources/abinitio/jump_vs_tc_check.py > resources/abinitio/jump_vs_tc_check.md
"""
from datetime import date

import yaml

from scimodel import paper004
from scimodel.paper004 import paper_value, read_paper_values
from scimodel.provenance import git_commit
from scimodel.scdft import Settings
from scimodel.scdft.observables import heat_capacity_jump
from scimodel.scdft.solver import GapEquation

LAMBDAS = {"Nb": [1.0, 1.18, 1.3, 1.4, 1.538], "Pb": [1.342, 1.62, 1.8]}

cfg = yaml.safe_load(open("config/config.yaml"))
settings = Settings.from_config(cfg["scdft"])
paper = read_paper_values("resources/paper004/paper004_values.csv")

print("# C_S/C_N at Tc against lambda (energy-only, paper 004 Table 3)\n")
print(f"Computed {date.today().isoformat()} with scimodel at commit {git_commit()} by "
      "jump_vs_tc_check.py (this folder; method in its docstring) from the committed "
      "`resources/abinitio/<M>.nc`, alpha2F scaled to each lambda (the last Nb row and the first "
      "Pb row: the cache's own).\n")
print("| metal | lambda | TF-FE Tc (K) | TF-FE C_S/C_N | TF-SK Tc (K) | TF-SK C_S/C_N | "
      "paper TF-ME Tc (K) | paper C_S/C_N |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for metal, lams in LAMBDAS.items():
    inp = paper004.load_input(f"resources/abinitio/{metal}.nc", metal)
    cells = []
    for lam in lams:
        x = inp.scaled_to_lambda(lam)
        row = []
        for scheme in ("tf-fe", "tf-sk"):
            ge = GapEquation(x, settings.refined(coulomb=scheme))
            res = ge.tc()
            if not res.found:
                raise RuntimeError(f"{metal}, lambda {lam}: no {scheme} Tc")
            row += [f"{res.tc:.2f}", f"{heat_capacity_jump(ge, tc_k=res.tc).ratio:.3f}"]
        print(f"| {metal} | {lam:g} | " + " | ".join(row)
              + f" | {paper_value(paper, 'tc', metal, 'TF-ME'):g}"
              + f" | {paper_value(paper, 'cs_cn', metal, 'TF-ME'):g} |")
