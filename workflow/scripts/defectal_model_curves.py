"""Model curves for the literature overlays of Figs. 2-3."""
from scimodel.defectal.products import REFERENCE, model_curves
from scimodel.io import read_dataset, write_dataset
from scimodel.workflow import run_script


def main(sm):
    req = ["dTc_over_Tc0", "A_rel", "A_rel_err", "ln_Tc", "A_inv_sqrt", "Tc", "dTc_eq19", "dTc_eq20"]
    flows = {c: read_dataset(f, required=req) for c, f in zip(sm.params.classes, sm.input.flows)}
    write_dataset(model_curves(flows), sm.output.nc, source="scimodel.defectal.products.model_curves",
                  references=REFERENCE, config=dict(classes=list(sm.params.classes)))


run_script(main, snakemake)  # noqa: F821
