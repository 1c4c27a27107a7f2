"""Pb on 4^3 q, pb_s.UPF, tetrahedra: spin-orbit against scalar-relativistic point by point.

Reads the two committed campaign archives (qe_studies/Pb_q4_059e9f38a0077bc5.zip, spin-orbit;
qe_studies/Pb_q4_809abecd94d10df3.zip, the same settings without spin-orbit), and prints per
q point the frequencies and lambda_q = sum_nu lambda_{q nu} of both, and the star-weighted
lambda over the q points both hold (weights star / sum of their stars; over all 8 points it is
the 4^3 lambda).  Writes so_vs_scalar.md beside this file.

    .venv/bin/python resources/abinitio/Pb_spin_orbit_tetra_check/so_vs_scalar.py
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
ARCHIVES = {"spin-orbit": "Pb_q4_059e9f38a0077bc5", "scalar": "Pb_q4_809abecd94d10df3"}


def star_mean(points: dict, iqs) -> tuple[float, int]:
    """Star-weighted mean of lambda_q over the q points ``iqs`` and their number of star members."""
    w = np.array([points[i]["star"] for i in iqs], float)
    return float(np.sum(w * [points[i]["lambda_q"] for i in iqs]) / w.sum()), int(w.sum())


def main() -> int:
    from scimodel.qe import campaigns, store
    from scimodel.qe.spin_orbit import missing_point_bounds

    pts = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, key in ARCHIVES.items():
            dest = store.extract_campaign(ROOT / "resources" / "abinitio" / "qe_studies" / f"{key}.zip",
                                          Path(tmp) / name)
            pts[name] = campaigns.q_point_lambdas(dest)
    so, sr = pts["spin-orbit"], pts["scalar"]
    common = sorted(set(so) & set(sr))
    lines = ["# Pb, pb_s.UPF, 4^3 q, tetrahedra: spin-orbit against scalar, point by point", "",
             f"Produced by so_vs_scalar.py from qe_studies/{ARCHIVES['spin-orbit']}.zip (spin-orbit, "
             f"{len(so)} of 8 points) and qe_studies/{ARCHIVES['scalar']}.zip (scalar, {len(sr)} of 8).",
             "Frequencies in meV (ph.x's THz x 4.1357); lambda_q = sum over the three modes of lambda_{q nu} "
             "(lambda_tetra, 0 at Gamma; the small imaginary Gamma modes, printed negative, are the acoustic "
             "sum-rule residue).", "",
             "| iq | q (2 pi / a) | star | scalar modes (meV) | spin-orbit modes (meV) | lambda_q scalar | "
             "lambda_q spin-orbit | ratio |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for iq in sorted(set(so) | set(sr)):
        a, b = sr.get(iq), so.get(iq)
        ref = a or b
        q = ", ".join(f"{x:.3g}" for x in ref["q"])
        fa = ", ".join(f"{f:.2f}" for f in a["freq_mev"]) if a else "not computed"
        fb = ", ".join(f"{f:.2f}" for f in b["freq_mev"]) if b else "not computed"
        la = f"{a['lambda_q']:.3f}" if a else ""
        lb = f"{b['lambda_q']:.3f}" if b else ""
        r = f"{b['lambda_q'] / a['lambda_q']:.2f}" if a and b and a["lambda_q"] > 0 else ""
        lines.append(f"| {iq} | ({q}) | {ref['star']} | {fa} | {fb} | {la} | {lb} | {r} |")
    if any(sr[i]["lambda_q"] > 0 for i in common):
        lam = {n: star_mean(p, common)[0] for n, p in pts.items()}
        members = star_mean(sr, common)[1]
        lines += ["", f"Star-weighted lambda over the {len(common)} points both hold ({members} of the "
                  f"64 star members): scalar {lam['scalar']:.3f}, spin-orbit {lam['spin-orbit']:.3f}, "
                  f"ratio {lam['spin-orbit'] / lam['scalar']:.3f}."]
        if len(common) == 8:
            lines.append("All 8 points: these are the 4^3 lambdas (direct sums).")
    if len(sr) == 8 and set(sr) - set(so):
        # the spin-orbit grid's missing points, bounded by the computed points' ratios
        b = missing_point_bounds(sr, so)
        (rlo, rhi), (lo, hi), (flo, fhi) = b["point_ratios"], b["whole_grid_ratio"], b["factor"]
        lines.append(f"The points the spin-orbit grid lacks ({', '.join(f'iq{i}' for i in b['missing'])}) "
                     f"carry {100 * b['missing_share']:.1f} % of the scalar 4^3 lambda.  Were their "
                     f"spin-orbit / scalar ratio anywhere between the computed points' {rlo:.2f} and "
                     f"{rhi:.2f}, the whole-grid ratio would lie between {lo:.3f} and {hi:.3f}.")
        lines.append(f"Relative to the ratio over the points both hold ({b['ratio_common']:.3f}, the pair of "
                     f"rule abinitio_q_point_spectrum), a spin-orbit lambda transferred with it would change "
                     f"by a factor {flo:.3f} to {fhi:.3f} (resources/abinitio/lambda_variants.csv).")
    for name, p in pts.items():
        if len(p) == 8 and len(common) < 8:
            lam, members = star_mean(p, p)
            lines.append(f"The {name} grid is complete: its 4^3 lambda (star-weighted direct sum over "
                         f"the {members} star members) is {lam:.3f}.")
    text = "\n".join(lines) + "\n"
    (HERE / "so_vs_scalar.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
