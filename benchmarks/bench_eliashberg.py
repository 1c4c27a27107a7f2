"""Benchmark: linearised Eliashberg Tc before/after (one run), Tc at 0.05 K, the
nonlinear solver (Anderson vs linear mixing), and the Numba kernels against
their NumPy twins (1 and 2 threads).

    .venv/bin/python benchmarks/bench_eliashberg.py

Tc table: Einstein spectrum, omega_E = 10 meV, mu* = 0.1 at omega_E carried to
the cutoff (Morel-Anderson scaling, the project's mu*-at-the-cutoff
convention), Coulomb cutoff = Matsubara cutoff chosen so that the dense
solver has N Matsubara frequencies at Tc (lambda 0.5: Tc = 1.37 K for every
N; N = 202 is omega_c = 150 meV), plus lambda 1 at N = 132 and the
non-symmetric case omega_c = 150 meV < cutoff = 1200 meV (the issue's second
example; the previous algorithm returned 0.0 there: "Tc before").

Columns: "before" = the previous algorithm, re-implemented here from the
unchanged kernels (all eigenvalues of the non-symmetric matrix below 400
frequencies, ARPACK Arnoldi above; bracket stepping down by 3 from 0.5
omega_max, Brent on ln rho); "dense" = the reference path now (symmetrised
kernel, only the largest eigenvalue: LAPACK subset or Lanczos); "compr." =
the default (cells, ~ln(1/T) unknowns), Numba with the default threads and
with 1 thread, and its NumPy twins.  The variants are timed in interleaved
rounds (best of ``REPEAT``, warm: Numba cache loaded, one warm-up call);
the load average is printed.  Issue figures for an established
Fortran/OpenMP solver: N = 202: 17 ms, N = 404: 61 ms, lambda 1 N = 132:
8 ms; for the previous project code: 1.3 s, 1.9 s, 48 ms, N = 1059: 0.39 s.
"""
from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "2")

import time  # noqa: E402

import numba  # noqa: E402
import numpy as np  # noqa: E402
from scipy.optimize import brentq  # noqa: E402

from scimodel import eliashberg as el  # noqa: E402
from scimodel import spectra  # noqa: E402
from scimodel.units import KB_MEV_PER_K  # noqa: E402
from timing import interleaved  # noqa: E402  (benchmarks/timing.py)

REPEAT = 5


def best_of(fn, repeat=REPEAT):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


# ---------------------------------------------------------------- the previous algorithm


def rho_before(spec, mu_star, t_k, omega_c, cutoff):
    g = el.matsubara_grid(spec, t_k, omega_c, cutoff, True)
    a = el._linear_matrix_nb(g.lam_k, el._z_normal(g), mu_star, g.n_c, g.t_mev)
    if a.shape[0] > 400:
        from scipy.sparse.linalg import eigs
        ev = eigs(a, k=1, which="LR", v0=np.ones(a.shape[0]), return_eigenvectors=False, tol=1e-12)
        return float(ev.real.max())
    return float(np.linalg.eigvals(a).real.max())


def tc_before(spec, mu_star, omega_c, cutoff, t_min=1e-3, rtol=1e-6, max_matsubara=3000):
    t_min = max(t_min, cutoff / (2.0 * np.pi * max_matsubara * KB_MEV_PER_K))

    def f(logt):
        return np.log(rho_before(spec, mu_star, np.exp(logt), omega_c, cutoff))

    t_hi = 0.5 * spec.omega_max / KB_MEV_PER_K
    f_hi = f(np.log(t_hi))
    while f_hi > 0:
        t_hi *= 2.0
        f_hi = f(np.log(t_hi))
    t_lo, f_lo = t_hi, f_hi
    while f_lo < 0:
        t_lo /= 3.0
        if t_lo < t_min:
            return 0.0
        f_lo = f(np.log(t_lo))
    return float(np.exp(brentq(f, np.log(t_lo), np.log(t_hi), xtol=rtol, rtol=1e-12)))


# ---------------------------------------------------------------- tables


def mu_at(cutoff, omega_e=10.0, mu_e=0.1):
    """mu* at the cutoff from mu* = mu_e at omega_E (Morel-Anderson scaling)."""
    return el.mu_star_morel_anderson(mu_e, omega_e, cutoff)


def tc_table():
    tc_ref = 1.3714                      # lambda 0.5, K (the 1.37 K)
    cases = []
    for n in (33, 66, 132, 202, 404, 1059):
        cut = n * 2.0 * np.pi * KB_MEV_PER_K * tc_ref
        cases.append((f"lambda 0.5, N = {n}", el.Spectrum.einstein(10.0, 0.5), mu_at(cut), cut, cut))
    tc1 = 8.65                           # lambda 1, mu*(omega_E) = 0.1
    cut = 132 * 2.0 * np.pi * KB_MEV_PER_K * tc1
    cases.append(("lambda 1,   N = 132", el.Spectrum.einstein(10.0, 1.0), mu_at(cut), cut, cut))
    cases.append(("lambda 0.5, w_c 150 < cut 1200", el.Spectrum.einstein(10.0, 0.5), mu_at(150.0), 150.0,
                  1200.0))
    el.tc_eliashberg(el.Spectrum.einstein(10.0, 0.5), mu_star=0.12, method="dense")     # compile
    el.tc_eliashberg(el.Spectrum.einstein(10.0, 0.5), mu_star=0.12, numba=False)
    print(f"{'case':32s} {'N(Tc)':>6s} {'Tc [K]':>8s} {'Tc before':>9s} {'before':>9s} {'dense':>9s} "
          f"{'compr.':>9s} {'c. 1thr':>9s} {'c. NumPy':>9s} {'cells':>5s} {'before/compr':>12s} "
          f"{'compr/dense-1':>13s}")
    nthr = numba.config.NUMBA_NUM_THREADS
    for name, spec, mu, oc, cut in cases:
        tc_c = el.tc_eliashberg(spec, mu_star=mu, omega_c=oc, cutoff=cut)
        tc_d = el.tc_eliashberg(spec, mu_star=mu, omega_c=oc, cutoff=cut, method="dense")
        tc_b = tc_before(spec, mu, oc, cut)
        n_tc = el._n_matsubara(tc_c * KB_MEV_PER_K, cut)
        cells = el.compressed_grid(spec, tc_c, oc, cut).rep.size
        kw = dict(mu_star=mu, omega_c=oc, cutoff=cut)
        t = interleaved({
            "before": (lambda: tc_before(spec, mu, oc, cut), nthr),
            "dense": (lambda: el.tc_eliashberg(spec, method="dense", **kw), nthr),
            "compr": (lambda: el.tc_eliashberg(spec, **kw), nthr),
            "compr1": (lambda: el.tc_eliashberg(spec, **kw), 1),
            "numpy": (lambda: el.tc_eliashberg(spec, numba=False, **kw), nthr),
        }, 3 if n_tc > 300 else REPEAT)
        print(f"{name:32s} {n_tc:6d} {tc_c:8.5f} {tc_b:9.5f} {t['before'] * 1e3:7.1f}ms {t['dense'] * 1e3:7.1f}ms "
              f"{t['compr'] * 1e3:7.1f}ms {t['compr1'] * 1e3:7.1f}ms {t['numpy'] * 1e3:7.1f}ms {cells:5d} "
              f"{t['before'] / t['compr']:11.1f}x {tc_c / tc_d - 1:+13.1e}")


def low_tc_table():
    print(f"\n{'Tc ~ 0.05 K (issue case 1 and a Debye spectrum)':52s} {'Tc [K]':>9s} {'time':>9s} "
          f"{'cells at Tc':>11s} {'rho evals':>9s}")
    mu = mu_at(150.0)
    w, a = spectra.debye(30.0, 0.3)
    cases = [("Einstein 10 meV, lambda 0.3, w_c 150", el.Spectrum.einstein(10.0, 0.3), mu, 150.0, 150.0),
             ("Debye 30 meV (2001 nodes), lambda 0.3, mu* 0.155", el.Spectrum.from_grid(w, a), 0.155, 300.0,
              300.0)]
    for name, spec, mu_s, oc, cut in cases:
        el.tc_eliashberg(spec, mu_star=mu_s, omega_c=oc, cutoff=cut)
        calls = []
        orig = el._RhoOfT.__call__

        def counting(self, t_k, _orig=orig):
            calls.append(t_k)
            return _orig(self, t_k)

        el._RhoOfT.__call__ = counting
        tc = el.tc_eliashberg(spec, mu_star=mu_s, omega_c=oc, cutoff=cut)
        el._RhoOfT.__call__ = orig
        t = best_of(lambda: el.tc_eliashberg(spec, mu_star=mu_s, omega_c=oc, cutoff=cut))
        cells = el.compressed_grid(spec, tc, oc, cut).rep.size
        print(f"{name:52s} {tc:9.5f} {t * 1e3:7.1f}ms {cells:11d} {len(calls):9d}")


def gap_table():
    print(f"\n{'nonlinear Matsubara equations, Einstein lambda 1':44s} {'mixing':>8s} {'iter':>5s} "
          f"{'time':>9s} {'Delta_0 [meV]':>14s}")
    spec = el.Spectrum.einstein(10.0, 1.0)
    tc = el.tc_eliashberg(spec, mu_star=0.1)
    for label, t_k, method in (("T = 0.9 Tc, dense", 0.9 * tc, "dense"), ("T = 0.9 Tc, compressed", 0.9 * tc,
                                                                         "compressed"),
                               ("T = 0.01 K, compressed", 0.01, "compressed")):
        for mixing in ("linear", "anderson"):
            sol = el.solve_matsubara(spec, mu_star=0.1, t_k=t_k, method=method, mixing=mixing)
            t = best_of(lambda: el.solve_matsubara(spec, mu_star=0.1, t_k=t_k, method=method, mixing=mixing), 3)
            print(f"{label:44s} {mixing:>8s} {sol.iterations:5d} {t * 1e3:7.1f}ms {sol.delta[0]:14.10f}")


def kernel_table():
    w, a = spectra.two_peak(4.4, 8.5, 1.5)
    spec = el.Spectrum.from_grid(w, a)
    g = el.matsubara_grid(spec, 0.5, 85.0, 85.0)
    nu = 2 * np.pi * g.t_mev * np.arange(2 * g.wn.size + 1)
    zw = el._z_normal(g)
    d = np.linspace(1.0, 0.1, g.wn.size)
    lf = el.LambdaFunctions(spec, 171.0)
    t_c = 0.01 * KB_MEV_PER_K
    cg = el.compressed_grid(spec, 0.01, 85.0, 85.0, lf=lf)
    h = 2 * np.pi * t_c
    head_cum = np.concatenate([[0.0], np.cumsum(lf(h * np.arange(el._K_HEAD, dtype=float))[:, 2])])
    nu0, ds, tx, tf = lf.kernel_args()
    nu_tab = tx
    kernels = {
        "lambda(nu) table": (lambda: el._lambda_bosonic_nb(spec.omega, spec.weight, nu),
                             lambda: el._lambda_bosonic_np(spec.omega, spec.weight, nu)),
        "linear gap matrix": (lambda: el._linear_matrix_nb(g.lam_k, zw, 0.1, g.n_c, g.t_mev),
                              lambda: el._linear_matrix_np(g.lam_k, zw, 0.1, g.n_c, g.t_mev)),
        "nonlinear step": (lambda: el._nonlinear_step_nb(g.lam_k, g.wn, d, 0.1, g.n_c, g.t_mev),
                           lambda: el._nonlinear_step_np(g.lam_k, g.wn, d, 0.1, g.n_c, g.t_mev)),
        "lambda funcs (table)": (lambda: el._lambda_functions_nb(lf.nodes, lf.weights, nu_tab),
                                 lambda: el._lambda_functions_np(lf.nodes, lf.weights, nu_tab)),
        "cell sums (0.01 K)": (lambda: el._cell_sums_nb(cg.rep, cg.lo, cg.hi, h, head_cum, lf.lam_inf,
                                                        nu0, ds, tx, tf, lf.nodes, lf.weights),
                               lambda: el._cell_sums_np(cg.rep, cg.lo, cg.hi, h, head_cum, lf)),
    }
    print(f"\nMatsubara frequencies at T = 0.5 K: {g.wn.size}; alpha2F nodes: {spec.omega.size}; "
          f"lambda table points: {nu_tab.size}; cells at 0.01 K: {cg.rep.size}")
    print(f"{'kernel':22s} {'NumPy':>10s} {'Numba 1 thr':>12s} {'Numba 2 thr':>12s} "
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


def main():
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} cores, Numba threads {numba.get_num_threads()})")
    tc_table()
    low_tc_table()
    gap_table()
    kernel_table()
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
