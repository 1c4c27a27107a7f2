# Paper 004 (Marques et al., PRB 72, 024546 (2005)): Tables 2-3, the isotope
# coefficients and Figs. 1, 3-11 (Fig. 2 replaced by a mesh-convergence figure)
# from the project's own first-principles inputs (abinitio_nc(<M>), i.e.
# resources/abinitio/<M>.nc by default) and the SCDFT solver (scimodel.scdft).
#
# Expensive computation (one rule per metal and task) writes NetCDF under
# results/paper004/; tables and figures are built from those files only.
# A metal whose cached input NetCDF is absent when the DAG is built keeps its
# Table 2/3 rows ("no input") but its computations and figure curves are left
# out, with a message (stderr), instead of failing the DAG.

P4 = config["paper004"]
P4_SCDFT = config["scdft"]
P4_PAPER = P4["paper_values"]
P4_METALS = [m for m in P4["metals"]
             if abinitio_user_files(m) or not AB["use_cache"] or os.path.exists(abinitio_cached(m))]
P4_MISSING = [m for m in P4["metals"] if m not in P4_METALS]
if P4_MISSING:
    print(f"paper004: no first-principles input for {P4_MISSING} ({[abinitio_nc(m) for m in P4_MISSING]}); "
          "their Table 2/3 rows read 'no input' and their figure curves are left out", file=_sys.stderr)
P4_FIG_METALS = [m for m in P4["figure_metals"] if m in P4_METALS]
P4_CURVES = [m for m in P4["curve_metals"] if m in P4_METALS]
P4_CUTOFF = [m for m in P4["cutoff_metals"] if m in P4_METALS]
P4_DECOMP = [m for m in P4["decomposition_metals"] if m in P4_METALS]
P4_ISOTOPE = [m for m in P4["isotope_metals"] if m in P4_METALS]
P4_MESH = [m for m in P4["mesh_metals"] if m in P4_METALS][:1]
P4_ORDER = [m for m in P4["order_parameter_metals"] if m in P4_METALS]
# Fig. 2 (k-resolved): its metal needs a first-principles input and a band grid
P4_KR = [m for m in [P4["kresolved_fig02"].get("metal", "")] if m in P4_METALS and m in KR_BAND_METALS]
P4_FIGDIR = "results/figures/paper004"
P4_REPORT = "Paper 004: SCDFT for elemental metals"


rule paper004_metal:
    input:
        nc=lambda wc: abinitio_nc(wc.metal),
        paper=P4_PAPER,
        variants="resources/abinitio/lambda_variants.csv",
    wildcard_constraints:
        metal="[A-Za-z0-9]+",
    output:
        nc="results/paper004/metals/{metal}.nc",
    params:
        scimodel_code=SCIMODEL_CODE,
        scdft=P4_SCDFT,
        mu_star=P4["mu_star"],
        eliashberg_cutoff_factor=P4["eliashberg_cutoff_factor"],
    log:
        "logs/paper004_metal/{metal}.log",
    benchmark:
        "benchmarks/results/paper004_metal/{metal}.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/paper004_metal.py"


rule paper004_curves:
    input:
        nc=lambda wc: abinitio_nc(wc.metal),
    wildcard_constraints:
        metal="[A-Za-z0-9]+",
    output:
        nc="results/paper004/curves/{metal}.nc",
    params:
        scimodel_code=SCIMODEL_CODE,
        task="curves",
        scdft=P4_SCDFT,
        n_t=P4["curve_points"],
        profile_fractions=P4["profile_fractions"],
    log:
        "logs/paper004_curves/{metal}.log",
    benchmark:
        "benchmarks/results/paper004_curves/{metal}.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/paper004_task.py"


rule paper004_cutoff:
    input:
        nc=lambda wc: abinitio_nc(wc.metal),
    wildcard_constraints:
        metal="[A-Za-z0-9]+",
    output:
        nc="results/paper004/cutoff/{metal}.nc",
    params:
        scimodel_code=SCIMODEL_CODE,
        task="cutoff",
        scdft=P4_SCDFT,
        cutoffs_meV=P4["cutoff_scan_meV"],
    log:
        "logs/paper004_cutoff/{metal}.log",
    benchmark:
        "benchmarks/results/paper004_cutoff/{metal}.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/paper004_task.py"


rule paper004_decomposition:
    input:
        nc=lambda wc: abinitio_nc(wc.metal),
    wildcard_constraints:
        metal="[A-Za-z0-9]+",
    output:
        nc="results/paper004/decomposition/{metal}.nc",
    params:
        scimodel_code=SCIMODEL_CODE,
        task="decomposition",
        scdft=P4_SCDFT,
    log:
        "logs/paper004_decomposition/{metal}.log",
    benchmark:
        "benchmarks/results/paper004_decomposition/{metal}.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/paper004_task.py"


rule paper004_isotope:
    input:
        nc=lambda wc: abinitio_nc(wc.metal),
    wildcard_constraints:
        metal="[A-Za-z0-9]+",
    output:
        nc="results/paper004/isotope/{metal}.nc",
    params:
        scimodel_code=SCIMODEL_CODE,
        task="isotope",
        scdft=P4_SCDFT,
        dm=P4["isotope_dm"],
    log:
        "logs/paper004_isotope/{metal}.log",
    benchmark:
        "benchmarks/results/paper004_isotope/{metal}.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/paper004_task.py"


rule paper004_mesh:
    input:
        nc=lambda wc: abinitio_nc(wc.metal),
    wildcard_constraints:
        metal="[A-Za-z0-9]+",
    output:
        nc="results/paper004/mesh/{metal}.nc",
    params:
        scimodel_code=SCIMODEL_CODE,
        task="mesh",
        scdft=P4_SCDFT,
        points_per_decade=P4["mesh_points_per_decade"],
    log:
        "logs/paper004_mesh/{metal}.log",
    benchmark:
        "benchmarks/results/paper004_mesh/{metal}.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/paper004_task.py"


rule paper004_kernel:
    output:
        nc="results/paper004/kernel_w.nc",
    params:
        scimodel_code=SCIMODEL_CODE,
        task="kernel",
        t_K=P4["fig1_T_K"],
        omega_THz=P4["fig1_omega_THz"],
    log:
        "logs/paper004_kernel/all.log",
    benchmark:
        "benchmarks/results/paper004_kernel/all.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/paper004_task.py"


rule paper004_tables:
    input:
        metals=expand("results/paper004/metals/{metal}.nc", metal=P4_METALS),
        isotope=expand("results/paper004/isotope/{metal}.nc", metal=P4_ISOTOPE),
        paper=P4_PAPER,
    output:
        t2_nc="results/tables/table2.nc",
        t2_csv="results/tables/table2.csv",
        t2_md=report("results/tables/table2.md", caption="../report/paper004_table2.rst",
                     category=P4_REPORT),
        t2_tex="results/tables/table2.tex",
        diag_md=report("results/tables/table2_diagnostics.md",
                       caption="../report/paper004_table2_diagnostics.rst", category=P4_REPORT),
        diag_tex="results/tables/table2_diagnostics.tex",
        t3_nc="results/tables/table3.nc",
        t3_csv="results/tables/table3.csv",
        t3_md=report("results/tables/table3.md", caption="../report/paper004_table3.rst",
                     category=P4_REPORT),
        t3_tex="results/tables/table3.tex",
        iso_nc="results/tables/paper004_isotope.nc",
        iso_csv="results/tables/paper004_isotope.csv",
        iso_md=report("results/tables/paper004_isotope.md", caption="../report/paper004_isotope.rst",
                      category=P4_REPORT),
        iso_tex="results/tables/paper004_isotope.tex",
        summary=report("results/paper004/summary.md", caption="../report/paper004_summary.rst",
                       category=P4_REPORT),
    params:
        scimodel_code=SCIMODEL_CODE,
        requested=P4["metals"],
        isotope_metals=P4_ISOTOPE,
        t_search_min=P4_SCDFT.get("t_search_min_K", 0.01),
    log:
        "logs/paper004_tables/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/paper004_tables.py"


# metals of the k-resolved TF-ME runs (Table 2-3 k-resolved columns, Figs. 5 and 6 k-resolved):
# those with cached matrix elements
P4_TFME = [m for m in P4["kresolved_tfme"]["metals"]
           if m in P4_METALS and m in KR_BAND_METALS and os.path.exists(coulomb_nc(m))]
P4_TFME_FIG = [m for m in ("Pb", "Nb") if m in P4_TFME]       # the paper's Figs. 5 and 6 show these


# ---------------------------------------------------------------- figures (plotting only)
# Inputs of each figure (stem fig<NN>_<name>): "data" and, for some, the other
# files its plotting function (workflow/scripts/paper004_plot.py, fig<NN>) reads.
P4_FIGURE_INPUTS = {
    "fig01_kernel": {"data": ["results/paper004/kernel_w.nc"]},
    "fig02_mesh_convergence": {"data": paper004_nc("mesh", P4_MESH)},
    "fig02_kresolved": {"data": expand("results/paper004/kresolved/fig02_{metal}.nc", metal=P4_KR)},
    "fig03_a2f": {"data": paper004_nc("metals", P4_FIG_METALS)},
    "fig04_kernels": {"data": paper004_nc("metals", P4_FIG_METALS)},
    "fig05_gap": {"data": paper004_nc("curves", [m for m in ["Pb"] if m in P4_CURVES]),
                  "metals": paper004_nc("metals", [m for m in ["Pb", "Nb"] if m in P4_METALS])},
    "fig06_delta0_T": {"data": paper004_nc("curves", P4_CURVES)},
    "fig05_kresolved": {"data": expand("results/paper004/kresolved/tfme_{metal}.nc", metal=P4_TFME_FIG)},
    "fig06_kresolved": {"data": expand("results/paper004/kresolved/tfme_{metal}.nc", metal=P4_TFME_FIG)},
    "fig07_tc_gap_vs_exp": {"data": ["results/tables/table2.nc"]},
    "fig08_decomposition": {"data": paper004_nc("decomposition", P4_DECOMP)},
    "fig09_cutoff": {"data": paper004_nc("cutoff", P4_CUTOFF)},
    "fig10_thermodynamics": {"data": paper004_nc("curves", P4_CURVES)},
    "fig11_order_parameter": {"data": paper004_nc("metals", P4_ORDER), "paper": P4_PAPER},
}


rule paper004_figure:
    input:
        unpack(lambda wc: P4_FIGURE_INPUTS[f"fig{wc.n}_{wc.name}"]),
    output:
        # one caption file; it selects the figure's text by snakemake.wildcards.n
        png=report(f"{P4_FIGDIR}/fig{{n}}_{{name}}.png", caption="../report/paper004_figure.rst",
                   category=P4_REPORT),
        nc=f"{P4_FIGDIR}/fig{{n}}_{{name}}.nc",
    wildcard_constraints:
        n="[0-9]{2}",
        name="|".join(k.split("_", 1)[1] for k in P4_FIGURE_INPUTS),
    params:
        scimodel_code=SCIMODEL_CODE,
        figure=lambda wc: f"fig{wc.n}",
        stem=lambda wc: f"fig{wc.n}_{wc.name}",
    log:
        "logs/paper004_figure/fig{n}_{name}.log",
    conda:
        ENV_SCI
    script:
        "../scripts/paper004_plot.py"


# ---------------------------------------------------------------- targets
P4_FIGURE_NEEDS = {
    "fig01_kernel": True,
    "fig02_mesh_convergence": bool(P4_MESH),
    "fig03_a2f": bool(P4_FIG_METALS),
    "fig04_kernels": bool(P4_FIG_METALS),
    "fig05_gap": "Pb" in P4_CURVES,
    "fig06_delta0_T": bool(P4_CURVES),
    "fig07_tc_gap_vs_exp": bool(P4_METALS),
    "fig08_decomposition": bool(P4_DECOMP),
    "fig09_cutoff": bool(P4_CUTOFF),
    "fig10_thermodynamics": bool(P4_CURVES),
    "fig11_order_parameter": bool(P4_ORDER),
}
if not all(P4_FIGURE_NEEDS.values()):
    print("paper004: figures left out of the default targets (their metals have no input yet): "
          f"{[k for k, v in P4_FIGURE_NEEDS.items() if not v]}", file=_sys.stderr)
FIGURES += [f"{P4_FIGDIR}/{k}.png" for k, v in P4_FIGURE_NEEDS.items() if v]
if P4["metals"]:       # every requested metal has a row ("no input" where its input is absent)
    TABLES += ["results/tables/table2.md", "results/tables/table2_diagnostics.md",
               "results/tables/table3.md"]
    DATA += ["results/paper004/summary.md"]
if P4_ISOTOPE:
    TABLES += ["results/tables/paper004_isotope.md"]
# The data behind the tables and figures are default targets too: a run killed
# while writing one of them rebuilds it on the next run (--rerun-incomplete).
DATA += ["results/paper004/kernel_w.nc"]
for _kind, _metals in (("metals", P4_METALS), ("isotope", P4_ISOTOPE), ("mesh", P4_MESH),
                       ("curves", P4_CURVES), ("cutoff", P4_CUTOFF), ("decomposition", P4_DECOMP)):
    DATA += expand(f"results/paper004/{_kind}/{{metal}}.nc", metal=_metals)


# Fig. 2 (k-resolved vs energy-only, about 5 min on 2 cores): a named target, not a default one
rule paper004_fig02_kresolved:
    input:
        [f"{P4_FIGDIR}/fig02_kresolved.png"] if P4_KR else [],


# Table 2-3, k-resolved columns (TF-ME from cached matrix elements; scimodel.scdft.tfme):
# about 4 min per metal on 2 cores, so a named target (snakemake paper004_table2_kresolved),
# not a default one


# Figs. 5 and 6 from the k-resolved TF-ME runs of Pb and Nb (with the table's runs)
rule paper004_kresolved_tfme:
    input:
        "results/tables/paper004_table2_kresolved.md",
        [f"{P4_FIGDIR}/fig{n}_kresolved.png" for n in ("05", "06") if P4_TFME_FIG],


rule paper004_table2_kresolved:
    input:
        runs=expand("results/paper004/kresolved/tfme_{metal}.nc", metal=P4_TFME),
        paper=P4_PAPER,
    output:
        nc="results/paper004/kresolved/table2_kresolved.nc",
        csv="results/tables/paper004_table2_kresolved.csv",
        md=report("results/tables/paper004_table2_kresolved.md",
                  caption="../report/paper004_table2_kresolved.rst", category=P4_REPORT),
    params:
        metals=P4_TFME,
        scimodel_code=SCIMODEL_CODE,
    log:
        "logs/paper004_table2_kresolved/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/paper004_table2_kresolved.py"
