"""Brillouin-zone sampling for the k-resolved gap equation (paper 004, Sec. III).

The paper evaluates the band energies xi_nk (a Fourier fit of ab-initio bands)
at a large set of random k points "distributed according to a Metropolis
algorithm ... devised to accumulate a large number of k-points in the first
few meV around the Fermi surface": 15000-20000 independent points for each
band crossing E_F and about 1000 for every other band.  Its Fig. 2 uses two
target distributions for the bands at E_F,

* ``chi``:  g(xi) = max{chi(xi, T=0), 0.05}, chi(xi, 0) = Delta0 / (2 sqrt(xi^2 + Delta0^2))
  (the T = 0 order parameter of a gap Delta0; at most 1/2 at E_F);
* ``step``: a step function with widths 2 and 40 mRy (|xi| < 1 mRy and
  |xi| < 20 mRy), heights 1, :data:`STEP_HEIGHTS` (the heights are read
  as 1 : 0.25 : 0.05 from the insert of Fig. 2, our choice; the widths are
  the paper's);

The unit of the floor 0.05 is ambiguous in the paper.  Read here (``chi``) in
units of 1/Delta0, the floor takes over 10 Delta0 from E_F: on the 48^3 bands
of Nb (two bands at E_F) only 2.2 % of the points lie within 10 meV of E_F
(6 % for ``step``), so the DOS on the phonon scale rests on about a hundred
points, and the k-resolved TF-SK Tc of Nb scatters by -28 % to +10 % around the
energy-only value computed with the same bands (2000-20000 points per band,
2026-12-05), far from the paper's 2 % (Fig. 2).  Read in the paper's Rydberg
atomic units, max{1/(2E), 0.05 Ry^-1} with E in Ry, the floor sits 136 eV
from E_F and the density is ~1/|xi| over the whole band: log-uniform, as the
Tc integral needs; it peaks too sharply for rejection sampling from uniform
proposals and needs the paper's Metropolis chain: :mod:`scimodel.scdft.metropolis`
(``chi_ry``).  With it, 39 % of the points of a linear model band (flat DOS
over 2 eV) lie within 10 meV of E_F, and on the Nb bands the k-resolved TF-SK
Tc is within -5.0 % to +2.6 % of the energy-only value for 2000-20000 points
per Fermi band and two seeds (2026-12-05).

and samples every other band uniformly.  Here the same target densities are
drawn by rejection sampling with uniform proposals on the reciprocal cell:
the accepted points are exactly independent draws of the target (what a
Metropolis chain gives only after thinning), and the acceptance rate
estimates the normalisation.  With M_n accepted points of band n drawn from
p_n(k) = g(xi_nk) / Z_n, Z_n = <g(xi_nk)>_BZ, every point gets the weight

    w_i = Z_n / (M_n g(xi_i)),   so that   sum_i w_i f(xi_i) -> sum_n <f(xi_nk)>_BZ
                                                      = Int dxi N(xi) f(xi)

with N the DOS per spin per cell (per atom for one atom per cell), the
normalisation of the energy-space solver.  Random numbers: one
``numpy.random.Generator(PCG64(seed, band))`` stream per band, so the sample of
a band does not depend on the other bands or on the batch size.

Each point also gets the index of its hypercube of a regular m^3 mesh of the
reciprocal cell (the cube [g - 1/2, g + 1/2) / m centred on the nearest mesh
point g, so that the mesh point is the cube's centre), the unit on which the
TF-ME Coulomb matrix elements, computed at the mesh points, are taken constant
(paper 004: "mapping k and k' to the corresponding hypercube of the regular
mesh", 6^3 there).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import units
from ..errors import InputError

#: heights of the three steps of the ``step`` distribution (inner, middle, outer)
STEP_HEIGHTS = (1.0, 0.25, 0.05)
#: half widths of the steps (meV): 1 mRy and 20 mRy (widths 2 and 40 mRy, paper 004 Fig. 2)
STEP_HALF_WIDTHS = (1.0 * units.RY_TO_MEV * 1e-3, 20.0 * units.RY_TO_MEV * 1e-3)
#: floor of the ``chi`` distribution (paper 004 Fig. 2)
CHI_FLOOR = 0.05
DISTRIBUTIONS = ("chi", "step", "uniform")


def target_density(xi, distribution: str, delta0: float = 1.0):
    """Unnormalised target density g(xi) (module doc); ``delta0`` (meV) for ``chi``."""
    xi = np.asarray(xi, dtype=float)
    if distribution == "chi":
        if not delta0 > 0:
            raise InputError(None, "delta0", f"got {delta0}; expected > 0 meV")
        return np.maximum(delta0 / (2.0 * np.sqrt(xi * xi + delta0 * delta0)), CHI_FLOOR)
    if distribution == "step":
        a = np.abs(xi)
        h0, h1, h2 = STEP_HEIGHTS
        return np.where(a < STEP_HALF_WIDTHS[0], h0, np.where(a < STEP_HALF_WIDTHS[1], h1, h2))
    if distribution == "uniform":
        return np.ones_like(xi)
    raise InputError(None, "distribution", f"got {distribution!r}; expected one of {DISTRIBUTIONS}")


def _g_max(distribution: str) -> float:
    return {"chi": 0.5, "step": STEP_HEIGHTS[0], "uniform": 1.0}[distribution]


@dataclass
class KSamples:
    """Sampled Kohn-Sham states: energies (meV from E_F), weights (per spin per cell,
    sum w f(xi) ~ Int N f), band index, fractional k, hypercube index of the m^3 mesh."""

    xi: np.ndarray
    weight: np.ndarray
    band: np.ndarray
    k: np.ndarray
    cube: np.ndarray
    mesh: int
    distribution: str
    seed: int
    fermi_bands: tuple = ()
    acceptance: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(self.xi.size)

    def subset(self, mask) -> "KSamples":
        m = np.asarray(mask, bool)
        return KSamples(self.xi[m], self.weight[m], self.band[m], self.k[m], self.cube[m], self.mesh,
                        self.distribution, self.seed, self.fermi_bands, dict(self.acceptance))


def cube_index(k_frac, m: int) -> np.ndarray:
    """Index i + m (j + m l) of the mesh point (i, j, l) / m nearest to k (fractional
    coordinates, modulo 1): the hypercube [i - 1/2, i + 1/2) x ... / m centred on it."""
    k = np.mod(np.asarray(k_frac, dtype=float), 1.0)
    ijk = np.floor(k * m + 0.5).astype(np.int64) % m
    return ijk[..., 0] + m * (ijk[..., 1] + m * ijk[..., 2])


def fermi_crossing_bands(energy_fn: Callable, n_bands: int, n_probe: int = 4096, seed: int = 0):
    """Bands whose energies, on ``n_probe`` uniform random k, take both signs."""
    rng = np.random.Generator(np.random.PCG64(seed))
    e = np.asarray(energy_fn(rng.random((n_probe, 3))), dtype=float)
    if e.ndim != 2 or e.shape[1] != n_bands:
        raise InputError(None, "energy_fn", f"returned shape {e.shape}; expected ({n_probe}, {n_bands})")
    return tuple(int(n) for n in range(n_bands) if e[:, n].min() < 0.0 < e[:, n].max())


def sample_bands(energy_fn: Callable, n_bands: int, *, n_fermi: int = 20000, n_other: int = 1000,
                 distribution: str = "chi", delta0: float = 1.0, seed: int = 0, mesh: int = 6,
                 batch: int = 65536, max_proposals: int = 10**8,
                 band_fn: Callable | None = None) -> KSamples:
    """Independent k points per band (module doc).

    ``energy_fn(k[M, 3]) -> xi[M, n_bands]`` gives the band energies in meV
    relative to E_F at fractional coordinates k of the reciprocal cell.  Bands
    crossing E_F get ``n_fermi`` points from ``distribution``, the others
    ``n_other`` uniform points.  ``band_fn(n)``, if given, evaluates band n alone
    (as in :func:`scimodel.scdft.metropolis.metropolis_bands`).
    """
    if distribution not in DISTRIBUTIONS:
        raise InputError(None, "distribution", f"got {distribution!r}; expected one of {DISTRIBUTIONS}")
    if n_fermi < 1 or n_other < 1:
        raise InputError(None, "points per band", f"got {n_fermi}, {n_other}; expected >= 1")
    fermi = fermi_crossing_bands(energy_fn, n_bands, seed=seed)
    out = {k: [] for k in ("xi", "weight", "band", "k")}
    acceptance = {}
    for n in range(n_bands):
        dist = distribution if n in fermi else "uniform"
        want = n_fermi if n in fermi else n_other
        rng = np.random.Generator(np.random.PCG64([seed, n]))
        gmax = _g_max(dist)
        if band_fn is None:
            one_band = (lambda k, n=n: np.asarray(energy_fn(k), dtype=float)[:, n])
        else:
            f = band_fn(n)
            one_band = (lambda k, f=f: np.asarray(f(k), dtype=float).reshape(len(k)))
        ks, xs = [], []
        got = proposed = 0
        gsum = 0.0
        while got < want:
            if proposed >= max_proposals:
                raise InputError(None, "sampling", f"band {n}: {got} of {want} points after "
                                 f"{proposed} proposals; the target density is too peaked")
            kp = rng.random((batch, 3))
            u = rng.random(batch)
            e = one_band(kp)
            g = target_density(e, dist, delta0)
            gsum += float(g.sum())
            proposed += batch
            acc = u * gmax < g
            ks.append(kp[acc])
            xs.append(e[acc])
            got += int(acc.sum())
        k_acc = np.concatenate(ks)[:want]
        x_acc = np.concatenate(xs)[:want]
        z = gsum / proposed                        # <g>_BZ from every proposal (unbiased)
        out["xi"].append(x_acc)
        out["weight"].append(z / (want * target_density(x_acc, dist, delta0)))
        out["band"].append(np.full(want, n, dtype=np.int64))
        out["k"].append(k_acc)
        acceptance[n] = want / proposed if got == want else got / proposed
    k_all = np.concatenate(out["k"])
    return KSamples(xi=np.concatenate(out["xi"]), weight=np.concatenate(out["weight"]),
                    band=np.concatenate(out["band"]), k=k_all, cube=cube_index(k_all, mesh),
                    mesh=int(mesh), distribution=distribution, seed=int(seed), fermi_bands=fermi,
                    acceptance=acceptance)
