# First-principles inputs: alpha2F, phonon DOS and electronic DOS of
# Al, Mo, Ta, Pb, Nb and Cu from Quantum ESPRESSO 6.7.
#
# Default (abinitio.use_cache: true): the committed NetCDF files
# resources/abinitio/<M>.nc are the inputs of everything downstream; no QE job
# is scheduled.  Recompute (needs pw.x ... on PATH):
#
#     snakemake --cores 2 abinitio_recompute --configfile config/campaigns/abinitio_recompute.yaml
#
# builds results/abinitio/<M>.nc (pseudopotentials -> ground state -> one ph.x job per
# irreducible q point -> q2r/matdyn + DOS -> NetCDF);
# `cp results/abinitio/*.nc resources/abinitio/` refreshes the cache.
# Consumers (paper004.smk) call abinitio_nc(metal) for the right path.
# AB, AB_METALS, AB_ELEMENTS, AB_AVAILABLE, AB_FIGURE, abinitio_nc() and the
# input functions are defined in common.smk (section 'Ab-initio inputs').


rule abinitio_pseudo:
    input:
        gen="resources/pseudo/{element}.ld1.in",
        test="resources/pseudo/{element}.ld1test.in",
        # the committed UPF: its bytes are kept when ld1.x reproduces it within the tolerances of
        # qe.upf_equivalent (BLAS-dependent rounding; qe.generate_pseudo)
        reference=abinitio_reference_upf,
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


rule abinitio_pseudo_nc:
    # valence-only norm-conserving pseudopotentials of the TF-ME runs (kresolved.smk)
    input:
        gen="resources/pseudo/nc/{element}.ld1.in",
        test="resources/pseudo/nc/{element}.ld1test.in",
        reference=lambda wc: abinitio_reference_upf(wc, "generated/nc", "pz-n-nc"),
    wildcard_constraints:
        element="[A-Z][a-z]?",
    output:
        upf="results/abinitio/pseudo/nc/{element}.pz-n-nc.UPF",
        gen_out="results/abinitio/pseudo/nc/{element}.ld1.out",
        test_out="results/abinitio/pseudo/nc/{element}.ld1test.out",
        transferability="results/abinitio/pseudo/nc/{element}.transferability.csv",
    log:
        "logs/abinitio_pseudo_nc/{element}.log",
    benchmark:
        "benchmarks/results/abinitio_pseudo_nc/{element}.tsv"
    conda:
        ENV_QE
    script:
        "../scripts/abinitio_pseudo.py"


rule abinitio_pseudo_nc_semicore:
    # norm-conserving with the semicore shells in valence (config/campaigns/tfme_semicore.yaml)
    input:
        gen="resources/pseudo/nc/{element}.spn.ld1.in",
        test="resources/pseudo/nc/{element}.spn.ld1test.in",
        reference=lambda wc: abinitio_reference_upf(wc, "generated/nc", "pz-spn-nc"),
    wildcard_constraints:
        element="[A-Z][a-z]?",
    output:
        upf="results/abinitio/pseudo/nc/{element}.pz-spn-nc.UPF",
        gen_out="results/abinitio/pseudo/nc/{element}.spn.ld1.out",
        test_out="results/abinitio/pseudo/nc/{element}.spn.ld1test.out",
        transferability="results/abinitio/pseudo/nc/{element}.spn.transferability.csv",
    log:
        "logs/abinitio_pseudo_nc/{element}.spn.log",
    benchmark:
        "benchmarks/results/abinitio_pseudo_nc/{element}.spn.tsv"
    conda:
        ENV_QE
    script:
        "../scripts/abinitio_pseudo.py"


rule abinitio_ground:
    # pw.x scf on the dense (la2F) and the coarse k grid; keeps QE's tmp folder
    # for the q-point jobs.
    input:
        pseudo=abinitio_pseudo_input,
    output:
        ground=directory("results/abinitio/qe_parts/{metal}_q{q}/ground"),
    wildcard_constraints:
        metal="[A-Z][a-z]?",
        q="[0-9]+",
    params:
        element=lambda wc: AB_ELEMENTS[wc.metal],
        mpi_command=lambda wc: AB["mpi_command"],
    threads: 2
    resources:
        runtime=60,
    log:
        "logs/abinitio_ground/{metal}_q{q}.log",
    benchmark:
        "benchmarks/results/abinitio_ground/{metal}_q{q}.tsv"
    conda:
        ENV_QE
    script:
        "../scripts/abinitio_ground.py"


rule abinitio_phq:
    # ph.x for one irreducible q point, in a fresh process on a copy of the ground
    # state: q points are independent jobs (in parallel on a cluster, or over days).
    input:
        ground="results/abinitio/qe_parts/{metal}_q{q}/ground",
    output:
        qdir=directory("results/abinitio/qe_parts/{metal}_q{q}/iq{iq}"),
    wildcard_constraints:
        metal="[A-Z][a-z]?",
        q="[0-9]+",
        iq="[0-9]+",
    params:
        scratch=lambda wc: f"{AB['scratch_dir']}/{wc.metal}_q{wc.q}_iq{wc.iq}",
        mpi_command=lambda wc: AB["mpi_command"],
        # committed finished representations of this q point (tetrahedra campaigns):
        # read if present, not an input (storing another q point must not rerun this one)
        archive_roots=AB_QPOINT_ROOTS,
    threads: 2
    resources:
        runtime=120,
    log:
        "logs/abinitio_phq/{metal}_q{q}_iq{iq}.log",
    benchmark:
        "benchmarks/results/abinitio_phq/{metal}_q{q}_iq{iq}.tsv"
    conda:
        ENV_QE
    script:
        "../scripts/abinitio_phq.py"


rule abinitio_stored_q:
    # one committed q point, unpacked from its campaign archive for the join
    input:
        archive=abinitio_stored_archive,
    output:
        qdir=directory("results/abinitio/qe_stored/{campaign}/iq{iq}"),
    wildcard_constraints:
        campaign="[A-Z][a-z]?_q[0-9]+_[0-9a-f]{16}",
        iq="[0-9]+",
    log:
        "logs/abinitio_stored_q/{campaign}_iq{iq}.log",
    benchmark:
        "benchmarks/results/abinitio_stored_q/{campaign}_iq{iq}.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/abinitio_stored_q.py"


rule abinitio_qe:
    # joins the q points: checks, nscf + DOS (main q grid), q2r.x, matdyn.x
    input:
        unpack(abinitio_qe_input),
    output:
        run=directory("results/abinitio/qe/{metal}_q{q}"),
    wildcard_constraints:
        metal="[A-Z][a-z]?",
        q="[0-9]+",
    params:
        # the main q grid carries the nscf + DOS steps; the check grid only phonons
        with_dos=lambda wc: int(wc.q) == AB_ELEMENTS[wc.metal]["q_grid"],
        scratch=lambda wc: f"{AB['scratch_dir']}/{wc.metal}_q{wc.q}",
        mpi_command=lambda wc: AB["mpi_command"],
    threads: 2
    resources:
        runtime=60,
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
        unpack(abinitio_netcdf_input),
    output:
        nc="results/abinitio/{metal}.nc",
    wildcard_constraints:
        metal="[A-Z][a-z]?",
    params:
        scimodel_code=SCIMODEL_CODE,
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


rule abinitio_user:
    # A metal whose abinitio.elements.<M>.files names the user's own alpha2F
    # and DOS text files (scimodel.user_inputs): no QE, no cache.
    input:
        unpack(abinitio_user_input),
    output:
        nc="results/abinitio/user/{metal}.nc",
    wildcard_constraints:
        metal="[A-Za-z0-9]+",
    params:
        scimodel_code=SCIMODEL_CODE,
        element=lambda wc: AB_ELEMENTS[wc.metal],
    log:
        "logs/abinitio_user/{metal}.log",
    benchmark:
        "benchmarks/results/abinitio_user/{metal}.tsv"
    conda:
        ENV_SCI
    script:
        "../scripts/abinitio_user.py"


rule abinitio_qe_phonons:
    # joins the q points without the electronic steps (q2r.x, matdyn.x; no nscf): the
    # coarse grids of a spin-orbit transfer (rule abinitio_spin_orbit)
    input:
        unpack(abinitio_qe_input),
    output:
        run=directory("results/abinitio/qe_phonons/{metal}_q{q}"),
    wildcard_constraints:
        metal="[A-Z][a-z]?",
        q="[0-9]+",
    params:
        with_dos=False,
        scratch=lambda wc: f"{AB['scratch_dir']}/{wc.metal}_q{wc.q}_phonons",
        mpi_command=lambda wc: AB["mpi_command"],
    threads: 2
    resources:
        runtime=30,
    log:
        "logs/abinitio_qe_phonons/{metal}_q{q}.log",
    conda:
        ENV_QE
    script:
        "../scripts/abinitio_qe.py"


rule abinitio_phonon_spectrum:
    # alpha2F, lambda and the phonon DOS of a phonons-only join (scimodel.qe.build_phonon_dataset)
    input:
        run="results/abinitio/qe_phonons/{metal}_q{q}",
    output:
        nc="results/abinitio/phonon_spectra/{metal}_q{q}.nc",
    wildcard_constraints:
        metal="[A-Z][a-z]?",
        q="[0-9]+",
    params:
        scimodel_code=SCIMODEL_CODE,
        element=lambda wc: AB_ELEMENTS[wc.metal],
    log:
        "logs/abinitio_phonon_spectrum/{metal}_q{q}.log",
    conda:
        ENV_SCI
    script:
        "../scripts/abinitio_phonon_spectrum.py"


rule abinitio_q_point_spectrum:
    # alpha2F, lambda and the phonon DOS as a direct sum over the listed committed q points
    # of the configured campaign (scimodel.qe.build_q_point_dataset): the coarse members of a
    # spin-orbit transfer on the q points two campaigns share, when a grid is not complete.
    # {iqs}: the irreducible q points joined by '-', e.g. Pb_q4_points_1-2-3.nc
    input:
        archive=abinitio_campaign_archive,
    output:
        nc="results/abinitio/phonon_spectra/{metal}_q{q}_points_{iqs}.nc",
    wildcard_constraints:
        metal="[A-Z][a-z]?",
        q="[0-9]+",
        iqs="[0-9]+(-[0-9]+)*",
    params:
        scimodel_code=SCIMODEL_CODE,
        element=lambda wc: AB_ELEMENTS[wc.metal],
    log:
        "logs/abinitio_q_point_spectrum/{metal}_q{q}_points_{iqs}.log",
    conda:
        ENV_SCI
    script:
        "../scripts/abinitio_q_point_spectrum.py"


rule abinitio_spin_orbit:
    # the cached scalar-relativistic input with alpha2F and the phonon DOS changed as the
    # coarse pair abinitio.spin_orbit_transfer.<M> says (scimodel.qe.spin_orbit); every
    # consumer reads it instead of the cache (abinitio_nc); the cache stays the scalar variant
    input:
        scalar=lambda wc: abinitio_cached(wc.metal),
        ref_from=lambda wc: AB["spin_orbit_transfer"][wc.metal]["scalar_reference"],
        ref_to=lambda wc: AB["spin_orbit_transfer"][wc.metal]["spin_orbit_reference"],
    output:
        nc="results/abinitio/spin_orbit/{metal}.nc",
    wildcard_constraints:
        metal="[A-Z][a-z]?",
    params:
        scimodel_code=SCIMODEL_CODE,
        transfer=lambda wc: AB["spin_orbit_transfer"][wc.metal],
    log:
        "logs/abinitio_spin_orbit/{metal}.log",
    conda:
        ENV_SCI
    script:
        "../scripts/abinitio_spin_orbit.py"


rule abinitio_recompute:
    input:
        expand("results/abinitio/{metal}.nc", metal=AB_QE_METALS),


rule abinitio_table:
    input:
        nc=[abinitio_nc(m) for m in AB_AVAILABLE],
        reference="resources/abinitio/paper004_lambda.csv",
    output:
        csv="results/tables/abinitio_summary.csv",
        md=report(
            "results/tables/abinitio_summary.md",
            caption="../report/abinitio_table.rst",
            category="Ab-initio inputs (QE)",
        ),
    params:
        scimodel_code=SCIMODEL_CODE,
        metals=AB_AVAILABLE,
        tolerance=AB["tolerances"]["lambda_vs_paper"],
    log:
        "logs/abinitio_table/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/abinitio_table.py"


rule abinitio_figure:
    input:
        nc=[abinitio_nc(m) for m in AB_FIGURE],
        reference="resources/abinitio/paper004_lambda.csv",
    output:
        png=report(
            "results/figures/abinitio_a2f.png",
            caption="../report/abinitio_figure.rst",
            category="Ab-initio inputs (QE)",
        ),
    params:
        scimodel_code=SCIMODEL_CODE,
        metals=AB_FIGURE,
    log:
        "logs/abinitio_figure/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/abinitio_figure.py"


rule abinitio_dos_figure:
    input:
        nc=[abinitio_nc(m) for m in AB_AVAILABLE],
    output:
        png=report(
            "results/figures/abinitio_dos.png",
            caption="../report/abinitio_dos_figure.rst",
            category="Ab-initio inputs (QE)",
        ),
    params:
        scimodel_code=SCIMODEL_CODE,
        metals=AB_AVAILABLE,
    log:
        "logs/abinitio_dos_figure/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/abinitio_dos_figure.py"


if AB_FIGURE:
    FIGURES += ["results/figures/abinitio_a2f.png"]
if AB_AVAILABLE:
    FIGURES += ["results/figures/abinitio_dos.png"]
    TABLES += ["results/tables/abinitio_summary.csv", "results/tables/abinitio_summary.md"]
DATA += [abinitio_nc(m) for m in AB_AVAILABLE]
