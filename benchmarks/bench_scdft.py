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

import numpy as np  # noqa: E402

from scimodel import spectra, units  # noqa: E402
from scimodel.scdft import GapEquation, Settings, kernels, parabolic_band_input  # noqa: E402


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
    beta = 1.0 / units.kelvin_to_mev(5.0)
    kernels.kph_matrix_nb(a[:10], a[:10], ge.omega, ge.wa2f, beta, ge.inp.dos_ef, True)
    _, t_nb = timed(lambda: kernels.kph_matrix_nb(a, a, ge.omega, ge.wa2f, beta, ge.inp.dos_ef, True), 5)
    _, t_np = timed(lambda: kernels.kph_matrix_np(a, a, ge.omega, ge.wa2f, beta, ge.inp.dos_ef), 3)
    print(f"mesh: {ge.xi.size} points ({a.size} distinct |xi|), {ge.omega.size} phonon energies, "
          f"NUMBA_NUM_THREADS={os.environ['NUMBA_NUM_THREADS']}")
    print(f"{'model':10s} {'Tc [K]':>9s} {'evals':>5s} {'t_Tc [s]':>9s} {'Delta0 [meV]':>13s} "
          f"{'Newton':>6s} {'t_gap [s]':>9s}")
    for r in rows:
        print(f"{r[0]:10s} {r[1]:9.4f} {r[2]:5d} {r[3]:9.2f} {r[4]:13.5f} {r[5]:6d} {r[6]:9.2f}")
    print(f"K^ph matrix {a.size}x{a.size}x{ge.omega.size} at 5 K (best of 5/3): Numba {t_nb:.3f} s, NumPy twin {t_np:.3f} s, "
          f"speed-up {t_np / t_nb:.1f}x")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return np.array([r[3] for r in rows])


if __name__ == "__main__":
    main()
