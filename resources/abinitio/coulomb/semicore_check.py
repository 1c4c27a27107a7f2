"""What the semicore bands change in TF-ME (paper 004, Eq. 18): the matrix from a
norm-conserving pseudopotential with the semicore shells in valence
(config/campaigns/tfme_semicore.yaml, rule abinitio_coulomb) against the committed
valence-only cache, the Kohn-Sham bands of both runs against the band grid, and the
k-resolved Tc of Table 2 from k-resolved runs on it.  Run from the project root:

    .venv/bin/python resources/abinitio/coulomb/semicore_check.py <M> <semicore M.nc> \
        "<label>=<tfme_<M>.nc>" [...]

The k-resolved result from the committed cache, results/paper004/kresolved/tfme_<M>.nc of the
default DAG, is listed first if it exists.  Prints Markdown rows (semicore_check.md)."""
import os
import sys

import numpy as np
import xarray as xr

from scimodel.scdft import abinitio_bands
from scimodel.scdft.coulomb_me import full_matrix, ratio_by_energy, ratio_cells

metal, sc_nc = sys.argv[1:3]
runs = {}
if os.path.exists(f"results/paper004/kresolved/tfme_{metal}.nc"):
    runs["valence-only matrix (committed cache, default DAG)"] = f"results/paper004/kresolved/tfme_{metal}.nc"
runs.update(dict(a.split("=", 1) for a in sys.argv[3:]))
ref = xr.open_dataset(f"resources/abinitio/coulomb/{metal}.nc")
new = xr.open_dataset(sc_nc)
ma, mb = full_matrix(ref), full_matrix(new)            # (band, k, band2, k2)
# the common bands, by band-grid index
common = np.intersect1d(ref["band"].values, new["band"].values)
ia = np.searchsorted(ref["band"].values, common)
ib = np.searchsorted(new["band"].values, common)
ea, eb = ref["energy"].values.T[ia], new["energy"].values.T[ib]          # (band, k), meV from E_F
near = np.abs(ea) < 1500.0
a = ma[np.ix_(ia, np.arange(ma.shape[1]), ia, np.arange(ma.shape[3]))]
b = mb[np.ix_(ib, np.arange(mb.shape[1]), ib, np.arange(mb.shape[3]))]
edges = [-12e3, -6e3, -3e3, -1.5e3, 1.5e3, 3e3, 6e3, 12e3, 24e3, 48e3]
cells = ratio_cells(ratio_by_energy(a, b, near, ea, edges))
print("| common bands: semicore / valence-only matrix | " + " | ".join(cells) + " |")

# rows near E_F against the bands only the semicore run has
extra = np.setdiff1d(new["band"].values, common)
e_new = new["energy"].values.T                                            # (band, k)
near_b = np.abs(e_new) < 1500.0
# their energies against the star-function fit of the (ultrasoft) band grid at the mesh points
grid = xr.open_dataset(f"resources/abinitio/bands/{metal}.nc")
fit = abinitio_bands.fit_bands(grid)
e_fit = fit.energies_frac(new["k_frac"].values, method="direct").T        # (band, k), meV from E_F
shift = float(np.median((e_new - e_fit[new["band"].values])[near_b]))     # the runs' E_F references
print(f"semicore run - band grid, states within 1.5 eV of E_F: median {shift:+.1f} meV (the two "
      "runs' E_F references); after it:")
for band in new["band"].values:
    j = int(np.searchsorted(new["band"].values, band))
    d = e_new[j] - e_fit[band] - shift
    if band in extra or np.abs(e_new[j]).min() < 1500.0:
        print(f"  band {band} ({e_new[j].mean() / 1e3:+.1f} eV mean): {d.mean():+.1f} meV "
              f"(spread {np.ptp(d):.1f} meV)")
for name, path in runs.items():
    d = xr.open_dataset(path)
    print(f"{name}: matrix-run bands against the fitted bands within 1 eV of E_F (kresolved_tfme): "
          f"mean {d['band_deviation_mean'].item():.1f} meV, largest {d['band_deviation_max'].item():.1f} meV")
for band in extra:
    j = int(np.searchsorted(new["band"].values, band))
    k_fe = mb[near_b][:, j, :]                    # (states near E_F, k2) against band j
    print(f"band {band} ({e_new[j].mean() / 1e3:.1f} eV): mean K against states within 1.5 eV "
          f"of E_F {k_fe.mean():.2f} meV (states near E_F among themselves: "
          f"{mb[near_b][:, near_b].mean():.2f} meV; against the states of [24, 48) eV: "
          f"{mb[near_b][:, (e_new >= 24e3) & (e_new < 48e3)].mean():.2f} meV)")

print()
print("| run | variant | Tc TF-ME paired (K) | k-resolved TF-ME / TF-SK (mean of seeds) | "
      "energy-only TF-FE / TF-SK (K) | Delta0 TF-ME paired (meV) | C_S/C_N TF-ME (mean of seeds) |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for name, path in runs.items():
    d = xr.open_dataset(path)
    for v in d["variant"].values:
        r = d.sel(variant=v)
        me, sk = r["tc_kresolved_mean"].values
        fe_e, sk_e = r["tc_energy_only"].values
        cs = r["cs_cn_kresolved"].isel(scheme=0).mean().item()
        print(f"| {name} (semicore_bands {d.attrs.get('semicore_bands')}) | {v} | "
              f"{r['tc_tf_me_paired'].item():.3f} | {me:.3f} / {sk:.3f} | {fe_e:.3f} / {sk_e:.3f} | "
              f"{r['delta0_tf_me_paired'].item():.3f} | {cs:.2f} |")
