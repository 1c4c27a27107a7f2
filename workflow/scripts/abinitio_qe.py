"""Join the q-point runs of one metal: nscf + dos.x, q2r.x, matdyn.x (run folder)."""
from scimodel import qe
from scimodel.workflow import run_script


def main(sm):
    qe.require_qe()
    qe.assemble_run(sm.input.ground, list(sm.input.qpoints), sm.output.run, sm.params.scratch,
                    nproc=sm.threads, mpi_command=sm.params.mpi_command,
                    with_dos=sm.params.with_dos)


run_script(main, snakemake)  # noqa: F821
