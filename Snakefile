# Reproduction workflow: SCDFT for elemental metals (Marques et al., PRB 72,
# 024546 (2005)) and the defectal model (ElMassalami & Silva Neto,
# arXiv:1904.04773).  This file only wires things together; rules live in
# workflow/rules/*.smk, physics in the `scimodel` package (src/scimodel).
from snakemake.utils import min_version

min_version("9.0")


# Snakemake's own loading of a config file names neither the file nor the line
# of a YAML syntax error (nor the file when it is empty): read it strictly first.
from snakemake.exceptions import WorkflowError
from scimodel.config import check_config_file
from scimodel.errors import InputError

try:
    check_config_file("config/config.yaml")
except InputError as _err:
    raise WorkflowError(f"invalid configuration: {_err}") from None


configfile: "config/config.yaml"


# A read-only folder among the outputs stops Snakemake with a traceback: name it.
from scimodel.workflow import unwritable_folders

_unwritable = unwritable_folders(["results", "logs", "benchmarks/results"])
if _unwritable:
    raise WorkflowError(
        f"folder {_unwritable[0]} is not writable for this user (read-only file system or "
        f"permissions; {len(_unwritable)} such folder(s)): the workflow writes its outputs and "
        "logs there; make it writable or run from a copy you own"
    )


# common.smk validates the config and defines the target lists that each
# rule file extends (FIGURES, TABLES, DATA).
include: "workflow/rules/common.smk"
include: "workflow/rules/eliashberg.smk"
include: "workflow/rules/abinitio.smk"
include: "workflow/rules/phonons.smk"
include: "workflow/rules/kresolved.smk"
include: "workflow/rules/scdft.smk"
include: "workflow/rules/paper004.smk"
include: "workflow/rules/defectal.smk"
include: "workflow/rules/datasets.smk"


rule all:
    default_target: True
    input:
        FIGURES,
        TABLES,
        DATA,


rule figures:
    input:
        FIGURES,


rule tables:
    input:
        TABLES,
