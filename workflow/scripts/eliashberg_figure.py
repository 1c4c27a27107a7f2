"""Figure: model spectra and Tc/omega_log versus lambda (McMillan, Allen-Dynes, Eliashberg)."""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from scimodel.io import read_dataset
from scimodel.plotting import savefig
from scimodel.units import KB_MEV_PER_K
from scimodel.workflow import run_figure_script

METHODS = {"tc_eliashberg": ("-", "Eliashberg (linearised)"), "tc_allen_dynes": ("--", "Allen-Dynes"),
           "tc_mcmillan": (":", "McMillan")}


#: names of the config's model spectra as prose (others: underscores to spaces)
PRETTY = {"einstein": "Einstein", "debye": "Debye", "two_peak_pb_like": "two-peak (Pb-like)"}


def pretty(name: str) -> str:
    return PRETTY.get(name, name.replace("_", " "))


def main(sm):
    scan = read_dataset(sm.input.scan, required=["tc_eliashberg", "tc_allen_dynes",
                                                 "tc_mcmillan", "omega_log"])
    fig, (ax0, ax1, ax2) = plt.subplots(1, 3, figsize=(7.0, 2.6))
    for i, (name, path) in enumerate(zip(sm.params.names, sm.input.spectra)):
        ds = read_dataset(path, required=["a2f"])
        ax0.plot(ds["omega"], ds["a2f"], color=f"C{i}", label=pretty(name))
    ax0.set(xlabel=r"$\omega$ (meV)", ylabel=r"$\alpha^2F(\omega)$", title="(a) model spectra")
    ax0.legend(fontsize=6)
    lam = scan["lambda_"].values
    for i in range(scan.sizes["spectrum"]):
        wlog = scan["omega_log"].isel(spectrum=i).values
        tel = scan["tc_eliashberg"].isel(spectrum=i).values
        for var, (ls, _) in METHODS.items():
            tc = scan[var].isel(spectrum=i).values
            ax1.plot(lam, tc * KB_MEV_PER_K / wlog, ls, color=f"C{i}")
            if var != "tc_eliashberg":
                ax2.plot(lam, tc / tel, ls, color=f"C{i}")
    ax1.set(xlabel=r"$\lambda$", ylabel=r"$k_B T_c / \omega_{\log}$", title=r"(b) $T_c$ vs $\lambda$")
    ax2.axhline(1.0, color="0.5", lw=0.6)
    ax2.set(xlabel=r"$\lambda$", ylabel=r"$T_c^{\rm formula} / T_c^{\rm Eliashberg}$",
            title="(c) formulas / Eliashberg")
    ax1.legend(handles=[Line2D([], [], color="k", ls=ls, label=lab) for ls, lab in METHODS.values()],
               fontsize=6, loc="upper left")
    ax1.text(0.97, 0.04, "McMillan: one curve for all spectra\n(depends on them only via $\\omega_{\\log}$)",
             transform=ax1.transAxes, ha="right", va="bottom", fontsize=5.5, color="0.3")
    ax2.legend(handles=[Line2D([], [], color="k", ls=METHODS[v][0], label=METHODS[v][1])
                        for v in ("tc_allen_dynes", "tc_mcmillan")], fontsize=6, loc="lower left")
    fig.suptitle(rf"$\mu^*$ = {sm.params.mu_star:g} (McMillan, Allen-Dynes; Eliashberg: $\mu^*$ at "
                 rf"$\omega_c$ = {sm.params.cutoff_factor:g} $\omega_{{\max}}$); colours: spectra of (a)",
                 fontsize=7)
    if not np.isfinite(scan["tc_eliashberg"].values).all():
        ax2.text(0.5, 0.05, "Eliashberg Tc missing at some lambda", transform=ax2.transAxes,
                 ha="center", fontsize=6, color="C3")
    savefig(fig, sm.output.png)


run_figure_script(main, snakemake)  # noqa: F821
