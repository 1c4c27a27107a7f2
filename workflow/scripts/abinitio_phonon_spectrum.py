"""alpha2F, lambda and the phonon DOS of a phonons-only join (no electronic DOS)."""
from scimodel import qe
from scimodel.io import write_dataset
from scimodel.workflow import run_script


def main(sm):
    ds, attrs = qe.build_phonon_dataset(sm.input.run, element=sm.params.element)
    write_dataset(ds, sm.output.nc, source="Quantum ESPRESSO 6.7 (pw.x, ph.x, q2r.x, matdyn.x) via "
                  "scimodel.qe.build_phonon_dataset; workflow/rules/abinitio.smk (abinitio_phonon_spectrum)",
                  references="Savrasov & Savrasov, PRB 54, 16487 (1996); Giannozzi et al., "
                  "J. Phys.: Condens. Matter 21, 395502 (2009)",
                  config={"element": sm.params.element}, wildcards=dict(sm.wildcards.items()),
                  extra_attrs=attrs)


run_script(main, snakemake)  # noqa: F821
