"""Figure like Fig. 3 of paper 004: alpha2F of the five metals (QE), and lambda vs smearing."""
import matplotlib.pyplot as plt

from scimodel import qe, units
from scimodel.plotting import savefig
from scimodel.workflow import run_figure_script


def main(sm):
    ref = qe.read_reference_lambda(sm.input.reference)
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(7.0, 2.8))
    for i, (m, path) in enumerate(zip(sm.params.metals, sm.input.nc)):
        ds = qe.read_abinitio(path)
        lam = float(ds["lambda"])
        # tetrahedron runs have one "smearing" (0): a single point at the origin of (b)
        tetra = str(ds.attrs.get("elph_method", "")).startswith("optimized tetrahedra")
        so = " (spin-orbit by transfer)" if "spin_orbit_transfer" in ds.attrs else ""
        lab = f"{m}{' (tetrahedra)' if tetra else ''}{so}: $\\lambda$ = {lam:.2f}"
        if m in ref:
            lab += f" (paper 004: {ref[m]:.2f})"
        ax0.plot(ds["omega"] * units.MEV_TO_THZ, ds["a2f"], color=f"C{i}", label=lab)
        sig = ds["smearing"].values * units.MEV_TO_EV / units.RY_TO_EV
        ax1.plot(sig, ds["lambda_by_smearing"], "o-", ms=3, color=f"C{i}",
                 label=f"{m} (tetrahedra, no smearing)" if tetra else m + so)
        ax1.plot([float(ds.attrs["elph_smearing_chosen_Ry"])], [lam], "*", ms=10, color=f"C{i}")
        if m in ref:
            ax1.axhline(ref[m], color=f"C{i}", ls=":", lw=0.8)
    ax0.set(xlabel=r"$\Omega$ (THz)", ylabel=r"$\alpha^2F(\Omega)$",
            title=r"(a) $\alpha^2F$ from QE (LDA, linear response)", xlim=(0, None), ylim=(0, None))
    ax0.set_ylim(top=1.6 * ax0.get_ylim()[1])          # headroom: the legend above the peaks
    ax0.legend(fontsize=6, loc="upper right")
    ax1.set(xlabel="electron-phonon smearing (Ry)", ylabel=r"$\lambda$",
            title="(b) $\\lambda$ vs smearing (star: chosen; dotted: paper 004)")
    ax1.legend(fontsize=6, ncol=1, loc="upper right")
    savefig(fig, sm.output.png)


run_figure_script(main, snakemake)  # noqa: F821
