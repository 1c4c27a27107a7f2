"""Fits of one data-set group: rho(T) per curve, A(rho0), Tc-A law, dTc/Tc0 laws (paper 000)."""
from pathlib import Path

from scimodel.datasets import REFERENCE_PAPER000, analyse_group, dataset_to_series
from scimodel.io import read_dataset, write_dataset
from scimodel.workflow import run_script


def main(sm):
    series = [dataset_to_series(read_dataset(p)) for p in sm.input.series]
    ds = analyse_group(series, sm.params.analysis, dict(sm.params.options))
    group = sm.wildcards.group
    syn = bool(sm.params.synthetic)
    refs = sorted({read_dataset(p).attrs.get("original_reference", "") for p in sm.input.series})
    write_dataset(ds, sm.output.nc,
                  source=("SYNTHETIC demonstration data (not literature): " if syn else "")
                  + f"scimodel.datasets.analyse_group of {[Path(p).name for p in sm.input.series]}",
                  references="; ".join(refs + [REFERENCE_PAPER000]),
                  config=dict(sm.params.options), wildcards=dict(sm.wildcards.items()),
                  extra_attrs={"group": group, "synthetic": "true" if syn else "false",
                               "title": ("SYNTHETIC " if syn else "") + f"fits of {group}"})


run_script(main, snakemake)  # noqa: F821
