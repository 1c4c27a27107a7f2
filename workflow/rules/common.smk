# Helpers shared by all rule files, config validation and the target lists.
import os

from snakemake.utils import validate


validate(config, schema="../schemas/config.schema.yaml")

# Each rule file appends the paths of its final products here; `rule all`
# (Snakefile) builds them all, `rule figures` / `rule tables` the subsets.
FIGURES = []
TABLES = []
DATA = []

# Conda environments per rule group (used with `--sdm conda`).
ENV_SCI = "../../envs/scimodel.yaml"
ENV_QE = "../../envs/qe.yaml"


def log_path(rule_name, stem="all"):
    """logs/<rule>/<stem>.log"""
    return f"logs/{rule_name}/{stem}.log"


def bench_path(rule_name, stem="all"):
    """benchmarks/results/<rule>/<stem>.tsv (measured wall times, not committed)."""
    return f"benchmarks/results/{rule_name}/{stem}.tsv"
