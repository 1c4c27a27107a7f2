"""Inputs of the energy-space SCDFT gap equation.

:class:`ScdftInput` holds what the solver needs for one metal (energies in
meV): alpha2F(Omega), the DOS N(xi) per spin and per atom, N(0), the band
bottom, the atomic volume and the homogeneous-gas k_F.  It is built either
from the first-principles contract of :mod:`scimodel.qe`
(:meth:`ScdftInput.from_dataset`) or from a free-electron (parabolic band)
model metal (:func:`parabolic_band_input`), used in tests and benchmarks.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .. import units
from ..errors import InputError

log = logging.getLogger("scimodel.scdft")

#: variables and units of the first-principles contract (resources/abinitio/<Metal>.nc)
CONTRACT_UNITS = {
    "a2f": "1",
    "dos": "1/meV",
    "lambda": "1",
    "omega_log": "meV",
    "dos_ef": "1/meV",
    "band_bottom": "meV",
    "volume": "bohr^3",
    "kf": "1/bohr",
    "electron_density": "1/bohr^3",
}


@dataclass(frozen=True)
class ScdftInput:
    """Normal-state input of the gap equation for one metal.

    Attributes
    ----------
    omega, a2f : phonon energies (meV) and alpha2F(omega) (dimensionless)
    xi, dos : energies relative to E_F (meV) and N(xi) per spin per atom (1/meV)
    dos_ef : N(0) per spin per atom (1/meV); normalises alpha2F (Eq. 25)
    band_bottom : xi of the band bottom (meV, negative); -mu in Eq. (20)
    volume : volume per atom (bohr^3)
    kf : Fermi wave vector of the homogeneous gas with the mean valence density (1/bohr)
    name : label (metal)
    synthetic : True for model inputs
    """

    omega: np.ndarray
    a2f: np.ndarray
    xi: np.ndarray
    dos: np.ndarray
    dos_ef: float
    band_bottom: float
    volume: float
    kf: float
    name: str = ""
    synthetic: bool = False
    attrs: dict = field(default_factory=dict, compare=False)

    # ---------------------------------------------------------------- derived
    @property
    def mu(self) -> float:
        """Depth of E_F above the band bottom (meV, > 0)."""
        return -float(self.band_bottom)

    @property
    def lam(self) -> float:
        """lambda = 2 Int a2F/Omega dOmega (trapezoid on the input grid)."""
        w, a = np.asarray(self.omega), np.asarray(self.a2f)
        m = w > 0
        return float(2.0 * np.trapezoid(np.where(m, a / np.where(m, w, 1.0), 0.0), w))

    # ---------------------------------------------------------------- variants
    def with_a2f(self, omega, a2f, name: str | None = None) -> "ScdftInput":
        return replace(self, omega=np.asarray(omega, float), a2f=np.asarray(a2f, float),
                       name=self.name if name is None else name)

    def scaled_to_lambda(self, lam: float) -> "ScdftInput":
        """alpha2F multiplied by lam / lambda (shape and frequencies kept)."""
        return self.with_a2f(self.omega, np.asarray(self.a2f) * (lam / self.lam))

    def isotope(self, mass_ratio: float) -> "ScdftInput":
        """Input for nuclear mass M' = mass_ratio * M: alpha2F'(Omega) = alpha2F(Omega sqrt(M'/M)).

        Frequencies scale as sqrt(M/M'), lambda stays the same.
        """
        s = 1.0 / math.sqrt(mass_ratio)
        return self.with_a2f(np.asarray(self.omega) * s, np.asarray(self.a2f))

    # ---------------------------------------------------------------- readers
    @classmethod
    def from_dataset(cls, ds, path: str | Path | None = None, name: str = "") -> "ScdftInput":
        """From the first-principles dataset (contract of :func:`scimodel.qe.read_abinitio`)."""
        for var in ("a2f", "dos", "dos_ef", "band_bottom", "volume", "kf"):
            if var not in ds.variables:
                raise InputError(path, var, "required variable is missing (first-principles contract)")
        for var, unit in CONTRACT_UNITS.items():
            if var in ds.variables and ds[var].attrs.get("units") not in (None, unit):
                raise InputError(path, var, f"units are {ds[var].attrs.get('units')!r}, expected {unit!r}")
        omega = np.asarray(ds["omega"].values, float)
        xi = np.asarray(ds["xi"].values, float)
        a2f = np.asarray(ds["a2f"].values, float)
        dos = np.asarray(ds["dos"].values, float)
        for nm, arr in (("omega", omega), ("xi", xi)):
            if arr.ndim != 1 or arr.size < 3 or np.any(np.diff(arr) <= 0):
                raise InputError(path, nm, "expected a strictly increasing 1-D grid")
        if not (np.all(np.isfinite(a2f)) and np.all(a2f >= -1e-12)):
            raise InputError(path, "a2f", "expected finite alpha2F >= 0")
        if not (np.all(np.isfinite(dos)) and np.all(dos >= 0)):
            raise InputError(path, "dos", "expected finite DOS >= 0")
        dos_ef = float(ds["dos_ef"].values)
        bb = float(ds["band_bottom"].values)
        vol = float(ds["volume"].values)
        kf = float(ds["kf"].values)
        if not dos_ef > 0:
            raise InputError(path, "dos_ef", "expected N(0) > 0")
        if not bb < 0:
            raise InputError(path, "band_bottom", "expected a negative band bottom (meV below E_F)")
        if not (vol > 0 and kf > 0):
            raise InputError(path, "volume/kf", "expected positive atomic volume and k_F")
        if xi[-1] < 1000.0:
            raise InputError(path, "xi", f"DOS grid ends at {xi[-1]:.0f} meV; expected >= +1 eV above E_F")
        n_at_ef = float(np.interp(0.0, xi, dos))
        if abs(n_at_ef / dos_ef - 1.0) > 0.05:
            log.warning("%s: DOS at xi = 0 (%.4g) differs from dos_ef (%.4g) by more than 5 %%; "
                        "K^ph is normalised with dos_ef, the xi' integral uses the DOS",
                        path, n_at_ef, dos_ef)
        attrs = {k: (float(ds[k].values) if k in ds.variables and ds[k].ndim == 0 else None)
                 for k in ("lambda", "omega_log", "omega2", "fermi_energy", "electron_density",
                           "n_valence")}
        return cls(omega=omega, a2f=np.clip(a2f, 0.0, None), xi=xi, dos=dos, dos_ef=dos_ef,
                   band_bottom=bb, volume=vol, kf=kf,
                   name=name or str(ds.attrs.get("metal", "")),
                   synthetic="synthetic" in str(ds.attrs.get("title", "")).lower(),
                   attrs=attrs)

    # ---------------------------------------------------------------- DOS on a mesh
    def dos_at(self, x) -> np.ndarray:
        """N(x) per spin per atom (1/meV): linear interpolation of the input DOS,
        zero below the band bottom, and free-electron sqrt(x + mu) extrapolation
        above the last grid point (for cutoffs beyond the DOS range)."""
        x = np.asarray(x, float)
        xi, dos = np.asarray(self.xi), np.asarray(self.dos)
        out = np.interp(x, xi, dos, left=0.0, right=dos[-1])
        above = x > xi[-1]
        if above.any():
            out[above] = dos[-1] * np.sqrt((x[above] + self.mu) / (xi[-1] + self.mu))
        out[x < self.band_bottom] = 0.0
        return out


def free_electron_dos(energy_above_bottom_mev, volume: float) -> np.ndarray:
    """Free-electron DOS per spin per atom (1/meV): V sqrt(2 eps)/(2 pi^2) in atomic units."""
    e_ha = np.maximum(np.asarray(energy_above_bottom_mev, float), 0.0) / units.HA_TO_MEV
    return volume * np.sqrt(2.0 * e_ha) / (2.0 * math.pi**2) / units.HA_TO_MEV


def parabolic_band_input(omega, a2f, *, n_valence: float, volume: float, name: str = "model",
                         xi_max: float = 60000.0, n_xi: int = 30001) -> ScdftInput:
    """Model metal: one free-electron (parabolic) band holding ``n_valence``
    electrons per atom of volume ``volume`` (bohr^3), with the given alpha2F.

    E_F = k_F^2/2, k_F = (3 pi^2 n)^(1/3); the band bottom is at -E_F.
    Marked synthetic.
    """
    n = n_valence / volume
    kf = (3.0 * math.pi**2 * n) ** (1.0 / 3.0)
    ef = 0.5 * kf**2 * units.HA_TO_MEV
    xi = np.linspace(-ef, xi_max, n_xi)
    dos = free_electron_dos(xi + ef, volume)
    dos_ef = float(free_electron_dos(ef, volume))
    return ScdftInput(omega=np.asarray(omega, float), a2f=np.asarray(a2f, float), xi=xi, dos=dos,
                      dos_ef=dos_ef, band_bottom=-ef, volume=volume, kf=kf, name=name,
                      synthetic=True, attrs={"n_valence": n_valence, "electron_density": n,
                                             "fermi_energy": ef * units.MEV_TO_EV})
