# Helpers shared by all rule files, config validation and the target lists.
import os

from snakemake.exceptions import WorkflowError

from scimodel.config import validate_config
from scimodel.errors import InputError


# Validate (and fill defaults) with a message naming the config file and field.
try:
    validate_config(
        config,
        workflow.source_path("../schemas/config.schema.yaml"),
        [str(f) for f in getattr(workflow, "configfiles", [])] or ["config/config.yaml"],
    )
except InputError as _err:
    raise WorkflowError(f"invalid configuration: {_err}") from None

# Each rule file appends the paths of its final products here; `rule all`
# (Snakefile) builds them all, `rule figures` / `rule tables` the subsets.
FIGURES = []
TABLES = []
DATA = []

# Conda environments per rule group (used with `--sdm conda`).
ENV_SCI = "../../envs/scimodel.yaml"
ENV_QE = "../../envs/qe.yaml"


# ---------------------------------------------------------------- Eliashberg slice
ELI = config["eliashberg"]
ELI_SPECTRA = sorted(ELI["spectra"])


def eliashberg_spectrum_files(wildcards=None):
    """results/eliashberg/spectra/<name>.nc for every configured model spectrum."""
    return expand("results/eliashberg/spectra/{spectrum}.nc", spectrum=ELI_SPECTRA)


def eliashberg_spectrum_input(wildcards):
    """The alpha2F text file of a spectrum of kind 'file' (else no input)."""
    spec = ELI["spectra"][wildcards.spectrum]
    return {"a2f": spec["path"]} if spec["kind"] == "file" else {}


def eliashberg_file_inputs(wildcards=None):
    """alpha2F text files of all spectra of kind 'file'."""
    return [s["path"] for s in ELI["spectra"].values() if s["kind"] == "file"]


def log_path(rule_name, stem="all"):
    """logs/<rule>/<stem>.log"""
    return f"logs/{rule_name}/{stem}.log"


def bench_path(rule_name, stem="all"):
    """benchmarks/results/<rule>/<stem>.tsv (measured wall times, not committed)."""
    return f"benchmarks/results/{rule_name}/{stem}.tsv"
