"""Paper 004, one metal: Tc, Delta0, C_S/C_N (TF-FE, TF-SK), lambda-rescaled
diagnostic, Allen-Dynes and Eliashberg Tc, Fig. 3/4/11 data -> NetCDF."""
from scimodel import input_uncertainty, paper004
from scimodel.io import write_dataset
from scimodel.qe import read_abinitio
from scimodel.scdft import Settings
from scimodel.workflow import run_script


def main(sm):
    metal = sm.wildcards.metal
    scdft = dict(sm.params.scdft)
    settings = Settings.from_config(scdft)
    paper = paper004.read_paper_values(sm.input.paper)
    inp = paper004.load_input(sm.input.nc, metal)
    lam_paper = paper004.paper_value(paper, "lambda", metal, "paper")
    interval = input_uncertainty.lambda_interval(
        metal, inp.lam, read_abinitio(sm.input.nc).attrs,
        input_uncertainty.read_lambda_variants(sm.input.variants))
    ds = paper004.metal_results(
        inp, settings, t_gap=scdft.get("t_gap_K", 0.01),
        paper_lambda=lam_paper if lam_paper == lam_paper else None,
        mu_star=sm.params.mu_star, eliashberg_cutoff_factor=sm.params.eliashberg_cutoff_factor,
        lambda_interval=interval)
    ds.attrs["lambda_interval_sources"] = interval.describe()
    write_dataset(ds, sm.output.nc, source="scimodel.paper004.metal_results (SCDFT energy space)",
                  references=paper004.REFERENCE,
                  config={"scdft": scdft, "mu_star": sm.params.mu_star,
                          "eliashberg_cutoff_factor": sm.params.eliashberg_cutoff_factor},
                  wildcards=dict(sm.wildcards.items()),
                  extra_attrs={"input": str(sm.input.nc)})


run_script(main, snakemake)  # noqa: F821
