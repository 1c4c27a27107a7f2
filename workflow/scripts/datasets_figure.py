"""Figs. 2 and 3 of paper 000 from the ingested series, their fits and (optionally) the defectal model curves."""
from pathlib import Path

from scimodel.datasets import dataset_to_series, plot_fig2, plot_fig3, read_model_curves
from scimodel.io import read_dataset
from scimodel.workflow import run_figure_script


def main(sm):
    series = [dataset_to_series(read_dataset(p)) for p in sm.input.series]
    fits = {Path(p).stem: read_dataset(p) for p in sm.input.fits}
    model = read_model_curves(sm.input.model[0]) if len(sm.input.model) else {}
    info = sm.params.info
    material = {g: v["material"] for g, v in info["groups"].items()}
    plot = plot_fig2 if sm.params.figure == "fig2" else plot_fig3
    plot(series, fits, material, info["awaiting"], model, bool(sm.params.synthetic), sm.output.png)


run_figure_script(main, snakemake)  # noqa: F821
