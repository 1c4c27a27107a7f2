"""Hosemann structure factor: profiles, heights and widths (paper 000, Eqs. A8-A10)."""
from scimodel.defectal.products import REFERENCE, paracrystal_dataset
from scimodel.io import write_dataset
from scimodel.workflow import run_script


def main(sm):
    ds = paracrystal_dataset(sm.params.paracrystal)
    write_dataset(ds, sm.output.nc, source="scimodel.defectal.products.paracrystal_dataset",
                  references=REFERENCE, config=dict(paracrystal=sm.params.paracrystal))


run_script(main, snakemake)  # noqa: F821
