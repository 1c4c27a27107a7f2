"""Fit table (CSV + Markdown) of all groups of one variant."""
from pathlib import Path

from scimodel.datasets import fit_table
from scimodel.io import read_dataset
from scimodel.workflow import run_script


def main(sm):
    fits = {Path(p).stem: read_dataset(p) for p in sm.input.fits}
    csv_text, md_text = fit_table(fits, synthetic=bool(sm.params.synthetic))
    Path(sm.output.csv).write_text(csv_text)
    Path(sm.output.md).write_text(md_text)


run_script(main, snakemake)  # noqa: F821
