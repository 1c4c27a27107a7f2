"""Benchmarks of the defectal model (issue 6); prints a table.

Run: .venv/bin/python benchmarks/bench_defectal.py

* Monte Carlo throughput of F_l^2 (integrand evaluations/s, 1 and 2 threads, with
  3 or 1 pairings per set of four directions; target >= 2e7/s on 2 cores)
* wall time to reach 1 % relative statistical error on F_l^2 (target <= 5 s)
* Fraunhofer pattern of a 512 x 512 paracrystal (target <= 2 s)
* alpha2F_l on 1500 frequencies, one flow point (Eq. 16 + Monte Carlo)
"""
from __future__ import annotations

import os
import time

import numba
import numpy as np
from tabulate import tabulate

from scimodel.defectal import diffraction, spectral, transport


def best_of(f, n=3):
    ts = []
    out = None
    for _ in range(n):
        t0 = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t0)
    return min(ts), out


def main():
    rows = []
    kf_a0, kf_l = 1.4, 30.0
    transport.efficiency(kf_l, kf_a0, n_samples=64_000, seed=0)          # compile
    nmax = numba.config.NUMBA_NUM_THREADS
    for pairings in (3, 1):
        transport.efficiency(kf_l, kf_a0, n_samples=64_000 * pairings, seed=0, pairings=pairings)
        for th in sorted({1, min(2, nmax)}):
            numba.set_num_threads(th)
            n = 8_000_000
            t, r = best_of(lambda: transport.efficiency(kf_l, kf_a0, n_samples=n, seed=1,
                                                        pairings=pairings))
            rows.append([f"MC F_l^2, {th} thread(s), {pairings} pairing(s)/set",
                         f"{n:.1e} evaluations", f"{t:.3f} s",
                         f"{n / t:.3g} eval/s, rel.err {r.stderr / r.mean:.1e}",
                         ">= 2e7/s on 2 cores" if th == 2 else ""])
    numba.set_num_threads(min(2, nmax))
    # samples needed for 1 % (relative error ~ c / sqrt(n))
    pilot = transport.efficiency(kf_l, kf_a0, n_samples=64_000, seed=2)
    rel = pilot.stderr / pilot.mean
    n1 = int(64_000 * (rel / 0.01) ** 2) + 64
    n1 = max(n1, 128)
    t, r = best_of(lambda: transport.efficiency(kf_l, kf_a0, n_samples=n1, seed=3))
    rows.append(["F_l^2 to 1 %", f"{n1} samples", f"{t:.4f} s",
                 f"rel. err {r.stderr / r.mean:.4f}", "<= 5 s"])
    n1b = int(64_000 * (rel / 0.0001) ** 2)
    t, r = best_of(lambda: transport.efficiency(kf_l, kf_a0, n_samples=n1b, seed=3), n=1)
    rows.append(["F_l^2 to 0.01 %", f"{n1b:.2e} samples", f"{t:.3f} s",
                 f"rel. err {r.stderr / r.mean:.2e}", ""])
    # diffraction
    r512 = diffraction.paracrystal_2d(512, 0.05, seed=1)
    diffraction.fraunhofer(diffraction.paracrystal_2d(16, 0.05), oversample=4)   # compile
    t, _ = best_of(lambda: diffraction.fraunhofer(r512, oversample=4, workers=2))
    rows.append(["Fraunhofer 512 x 512 sites", "2048^2 FFT (oversample 4)", f"{t:.3f} s", "", "<= 2 s"])
    t, _ = best_of(lambda: diffraction.paracrystal_2d(512, 0.05, seed=1))
    rows.append(["paracrystal 512 x 512 generation", "", f"{t:.3f} s", "", ""])
    t, _ = best_of(lambda: diffraction.fraunhofer(r512, oversample=8, workers=2), n=1)
    rows.append(["Fraunhofer 512 x 512 sites", "4096^2 FFT (oversample 8)", f"{t:.3f} s", "", ""])
    # alpha2F
    x = np.linspace(1e-3, 2.78, 1500)
    spectral.alpha2f(x, 10.0, kf_a0)
    t, _ = best_of(lambda: spectral.alpha2f(x, 10.0, kf_a0, eps=300.0, resonance_weight=0.5))
    rows.append(["alpha2F_l", "1500 freq., 4 shells x 64 angles", f"{t:.4f} s", "", ""])
    print(f"cores visible: {os.cpu_count()}, numba threads: {numba.get_num_threads()}, "
          f"load average: {os.getloadavg()[0]:.2f}")
    print(tabulate(rows, headers=["benchmark", "size", "time", "rate / result", "target"]))


if __name__ == "__main__":
    main()
