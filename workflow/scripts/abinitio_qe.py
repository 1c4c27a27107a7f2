"""Run the Quantum ESPRESSO chain (pw.x, ph.x, q2r.x, matdyn.x, nscf + dos.x) for one metal."""
from scimodel import qe
from scimodel.errors import InputError
from scimodel.workflow import run_script


def main(sm):
    p = sm.params
    if not qe.qe_available():
        raise InputError(None, "PATH", f"Quantum ESPRESSO executables {qe.QE_EXECUTABLES} not "
                         "found; install them (apt-get install -y quantum-espresso)")
    spec = qe.metal_spec(sm.wildcards.metal, p.element, q_grid=int(sm.wildcards.q))
    qe.run_pipeline(spec, sm.input.pseudo, sm.output.run, p.scratch, nproc=sm.threads,
                    mpi_command=p.mpi_command, with_dos=p.with_dos)


run_script(main, snakemake)  # noqa: F821
