"""Matrix elements of the Thomas-Fermi screened Coulomb interaction between Bloch
states (paper 004, Eq. 18, the TF-ME functional), from periodic parts on an FFT grid.

    K^TF-ME_{nk, n'k'} = (4 pi / Omega) sum_G |<nk| e^{i(k - k' + G).r} |n'k'>|^2
                                              / (|k - k' + G|^2 + k_TF^2)

(Hartree atomic units; Omega the volume of the crystal normalising the Bloch
states, here the unit cell with the periodic parts normalised over it).  With
psi_nk = e^{ik.r} u_nk(r), the bracket is the Fourier component of the pair
density rho(r) = u_nk^*(r) u_n'k'(r):

    <nk| e^{i(k - k' + G).r} |n'k'> = (1/Omega) Int_cell u_nk^* u_n'k' e^{iG.r} d^3r = rho(-G),

computed by one FFT of rho on the real-space grid (:func:`pair_density_fourier`).
For norm-conserving pseudo-wavefunctions the pair density needs no augmentation
charge; the matrix elements are then those of the pseudo-states (the
approximation the project states for TF-ME: the core region's contribution to
the pair density is not reconstructed).

Plane-wave limit: for u_nk = e^{i G_n.r}, u_n'k' = e^{i G_n'.r} the sum has one
term, 4 pi / (Omega (|K - K'|^2 + k_TF^2)) with K = k + G_n, K' = k' + G_n', and its
average over the directions of K and K' is Eq. 26 / Omega,
(pi / (K K')) ln[((K + K')^2 + k_TF^2) / ((K - K')^2 + k_TF^2)] / Omega
(:func:`plane_wave_direction_average`, checked in the tests).
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError


def fft_gvectors(shape, cell) -> np.ndarray:
    """Cartesian reciprocal vectors G[n1, n2, n3, 3] (1/bohr) of the FFT grid ``shape`` of the
    cell with lattice vectors as rows of ``cell`` (bohr), in numpy's FFT order."""
    cell = np.asarray(cell, dtype=float)
    b = 2.0 * np.pi * np.linalg.inv(cell).T             # rows: reciprocal vectors
    m = [np.fft.fftfreq(n, d=1.0 / n) for n in shape]   # integer Miller indices
    mi = np.stack(np.meshgrid(*m, indexing="ij"), axis=-1)
    return mi @ b


def pair_density_fourier(u1, u2) -> np.ndarray:
    """rho(G) = (1/N_r) sum_r u1^*(r) u2(r) e^{-iG.r}: Fourier components of the pair
    density of two periodic parts sampled on the same real-space grid (normalised so that
    (1/N_r) sum_r |u|^2 = 1)."""
    u1 = np.asarray(u1)
    u2 = np.asarray(u2)
    if u1.shape != u2.shape:
        raise InputError(None, "wavefunctions", f"grids differ: {u1.shape} vs {u2.shape}")
    return np.fft.fftn(np.conj(u1) * u2) / u1.size


def matrix_element(u1, u2, k1, k2, cell, ktf2: float) -> float:
    """K^TF-ME (Hartree bohr^3 / Omega, i.e. Hartree) of Eq. 18 between the Bloch states
    e^{ik1.r} u1 and e^{ik2.r} u2 (Cartesian k in 1/bohr, ``cell`` rows in bohr)."""
    cell = np.asarray(cell, dtype=float)
    omega = abs(np.linalg.det(cell))
    rho = pair_density_fourier(u1, u2)             # rho(G') = <...e^{-iG'.r}...>
    g = fft_gvectors(np.shape(u1), cell)
    # <nk| e^{i(k1 - k2 + G).r} |n'k'> = rho(-G): use G = -G' for the component rho(G')
    q = np.asarray(k1, float) - np.asarray(k2, float) - g
    return float(4.0 * np.pi / omega * np.sum(np.abs(rho) ** 2 / ((q * q).sum(axis=-1) + ktf2)))


def plane_wave(shape, cell, gvec_index) -> np.ndarray:
    """The periodic part e^{iG.r} of a plane wave on the FFT grid (G by Miller indices)."""
    cell = np.asarray(cell, dtype=float)
    b = 2.0 * np.pi * np.linalg.inv(cell).T
    g = np.asarray(gvec_index, float) @ b
    frac = np.stack(np.meshgrid(*[np.arange(n) / n for n in shape], indexing="ij"), axis=-1)
    r = frac @ cell
    return np.exp(1j * (r @ g))


def plane_wave_direction_average(k: float, kp: float, ktf2: float, n: int = 200) -> float:
    """Average over the directions of K, K' (|K| = k, |K'| = kp, 1/bohr) of
    4 pi / (|K - K'|^2 + k_TF^2), by Gauss-Legendre in the cosine of their angle
    (compare with Eq. 26, :func:`scimodel.scdft.coulomb.coulomb_tf_matrix_np`)."""
    mu, w = np.polynomial.legendre.leggauss(int(n))
    return float(0.5 * np.sum(w * 4.0 * np.pi / (k * k + kp * kp - 2.0 * k * kp * mu + ktf2)))
