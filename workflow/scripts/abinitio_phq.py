"""ph.x (phonons + electron-phonon) for one irreducible q point of one metal."""
from scimodel import qe
from scimodel.workflow import run_script


def main(sm):
    qe.require_qe()
    qe.run_q_point(sm.input.ground, int(sm.wildcards.iq), sm.output.qdir, sm.params.scratch,
                   nproc=sm.threads, mpi_command=sm.params.mpi_command,
                   archive_roots=sm.params.archive_roots)


run_script(main, snakemake)  # noqa: F821
