"""Linear-tetrahedron DOS (scimodel.abinitio): NumPy twin, free-electron limit,
O_h unfolding of an irreducible wedge, band normalisation and the Fermi level."""
from __future__ import annotations

import numpy as np
import pytest

from scimodel import abinitio as ab
from scimodel.errors import InputError


def _free_electrons(n):
    """eps(k) = |k|^2 on a Gamma-centred n^3 grid of a simple cubic cell (a = 1)."""
    idx = np.arange(n)
    f = np.where(idx > n // 2, idx - n, idx) / n
    kx, ky, kz = np.meshgrid(f, f, f, indexing="ij")
    eps = (2 * np.pi) ** 2 * (kx ** 2 + ky ** 2 + kz ** 2)
    return np.stack([kx.ravel(), ky.ravel(), kz.ravel()], 1), eps[..., None]


def test_numba_kernel_matches_numpy_twin():
    rng = np.random.default_rng(1)
    full = rng.normal(size=(4, 4, 4, 3)).cumsum(axis=-1)
    e = np.linspace(-3, 6, 57)
    a = ab.integrated_dos(full, e)
    b = ab.integrated_dos(full, e, numpy=True)
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)


def test_every_band_holds_one_state():
    rng = np.random.default_rng(2)
    full = rng.normal(size=(5, 5, 5, 4))
    nos = ab.integrated_dos(full, np.array([full.min() - 1, full.max() + 1]))
    assert nos.tolist() == pytest.approx([0.0, 4.0], abs=1e-12)


@pytest.mark.parametrize("energy", [4.0, 6.0, 8.0])
def test_free_electron_limit(energy):
    # per spin per cell (V = 1): n(E) = E^{3/2} / (6 pi^2), N(E) = E^{1/2} / (4 pi^2)
    # for E below the zone-face energy pi^2; linear interpolation error ~ 1/n^2
    _, full = _free_electrons(24)
    n = ab.integrated_dos(full, np.array([energy]))[0]
    assert n == pytest.approx(energy ** 1.5 / (6 * np.pi ** 2), rel=0.02)
    e = np.linspace(energy - 0.2, energy + 0.2, 41)
    dos = ab.tetrahedron_dos(full, e)[20]
    assert dos == pytest.approx(np.sqrt(energy) / (4 * np.pi ** 2), rel=0.01)


def test_fermi_level_of_free_electrons():
    _, full = _free_electrons(24)
    target = 4.0 ** 1.5 / (6 * np.pi ** 2)
    ef = ab.fermi_level(full, target, 0.0, 20.0)
    assert ab.integrated_dos(full, np.array([ef]))[0] == pytest.approx(target, rel=1e-6)
    assert ef == pytest.approx(4.0, rel=0.02)


def test_unfold_reproduces_the_full_grid():
    n = 8
    k, full = _free_electrons(n)
    reps = {}
    for i, kk in enumerate(k):
        reps.setdefault(tuple(sorted(np.abs(np.rint(kk * n)).astype(int))), i)
    irr = np.array(sorted(reps.values()))
    assert len(irr) < n ** 3 / 10
    out = ab.unfold_cubic(k[irr], full.reshape(-1, 1)[irr], np.eye(3), n)
    np.testing.assert_array_equal(out, full)


def test_unfold_fails_on_a_missing_wedge():
    n = 6
    k, full = _free_electrons(n)
    with pytest.raises(InputError, match="not"):
        ab.unfold_cubic(k[:3], full.reshape(-1, 1)[:3], np.eye(3), n)
    with pytest.raises(InputError, match="grid"):
        ab.unfold_cubic(k[:3] + 0.01, full.reshape(-1, 1)[:3], np.eye(3), n)


def test_unfold_fcc_and_bcc_cells():
    # a real fcc/bcc wedge: Cartesian k of the grid points, reduced by O_h,
    # must unfold back onto every point of the grid
    for cell in (0.5 * np.array([[-1, 0, 1], [0, 1, 1], [-1, 1, 0]]),      # QE ibrav=2
                 0.5 * np.array([[1, 1, 1], [-1, 1, 1], [-1, -1, 1]])):    # QE ibrav=3
        n = 6
        b = np.linalg.inv(cell).T                                            # rows b_i, 2pi/a
        idx = np.array(np.meshgrid(*[np.arange(n)] * 3, indexing="ij")).reshape(3, -1).T
        kc = (idx / n) @ b
        # O_h-invariant and periodic in the reciprocal lattice (G has integer components)
        eps = (np.cos(2 * np.pi * kc) ** 2).sum(1) + np.prod(np.cos(np.pi * kc), 1) ** 2
        reps = {}
        for i, kk in enumerate(kc):
            reps.setdefault(tuple(np.round(np.sort(np.abs(kk)) * 1e6).astype(int) % 10 ** 7), i)
        irr = np.array(sorted(reps.values()))
        out = ab.unfold_cubic(kc[irr], eps[irr, None], cell, n)
        np.testing.assert_allclose(out[idx[:, 0], idx[:, 1], idx[:, 2], 0], eps, atol=1e-12)


def test_sorted_corner_energies_match_numpy_twin():
    rng = np.random.default_rng(3)
    full = rng.normal(size=(5, 5, 5, 3))
    np.testing.assert_array_equal(ab._tetra_energies(full), ab._tetra_energies_np(full))
    # the flat corner table is the grid-index table of the twin
    c = ab._tetra_corners(5)
    np.testing.assert_array_equal(ab._tetra_corners_flat(5), (c[..., 0] * 5 + c[..., 1]) * 5 + c[..., 2])


def test_fermi_bisection_with_shrinking_tetrahedron_list_matches_plain_bisection():
    rng = np.random.default_rng(4)
    full = np.sort(rng.normal(size=(6, 6, 6, 4)).cumsum(axis=-1), axis=-1)
    for target in (0.7, 1.5, 2.3):
        a = ab.fermi_level(full, target, -2.0, 5.0, tol=1e-12)
        b = ab.fermi_level(full, target, -2.0, 5.0, tol=1e-12, numpy=True)
        assert a == pytest.approx(b, abs=1e-10)
        assert ab.integrated_dos(full, np.array([a]))[0] == pytest.approx(target, abs=1e-9)


def test_numba_kernel_matches_numpy_twin_with_degenerate_corners():
    """Equal corner energies (flat bands, energies on the edges themselves) take the
    boundaries of the three pieces of n(E) that random energies never hit."""
    rng = np.random.default_rng(5)
    full = np.round(rng.normal(size=(4, 4, 4, 3)).cumsum(axis=-1), 1)
    full[..., 0] = 0.5                                   # a flat band
    e = np.round(np.linspace(-3, 6, 91), 1)              # edges at the corner energies
    np.testing.assert_allclose(ab.integrated_dos(full, e), ab.integrated_dos(full, e, numpy=True),
                               rtol=1e-10, atol=1e-14)
