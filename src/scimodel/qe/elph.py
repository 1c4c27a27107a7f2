"""Electron-phonon maths on QE's results: alpha2F per smearing, the gamma files
of the tetrahedron branch, lambda per smearing and its stability, the direct
sum over q points, moments (:mod:`scimodel.eliashberg`)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from .. import units
from ..errors import InputError
from .parsers import read_a2f_dos, read_dyn_star, read_ph_elph
from .spec import MetalSpec


def _positive_grid(omega: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep omega > 0 and prepend omega = 0 with value 0 (the contract's grid starts at 0)."""
    keep = omega > 0
    return np.concatenate([[0.0], omega[keep]]), np.concatenate([[0.0], values[keep]])


def _trapz(y, x) -> float:
    return float(np.trapezoid(y, x)) if len(x) > 1 else 0.0


def a2f_table(rundir: str | os.PathLike, spec: MetalSpec) -> dict:
    """alpha2F of every smearing on one omega grid (meV, from 0) plus diagnostics.

    alpha2F at omega <= 0 (imaginary or zero-frequency modes) is dropped; its
    weight Int |a2F| dw relative to the total is returned as ``a2f_negative_fraction``.
    Small negative values at omega > 0 (interpolation noise) are set to zero; the
    removed weight is returned as ``a2f_clipped_fraction``.
    """
    rundir = Path(rundir)
    grids, vals, neg, clipped = [], [], [], []
    # tetrahedra: one alpha2F (the ten a2F.dos files of matdyn.x are the same)
    rows = 1 if spec.elph_method == "tetrahedra" else spec.elph_nsigma
    for i in range(1, rows + 1):
        w, a = read_a2f_dos(rundir / f"a2F.dos{i}")
        tot = _trapz(np.abs(a), w)
        neg.append(_trapz(np.abs(a) * (w <= 0), w) / tot if tot > 0 else 0.0)
        wp, ap = _positive_grid(w, a)
        clipped.append(_trapz(np.clip(-ap, 0, None), wp) / tot if tot > 0 else 0.0)
        grids.append(wp)
        vals.append(np.clip(ap, 0, None))
    omega = grids[0]
    for g in grids[1:]:
        if g.shape != omega.shape or not np.allclose(g, omega, rtol=1e-6, atol=1e-9):
            raise InputError(rundir, "a2F.dos*", "the smearings do not share one frequency grid")
    sigma = np.zeros(1) if spec.elph_method == "tetrahedra" else spec.sigma_list_ry()
    return {"omega": omega, "a2f": np.array(vals), "sigma_ry": sigma,
            "a2f_negative_fraction": float(max(neg)), "a2f_clipped_fraction": float(max(clipped))}


def gamma_file_text(dyn_path: str | os.PathLike, lam: np.ndarray, dos_per_ry: float,
                    ef_ry: float, deg_ry: float = 0.0, expect_star: int | None = None) -> str:
    """The electron-phonon file that q2r.x reads for one smearing of one q point
    (``elph_dir/a2Fq2r.<50 + i>.<iq>``), built from the lambda_{q nu} of the q point.

    ph.x (``electron_phonon='interpolated'``) writes for every member S q of the star
    a matrix G(Sq) whose diagonal in the mode basis is e_nu^+ G e_nu = 2 N(E_F)
    lambda_nu d_nu, where d_nu and e_nu are the eigenvalues and eigenvectors of the
    member's dynamical matrix D(Sq) as stored in ``dyn_path`` (one atom per cell:
    d_nu = M omega_nu^2) and N(E_F) is in states/spin/Ry/cell; matdyn.x turns it back
    into gamma_nu = pi/2 e^+ G e / M and lambda_nu = gamma_nu / (pi N(E_F) omega_nu^2).
    This function writes G = sum_nu 2 N(E_F) lambda_nu d_nu e_nu e_nu^+, i.e. only
    that diagonal: the off-diagonal elements (nonzero at low-symmetry q) are not
    printed.  Keeping only the diagonal of ph.x's own files changes Ta's interpolated
    lambda by +0.7 % (resources/abinitio/Ta_tetrahedron_grid_check.txt; the diagonal
    is checked against ph.x's files in tests/test_abinitio.py).  Used for
    ``elph_method='tetrahedra'``, whose lambda_tetra run prints lambda_{q nu} but
    writes no such file, so that q2r.x/matdyn.x Fourier interpolate it like the
    Gaussian case.  ``lam`` is in ph.x's mode order
    (ascending frequency); modes degenerate in D get their mean lambda.  One atom per
    cell only (all metals here).  ``expect_star``: the star size printed by ph.x, checked
    against the number of matrices in ``dyn_path``."""
    star = read_dyn_star(dyn_path)
    if expect_star is not None and len(star) != expect_star:
        # e.g. a dyn file of another q point or a truncated one
        raise InputError(dyn_path, "star",
                         f"{len(star)} matrices, but elph.out lists {expect_star} q in the star")
    lam = np.asarray(lam, float)
    out = [f"{deg_ry:25.16E}{ef_ry:25.16E}{dos_per_ry:25.16E}", f"{len(star):12d}"]
    for qline, d in star:
        if d.shape != (3, 3):
            raise InputError(dyn_path, "nat", f"got {d.shape[0] // 3} atoms, expected 1 "
                             "(gamma_file_text handles one atom per cell)")
        if lam.shape != (3,):
            raise InputError(dyn_path, "lambda", f"got {lam.size} modes, expected 3")
        w, v = np.linalg.eigh(0.5 * (d + d.conj().T))
        tol = 1e-6 * max(np.abs(w).max(), 1e-30)
        lam_s = np.array([lam[np.abs(w - x) <= tol].mean() for x in w])
        g = (v * (2.0 * dos_per_ry * lam_s * w)) @ v.conj().T
        out += ["", "     Dynamical  Matrix in cartesian axes", "", qline.rstrip(), "", "    1    1"]
        out += ["  ".join(f"{z.real:18.10E} {z.imag:18.10E}" for z in row) for row in g]
    return "\n".join(out) + "\n"


def write_tetra_gamma_files(spec: MetalSpec, qdir: str | os.PathLike, iq: int,
                            elph_dir: str | os.PathLike) -> None:
    """``elph_dir/a2Fq2r.<51..50+elph_nsigma>.<iq>`` of a tetrahedron q point folder
    (its ``elph.out`` and ``<prefix>.dyn<iq>``), the same matrix in every file:
    q2r.x/matdyn.x of QE 6.7 read exactly ten; the NetCDF step reads ``a2F.dos1``."""
    qdir = Path(qdir)
    (b,) = read_ph_elph(qdir / "elph.out")
    if b["dos_per_ry"] is None or b["ef_ev"] is None:
        raise InputError(qdir / "elph.out", "DOS = ... at Ef=", "N(E_F) and E_F not printed")
    text = gamma_file_text(qdir / f"{spec.prefix}.dyn{iq}", b["lam"][0], float(b["dos_per_ry"][0]),
                           float(b["ef_ev"][0]) / units.RY_TO_EV, expect_star=b["star"])
    for i in range(1, spec.elph_nsigma + 1):
        (Path(elph_dir) / f"a2Fq2r.{50 + i}.{iq}").write_text(text)


def _moments(omega, a2f) -> dict:
    from .. import eliashberg
    return eliashberg.moments(omega, a2f)


def lambda_by_smearing(omega: np.ndarray, a2f_by_sigma: np.ndarray) -> np.ndarray:
    """lambda = 2 Int a2F/w dw for every row (scimodel.eliashberg)."""
    return np.array([_moments(omega, a)["lam"] for a in a2f_by_sigma])


def stability(sigma_ry: np.ndarray, lam: np.ndarray, chosen: int,
              window_ry: Sequence[float]) -> float:
    """Largest |lambda(sigma) - lambda(chosen)| / lambda(chosen) for sigma in the window."""
    lo, hi = window_ry
    sel = (sigma_ry >= lo - 1e-12) & (sigma_ry <= hi + 1e-12)
    if not sel.any():
        raise InputError(None, "stability_window_Ry", f"no smearing of {sigma_ry.tolist()} in {window_ry}")
    return float(np.max(np.abs(lam[sel] - lam[chosen])) / lam[chosen])


def imaginary_weight(omega: np.ndarray, f: np.ndarray) -> float:
    """Fraction of the phonon DOS weight at omega < 0 (imaginary modes, plotted as negative)."""
    tot = _trapz(f, omega)
    neg = _trapz(np.where(omega < 0, f, 0.0), omega)
    return float(neg / tot) if tot > 0 else 0.0


def free_electron_kf(n_per_bohr3: float) -> float:
    """k_F = (3 pi^2 n)^(1/3) in 1/bohr for the density n in 1/bohr^3."""
    return float((3.0 * np.pi ** 2 * n_per_bohr3) ** (1.0 / 3.0))


def a2f_from_q_points(blocks: list[dict], omega: np.ndarray, width_mev: float) -> dict:
    """alpha2F and F(omega) as direct sums over the computed q points (no interpolation).

    alpha2F(w) = 1/2 sum_q w_q sum_nu omega_{q nu} lambda_{q nu} g(w - omega_{q nu}) and
    F(w) = sum_q w_q sum_nu g(w - omega_{q nu}), g a normalised Gaussian of
    ``width_mev``, w_q = star / sum(stars): lambda = sum_q w_q sum_nu lambda_{q nu}
    exactly (returned as ``lambda_direct``) and 2 Int alpha2F / w dw up to the
    broadening.  Modes with omega <= 0 (the acoustic modes at Gamma, zero up to
    the sum-rule residue) are left out; their weight is ``negative_weight``.
    """
    stars = np.array([b["star"] for b in blocks], float)
    wq = stars / stars.sum()
    nsig = blocks[0]["lam"].shape[0]
    a2f = np.zeros((nsig, omega.size))
    f = np.zeros(omega.size)
    lam_direct = np.zeros(nsig)
    neg = 0.0
    norm = 1.0 / (width_mev * np.sqrt(2.0 * np.pi))
    for w, b in zip(wq, blocks):
        if b["lam"].shape[0] != nsig:
            raise InputError(None, "lambda(q nu)", "q points with different numbers of smearings")
        for nu, om in enumerate(b["freq_mev"]):
            if om <= 0.0:
                neg += w / b["freq_mev"].size
                continue
            g = norm * np.exp(-0.5 * ((omega - om) / width_mev) ** 2)
            f += w * g
            a2f += 0.5 * w * om * b["lam"][:, nu][:, None] * g[None, :]
            lam_direct += w * b["lam"][:, nu]
    return {"a2f": a2f, "phonon_dos": 3.0 * f / max(len(blocks[0]["freq_mev"]), 1),
            "lambda_direct": lam_direct, "negative_weight": neg, "q_weights": wq}
