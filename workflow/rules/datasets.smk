# Literature datasets of paper 000, Figs. 2-3 (digitization).
#
# records (resources/datasets/<group>/<series>.yaml, listed in the registry)
#   -> digitize_series / ingest_table : one NetCDF per series, canonical units
#   -> datasets_fit                   : fits per group (rho(T), A(rho0), Tc-A, dTc laws)
#   -> datasets_table                 : fit table per variant (CSV + Markdown)
#   -> datasets_fig2 / datasets_fig3  : figures per variant (literature | synthetic)
# The registry is read when the workflow is parsed; only the files of one
# series are inputs of its NetCDF, so adding a digitization reruns exactly
# that series, its group's fit and the table/figure of its variant.
include: "datasets_common.smk"


rule digitize_series:
    wildcard_constraints:
        group="[a-z0-9_]+",
        series="[A-Za-z0-9_.-]+",
    input:
        unpack(ds_record_files),
    output:
        nc="results/datasets/series/{group}/{series}.nc",
    params:
        scimodel_code=SCIMODEL_CODE,
        config={k: DS[k] for k in ("registry",)},
    log:
        "logs/digitize_series/{group}/{series}.log",
    benchmark:
        "benchmarks/results/digitize_series/{group}/{series}.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/datasets_ingest.py"


rule ingest_table:
    wildcard_constraints:
        group="[a-z0-9_]+",
        series="[A-Za-z0-9_.-]+",
    input:
        unpack(ds_record_files),
    output:
        nc="results/datasets/tables/{group}/{series}.nc",
    params:
        scimodel_code=SCIMODEL_CODE,
        config={k: DS[k] for k in ("registry",)},
    log:
        "logs/ingest_table/{group}/{series}.log",
    benchmark:
        "benchmarks/results/ingest_table/{group}/{series}.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/datasets_ingest.py"


rule datasets_fit:
    wildcard_constraints:
        group="[a-z0-9_]+",
    input:
        series=ds_group_series,
    output:
        nc="results/datasets/fits/{group}.nc",
    params:
        scimodel_code=SCIMODEL_CODE,
        analysis=ds_group_analysis,
        synthetic=ds_group_is_synthetic,
        options={k: DS[k] for k in ("rho_T_tmax_K", "rho_T_tc_margin_K", "model_points")},
    log:
        "logs/datasets_fit/{group}.log",
    benchmark:
        "benchmarks/results/datasets_fit/{group}.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/datasets_fit.py"


rule datasets_table:
    wildcard_constraints:
        variant="literature|synthetic",
    input:
        fits=ds_variant_fits,
    output:
        csv="results/datasets/fit_table_{variant}.csv",
        md=report(
            "results/datasets/fit_table_{variant}.md",
            caption="../report/datasets_table.rst",
            category="Literature datasets (paper 000)",
        ),
    params:
        scimodel_code=SCIMODEL_CODE,
        synthetic=ds_variant_is_synthetic,
    log:
        "logs/datasets_table/{variant}.log",
    conda:
        ENV_SCI
    script:
        "../scripts/datasets_table.py"


rule datasets_fig2:
    wildcard_constraints:
        variant="literature|synthetic",
    input:
        unpack(ds_figure_inputs(DS_FIG2_ROLES)),
    output:
        png=report(
            "results/datasets/fig2_{variant}.png",
            caption="../report/datasets_fig2.rst",
            category="Literature datasets (paper 000)",
        ),
    params:
        scimodel_code=SCIMODEL_CODE,
        figure="fig2",
        synthetic=ds_variant_is_synthetic,
        info=ds_figure_params(DS_FIG2_ROLES),
    log:
        "logs/datasets_fig2/{variant}.log",
    conda:
        ENV_SCI
    script:
        "../scripts/datasets_figure.py"


rule datasets_fig3:
    wildcard_constraints:
        variant="literature|synthetic",
    input:
        unpack(ds_figure_inputs(DS_FIG3_ROLES)),
    output:
        png=report(
            "results/datasets/fig3_{variant}.png",
            caption="../report/datasets_fig3.rst",
            category="Literature datasets (paper 000)",
        ),
    params:
        scimodel_code=SCIMODEL_CODE,
        figure="fig3",
        synthetic=ds_variant_is_synthetic,
        info=ds_figure_params(DS_FIG3_ROLES),
    log:
        "logs/datasets_fig3/{variant}.log",
    conda:
        ENV_SCI
    script:
        "../scripts/datasets_figure.py"


FIGURES += expand("results/datasets/fig{n}_{variant}.png", n=(2, 3), variant=DS["variants"])
TABLES += expand("results/datasets/fit_table_{variant}.{ext}", variant=DS["variants"], ext=("csv", "md"))
DATA += [f"results/datasets/fits/{g}.nc" for v in DS["variants"] for g in ds_groups_with_data(v, None)]
DATA += [ds_series_nc(e) for v in DS["variants"] for e in _ds_entries(v)]
