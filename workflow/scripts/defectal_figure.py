"""Defectal figures (paper 000 Figs. 1 j,k, 4, 5 g,h, Tc-A, paracrystal check)."""
from scimodel.defectal import plots
from scimodel.errors import InputError
from scimodel.io import read_dataset
from scimodel.workflow import run_figure_script


def main(sm):
    fig = sm.params.figure
    files = list(sm.input.data)
    if fig == "fig1jk":
        plots.fig1jk(read_dataset(files[0], required=["intensity", "profile_sim"]), sm.output.png)
    elif fig == "paracrystal":
        plots.fig_paracrystal(read_dataset(files[0], required=["S", "height", "hwhm"]), sm.output.png)
    elif fig == "fig5gh":
        plots.fig5gh(read_dataset(files[0], required=["alpha2F", "V_ee"]), sm.output.png)
    elif fig in ("fig4ab", "tc_a"):
        req = ["dTc_over_Tc0", "A_rel", "A_rel_err", "ln_Tc", "A_inv_sqrt", "F_l", "gap_ratio",
               "line_residual", "eq39_residual", "fit_F", "fit_R2", "fit_ln_theta", "fit_supports_line"]
        flows = {c: read_dataset(f, required=req)
                 for c, f in zip(sm.params.classes, files)}
        (plots.fig4ab if fig == "fig4ab" else plots.fig_tc_a)(flows, sm.output.png)
    else:
        raise InputError(None, "params.figure", f"unknown figure {fig!r}")


run_figure_script(main, snakemake)  # noqa: F821
