"""Paper 004, Table 2, k-resolved columns: Tc from the k-resolved gap equation
(Eq. 5) with the Coulomb matrix elements between Kohn-Sham states (TF-ME, Eq. 18)
and, on the same sampled states, with TF-SK (Eq. 29).

Inputs: the star-function fit of the committed band grid (as for Fig. 2,
:mod:`.kconvergence`: E_F by electron count, the semicore bands left out), the
metal's alpha2F, and the cached K^TF-ME on the regular mesh
(``resources/abinitio/coulomb/<M>.nc``, :mod:`scimodel.qe.coulomb_mesh`),
constant on the hypercube of each mesh point (:class:`.kresolved.BlockCoulomb`).
The energy-only TF-FE and TF-SK Tc on the DOS of the same fitted bands, with
the same cutoff, are computed alongside, so that TF-ME / TF-FE isolates the
effect of the matrix elements.
"""
from __future__ import annotations

import inspect
import json
import logging
import time
from dataclasses import replace

import numpy as np
import xarray as xr

from ..errors import InputError
from ..io import da
from .inputs import ScdftInput
from .kconvergence import NORMALISATIONS, draw, fitted_bands
from .coulomb_me import full_matrix
from .kresolved import BlockCoulomb, KResolvedGap, energy_averaged_coulomb
from .observables import jump_from_entropy
from .solver import GapEquation, Settings

log = logging.getLogger("scimodel")


def block_coulomb(ds: xr.Dataset, semicore: int, n_bands: int, mesh: int) -> BlockCoulomb:
    """The cached K^TF-ME (meV atom) of band-grid bands ``semicore .. semicore + n_bands - 1``
    as a :class:`BlockCoulomb` whose band 0 is the first band above the semicore ones.  A
    cache from a valence-only pseudopotential starts at band-grid band ``band_offset``
    (its attribute)."""
    if int(ds.attrs["mesh"]) != mesh:
        raise InputError(None, "coulomb_me", f"cached on a {ds.attrs['mesh']}^3 mesh; the samples "
                         f"use {mesh}^3 hypercubes")
    nb_cached = ds.sizes["band"]
    offset = int(ds.attrs.get("band_offset", 0))      # band-grid bands below the cached ones
    if offset > semicore:
        raise InputError(None, "coulomb_me", f"the cache starts at band-grid band {offset}; the "
                         f"fitted bands start at {semicore} (expected band_offset <= semicore_bands)")
    if offset + nb_cached < semicore + n_bands:
        raise InputError(None, "coulomb_me", f"bands {offset}..{offset + nb_cached - 1} cached; the "
                         f"fitted bands need {semicore}..{semicore + n_bands - 1}")
    sel = slice(semicore - offset, semicore - offset + n_bands)
    m = np.ascontiguousarray(full_matrix(ds)[sel, :, sel, :])
    nk = m.shape[1]
    return BlockCoulomb(matrix=m.reshape(n_bands * nk, n_bands * nk), n_cubes=nk)


VARIANTS = ("computed", "rescaled")


def kresolved_tc(fit, inp: ScdftInput, coulomb: xr.Dataset, settings: Settings, *, nelec: float,
                 semicore: int, paper_lambda: float | None = None, n_fermi: int = 20000,
                 n_other: int = 1000, seeds=(1, 2, 3), distribution: str = "chi_ry", dos_mesh: int = 96,
                 dos_bin_mev: float = 5.0, delta0: float = 1.0,
                 normalisation: str = "tetrahedra", t_gap: float = 0.01, average_bin_mev: float = 100.0,
                 fractions=(0.97, 0.95, 0.93, 0.91, 0.89),
                 curve_fractions=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99),
                 shell: dict | None = None) -> xr.Dataset:
    """k-resolved TF-ME and TF-SK Tc for each seed, and the energy-only TF-FE and TF-SK
    Tc on the DOS of the same bands (module doc), with alpha2F as computed and, if
    ``paper_lambda`` is given, rescaled to it (``variant``).  ``fit``: star-function fit
    with energies in meV from the nscf E_F.

    ``tc_tf_me_paired`` is the energy-only TF-SK Tc times the seed average of the
    paired ratio TF-ME / TF-SK on the same sampled states: the sampling error of the
    k-resolved Tc cancels in that ratio to a few 0.1 %.  ``normalisation``
    ("tetrahedra" or "sample") chooses the weights of the ``chi_ry`` sampling
    (:mod:`.metropolis`).

    Below Tc each k-resolved equation is solved self-consistently
    (:meth:`.KResolvedGap.solve`, started from the energy-space gap at the same
    T / Tc): Delta0 at ``t_gap`` (K; the mean Delta_i within 1 meV of E_F) and
    C_S/C_N at Tc from the sampled entropy at ``fractions`` x Tc (Eq. 31, the fit
    of :func:`.observables.heat_capacity_jump`).

    For the first seed the dataset also keeps the gap function Delta_nk of every
    sampled state at ``t_gap`` (paper 004, Fig. 5) and Delta0(T) at ``curve_fractions``
    x the k-resolved Tc (Fig. 6), for both functionals, next to the energy-only Delta0(T)
    at the same T / Tc.

    ``tc_energy_only_me_averaged``: the energy-only Tc with the isotropic part of the TF-ME
    blocks on the first seed's states (:func:`.kresolved.energy_averaged_coulomb`, bins
    of ``average_bin_mev``).  Against the energy-only TF-SK Tc it measures what the
    energy dependence of the matrix elements does; against the k-resolved TF-ME Tc, what
    their anisotropy on energy shells does.

    ``tc_energy_only_shell``: the energy-only TF-FE and TF-SK Tc in the second reading of
    their inputs, ``shell`` = {name, bands, electrons} (:func:`shell_reading_tc`).
    """
    if normalisation not in NORMALISATIONS:
        raise InputError(None, "normalisation", f"got {normalisation!r}; expected one of {NORMALISATIONS}")
    mesh = int(coulomb.attrs["mesh"])
    fb = fitted_bands(fit, inp, nelec=nelec, semicore=semicore, dos_mesh=dos_mesh, dos_bin_mev=dos_bin_mev,
                      delta0=delta0, normalisation=normalisation if distribution == "chi_ry" else None)
    ref_inp, valence, ef_shift, top = fb.inp, fb.valence, fb.ef_shift, fb.top
    inputs = {"computed": ref_inp}
    if paper_lambda is not None and np.isfinite(paper_lambda):
        inputs["rescaled"] = ref_inp.scaled_to_lambda(float(paper_lambda))
    block = block_coulomb(coulomb, semicore, valence.size, mesh)
    # the states of the matrix elements against the fitted bands at the mesh points (each
    # relative to its own run's E_F): the band index maps a sampled state to its matrix
    # element, so the bands must agree near E_F
    first = semicore - int(coulomb.attrs.get("band_offset", 0))
    e_me = coulomb["energy"].values[:, first:first + valence.size]
    e_fit = fb.energy_fn(coulomb["k_frac"].values)
    near = np.abs(e_fit) < 1000.0
    ref_shift = float(np.median((e_me - e_fit)[near]))    # the two runs' E_F references
    dev = np.abs(e_me - e_fit - ref_shift)[near]
    nv, ns = len(VARIANTS), len(seeds)
    energy_only = np.full((nv, 2), np.nan)
    e_delta0 = np.full((nv, 2), np.nan)
    e_jump = np.full((nv, 2), np.nan)
    e_eq = {}
    for v, name in enumerate(VARIANTS):
        if name not in inputs:
            continue
        for a, scheme in enumerate(("tf-fe", "tf-sk")):
            ge = GapEquation(inputs[name], settings.refined(coulomb=scheme, cutoff=top))
            r = ge.tc()
            if not r.found:          # no solution above t_search_min (Cu): found_energy_only = 0
                log.info("%s (%s alpha2F): no energy-only %s Tc above %g K on the fitted bands",
                         inp.name, name, scheme, ge.s.t_search_min)
                continue
            energy_only[v, a] = r.tc
            memo = EnergySolutions(ge)
            e_delta0[v, a] = memo(t_gap).delta0
            temps = np.sort(np.asarray(fractions, float) * r.tc)
            e_jump[v, a] = jump_from_entropy(temps, [ge.entropy_difference(memo(t)) for t in temps], r.tc,
                                             ge.normal_heat_capacity(r.tc)).ratio
            e_eq[(v, a)] = memo
    shell_tc, shell_found = shell_reading_tc(fit, inp, inputs, settings, nelec=nelec, semicore=semicore,
                                             shell=shell, dos_mesh=dos_mesh, dos_bin_mev=dos_bin_mev,
                                             delta0=delta0)
    schemes = ("tf-me", "tf-sk")
    tc = np.full((nv, 2, ns), np.nan)
    gap0 = np.full((nv, 2, ns), np.nan)
    jump = np.full((nv, 2, ns), np.nan)
    converged = np.zeros((nv, 2, ns), dtype=np.int8)
    found = np.zeros((nv, 2, ns), dtype=np.int8)
    wall = np.zeros(ns)
    n_states = np.zeros(ns, dtype=np.int64)
    cf = np.asarray(curve_fractions, float)
    if cf.size and (cf.min() <= 0 or cf.max() >= 1):
        raise InputError(None, "curve_fractions", f"got {curve_fractions}; expected T / Tc in (0, 1)")
    curve = np.full((nv, 2, cf.size), np.nan)
    curve_t = np.full((nv, 2, cf.size), np.nan)
    curve_e = np.full((nv, 2, cf.size), np.nan)
    first_gap = {}
    me_averaged = np.full(nv, np.nan)
    for c, seed in enumerate(seeds):
        t0 = time.perf_counter()
        smp = draw(fb.energy_fn, valence.size, distribution, int(n_fermi), int(n_other), int(seed), delta0,
                   mesh, fb.band_fn, fb.normalisation)
        keep = smp.xi <= top
        smp = smp.subset(keep) if not keep.all() else smp
        n_states[c] = smp.xi.size
        if c == 0:
            first_smp = smp
            averaged = energy_averaged_coulomb(block, smp, average_bin_mev)
            for v, name in enumerate(VARIANTS):
                if name in inputs:
                    r = GapEquation(inputs[name], settings.refined(coulomb="tf-sk", cutoff=top),
                                    coulomb_fn=averaged).tc()
                    me_averaged[v] = r.tc if r.found else np.nan
        for v, name in enumerate(VARIANTS):
            if name not in inputs:
                continue
            for a, coul in enumerate((block, "tf-sk")):
                s = settings.refined(coulomb="none" if a == 0 else "tf-sk")
                kg = KResolvedGap(smp, inputs[name], s, coulomb=coul, cutoff=top)
                res = kg.tc(energy_only[v, 1] if np.isfinite(energy_only[v, 1]) else None)
                if res.found:
                    tc[v, a, c], found[v, a, c] = res.tc, 1
                if res.found and (v, 1) in e_eq:
                    gap0[v, a, c], jump[v, a, c], ok, delta = _below_tc(
                        kg, e_eq[(v, 1)], res.tc, energy_only[v, 1], t_gap, fractions)
                    if c == 0:
                        first_gap[(v, a)] = delta
                        curve_t[v, a] = cf * res.tc
                        curve[v, a], ok_curve = _gap_curve(kg, e_eq[(v, 1)], res.tc, energy_only[v, 1],
                                                           curve_t[v, a])
                        ok &= ok_curve
                    converged[v, a, c] = int(ok)
                if c == 0 and (v, a) in e_eq:
                    ge = e_eq[(v, a)]
                    curve_e[v, a] = [ge(f * energy_only[v, a]).delta0 for f in cf]
            log.info("%s (%s alpha2F), seed %d: k-resolved Tc TF-ME %.4g K, TF-SK %.4g K (energy-only "
                     "TF-FE %.4g K, TF-SK %.4g K)", inp.name, name, seed, tc[v, 0, c], tc[v, 1, c],
                     energy_only[v, 0], energy_only[v, 1])
        wall[c] = time.perf_counter() - t0
    with np.errstate(invalid="ignore"):
        ratio = tc[:, 0, :] / tc[:, 1, :]
    ok = np.isfinite(ratio)
    nok = ok.sum(axis=1)
    mean_ratio = np.array([ratio[v, ok[v]].mean() if nok[v] else np.nan for v in range(nv)])
    sd_ratio = np.array([ratio[v, ok[v]].std(ddof=1) if nok[v] > 1 else np.nan for v in range(nv)])
    kmean = np.array([[tc[v, a, found[v, a] == 1].mean() if found[v, a].any() else np.nan
                       for a in range(2)] for v in range(nv)])
    ksd = np.array([[tc[v, a, found[v, a] == 1].std(ddof=1) if found[v, a].sum() > 1 else np.nan
                     for a in range(2)] for v in range(nv)])
    vdims = ("variant",)
    with np.errstate(invalid="ignore"):
        gratio = gap0[:, 0, :] / gap0[:, 1, :]
    gmean = np.array([np.nanmean(gratio[v]) if np.isfinite(gratio[v]).any() else np.nan for v in range(nv)])
    ds = xr.Dataset({
        "delta0_kresolved": da(gap0, ("variant", "scheme", "seed"), "meV",
                               f"Delta0 at {t_gap} K of the k-resolved equation (mean Delta_nk within "
                               "1 meV of E_F); NaN where found = 0"),
        "cs_cn_kresolved": da(jump, ("variant", "scheme", "seed"), "1",
                              "C_S/C_N at the k-resolved Tc (sampled entropy, Eq. 31)"),
        "converged_kresolved": da(converged, ("variant", "scheme", "seed"), "1",
                                  "1 if every self-consistent k-resolved solve below Tc converged"),
        "delta0_tf_me_paired": da(e_delta0[:, 1] * gmean, vdims, "meV",
                                  "TF-ME Delta0: energy-only TF-SK Delta0 times the seed mean of the paired "
                                  "k-resolved ratio Delta0(TF-ME) / Delta0(TF-SK)"),
        "delta0_energy_only": da(e_delta0, ("variant", "scheme_energy"), "meV",
                                 f"Delta0 at {t_gap} K, energy-only equation on the fitted bands"),
        "cs_cn_energy_only": da(e_jump, ("variant", "scheme_energy"), "1",
                                "C_S/C_N at Tc, energy-only equation on the fitted bands"),
        "tc_kresolved": da(tc, ("variant", "scheme", "seed"), "K",
                           "Tc, k-resolved gap equation (Eq. 5); NaN where found = 0"),
        "found": da(found, ("variant", "scheme", "seed"), "1",
                    "1 if the k-resolved Tc was found above the lowest T searched"),
        "tc_kresolved_mean": da(kmean, ("variant", "scheme"), "K", "tc_kresolved averaged over the seeds"),
        "tc_kresolved_sd": da(ksd, ("variant", "scheme"), "K",
                              "standard deviation of tc_kresolved over the seeds"),
        "ratio_me_sk": da(ratio, ("variant", "seed"), "1",
                          "k-resolved Tc TF-ME / TF-SK on the same sampled states"),
        "ratio_me_sk_mean": da(mean_ratio, vdims, "1", "ratio_me_sk averaged over the seeds"),
        "ratio_me_sk_sd": da(sd_ratio, vdims, "1", "standard deviation of ratio_me_sk over the seeds"),
        "tc_tf_me_paired": da(energy_only[:, 1] * mean_ratio, vdims, "K",
                              "TF-ME Tc: energy-only TF-SK Tc times ratio_me_sk_mean"),
        "tc_energy_only": da(energy_only, ("variant", "scheme_energy"), "K",
                             "Tc, energy-only equation (Eq. 20) on the DOS of the same fitted bands and "
                             "cutoff; NaN for a variant not computed or where found_energy_only = 0"),
        "tc_energy_only_shell": da(shell_tc, ("variant", "scheme_energy"), "K",
                                   "Tc, energy-only equation with the semicore shell (attribute semicore_shell) "
                                   "kept in the DOS and its electrons in k_F; NaN where found_energy_only_shell "
                                   "is not 1"),
        "found_energy_only_shell": da(shell_found, ("variant", "scheme_energy"), "1",
                                      "1: tc_energy_only_shell found above t_search_min_K; 0: none found; "
                                      "-1: not computed (no semicore shell, or a variant not computed)"),
        "tc_energy_only_me_averaged": da(me_averaged, vdims, "K",
                                         "Tc, energy-only equation on the DOS of the fitted bands with the "
                                         "TF-ME blocks averaged over energy shells of the first seed's "
                                         "states; NaN where found_me_averaged = 0"),
        "found_me_averaged": da(np.isfinite(me_averaged).astype(np.int8), vdims, "1",
                                "1 if tc_energy_only_me_averaged was found above t_search_min_K"),
        "found_energy_only": da(np.isfinite(energy_only).astype(np.int8), ("variant", "scheme_energy"), "1",
                                "1 if the energy-only equation has a Tc above t_search_min_K"),
        "delta_nk": da(np.stack([np.stack([first_gap.get((v, a), np.full(first_smp.xi.size, np.nan))
                                           for a in range(2)]) for v in range(nv)]),
                       ("variant", "scheme", "state"), "meV",
                       f"gap function Delta_nk of the sampled states at {t_gap} K, first seed "
                       "(paper 004, Fig. 5); NaN where that Tc was not found"),
        "xi_nk": da(first_smp.xi, ("state",), "meV", "Kohn-Sham energy of the sampled state from E_F"),
        "weight_nk": da(first_smp.weight, ("state",), "1/meV",
                        "quadrature weight of the sampled state (sum w f(xi) ~ Int N(xi) f(xi))"),
        "band_nk": da(first_smp.band, ("state",), "1",
                      "band of the sampled state (0 = first band above the semicore ones)"),
        "delta0_curve": da(curve, ("variant", "scheme", "t_frac"), "meV",
                           "Delta0 of the k-resolved equation at T = t_frac x its Tc, first seed "
                           "(paper 004, Fig. 6); NaN where a solve did not converge"),
        "t_curve": da(curve_t, ("variant", "scheme", "t_frac"), "K", "temperature of delta0_curve"),
        "delta0_curve_energy_only": da(curve_e, ("variant", "scheme_energy", "t_frac"), "meV",
                                       "Delta0 of the energy-only equation at T = t_frac x its Tc"),
        "band_deviation_mean": da(dev.mean(), (), "meV",
                                  "mean |E(matrix-element run) - E(fitted bands) - band_reference_shift| "
                                  "at the mesh points, states within 1 eV of E_F (same band index)"),
        "band_deviation_max": da(dev.max(), (), "meV", "maximum of the same deviation"),
        "band_reference_shift": da(ref_shift, (), "meV",
                                   "median of E(matrix-element run) - E(fitted bands) over those states "
                                   "(the two runs' E_F references)"),
        "n_states": da(n_states, ("seed",), "1", "sampled states, all bands"),
        "wall_time": da(wall, ("seed",), "s", "sampling + all Tc of the seed, wall time"),
        "dos_ef": da(ref_inp.dos_ef, (), "1/meV", "N(0) per spin per cell of the fitted bands"),
        "lambda_computed": da(ref_inp.lam, (), "1",
                              "lambda of the alpha2F as computed"),
        "fermi_shift": da(ef_shift, (), "meV", "E_F by electron count minus the nscf E_F"),
        "cutoff": da(top, (), "meV", "upper limit of the xi' integral (top of the fitted bands)"),
    }, coords={"variant": da(np.asarray(VARIANTS, dtype=str), vdims, "1",
                             "alpha2F as computed, or rescaled to the paper's lambda"),
               "scheme": da(np.asarray(schemes, dtype=str), ("scheme",), "1", "Coulomb functional"),
               "scheme_energy": da(np.asarray(("tf-fe", "tf-sk"), dtype=str), ("scheme_energy",), "1",
                                   "Coulomb functional of the energy-only equation"),
               "seed": da(np.asarray(seeds, np.int64), ("seed",), "1", "seed of the sampling"),
               "t_frac": da(cf, ("t_frac",), "1", "T / Tc of the Delta0(T) curves")})
    ds.attrs.update(metal=inp.name, distribution=distribution, normalisation=normalisation, n_fermi=int(n_fermi), n_other=int(n_other),
                    semicore_bands=int(semicore), nelec=float(nelec), mesh_hypercube=mesh,
                    paper_lambda=float(paper_lambda) if paper_lambda is not None else float("nan"),
                    coulomb_ktf2_per_bohr2=float(coulomb.attrs["ktf2_per_bohr2"]),
                    coulomb_dos_ef_per_meV=float(coulomb.attrs["dos_ef_per_meV"]),
                    # files written before the cutoff existed (Al, Pb) hold every component
                    coulomb_g_cut_Ry=float(coulomb.attrs.get("g_cut_Ry", float("inf"))),
                    coulomb_pseudopotential=str(coulomb.attrs.get("pseudopotential", "not recorded")),
                    average_bin_mev=float(average_bin_mev), t_search_min_K=float(settings.t_search_min),
                    semicore_shell=json.dumps(shell) if shell else "none")
    return ds


def shell_reading_tc(fit, inp: ScdftInput, inputs: dict, settings: Settings, *, nelec: float,
                     semicore: int, shell: dict | None, dos_mesh: int, dos_bin_mev: float,
                     delta0: float) -> tuple[np.ndarray, np.ndarray]:
    """Energy-only TF-FE and TF-SK Tc (``VARIANTS`` x (tf-fe, tf-sk)) in the second reading
    of paper 004's free-electron inputs, which the paper does not state: the semicore shell
    ``shell`` = {name, bands, electrons} kept in the DOS (its ``bands`` of the ``semicore``
    ones, so the DOS bottom, mu of Eq. 26, is the shell's) and its electrons added to the
    metal's ``n_valence`` in the homogeneous-gas k_F of Eq. 29.  ``inputs``: the variants of
    :func:`kresolved_tc` (their alpha2F is reused).  Returns the Tc (NaN where not found or
    not computed) and a flag: 1 found, 0 none above t_search_min, -1 not computed."""
    tc = np.full((len(VARIANTS), 2), np.nan)
    found = np.full((len(VARIANTS), 2), -1, dtype=np.int8)
    if not shell:
        return tc, found
    nb, extra = int(shell["bands"]), float(shell["electrons"])
    if not 0 < nb <= semicore:
        raise InputError(None, f"semicore_shell.{inp.name}.bands",
                         f"got {nb}; expected 1..{semicore} (the metal's semicore_bands)")
    n_val = (inp.attrs or {}).get("n_valence")
    if not (n_val and extra > 0):
        raise InputError(None, f"semicore_shell.{inp.name}",
                         f"needs the input's n_valence (got {n_val}) and electrons > 0 (got {extra})")
    fb = fitted_bands(fit, inp, nelec=nelec, semicore=semicore - nb, dos_mesh=dos_mesh,
                      dos_bin_mev=dos_bin_mev, delta0=delta0, normalisation=None)
    kf = fb.inp.kf * ((n_val + extra) / n_val) ** (1.0 / 3.0)
    for v, name in enumerate(VARIANTS):
        if name not in inputs:
            continue
        x = replace(fb.inp, kf=kf).with_a2f(inputs[name].omega, inputs[name].a2f)
        for a, scheme in enumerate(("tf-fe", "tf-sk")):
            r = GapEquation(x, settings.refined(coulomb=scheme, cutoff=fb.top)).tc()
            found[v, a] = int(r.found)
            if r.found:
                tc[v, a] = r.tc
            log.info("%s (%s alpha2F), %s shell kept: energy-only %s Tc %s", inp.name, name,
                     shell["name"], scheme, f"{r.tc:.4g} K" if r.found else "not found")
    return tc, found


class EnergySolutions:
    """The energy-only solutions of ``ge`` by temperature, each solved once (from a step
    of 0.5 meV): the k-resolved solves start from them at the same T / Tc, and the
    energy-only Delta0(T) and C_S/C_N use the same temperatures."""

    def __init__(self, ge: GapEquation):
        self.ge = ge
        self._by_t: dict[float, object] = {}

    def __call__(self, t: float):
        key = float(f"{float(t):.10e}")          # T / Tc products equal to rounding share a key
        if key not in self._by_t:
            self._by_t[key] = self.ge.solve(float(t), amplitude=0.5)
        return self._by_t[key]


def energy_only_input(fit, inp: ScdftInput, *, nelec: float, semicore: int,
                      paper_lambda: float | None = None) -> ScdftInput:
    """The energy-only input on the DOS of the fitted bands with ``semicore`` bands left out,
    built with the DOS settings of :func:`kresolved_tc` (``dos_mesh``, ``dos_bin_mev``,
    ``delta0``, its defaults), alpha2F rescaled to ``paper_lambda`` if given: the input of
    the energy-only Tc that :func:`kresolved_tc` solves next to the k-resolved ones."""
    defaults = inspect.signature(kresolved_tc).parameters
    fb = fitted_bands(fit, inp, nelec=nelec, semicore=semicore, normalisation=None,
                      **{k: defaults[k].default for k in ("dos_mesh", "dos_bin_mev", "delta0")})
    return fb.inp if paper_lambda is None else fb.inp.scaled_to_lambda(float(paper_lambda))


def _energy_guess(kg: KResolvedGap, ge: EnergySolutions, tc_k: float, tc_e: float, t: float) -> np.ndarray:
    """Start of a k-resolved solve at ``t``: the energy-space gap of ``ge`` (Tc ``tc_e``) at
    the same T / Tc, at the sampled energies."""
    sol = ge(min(t * tc_e / tc_k, 0.999 * tc_e))
    return np.interp(kg.samples.xi, sol.xi, sol.delta)


def _below_tc(kg: KResolvedGap, ge: EnergySolutions, tc_k: float, tc_e: float, t_gap: float,
              fractions) -> tuple[float, float, bool, np.ndarray]:
    """Delta0 at ``t_gap``, C_S/C_N at ``tc_k``, whether every solve converged, and the gap
    Delta_i at ``t_gap`` of the k-resolved equation ``kg``; each solve starts from
    :func:`_energy_guess`."""
    ok = True
    r = kg.solve(t_gap, _energy_guess(kg, ge, tc_k, tc_e, t_gap))
    ok &= r["converged"]
    delta, gap = r["delta"], kg.fermi_gap(r["delta"])
    temps = np.sort(np.asarray(fractions, float) * tc_k)
    ds = []
    for t in temps:
        r = kg.solve(t, _energy_guess(kg, ge, tc_k, tc_e, t))
        ok &= r["converged"]
        ds.append(kg.entropy_difference(t, r["delta"]))
    jump = jump_from_entropy(temps, ds, tc_k, kg.normal_heat_capacity(tc_k)).ratio
    return gap, jump, bool(ok), delta


def _gap_curve(kg: KResolvedGap, ge: EnergySolutions, tc_k: float, tc_e: float,
               temps) -> tuple[np.ndarray, bool]:
    """Delta0 of the k-resolved equation at ``temps`` (K, below ``tc_k``) and whether every
    solve converged; a solve that does not converge gives NaN."""
    out, ok = np.full(len(temps), np.nan), True
    for i, t in enumerate(temps):
        r = kg.solve(float(t), _energy_guess(kg, ge, tc_k, tc_e, float(t)))
        ok &= r["converged"]
        if r["converged"]:
            out[i] = kg.fermi_gap(r["delta"])
    return out, bool(ok)


def _miss_decomposition(rows: dict, tc_fe_paper: np.ndarray) -> dict:
    """The TF-ME miss against the paper split into two factors, exactly:
    1 + dev_tf_me = (1 + dev_tf_fe_bands) (1 + dev_ratio_me_fe), where dev_tf_fe_bands is
    the energy-only TF-FE Tc on the same fitted bands against the paper's TF-FE (what the
    inputs, alpha2F and the bands, do with the free-electron kernel) and dev_ratio_me_fe
    is TF-ME / TF-FE against the paper's TF-ME / TF-FE (what the matrix elements do on
    those inputs).  Rows of :func:`table2_kresolved`; NaN where the paper has no value."""
    fe_bands = rows["tc_tf_fe_bands_rescaled"][0]
    ratio = rows["tc_tf_me_rescaled"][0] / fe_bands
    ratio_paper = rows["tc_tf_me_paper"][0] / tc_fe_paper
    return {
        "tc_tf_fe_paper": (tc_fe_paper, "K", "paper 004, Table 2, TF-FE"),
        "dev_tf_fe_bands_percent": (100.0 * (fe_bands / tc_fe_paper - 1.0), "percent",
                                    "tc_tf_fe_bands_rescaled vs the paper's TF-FE: the inputs' part of "
                                    "dev_tf_me_rescaled_percent"),
        "ratio_me_fe_bands": (ratio, "1", "tc_tf_me_rescaled / tc_tf_fe_bands_rescaled"),
        "ratio_me_fe_paper": (ratio_paper, "1", "paper 004: TF-ME / TF-FE Tc"),
        "dev_ratio_me_fe_percent": (100.0 * (ratio / ratio_paper - 1.0), "percent",
                                    "ratio_me_fe_bands vs ratio_me_fe_paper: the matrix elements' part of "
                                    "dev_tf_me_rescaled_percent"),
    }


def shell_tc(scheme: str):
    """Table-column function: the rescaled energy-only ``scheme`` Tc of a :func:`kresolved_tc`
    dataset in the semicore-shell reading; NaN where the metal has no shell or no Tc."""
    def f(ds, metal):
        if "tc_energy_only_shell" not in ds:
            raise InputError(None, f"k-resolved run of {metal}", "no tc_energy_only_shell (a run of an "
                             "older scimodel; rebuild it)")
        return float(ds["tc_energy_only_shell"].sel(variant="rescaled", scheme_energy=scheme))
    return f


def _shell_rows(rows: dict, tc_sk_bands: np.ndarray, fe_shell: np.ndarray, sk_shell: np.ndarray,
                tc_sk_paper: np.ndarray) -> dict:
    """The TF-SK / TF-FE order and the split of :func:`_miss_decomposition` in both readings
    of the free-electron inputs: the valence bands (the table's TF-FE) and the semicore shell
    kept (:func:`shell_reading_tc`).  TF-SK and TF-FE differ only in the origin of the
    free-electron energy (k_F^2/2 against mu), so the paper's order of the two tells which
    reading its inputs followed, without a matrix element."""
    fe_bands, fe_paper = rows["tc_tf_fe_bands_rescaled"][0], rows["tc_tf_fe_paper"][0]
    ratio_shell = rows["tc_tf_me_rescaled"][0] / fe_shell
    empty = "; empty: no semicore shell (config paper004.kresolved_tfme.semicore_shell)"
    return {
        "ratio_sk_fe_bands": (tc_sk_bands / fe_bands, "1",
                              "energy-only TF-SK / TF-FE Tc on the valence bands (rescaled alpha2F)"),
        "ratio_sk_fe_paper": (tc_sk_paper / fe_paper, "1", "paper 004: TF-SK / TF-FE Tc"),
        "tc_tf_fe_shell_rescaled": (fe_shell, "K", "energy-only TF-FE Tc with the semicore shell kept in the "
                                    "DOS (its bottom is mu of Eq. 26), rescaled alpha2F" + empty),
        "tc_tf_sk_shell_rescaled": (sk_shell, "K", "energy-only TF-SK Tc with the semicore shell kept in the "
                                    "DOS and its electrons in k_F, rescaled alpha2F" + empty),
        "ratio_sk_fe_shell": (sk_shell / fe_shell, "1", "tc_tf_sk_shell_rescaled / tc_tf_fe_shell_rescaled"),
        "dev_tf_fe_shell_percent": (100.0 * (fe_shell / fe_paper - 1.0), "percent",
                                    "tc_tf_fe_shell_rescaled vs the paper's TF-FE: the inputs' part of "
                                    "dev_tf_me_rescaled_percent in the shell reading"),
        "ratio_me_fe_shell": (ratio_shell, "1", "tc_tf_me_rescaled / tc_tf_fe_shell_rescaled"),
        "dev_ratio_me_fe_shell_percent": (100.0 * (ratio_shell / rows["ratio_me_fe_paper"][0] - 1.0), "percent",
                                          "ratio_me_fe_shell vs ratio_me_fe_paper: the matrix elements' part "
                                          "of dev_tf_me_rescaled_percent in the shell reading"),
    }


def table2_kresolved(results: dict, paper) -> xr.Dataset:
    """Table 2, k-resolved columns: one row per metal from :func:`kresolved_tc` datasets
    (``results`` by metal) next to paper 004's TF-ME and TF-SK Tc (``paper``: the
    transcribed values, :func:`scimodel.paper004.read_paper_values`)."""
    from ..paper004 import paper_value

    metals = list(results)
    if not metals:
        raise InputError(None, "metals", "no k-resolved results to tabulate")

    def col(fn):
        return np.array([fn(results[m], m) for m in metals], dtype=float)

    def sel(name, variant, scheme=None):
        def f(ds, m):
            v = ds[name].sel(variant=variant)
            return float(v.sel(scheme=scheme) if scheme else v)
        return f

    rows = {
        "superconducting_tf_me": (col(lambda d, m: float(d["found"].sel(variant="computed", scheme="tf-me").mean())),
                                  "1", "fraction of the seeds whose k-resolved TF-ME equation has a Tc above "
                                  "t_search_min_K (alpha2F as computed); 0: no solution, the Tc cells are empty"),
        "lambda_computed": (col(lambda d, m: float(d["lambda_computed"])), "1", "lambda of the cached alpha2F"),
        "lambda_paper": (col(lambda d, m: paper_value(paper, "lambda", m, "paper")), "1",
                         "lambda of paper 004, Table 2"),
        "tc_tf_me": (col(sel("tc_tf_me_paired", "computed")), "K",
                     "TF-ME Tc (energy-only TF-SK x paired k-resolved TF-ME/TF-SK), alpha2F as computed"),
        "tc_tf_me_rescaled": (col(sel("tc_tf_me_paired", "rescaled")), "K",
                              "TF-ME Tc as tc_tf_me, alpha2F rescaled to the paper's lambda"),
        "tc_tf_me_paper": (col(lambda d, m: paper_value(paper, "tc", m, "TF-ME")), "K",
                           "paper 004, Table 2, TF-ME"),
        "tc_tf_me_kresolved_rescaled": (col(sel("tc_kresolved_mean", "rescaled", "tf-me")), "K",
                                        "k-resolved TF-ME Tc, mean over the seeds, rescaled alpha2F"),
        "tc_tf_me_kresolved_sd_rescaled": (col(sel("tc_kresolved_sd", "rescaled", "tf-me")), "K",
                                           "its standard deviation over the seeds"),
        "tc_tf_sk_kresolved_rescaled": (col(sel("tc_kresolved_mean", "rescaled", "tf-sk")), "K",
                                        "k-resolved TF-SK Tc, mean over the seeds, rescaled alpha2F"),
        "tc_tf_sk_paper": (col(lambda d, m: paper_value(paper, "tc", m, "TF-SK")), "K",
                           "paper 004, Table 2, TF-SK"),
        "tc_tf_fe_bands_rescaled": (col(lambda d, m: float(d["tc_energy_only"].sel(
            variant="rescaled", scheme_energy="tf-fe"))), "K",
            "energy-only TF-FE Tc on the DOS of the fitted bands, rescaled alpha2F"),
        "ratio_me_sk": (col(sel("ratio_me_sk_mean", "rescaled")), "1",
                        "k-resolved TF-ME / TF-SK on the same states (rescaled alpha2F), seed mean"),
        "ratio_me_sk_sd": (col(sel("ratio_me_sk_sd", "rescaled")), "1", "its standard deviation"),
        "ratio_me_averaged_sk": (col(lambda d, m: float(d["tc_energy_only_me_averaged"].sel(variant="rescaled"))
                                     / float(d["tc_energy_only"].sel(variant="rescaled", scheme_energy="tf-sk"))),
                                 "1", "energy-only Tc with the shell-averaged TF-ME kernel / with TF-SK "
                                 "(rescaled alpha2F): the energy dependence of the matrix elements"),
        "ratio_me_sk_paper": (col(lambda d, m: paper_value(paper, "tc", m, "TF-ME")
                                  / paper_value(paper, "tc", m, "TF-SK")), "1",
                              "paper 004: TF-ME / TF-SK Tc"),
    }

    def over_seeds(name, variant, scheme, sd=False):
        def f(ds, m):
            v = ds[name].sel(variant=variant, scheme=scheme).values
            v = v[np.isfinite(v)]
            if v.size < (2 if sd else 1):
                return np.nan
            return float(np.std(v, ddof=1) if sd else v.mean())
        return f

    rows.update({
        "band_deviation_mean": (col(lambda d, m: float(d["band_deviation_mean"])), "meV",
                                "mean |E| difference, matrix-element states vs fitted bands, within 1 eV of E_F"),
        "band_deviation_max": (col(lambda d, m: float(d["band_deviation_max"])), "meV", "its maximum"),
        "delta0_tf_me": (col(lambda d, m: float(d["delta0_tf_me_paired"].sel(variant="computed"))), "meV",
                         "TF-ME Delta0 (energy-only TF-SK x paired k-resolved ratio), alpha2F as computed"),
        "delta0_tf_me_rescaled": (col(lambda d, m: float(d["delta0_tf_me_paired"].sel(variant="rescaled"))),
                                  "meV", "TF-ME Delta0 as delta0_tf_me, rescaled alpha2F"),
        "delta0_tf_me_paper": (col(lambda d, m: paper_value(paper, "delta0", m, "TF-ME")), "meV",
                               "paper 004, Table 2, TF-ME Delta0"),
        "cs_cn_tf_me": (col(over_seeds("cs_cn_kresolved", "computed", "tf-me")), "1",
                        "C_S/C_N at Tc, k-resolved TF-ME, seed mean, alpha2F as computed"),
        "cs_cn_tf_me_rescaled": (col(over_seeds("cs_cn_kresolved", "rescaled", "tf-me")), "1",
                                 "C_S/C_N at Tc, k-resolved TF-ME, seed mean, rescaled alpha2F"),
        "cs_cn_tf_me_rescaled_sd": (col(over_seeds("cs_cn_kresolved", "rescaled", "tf-me", sd=True)), "1",
                                    "its standard deviation over the seeds"),
        "cs_cn_tf_me_paper": (col(lambda d, m: paper_value(paper, "cs_cn", m, "TF-ME")), "1",
                              "paper 004, Table 3, TF-ME"),
    })
    with np.errstate(invalid="ignore", divide="ignore"):
        dev = 100.0 * (rows["tc_tf_me_rescaled"][0] / rows["tc_tf_me_paper"][0] - 1.0)
        rows["dev_tf_me_rescaled_percent"] = (dev, "percent", "tc_tf_me_rescaled vs the paper's TF-ME")
        rows.update(_miss_decomposition(rows, col(lambda d, m: paper_value(paper, "tc", m, "TF-FE"))))
        rows.update(_shell_rows(rows, col(lambda d, m: float(d["tc_energy_only"].sel(
            variant="rescaled", scheme_energy="tf-sk"))), col(shell_tc("tf-fe")), col(shell_tc("tf-sk")),
            col(lambda d, m: paper_value(paper, "tc", m, "TF-SK"))))
    ds = xr.Dataset({k: da(v, ("metal",), u, ln) for k, (v, u, ln) in rows.items()},
                    coords={"metal": da(np.asarray(metals, dtype=str), ("metal",), "1", "metal")})
    ds.attrs["seeds"] = json.dumps({m: [int(s) for s in results[m]["seed"].values] for m in metals})
    return ds
