"""Distorted-lattice alpha2F_l (Fig. 5 g) and V_ee(omega_E/omega_opt) (Fig. 5 h)."""
from scimodel.defectal.products import REFERENCE, spectra_dataset
from scimodel.io import write_dataset
from scimodel.workflow import run_script


def main(sm):
    p = sm.params
    ds = spectra_dataset(p.spectra, float(p.kF_a0), int(p.shells_m2_max))
    write_dataset(ds, sm.output.nc, source="scimodel.defectal.products.spectra_dataset",
                  references=REFERENCE,
                  config=dict(spectra=p.spectra, kF_a0=p.kF_a0, shells_m2_max=p.shells_m2_max))


run_script(main, snakemake)  # noqa: F821
