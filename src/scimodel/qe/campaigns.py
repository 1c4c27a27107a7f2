"""Records of q-point campaigns: per-q tables and lambda by direct sum over the
finished q points of one or more campaign folders."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Mapping

import numpy as np

from .. import units
from ..errors import InputError
from .parsers import read_ph_elph
from .pipeline import _read_json


def q_point_table(folder: str | os.PathLike) -> str:
    """Markdown table of the finished q points in ``folder`` (a
    ``results/abinitio/qe_parts/<M>_q<q>`` run or its committed copy): iq, q
    (2 pi / a), ph.x wall time and MPI ranks from ``summary.json``, the mode
    frequencies (cm-1) from ``ph.out``; the progress record of a campaign."""
    rows = ["| iq | q (2 pi / a) | wall (s) | ranks | frequencies (cm-1) |",
            "| --- | --- | --- | --- | --- |"]
    for iq, d in q_point_lambdas(folder).items():
        s = d["summary"]
        q = ", ".join(f"{x:.4f}" for x in d["q"] or [])
        freqs = ", ".join(f"{f / units.CM1_TO_MEV:.1f}" for f in d["freq_mev"])
        rows.append(f"| {iq} | ({q}) | {s['wall_times_s']['ph']:.0f} | {s['nproc']} | {freqs} |")
    return "\n".join(rows) + "\n"


def q_point_lambdas(folder: str | os.PathLike, sigma_index: int = 0) -> dict[int, dict]:
    """The finished q points of a campaign folder (those with a ``summary.json``),
    iq -> ``star``, ``q`` (2 pi / a), ``freq_mev``, ``sigma_ry``, ``n_q``, ``summary``
    (the folder's summary.json) and ``lambda_q`` (sum over modes of lambda_{q nu}) for
    row ``sigma_index`` of the ph.x block: the Gaussian broadening of an
    'interpolated' run, 0 for a lambda_tetra run (which has one row; its DFPT ph.out
    has no lambda block, so elph.out is read)."""
    out = {}
    for d in sorted(Path(folder).glob("iq*"), key=lambda p: int(p.name[2:])):
        if not (d / "summary.json").exists():
            continue                                   # unfinished
        s = _read_json(d / "summary.json", "q-point folder")
        src = d / ("elph.out" if (d / "elph.out").exists() else "ph.out")
        (b,) = read_ph_elph(src)
        if not -b["lam"].shape[0] <= sigma_index < b["lam"].shape[0]:
            raise InputError(src, "lambda(q nu)", f"a smearing row {sigma_index} (the file has "
                             f"{b['lam'].shape[0]})")
        out[int(s["iq"])] = {"star": b["star"], "q": s["q_cart_2pi_over_a"], "freq_mev": b["freq_mev"],
                             "sigma_ry": float(b["sigma_ry"][sigma_index]), "n_q": int(s["n_q"]),
                             "lambda_q": float(b["lam"][sigma_index].sum()), "summary": s,
                             "sigma_ry_all": np.asarray(b["sigma_ry"], float),
                             "lambda_q_all": np.asarray(b["lam"], float).sum(axis=1)}
    return out


def _grid_size(folder: Path) -> int:
    m = re.search(r"_q(\d+)(_|$)", folder.name)
    if m is None:
        raise InputError(folder, "<folder name>", "a campaign folder named <M>_q<n>[_<phonon key>]")
    return int(m.group(1))


def _common_grid_size(folders) -> int:
    """The q grid n of campaign folders that must share one (else InputError)."""
    grids = {_grid_size(Path(f)) for f in folders}
    if len(grids) != 1:
        raise InputError(None, "runs", f"campaigns on one q grid (got n = {sorted(grids)})")
    return grids.pop()


def compare_q_point_runs(runs: Mapping[str, tuple[str | os.PathLike, int]]) -> str:
    """Markdown comparison of campaigns on the same q grid, ``runs`` = {label:
    (folder, smearing row)}: lambda_q per irreducible q point and run, then the
    star-weighted sum over the q points every run has, sum_q star_q lambda_q / n^3
    (a partial lambda while a campaign is unfinished, lambda by direct sum when
    all irreducible points are there).  The per-q tables of the tetrahedron
    records (resources/abinitio/*_tetrahedron_grid_check.txt) are this output."""
    if not runs:
        raise InputError(None, "runs", "at least one campaign folder")
    n = _common_grid_size(folder for folder, _ in runs.values())
    data = {label: q_point_lambdas(folder, row) for label, (folder, row) in runs.items()}
    labels = list(runs)
    every = sorted(set.intersection(*(set(d) for d in data.values())))
    rows = ["| iq | star | q (2 pi / a) | " + " | ".join(f"lambda_q {lab}" for lab in labels) + " |",
            "| --- | --- | --- | " + " | ".join("---" for _ in labels) + " |"]
    for iq in sorted(set().union(*(set(d) for d in data.values()))):
        first = next(d[iq] for d in data.values() if iq in d)
        q = ", ".join(f"{x:.4f}" for x in first["q"] or [])
        cells = [f"{data[lab][iq]['lambda_q']:.4f}" if iq in data[lab] else "-" for lab in labels]
        rows.append(f"| {iq} | {first['star']} | ({q}) | " + " | ".join(cells) + " |")
    for lab in labels[1:]:
        bad = [iq for iq in every if data[lab][iq]["star"] != data[labels[0]][iq]["star"]]
        if bad:
            raise InputError(Path(runs[lab][0]), "Number of q in the star",
                             f"the same star as {labels[0]} at iq {bad} (not the same q list)")
    nstar = sum(data[labels[0]][iq]["star"] for iq in every)
    n_irr = max(d["n_q"] for d in data[labels[0]].values()) if data[labels[0]] else 0
    kind = "lambda (direct sum)" if len(every) == n_irr and nstar == n ** 3 else "partial sum"
    sums = [f"{sum(data[lab][iq]['star'] * data[lab][iq]['lambda_q'] for iq in every) / n ** 3:.4f}"
            for lab in labels]
    rows.append(f"| {kind} | {nstar} / {n ** 3} | {len(every)} of {n_irr} points | " + " | ".join(sums) + " |")
    return "\n".join(rows) + "\n"


def compare_lambda_by_smearing(runs: Mapping[str, str | os.PathLike]) -> str:
    """Markdown table of lambda by direct sum, sum_q star_q lambda_q / n^3 over all
    irreducible q points, per ph.x smearing row, for campaigns ``runs`` = {label:
    folder} on the same q grid with the same smearings (e.g. one metal at two lattice
    constants), and the ratio of each later campaign to the first.  The tables of
    resources/abinitio/*_lattice_constant_check.txt are this output."""
    if len(runs) < 2:
        raise InputError(None, "runs", "at least two campaign folders")
    n = _common_grid_size(runs.values())
    sums, sigma = {}, None
    for label, folder in runs.items():
        d = q_point_lambdas(folder)
        n_irr = max((v["n_q"] for v in d.values()), default=0)
        if not d or len(d) != n_irr or sum(v["star"] for v in d.values()) != n ** 3:
            raise InputError(Path(folder), "iq*/summary.json",
                             f"all {n_irr or '?'} irreducible q points of the {n}^3 grid "
                             f"(found {sorted(d)})")
        for iq, v in d.items():
            if sigma is None:
                sigma = v["sigma_ry_all"]
            elif v["sigma_ry_all"].shape != sigma.shape or not np.allclose(v["sigma_ry_all"], sigma):
                raise InputError(Path(folder) / f"iq{iq}", "smearing (Ry)",
                                 f"the smearings of the first campaign, {sigma.tolist()}")
        sums[label] = sum(v["star"] * v["lambda_q_all"] for v in d.values()) / n ** 3
    labels = list(runs)
    rows = ["| sigma (Ry) | " + " | ".join(f"lambda {lab}" for lab in labels) + " | "
            + " | ".join(f"ratio {lab} / {labels[0]}" for lab in labels[1:]) + " |",
            "| --- | " + " | ".join("---" for _ in labels) + " | "
            + " | ".join("---" for _ in labels[1:]) + " |"]
    for i, sg in enumerate(sigma):
        cells = [f"{sums[lab][i]:.3f}" for lab in labels]
        ratios = [f"{sums[lab][i] / sums[labels[0]][i]:.3f}" for lab in labels[1:]]
        rows.append(f"| {sg:.3f} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    return "\n".join(rows) + "\n"
