"""Contract NetCDF of a metal from the user's alpha2F and DOS text files (no QE)."""
from scimodel.io import write_dataset
from scimodel.user_inputs import dataset_from_files
from scimodel.workflow import run_script


def main(sm):
    el = sm.params.element
    ds = dataset_from_files(sm.wildcards.metal, sm.input.a2f, sm.input.dos,
                            phonon_dos=sm.input.get("phonon_dos"), structure=el["structure"],
                            a_angstrom=el["a_angstrom"], n_valence=el["n_valence"])
    write_dataset(ds, sm.output.nc, source=f"user-supplied files {sm.input.a2f}, {sm.input.dos} "
                  "via scimodel.user_inputs; workflow/rules/abinitio.smk (rule abinitio_user)",
                  references=el["files"].get("reference", "not given by the user"),
                  config={"element": el}, wildcards=dict(sm.wildcards.items()))


run_script(main, snakemake)  # noqa: F821
