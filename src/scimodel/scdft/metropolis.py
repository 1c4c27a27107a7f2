"""Metropolis sampling of the Brillouin zone in the paper's Rydberg reading (``chi_ry``).

Paper 004 (Sec. III) draws its k points "according to a Metropolis algorithm"
from max{chi(xi, T=0), 0.05}.  Read in the Rydberg atomic units of the paper,
chi = 1/(2E) in 1/Ry with E = sqrt(xi^2 + Delta0^2) in Ry, so the target is

    g(xi) = max{ R / (2 sqrt(xi^2 + Delta0^2)), 0.05 },   xi, Delta0 in meV, R = 1 Ry in meV,

a density ~1/|xi| from Delta0 to the band edges (the floor is 136 eV from E_F):
as many points per decade of |xi| near E_F as the logarithm of the Tc integral
needs.  :mod:`scimodel.scdft.sampling` documents the other reading (floor in
units of 1/Delta0) and why it leaves few points near E_F.

Such a peaked target cannot be drawn by rejection from uniform proposals.
Here ``chains`` independent Metropolis chains per band run side by side
(vectorised): the proposal moves k (fractional coordinates, periodic) by a
step of random direction and a length drawn log-uniformly between 1e-6 and
0.5 of the reciprocal cell (symmetric, so the acceptance is min(1, g'/g)); the
small steps follow the Fermi surface, the large ones cross the zone.  After
``burn`` steps every chain gives one point every ``thin`` steps.

Weights: each band holds one state per spin per cell.  With the target's
normalisation Z_n = <g(xi_nk)>_BZ known (``normalisation``, e.g. by linear
tetrahedra: :func:`scimodel.scdft.kconvergence.tetrahedron_normalisation`),
w_i = Z_n / (M_n g_i), the plain importance weights; otherwise they are
self-normalised, w_i = (1/g_i) / sum_{j in band} (1/g_j) (sum exactly 1 per
band).  The self-normalised sum is dominated by the rare points far from E_F:
on Al (20000 points) it scatters by 3-4 % between seeds, and the Tc of the
k-resolved equation by about 4 times that; the known Z removes that part of
the sampling error.  Bands that do not cross E_F get ``n_other`` uniform points
of weight 1/n_other.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import units
from ..errors import InputError
from .sampling import KSamples, cube_index, fermi_crossing_bands

#: Floor of the target, 1/Ry (the paper's 0.05, read in Rydberg units).
FLOOR_PER_RY = 0.05
#: log10 range of the proposal step length (fraction of the reciprocal cell).
STEP_DECADES = (-6.0, np.log10(0.5))


def target_density_ry(xi, delta0: float = 1.0) -> np.ndarray:
    """g(xi) = max{R / (2 sqrt(xi^2 + Delta0^2)), 0.05} (module doc); xi, Delta0 in meV."""
    if not delta0 > 0:
        raise InputError(None, "delta0", f"got {delta0}; expected > 0 meV")
    xi = np.asarray(xi, dtype=float)
    return np.maximum(units.RY_TO_MEV / (2.0 * np.sqrt(xi * xi + delta0 * delta0)), FLOOR_PER_RY)


def band_energy(energy_fn: Callable, band_fn: Callable | None, n: int) -> Callable:
    """``k -> xi[M]`` of band n: from ``band_fn(n)`` if given, else column n of ``energy_fn``."""
    if band_fn is None:
        return lambda k: np.asarray(energy_fn(k), dtype=float)[:, n]
    f = band_fn(n)
    return lambda k: np.asarray(f(k), dtype=float).reshape(len(k))


def _chain_points(band_energy, want: int, rng, delta0, chains, burn, thin):
    """Metropolis chains on one band; ``band_energy(k[M, 3]) -> xi[M]``."""
    k = rng.random((chains, 3))
    e = band_energy(k)
    g = target_density_ry(e, delta0)
    out_k, out_e, out_g = [], [], []
    per_chain = -(-want // chains)
    accepted = 0
    steps = burn + per_chain * thin
    for step in range(steps):
        length = 10.0 ** rng.uniform(*STEP_DECADES, size=chains)
        d = rng.normal(size=(chains, 3))
        d /= np.linalg.norm(d, axis=1)[:, None]
        kp = np.mod(k + length[:, None] * d, 1.0)
        ep = band_energy(kp)
        gp = target_density_ry(ep, delta0)
        acc = rng.random(chains) * g < gp
        k[acc], e[acc], g[acc] = kp[acc], ep[acc], gp[acc]
        accepted += int(acc.sum())
        if step >= burn and (step - burn) % thin == thin - 1:
            out_k.append(k.copy())
            out_e.append(e.copy())
            out_g.append(g.copy())
    # chain-major order, then cut to ``want``: every chain contributes alike
    ks = np.stack(out_k, axis=1).reshape(-1, 3)[:want]
    es = np.stack(out_e, axis=1).reshape(-1)[:want]
    gs = np.stack(out_g, axis=1).reshape(-1)[:want]
    return ks, es, gs, accepted / (steps * chains)


def metropolis_bands(energy_fn: Callable, n_bands: int, *, n_fermi: int = 20000, n_other: int = 1000,
                     delta0: float = 1.0, seed: int = 0, mesh: int = 6, chains: int = 1000,
                     burn: int = 300, thin: int = 20, band_fn: Callable | None = None,
                     normalisation: Callable | None = None) -> KSamples:
    """Sampled states of every band (module doc); ``energy_fn(k[M, 3]) -> xi[M, n_bands]``
    in meV relative to E_F at fractional k.  Seeded: one PCG64 stream per band.
    ``band_fn(n)``, if given, returns a callable ``k[M, 3] -> xi[M]`` (or ``[M, 1]``) for band
    n alone, the same energies as column n of ``energy_fn``: the chains then evaluate
    one band instead of all.  ``normalisation(n)``, if given, returns Z_n of band n
    (module doc); without it the weights are self-normalised."""
    if n_fermi < 1 or n_other < 1:
        raise InputError(None, "points per band", f"got {n_fermi}, {n_other}; expected >= 1")
    if chains < 1 or burn < 0 or thin < 1:
        raise InputError(None, "chains/burn/thin", f"got {chains}, {burn}, {thin}; expected >= 1, >= 0, >= 1")
    fermi = fermi_crossing_bands(energy_fn, n_bands, seed=seed)
    parts = {key: [] for key in ("xi", "weight", "band", "k")}
    acceptance = {}
    for n in range(n_bands):
        rng = np.random.Generator(np.random.PCG64([seed, n, 1]))
        if n in fermi:
            k, xi, g, acceptance[n] = _chain_points(band_energy(energy_fn, band_fn, n), n_fermi, rng,
                                                    delta0, min(chains, n_fermi), burn, thin)
            if normalisation is None:
                w = (1.0 / g) / np.sum(1.0 / g)
            else:
                z = float(normalisation(n))
                if not (np.isfinite(z) and z > 0):
                    raise InputError(None, "normalisation", f"band {n}: got {z}; expected > 0")
                w = z / (g.size * g)
        else:
            k = rng.random((n_other, 3))
            xi = np.asarray(energy_fn(k), dtype=float)[:, n]
            w = np.full(n_other, 1.0 / n_other)
            acceptance[n] = 1.0
        parts["xi"].append(xi)
        parts["weight"].append(w)
        parts["band"].append(np.full(xi.size, n, dtype=np.int64))
        parts["k"].append(k)
    k_all = np.concatenate(parts["k"])
    return KSamples(xi=np.concatenate(parts["xi"]), weight=np.concatenate(parts["weight"]),
                    band=np.concatenate(parts["band"]), k=k_all, cube=cube_index(k_all, mesh),
                    mesh=int(mesh), distribution="chi_ry", seed=int(seed), fermi_bands=fermi,
                    acceptance=acceptance)
