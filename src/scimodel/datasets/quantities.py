"""Quantities of the literature datasets: canonical units, accepted units and roles."""
from __future__ import annotations

from .. import units
from ..errors import InputError


# --------------------------------------------------------------------------- units
def _derived_units() -> dict[str, dict[str, float]]:
    res = units.RESISTIVITY_UNITS
    a_units = {}
    for r, f in res.items():
        for t, ft in units.TEMPERATURE_UNITS.items():
            a_units[f"{r}/{t}^2"] = f / ft**2
            a_units[f"{r} {t}^-2"] = f / ft**2
    a_inv = {}
    for a, f in a_units.items():
        a_inv[f"({a})^-1/2"] = f**-0.5
        a_inv[f"({a})^(-1/2)"] = f**-0.5
    inv_r = {}
    for r, f in res.items():
        inv_r[f"1/({r})"] = 1.0 / f
        inv_r[f"({r})^-1"] = 1.0 / f
    # UDUNITS spellings, as stored in the NetCDF files
    a_units["uohm cm K-2"] = 1.0
    a_inv["(uohm cm K-2)^-0.5"] = 1.0
    inv_r["uohm-1 cm-1"] = 1.0
    return {"A": a_units, "A_inv_sqrt": a_inv, "inv_rho0": inv_r}


_D = _derived_units()
_REL = {"1": 1.0, "": 1.0, "%": 1e-2}

#: quantity -> (long name, canonical unit, {accepted unit: factor to canonical})
QUANTITIES: dict[str, tuple[str, str, dict[str, float]]] = {
    "T": ("temperature", "K", units.TEMPERATURE_UNITS),
    "Tc": ("superconducting transition temperature", "K", units.TEMPERATURE_UNITS),
    "rho": ("electrical resistivity", "uohm cm", units.RESISTIVITY_UNITS),
    "rho0": ("residual resistivity", "uohm cm", units.RESISTIVITY_UNITS),
    "A": ("Fermi-liquid coefficient A of rho = rho0 + A T^2", "uohm cm K-2", _D["A"]),
    "fluence": ("irradiation fluence (particles per area)", "cm-2", units.FLUENCE_UNITS),
    "dTc_rel": ("relative Tc change (Tc - Tc0)/Tc0", "1", _REL),
    "drho0_rel": ("relative residual-resistivity change (rho0 - rho0_0)/rho0_0", "1", _REL),
    # ln(Tc / 1 K): only meaningful with Tc in kelvin, hence no other unit.
    "lnTc": ("natural logarithm of Tc in kelvin", "1", {"1": 1.0, "ln(K)": 1.0}),
    "A_inv_sqrt": ("A^(-1/2)", "(uohm cm K-2)^-0.5", _D["A_inv_sqrt"]),
    "inv_rho0": ("inverse residual resistivity 1/rho0", "uohm-1 cm-1", _D["inv_rho0"]),
}

#: role -> (x quantity, y quantity) of a series with that role
ROLES = {
    "rho_T": ("T", "rho"),
    "Tc_fluence": ("fluence", "Tc"),
    "A_fluence": ("fluence", "A"),
    "rho0_fluence": ("fluence", "rho0"),
    "A_rho0": ("rho0", "A"),
    "Tc_rho0": ("rho0", "Tc"),
    "lnTc_Ainvsqrt": ("A_inv_sqrt", "lnTc"),
    "dTc_drho": ("drho0_rel", "dTc_rel"),
}


def unit_factor(quantity: str, unit: str, file=None, field_name="unit") -> float:
    """Factor converting ``unit`` of ``quantity`` to its canonical unit."""
    if quantity not in QUANTITIES:
        raise InputError(file, field_name.rsplit(".", 1)[0] + ".quantity",
                         f"unknown quantity {quantity!r}; expected one of {sorted(QUANTITIES)}")
    table = QUANTITIES[quantity][2]
    if unit not in table:
        raise InputError(file, field_name,
                         f"unknown unit {unit!r} for {quantity}; expected one of {sorted(table)}")
    return float(table[unit])
