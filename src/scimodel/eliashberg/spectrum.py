"""alpha2F as a quadrature (:class:`Spectrum`) and the coercion of (omega, a2F) arrays."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError


@dataclass(frozen=True)
class Spectrum:
    """alpha2F as a quadrature: nodes ``omega`` (meV, > 0) and weights (meV)."""

    omega: np.ndarray
    weight: np.ndarray

    @classmethod
    def from_grid(cls, omega, a2f, name: str = "alpha2F") -> "Spectrum":
        """Trapezoid quadrature of a tabulated a2F on a (possibly non-uniform) grid."""
        w = np.asarray(omega, dtype=float)
        f = np.asarray(a2f, dtype=float)
        if w.ndim != 1 or w.shape != f.shape or w.size < 2:
            raise InputError(None, name, f"omega and a2F must be 1-D of equal length >= 2, got {w.shape} and {f.shape}")
        if not (np.isfinite(w).all() and np.isfinite(f).all()):
            raise InputError(None, name, "non-finite values (NaN or inf)")
        if (w < 0).any():
            raise InputError(None, "omega", "negative frequency; expected omega >= 0")
        if (np.diff(w) <= 0).any():
            raise InputError(None, "omega", "grid must be strictly increasing")
        h = np.zeros_like(w)
        d = np.diff(w)
        h[:-1] += 0.5 * d
        h[1:] += 0.5 * d
        wt = f * h
        keep = w > 0
        return cls(w[keep].copy(), wt[keep].copy())

    @classmethod
    def einstein(cls, omega_e: float, lam: float) -> "Spectrum":
        """Exact Einstein spectrum a2F = (lam omega_e / 2) delta(omega - omega_e)."""
        return cls(np.array([float(omega_e)]), np.array([0.5 * lam * omega_e]))

    def scaled(self, factor: float) -> "Spectrum":
        """Spectrum with a2F multiplied by ``factor`` (lambda scales likewise)."""
        return Spectrum(self.omega, self.weight * factor)

    @property
    def omega_max(self) -> float:
        nz = self.omega[self.weight != 0]
        return float(nz.max()) if nz.size else float(self.omega.max())


def _spectrum(omega, a2f=None) -> Spectrum:
    if isinstance(omega, Spectrum):
        return omega
    return Spectrum.from_grid(omega, a2f)
