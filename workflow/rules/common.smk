# Helpers shared by all rule files, config validation and the target lists.
import glob
import os

from snakemake.exceptions import WorkflowError

from scimodel import schema_path
from scimodel.config import validate_workflow_config
from scimodel.errors import InputError
from scimodel.provenance import code_fingerprint
from scimodel.qe.coulomb_mesh import tfme_settings


# Validate (and fill defaults) with a message naming the field and where its
# value came from (config/config.yaml, a --configfile file or --config): every
# config file is re-read strictly (duplicate keys), --config strings are read
# as the numbers / booleans the schema asks for, NaN and infinities and
# inverted ranges are rejected (scimodel.config).
try:
    validate_workflow_config(config, schema_path("config.schema.yaml"), workflow)
except InputError as _err:
    raise WorkflowError(f"invalid configuration: {_err}") from None

# Fingerprint of the scimodel sources, a parameter of every rule that runs
# scimodel code (not of the Quantum ESPRESSO runs): with the profile's
# rerun-triggers (params), editing a physics module reruns what it may change.
SCIMODEL_CODE = code_fingerprint()

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


# ---------------------------------------------------------------- Ab-initio inputs
# Used by workflow/rules/abinitio.smk and by consumers of the cached NetCDF files.
import sys as _sys
from pathlib import Path as _Path

AB = config["abinitio"]
AB_METALS = list(AB["metals"])
AB_ELEMENTS = AB["elements"]
for _m in AB_METALS + list(AB.get("figure_metals", [])):
    if _m not in AB_ELEMENTS:
        raise WorkflowError(
            f"invalid configuration: config/config.yaml: field 'abinitio.metals': unknown "
            f"material {_m!r}; expected one of {sorted(AB_ELEMENTS)} (defined under abinitio.elements)"
        )


def abinitio_user_files(metal):
    """The ``files`` entry (user's alpha2F/DOS text files) of ``metal``, or None (QE metal)."""
    return AB_ELEMENTS.get(metal, {}).get("files")


# Metals computed with Quantum ESPRESSO (the others come from the user's files).
AB_QE_METALS = [m for m in AB_METALS if not abinitio_user_files(m)]


def abinitio_nc(metal):
    """The ab-initio NetCDF of ``metal`` that the rest of the DAG reads."""
    if abinitio_user_files(metal):
        return f"results/abinitio/user/{metal}.nc"
    if AB["use_cache"]:
        if spin_orbit_transferred(metal):
            return f"results/abinitio/spin_orbit/{metal}.nc"
        return f"resources/abinitio/{metal}.nc"
    return f"results/abinitio/{metal}.nc"


def spin_orbit_transferred(metal):
    """``metal``'s consumers read a spin-orbit transfer (abinitio.spin_orbit_transfer.<M> set, not null)."""
    return AB["spin_orbit_transfer"].get(metal) is not None


def abinitio_dfpt_nc(metal):
    """The NetCDF of ``metal``'s own DFPT run, which the phonon checks compare with experiment:
    abinitio_nc(metal), except that a spin-orbit transfer (a derived spectrum) is replaced by
    the scalar cache it was derived from."""
    if AB["use_cache"] and not abinitio_user_files(metal) and spin_orbit_transferred(metal):
        return abinitio_cached(metal)
    return abinitio_nc(metal)


def abinitio_cached(metal):
    """The committed resources/abinitio/<M>.nc that abinitio_nc(metal) starts from in cache mode."""
    return f"resources/abinitio/{metal}.nc"


# Metals whose NetCDF the default targets can use.  With the cache, a metal
# whose resources/abinitio/<M>.nc is not committed yet is left out of the
# default targets (with a warning) instead of breaking everybody's DAG.
AB_AVAILABLE = [m for m in AB_METALS
                if abinitio_user_files(m) or not AB["use_cache"] or os.path.exists(abinitio_cached(m))]
if len(AB_AVAILABLE) < len(AB_METALS):
    print(f"abinitio: no cached NetCDF for {sorted(set(AB_METALS) - set(AB_AVAILABLE))} in "
          "resources/abinitio; left out of the default targets", file=_sys.stderr)
AB_FIGURE = [m for m in AB["figure_metals"] if m in AB_AVAILABLE]


def _pseudo_path(p):
    """generated/nc/<file> -> abinitio_pseudo_nc, generated/<file> -> abinitio_pseudo,
    else the file in resources/pseudo/."""
    if p.startswith("generated/nc/"):
        return f"results/abinitio/pseudo/nc/{_Path(p).name}"
    if p.startswith("generated/"):
        return f"results/abinitio/pseudo/{_Path(p).name}"
    return f"resources/pseudo/{p}"


def abinitio_pseudo_input(wc):
    """UPF input of a QE run of the metal's abinitio.elements entry."""
    return _pseudo_path(AB_ELEMENTS[wc.metal]["pseudo"])


def coulomb_element(metal):
    """The TF-ME run's settings of one metal (scimodel.qe.coulomb_mesh.tfme_settings):
    element parameters, band offset, G cutoff (Ry or None), on-site Q cutoff (1/bohr or None)."""
    return tfme_settings(AB, metal)


def coulomb_pseudo_input(wc):
    """UPF input of the TF-ME run (norm-conserving)."""
    return _pseudo_path(coulomb_element(wc.metal)[0]["pseudo"])


def abinitio_reference_upf(wc, folder="generated", kind="pz-spn-rrkjus"):
    """The committed copy of a generated UPF (resources/pseudo/<folder>/), if any."""
    p = f"resources/pseudo/{folder}/{wc.element}.{kind}.UPF"
    return p if _Path(p).exists() else []


def abinitio_user_input(wc):
    """The user's text files of one metal (rule abinitio_user)."""
    f = abinitio_user_files(wc.metal) or {}
    d = {"a2f": f.get("alpha2f", "<abinitio.elements.%s.files.alpha2f not set>" % wc.metal),
         "dos": f.get("dos", "<abinitio.elements.%s.files.dos not set>" % wc.metal)}
    if f.get("phonon_dos"):
        d["phonon_dos"] = f["phonon_dos"]
    return d


def abinitio_qe_input(wc):
    """Ground state and one folder per irreducible q point of ``{metal}_q{q}``.

    A q point already computed with the same phonon settings and committed in
    the campaign archive <root>/<M>_q<q>_<phonon key>.zip (roots: AB_QPOINT_ROOTS)
    is unpacked from there (rule abinitio_stored_q); the others are computed (rule
    abinitio_phq).  The join checks the key, the pseudopotential and the q list of
    every part."""
    from scimodel.qe import campaign_archive, irreducible_q_count, stored_points

    el = AB_ELEMENTS[wc.metal]
    base = f"results/abinitio/qe_parts/{wc.metal}_q{wc.q}"
    name = abinitio_campaign_name(wc)
    archive = campaign_archive(AB_QPOINT_ROOTS, name)
    stored = set(stored_points(archive)) if archive is not None else set()
    qpoints = []
    for iq in range(1, irreducible_q_count(el["structure"], int(wc.q)) + 1):
        qpoints.append(f"results/abinitio/qe_stored/{name}/iq{iq}" if iq in stored else f"{base}/iq{iq}")
    return {"ground": f"{base}/ground", "qpoints": qpoints}


def abinitio_campaign_name(wc):
    """``<M>_q<q>_<phonon key>``: the campaign of ``{metal}`` on the ``{q}``^3 grid under the
    configured settings."""
    from scimodel.qe import metal_spec, phonon_key

    spec = metal_spec(wc.metal, AB_ELEMENTS[wc.metal], q_grid=int(wc.q))
    return f"{wc.metal}_q{wc.q}_{phonon_key(spec)}"


def _committed_archive(name):
    """The committed archive of campaign ``name``, or a path that names what is missing."""
    from scimodel.qe import campaign_archive

    archive = campaign_archive(AB_QPOINT_ROOTS, name)
    if archive is None:
        return f"<no {name}.zip in {' or '.join(AB_QPOINT_ROOTS)}>"
    return str(archive)


def abinitio_campaign_archive(wc):
    """The committed archive of the configured campaign ``{metal}_q{q}`` (rule
    abinitio_q_point_spectrum)."""
    return _committed_archive(abinitio_campaign_name(wc))


def abinitio_stored_archive(wc):
    """The committed campaign archive that holds ``{campaign}`` (rule abinitio_stored_q)."""
    return _committed_archive(wc.campaign)


# Finished q points committed for reuse, one zip archive per campaign
# (scimodel.qe.store_q_points): the campaigns the cached files were joined from,
# then the convergence studies the records of resources/abinitio/ name.
AB_QPOINT_ROOTS = ["resources/abinitio/qe_parts", "resources/abinitio/qe_studies"]


# Phonons against experiment (workflow/rules/phonons.smk)
PH = AB["phonons"]
PH_METALS = [m for m in AB_AVAILABLE if not abinitio_user_files(m)]
PH_BVK = "resources/phonons/bvk_neutron_fits.yaml"


def phonon_archives(metal):
    """Every stored campaign archive of ``metal`` (the script picks the cached file's two by key)."""
    return sorted(glob.glob(f"resources/abinitio/qe_parts/{metal}_q*.zip"))


def cached_campaign_archive(metal):
    """The main ph.x campaign archive of the metal's ab-initio file (by its phonon key)."""
    import xarray as xr

    with xr.open_dataset(abinitio_nc(metal)) as ds:
        name = f"{metal}_q{int(ds.attrs['q_grid'])}_{ds.attrs['phonon_key']}.zip"
    for root in AB_QPOINT_ROOTS:
        if os.path.exists(f"{root}/{name}"):
            return f"{root}/{name}"
    raise WorkflowError(f"{abinitio_nc(metal)}: its campaign archive {name} is in none of {AB_QPOINT_ROOTS}")


def dispersion_nc(metal):
    if AB["use_cache"]:
        return f"resources/abinitio/phonons/dispersion_{metal}.nc"
    return f"results/abinitio/phonons/dispersion_{metal}.nc"



def abinitio_netcdf_input(wc):
    """Main QE run folder and, if configured, the q-grid check run of one metal."""
    el = AB_ELEMENTS[wc.metal]
    d = {"run": f"results/abinitio/qe/{wc.metal}_q{el['q_grid']}"}
    if el.get("q_check", 0):
        d["check"] = f"results/abinitio/qe/{wc.metal}_q{el['q_check']}"
    return d


def coulomb_nc(metal):
    """The K^TF-ME NetCDF of ``metal`` the DAG reads (cache unless use_cache is false)."""
    if AB["use_cache"]:
        return f"resources/abinitio/coulomb/{metal}.nc"
    return f"results/abinitio/coulomb/{metal}.nc"


def band_grid_nc(metal):
    """The band-grid NetCDF of ``metal`` the DAG reads (cache unless use_cache is false)."""
    if AB["use_cache"]:
        return f"resources/abinitio/bands/{metal}.nc"
    return f"results/abinitio/bands/{metal}.nc"


# k-resolved SCDFT: metals whose band grid the default targets can use (committed, or recomputed).
KR_BAND_METALS = [m for m in AB["band_grid"]["metals"]
                  if not AB["use_cache"] or os.path.exists(band_grid_nc(m))]
if len(KR_BAND_METALS) < len(AB["band_grid"]["metals"]):
    print(f"kresolved: no committed band grid for "
          f"{[m for m in AB['band_grid']['metals'] if m not in KR_BAND_METALS]} in "
          "resources/abinitio/bands; left out of the band-fit table and of Fig. 2", file=_sys.stderr)


def paper004_nc(kind, metals):
    """results/paper004/<kind>/<metal>.nc of each metal (paper004.smk's per-metal data)."""
    return expand(f"results/paper004/{kind}/{{metal}}.nc", metal=metals)


def log_path(rule_name, stem="all"):
    """logs/<rule>/<stem>.log"""
    return f"logs/{rule_name}/{stem}.log"


def bench_path(rule_name, stem="all"):
    """benchmarks/results/<rule>/<stem>.tsv (measured wall times, not committed)."""
    return f"benchmarks/results/{rule_name}/{stem}.tsv"
