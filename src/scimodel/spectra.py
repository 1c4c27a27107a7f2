"""Model Eliashberg functions alpha2F(omega) on a frequency grid (meV).

Each builder returns ``(omega, a2f)``; the amplitude is chosen so that
lambda = 2 Int a2F(w)/w dw equals the requested value (on the grid, with
the trapezoid rule used by :mod:`scimodel.eliashberg`).
"""
from __future__ import annotations

import numpy as np


def _normalise(w: np.ndarray, shape: np.ndarray, lam: float) -> np.ndarray:
    mask = w > 0
    integrand = np.zeros_like(w)
    integrand[mask] = shape[mask] / w[mask]
    lam0 = 2.0 * np.trapezoid(integrand, w)
    return shape * (lam / lam0)


def einstein(omega_e: float, lam: float, width: float | None = None, n: int = 2001,
             wmax: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Narrow Gaussian around ``omega_e`` (meV); ``width`` defaults to 1% of omega_e.

    For the exact delta-function Einstein spectrum use
    :func:`scimodel.eliashberg.Spectrum.einstein`, which keeps the delta
    analytically (lambda(nu) = lambda w_E^2/(w_E^2 + nu^2)).
    """
    width = 0.01 * omega_e if width is None else width
    wmax = wmax or omega_e + 8 * width
    w = np.linspace(0.0, wmax, n)
    shape = np.exp(-0.5 * ((w - omega_e) / width) ** 2)
    return w, _normalise(w, shape, lam)


def debye(omega_d: float, lam: float, n: int = 2001) -> tuple[np.ndarray, np.ndarray]:
    """a2F ~ omega^2 up to omega_d (meV), zero above."""
    w = np.linspace(0.0, omega_d, n)
    return w, _normalise(w, w**2, lam)


def lorentzian_peaks(centers, widths, weights, lam: float, wmax: float,
                     n: int = 4001) -> tuple[np.ndarray, np.ndarray]:
    """Sum of Lorentzians (centre, half width, relative weight), cut off at
    ``wmax`` and multiplied by a low-frequency omega^2 / (omega^2 + w0^2) factor
    (w0 = smallest centre / 4) so that a2F ~ omega^2 at small omega, as in
    real metals."""
    w = np.linspace(0.0, wmax, n)
    shape = np.zeros_like(w)
    for c, g, a in zip(centers, widths, weights):
        shape += a * g / ((w - c) ** 2 + g**2)
    w0 = min(centers) / 4.0
    shape *= w**2 / (w**2 + w0**2)
    shape[-1] = 0.0
    return w, _normalise(w, shape, lam)


def two_peak(omega_t: float, omega_l: float, lam: float, width_frac: float = 0.08,
             ratio: float = 2.0, n: int = 4001) -> tuple[np.ndarray, np.ndarray]:
    """Transverse + longitudinal peaks (typical of a real metal's a2F).

    ``ratio`` is the weight of the transverse peak relative to the
    longitudinal one.
    """
    return lorentzian_peaks(
        [omega_t, omega_l], [width_frac * omega_t, width_frac * omega_l], [ratio, 1.0],
        lam, wmax=1.15 * omega_l, n=n)


def from_config(spec: dict, name: str = "spectrum") -> tuple[np.ndarray, np.ndarray]:
    """Build a model spectrum from a config entry (see config/README.md).

    ``{'kind': 'einstein', 'omega_e_meV': 10, 'lambda': 1}``,
    ``{'kind': 'debye', 'omega_d_meV': 30, 'lambda': 0.5}`` or
    ``{'kind': 'two_peak', 'omega_t_meV': 4.4, 'omega_l_meV': 8.5, 'lambda': 1.5}`` or
    ``{'kind': 'file', 'path': 'resources/x.csv', 'lambda': 1.0, 'rescale': False}``
    (a text file read by :func:`scimodel.io.read_spectrum`; with
    ``rescale: true`` it is rescaled to ``lambda``, otherwise ``lambda`` is
    ignored and the file's own coupling is used).
    """
    from .errors import InputError

    kind = spec.get("kind")
    need = {"einstein": ["omega_e_meV"], "debye": ["omega_d_meV"],
            "two_peak": ["omega_t_meV", "omega_l_meV"], "file": ["path"]}
    if kind not in need:
        raise InputError("config", f"eliashberg.spectra.{name}.kind",
                         f"got {kind!r}, expected one of {sorted(need)}")
    for key in need[kind] + ["lambda"]:
        if key not in spec:
            raise InputError("config", f"eliashberg.spectra.{name}.{key}", "missing")
    lam = float(spec["lambda"])
    if kind == "file":
        from .io import read_spectrum

        w, a = read_spectrum(spec["path"], "alpha2F")
        return w, _normalise(w, a, lam) if spec.get("rescale", False) else a
    if kind == "einstein":
        return einstein(float(spec["omega_e_meV"]), lam)
    if kind == "debye":
        return debye(float(spec["omega_d_meV"]), lam)
    return two_peak(float(spec["omega_t_meV"]), float(spec["omega_l_meV"]), lam)
