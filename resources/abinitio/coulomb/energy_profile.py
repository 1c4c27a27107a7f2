"""Energy profile of the cached TF-ME matrix elements against TF-SK: for the states of the
6^3 mesh within 0.5 eV of E_F (rows), the mean of K^TF-ME over the states of the mesh in
energy bins (columns), next to the mean of the TF-SK kernel of Eq. 29 between E_F and the
same states.  Run from the project root after the caches are in place:
    .venv/bin/python resources/abinitio/coulomb/energy_profile.py > resources/abinitio/coulomb/energy_profile.md
"""
import sys

import numpy as np
import xarray as xr

from scimodel import qe
from scimodel.scdft import ScdftInput
from scimodel.scdft.coulomb import coulomb_kernel
from scimodel.scdft.coulomb_me import full_matrix

METALS = sys.argv[1:] or ["Al", "Mo", "Ta", "Pb", "Nb", "Cu"]
EDGES = np.array([-12, -6, -3, -1.5, 1.5, 3, 6, 12, 24, 48]) * 1000.0     # meV from E_F

print("# TF-ME against TF-SK by energy (paper 004, Eqs. 18 and 29)\n")
print(__doc__.split("Run from")[0].strip().replace("\n", " ") + "  Energies: the matrix-element "
      "run's own, from its E_F; kernels in meV atom.  Produced by energy_profile.py (this folder) "
      "from the committed caches `<M>.nc` and `../<M>.nc` (N(0), volume, k_F of TF-SK).\n")
print("| metal | g_cut (Ry) | " + " | ".join(f"[{a / 1000:g}, {b / 1000:g}) eV" for a, b in zip(EDGES[:-1], EDGES[1:]))
      + " |")
print("| --- | --- |" + " --- |" * (EDGES.size - 1))
for metal in METALS:
    with xr.open_dataset(f"resources/abinitio/coulomb/{metal}.nc") as ds:
        ds.load()
    inp = ScdftInput.from_dataset(qe.read_abinitio(f"resources/abinitio/{metal}.nc"))
    m = full_matrix(ds)                                  # (band, k, band, k)
    e = ds["energy"].values.T                            # (band, k), meV from E_F
    rows = m[np.abs(e) < 500.0].reshape(-1, e.size).mean(axis=0)
    ep = e.ravel()
    cells = []
    for lo, hi in zip(EDGES[:-1], EDGES[1:]):
        s = (ep >= lo) & (ep < hi)
        if not s.any():
            cells.append("no states")
            continue
        sk = coulomb_kernel(np.concatenate([[0.0], ep[s]]), scheme="tf-sk", dos_ef=inp.dos_ef,
                            volume=inp.volume, kf=inp.kf)[0, 1:].mean()
        cells.append(f"{rows[s].mean():.0f} / {sk:.0f} ({rows[s].mean() / sk:.2f}, n={s.sum()})")
    cut = ds.attrs.get("g_cut_Ry", float("inf"))
    print(f"| {metal} | {'all' if not np.isfinite(cut) else f'{cut:g}'} | " + " | ".join(cells) + " |")
print("\nCells: mean K^TF-ME / mean K^TF-SK (ratio, number of mesh states in the bin).")
