# Helpers of the literature-dataset rules (datasets.smk): registry, per-series
# inputs, per-variant target lists.  Functions only (snakemake --lint).
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
