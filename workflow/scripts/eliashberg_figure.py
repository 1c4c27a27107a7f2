"""Figure: model spectra and Tc/omega_log versus lambda (McMillan, Allen-Dynes, Eliashberg)."""
import matplotlib.pyplot as plt

from scimodel.io import read_dataset
from scimodel.plotting import savefig
from scimodel.units import KB_MEV_PER_K
from scimodel.workflow import run_script


def main(sm):
    scan = read_dataset(sm.input.scan, required=["tc_eliashberg", "tc_allen_dynes",
                                                 "tc_mcmillan", "omega_log"])
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(9, 3.6))
    for name, path in zip(sm.params.names, sm.input.spectra):
        ds = read_dataset(path, required=["a2f"])
        ax0.plot(ds["omega"], ds["a2f"], label=name)
    ax0.set(xlabel="phonon energy $\\omega$ (meV)", ylabel=r"$\alpha^2F(\omega)$",
            title="(a) model spectra (as configured)")
    ax0.legend()
    styles = {"tc_eliashberg": "-", "tc_allen_dynes": "--", "tc_mcmillan": ":"}
    labels = {"tc_eliashberg": "Eliashberg", "tc_allen_dynes": "Allen-Dynes",
              "tc_mcmillan": "McMillan"}
    for i, name in enumerate(scan["spectrum"].values):
        color = f"C{i}"
        for var, ls in styles.items():
            y = scan[var].isel(spectrum=i) * KB_MEV_PER_K / scan["omega_log"].isel(spectrum=i)
            ax1.plot(scan["lambda_"], y, ls, color=color, label=f"{name}: {labels[var]}",
                     marker="o" if ls == "-" else None, ms=3)
    ax1.set(xlabel=r"$\lambda$", ylabel=r"$k_B T_c / \omega_{\log}$",
            title=f"(b) $T_c/\\omega_{{\\log}}$ vs $\\lambda$, $\\mu^*$ = {sm.params.mu_star}")
    ax1.legend(fontsize=6, ncol=1)
    savefig(fig, sm.output.png)


run_script(main, snakemake)  # noqa: F821
