# Phonons against experiment: DFPT frequencies at the zone-boundary points and the
# dispersion (q2r.x/matdyn.x) next to Born-von Karman fits to neutron scattering.
rule abinitio_phonons:
    # Table: DFPT at X, L / H, N, P (cache and test runs) against the neutron fits
    input:
        nc=[abinitio_dfpt_nc(m) for m in PH_METALS],
        archives=[a for m in PH_METALS for a in phonon_archives(m)],
        bvk=PH_BVK,
        runs="resources/abinitio/phonon_check/runs.jsonl",
    output:
        nc="results/abinitio/phonons/special_points.nc",
        csv="results/tables/abinitio_phonons.csv",
        md=report(
            "results/tables/abinitio_phonons.md",
            caption="../report/abinitio_phonons.rst",
            category="Ab-initio inputs (QE)",
        ),
    params:
        scimodel_code=SCIMODEL_CODE,
        metals=PH_METALS,
        structure={m: AB["elements"][m]["structure"] for m in PH_METALS},
        mass={m: AB["elements"][m]["mass_amu"] for m in PH_METALS},
        tolerance=PH["tolerance"],
    log:
        "logs/abinitio_phonons/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/abinitio_phonons.py"


rule abinitio_phonon_dispersion:
    # q2r.x + matdyn.x on the cached file's main campaign (recompute only: needs QE)
    input:
        nc=lambda wc: abinitio_dfpt_nc(wc.metal),
        archive=lambda wc: cached_campaign_archive(wc.metal),
    output:
        nc="results/abinitio/phonons/dispersion_{metal}.nc",
    wildcard_constraints:
        metal="[A-Z][a-z]?",
    params:
        scimodel_code=SCIMODEL_CODE,
        structure=lambda wc: AB["elements"][wc.metal]["structure"],
        mass=lambda wc: AB["elements"][wc.metal]["mass_amu"],
        points_per_unit=PH["points_per_unit"],
        scratch=lambda wc: f"{AB['scratch_dir']}/{wc.metal}_dispersion",
    log:
        "logs/abinitio_phonon_dispersion/{metal}.log",
    conda:
        ENV_QE
    script:
        "../scripts/abinitio_phonon_dispersion.py"


rule abinitio_phonon_dispersion_recompute:
    input:
        expand("results/abinitio/phonons/dispersion_{metal}.nc", metal=PH_METALS),


rule abinitio_phonon_figure:
    input:
        nc=[dispersion_nc(m) for m in PH_METALS],
        bvk=PH_BVK,
        table="results/abinitio/phonons/special_points.nc",
    output:
        png=report(
            "results/figures/abinitio_phonons.png",
            caption="../report/abinitio_phonons_figure.rst",
            category="Ab-initio inputs (QE)",
        ),
    params:
        scimodel_code=SCIMODEL_CODE,
        metals=PH_METALS,
    log:
        "logs/abinitio_phonon_figure/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/abinitio_phonon_figure.py"


if PH_METALS:
    TABLES += ["results/tables/abinitio_phonons.csv", "results/tables/abinitio_phonons.md"]
    DATA += ["results/abinitio/phonons/special_points.nc"]
    if all(os.path.exists(dispersion_nc(m)) for m in PH_METALS) or not AB["use_cache"]:
        FIGURES += ["results/figures/abinitio_phonons.png"]


# Phonon DOS against a DOS derived from neutron scattering, for the metals whose
# Born-von Karman fit is unusable (Pb): peak energies of the cached phonon DOS (the DFPT
# run's: a spin-orbit transfer's derived F is not compared, abinitio_dfpt_nc).
PH_DOS_METALS = [m for m in PH.get("reference_dos", {}) if m in PH_METALS]


rule abinitio_phonon_dos:
    input:
        nc=[abinitio_dfpt_nc(m) for m in PH_DOS_METALS],
        reference=[PH["reference_dos"][m] for m in PH_DOS_METALS],
    output:
        nc="results/abinitio/phonons/dos_reference.nc",
        csv="results/tables/abinitio_phonon_dos.csv",
        md=report(
            "results/tables/abinitio_phonon_dos.md",
            caption="../report/abinitio_phonon_dos.rst",
            category="Ab-initio inputs (QE)",
        ),
        png=report(
            "results/figures/abinitio_phonon_dos.png",
            caption="../report/abinitio_phonon_dos.rst",
            category="Ab-initio inputs (QE)",
        ),
    params:
        scimodel_code=SCIMODEL_CODE,
        metals=PH_DOS_METALS,
        tolerance=PH["tolerance"],
    log:
        "logs/abinitio_phonon_dos/all.log",
    conda:
        ENV_SCI
    script:
        "../scripts/abinitio_phonon_dos.py"


if PH_DOS_METALS:
    TABLES += ["results/tables/abinitio_phonon_dos.csv", "results/tables/abinitio_phonon_dos.md"]
    FIGURES += ["results/figures/abinitio_phonon_dos.png"]
    DATA += ["results/abinitio/phonons/dos_reference.nc"]
