"""First-principles-style inputs from a user's own text files.

A physicist who has an Eliashberg function and an electronic DOS of a metal
(from another code, a paper, a database) can run the SCDFT/paper-004 part of
the workflow on it without Quantum ESPRESSO: :func:`dataset_from_files`
builds a dataset in the contract of :func:`scimodel.qe.read_abinitio`
(``scimodel.qe.CONTRACT``) from

* ``alpha2f``: text file read by :func:`scimodel.io.read_spectrum`
  (header ``omega_<unit>,alpha2F``);
* ``dos``: text file read by :func:`scimodel.io.read_dos` (header
  ``xi_<unit>,dos``; energies relative to E_F, DOS per unit energy, per spin,
  per atom), from the band bottom to at least 20 eV above E_F (the SCDFT
  Coulomb kernel needs the high-energy states; the solver extrapolates as
  sqrt beyond the grid);
* ``phonon_dos`` (optional): ``omega_<unit>,F``; without it the phonon DOS
  is stored as NaN and flagged in the attributes;
* the lattice (``structure``, ``a_angstrom``) and ``n_valence`` of the
  configuration, which give the atomic volume and the homogeneous-gas k_F of
  the TF-FE Coulomb kernel (as for the QE metals).

Derived quantities: N(0) by linear interpolation of the DOS at xi = 0; the
band bottom is the first grid point at which the DOS is non-zero (the file
must start at or below it); lambda, omega_log, <omega^2>^(1/2) from alpha2F.
A frequency grid not starting at 0 gets the point (0, 0) prepended
(alpha2F vanishes at least like omega^2 at 0).

Plausibility (each an :class:`~scimodel.errors.InputError` that names the
likely unit mix-up): highest phonon energy 1..500 meV, N(0) 1e-3..50
states/(eV spin atom), valence band at most 100 eV deep (``scimodel.io``),
lambda 1e-3..6 (here).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from . import eliashberg, units
from .errors import InputError
from .io import da, read_dos, read_spectrum

#: Primitive-cell volume in units of a^3 (one atom per cell).
_CELL_VOLUME = {"fcc": 0.25, "bcc": 0.5, "sc": 1.0}
#: The DOS must reach this far above E_F (meV), as the QE inputs do.
MIN_DOS_TOP_MEV = 20.0 * units.EV_TO_MEV
#: Plausible electron-phonon coupling constant (Cu ~0.15, Pb-Bi and hydrides ~3).
LAMBDA_RANGE = (1.0e-3, 6.0)


def dataset_from_files(name: str, alpha2f: str | Path, dos: str | Path, *, structure: str,
                       a_angstrom: float, n_valence: float,
                       phonon_dos: str | Path | None = None) -> xr.Dataset:
    """The contract dataset of metal ``name`` from the user's text files (see module doc)."""
    w, a2f = read_spectrum(alpha2f, "alpha2F")
    if w[0] > 0.0:
        w, a2f = np.concatenate([[0.0], w]), np.concatenate([[0.0], a2f])
    if not np.any(a2f > 0):
        raise InputError(alpha2f, "alpha2F", "all values are zero; expected a coupling spectrum")
    xi, n = read_dos(dos)
    if not (xi[0] < 0.0 < xi[-1]):
        raise InputError(dos, "xi", f"grid {xi[0]:.4g}..{xi[-1]:.4g} meV does not contain E_F (xi = 0); "
                         "expected energies from the band bottom (< 0) to >= +20 eV")
    if xi[-1] < MIN_DOS_TOP_MEV:
        raise InputError(dos, "xi", f"DOS ends at {xi[-1] * units.MEV_TO_EV:.3g} eV above E_F; "
                         "expected >= 20 eV (high-energy states of the Coulomb kernel)")
    dos_ef = float(np.interp(0.0, xi, n))
    if not dos_ef > 0.0:
        raise InputError(dos, "dos", "DOS at E_F (xi = 0) is zero; expected a metal (N(0) > 0)")
    first = int(np.argmax(n > 0))
    band_bottom = float(xi[max(first - 1, 0)])
    if band_bottom >= 0.0:
        raise InputError(dos, "dos", "no occupied states below E_F; expected the DOS from the band bottom")
    if structure not in _CELL_VOLUME:
        raise InputError("config/config.yaml", f"abinitio.elements.{name}.structure",
                         f"got {structure!r}, expected one of {sorted(_CELL_VOLUME)}")
    volume = _CELL_VOLUME[structure] * (a_angstrom / units.BOHR_TO_ANGSTROM) ** 3
    density = n_valence / volume
    kf = (3.0 * np.pi ** 2 * density) ** (1.0 / 3.0)
    m = eliashberg.moments(w, a2f)
    lo, hi = LAMBDA_RANGE
    if not lo <= m["lam"] <= hi:
        raise InputError(alpha2f, "alpha2F", f"lambda = 2 Int alpha2F/omega = {m['lam']:.4g}; expected "
                         f"{lo:g}..{hi:g} for a metal (alpha2F per cell of several atoms, or "
                         "another quantity such as F(omega)?)")
    if phonon_dos is not None:
        wf, f = read_spectrum(phonon_dos, "F")
        f_grid = np.interp(w, wf, f, left=0.0, right=0.0)
    else:
        f_grid = np.full(w.shape, np.nan)
    sc = lambda v, u, ln: da(v, (), u, ln)  # noqa: E731
    ds = xr.Dataset(
        {
            "a2f": da(a2f, ("omega",), "1", "Eliashberg function alpha2F (user file)"),
            "a2f_by_smearing": da(a2f[None, :], ("smearing", "omega"), "1",
                                  "alpha2F per electron-phonon smearing (one: the user's)"),
            "phonon_dos": da(f_grid, ("omega",), "1/meV",
                             "phonon DOS F(omega) per atom (user file; NaN if not supplied)"),
            "dos": da(n, ("xi",), "1/meV", "electronic DOS per spin per atom (user file)"),
            "lambda": sc(m["lam"], "1", "electron-phonon coupling constant lambda"),
            "omega_log": sc(m["omega_log"], "meV", "logarithmic average phonon energy"),
            "omega2": sc(m["omega2"], "meV", "<omega^2>^(1/2)"),
            "dos_ef": sc(dos_ef, "1/meV", "N(0): DOS at E_F per spin per atom"),
            "fermi_energy": sc(-band_bottom * units.MEV_TO_EV, "eV", "Fermi energy above the band bottom"),
            "band_bottom": sc(band_bottom, "meV", "band bottom relative to E_F"),
            "electron_density": sc(density, "1/bohr^3", "valence electrons per volume"),
            "kf": sc(kf, "1/bohr", "homogeneous-gas Fermi wave number (3 pi^2 n)^(1/3)"),
            "volume": sc(volume, "bohr^3", "volume per atom"),
            "n_valence": sc(float(n_valence), "1", "valence electrons per atom"),
        },
        coords={"omega": da(w, ("omega",), "meV", "phonon energy"),
                "xi": da(xi, ("xi",), "meV", "electron energy relative to E_F"),
                "smearing": da([np.nan], ("smearing",), "meV", "electron-phonon smearing (unknown)")},
    )
    ds.attrs.update({
        "metal": name,
        "title": f"{name}: alpha2F and DOS from user-supplied files (not computed by this workflow)",
        "input_alpha2f_file": str(alpha2f),
        "input_dos_file": str(dos),
        "input_phonon_dos_file": str(phonon_dos) if phonon_dos is not None else "none",
        "structure": structure,
        "a_angstrom": float(a_angstrom),
    })
    return ds
