"""scimodel: physics of the SCDFT (Marques et al. 2005) and defectal
(ElMassalami & Silva Neto) reproductions.

Sub-modules
-----------
units        physical constants and unit conversions (the only place they live)
errors       :class:`InputError`, the error type for bad user input
io           NetCDF writing/reading with units and provenance; spectrum files
numba_config Numba options shared by every kernel
spectra      model Eliashberg functions (Einstein, Debye, two-peak)
eliashberg   lambda, omega_log, McMillan, Allen-Dynes, Matsubara Eliashberg
"""
__version__ = "0.1.0"


def schema_path(name: str):
    """Path of the JSON/YAML schema ``name`` shipped in the package
    (``scimodel/schemas``: the workflow config, digitization records and registry)."""
    from importlib import resources
    from pathlib import Path

    path = Path(str(resources.files(__name__) / "schemas" / name))
    if not path.is_file():
        raise FileNotFoundError(f"schema {name!r} is not in the installed package ({path.parent})")
    return path
