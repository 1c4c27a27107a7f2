# Defectal model of paper 000 (ElMassalami & Silva Neto, arXiv:1904.04773):
# paracrystal structure factor, simulated diffraction (Fig. 1 j,k),
# distorted-lattice alpha2F (Fig. 5 g,h), disorder flow Tc(l) and A(l)
# (Fig. 4 a,b), Tc-A correlation, and the model curves for the literature
# literature overlays (datasets rules).  Physics: scimodel.defectal.

DEF = config["defectal"]
DEF_CLASSES = sorted(DEF["classes"])
DEF_COMMON = {
    k: DEF[k]
    for k in ("mu_star", "kF_a0", "a0_angstrom", "shells_m2_max", "transport", "flow", "monte_carlo")
}
DEF_FLOW_FILES = expand("results/defectal/flow_{cls}.nc", cls=DEF_CLASSES)


rule defectal_paracrystal:
    output:
        nc="results/defectal/paracrystal.nc",
    params:
        scimodel_code=SCIMODEL_CODE,
        paracrystal=DEF["paracrystal"],
    log:
        "logs/defectal_paracrystal/all.log",
    benchmark:
        "benchmarks/results/defectal_paracrystal/all.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/defectal_paracrystal.py"


rule defectal_diffraction:
    output:
        nc="results/defectal/diffraction.nc",
    params:
        scimodel_code=SCIMODEL_CODE,
        diffraction=DEF["diffraction"],
    threads: 2
    log:
        "logs/defectal_diffraction/all.log",
    benchmark:
        "benchmarks/results/defectal_diffraction/all.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/defectal_diffraction.py"


rule defectal_spectra:
    output:
        nc="results/defectal/alpha2f.nc",
    params:
        scimodel_code=SCIMODEL_CODE,
        spectra=DEF["spectra"],
        kF_a0=DEF["kF_a0"],
        shells_m2_max=DEF["shells_m2_max"],
    log:
        "logs/defectal_spectra/all.log",
    benchmark:
        "benchmarks/results/defectal_spectra/all.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/defectal_spectra.py"


rule defectal_flow:
    output:
        nc="results/defectal/flow_{cls}.nc",
    params:
        scimodel_code=SCIMODEL_CODE,
        cls=lambda wc: DEF["classes"][wc.cls],
        common=DEF_COMMON,
    wildcard_constraints:
        cls="|".join(DEF_CLASSES),
    threads: 2
    log:
        "logs/defectal_flow/{cls}.log",
    benchmark:
        "benchmarks/results/defectal_flow/{cls}.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/defectal_flow.py"


rule defectal_model_curves:
    input:
        flows=DEF_FLOW_FILES,
    output:
        nc="results/defectal/model_curves.nc",
    params:
        scimodel_code=SCIMODEL_CODE,
        classes=DEF_CLASSES,
    log:
        "logs/defectal_model_curves/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/defectal_model_curves.py"


rule defectal_fig1jk:
    input:
        data=["results/defectal/diffraction.nc"],
    output:
        png=report(
            "results/figures/defectal_fig1jk_diffraction.png",
            caption="../report/defectal_fig1jk.rst",
            category="Defectal model (paper 000)",
        ),
    params:
        scimodel_code=SCIMODEL_CODE,
        figure="fig1jk",
        classes=DEF_CLASSES,
    log:
        "logs/defectal_fig1jk/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/defectal_figure.py"


rule defectal_fig_paracrystal:
    input:
        data=["results/defectal/paracrystal.nc"],
    output:
        png=report(
            "results/figures/defectal_paracrystal.png",
            caption="../report/defectal_paracrystal.rst",
            category="Defectal model (paper 000)",
        ),
    params:
        scimodel_code=SCIMODEL_CODE,
        figure="paracrystal",
        classes=DEF_CLASSES,
    log:
        "logs/defectal_fig_paracrystal/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/defectal_figure.py"


rule defectal_fig5gh:
    input:
        data=["results/defectal/alpha2f.nc"],
    output:
        png=report(
            "results/figures/defectal_fig5gh_alpha2f.png",
            caption="../report/defectal_fig5gh.rst",
            category="Defectal model (paper 000)",
        ),
    params:
        scimodel_code=SCIMODEL_CODE,
        figure="fig5gh",
        classes=DEF_CLASSES,
    log:
        "logs/defectal_fig5gh/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/defectal_figure.py"


rule defectal_fig4ab:
    input:
        data=DEF_FLOW_FILES,
    output:
        png=report(
            "results/figures/defectal_fig4ab_tc_A.png",
            caption="../report/defectal_fig4ab.rst",
            category="Defectal model (paper 000)",
        ),
    params:
        scimodel_code=SCIMODEL_CODE,
        figure="fig4ab",
        classes=DEF_CLASSES,
    log:
        "logs/defectal_fig4ab/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/defectal_figure.py"


rule defectal_fig_tc_a:
    input:
        data=DEF_FLOW_FILES,
    output:
        png=report(
            "results/figures/defectal_tc_vs_A.png",
            caption="../report/defectal_tc_a.rst",
            category="Defectal model (paper 000)",
        ),
    params:
        scimodel_code=SCIMODEL_CODE,
        figure="tc_a",
        classes=DEF_CLASSES,
    log:
        "logs/defectal_fig_tc_a/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/defectal_figure.py"


FIGURES += [
    "results/figures/defectal_fig1jk_diffraction.png",
    "results/figures/defectal_paracrystal.png",
    "results/figures/defectal_fig5gh_alpha2f.png",
    "results/figures/defectal_fig4ab_tc_A.png",
    "results/figures/defectal_tc_vs_A.png",
]
# the data behind the figures (see paper004.smk: rebuilt after an interrupted run)
DATA += ["results/defectal/model_curves.nc", "results/defectal/paracrystal.nc",
         "results/defectal/diffraction.nc", "results/defectal/alpha2f.nc", *DEF_FLOW_FILES]
