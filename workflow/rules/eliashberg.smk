# Eliashberg vertical slice: model spectra -> moments and Tc by McMillan,
# Allen-Dynes and the full Matsubara Eliashberg equations -> table + figure.

# ELI, ELI_SPECTRA, eliashberg_spectrum_files and eliashberg_spectrum_input
# are defined in common.smk.


rule eliashberg_spectrum:
    input:
        unpack(eliashberg_spectrum_input),
    output:
        nc="results/eliashberg/spectra/{spectrum}.nc",
    params:
        scimodel_code=SCIMODEL_CODE,
        spectrum=lambda wc: ELI["spectra"][wc.spectrum],
        mu_star=ELI["mu_star"],
        cutoff_factor=ELI["matsubara_cutoff_factor"],
    log:
        "logs/eliashberg_spectrum/{spectrum}.log",
    benchmark:
        "benchmarks/results/eliashberg_spectrum/{spectrum}.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/eliashberg_spectrum.py"


rule eliashberg_lambda_scan:
    input:
        files=eliashberg_file_inputs,
    output:
        nc="results/eliashberg/lambda_scan.nc",
    params:
        scimodel_code=SCIMODEL_CODE,
        spectra=ELI["spectra"],
        lambdas=ELI["lambda_scan"],
        mu_star=ELI["mu_star"],
        cutoff_factor=ELI["matsubara_cutoff_factor"],
    log:
        "logs/eliashberg_lambda_scan/all.log",
    benchmark:
        "benchmarks/results/eliashberg_lambda_scan/all.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/eliashberg_lambda_scan.py"


rule eliashberg_table:
    input:
        spectra=eliashberg_spectrum_files,
    output:
        nc="results/tables/eliashberg_models.nc",
        csv="results/tables/eliashberg_models.csv",
        md=report(
            "results/tables/eliashberg_models.md",
            caption="../report/eliashberg_table.rst",
            category="Eliashberg (model spectra)",
        ),
    params:
        scimodel_code=SCIMODEL_CODE,
        names=ELI_SPECTRA,
        mu_star=ELI["mu_star"],
    log:
        "logs/eliashberg_table/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/eliashberg_table.py"


rule eliashberg_figure:
    input:
        scan="results/eliashberg/lambda_scan.nc",
        spectra=eliashberg_spectrum_files,
    output:
        png=report(
            "results/figures/eliashberg_tc_vs_lambda.png",
            caption="../report/eliashberg_figure.rst",
            category="Eliashberg (model spectra)",
        ),
    params:
        scimodel_code=SCIMODEL_CODE,
        names=ELI_SPECTRA,
        mu_star=ELI["mu_star"],
        cutoff_factor=ELI["matsubara_cutoff_factor"],
    log:
        "logs/eliashberg_figure/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/eliashberg_figure.py"


FIGURES += ["results/figures/eliashberg_tc_vs_lambda.png"]
TABLES += [
    "results/tables/eliashberg_models.md",
    "results/tables/eliashberg_models.csv",
    "results/tables/eliashberg_models.nc",
]
DATA += eliashberg_spectrum_files() + ["results/eliashberg/lambda_scan.nc"]
