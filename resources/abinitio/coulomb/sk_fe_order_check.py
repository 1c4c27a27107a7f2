"""TF-SK against TF-FE on the same inputs: which band window and which k_F give the paper's order.

TF-SK (paper 004, Eq. 29) and TF-FE (Eq. 26) are the same free-electron kernel, evaluated at
k^2/2 = xi + k_F^2/2 (k_F of "a homogeneous electron gas with (constant) density equal to the
average density of the material") and at k^2/2 = xi + mu (mu the depth of E_F below the band
bottom of the DOS).  Both use alpha2F only through the same phononic kernels, and no matrix
element.  Their ratio therefore tests the paper's two unstated conventions, which bands its DOS
held and which electrons its "average density" counted, independently of the Coulomb matrix
elements and of alpha2F's shape.  Energy-only TF-SK and TF-FE Tc on the DOS of the fitted bands
(as `tf_fe_depth_check.py`), alpha2F rescaled to the paper's lambda, for the four combinations of

* DOS: valence bands only (the workflow's `semicore_bands`), or the semicore p (Nb, Mo, Ta) or
  d (Pb) shell kept;
* k_F: the config's `n_valence` electrons, or `n_valence` plus the shell's electrons.

The paper's own TF-SK / TF-FE ratio (Table 2) is the k-resolved TF-SK over the energy-only TF-FE;
our k-resolved TF-SK lies within 2.2 % of the energy-only one in the workflow's reading
(`table2_kresolved_snapshot.csv`: `tc_tf_sk_kresolved_rescaled`; a test checks it).

Run from the project root:
    .venv/bin/python resources/abinitio/coulomb/sk_fe_order_check.py > resources/abinitio/coulomb/sk_fe_order_check.md
"""
import dataclasses
import time
from datetime import date

import yaml

from scimodel import paper004, units
from scimodel.paper004 import paper_value, read_paper_values
from scimodel.provenance import git_commit
from scimodel.scdft import Settings
from scimodel.scdft.solver import GapEquation

cfg = yaml.safe_load(open("config/config.yaml"))
elements = cfg["abinitio"]["elements"]
# the shell kept in the second DOS reading (config paper004.kresolved_tfme.semicore_shell; Al has none)
SHELLS = {"Al": None, **cfg["paper004"]["kresolved_tfme"]["semicore_shell"]}
paper = read_paper_values("resources/paper004/paper004_values.csv")
settings = Settings.from_config(cfg["scdft"])


def dos_input(metal, semicore):
    """The fitted bands' DOS with ``semicore`` bands left out, alpha2F at the paper's lambda."""
    return paper004.fitted_band_input(metal, semicore, paper_value(paper, "lambda", metal, "paper"))


def tc(x, scheme):
    res = GapEquation(x, settings.refined(coulomb=scheme, cutoff=float(x.xi[-1]))).tc()
    if not res.found:
        raise RuntimeError(f"no energy-only {scheme} Tc")
    return res.tc


t0 = time.time()
rows = []
for metal, shell in SHELLS.items():
    n_val = float(elements[metal]["n_valence"])
    valence = int(elements[metal]["semicore_bands"])
    readings = [("valence", valence)]
    extras = [0]                        # electrons added to n_valence in k_F
    if shell is not None:
        readings.append((f"with {shell['name']}", valence - shell["bands"]))
        extras.append(shell["electrons"])
    for label, semicore in readings:
        x = dos_input(metal, semicore)
        fe = tc(x, "tf-fe")
        for extra in extras:
            kf = x.kf * ((n_val + extra) / n_val) ** (1.0 / 3.0)
            sk = tc(dataclasses.replace(x, kf=kf), "tf-sk")
            rows.append((metal, label, x.mu / units.EV_TO_MEV, f"{n_val + extra:g}",
                         0.5 * kf**2 * units.HA_TO_EV, fe, sk))

print("# TF-SK against TF-FE on the same inputs (paper 004, Table 2)\n")
print(f"Computed {date.today().isoformat()} with scimodel at commit {git_commit()} by "
      "sk_fe_order_check.py (this folder; the method is in its docstring) from the committed band "
      "grids and Eliashberg inputs, alpha2F rescaled to the paper's lambda, the config's solver "
      "settings (`scdft`) and the DOS settings of `scimodel.scdft.tfme.kresolved_tc`.  "
      f"Cost: {(time.time() - t0) / 60:.1f} min.\n")
print("| metal | DOS bands | mu (eV) | k_F electrons | k_F^2/2 (eV) | TF-FE (K) | TF-SK (K) | "
      "TF-SK / TF-FE | paper TF-SK / TF-FE | same order as the paper |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for metal, label, mu, nel, ekf, fe, sk in rows:
    p = paper_value(paper, "tc", metal, "TF-SK") / paper_value(paper, "tc", metal, "TF-FE")
    known = p == p
    print(f"| {metal} | {label} | {mu:.1f} | {nel} | {ekf:.1f} | {fe:.3f} | {sk:.3f} | "
          f"{sk / fe:.3f} | {f'{p:.3f}' if known else 'not given'} | "
          f"{('yes' if (sk < fe) == (p < 1) else 'no') if known else '-'} |")
