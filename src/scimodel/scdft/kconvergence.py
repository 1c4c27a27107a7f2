"""Paper 004, Fig. 2: the k-resolved gap equation (Eq. 5) against the energy-only one
(Eq. 20) on the same Kohn-Sham bands, as a function of the number of sampled
points per band.

Both equations get the same alpha2F, the same energy-only Coulomb scheme
(TF-SK in the paper's figure) and the same bands: the star-function fit of
the committed band grid (:mod:`scimodel.scdft.abinitio_bands`), with

* E_F fixed by counting the electrons on the fitted bands (``nelec`` of the
  band grid, ``nelec/2`` per spin, linear tetrahedra on the full ``dos_mesh``^3
  mesh of the fit), not taken from the smeared nscf run;
* the bands above the ``semicore`` ones (the semicore states lie below the band
  bottom of the energy-only input and are left out of both);
* the energy-only DOS per spin per cell of the same bands by linear tetrahedra
  on that mesh (bins ``dos_bin_mev``), its N(0) the value at E_F and its top
  the highest mesh energy.  (A histogram of random points is not enough: the
  Tc of a metal moves by several times the relative error of N(0), and 2e6
  points leave about 1 % in a 10 meV bin.)  The k-resolved states are drawn
  from the same fitted bands by :func:`scimodel.scdft.metropolis.metropolis_bands`
  (``chi_ry``) or :func:`scimodel.scdft.sampling.sample_bands` (``step``).

Both solves stop the xi' integral at the same cutoff (the highest energy of the
states used), so that the only difference is that N(xi) is represented by the
sampled states: what the paper's Fig. 2 measures.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import numpy as np
import xarray as xr

from .. import abinitio
from ..errors import InputError
from ..io import da
from .inputs import ScdftInput
from .kresolved import KResolvedGap
from .metropolis import metropolis_bands, target_density_ry
from .sampling import sample_bands
from .solver import GapEquation, Settings

log = logging.getLogger("scimodel")

#: Sampling distributions of the study: the paper's chi (Rydberg reading) and step.
DISTRIBUTIONS = ("chi_ry", "step")
#: Weights of the ``chi_ry`` sampling: target normalised by linear tetrahedra, or by the sample.
NORMALISATIONS = ("tetrahedra", "sample")


def bands_on_mesh(energy_fn, n: int) -> np.ndarray:
    """Band energies (meV) on the full Gamma-centred n^3 mesh, (n, n, n, bands), index
    (i, j, k) = fractional coordinates (i, j, k)/n (:mod:`scimodel.abinitio` layout)."""
    i = np.arange(n) / n
    k = np.stack(np.meshgrid(i, i, i, indexing="ij"), axis=-1).reshape(-1, 3)
    e = np.asarray(energy_fn(k), float)
    return e.reshape(n, n, n, e.shape[1])


def fermi_level_by_count(full: np.ndarray, n_per_spin: float, window: float = 2000.0) -> float:
    """E_F (meV) with ``n_per_spin`` states per spin per cell below it, by the linear
    tetrahedron method on the mesh energies ``full`` (:func:`scimodel.abinitio.fermi_level`,
    bisection within +-``window`` meV to 1e-6 meV)."""
    try:
        return abinitio.fermi_level(full, n_per_spin, -window, window, tol=1e-6)
    except ValueError as err:
        raise InputError(None, "nelec", str(err)) from None


def bands_input(inp: ScdftInput, full: np.ndarray, bin_mev: float) -> ScdftInput:
    """``inp`` with the linear-tetrahedron DOS per spin per cell of the mesh energies
    ``full`` (meV from E_F), as averages over bins of ``bin_mev`` centred on E_F, from
    the band bottom to the highest mesh energy."""
    lo, hi = float(full.min()), float(full.max())
    xi = bin_mev * np.arange(np.floor(lo / bin_mev), np.ceil(hi / bin_mev) + 1)
    # band by band: the tetrahedron table of all bands at once takes 24 x the memory of full
    dos = sum(abinitio.tetrahedron_dos(full[..., b:b + 1], xi) for b in range(full.shape[3]))
    dos_ef = float(np.interp(0.0, xi, dos))
    if not dos_ef > 0:
        raise InputError(None, "bands", "no states at E_F on the fitted bands")
    return replace(inp, xi=xi, dos=dos, dos_ef=dos_ef, band_bottom=lo,
                   name=f"{inp.name} (fitted bands)")


def tetrahedron_normalisation(full: np.ndarray, delta0: float = 1.0, step: float = 0.02):
    """``n -> Z_n = <g(xi_nk)>_BZ`` of the ``chi_ry`` target (:mod:`.metropolis`) for band n
    of the mesh energies ``full`` (meV from E_F, (n, n, n, bands)), by linear tetrahedra:
    Z_n = Int g dn_n(xi), n_n the band's number of states, on edges xi = +-delta0 sinh(u)
    (u in steps of ``step``: g varies by < 2 % across an interval).  Computed on first
    use and kept."""
    u = np.arange(1, int(np.ceil(np.arcsinh(1e6) / step)) + 1) * step
    grid = delta0 * np.sinh(u)
    grid = np.concatenate([-grid[::-1], [0.0], grid])
    cache: dict[int, float] = {}

    def z(n: int) -> float:
        if n not in cache:
            band = full[..., n:n + 1]
            lo, hi = float(band.min()), float(band.max())
            e = np.concatenate([[lo - 1.0], grid[(grid > lo) & (grid < hi)], [hi + 1.0]])
            nos = abinitio.integrated_dos(band, e)
            cache[n] = float(np.sum(target_density_ry(0.5 * (e[1:] + e[:-1]), delta0) * np.diff(nos)))
        return cache[n]
    return z


def draw(energy_fn, n_bands: int, distribution: str, n_fermi: int, n_other: int, seed: int,
         delta0: float, mesh: int, band_fn=None, normalisation=None):
    """Sampled states of one run of the study (``normalisation``: Z_n of the ``chi_ry``
    target, see :func:`tetrahedron_normalisation`; None: self-normalised weights)."""
    if distribution == "chi_ry":
        return metropolis_bands(energy_fn, n_bands, n_fermi=n_fermi, n_other=n_other,
                                delta0=delta0, seed=seed, mesh=mesh, band_fn=band_fn,
                                normalisation=normalisation)
    if distribution == "step":
        return sample_bands(energy_fn, n_bands, n_fermi=n_fermi, n_other=n_other,
                            distribution="step", seed=seed, mesh=mesh, band_fn=band_fn)
    raise InputError(None, "distribution", f"got {distribution!r}; expected one of {DISTRIBUTIONS}")


@dataclass
class FittedBands:
    """What both k-resolved studies need from a star-function fit (module doc): E_F by
    electron count, the energy-only input on the DOS of the bands above the semicore
    ones, the sampling functions of those bands and, for ``chi_ry``, the tetrahedron
    normalisation of the target."""

    ef_shift: float              # E_F by count minus the nscf E_F (meV)
    valence: np.ndarray          # band indices of the fit above the semicore ones
    inp: ScdftInput              # energy-only input on their DOS (tetrahedra)
    energy_fn: object            # k -> xi (meV), all valence bands
    band_fn: object              # n -> (k -> xi) of valence band n alone, built once
    normalisation: object        # n -> Z_n, or None (self-normalised weights)

    @property
    def top(self) -> float:
        """Highest energy of the fitted bands (meV): the cutoff of both equations."""
        return float(self.inp.xi[-1])


def fitted_bands(fit, inp: ScdftInput, *, nelec: float, semicore: int, dos_mesh: int,
                 dos_bin_mev: float, delta0: float, normalisation: str | None) -> FittedBands:
    """:class:`FittedBands` of ``fit`` (energies in meV from the nscf E_F); ``normalisation``
    "tetrahedra", "sample" or None (both of the latter: self-normalised)."""
    if normalisation not in NORMALISATIONS + (None,):
        raise InputError(None, "normalisation", f"got {normalisation!r}; expected one of {NORMALISATIONS}")
    n_all = fit.n_bands
    if not 0 <= semicore < n_all:
        raise InputError(None, "semicore_bands", f"got {semicore}; expected 0 <= n < {n_all}")
    full = fit.energies_on_mesh(dos_mesh)           # meV from the nscf E_F (the fit's unit)
    ef_shift = fermi_level_by_count(full, nelec / 2.0)
    valence = np.arange(semicore, n_all)
    full = full[..., semicore:] - ef_shift
    # one single-band function per band, built once (its NUFFT grid on first use) and
    # shared by every sampling run
    band_fn = [fit.energy_fn(ef_shift, "meV", bands=[int(b)]) for b in valence].__getitem__
    return FittedBands(ef_shift=ef_shift, valence=valence, inp=bands_input(inp, full, dos_bin_mev),
                       energy_fn=fit.energy_fn(ef_shift, "meV", bands=valence), band_fn=band_fn,
                       normalisation=(tetrahedron_normalisation(full, delta0)
                                      if normalisation == "tetrahedra" else None))


def convergence_study(fit, inp: ScdftInput, settings: Settings, *, nelec: float, semicore: int,
                      scheme: str = "tf-sk", n_points=(1000, 2000, 5000, 10000, 20000),
                      distributions=DISTRIBUTIONS, seeds=(1, 2, 3), n_other: int = 1000,
                      dos_mesh: int = 96, dos_bin_mev: float = 5.0, delta0: float = 1.0,
                      mesh: int = 6, normalisation: str = "tetrahedra") -> xr.Dataset:
    """Tc of the k-resolved equation on sampled states against the energy-only Tc on the
    DOS of the same bands (module doc), for each distribution, number of points per
    Fermi-surface band and seed.  ``fit`` is the star-function fit of a band grid
    (energies in meV from the nscf E_F); ``normalisation``: weights of the ``chi_ry``
    sampling, "tetrahedra" (:func:`tetrahedron_normalisation`) or "sample" (self-normalised)."""
    fb = fitted_bands(fit, inp, nelec=nelec, semicore=semicore, dos_mesh=dos_mesh,
                      dos_bin_mev=dos_bin_mev, delta0=delta0, normalisation=normalisation)
    ref_inp, valence, ef_shift = fb.inp, fb.valence, fb.ef_shift
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
                smp = draw(fb.energy_fn, valence.size, dist, int(n), n_other, int(seed), delta0, mesh,
                           fb.band_fn, fb.normalisation)
                # the energy-only cutoff: the k-resolved mesh may not exceed the reference's
                keep = smp.xi <= top
                smp = smp.subset(keep) if not keep.all() else smp
                res = KResolvedGap(smp, ref_inp, settings.refined(coulomb=scheme), coulomb=scheme,
                                   cutoff=top).tc(ref.tc)
                wall[a, b, c] = time.perf_counter() - t0
                n_states[a, b, c] = smp.xi.size
                if res.found:
                    tc[a, b, c], found[a, b, c] = res.tc, 1
                log.info("%s, %s, %d points per Fermi band, seed %d: Tc %.4g K (energy-only %.4g K), "
                         "%.0f s", inp.name, dist, n, seed, tc[a, b, c], ref.tc, wall[a, b, c])
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
        "dos_ef": da(ref_inp.dos_ef, (), "1/meV", "N(0) per spin per cell of the fitted bands "
                                                  "(linear tetrahedra on the dos_mesh^3 mesh)"),
        "fermi_shift": da(ef_shift, (), "meV", "E_F by electron count on the fitted bands minus "
                                               "the nscf (smeared) E_F"),
        "cutoff": da(top, (), "meV", "upper limit of the xi' integral of both equations"),
    }, coords={"distribution": da(np.asarray(distributions, dtype=str), ("distribution",), "1",
                                  "sampling distribution of the Fermi-surface bands"),
               "n_points": da(np.asarray(n_points, np.int64), ("n_points",), "1",
                              "sampled points per band crossing E_F"),
               "seed": da(np.asarray(seeds, np.int64), ("seed",), "1", "seed of the sampling")})
    ds.attrs.update(metal=inp.name, scheme=scheme, normalisation=normalisation, n_other=int(n_other), semicore_bands=int(semicore),
                    nelec=float(nelec), dos_bin_meV=float(dos_bin_mev), dos_mesh=int(dos_mesh),
                    mesh_hypercube=int(mesh))
    return ds
