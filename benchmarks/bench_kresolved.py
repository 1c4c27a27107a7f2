"""Speed of the k-resolved SCDFT pieces on the committed Nb band grid (paper 004, Fig. 2).

Run: .venv/bin/python benchmarks/bench_kresolved.py [--tetrahedra-only]  (NUMBA_NUM_THREADS=2 by default)

Prints: the star-function fit through the 48^3 mesh (once); the linear-tetrahedron
set-up (Numba kernels against NumPy twins, 1 and 2 threads); evaluation of the
fitted bands at 20000 random k, NUFFT (Numba, 1 and 2 threads) against its
NumPy twin and against the direct cosine sum, all bands and one band
(StarFit.select_bands); Metropolis sampling (chi_ry, 2000 points per Fermi
band) with band-by-band against all-band evaluation; one k-resolved Tc
(TF-SK) on those states.  Target (issue "k-resolved gap equation"):
k-resolved Tc from cached inputs <= 2 min per metal.  Wall clock, warm
(a warm-up call first), best of interleaved rounds.
"""
from __future__ import annotations

import os
import sys

os.environ.setdefault("NUMBA_NUM_THREADS", "2")

import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from scimodel import abinitio as ab  # noqa: E402
from scimodel import paper004  # noqa: E402
from scimodel.scdft import Settings, abinitio_bands, metropolis  # noqa: E402
from scimodel.scdft.kresolved import KResolvedGap  # noqa: E402
from timing import interleaved  # noqa: E402  (benchmarks/timing.py)

ROOT = Path(__file__).resolve().parents[1]
SEMICORE = 4          # Nb 4s, 4p (config/config.yaml)


def main():
    print(f"# load average {os.getloadavg()[0]:.2f}")
    grid = abinitio_bands.load_band_grid(ROOT / "resources/abinitio/bands/Nb.nc")
    t0 = time.perf_counter()
    fit = abinitio_bands.fit_bands(grid)
    print(f"star-function fit, Nb 48^3 ({grid.sizes['k_irr']} points, {fit.n_bands} bands): "
          f"{time.perf_counter() - t0:.1f} s")
    tetrahedra(fit, float(grid.attrs["nelec"]))
    if "--tetrahedra-only" in sys.argv:
        return
    k = np.random.default_rng(0).random((20000, 3))
    one = fit.select_bands([SEMICORE + 1])
    fit.energies_frac(k[:10], method="nufft")
    one.energies_frac(k[:10], method="nufft")
    best = interleaved({
        "nufft, all bands, 1 thread": (lambda: fit.energies_frac(k, method="nufft"), 1),
        "nufft, all bands, 2 threads": (lambda: fit.energies_frac(k, method="nufft"), 2),
        "nufft, one band, 2 threads": (lambda: one.energies_frac(k, method="nufft"), 2),
        "NumPy twin (nufft-numpy), all bands": (lambda: fit.energies_frac(k, method="nufft-numpy"), 1),
        "direct cosine sum, all bands": (lambda: fit.energies_frac(k, method="direct"), 2),
    }, rounds=2)
    print("\n| band evaluation at 20000 random k | wall (s) |\n| --- | --- |")
    for name, t in best.items():
        print(f"| {name} | {t:.3f} |")
    valence = np.arange(SEMICORE, fit.n_bands)
    efn = fit.energy_fn(0.0, "meV", bands=valence)

    def band_fn(n):
        return fit.energy_fn(0.0, "meV", bands=[int(valence[n])])

    kw = dict(n_fermi=2000, n_other=1000, seed=1)
    out = {}
    metropolis.metropolis_bands(efn, valence.size, n_fermi=10, n_other=10, chains=10, burn=1,
                                band_fn=band_fn)                       # warm-up
    for _ in range(2):                                                 # interleaved rounds
        for name, extra in (("all bands", {}), ("band by band", {"band_fn": band_fn})):
            t0 = time.perf_counter()
            out[name] = metropolis.metropolis_bands(efn, valence.size, **kw, **extra)
            t = time.perf_counter() - t0
            out[name + " t"] = min(t, out.get(name + " t", t))
    print("\n| Metropolis chi_ry, 2000 points per Fermi band | wall (s) |\n| --- | --- |")
    for name in ("band by band", "all bands"):
        print(f"| {name} | {out[name + ' t']:.1f} |")
    same = np.allclose(out["band by band"].xi, out["all bands"].xi, rtol=0, atol=1e-9)
    print(f"(same states: {same})")
    inp = paper004.load_input(ROOT / "resources/abinitio/Nb.nc", "Nb")
    smp = out["band by band"]
    t0 = time.perf_counter()
    res = KResolvedGap(smp, inp, Settings(coulomb="tf-sk"), coulomb="tf-sk").tc()
    print(f"\nk-resolved Tc (TF-SK), {smp.size} states: {res.tc:.3f} K in "
          f"{time.perf_counter() - t0:.1f} s")


def tetrahedra(fit, nelec: float):
    """The linear-tetrahedron set-up of the k-resolved columns (fitted bands on the 96^3
    mesh, the DOS of a band crossing E_F, E_F by count): Numba kernels against their
    NumPy twins (on a subset of the tetrahedra, or a 12^3 mesh for E_F) and 1 vs 2 threads."""
    t0 = time.perf_counter()
    full = fit.energies_on_mesh(96)[..., SEMICORE:]
    t_mesh = time.perf_counter() - t0
    band = full[..., 1:2]                                       # the first band crossing E_F
    edges = np.arange(band.min() - 5.0, band.max() + 10.0, 5.0)
    ab._tetra_energies(full[:4, :4, :4, :1])                    # compile
    et = ab._tetra_energies(band)
    sub = np.ascontiguousarray(et[::265])                       # 20,037 tetrahedra
    ab._nos_nb(sub, edges)
    best = interleaved({
        "sorted corner energies, 96^3, one band, Numba 2 threads": (lambda: ab._tetra_energies(band), 2),
        "sorted corner energies, the same, NumPy twin": (lambda: ab._tetra_energies_np(band), 1),
        "n(E) at 5 meV edges, 96^3 (5.3 M tetrahedra), one band, Numba 1 thread": (
            lambda: ab._nos_nb(et, edges), 1),
        "the same, Numba 2 threads": (lambda: ab._nos_nb(et, edges), 2),
        "n(E), 20,037 of those tetrahedra, Numba 2 threads": (lambda: ab._nos_nb(sub, edges), 2),
        "n(E), the same 20,037, NumPy twin": (lambda: ab._nos_np(sub, edges), 1),
    }, rounds=2)
    small = fit.energies_on_mesh(12)[..., SEMICORE:]
    n_per_spin = 0.5 * nelec - SEMICORE                        # valence states per spin
    crossing = full[..., (full.reshape(-1, full.shape[-1]).max(axis=0) > -2000.0)
                    & (full.reshape(-1, full.shape[-1]).min(axis=0) < 2000.0)]
    below = float(np.sum(full.reshape(-1, full.shape[-1]).max(axis=0) <= -2000.0))

    def every_step():             # the bisection before the shrinking list: n(E) of all tetrahedra
        et_all = ab._tetra_energies(crossing)
        lo, hi = -2000.0, 2000.0
        while hi - lo >= 1e-6:
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if below + ab._nos_nb(et_all, np.array([mid]))[0] < n_per_spin else (lo, mid)

    best.update(interleaved({
        "E_F by count, 96^3, Numba n(E) of every tetrahedron at each step": (every_step, 2),
        "E_F by count, 96^3, Numba (shrinking tetrahedron list)": (
            lambda: ab.fermi_level(full, n_per_spin, -2000.0, 2000.0, tol=1e-6), 2),
        "E_F by count, 12^3, Numba": (lambda: ab.fermi_level(small, n_per_spin, -2000.0, 2000.0, tol=1e-6), 2),
        "E_F by count, 12^3, NumPy twin (plain bisection)": (
            lambda: ab.fermi_level(small, n_per_spin, -2000.0, 2000.0, tol=1e-6, numpy=True), 1),
    }, rounds=1))
    print(f"\nfitted bands on the 96^3 mesh (exact FFT, {full.shape[-1]} valence bands): {t_mesh:.2f} s")
    print("\n| linear tetrahedra, Nb | wall (s) |\n| --- | --- |")
    for name, t in best.items():
        print(f"| {name} | {t:.3f} |")


if __name__ == "__main__":
    main()
