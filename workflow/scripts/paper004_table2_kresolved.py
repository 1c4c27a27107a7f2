"""Paper 004, Table 2, k-resolved columns (TF-ME, TF-SK) -> NetCDF, CSV, Markdown."""
import json

import pandas as pd
import xarray as xr

from scimodel import paper004
from scimodel.io import write_dataset
from scimodel.scdft import tfme
from scimodel.tables import write_table
from scimodel.workflow import run_script

NOTES = """TF-ME (paper 004, Eq. 18): Coulomb matrix elements between the project's own norm-conserving
Kohn-Sham states on a 6^3 mesh (resources/abinitio/coulomb/<M>.nc), constant on the hypercube of each
mesh point; k-resolved gap equation (Eq. 5) on Metropolis samples of the star-function fit of the band
grid, weights normalised by linear tetrahedra.  tc_tf_me = energy-only TF-SK Tc on the DOS of the same
fitted bands x the seed mean of the paired ratio k-resolved TF-ME / TF-SK on the same states (the
sampling error of the k-resolved Tc, about 5 % per seed, cancels in the ratio to ratio_me_sk_sd);
delta0_tf_me likewise from the energy-only TF-SK Delta0 at 0.01 K.  C_S/C_N from the entropy of the
sampled states (Eq. 31) just below the k-resolved Tc, seed mean.
'rescaled': alpha2F multiplied by lambda_paper / lambda_computed.  The xi' integral stops at the top of
the fitted bands, so these energy-only Tc differ from Table 2's TF-FE column (DOS to 60.5 eV).
Empty cells: no value to give: the paper has none (Cu; Table 3 has C_S/C_N for four metals), no
'rescaled' variant (no paper lambda), or no Tc above t_search_min (superconducting_tf_me = 0).
The matrix elements of the metals with an ultrasoft band grid come from norm-conserving
pseudopotentials (resources/pseudo/nc/: *-spn-* keep semicore shells in valence, *-n-* do not), mapped
by band index onto the band grid; the deviation of their band energies near E_F is
band_deviation_mean / _max.
Miss decomposition: (1 + dev_tf_me_rescaled_percent/100) = (1 + dev_tf_fe_bands_percent/100) x
(1 + dev_ratio_me_fe_percent/100): the inputs with the free-electron kernel, then the matrix elements.
Two readings of the free-electron inputs, which the paper does not state (which bands its DOS held,
which electrons its "average density" counted).  Valence (tc_tf_fe_bands_rescaled and the split above):
the DOS of the bands above semicore_bands, k_F from n_valence.  Semicore shell (rows *_shell*): the
semicore p (Nb, Mo, Ta) or d (Pb) shell kept in the DOS, so its bottom is mu of Eq. 26, and its
electrons added in k_F; the same split follows (dev_tf_fe_shell_percent, dev_ratio_me_fe_shell_percent).
TF-SK and TF-FE differ only in the origin of the free-electron energy (k_F^2/2 against mu), so the
paper's order of the two (ratio_sk_fe_paper, no matrix element) tests the reading: the shell reading
gives its order for Ta, Pb and Nb, the valence reading for none of Al, Ta, Pb, Nb
(resources/abinitio/coulomb/sk_fe_order_check.md, tf_fe_depth_check.md)."""


def shell_note(results) -> str:
    """The semicore shell of each metal's second reading (attribute semicore_shell of the runs)."""
    shells = {m: d.attrs.get("semicore_shell", "none") for m, d in results.items()}
    parts = [f"{m} {json.loads(v)['name']}" if v != "none" else f"{m} none" for m, v in shells.items()]
    return "Semicore shell of the *_shell* rows: " + "; ".join(parts) + "."


def pseudo_note(results) -> str:
    """Which pseudopotential each metal's matrix elements come from (attribute
    coulomb_pseudopotential of the runs)."""
    names = {m: d.attrs.get("coulomb_pseudopotential", "not recorded") for m, d in results.items()}
    return "Matrix-element pseudopotentials: " + "; ".join(f"{m} {p}" for m, p in names.items()) + "."


def g_sum_note(results) -> str:
    """Where the G sum of Eq. 18 stops for each metal (attribute coulomb_g_cut_Ry of the runs)."""
    cuts = {}
    for metal, d in results.items():
        c = float(d.attrs.get("coulomb_g_cut_Ry", float("nan")))
        key = "every component" if c == float("inf") else ("not recorded" if c != c else f"{c:g} Ry")
        cuts.setdefault(key, []).append(metal)
    parts = "; ".join(f"{', '.join(ms)}: {key}" for key, ms in cuts.items())
    return (f"G sum of Eq. 18: {parts} (resources/abinitio/coulomb/g_cut_check.md: for Mo, 40 Ry is "
            "0.23 % below the whole sum on average near E_F, 20 Ry 3.2 %).")


def main(sm):
    paper = paper004.read_paper_values(sm.input.paper)
    results = {}
    for metal, path in zip(sm.params.metals, sm.input.runs):
        with xr.open_dataset(path) as d:
            results[metal] = d.load()
    ds = tfme.table2_kresolved(results, paper)
    write_dataset(ds, sm.output.nc, source="scimodel.scdft.tfme.table2_kresolved from "
                  "results/paper004/kresolved/tfme_<M>.nc", references=paper004.REFERENCE + ", Table 2",
                  config={"metals": list(sm.params.metals)})
    # one row per quantity, one column per metal (the table is long, not wide)
    df = pd.DataFrame({"quantity": list(ds.data_vars),
                       "units": [ds[v].attrs["units"] for v in ds.data_vars],
                       **{m: [float(ds[v].sel(metal=m)) for v in ds.data_vars] for m in ds["metal"].values},
                       "meaning": [ds[v].attrs["long_name"] for v in ds.data_vars]})
    write_table(df, csv=sm.output.csv)
    shown = df.copy()
    for m in ds["metal"].values:     # Markdown: 4 significant digits, an empty cell for no value
        shown[m] = ["" if v != v else f"{v:.4g}" for v in df[m]]
    shown["meaning"] = [t.replace("|", "\\|") for t in df["meaning"]]     # a pipe would split the cell
    write_table(shown, md=sm.output.md, title="Paper 004, Tables 2-3: k-resolved TF-ME and TF-SK",
                notes=NOTES + "  " + pseudo_note(results) + "  " + g_sum_note(results) + "  "
                + shell_note(results))


run_script(main, snakemake)  # noqa: F821
