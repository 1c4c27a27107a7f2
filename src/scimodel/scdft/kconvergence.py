"""Paper 004, Fig. 2: the k-resolved gap equation (Eq. 5) against the energy-only one
(Eq. 20) on the same Kohn-Sham bands, as a function of the number of sampled
points per band.

Both equations get the same alpha2F, the same energy-only Coulomb scheme
(TF-SK in the paper's figure) and the same bands: the star-function fit of
the committed band grid (:mod:`scimodel.scdft.abinitio_bands`), with

* E_F fixed by counting the electrons on the fitted bands (``nelec`` of the
  band grid, ``nelec/2`` per spin at ``n_count`` uniform points), not taken
  from the smeared nscf run;
* the bands above the ``semicore`` ones (the semicore states lie below the band
  bottom of the energy-only input and are left out of both);
* the energy-only DOS per spin per cell histogrammed from ``n_dos`` uniform
  points of the same bands (bins ``dos_bin_mev``), its N(0) the value at E_F
  and its top the highest sampled energy; the k-resolved states are drawn
  from the same fitted bands by :func:`scimodel.scdft.metropolis.metropolis_bands`
  (``chi_ry``) or :func:`scimodel.scdft.sampling.sample_bands` (``step``).

Both solves stop the xi' integral at the same cutoff (the highest energy of the
states used), so that the only difference is that N(xi) is represented by the
sampled states: what the paper's Fig. 2 measures.
"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import xarray as xr

from ..errors import InputError
from ..io import da
from .inputs import ScdftInput
from .kresolved import KResolvedGap
from .metropolis import metropolis_bands
from .sampling import sample_bands
from .solver import GapEquation, Settings

#: Sampling distributions of the study: the paper's chi (Rydberg reading) and step.
DISTRIBUTIONS = ("chi_ry", "step")


def uniform_energies(energy_fn, n_points: int, seed: int, batch: int = 200_000) -> np.ndarray:
    """Band energies (meV) at ``n_points`` uniform random k of the reciprocal cell."""
    rng = np.random.Generator(np.random.PCG64([seed, 7]))
    out = [np.asarray(energy_fn(rng.random((min(batch, n_points - i), 3))), float)
           for i in range(0, n_points, batch)]
    return np.concatenate(out)


def fermi_level_by_count(energies: np.ndarray, n_per_spin: float) -> float:
    """Energy below which ``n_per_spin`` states per k lie (uniform samples, all bands):
    the midpoint between the last filled and the first empty sampled state."""
    e = np.sort(np.ravel(energies))
    n_fill = n_per_spin * energies.shape[0]
    i = int(round(n_fill))
    if not (0 < i < e.size) or abs(n_fill - i) > 1e-6 * max(n_fill, 1.0):
        raise InputError(None, "nelec", f"{n_per_spin} states per spin per k is not a whole number "
                         f"of states on {energies.shape[0]} points or exceeds the {energies.shape[1]} bands")
    return 0.5 * (e[i - 1] + e[i])


def bands_input(inp: ScdftInput, xi_samples: np.ndarray, bin_mev: float) -> ScdftInput:
    """``inp`` with the DOS per spin per cell histogrammed from uniform samples
    ``xi_samples`` (meV from E_F, shape (points, bands)) on bins of ``bin_mev``
    centred on E_F."""
    lo, hi = float(xi_samples.min()), float(xi_samples.max())
    i_lo, i_hi = int(np.floor(lo / bin_mev - 0.5)), int(np.ceil(hi / bin_mev + 0.5))
    edges = (np.arange(i_lo, i_hi + 1) + 0.5) * bin_mev
    h, _ = np.histogram(xi_samples, bins=edges)
    dos = h / (xi_samples.shape[0] * bin_mev)
    centres = 0.5 * (edges[1:] + edges[:-1])
    dos_ef = float(np.interp(0.0, centres, dos))
    if not dos_ef > 0:
        raise InputError(None, "bands", "no states at E_F on the fitted bands")
    return replace(inp, xi=centres, dos=dos, dos_ef=dos_ef, band_bottom=lo,
                   name=f"{inp.name} (fitted bands)")


def draw(energy_fn, n_bands: int, distribution: str, n_fermi: int, n_other: int, seed: int,
         delta0: float, mesh: int, band_fn=None):
    """Sampled states of one run of the study."""
    if distribution == "chi_ry":
        return metropolis_bands(energy_fn, n_bands, n_fermi=n_fermi, n_other=n_other,
                                delta0=delta0, seed=seed, mesh=mesh, band_fn=band_fn)
    if distribution == "step":
        return sample_bands(energy_fn, n_bands, n_fermi=n_fermi, n_other=n_other,
                            distribution="step", seed=seed, mesh=mesh, band_fn=band_fn)
    raise InputError(None, "distribution", f"got {distribution!r}; expected one of {DISTRIBUTIONS}")


def convergence_study(fit, inp: ScdftInput, settings: Settings, *, nelec: float, semicore: int, scheme: str = "tf-sk",
                      n_points=(1000, 2000, 5000, 10000, 20000), distributions=DISTRIBUTIONS,
                      seeds=(1, 2, 3), n_other: int = 1000, n_count: int = 200_000,
                      n_dos: int = 2_000_000, dos_bin_mev: float = 10.0, delta0: float = 1.0,
                      mesh: int = 6, count_seed: int = 0) -> xr.Dataset:
    """Tc of the k-resolved equation on sampled states against the energy-only Tc on the
    DOS of the same bands (module doc), for each distribution, number of points per
    Fermi-surface band and seed."""
    n_all = fit.n_bands
    if not 0 <= semicore < n_all:
        raise InputError(None, "semicore_bands", f"got {semicore}; expected 0 <= n < {n_all}")
    # the band grid's energies are in meV from the nscf E_F
    e_all = uniform_energies(fit.energy_fn(0.0, "meV"), n_count, count_seed)
    ef_shift = fermi_level_by_count(e_all, nelec / 2.0)            # meV, from the nscf E_F
    valence = np.arange(semicore, n_all)
    efn = fit.energy_fn(ef_shift, "meV", bands=valence)

    def band_fn(n):
        return fit.energy_fn(ef_shift, "meV", bands=[int(valence[n])])

    ref_inp = bands_input(inp, uniform_energies(efn, n_dos, count_seed + 1), dos_bin_mev)
    top = float(ref_inp.xi[-1])
    ref = GapEquation(ref_inp, settings.refined(coulomb=scheme, cutoff=top)).tc()
    if not ref.found:
        raise InputError(None, "bands", f"{inp.name}: no energy-only {scheme} Tc on the fitted bands")
    shape = (len(distributions), len(n_points), len(seeds))
    tc = np.full(shape, np.nan)
    found = np.zeros(shape, dtype=np.int8)
    n_states = np.zeros(shape, dtype=np.int64)
    wall = np.zeros(shape)
    for a, dist in enumerate(distributions):
        for b, n in enumerate(n_points):
            for c, seed in enumerate(seeds):
                t0 = time.perf_counter()
                smp = draw(efn, valence.size, dist, int(n), n_other, int(seed), delta0, mesh, band_fn)
                # the energy-only cutoff: the k-resolved mesh may not exceed the reference's
                keep = smp.xi <= top
                smp = smp.subset(keep) if not keep.all() else smp
                res = KResolvedGap(smp, ref_inp, settings.refined(coulomb=scheme), coulomb=scheme,
                                   cutoff=top).tc(ref.tc)
                wall[a, b, c] = time.perf_counter() - t0
                n_states[a, b, c] = smp.xi.size
                if res.found:
                    tc[a, b, c], found[a, b, c] = res.tc, 1
    rel = 100.0 * (tc / ref.tc - 1.0)
    dims = ("distribution", "n_points", "seed")
    ds = xr.Dataset({
        "tc_kresolved": da(tc, dims, "K", f"Tc, k-resolved gap equation (Eq. 5), {scheme.upper()}; "
                                          "NaN where found = 0"),
        "found": da(found, dims, "1", "1 if the k-resolved Tc was found above the lowest T searched"),
        "rel_diff": da(rel, dims, "percent", "(Tc k-resolved - Tc energy-only) / Tc energy-only"),
        "rel_diff_mean": da(np.nanmean(rel, axis=2), dims[:2], "percent",
                            "rel_diff averaged over the seeds"),
        "n_states": da(n_states, dims, "1", "sampled states, all bands"),
        "wall_time": da(wall, dims, "s", "sampling + Tc wall time of the run"),
        "tc_energy_only": da(ref.tc, (), "K", f"Tc, energy-only gap equation (Eq. 20) on the DOS "
                                              f"of the same fitted bands, {scheme.upper()}"),
        "dos_ef": da(ref_inp.dos_ef, (), "1/meV", "N(0) per spin per cell of the fitted bands"),
        "fermi_shift": da(ef_shift, (), "meV", "E_F by electron count on the fitted bands minus "
                                               "the nscf (smeared) E_F"),
        "cutoff": da(top, (), "meV", "upper limit of the xi' integral of both equations"),
    }, coords={"distribution": list(distributions),
               "n_points": da(np.asarray(n_points, np.int64), ("n_points",), "1",
                              "sampled points per band crossing E_F"),
               "seed": np.asarray(seeds, np.int64)})
    ds.attrs.update(metal=inp.name, scheme=scheme, n_other=int(n_other), semicore_bands=int(semicore),
                    nelec=float(nelec), dos_bin_meV=float(dos_bin_mev), n_dos=int(n_dos),
                    n_count=int(n_count), mesh_hypercube=int(mesh))
    return ds
