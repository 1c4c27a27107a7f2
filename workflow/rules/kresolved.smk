# k-resolved SCDFT inputs (paper 004, Sec. III; scimodel.qe.bandgrid, scimodel.scdft.bands).
#
# Recompute (needs Quantum ESPRESSO):
#     snakemake --cores 2 abinitio_bands_recompute --configfile config/campaigns/abinitio_recompute.yaml
#     cp results/abinitio/bands/*.nc resources/abinitio/bands/
# The default run reads the committed resources/abinitio/bands/<M>.nc.


rule abinitio_band_grid:
    # pw.x scf, nscf on the Gamma-centred mesh (irreducible points), bands at random k
    input:
        pseudo=abinitio_pseudo_input,
    output:
        nc="results/abinitio/bands/{metal}.nc",
    wildcard_constraints:
        metal="[A-Z][a-z]?",
    params:
        element=lambda wc: AB_ELEMENTS[wc.metal],
        band_grid=AB["band_grid"],
        scratch=lambda wc: f"{AB['scratch_dir']}/{wc.metal}_bands",
        mpi_command=lambda wc: AB["mpi_command"],
    threads: 2
    resources:
        runtime=60,
    log:
        "logs/abinitio_band_grid/{metal}.log",
    benchmark:
        "benchmarks/results/abinitio_band_grid/{metal}.tsv"
    conda:
        ENV_QE
    script:
        "../scripts/abinitio_band_grid.py"


rule abinitio_bands_recompute:
    input:
        expand("results/abinitio/bands/{metal}.nc", metal=AB["band_grid"]["metals"]),


rule kresolved_band_fit:
    # star-function fits of the cached bands against pw.x at random k (mesh and mesh / 2)
    input:
        nc=[band_grid_nc(m) for m in KR_BAND_METALS],
    output:
        nc="results/kresolved/band_fit.nc",
        csv="results/tables/band_fit.csv",
        md=report("results/tables/band_fit.md", caption="../report/band_fit_table.rst",
                  category="k-resolved SCDFT inputs"),
    params:
        scimodel_code=SCIMODEL_CODE,
        metals=KR_BAND_METALS,
    log:
        "logs/kresolved_band_fit/all.log",
    benchmark:
        "benchmarks/results/kresolved_band_fit/all.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/kresolved_band_fit.py"


if KR_BAND_METALS:
    TABLES += ["results/tables/band_fit.csv", "results/tables/band_fit.md"]
    DATA += ["results/kresolved/band_fit.nc"]


rule kresolved_fig02:
    # Fig. 2 of paper 004: k-resolved vs energy-only Tc on the same fitted bands
    input:
        bands=lambda wc: band_grid_nc(wc.metal),
        nc=lambda wc: abinitio_nc(wc.metal),
    output:
        nc="results/paper004/kresolved/fig02_{metal}.nc",
    wildcard_constraints:
        metal="[A-Z][a-z]?",
    params:
        scimodel_code=SCIMODEL_CODE,
        fig02=config["paper004"]["kresolved_fig02"],
        scdft=config["scdft"],
        semicore=lambda wc: AB_ELEMENTS[wc.metal]["semicore_bands"],
    threads: 2
    log:
        "logs/kresolved_fig02/{metal}.log",
    benchmark:
        "benchmarks/results/kresolved_fig02/{metal}.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/kresolved_fig02.py"


# TF-ME Coulomb matrix elements (paper 004, Eq. 18; scimodel.qe.coulomb_mesh).
#
# Recompute (needs Quantum ESPRESSO; norm-conserving pseudopotentials only; k_TF from the
# N(0) of abinitio_nc(<M>), the committed cache by default):
#     snakemake --cores 2 abinitio_coulomb_recompute
#     cp results/abinitio/coulomb/*.nc resources/abinitio/coulomb/
# Everything else reads the committed resources/abinitio/coulomb/<M>.nc.


rule abinitio_coulomb:
    # pw.x scf + nscf on the full mesh; K^TF-ME from the wavefunctions
    input:
        pseudo=coulomb_pseudo_input,
        nc=lambda wc: abinitio_nc(wc.metal),
    output:
        nc="results/abinitio/coulomb/{metal}.nc",
    wildcard_constraints:
        metal="[A-Z][a-z]?",
    params:
        element=lambda wc: coulomb_element(wc.metal)[0],
        band_offset=lambda wc: coulomb_element(wc.metal)[1],
        g_cut=lambda wc: coulomb_element(wc.metal)[2],
        onsite_q_max=lambda wc: coulomb_element(wc.metal)[3],
        coulomb=lambda wc: {k: v for k, v in AB["coulomb_me"].items()
                            if k not in ("elements", "g_cut_Ry", "onsite_q_max")},
        scratch=lambda wc: f"{AB['scratch_dir']}/{wc.metal}_coulomb",
        mpi_command=lambda wc: AB["mpi_command"],
        scimodel_code=SCIMODEL_CODE,
    threads: 2
    resources:
        runtime=120,
        mem_mb=8000,
    log:
        "logs/abinitio_coulomb/{metal}.log",
    benchmark:
        "benchmarks/results/abinitio_coulomb/{metal}.tsv"
    conda:
        ENV_QE
    script:
        "../scripts/abinitio_coulomb.py"


rule abinitio_coulomb_recompute:
    input:
        expand("results/abinitio/coulomb/{metal}.nc", metal=AB["coulomb_me"]["metals"]),


rule kresolved_tfme:
    # Table 2, k-resolved columns: TF-ME and TF-SK Tc on sampled states of the fitted bands
    input:
        bands=lambda wc: band_grid_nc(wc.metal),
        nc=lambda wc: abinitio_nc(wc.metal),
        coulomb=lambda wc: coulomb_nc(wc.metal),
        paper=config["paper004"]["paper_values"],
    output:
        nc="results/paper004/kresolved/tfme_{metal}.nc",
    wildcard_constraints:
        metal="[A-Z][a-z]?",
    params:
        scimodel_code=SCIMODEL_CODE,
        tfme=config["paper004"]["kresolved_tfme"],
        scdft=config["scdft"],
        semicore=lambda wc: AB_ELEMENTS[wc.metal]["semicore_bands"],
    threads: 2
    log:
        "logs/kresolved_tfme/{metal}.log",
    benchmark:
        "benchmarks/results/kresolved_tfme/{metal}.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/kresolved_tfme.py"
