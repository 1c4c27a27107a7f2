"""Speed of the SCDFT gap-equation solver (scimodel.scdft), model inputs.

Run: .venv/bin/python benchmarks/bench_scdft.py  (NUMBA_NUM_THREADS=2 by default)

Prints a table: Tc to 0.5 % (linearised equation, root finder rtol 2.5e-3)
and the gap at 0.01 K (step-function start) for an Al-like and a Pb-like
model metal (parabolic band, two-peak alpha2F, TF-FE Coulomb, default
mesh), and the construction of one K^ph matrix, Numba versus NumPy twin.
Targets (issue "SCDFT gap-equation solver"): Tc <= 10 s, gap <= 5 s,
Numba >= 20x NumPy.  Timings are warm (Numba cache loaded; a warm-up call
first), wall clock; the machine load is printed with them.
"""
from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "2")

import time  # noqa: E402

import numba  # noqa: E402
import numpy as np  # noqa: E402

from scimodel import spectra, units  # noqa: E402
from scimodel.scdft import GapEquation, Settings, kernels, kernels_np, parabolic_band_input  # noqa: E402
from timing import interleaved  # noqa: E402  (benchmarks/timing.py)


def model(kind):
    if kind == "Al-like":
        w, a = spectra.two_peak(20.0, 36.0, 0.44)
        return parabolic_band_input(w, a, n_valence=3, volume=111.3, name=kind)
    w, a = spectra.two_peak(4.4, 8.5, 1.55)
    return parabolic_band_input(w, a, n_valence=4, volume=204.0, name=kind)


def timed(fn, repeat=1):
    """(result, best wall time of ``repeat`` runs)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def kernel_table(ge):
    """K^ph and Z^ph on the distinct |xi| of the mesh, as the solver builds them
    (both are even in xi): Numba 1/2 threads vs NumPy twin."""
    a = ge.mesh.absval
    nthr = numba.config.NUMBA_NUM_THREADS
    rows = []
    for t_k in (0.01, 5.0, 50.0):
        beta = 1.0 / units.kelvin_to_mev(t_k)
        args_k = (a, a, ge.omega, ge.wa2f, beta, ge.inp.dos_ef)
        args_z = (a, ge.omega, ge.wa2f, beta, ge.inp.mu)
        kernels.kph_matrix_nb(*args_k, True)            # warm-up (cache load)
        kernels.zph_nb(*args_z)
        k = interleaved({
            "nb1": (lambda: kernels.kph_matrix_nb(*args_k, True), 1),
            f"nb{nthr}": (lambda: kernels.kph_matrix_nb(*args_k, True), nthr),
            "np": (lambda: kernels_np.kph_matrix_np(*args_k), 1)}, 7)
        z = interleaved({
            "nb1": (lambda: kernels.zph_nb(*args_z), 1),
            f"nb{nthr}": (lambda: kernels.zph_nb(*args_z), nthr),
            "np": (lambda: kernels_np.zph_np(*args_z), 1)}, 15)
        rows.append((t_k, k, z))
    print(f"kernel construction: K^ph {a.size}x{a.size}x{ge.omega.size} (upper triangle in Numba), "
          f"Z^ph {a.size}x{ge.omega.size} (|xi| of the {ge.xi.size}-point mesh); best of 7 (K) / 15 (Z) interleaved rounds")
    print(f"{'kernel':7s} {'T [K]':>6s} {'NumPy [ms]':>11s} {'Numba 1 thr':>12s} {f'Numba {nthr} thr':>12s} "
          f"{'NumPy/Numba 1':>14s} {f'NumPy/Numba {nthr}':>14s} {f'1 thr/{nthr} thr':>12s}")
    for t_k, k, z in rows:
        for name, d in (("K^ph", k), ("Z^ph", z)):
            n1, n2, tp = d["nb1"], d[f"nb{nthr}"], d["np"]
            print(f"{name:7s} {t_k:6.2f} {tp * 1e3:11.2f} {n1 * 1e3:12.2f} {n2 * 1e3:12.2f} "
                  f"{tp / n1:13.1f}x {tp / n2:13.1f}x {n1 / n2:11.2f}x")
    return rows


def main():
    rows = []
    settings = Settings(tc_rtol=2.5e-3)
    # warm-up (loads / compiles the Numba kernels)
    GapEquation(model("Al-like"), settings).largest_eigenvalue(1.0)
    for kind in ("Al-like", "Pb-like"):
        inp = model(kind)
        res, t_tc = timed(lambda: GapEquation(inp, settings).tc())
        sol, t_gap = timed(lambda: GapEquation(inp, settings).solve(0.01))
        rows.append((kind, res.tc, len(res.evaluations), t_tc, sol.delta0, sol.iterations, t_gap))
    ge = GapEquation(model("Pb-like"), settings)
    a = ge.mesh.absval
    print(f"mesh: {ge.xi.size} points ({a.size} distinct |xi|), {ge.omega.size} phonon energies, "
          f"NUMBA_NUM_THREADS={os.environ['NUMBA_NUM_THREADS']}")
    print(f"{'model':10s} {'Tc [K]':>9s} {'evals':>5s} {'t_Tc [s]':>9s} {'Delta0 [meV]':>13s} "
          f"{'Newton':>6s} {'t_gap [s]':>9s}")
    for r in rows:
        print(f"{r[0]:10s} {r[1]:9.4f} {r[2]:5d} {r[3]:9.2f} {r[4]:13.5f} {r[5]:6d} {r[6]:9.2f}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    kernel_table(ge)
    print(f"load average after the kernel table: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return np.array([r[3] for r in rows])


if __name__ == "__main__":
    main()
