"""Speed of the digitization / dataset code (a table; no assertions).

    .venv/bin/python benchmarks/bench_digitize.py
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from scimodel import datasets as dsm
from scimodel import digitize as dg

ROOT = Path(__file__).resolve().parents[1]


def best(f, n=5):
    f()                                   # warm-up (Numba compile / caches)
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return min(ts)


def main():
    rows = []
    cal = dg.calibration_from_points([(80, 420, 1.0), (600, 418, 1000.0)], [(81, 420, 0.0), (79, 40, 60.0)],
                                     xlog=True)
    px = np.random.default_rng(0).uniform(80, 600, 1_000_000)
    py = np.random.default_rng(1).uniform(40, 420, 1_000_000)
    t = best(lambda: cal.pixel_to_data(px, py))
    rows.append(("pixel_to_data, 1e6 points (log x)", t, f"{1e6 / t:.3g} points/s"))
    t = best(lambda: cal.data_sigma(*cal.pixel_to_data(px, py), 1.0))
    rows.append(("pixel_to_data + data_sigma, 1e6 points", t, f"{1e6 / t:.3g} points/s"))
    for w, h in ((640, 480), (2400, 1800)):
        img = np.ones((h, w, 3))
        rng = np.random.default_rng(2)
        yy, xx = np.mgrid[0:h, 0:w]
        for cx, cy in zip(rng.uniform(20, w - 20, 40), rng.uniform(20, h - 20, 40)):
            img[(xx - cx) ** 2 + (yy - cy) ** 2 <= 16] = (0.84, 0.15, 0.16)
        cols = np.arange(w)
        rows_c = (h / 2 + h / 4 * np.sin(cols / w * 6)).astype(int)
        for d in (-1, 0, 1):
            img[rows_c + d, cols] = (0.12, 0.47, 0.71)
        t = best(lambda: dg.extract_markers(img, "#d62728", tol=0.3))
        rows.append((f"extract_markers, {w}x{h}, 40 markers", t, f"{w * h / t / 1e6:.3g} Mpixel/s"))
        t = best(lambda: dg.extract_curve(img, "#1f77b4", tol=0.3))
        rows.append((f"extract_curve, {w}x{h}", t, f"{w * h / t / 1e6:.3g} Mpixel/s"))
        mask = dg.colour_mask(img, "#1f77b4", 0.3)
        t1 = best(lambda: dg.column_centroids(mask, numba=True))
        t2 = best(lambda: dg.column_centroids(mask, numba=False))
        rows.append((f"column_centroids {w}x{h}: Numba / NumPy", t1, f"NumPy {t2 * 1e3:.3g} ms ({t2 / t1:.2g}x)"))
    reg_path = ROOT / "resources" / "datasets" / "registry.yaml"
    t = best(lambda: dsm.load_registry(reg_path), n=3)
    reg = dsm.load_registry(reg_path)
    rows.append((f"load_registry (validates {len(reg.series)} records)", t, ""))

    def fits():
        for g in reg.variant_groups("synthetic"):
            ss = [dsm.load_record(reg.record_path(e)) for e in reg.group_series(g)]
            dsm.analyse_group(ss, reg.groups[g]["analysis"])
    t = best(fits, n=3)
    rows.append(("load + fit all synthetic groups (8 groups, 17 series)", t, ""))
    w = max(len(r[0]) for r in rows)
    print(f"{'case':<{w}}  {'best time':>10}  rate")
    for name, t, extra in rows:
        print(f"{name:<{w}}  {t * 1e3:8.2f} ms  {extra}")


if __name__ == "__main__":
    main()
