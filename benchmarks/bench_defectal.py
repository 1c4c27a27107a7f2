"""Benchmarks of the defectal model (issue 6); prints a table.

Run: .venv/bin/python benchmarks/bench_defectal.py

* Monte Carlo throughput of F_l^2 (integrand evaluations/s, 1 and 2 threads, with
  3 or 1 pairings per set of four directions; target >= 2e7/s on 2 cores), and the
  ratio to the previous (scalar) kernel, kept below only for this comparison
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
from scimodel.numba_config import jit, pjit, prange

# ---- the previous scalar kernel (commit de0ac7a), only for the speed ratio --------------
_T = transport


@jit(cache=False)
def _old_uniform(key, n):
    return float(_T._mix_nb(key + np.uint64(n) * _T._GOLDEN) >> _T._S11) * _T._INV53


@jit(cache=False)
def _old_direction(key, vec_index):
    base = vec_index * 64
    x1 = x2 = s = 0.0
    for t in range(32):
        x1 = 2.0 * _old_uniform(key, base + 2 * t) - 1.0
        x2 = 2.0 * _old_uniform(key, base + 2 * t + 1) - 1.0
        s = x1 * x1 + x2 * x2
        if s < 1.0 and s > 0.0:
            break
    q = 2.0 * np.sqrt(1.0 - s)
    return x1 * q, x2 * q, 1.0 - 2.0 * s


@jit(cache=False, fastmath={"reassoc", "contract"})
def _old_weight(px, py, pz, L2, pref, g, w):
    kin = (px * px + py * py + pz * pz) / 3.0
    f = 0.0
    for j in range(g.shape[0]):
        dx = px - g[j, 0]
        dy = py - g[j, 1]
        dz = pz - g[j, 2]
        f += w[j] / (1.0 + L2 * (dx * dx + dy * dy + dz * dz))
    return kin * pref * f


@jit(cache=False)
def _old_sample(key, i, L2, pref, g, w, pairings):
    x0, y0, z0 = _old_direction(key, 4 * i)
    x1, y1, z1 = _old_direction(key, 4 * i + 1)
    x2, y2, z2 = _old_direction(key, 4 * i + 2)
    x3, y3, z3 = _old_direction(key, 4 * i + 3)
    val = _old_weight(x0 + x1 - x2 - x3, y0 + y1 - y2 - y3, z0 + z1 - z2 - z3, L2, pref, g, w)
    if pairings == 3:
        val += _old_weight(x0 + x2 - x1 - x3, y0 + y2 - y1 - y3, z0 + z2 - z1 - z3, L2, pref, g, w)
        val += _old_weight(x0 + x3 - x1 - x2, y0 + y3 - y1 - y2, z0 + z3 - z1 - z2, L2, pref, g, w)
        val /= 3.0
    return val


@pjit(cache=False)
def _old_mc(keys, per_chunk, L, kf_a0, g, w, pairings):
    s1 = np.zeros(keys.size)
    for c in prange(keys.size):
        a = 0.0
        for i in range(per_chunk):
            a += _old_sample(keys[c], i, L * L, 2.0 * (L / kf_a0), g, w, pairings)
        s1[c] = a
    return s1


def old_efficiency_mean(kf_l, kf_a0, n_samples, seed, pairings, n_chunks=64):
    per = n_samples // (n_chunks * pairings)
    g, w = _T._g_table(kf_a0, 3)
    keys = np.array([_T._chunk_key(seed, c) for c in range(n_chunks)], dtype=np.uint64)
    return _old_mc(keys, per, float(kf_l), float(kf_a0), g, w, pairings).sum() / (per * n_chunks)


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
        old_efficiency_mean(kf_l, kf_a0, 64_000 * pairings, 0, pairings)          # compile
        for th in sorted({1, min(2, nmax)}):
            numba.set_num_threads(th)
            n = 8_000_000
            t, r = best_of(lambda: transport.efficiency(kf_l, kf_a0, n_samples=n, seed=1,
                                                        pairings=pairings))
            t_old, m_old = best_of(lambda: old_efficiency_mean(kf_l, kf_a0, n, 1, pairings))
            rows.append([f"MC F_l^2, {th} thread(s), {pairings} pairing(s)/set",
                         f"{n:.1e} evaluations", f"{t:.3f} s",
                         f"{n / t:.3g} eval/s, rel.err {r.stderr / r.mean:.1e}",
                         ">= 2e7/s on 2 cores" if th == 2 else ""])
            rows.append(["  (previous scalar kernel, same run)", "", f"{t_old:.3f} s",
                         f"{n / t_old:.3g} eval/s; new/old speed {t_old / t:.2f}x, "
                         f"|mean diff| {abs(r.mean / m_old - 1):.0e} rel.", ""])
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
