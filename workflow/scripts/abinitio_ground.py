"""Ground state of one metal for its q-point jobs (pw.x la2F fit run + scf run)."""
from scimodel import qe
from scimodel.workflow import run_script


def main(sm):
    qe.require_qe()
    spec = qe.metal_spec(sm.wildcards.metal, sm.params.element, q_grid=int(sm.wildcards.q))
    qe.run_ground(spec, sm.input.pseudo, sm.output.ground, nproc=sm.threads,
                  mpi_command=sm.params.mpi_command)


run_script(main, snakemake)  # noqa: F821
