"""Physical constants and unit conversions.

This is the only module that knows about units.  Internally every energy in
:mod:`scimodel` is in **meV** and every temperature in **K**; frequencies of
phonons are expressed as energies (hbar*omega) in meV.  Convert once, at the
boundary (file readers, config), with the factors below.

All constants derive from :mod:`scipy.constants` (CODATA).
"""
from __future__ import annotations

import scipy.constants as _c

#: Boltzmann constant in meV/K.
KB_MEV_PER_K: float = _c.k / _c.e * 1e3
#: 1 meV in K (energy -> temperature).
MEV_TO_K: float = 1.0 / KB_MEV_PER_K
#: 1 K in meV.
K_TO_MEV: float = KB_MEV_PER_K
#: 1 eV in meV.
EV_TO_MEV: float = 1e3
#: 1 meV in eV.
MEV_TO_EV: float = 1e-3
#: h * (1 THz) in meV.
THZ_TO_MEV: float = _c.h * 1e12 / _c.e * 1e3
#: 1 meV expressed as a frequency nu in THz.
MEV_TO_THZ: float = 1.0 / THZ_TO_MEV
#: 1 Rydberg in meV.
RY_TO_MEV: float = _c.physical_constants["Rydberg constant times hc in eV"][0] * 1e3
#: 1 Hartree in meV.
HA_TO_MEV: float = _c.physical_constants["Hartree energy in eV"][0] * 1e3
#: 1 Rydberg in eV.
RY_TO_EV: float = RY_TO_MEV * 1e-3
#: 1 Hartree in eV.
HA_TO_EV: float = HA_TO_MEV * 1e-3
#: h*c*(1 cm^-1) in meV.
CM1_TO_MEV: float = _c.h * _c.c * 100.0 / _c.e * 1e3
#: Bohr radius in Angstrom.
BOHR_TO_ANGSTROM: float = _c.physical_constants["Bohr radius"][0] * 1e10
#: Angstrom in bohr.
ANGSTROM_TO_BOHR: float = 1.0 / BOHR_TO_ANGSTROM
#: Euler-Mascheroni constant.
EULER_GAMMA: float = 0.5772156649015329

#: Units accepted by :func:`energy_to_mev` (case-sensitive spellings).
ENERGY_UNITS = {
    "meV": 1.0,
    "eV": EV_TO_MEV,
    "Ry": RY_TO_MEV,
    "Ha": HA_TO_MEV,
    "Hartree": HA_TO_MEV,
    "THz": THZ_TO_MEV,
    "cm-1": CM1_TO_MEV,
    "cm^-1": CM1_TO_MEV,
    "K": K_TO_MEV,
}


def energy_factor_to_mev(unit: str) -> float:
    """Factor that converts an energy (or hbar*omega, h*nu, k_B*T) in ``unit`` to meV.

    Raises
    ------
    KeyError
        If the unit is unknown; callers wrap it in :class:`scimodel.errors.InputError`.
    """
    try:
        return ENERGY_UNITS[unit]
    except KeyError:
        raise KeyError(
            f"unknown energy unit {unit!r}; expected one of {sorted(ENERGY_UNITS)}"
        ) from None


def kelvin_to_mev(t_k):
    """Temperature in K -> k_B T in meV."""
    return t_k * KB_MEV_PER_K


def mev_to_kelvin(e_mev):
    """Energy in meV -> temperature E / k_B in K."""
    return e_mev * MEV_TO_K


# --- Transport and irradiation units ----
# Canonical units of the literature datasets: resistivity in uOhm cm,
# temperature in K, fluence in particles/cm^2.  Readers convert once with
# these factors (value_in_canonical = value * factor).

#: Resistivity units -> uOhm cm.
RESISTIVITY_UNITS = {
    "uohm cm": 1.0,            # UDUNITS spelling (stored in the NetCDF files)
    "uOhm cm": 1.0,
    "µΩ cm": 1.0,
    "uOhm*cm": 1.0,
    "uOhmcm": 1.0,
    "nOhm cm": 1e-3,
    "mOhm cm": 1e3,
    "Ohm cm": 1e6,
    "uOhm m": 1e2,
    "nOhm m": 1e-1,
    "Ohm m": 1e8,
}
#: Temperature units -> K.
TEMPERATURE_UNITS = {"K": 1.0, "mK": 1e-3}
#: Fluence units -> particles per cm^2.
FLUENCE_UNITS = {
    "cm-2": 1.0,               # UDUNITS spelling (stored in the NetCDF files)
    "n/cm^2": 1.0,
    "cm^-2": 1.0,
    "1e18 n/cm^2": 1e18,
    "10^18 n/cm^2": 1e18,
    "1e16 n/cm^2": 1e16,
    "10^16 n/cm^2": 1e16,
    "n/m^2": 1e-4,
    "m^-2": 1e-4,
}
