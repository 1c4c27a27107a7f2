"""One committed q point, unpacked from its campaign archive (scimodel.qe.store)."""
from scimodel import qe
from scimodel.workflow import run_script


def main(sm):
    qe.extract_point(sm.input.archive, int(sm.wildcards.iq), sm.output.qdir)


run_script(main, snakemake)  # noqa: F821
