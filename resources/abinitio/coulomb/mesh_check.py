"""The error of taking the TF-ME matrix elements constant on the hypercubes of the regular
mesh (paper 004: random k and k' "mapped to the corresponding hypercube of the regular
mesh", 6^3 there): the k-resolved Tc of Table 2 with the matrix on 4^3
(config/campaigns/tfme_mesh4.yaml) against the default 6^3, on the same sampled states
(same bands, seeds and distributions; only the hypercube of each state changes).  Run from
the project root:

    .venv/bin/python resources/abinitio/coulomb/mesh_check.py <M> <tfme_<M>.nc from 4^3> [...]

(metal and file in pairs); the 6^3 result is results/paper004/kresolved/tfme_<M>.nc of the
default DAG.  With an error of order h^2 (the mesh point is the centre of its cube: the
midpoint rule), Tc(6^3) - Tc(inf) ~ (Tc(4^3) - Tc(6^3)) (1/36) / (1/16 - 1/36) = 0.8 x the
4^3 -> 6^3 change.  Prints Markdown rows (mesh_check.md)."""
import sys

import numpy as np
import xarray as xr

args = sys.argv[1:]
print("| metal | variant | quantity | 4^3 | 6^3 (default) | change 4^3 -> 6^3 | h^2 estimate of the 6^3 error |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for metal, path4 in zip(args[::2], args[1::2]):
    d4 = xr.open_dataset(path4)
    d6 = xr.open_dataset(f"results/paper004/kresolved/tfme_{metal}.nc")
    meshes = (int(d4.attrs["mesh_hypercube"]), int(d6.attrs["mesh_hypercube"]))
    if meshes != (4, 6):
        sys.exit(f"{metal}: expected the 4^3 and the 6^3 result, got meshes {meshes}")
    for v in d6["variant"].values:
        rows = {
            "Tc TF-ME paired (K)": (d4.sel(variant=v)["tc_tf_me_paired"].item(),
                                    d6.sel(variant=v)["tc_tf_me_paired"].item()),
            "k-resolved TF-ME / TF-SK": (d4.sel(variant=v)["ratio_me_sk_mean"].item(),
                                         d6.sel(variant=v)["ratio_me_sk_mean"].item()),
            "Delta0 TF-ME paired (meV)": (d4.sel(variant=v)["delta0_tf_me_paired"].item(),
                                          d6.sel(variant=v)["delta0_tf_me_paired"].item()),
            "C_S/C_N TF-ME (mean of seeds)": (
                d4.sel(variant=v)["cs_cn_kresolved"].isel(scheme=0).mean().item(),
                d6.sel(variant=v)["cs_cn_kresolved"].isel(scheme=0).mean().item()),
        }
        for q, (a, b) in rows.items():
            if not (np.isfinite(a) and np.isfinite(b)):
                print(f"| {metal} | {v} | {q} | {a} | {b} | not computed | - |")
                continue
            print(f"| {metal} | {v} | {q} | {a:.4f} | {b:.4f} | {100 * (b / a - 1):+.2f} % | "
                  f"{100 * 0.8 * (a / b - 1):+.2f} % |")
