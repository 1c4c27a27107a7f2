"""Record (pixels + calibration, WebPlotDigitizer project or CSV table) -> series NetCDF in canonical units."""
from scimodel.datasets import REFERENCE_PAPER000, load_record, series_attrs, series_to_dataset
from scimodel.errors import InputError
from scimodel.io import write_dataset
from scimodel.workflow import run_script


def main(sm):
    s = load_record(sm.input.record)
    if not s.has_data:
        raise InputError(sm.input.record, "data", "the record has no data (status 'awaiting source figure')")
    attrs = series_attrs(s)
    src = f"scimodel.datasets.load_record({sm.input.record})"
    if s.synthetic:
        src = "SYNTHETIC demonstration data (not literature): " + src
    write_dataset(series_to_dataset(s), sm.output.nc, source=src,
                  references=f"{attrs['original_reference']}; shown in {REFERENCE_PAPER000}",
                  config=dict(sm.params.config), wildcards=dict(sm.wildcards.items()),
                  extra_attrs=attrs)


run_script(main, snakemake)  # noqa: F821
