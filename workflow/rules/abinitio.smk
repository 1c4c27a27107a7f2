# First-principles inputs (issue 4): alpha2F, phonon DOS and electronic DOS of
# Al, Mo, Ta, Pb, Nb and Cu from Quantum ESPRESSO 6.7.
#
# Default (abinitio.use_cache: true): the committed NetCDF files
# resources/abinitio/<M>.nc are the inputs of everything downstream; no QE job
# is scheduled.  Recompute (needs pw.x ... on PATH):
#
#     snakemake --cores 2 abinitio_recompute --config 'abinitio={"use_cache": false}'
#
# builds results/abinitio/<M>.nc (pseudopotentials -> QE runs -> NetCDF);
# `cp results/abinitio/*.nc resources/abinitio/` refreshes the cache.
# Consumers (paper004.smk) call abinitio_nc(metal) for the right path.
from pathlib import Path as _Path

AB = config["abinitio"]
AB_METALS = list(AB["metals"])
AB_ELEMENTS = AB["elements"]


def abinitio_nc(metal):
    """The ab-initio NetCDF of ``metal`` that the rest of the DAG reads."""
    if AB["use_cache"]:
        return f"resources/abinitio/{metal}.nc"
    return f"results/abinitio/{metal}.nc"


def _ab_pseudo(wc):
    """UPF input of a QE run: generated/<file> -> built by abinitio_pseudo, else resources/pseudo/."""
    p = AB_ELEMENTS[wc.metal]["pseudo"]
    if p.startswith("generated/"):
        return f"results/abinitio/pseudo/{_Path(p).name}"
    return f"resources/pseudo/{p}"


def _ab_netcdf_input(wc):
    el = AB_ELEMENTS[wc.metal]
    d = {"run": f"results/abinitio/qe/{wc.metal}_q{el['q_grid']}"}
    if el.get("q_check", 0):
        d["check"] = f"results/abinitio/qe/{wc.metal}_q{el['q_check']}"
    return d


rule abinitio_pseudo:
    input:
        gen="resources/pseudo/{element}.ld1.in",
        test="resources/pseudo/{element}.ld1test.in",
    wildcard_constraints:
        element="[A-Z][a-z]?",
    output:
        upf="results/abinitio/pseudo/{element}.pz-spn-rrkjus.UPF",
        gen_out="results/abinitio/pseudo/{element}.ld1.out",
        test_out="results/abinitio/pseudo/{element}.ld1test.out",
        transferability="results/abinitio/pseudo/{element}.transferability.csv",
    log:
        "logs/abinitio_pseudo/{element}.log",
    benchmark:
        "benchmarks/results/abinitio_pseudo/{element}.tsv"
    conda:
        ENV_QE
    script:
        "../scripts/abinitio_pseudo.py"


rule abinitio_qe:
    input:
        pseudo=_ab_pseudo,
    output:
        run=directory("results/abinitio/qe/{metal}_q{q}"),
    wildcard_constraints:
        metal="[A-Z][a-z]?",
        q="[0-9]+",
    params:
        element=lambda wc: AB_ELEMENTS[wc.metal],
        # the main q grid carries the nscf + DOS steps; the check grid only phonons
        with_dos=lambda wc: int(wc.q) == AB_ELEMENTS[wc.metal]["q_grid"],
        scratch=lambda wc: f"{AB['scratch_dir']}/{wc.metal}_q{wc.q}",
        mpi_command=AB["mpi_command"],
    threads: 2
    resources:
        runtime=120,
    log:
        "logs/abinitio_qe/{metal}_q{q}.log",
    benchmark:
        "benchmarks/results/abinitio_qe/{metal}_q{q}.tsv"
    conda:
        ENV_QE
    script:
        "../scripts/abinitio_qe.py"


rule abinitio_netcdf:
    input:
        unpack(_ab_netcdf_input),
    output:
        nc="results/abinitio/{metal}.nc",
    wildcard_constraints:
        metal="[A-Z][a-z]?",
    params:
        element=lambda wc: AB_ELEMENTS[wc.metal],
        tolerances=AB["tolerances"],
    log:
        "logs/abinitio_netcdf/{metal}.log",
    benchmark:
        "benchmarks/results/abinitio_netcdf/{metal}.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/abinitio_netcdf.py"


rule abinitio_recompute:
    input:
        expand("results/abinitio/{metal}.nc", metal=AB_METALS),


rule abinitio_table:
    input:
        nc=[abinitio_nc(m) for m in AB_METALS],
        reference="resources/abinitio/paper004_lambda.csv",
    output:
        csv="results/tables/abinitio_summary.csv",
        md=report(
            "results/tables/abinitio_summary.md",
            caption="../report/abinitio_table.rst",
            category="Ab-initio inputs (QE)",
        ),
    params:
        metals=AB_METALS,
        tolerance=AB["tolerances"]["lambda_vs_paper"],
    log:
        "logs/abinitio_table/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/abinitio_table.py"


rule abinitio_figure:
    input:
        nc=[abinitio_nc(m) for m in AB["figure_metals"]],
        reference="resources/abinitio/paper004_lambda.csv",
    output:
        png=report(
            "results/figures/abinitio_a2f.png",
            caption="../report/abinitio_figure.rst",
            category="Ab-initio inputs (QE)",
        ),
    params:
        metals=AB["figure_metals"],
    log:
        "logs/abinitio_figure/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/abinitio_figure.py"


rule abinitio_dos_figure:
    input:
        nc=[abinitio_nc(m) for m in AB_METALS],
    output:
        png=report(
            "results/figures/abinitio_dos.png",
            caption="../report/abinitio_dos_figure.rst",
            category="Ab-initio inputs (QE)",
        ),
    params:
        metals=AB_METALS,
    log:
        "logs/abinitio_dos_figure/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/abinitio_dos_figure.py"


FIGURES += ["results/figures/abinitio_a2f.png", "results/figures/abinitio_dos.png"]
TABLES += ["results/tables/abinitio_summary.csv", "results/tables/abinitio_summary.md"]
DATA += [abinitio_nc(m) for m in AB_METALS]
