"""Assemble the contract NetCDF of one metal (alpha2F, phonon DOS, DOS, moments, verdicts)."""
from scimodel import qe
from scimodel.io import write_dataset
from scimodel.workflow import run_script


def main(sm):
    check = sm.input.check if "check" in sm.input.keys() else None
    ds, attrs = qe.build_abinitio_dataset(sm.input.run, check_rundir=check,
                                          tolerances=sm.params.tolerances,
                                          element=sm.params.element)
    write_dataset(ds, sm.output.nc, source="Quantum ESPRESSO 6.7 (pw.x, ph.x, q2r.x, matdyn.x, "
                  "dos.x) via scimodel.qe; workflow/rules/abinitio.smk",
                  references="Marques et al., PRB 72, 024546 (2005) [paper 004], Fig. 3 and "
                  "Table 2 (lambda); Savrasov & Savrasov, PRB 54, 16487 (1996); "
                  "Giannozzi et al., J. Phys.: Condens. Matter 21, 395502 (2009)",
                  config={"element": sm.params.element, "tolerances": sm.params.tolerances},
                  wildcards=dict(sm.wildcards.items()), extra_attrs=attrs)


run_script(main, snakemake)  # noqa: F821
