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
