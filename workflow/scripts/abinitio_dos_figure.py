"""Figure: electronic DOS per spin per atom of every metal (QE), and the phonon DOS."""
import matplotlib.pyplot as plt

from scimodel import qe, units
from scimodel.plotting import savefig
from scimodel.workflow import run_figure_script


def main(sm):
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(7.0, 2.8))
    top = 0.0
    for i, (m, path) in enumerate(zip(sm.params.metals, sm.input.nc)):
        ds = qe.read_abinitio(path)
        top = max(top, float(ds["xi"].max()) * units.MEV_TO_EV)
        ax0.plot(ds["xi"] * units.MEV_TO_EV, ds["dos"] * units.EV_TO_MEV, color=f"C{i}", lw=0.8,
                 label=f"{m}: N(0) = {float(ds['dos_ef']) * units.EV_TO_MEV:.2f} /eV")
        ax1.plot(ds["omega"], ds["phonon_dos"], color=f"C{i}", label=m)
    ax0.axvline(0, color="k", lw=0.5)
    ax0.set(xlabel=r"$\xi = E - E_F$ (eV)", ylabel="DOS (states / eV / spin / atom)",
            title=f"(a) electronic DOS (band bottom to $E_F$ + {top:.1f} eV)")
    ax0.legend(fontsize=7)
    ax1.set(xlabel=r"$\omega$ (meV)", ylabel=r"$F(\omega)$ (1/meV)", title="(b) phonon DOS",
            xlim=(0, None))
    ax1.legend(fontsize=7)
    savefig(fig, sm.output.png)


run_figure_script(main, snakemake)  # noqa: F821
