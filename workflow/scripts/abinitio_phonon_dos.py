"""Phonon DOS of the cached files against densities of states derived from inelastic neutron
scattering (metals without a usable Born-von Karman fit): peak energies, table and figure."""
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr

from scimodel import phonons
from scimodel.io import da, write_dataset
from scimodel.plotting import savefig
from scimodel.tables import write_table
from scimodel.workflow import run_figure_script


def main(sm):
    metals = list(sm.params.metals)
    rows, curves, refs = [], {}, {}
    for metal, nc, ref_path in zip(metals, sm.input.nc, sm.input.reference):
        e_ref, d_ref, refs[metal] = phonons.load_reference_dos(ref_path)
        with xr.open_dataset(nc) as ds:
            w, f = ds["omega"].values, ds["phonon_dos"].values
            step = float(np.median(np.diff(w)))
        ours, theirs = phonons.dos_features(w, f), phonons.dos_features(e_ref, d_ref)
        for feat, meaning in phonons.DOS_FEATURES.items():
            dev = ours[feat] / theirs[feat] - 1.0
            rows.append({"metal": metal, "feature": feat, "dfpt_meV": ours[feat], "reference_meV": theirs[feat],
                         "deviation": dev, "within_tolerance": bool(abs(dev) <= sm.params.tolerance),
                         "grid_step_meV": step, "meaning": meaning, "reference": refs[metal]})
        curves[metal] = (w, f / f.max(), e_ref, d_ref / d_ref.max(), ours, theirs)
    df = pd.DataFrame(rows)
    ds = xr.Dataset(
        {"dfpt": da(df.dfpt_meV.values, ["row"], "meV", "energy of the feature in the cached phonon DOS"),
         "reference": da(df.reference_meV.values, ["row"], "meV",
                         "energy of the feature in the DOS derived from neutron scattering"),
         "deviation": da(df.deviation.values, ["row"], "1", "dfpt / reference - 1"),
         "grid_step": da(df.grid_step_meV.values, ["row"], "meV", "energy step of the cached phonon DOS")},
        coords={"row": da(np.arange(len(df)), ["row"], "1", "row index"),
                "metal": da(df.metal.values.astype(str), ["row"], "1", "metal"),
                "feature": da(df.feature.values.astype(str), ["row"], "1", "DOS feature (scimodel.phonons.DOS_FEATURES)")})
    write_dataset(ds, sm.output.nc, source="scimodel.phonons.dos_features (workflow/scripts/abinitio_phonon_dos.py) "
                  "on phonon_dos of the cached resources/abinitio/<M>.nc and on resources/phonons/*.csv",
                  references="; ".join(f"{m}: {r}" for m, r in refs.items()),
                  config={"metals": metals, "tolerance": sm.params.tolerance,
                          "reference_dos": dict(zip(metals, map(str, sm.input.reference)))})
    shown = pd.DataFrame({"metal": df.metal, "feature": df.feature,
                          "DFPT (meV)": [f"{v:.2f}" for v in df.dfpt_meV],
                          "neutron DOS (meV)": [f"{v:.2f}" for v in df.reference_meV],
                          "deviation": [f"{100 * v:+.1f} %" for v in df.deviation],
                          f"within {100 * sm.params.tolerance:g} %": ["yes" if ok else "no" for ok in df.within_tolerance]})
    notes = ("Features (scimodel.phonons.dos_features): " + "; ".join(f"{k}: {v}" for k, v in phonons.DOS_FEATURES.items())
             + ".  DFPT: phonon_dos of the cached resources/abinitio/<M>.nc (matdyn.x on the cached q grid, LDA "
             f"at the experimental lattice constant; energy step {', '.join(f'{m} {s:.3f} meV' for m, s in df.groupby('metal').grid_step_meV.first().items())}, "
             "which bounds the resolution of a peak).  Reference: a phonon DOS derived from inelastic neutron "
             "scattering, for metals whose Born-von Karman fit is unusable (abinitio_phonons.md); its derivation "
             "and temperature are as the CSV header in resources/phonons/ states.\n\nReferences: "
             + "; ".join(f"{m}: {r}" for m, r in refs.items()))
    write_table(df.drop(columns=["meaning"]), csv=sm.output.csv)
    write_table(shown, md=sm.output.md, title="Phonon DOS against neutron scattering: peak energies", notes=notes)

    fig, axes = plt.subplots(1, len(metals), figsize=(3.6 * len(metals), 2.8), squeeze=False)
    for ax, metal in zip(axes.flat, metals):
        w, f, e_ref, d_ref, ours, theirs = curves[metal]
        ax.plot(w, f, color="C0", lw=1.2, label="DFPT (cache)")
        ax.plot(e_ref, d_ref, color="k", lw=1.0, ls="--", label="from neutron data")
        for feat in ("transverse", "longitudinal"):
            ax.axvline(ours[feat], color="C0", lw=0.6, alpha=0.6)
            ax.axvline(theirs[feat], color="k", lw=0.6, ls=":", alpha=0.8)
        ax.set_xlabel("phonon energy (meV)")
        ax.set_ylabel("phonon DOS (relative to its maximum)")
        ax.set_title(metal)
        ax.set_xlim(0, 1.05 * max(w.max(), e_ref.max()))
        ax.set_ylim(0, 1.15)
        ax.legend(loc="upper left", fontsize="small")
    savefig(fig, sm.output.png)


run_figure_script(main, snakemake)  # noqa: F821
