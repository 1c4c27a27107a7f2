"""Speed of the TF-ME pieces (paper 004, Eq. 18 and Table 2).

Run: .venv/bin/python benchmarks/bench_tfme.py [--kresolved-only]

Prints: one irreducible row of K^TF-ME on the regular 6^3 mesh against every
k' (20 bands on an 18^3 FFT grid: the size of the Al recompute, empty-lattice
states) with 1 and 2 FFT workers; the whole matrix (16 of the 20 bands kept)
as computed by default (one k' per orbit of the little group of each
irreducible k) and for every k' of every row, with the ratio (target: <= 30
min per metal, recompute only); one k-resolved TF-ME + TF-SK Tc pair on the
cached Al inputs (20000 points per Fermi band, one seed; target <= 2 min per
metal).  Wall clock, best of interleaved rounds.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import xarray as xr

from scimodel.scdft import bzgrid, coulomb_me

ROOT = Path(__file__).resolve().parents[1]


def empty_lattice_states(m=6, nb=20, shape=(18, 18, 18), a=7.653):
    cell = bzgrid.cubic_cell("fcc", a)
    b = bzgrid.reciprocal_cell(cell)
    gs = np.array([[i, j, k] for i in range(-2, 3) for j in range(-2, 3) for k in range(-2, 3)])
    u = np.empty((m ** 3, nb) + shape, complex)
    e = np.empty((m ** 3, nb))
    for i, f in enumerate(coulomb_me.mesh_fractions(m)):
        kk = (f + gs) @ b
        order = np.argsort((kk * kk).sum(axis=1), kind="stable")[:nb]
        e[i] = (kk[order] ** 2).sum(axis=1)
        for n, j in enumerate(order):
            u[i, n] = coulomb_me.plane_wave(shape, cell, gs[j])
    return cell, b, u, e


def main():
    print(f"# load average {os.getloadavg()[0]:.2f}")
    if "--kresolved-only" not in sys.argv:
        matrix()
    kresolved()


def matrix():
    cell, b, u, e = empty_lattice_states()
    kc = coulomb_me.mesh_fractions(6) @ b
    g = coulomb_me.fft_gvectors(u.shape[2:], cell)
    omega = abs(np.linalg.det(cell))
    best = {1: np.inf, 2: np.inf}
    for _ in range(2):
        for w in (1, 2):
            t0 = time.perf_counter()
            coulomb_me._rows(u[5], kc[5], u, kc, g, omega, 1.24, w)
            best[w] = min(best[w], time.perf_counter() - t0)
    irr = coulomb_me.irreducible_mesh(cell, 6)[0].size
    print(f"K^TF-ME row (20 bands x 216 k', 18^3 FFT): 1 worker {best[1]:.2f} s, 2 workers {best[2]:.2f} s "
          f"(1/2 = {best[1] / best[2]:.2f}x); every k' of {irr} irreducible rows ~ {irr * best[2] / 60:.1f} min")
    # the whole matrix, 16 of 20 bands kept (both ways only the bands of the kept degenerate
    # sets enter): one k' per little-group orbit (the default) against every k' of every row
    # (the tests check that both give the same rows for symmetric states)
    wall = {}
    for lg in (True, False):
        t0 = time.perf_counter()
        res = coulomb_me.mesh_coulomb_matrix(u, e, cell, 6, 1.24, n_keep=16, workers=2, little_group=lg)
        wall[lg] = (time.perf_counter() - t0, res["pairs"])
    print(f"whole K^TF-ME (16 of 20 bands kept): little group {wall[True][0]:.1f} s ({wall[True][1]} pairs), "
          f"every k' {wall[False][0]:.1f} s ({wall[False][1]} pairs), ratio {wall[False][0] / wall[True][0]:.2f}x")



def kresolved():
    path = ROOT / "resources/abinitio/coulomb/Al.nc"
    if not path.exists():
        print("no resources/abinitio/coulomb/Al.nc: k-resolved TF-ME Tc not timed")
        return
    from scimodel import paper004
    from scimodel.scdft import Settings, abinitio_bands, tfme
    grid = abinitio_bands.load_band_grid(ROOT / "resources/abinitio/bands/Al.nc")
    t0 = time.perf_counter()
    fit = abinitio_bands.fit_bands(grid)
    t_fit = time.perf_counter() - t0
    inp = paper004.load_input(ROOT / "resources/abinitio/Al.nc", "Al")
    with xr.open_dataset(path) as ds:
        coul = ds.load()
    t0 = time.perf_counter()
    res = tfme.kresolved_tc(fit, inp, coul, Settings(), nelec=float(grid.attrs["nelec"]), semicore=0, seeds=(1,))
    total = time.perf_counter() - t0
    print(f"Al, k-resolved TF-ME + TF-SK Tc, Delta0, C_S/C_N (one seed, alpha2F as computed, 20000 points "
          f"per Fermi band, incl. the 96^3 tetrahedron mesh and compilation): {total:.1f} s, of which the "
          f"seed (sampling, Tc, solves below Tc) {float(res.wall_time[0]):.1f} s (star fit before: {t_fit:.1f} s)")


if __name__ == "__main__":
    main()
