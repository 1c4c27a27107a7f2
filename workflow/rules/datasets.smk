# Literature datasets of paper 000, Figs. 2-3 (issue 7: digitization).
#
# records (resources/datasets/<group>/<series>.yaml, listed in the registry)
#   -> digitize_series / ingest_table : one NetCDF per series, canonical units
#   -> datasets_fit                   : fits per group (rho(T), A(rho0), Tc-A, dTc laws)
#   -> datasets_table                 : fit table per variant (CSV + Markdown)
#   -> datasets_fig2 / datasets_fig3  : figures per variant (literature | synthetic)
# The registry is read when the workflow is parsed; only the files of one
# series are inputs of its NetCDF, so adding a digitization reruns exactly
# that series, its group's fit and the table/figure of its variant.
from pathlib import Path as _DSPath

from snakemake.exceptions import WorkflowError as _DSWorkflowError

from scimodel.datasets import AWAITING as _DS_AWAITING
from scimodel.datasets import load_registry as _ds_load_registry
from scimodel.datasets import record_inputs as _ds_record_inputs

DS = config["datasets"]
try:
    DS_REG = _ds_load_registry(DS["registry"])
except InputError as _err:
    raise _DSWorkflowError(f"invalid dataset registry: {_err}") from None

DS_FIG2_ROLES = ("dTc_drho",)
DS_FIG3_ROLES = ("rho_T", "Tc_fluence", "A_fluence", "rho0_fluence", "A_rho0", "Tc_rho0", "lnTc_Ainvsqrt")


def _ds_groups(variant):
    gs = DS_REG.variant_groups(variant)
    return [g for g in gs if not DS["groups"] or g in DS["groups"]]


def _ds_entries(variant, roles=None, with_data=True):
    out = []
    for g in _ds_groups(variant):
        for e in DS_REG.group_series(g):
            if with_data and e["status"] == _DS_AWAITING:
                continue
            if roles is None or e["role"] in roles:
                out.append(e)
    return out


def _ds_record_data_type(entry):
    import yaml

    doc = yaml.safe_load(_DSPath(DS_REG.record_path(entry)).read_text())
    return (doc.get("data") or {}).get("type", "none")


def ds_series_nc(entry):
    """NetCDF of one series: digitized (pixels/WPD) or transcribed (table)."""
    sub = "tables" if _ds_record_data_type(entry) == "table" else "series"
    return f"results/datasets/{sub}/{entry['id']}.nc"


def ds_record_files(wildcards):
    """The record and every file it references (image, WPD project, CSV)."""
    rec = _DSPath(DS_REG.path).parent / wildcards.group / f"{wildcards.series}.yaml"
    return {"record": str(rec), "refs": _ds_record_inputs(rec)[1:]}


def ds_group_series(wildcards):
    return [ds_series_nc(e) for e in DS_REG.group_series(wildcards.group) if e["status"] != _DS_AWAITING]


def ds_groups_with_data(variant, roles):
    return sorted({e["group"] for e in _ds_entries(variant, roles)})


def ds_model_curves(wildcards=None):
    """The defectal model curves, if some rule of the workflow makes them."""
    if not DS["overlay_model"]:
        return []
    target = DS["model_curves"]
    for r in workflow.rules:
        if any(str(o) == target for o in r.output):
            return [target]
    return []


def ds_group_analysis(wildcards):
    return DS_REG.groups[wildcards.group]["analysis"]


def ds_group_is_synthetic(wildcards):
    return DS_REG.groups[wildcards.group]["kind"] == "synthetic"


def ds_variant_is_synthetic(wildcards):
    return wildcards.variant == "synthetic"


def ds_variant_fits(wildcards):
    return [f"results/datasets/fits/{g}.nc" for g in ds_groups_with_data(wildcards.variant, None)]


def ds_figure_inputs(roles):
    def f(wildcards):
        v = wildcards.variant
        return {
            "series": [ds_series_nc(e) for e in _ds_entries(v, roles)],
            "fits": [f"results/datasets/fits/{g}.nc" for g in ds_groups_with_data(v, roles)],
            "model": ds_model_curves(),
        }

    return f


def ds_figure_params(roles):
    def f(wildcards):
        v = wildcards.variant
        return {
            "groups": {g: DS_REG.groups[g] for g in _ds_groups(v)},
            "awaiting": [e["id"] for e in _ds_entries(v, roles, with_data=False)
                         if e["status"] == _DS_AWAITING],
        }

    return f


wildcard_constraints:
    group="[a-z0-9_]+",
    series="[A-Za-z0-9_.-]+",
    variant="literature|synthetic",


rule digitize_series:
    input:
        unpack(ds_record_files),
    output:
        nc="results/datasets/series/{group}/{series}.nc",
    params:
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
    input:
        unpack(ds_record_files),
    output:
        nc="results/datasets/tables/{group}/{series}.nc",
    params:
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
    input:
        series=ds_group_series,
    output:
        nc="results/datasets/fits/{group}.nc",
    params:
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
        synthetic=ds_variant_is_synthetic,
    log:
        "logs/datasets_table/{variant}.log",
    conda:
        ENV_SCI
    script:
        "../scripts/datasets_table.py"


rule datasets_fig2:
    input:
        unpack(ds_figure_inputs(DS_FIG2_ROLES)),
    output:
        png=report(
            "results/datasets/fig2_{variant}.png",
            caption="../report/datasets_fig2.rst",
            category="Literature datasets (paper 000)",
        ),
    params:
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
    input:
        unpack(ds_figure_inputs(DS_FIG3_ROLES)),
    output:
        png=report(
            "results/datasets/fig3_{variant}.png",
            caption="../report/datasets_fig3.rst",
            category="Literature datasets (paper 000)",
        ),
    params:
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
