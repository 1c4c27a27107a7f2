"""Paper 004 (Marques et al., PRB 72, 024546 (2005)): Tables 2-3 and figure data.

Physics lives in :mod:`scimodel.scdft`; this module runs it for one metal's
first-principles input (``resources/abinitio/<M>.nc``, read with
:func:`scimodel.qe.read_abinitio`), collects the results into NetCDF-ready
:class:`xarray.Dataset` objects, and assembles the tables next to the
paper's numbers (``resources/paper004/paper004_values.csv``).

Energies in meV, temperatures in K, entropies and heat capacities in k_B per atom.
"""
from __future__ import annotations

import functools
import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from . import eliashberg, units
from .errors import InputError
from .io import da
from .scdft import GapEquation, ScdftInput, Settings, kernels
from .scdft.observables import (DECOMPOSITIONS, delta0_curve, heat_capacity_jump,
                                isotope_coefficient, order_parameter)

log = logging.getLogger("scimodel.paper004")

REFERENCE = ("M. A. L. Marques et al., Phys. Rev. B 72, 024546 (2005), arXiv:cond-mat/0408686 "
             "(paper 004)")
SCHEMES = ("tf-fe", "tf-sk")
PAPER_COLUMNS = ("TF-ME", "TF-SK", "TF-FE", "exp", "paper")
QUANTITY_UNITS = {"tc": "K", "delta0": "meV", "lambda": "1", "cs_cn": "1", "isotope": "1",
                  "coherence_length": "nm"}


# ------------------------------------------------------------------------------ paper values
def read_paper_values(path: str | Path) -> pd.DataFrame:
    """The transcribed numbers of paper 004 (long format, with provenance).

    Columns: quantity, metal, column, value, value_max, unit, source.
    Raises :class:`InputError` on a missing column, an unknown quantity or
    column, a unit that does not match the quantity or a row without source.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "<file>", "file does not exist")
    df = pd.read_csv(path, comment="#")
    need = ["quantity", "metal", "column", "value", "value_max", "unit", "source"]
    for c in need:
        if c not in df.columns:
            raise InputError(path, c, f"missing column; expected {need}")
    for i, row in df.iterrows():
        where = f"row {i + 1} ({row['quantity']}, {row['metal']}, {row['column']})"
        if row["quantity"] not in QUANTITY_UNITS:
            raise InputError(path, where, f"unknown quantity; expected one of {sorted(QUANTITY_UNITS)}")
        if row["column"] not in PAPER_COLUMNS:
            raise InputError(path, where, f"unknown column; expected one of {PAPER_COLUMNS}")
        if row["unit"] != QUANTITY_UNITS[row["quantity"]]:
            raise InputError(path, where, f"unit {row['unit']!r}, expected {QUANTITY_UNITS[row['quantity']]!r}")
        if not (isinstance(row["source"], str) and row["source"].strip()):
            raise InputError(path, where, "no provenance (source) given")
        if not np.isfinite(row["value"]):
            raise InputError(path, where, "value is not a number")
    if df.duplicated(["quantity", "metal", "column"]).any():
        raise InputError(path, "<rows>", "duplicate (quantity, metal, column)")
    return df


def paper_value(df: pd.DataFrame, quantity: str, metal: str, column: str,
                upper: bool = False) -> float:
    """One transcribed number (NaN if the paper has none); ``upper``: the range's upper end."""
    m = (df["quantity"] == quantity) & (df["metal"] == metal) & (df["column"] == column)
    if not m.any():
        return float("nan")
    row = df[m].iloc[0]
    if upper:
        return float(row["value_max"]) if np.isfinite(row["value_max"]) else float(row["value"])
    return float(row["value"])


# ------------------------------------------------------------------------------ inputs
def load_input(path: str | Path, metal: str) -> ScdftInput:
    """ScdftInput of ``metal`` from the first-principles NetCDF (contract of scimodel.qe)."""
    from .qe import read_abinitio
    ds = read_abinitio(path)
    return ScdftInput.from_dataset(ds, path=path, name=metal)


def fitted_band_input(metal: str, semicore: int, paper_lambda: float | None = None,
                      root: str | Path = ".") -> ScdftInput:
    """The energy-only input of ``metal`` on the DOS of its committed band grid's fit
    (``resources/abinitio/bands/<M>.nc`` under ``root``) with ``semicore`` bands left out, and
    the Eliashberg input of ``resources/abinitio/<M>.nc``, alpha2F rescaled to ``paper_lambda``
    if given (:func:`scimodel.scdft.tfme.energy_only_input`).  The band fit is built once per
    metal and root."""
    from .scdft import tfme

    grid, fit, inp = _fitted_bands(metal, str(root))
    return tfme.energy_only_input(fit, inp, nelec=float(grid.attrs["nelec"]), semicore=semicore,
                                  paper_lambda=paper_lambda)


@functools.lru_cache(maxsize=2)
def _fitted_bands(metal: str, root: str):
    from .scdft import abinitio_bands

    grid = abinitio_bands.load_band_grid(Path(root) / "resources" / "abinitio" / "bands" / f"{metal}.nc")
    return grid, abinitio_bands.fit_bands(grid), load_input(Path(root) / "resources" / "abinitio" / f"{metal}.nc",
                                                            metal)


def kresolved_tfme(metal: str, bands, nc, coulomb: xr.Dataset, paper, tfme_cfg: dict, scdft_cfg: dict,
                   semicore: int) -> xr.Dataset:
    """Table 2's k-resolved columns for one metal (:func:`scimodel.scdft.tfme.kresolved_tc`)
    from the files the rule ``kresolved_tfme`` reads: the band grid ``bands``, the
    Eliashberg input ``nc``, the K^TF-ME dataset ``coulomb`` (loaded), the paper's values
    ``paper`` (its lambda for the rescaled variant), the ``paper004.kresolved_tfme`` and
    ``scdft`` config sections (``semicore_shell`` of the former: the metal's shell of the
    second TF-FE / TF-SK reading, if any) and the metal's semicore bands."""
    from .scdft import abinitio_bands, tfme

    cfg = dict(tfme_cfg)
    grid = abinitio_bands.load_band_grid(bands)
    fit = abinitio_bands.fit_bands(grid)
    inp = load_input(nc, metal)
    lam_paper = paper_value(read_paper_values(paper), "lambda", metal, "paper")
    return tfme.kresolved_tc(
        fit, inp, coulomb, Settings.from_config(dict(scdft_cfg)), nelec=float(grid.attrs["nelec"]),
        semicore=int(semicore), paper_lambda=lam_paper if lam_paper == lam_paper else None,
        n_fermi=cfg["n_fermi"], n_other=cfg["n_other"],
        seeds=cfg["seeds"], distribution=cfg["distribution"], dos_mesh=cfg["dos_mesh"],
        dos_bin_mev=cfg["dos_bin_meV"], normalisation=cfg["normalisation"],
        average_bin_mev=cfg["average_bin_meV"],
        t_gap=float(scdft_cfg.get("t_gap_K", 0.01)),
        shell=(cfg.get("semicore_shell") or {}).get(metal))


def hbar_vf_mev_nm(inp: ScdftInput) -> float:
    """Free-electron hbar v_F = hbar^2 k_F/m of the homogeneous gas (meV nm)."""
    return inp.kf * units.HA_TO_MEV * units.BOHR_TO_ANGSTROM * 0.1


def hbar_vf_dos_mev_nm(inp: ScdftInput) -> float:
    """hbar v_F of a spherical Fermi surface of the homogeneous-gas radius k_F that
    carries the metal's own N(0): N(0) = V k_F^2 / (2 pi^2 hbar v_F) per spin, so
    hbar v_F = V k_F^2 / (2 pi^2 N(0)) (meV nm); the free-electron value times
    N_free(0)/N(0) (band mass from the DOS)."""
    return inp.volume * inp.kf ** 2 / (2.0 * math.pi ** 2 * inp.dos_ef) * units.BOHR_TO_ANGSTROM * 0.1


def order_parameter_width(xi, chi) -> float:
    """Full width at half maximum of chi(xi) (same units as xi), by linear
    interpolation on both sides of the maximum."""
    xi, chi = np.asarray(xi, float), np.asarray(chi, float)
    i = int(np.argmax(chi))
    half = 0.5 * chi[i]
    lo = np.nonzero(chi[:i] < half)[0]
    hi = np.nonzero(chi[i:] < half)[0]
    if lo.size == 0 or hi.size == 0:
        raise ValueError("chi does not fall below half its maximum on both sides")
    a, b = lo[-1], i + hi[0]
    x_lo = np.interp(half, [chi[a], chi[a + 1]], [xi[a], xi[a + 1]])
    x_hi = np.interp(half, [chi[b], chi[b - 1]], [xi[b], xi[b - 1]])
    return float(x_hi - x_lo)


def coulomb_mu(ge: GapEquation) -> float:
    """Fermi-surface Coulomb parameter mu = N(0) K^el(0, 0) of the solver's kernel."""
    if ge.kel is None:
        return 0.0
    i0 = ge.mesh.i0
    return float(ge.inp.dos_ef * ge.kel[i0, i0])


# ------------------------------------------------------------------------------ per metal
def metal_results(inp: ScdftInput, settings: Settings, *, t_gap: float = 0.01,
                  paper_lambda: float | None = None, mu_star: float | None = None,
                  eliashberg_cutoff_factor: float = 10.0,
                  kernel_window: float = 100.0, lambda_interval=None) -> xr.Dataset:
    """Tc, Delta0, C_S/C_N in TF-FE and TF-SK, the lambda-rescaled TF-FE
    diagnostic, Allen-Dynes and Eliashberg Tc, and the data of Figs. 3, 4, 11.

    ``mu_star`` None: Morel-Anderson mu* from the TF-FE mu = N(0) K^el(0,0),
    E = depth of the band, omega_c = largest phonon energy (Allen-Dynes) or
    ``eliashberg_cutoff_factor`` times it (Eliashberg, its own Matsubara cutoff).
    """
    out = {}
    xi_ref = None
    scal = {}
    for scheme in SCHEMES:
        tag = scheme.replace("-", "_")
        ge = GapEquation(inp, settings.refined(coulomb=scheme))
        res = ge.tc()
        sol = ge.solve(t_gap, amplitude=0.5)
        if xi_ref is None:
            xi_ref = sol.xi
        _store_tc(scal, f"tc_{tag}", res, ge.s.t_search_min)
        scal[f"superconducting_{tag}"] = int(res.found and sol.delta0 > 1e-9)
        scal[f"delta0_{tag}"] = sol.delta0 if scal[f"superconducting_{tag}"] else 0.0
        scal[f"mu_{tag}"] = coulomb_mu(ge)
        scal[f"converged_{tag}"] = int(sol.converged)
        if res.found:
            jump = heat_capacity_jump(ge, tc_k=res.tc)
            scal[f"cs_cn_{tag}"] = jump.ratio
        else:
            scal[f"cs_cn_{tag}"] = float("nan")
        out[f"delta_{tag}"] = np.interp(xi_ref, sol.xi, sol.delta)
        if scheme == "tf-fe":
            out["chi_tf_fe"] = np.interp(xi_ref, sol.xi, order_parameter(sol))
    # lambda rescaled to the paper's (diagnostic: input vs solver differences)
    if paper_lambda is not None and np.isfinite(paper_lambda):
        ge = GapEquation(inp.scaled_to_lambda(paper_lambda), settings.refined(coulomb="tf-fe"))
        r = ge.tc()
        _store_tc(scal, "tc_tf_fe_rescaled", r, ge.s.t_search_min)
        scal["delta0_tf_fe_rescaled"] = ge.solve(t_gap, amplitude=0.5).delta0 if r.found else 0.0
        scal["cs_cn_tf_fe_rescaled"] = (heat_capacity_jump(ge, tc_k=r.tc).ratio if r.found
                                        else float("nan"))
    else:                                        # no paper lambda: nothing to rescale to
        scal["tc_tf_fe_rescaled"] = scal["delta0_tf_fe_rescaled"] = float("nan")
        scal["tc_tf_fe_rescaled_status"] = TC_NOT_APPLICABLE
        scal["cs_cn_tf_fe_rescaled"] = float("nan")
    scal["lambda_paper"] = float("nan") if paper_lambda is None else paper_lambda
    # input uncertainty (scimodel.input_uncertainty): TF-FE at the ends of the lambda interval
    if lambda_interval is not None:
        for end, lam_end in (("low", lambda_interval.low), ("high", lambda_interval.high)):
            ge = GapEquation(inp.scaled_to_lambda(lam_end), settings.refined(coulomb="tf-fe"))
            r = ge.tc()
            scal[f"lambda_{end}"] = lam_end
            _store_tc(scal, f"tc_tf_fe_{end}", r, ge.s.t_search_min)
            scal[f"delta0_tf_fe_{end}"] = ge.solve(t_gap, amplitude=0.5).delta0 if r.found else 0.0
    else:
        for end in ("low", "high"):
            scal[f"lambda_{end}"] = scal[f"tc_tf_fe_{end}"] = scal[f"delta0_tf_fe_{end}"] = float("nan")
            scal[f"tc_tf_fe_{end}_status"] = TC_NOT_APPLICABLE
    # the high-energy part: TF-FE with the xi' integral of Eq. 20 cut at HIGH_ENERGY_SPLIT_MEV
    ge = GapEquation(inp, settings.refined(coulomb="tf-fe", cutoff=HIGH_ENERGY_SPLIT_MEV))
    _store_tc(scal, "tc_tf_fe_cut", ge.tc(), ge.s.t_search_min)
    scal["high_energy_split"] = HIGH_ENERGY_SPLIT_MEV
    scal["dos_top"] = float(np.asarray(inp.xi)[-1])
    # Allen-Dynes and Eliashberg on the same alpha2F
    m = eliashberg.moments(inp.omega, inp.a2f)
    wmax = float(np.asarray(inp.omega)[np.asarray(inp.a2f) > 0].max())
    if mu_star is None:
        mu_ad = eliashberg.mu_star_morel_anderson(scal["mu_tf_fe"], inp.mu, wmax)
        mu_el = eliashberg.mu_star_morel_anderson(scal["mu_tf_fe"], inp.mu,
                                                  eliashberg_cutoff_factor * wmax)
    else:
        mu_ad = mu_el = float(mu_star)
    scal["mu_star_allen_dynes"] = mu_ad
    scal["mu_star_eliashberg"] = mu_el
    scal["tc_allen_dynes"] = eliashberg.allen_dynes_tc(m["lam"], m["omega_log"], m["omega2"], mu_ad)
    # a transition below the searchable range is stored as that upper bound
    # (status TC_UPPER_BOUND); a failed root search as NaN (TC_NOT_DETERMINED)
    try:
        scal["tc_eliashberg"] = float(eliashberg.tc_eliashberg(
            inp.omega, inp.a2f, mu_star=mu_el, omega_c=eliashberg_cutoff_factor * wmax))
        scal["tc_eliashberg_status"] = TC_VALUE
    except eliashberg.TcBelowRangeError as exc:
        log.warning("%s: Eliashberg Tc below %.3g K, stored as that upper bound (%s)",
                    inp.name, exc.upper_bound, exc)
        scal["tc_eliashberg"] = exc.upper_bound
        scal["tc_eliashberg_status"] = TC_UPPER_BOUND
    except RuntimeError as exc:                    # root search failed: not known, not 0
        log.warning("%s: Eliashberg Tc not determined, stored as NaN (%s)", inp.name, exc)
        scal["tc_eliashberg"] = float("nan")
        scal["tc_eliashberg_status"] = TC_NOT_DETERMINED
    scal["lambda"] = m["lam"]
    scal["omega_log"] = m["omega_log"]
    scal["omega2"] = m["omega2"]
    scal["dos_ef"] = inp.dos_ef
    scal["band_depth"] = inp.mu
    scal["hbar_vf"] = hbar_vf_mev_nm(inp)
    scal["hbar_vf_dos"] = hbar_vf_dos_mev_nm(inp)
    # Fig. 4: diagonal of -N(0) K^ph(xi, xi) and Z^ph(xi) at 0.01 K
    beta = 1.0 / units.kelvin_to_mev(0.01)
    xk = np.linspace(-kernel_window, kernel_window, 401)
    ge = GapEquation(inp, settings.refined(coulomb="none"))
    kdiag = np.array([kernels.kph_matrix_nb(np.array([x]), np.array([x]), ge.omega, ge.wa2f, beta,
                                            inp.dos_ef, True)[0, 0] for x in xk])
    zdiag = kernels.zph_nb(xk, ge.omega, ge.wa2f, beta, inp.mu)
    return _metal_dataset(inp, scal, xi_ref, out, xk, -inp.dos_ef * kdiag, zdiag, t_gap)


#: Energy (meV above E_F) separating the "high-energy" states: the end of the
#: first-principles DOS tables before they were extended to 60 eV (20.5 eV).
HIGH_ENERGY_SPLIT_MEV = 20000.0

#: Status of a stored Tc (CF flag variables ``<tc>_status``).
TC_VALUE, TC_UPPER_BOUND, TC_NOT_DETERMINED, TC_NOT_APPLICABLE, TC_NO_INPUT = 0, 1, 2, 3, 4
TC_FLAG_MEANINGS = "value upper_bound not_determined not_applicable no_input"


def _store_tc(scal: dict, key: str, res, t_search_min: float) -> None:
    """Tc of a search: the value, or (no solution down to ``t_search_min``) that
    temperature flagged as an upper bound; never 0."""
    scal[key] = res.tc if res.found else float(t_search_min)
    scal[f"{key}_status"] = TC_VALUE if res.found else TC_UPPER_BOUND


def tc_status_attrs(what: str) -> dict:
    """CF attributes of a Tc status flag variable."""
    return {"flag_values": np.arange(5, dtype=np.int8), "flag_meanings": TC_FLAG_MEANINGS,
            "comment": f"upper_bound: {what} is the lowest temperature searched and Tc lies "
                       "below it; not_determined: the search failed (value NaN); "
                       "not_applicable: no reference to compute it from; no_input: the metal has "
                       "no first-principles input"}


_SCALAR_META = {
    "tc_tf_fe": ("K", "Tc, SCDFT energy-space, TF-FE Coulomb (Eq. 26); an upper bound where "
                      "tc_tf_fe_status = 1"),
    "tc_tf_sk": ("K", "Tc, SCDFT energy-space, TF-SK Coulomb (Eq. 29); an upper bound where "
                      "tc_tf_sk_status = 1"),
    "tc_tf_fe_status": ("1", "status of tc_tf_fe"),
    "tc_tf_sk_status": ("1", "status of tc_tf_sk"),
    "tc_tf_fe_rescaled_status": ("1", "status of tc_tf_fe_rescaled"),
    "tc_eliashberg_status": ("1", "status of tc_eliashberg"),
    "delta0_tf_fe": ("meV", "Delta(xi=0) at t_gap, TF-FE (0 where no solution)"),
    "delta0_tf_sk": ("meV", "Delta(xi=0) at t_gap, TF-SK (0 where no solution)"),
    "superconducting_tf_fe": ("1", "1 if the gap equation has a non-trivial solution above t_search_min (TF-FE)"),
    "superconducting_tf_sk": ("1", "1 if the gap equation has a non-trivial solution above t_search_min (TF-SK)"),
    "converged_tf_fe": ("1", "1 if the nonlinear gap solve converged (TF-FE)"),
    "converged_tf_sk": ("1", "1 if the nonlinear gap solve converged (TF-SK)"),
    "mu_tf_fe": ("1", "Coulomb parameter N(0) K^el(0,0), TF-FE"),
    "mu_tf_sk": ("1", "Coulomb parameter N(0) K^el(0,0), TF-SK"),
    "cs_cn_tf_fe": ("1", "C_S(Tc)/C_N(Tc) from the Kohn-Sham entropy (Eq. 31), TF-FE"),
    "cs_cn_tf_sk": ("1", "C_S(Tc)/C_N(Tc) from the Kohn-Sham entropy (Eq. 31), TF-SK"),
    "tc_tf_fe_rescaled": ("K", "Tc, TF-FE, alpha2F rescaled to the paper's lambda (diagnostic); "
                               "an upper bound where tc_tf_fe_rescaled_status = 1"),
    "delta0_tf_fe_rescaled": ("meV", "Delta0, TF-FE, alpha2F rescaled to the paper's lambda (diagnostic)"),
    "cs_cn_tf_fe_rescaled": ("1", "C_S(Tc)/C_N(Tc), TF-FE, alpha2F rescaled to the paper's lambda (diagnostic)"),
    "lambda_paper": ("1", "lambda of paper 004, Table 2"),
    "lambda_low": ("1", "lower end of the input interval of lambda (scimodel.input_uncertainty)"),
    "lambda_high": ("1", "upper end of the input interval of lambda (scimodel.input_uncertainty)"),
    "tc_tf_fe_low": ("K", "Tc, TF-FE, alpha2F rescaled to lambda_low"),
    "tc_tf_fe_high": ("K", "Tc, TF-FE, alpha2F rescaled to lambda_high"),
    "tc_tf_fe_low_status": ("1", "status of tc_tf_fe_low"),
    "tc_tf_fe_high_status": ("1", "status of tc_tf_fe_high"),
    "delta0_tf_fe_low": ("meV", "Delta0 at t_gap, TF-FE, alpha2F rescaled to lambda_low"),
    "delta0_tf_fe_high": ("meV", "Delta0 at t_gap, TF-FE, alpha2F rescaled to lambda_high"),
    "tc_tf_fe_cut": ("K", "Tc, TF-FE, with the xi' integral of Eq. 20 cut at high_energy_split "
                          "(the states above it left out); an upper bound where "
                          "tc_tf_fe_cut_status = 1"),
    "tc_tf_fe_cut_status": ("1", "status of tc_tf_fe_cut"),
    "high_energy_split": ("meV", "cutoff of tc_tf_fe_cut, above E_F"),
    "dos_top": ("meV", "top of the first-principles DOS table above E_F (sqrt(xi + mu) "
                       "continuation above it, up to the cutoff)"),
    "mu_star_allen_dynes": ("1", "mu* of the Allen-Dynes column"),
    "mu_star_eliashberg": ("1", "mu* of the Eliashberg column (at its Matsubara cutoff)"),
    "tc_allen_dynes": ("K", "Allen-Dynes Tc on the same alpha2F"),
    "tc_eliashberg": ("K", "isotropic Matsubara Eliashberg Tc on the same alpha2F; an upper "
                           "bound where tc_eliashberg_status = 1"),
    "lambda": ("1", "lambda = 2 Int alpha2F/omega of the project's alpha2F"),
    "omega_log": ("meV", "omega_log of the project's alpha2F"),
    "omega2": ("meV", "sqrt(<omega^2>) of the project's alpha2F"),
    "dos_ef": ("1/meV", "N(0) per spin per atom"),
    "band_depth": ("meV", "depth of E_F above the band bottom (mu of Eq. 20)"),
    "hbar_vf": ("meV nm", "free-electron hbar v_F of the homogeneous gas"),
    "hbar_vf_dos": ("meV nm", "hbar v_F = V k_F^2/(2 pi^2 N(0)): the homogeneous-gas k_F with the "
                              "metal's own N(0) (Fig. 11 scaling)"),
}


def _metal_dataset(inp, scal, xi, arrays, xk, kdiag, zdiag, t_gap) -> xr.Dataset:
    v = {k: da(np.int8(val) if k.endswith("_status") else val, (), *_SCALAR_META[k],
               **(tc_status_attrs(k[:-7]) if k.endswith("_status") else {}))
         for k, val in scal.items()}
    v["delta_tf_fe"] = da(arrays["delta_tf_fe"], ("xi",), "meV", f"Delta(xi) at {t_gap} K, TF-FE")
    v["delta_tf_sk"] = da(arrays["delta_tf_sk"], ("xi",), "meV", f"Delta(xi) at {t_gap} K, TF-SK")
    v["chi_tf_fe"] = da(arrays["chi_tf_fe"], ("xi",), "1",
                        "order parameter Delta/(2E) tanh(beta E/2), TF-FE (Fig. 11)")
    v["a2f"] = da(inp.a2f, ("omega",), "1", "Eliashberg function alpha2F (input)")
    v["minus_n0_kph_diag"] = da(kdiag, ("xi_kernel",), "1", "-N(0) K^ph(xi, xi) at 0.01 K (Fig. 4)")
    v["zph_diag"] = da(zdiag, ("xi_kernel",), "1", "Z^ph(xi) at 0.01 K (Fig. 4)")
    coords = {"xi": da(xi, ("xi",), "meV", "energy relative to E_F (solver mesh)"),
              "omega": da(inp.omega, ("omega",), "meV", "phonon energy"),
              "xi_kernel": da(xk, ("xi_kernel",), "meV", "energy relative to E_F (kernel plots)")}
    ds = xr.Dataset(v, coords=coords)
    ds.attrs["metal"] = inp.name
    ds.attrs["t_gap_K"] = t_gap
    ds.attrs["synthetic"] = int(bool(inp.synthetic))
    return ds


def curves(inp: ScdftInput, settings: Settings, *, n_t: int = 24,
           profile_fractions=(0.0, 0.5, 0.8, 0.95), t_gap: float = 0.01) -> xr.Dataset:
    """Delta0(T), S_S - S_N and C/C_N(Tc) versus T (Figs. 6, 10) and Delta(xi)
    at T = fraction * Tc (Fig. 5), TF-FE."""
    ge = GapEquation(inp, settings.refined(coulomb="tf-fe"))
    tc = ge.tc().tc
    if not tc > 0:
        raise InputError(None, inp.name, "no superconducting transition: no Delta0(T) curve")
    frac = np.concatenate([np.linspace(0.02, 0.9, n_t - 8), np.linspace(0.92, 0.995, 6), [1.05, 1.15]])
    temps = np.unique(np.concatenate([[t_gap], frac * tc]))
    curve = delta0_curve(ge, temps, keep_solutions=False)
    t = curve["t"]
    s_n = np.array([ge.entropy(tt) for tt in t])
    s_s = s_n + curve["entropy_diff"]
    # C_S = T dS_S/dT by finite differences on the superconducting branch only
    below = t < tc
    c_s = np.full(t.size, np.nan)
    tb, sb = t[below], s_s[below]
    if tb.size >= 3:
        c_s[below] = tb * np.gradient(sb, tb)
    c_n = np.array([ge.normal_heat_capacity(tt) for tt in t])
    c_s[~below] = c_n[~below]
    cn_tc = ge.normal_heat_capacity(tc)
    prof_t = np.array([max(f * tc, t_gap) for f in profile_fractions])
    profiles = []
    prev = None
    for tt in prof_t:
        sol = ge.solve(tt, guess=None if prev is None else prev.delta, amplitude=0.5)
        profiles.append(sol.delta)
        prev = sol
    coords = {"t": da(t, ("t",), "K", "temperature"),
              "xi": da(ge.xi, ("xi",), "meV", "energy relative to E_F"),
              "t_profile": da(prof_t, ("t_profile",), "K", "temperatures of the Delta(xi) profiles")}
    ds = xr.Dataset({
        "delta0": da(curve["delta0"], ("t",), "meV", "Delta(xi=0, T), TF-FE"),
        "entropy_diff": da(curve["entropy_diff"], ("t",), "1", "S_S - S_N (Eq. 31), per atom in units of k_B"),
        "c_s_over_cn_tc": da(c_s / cn_tc, ("t",), "1", "C_S(T)/C_N(Tc) (T dS/dT, finite differences)"),
        "c_n_over_cn_tc": da(c_n / cn_tc, ("t",), "1", "C_N(T)/C_N(Tc)"),
        "delta_profile": da(np.array(profiles), ("t_profile", "xi"), "meV", "Delta(xi, T), TF-FE"),
        "tc": da(tc, (), "K", "Tc, TF-FE"),
    }, coords=coords)
    ds.attrs["metal"] = inp.name
    ds.attrs["synthetic"] = int(bool(inp.synthetic))
    return ds


def cutoff_scan(inp: ScdftInput, settings: Settings, cutoffs_mev, t_gap: float = 0.01) -> xr.Dataset:
    """Delta0 at t_gap versus the energy cutoff (Fig. 9), TF-FE."""
    d = []
    for c in cutoffs_mev:
        ge = GapEquation(inp, settings.refined(coulomb="tf-fe", cutoff=float(c)))
        d.append(ge.solve(t_gap, amplitude=0.5).delta0)
    ds = xr.Dataset({"delta0": da(d, ("cutoff",), "meV", f"Delta0 at {t_gap} K, TF-FE"),
                     "dos_top": da(float(np.asarray(inp.xi)[-1]), (), "meV",
                                   "top of the first-principles DOS table above E_F "
                                   "(sqrt(xi + mu) continuation above it)")},
                    coords={"cutoff": da(np.asarray(cutoffs_mev, float), ("cutoff",), "meV",
                                         "upper energy cutoff of Eq. 20")})
    ds.attrs["metal"] = inp.name
    ds.attrs["synthetic"] = int(bool(inp.synthetic))
    return ds


def decomposition(inp: ScdftInput, settings: Settings, t_gap: float = 0.01) -> xr.Dataset:
    """Delta(xi) at t_gap with K^ph, K^ph + Z^ph, all terms (Fig. 8), TF-FE."""
    rows, labels = [], []
    xi = None
    for label, kph, zph, el in DECOMPOSITIONS:
        s = settings.refined(use_kph=kph, use_zph=zph, coulomb="tf-fe" if el else "none")
        sol = GapEquation(inp, s).solve(t_gap, amplitude=0.5)
        xi = sol.xi if xi is None else xi
        rows.append(np.interp(xi, sol.xi, sol.delta))
        labels.append(label)
    ds = xr.Dataset({"delta": da(np.array(rows), ("terms", "xi"), "meV", f"Delta(xi) at {t_gap} K")},
                    coords={"xi": da(xi, ("xi",), "meV", "energy relative to E_F"),
                            "terms": da(labels, ("terms",), "1", "terms of Eq. 20 included")})
    ds.attrs["metal"] = inp.name
    ds.attrs["synthetic"] = int(bool(inp.synthetic))
    return ds


def isotope(inp: ScdftInput, settings: Settings, dm: float = 0.05) -> xr.Dataset:
    """Isotope coefficients alpha from Delta0 (as in the paper) and from Tc, TF-FE."""
    s = settings.refined(coulomb="tf-fe")
    a_gap = isotope_coefficient(inp, s, quantity="gap", dm=dm)
    a_tc = isotope_coefficient(inp, s, quantity="tc", dm=dm)
    ds = xr.Dataset({
        "alpha_gap": da(a_gap, (), "1", "-dln Delta0/dln M, TF-FE (alpha2F(Omega sqrt(M'/M)), lambda fixed)"),
        "alpha_tc": da(a_tc, (), "1", "-dln Tc/dln M, TF-FE"),
        "dm": da(dm, (), "1", "relative mass change of the central difference"),
    })
    ds.attrs["metal"] = inp.name
    ds.attrs["synthetic"] = int(bool(inp.synthetic))
    return ds


def mesh_convergence(inp: ScdftInput, settings: Settings, points_per_decade,
                     t_gap: float = 0.01) -> xr.Dataset:
    """Tc and Delta0 (TF-FE) versus the mesh density (replaces Fig. 2)."""
    tcs, ds0, npts = [], [], []
    for p in points_per_decade:
        f = float(p) / settings.points_per_decade
        s = settings.refined(coulomb="tf-fe", points_per_decade=float(p),
                             max_spacing=settings.max_spacing / f, far_step=settings.far_step / f)
        ge = GapEquation(inp, s)
        tcs.append(ge.tc().tc)
        ds0.append(ge.solve(t_gap, amplitude=0.5).delta0)
        npts.append(ge.xi.size)
    ds = xr.Dataset({"tc": da(tcs, ("ppd",), "K", "Tc, TF-FE"),
                     "delta0": da(ds0, ("ppd",), "meV", f"Delta0 at {t_gap} K, TF-FE"),
                     "n_points": da(npts, ("ppd",), "1", "number of mesh points")},
                    coords={"ppd": da(np.asarray(points_per_decade, float), ("ppd",), "1",
                                      "mesh points per decade (spacings scaled alike)")})
    ds.attrs["metal"] = inp.name
    ds.attrs["synthetic"] = int(bool(inp.synthetic))
    return ds


def kernel_w(t_k: float = 0.01, omega_thz: float = 1.0, xi0: float = 1e-2) -> xr.Dataset:
    """Universal kernel W (Eq. 30) at t_k (Fig. 1): W(xi0, xi', Omega = omega_thz)
    versus xi' and W(xi0, xi0, Omega) versus Omega; xi0 ~ 0 on the meV scale of the
    plots but >> k_B T (0.01 meV = 11.6 k_B T at 0.01 K; the paper avoids xi = 0 "to
    avoid numerical problems").  The left curve at xi' = xi0 is the right one at
    Omega = omega_thz."""
    beta = 1.0 / units.kelvin_to_mev(t_k)
    om = omega_thz * units.THZ_TO_MEV
    xp = np.union1d(np.linspace(-50.0, 50.0, 2001), [xi0])
    w1 = np.array([kernels.w_kernel(xi0, x, om, beta) for x in xp])
    oms = np.linspace(0.02, 20.0, 1000) * units.THZ_TO_MEV
    w2 = np.array([kernels.w_kernel(xi0, xi0, o, beta) for o in oms])
    return xr.Dataset({
        "w_xi": da(w1, ("xi_prime",), "1/meV", f"W(xi={xi0} meV, xi', Omega={omega_thz} THz) at {t_k} K"),
        "w_omega": da(w2, ("omega",), "1/meV", f"W(xi=xi'={xi0} meV, Omega) at {t_k} K"),
    }, coords={"xi_prime": da(xp, ("xi_prime",), "meV", "xi'"),
               "omega": da(oms, ("omega",), "meV", "phonon energy Omega")})


# ------------------------------------------------------------------------------ tables
# ------------------------------------------------------------------------------ synthetic inputs
def synthetic_abinitio_dataset(inp: ScdftInput) -> xr.Dataset:
    """A dataset in the first-principles contract (scimodel.qe.CONTRACT) built
    from a model input (tests, demonstrations); marked synthetic in ``title``."""
    m = eliashberg.moments(inp.omega, inp.a2f)
    omega = np.asarray(inp.omega, float)
    if omega[0] != 0.0:
        raise ValueError("model omega grid must start at 0")
    sc = lambda v, u, n: da(v, (), u, n)  # noqa: E731
    ds = xr.Dataset({
        "a2f": da(inp.a2f, ("omega",), "1", "alpha2F (SYNTHETIC model)"),
        "a2f_by_smearing": da(np.asarray(inp.a2f)[None, :], ("smearing", "omega"), "1", "alpha2F per smearing"),
        "phonon_dos": da(np.asarray(inp.a2f) / max(float(np.max(inp.a2f)), 1e-30), ("omega",), "1/meV",
                         "phonon DOS (SYNTHETIC placeholder)"),
        "dos": da(inp.dos, ("xi",), "1/meV", "electronic DOS per spin per atom"),
        "lambda": sc(m["lam"], "1", "lambda"), "omega_log": sc(m["omega_log"], "meV", "omega_log"),
        "omega2": sc(m["omega2"], "meV", "omega2"), "dos_ef": sc(inp.dos_ef, "1/meV", "N(0)"),
        "fermi_energy": sc(inp.mu * units.MEV_TO_EV, "eV", "Fermi energy above band bottom"),
        "band_bottom": sc(inp.band_bottom, "meV", "band bottom"),
        "electron_density": sc(inp.kf**3 / (3.0 * np.pi**2), "1/bohr^3", "valence electron density"),
        "kf": sc(inp.kf, "1/bohr", "homogeneous-gas k_F"),
        "volume": sc(inp.volume, "bohr^3", "volume per atom"),
        "n_valence": sc(float(inp.attrs.get("n_valence", 1.0)), "1", "valence electrons"),
    }, coords={"omega": da(omega, ("omega",), "meV", "phonon energy"),
               "xi": da(inp.xi, ("xi",), "meV", "energy relative to E_F"),
               "smearing": da([1.0], ("smearing",), "meV", "electron-phonon smearing")})
    ds.attrs["title"] = f"SYNTHETIC model input ({inp.name}), not first-principles"
    ds.attrs["metal"] = inp.name
    return ds
