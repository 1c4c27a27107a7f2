"""Figure: phonon dispersion of the six metals (DFPT, q2r.x/matdyn.x) against the BvK fits
to inelastic neutron scattering, with the directly computed ph.x points."""
import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

from scimodel import phonons
from scimodel.plotting import savefig
from scimodel.workflow import run_figure_script

LABEL = {"Gamma": r"$\Gamma$"}


def main(sm):
    models = phonons.load_bvk(sm.input.bvk)
    table = xr.open_dataset(sm.input.table)
    metals = list(sm.params.metals)
    ncol = 3
    nrow = int(np.ceil(len(metals) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(7.2, 2.5 * nrow), squeeze=False)
    for ax, metal, path in zip(axes.flat, metals, sm.input.nc):
        ds = xr.open_dataset(path)
        lattice = ds.attrs["lattice"]
        x = ds["path"].values
        ax.plot(x, ds["frequency"].values, color="C0", lw=1.0)
        ticks = list(ds.attrs["tick_positions"])
        labels = [LABEL.get(t, t) for t in ds.attrs["tick_labels"].split(",")]
        model = models.get(metal)
        if model is not None and model.usable:
            f = phonons.bvk_frequencies(model, float(ds.attrs["mass_amu"]), ds["q"].values)
            # a degenerate branch is drawn once: two dashed copies out of phase look solid
            for j in range(1, f.shape[1]):
                f[np.abs(f[:, j] - f[:, j - 1]) < 1e-4 * np.abs(f).max(), j] = np.nan
            ax.plot(x, f, color="k", lw=0.8, ls="--")
            note = f"neutron fit, {model.temperature_k:g} K"
        else:
            note = "no usable neutron fit"
        # ph.x frequencies of the cached campaigns at the special points (no interpolation)
        sel = (table["metal"] == metal) & (table["variant"] == "cache")
        for point in phonons.SPECIAL_POINTS[lattice]:
            rows = sel & (table["point"] == point)
            for xt, lab in zip(ticks, ds.attrs["tick_labels"].split(",")):
                if lab == point:
                    ax.plot(np.full(int(rows.sum()), xt), table["dfpt"].values[rows.values], "o", ms=3,
                            mfc="none", color="C3")
        for t in ticks:
            ax.axvline(t, color="0.7", lw=0.4)
        ax.set_xticks(ticks, labels)
        ax.set_xlim(x[0], x[-1])
        ax.set_ylim(0, None)
        ax.set_title(f"{metal} ({note})", fontsize=8)
        ax.set_ylabel("frequency (THz)")
        ax.set_xlabel("wave vector along the path", fontsize=7)
    for ax in list(axes.flat)[len(metals):]:
        ax.set_visible(False)
    handles = [plt.Line2D([], [], color="C0", lw=1.0, label=r"DFPT (LDA, $a_\mathrm{exp}$; q2r/matdyn)"),
               plt.Line2D([], [], color="k", lw=0.8, ls="--", label="BvK fit to neutron data"),
               plt.Line2D([], [], color="C3", marker="o", mfc="none", ls="none", ms=3, label="ph.x at the point")]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    savefig(fig, sm.output.png)


run_figure_script(main, snakemake)  # noqa: F821
