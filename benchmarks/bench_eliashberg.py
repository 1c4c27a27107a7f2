"""Benchmark: linearised Eliashberg Tc for a Pb-like spectrum, and the Numba
kernels against their NumPy twins (1 and 2 threads), in one run.

    .venv/bin/python benchmarks/bench_eliashberg.py
"""
from __future__ import annotations

import time

import numba
import numpy as np

from scimodel import eliashberg as el
from scimodel import spectra


def best_of(fn, repeat=7):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    w, a = spectra.two_peak(4.4, 8.5, 1.5)
    spec = el.Spectrum.from_grid(w, a)
    el.tc_eliashberg(spec, mu_star=0.1)                      # compile
    rows = []
    t_tc = best_of(lambda: el.tc_eliashberg(spec, mu_star=0.1))
    rows.append(("Tc (Pb-like, lambda=1.5, mu*=0.1), Numba", t_tc))
    t_tc_np = best_of(lambda: el.tc_eliashberg(spec, mu_star=0.1, numba=False), 3)
    rows.append(("Tc (Pb-like), NumPy twins", t_tc_np))
    # kernels on a low-temperature grid (many Matsubara frequencies)
    g = el.matsubara_grid(spec, 0.5, 85.0, 85.0)
    nu = 2 * np.pi * g.t_mev * np.arange(2 * g.wn.size + 1)
    zw = el._z_normal(g)
    d = np.linspace(1.0, 0.1, g.wn.size)
    kernels = {
        "lambda(nu) table": (lambda: el._lambda_bosonic_nb(spec.omega, spec.weight, nu),
                             lambda: el._lambda_bosonic_np(spec.omega, spec.weight, nu)),
        "linear gap matrix": (lambda: el._linear_matrix_nb(g.lam_k, zw, 0.1, g.n_c, g.t_mev),
                              lambda: el._linear_matrix_np(g.lam_k, zw, 0.1, g.n_c, g.t_mev)),
        "nonlinear step": (lambda: el._nonlinear_step_nb(g.lam_k, g.wn, d, 0.1, g.n_c, g.t_mev),
                           lambda: el._nonlinear_step_np(g.lam_k, g.wn, d, 0.1, g.n_c, g.t_mev)),
    }
    print(f"Matsubara frequencies at T = 0.5 K: {g.wn.size}; alpha2F nodes: {spec.omega.size}")
    print(f"{'quantity':45s} {'time':>12s}")
    for name, t in rows:
        print(f"{name:45s} {t * 1e3:10.2f} ms")
    print(f"\n{'kernel':22s} {'NumPy':>10s} {'Numba 1 thr':>12s} {'Numba 2 thr':>12s} "
          f"{'Numba/NumPy':>12s} {'1thr/2thr':>10s}")
    for name, (f_nb, f_np) in kernels.items():
        f_nb()
        t_np = best_of(f_np, 3)
        numba.set_num_threads(1)
        t1 = best_of(f_nb)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        t2 = best_of(f_nb)
        print(f"{name:22s} {t_np * 1e3:8.2f}ms {t1 * 1e3:10.2f}ms {t2 * 1e3:10.2f}ms "
              f"{t_np / t2:11.1f}x {t1 / t2:9.2f}x")


if __name__ == "__main__":
    main()
