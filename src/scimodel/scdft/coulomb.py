"""Thomas-Fermi Coulomb kernels in energy space (paper 004, Eqs. 16, 17, 26, 29).

Normalisation (checked by tests/test_scdft.py against the free-electron mu)
--------------------------------------------------------------------------
Eq. (26) is the angular average of the screened interaction
4 pi / (|k - k'|^2 + k_TF^2) over the directions of k and k' (Hartree atomic
units, hbar = m = e = 1):

    K(k, k') = pi/(k k') ln[((k+k')^2 + k_TF^2) / ((k-k')^2 + k_TF^2)]   [Ha bohr^3]

It is an interaction *times volume*; in the gap equation (Eq. 20) it
multiplies N(xi'), which must then be the DOS **per spin and per unit
volume**.  The solver works with the DOS per spin and per atom
[1/(meV spin atom)], so the kernels here are returned as K / V_atom in
meV (per atom): ``N(xi') * K(xi, xi')`` is dimensionless and
``N(0) K(0, 0)`` is the usual Coulomb parameter mu (about 0.23 for Al).

Eq. (17), k_TF^2 = 4 pi N(0), is the Thomas-Fermi wave vector: there
N(0) is the **total** (both spins) DOS per unit volume, as the text says
("total density of states at the Fermi level"); for the free-electron gas it
gives k_TF^2 = 4 k_F / pi.

Readings of the OCR text
------------------------
* Eq. (26) prints k = sqrt(2(xi - mu)); with xi measured from the Fermi
  level and the band bottom at xi = -mu (lower limit of Eq. 20) the
  free-electron wave vector is k = sqrt(2(xi + mu)).  TF-FE uses
  mu = depth of the Fermi level below the band bottom of the input DOS.
* Eq. (29) (TF-SK) is Eq. (26) with k^2/2 = eta = xi + k_F^2/2, k_F of the
  homogeneous gas with the metal's mean valence density; states below the
  free-electron band bottom (eta < 0, e.g. semicore bands) are given the
  kernel of eta = 0 (clamped).

Numerically the kernel is evaluated as
K = 4 pi / (A - 2 k k') * L(u), A = k^2 + k'^2 + k_TF^2, u = 4 k k'/(A - 2 k k'),
L(u) = ln(1+u)/u, which is regular at k k' -> 0 (band bottom).
"""
from __future__ import annotations

import math

import numpy as np

from .. import units
from ..numba_config import jit, pjit, prange


@jit
def _log1p_over(u):
    if u < 1e-8:
        return 1.0 - 0.5 * u
    return math.log1p(u) / u


@pjit
def coulomb_tf_matrix_nb(ka, kb, ktf2):
    """pi/(k k') ln[((k+k')^2+k_TF^2)/((k-k')^2+k_TF^2)] for all pairs (atomic units)."""
    out = np.empty((ka.size, kb.size))
    for i in prange(ka.size):
        for j in range(kb.size):
            kk = ka[i] * kb[j]
            den = ka[i] * ka[i] + kb[j] * kb[j] + ktf2 - 2.0 * kk
            u = 4.0 * kk / den
            out[i, j] = 4.0 * math.pi / den * _log1p_over(u)
    return out


def coulomb_tf_matrix_np(ka, kb, ktf2):
    """NumPy twin of :func:`coulomb_tf_matrix_nb`."""
    ka = np.asarray(ka, float)[:, None]
    kb = np.asarray(kb, float)[None, :]
    kk = ka * kb
    den = ka**2 + kb**2 + ktf2 - 2.0 * kk
    u = 4.0 * kk / den
    small = u < 1e-8
    lu = np.where(small, 1.0 - 0.5 * u, np.log1p(u) / np.where(small, 1.0, u))
    return 4.0 * np.pi / den * lu


def ktf2_from_dos(dos_ef: float, volume: float) -> float:
    """k_TF^2 [1/bohr^2] from N(0) per spin per atom [1/meV] and the atomic volume [bohr^3].

    Eq. (17) with the total DOS per volume: k_TF^2 = 4 pi * 2 N_spin(0) / V.
    """
    n_tot_per_ha_bohr3 = 2.0 * dos_ef * units.HA_TO_MEV / volume
    return 4.0 * math.pi * n_tot_per_ha_bohr3


def wavevector(energy_above_bottom_mev) -> np.ndarray:
    """Free-electron k = sqrt(2 eps) [1/bohr] for eps in meV (clamped at 0)."""
    e = np.maximum(np.asarray(energy_above_bottom_mev, float), 0.0) / units.HA_TO_MEV
    return np.sqrt(2.0 * e)


def coulomb_kernel(xi, *, scheme: str, dos_ef: float, volume: float, mu: float | None = None,
                   kf: float | None = None, use_numba: bool = True) -> np.ndarray:
    """Coulomb kernel K^el(xi_i, xi_j) in meV*atom (so that N [1/(meV spin atom)] * K is dimensionless).

    Parameters
    ----------
    xi : energies relative to E_F (meV)
    scheme : ``"tf-fe"`` (Eq. 26, k^2/2 = xi + mu) or ``"tf-sk"`` (Eq. 29, k^2/2 = xi + k_F^2/2)
    dos_ef : N(0) per spin per atom (1/meV), sets k_TF (Eq. 17)
    volume : volume per atom (bohr^3)
    mu : depth of E_F below the band bottom (meV, > 0), for TF-FE
    kf : homogeneous-gas Fermi wave vector (1/bohr), for TF-SK
    """
    xi = np.asarray(xi, float)
    scheme = scheme.lower()
    if scheme == "tf-fe":
        if mu is None or mu <= 0:
            raise ValueError("TF-FE needs mu > 0 (Fermi level above the band bottom, meV)")
        k = wavevector(xi + mu)
    elif scheme == "tf-sk":
        if kf is None or kf <= 0:
            raise ValueError("TF-SK needs the homogeneous-gas k_F > 0 (1/bohr)")
        k = wavevector(xi + 0.5 * kf**2 * units.HA_TO_MEV)
    else:
        raise ValueError(f"unknown Coulomb scheme {scheme!r}; expected 'tf-fe' or 'tf-sk'")
    q2 = ktf2_from_dos(dos_ef, volume)
    fn = coulomb_tf_matrix_nb if use_numba else coulomb_tf_matrix_np
    return fn(k, k, q2) * (units.HA_TO_MEV / volume)


def scale_pairs(kernel, xi, factor: float, window_mev: float | None = None) -> np.ndarray:
    """``kernel`` (xi x xi) with every pair of states both within ``window_mev`` of E_F
    multiplied by ``factor`` (all pairs if ``window_mev`` is None): a model change of the
    Coulomb term in a window, for sensitivity records."""
    kernel = np.asarray(kernel, float)
    if window_mev is None:
        return factor * kernel
    near = np.abs(np.asarray(xi, float)) < window_mev
    return np.where(np.outer(near, near), factor * kernel, kernel)


def mu_free_electron(kf: float) -> float:
    """Fermi-surface Coulomb parameter of the free-electron gas with TF screening:
    mu = N(0) K(k_F, k_F) = ln(1 + pi k_F) / (2 pi k_F)   (k_F in 1/bohr)."""
    return math.log1p(math.pi * kf) / (2.0 * math.pi * kf)
