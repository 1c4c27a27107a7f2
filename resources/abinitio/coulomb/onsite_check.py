"""What the on-site (PAW-like) reconstruction of the pair densities changes in TF-ME
(paper 004, Eq. 18): the matrix with reconstruction (config/campaigns/tfme_onsite.yaml,
rule abinitio_coulomb) against the committed cache (pseudo pair densities), by energy,
and the k-resolved Tc of Table 2 from each.  Run from the project root:

    .venv/bin/python resources/abinitio/coulomb/onsite_check.py Nb <reconstructed Nb.nc> \
        <k-resolved tfme_Nb.nc from it> [<pw.x save folder of the run>]

The k-resolved result from the committed cache is results/paper004/kresolved/tfme_<M>.nc
(default DAG); the one from the reconstructed matrix is the rule kresolved_tfme run on a
copy of the project whose resources/abinitio/coulomb/<M>.nc is the reconstructed file.
With the save folder, the convergence of the on-site sum with its cutoff q_max, and the
cross term on the G of the pseudo sum against every G of the grid of the whole products,
are measured on six random pairs of mesh points.  Prints Markdown rows (onsite_check.md)."""
import sys

import numpy as np
import xarray as xr

from scimodel import units
from scimodel.scdft import bzgrid, onsite
from scimodel.scdft.coulomb_me import OnsiteTerms, full_matrix, mesh_fractions, ratio_by_energy, ratio_cells

metal, rec_nc, kres_nc = sys.argv[1:4]
save = sys.argv[4] if len(sys.argv) > 4 else None
ref = xr.open_dataset(f"resources/abinitio/coulomb/{metal}.nc")
new = xr.open_dataset(rec_nc)
if not np.array_equal(ref["energy"].values, new["energy"].values):
    print(f"warning: the energies of the two runs differ by up to "
          f"{np.abs(ref['energy'].values - new['energy'].values).max():.3g} meV")
ma, mb = full_matrix(ref), full_matrix(new)
e = ref["energy"].values.T                                    # (band, k)
near = np.abs(e) < 1500.0
edges = [-12e3, -6e3, -3e3, -1.5e3, 1.5e3, 3e3, 6e3, 12e3, 24e3, 48e3]
cells = ratio_cells(ratio_by_energy(ma, mb, near, e, edges))
print(f"| {metal} | {new.attrs['onsite_reconstruction']} | " + " | ".join(cells) + " |")
print(f"matrix wall time {new.attrs['matrix_wall_time_s']} s (cache: {ref.attrs['matrix_wall_time_s']} s); "
      f"orbit spread {new.attrs['orbit_spread']:.2g}, asymmetry {new.attrs['asymmetry_before_symmetrisation']:.2g}")

k0 = xr.open_dataset(f"results/paper004/kresolved/tfme_{metal}.nc")
k1 = xr.open_dataset(kres_nc)
for name in ("tc_kresolved_mean", "tc_tf_me_paired", "ratio_me_sk_mean", "delta0_tf_me_paired"):
    print(name, k0[name].dims, np.round(k0[name].values, 4).tolist(), "->", np.round(k1[name].values, 4).tolist())
print("cs_cn_kresolved (mean over seeds)", np.round(k0["cs_cn_kresolved"].mean("seed").values, 4).tolist(), "->",
      np.round(k1["cs_cn_kresolved"].mean("seed").values, 4).tolist())

if save:
    from scimodel.qe.wavefunctions import read_save_folder
    cell = ref["cell"].values
    m = int(ref.attrs["mesh"])
    omega = abs(np.linalg.det(cell))
    rec = onsite.reconstruction_from_upf("resources/pseudo/generated/nc/" + ref.attrs["pseudopotential"], q_max=40.0)
    wfs = read_save_folder(save)
    nb = int(ref.attrs["nbnd"])
    en = ref["energy"].values
    kc = mesh_fractions(m) @ bzgrid.reciprocal_cell(cell)
    rng = np.random.default_rng(0)
    pairs = list(zip(rng.integers(0, m ** 3, 6).tolist(), rng.integers(0, m ** 3, 6).tolist()))
    proj = {k: rec.projections(wfs[k].k_cart, wfs[k].miller @ wfs[k].b, wfs[k].coeffs, omega)[:nb]
            for k in {x for p in pairs for x in p}}
    for q_max in (10, 15, 20, 25, 30, 40):
        terms = OnsiteTerms(rec, np.zeros((m ** 3, 1, rec.n_proj)), cell, m, ref.attrs["ktf2_per_bohr2"], q_max)
        num = den = 0.0
        for i, j in pairs:
            g = terms.onsite_term(OnsiteTerms.products(proj[i], proj[j]), kc[i] - kc[j]) * units.HA_TO_MEV
            sel = (np.abs(en[i])[:, None] < 1500.0) & (np.abs(en[j])[None, :] < 1500.0)
            num += g[sel].sum()
            den += ma[:, i, :, j][sel].sum()
        print(f"q_max {q_max}: on-site |Delta B|^2 term / pseudo K (pairs within 1.5 eV) {num / den:.5f}")

    # the cross term rho~^* Delta B is summed on the G of the pseudo sum (|k - k' + G|^2 <=
    # g_cut_Ry); against every G of the grid of the whole products (to q_max = 20)
    import scipy.fft
    from scimodel.qe.wavefunctions import fft_shape, periodic_parts
    from scimodel.scdft.coulomb_me import fft_gvectors
    shape = fft_shape([w.miller for w in wfs])
    g = fft_gvectors(shape, cell)
    tot = {"g_cut": 0.0, "whole grid": 0.0, "pseudo |rho|^2 beyond g_cut": 0.0}
    den = 0.0
    for i, j in pairs:
        u0, u1 = (periodic_parts(wfs[k], shape, bands=range(nb)) for k in (i, j))
        x = OnsiteTerms.products(proj[i], proj[j])
        q = (kc[i] - kc[j] - g).reshape(-1, 3)
        q2 = (q * q).sum(axis=1)
        w = 4.0 * np.pi / omega / (q2 + ref.attrs["ktf2_per_bohr2"])
        cut = q2 <= ref.attrs["g_cut_Ry"]
        rho = np.stack([scipy.fft.fftn(np.conj(u0[n])[None] * u1, axes=(1, 2, 3)).reshape(nb, -1)
                        for n in range(nb)]) / np.prod(shape)
        sel_near = (np.abs(en[i])[:, None] < 1500.0) & (np.abs(en[j])[None, :] < 1500.0)
        for key, sel in (("g_cut", cut), ("whole grid", np.sqrt(q2) <= 20.0)):
            tot[key] += (terms.cross_term(x, q[sel], w[sel], rho[..., sel]) * units.HA_TO_MEV)[sel_near].sum()
        tot["pseudo |rho|^2 beyond g_cut"] += ((np.abs(rho) ** 2 @ (w * ~cut)) * units.HA_TO_MEV)[sel_near].sum()
        den += ma[:, i, :, j][sel_near].sum()
    print(f"grid of the whole products {shape}: " + ", ".join(f"{k} {v / den:.5f}" for k, v in tot.items())
          + " (over the cached K, pairs within 1.5 eV)")
