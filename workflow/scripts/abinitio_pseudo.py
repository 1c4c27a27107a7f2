"""Generate one pseudopotential (ultrasoft, or norm-conserving for TF-ME) with ld1.x and run its transferability test."""
from scimodel import qe
from scimodel.workflow import run_script


def main(sm):
    qe.generate_pseudo(sm.input.gen, sm.input.test, sm.output.upf, sm.output.gen_out,
                       sm.output.test_out, sm.output.transferability,
                       reference_upf=sm.input.get("reference") or None)


run_script(main, snakemake)  # noqa: F821
