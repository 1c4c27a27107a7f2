"""Fit laws of paper 000, per-group analysis, fit tables and the defectal model curves."""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import xarray as xr

from ..errors import InputError
from ..io import da, sigint_deferred
from .records import SYNTHETIC_TAG, Series


# --------------------------------------------------------------------------- fitting
@dataclass
class LinearFit:
    """Result of :func:`fit_linear_model`."""

    names: list[str]
    params: np.ndarray
    cov: np.ndarray
    chi2: float
    dof: int
    inflated: bool

    @property
    def errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))

    @property
    def chi2_red(self) -> float:
        return self.chi2 / self.dof if self.dof > 0 else float("nan")

    def value(self, name: str) -> tuple[float, float]:
        i = self.names.index(name)
        return float(self.params[i]), float(self.errors[i])


def fit_linear_model(basis, dbasis, x, y, sigma_x, sigma_y, names: Sequence[str],
                     n_iter: int = 6, inflate: bool = True) -> LinearFit:
    """Weighted least squares y = sum_k p_k basis(x)[k] with x and y errors.

    Parameters
    ----------
    basis, dbasis : callable
        ``basis(x)`` -> (n, k) design matrix, ``dbasis(x)`` its x-derivative.
    sigma_x, sigma_y : array
        One-sigma uncertainties; the effective variance
        sigma_y^2 + (f'(x) sigma_x)^2 is iterated ``n_iter`` times.
    inflate : bool
        Multiply the covariance by chi2/dof when that exceeds 1.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    sx = np.broadcast_to(np.asarray(sigma_x, float), x.shape)
    sy = np.broadcast_to(np.asarray(sigma_y, float), y.shape)
    X = basis(x)
    k = X.shape[1]
    if len(x) < k:
        raise ValueError(f"{len(x)} points for {k} parameters")
    if np.any(sy <= 0) and np.all(sx <= 0):
        raise ValueError("uncertainties must be positive")
    p = np.linalg.lstsq(X, y, rcond=None)[0]
    for _ in range(max(1, n_iter)):
        slope = dbasis(x) @ p
        s = np.sqrt(sy**2 + (slope * sx) ** 2)
        s = np.where(s > 0, s, np.min(s[s > 0]) if np.any(s > 0) else 1.0)
        W = X / s[:, None]
        p, *_ = np.linalg.lstsq(W, y / s, rcond=None)
    cov = np.linalg.inv(W.T @ W)
    chi2 = float((((y - X @ p) / s) ** 2).sum())
    dof = len(x) - k
    infl = bool(inflate and dof > 0 and chi2 / dof > 1.0)
    if infl:
        cov = cov * (chi2 / dof)
    return LinearFit(list(names), p, cov, chi2, dof, infl)


def fit_rho_T(T, rho, sigma_T, sigma_rho, tmin=None, tmax=None) -> LinearFit:
    """rho(T) = rho0 + beta T^5 + A T^2 (caption of Fig. 3 of paper 000).

    Units: T in K, rho in uOhm cm -> rho0 uOhm cm, beta uOhm cm/K^5, A uOhm cm/K^2.
    ``tmin``/``tmax`` restrict the fit window (e.g. above Tc, below the
    range where the low-T expansion holds).
    """
    T = np.asarray(T, float)
    m = np.ones_like(T, bool)
    if tmin is not None:
        m &= T >= tmin
    if tmax is not None:
        m &= T <= tmax
    return fit_linear_model(
        lambda t: np.column_stack([np.ones_like(t), t**5, t**2]),
        lambda t: np.column_stack([np.zeros_like(t), 5 * t**4, 2 * t]),
        T[m], np.broadcast_to(np.asarray(rho, float), T.shape)[m],
        np.broadcast_to(np.asarray(sigma_T, float), T.shape)[m],
        np.broadcast_to(np.asarray(sigma_rho, float), T.shape)[m],
        ["rho0", "beta", "A"])


def fit_quadratic(x, y, sx, sy, names=("c0", "c1", "c2")) -> LinearFit:
    """y = c0 + c1 x + c2 x^2 (A versus rho0, Sec. II.B of paper 000)."""
    return fit_linear_model(lambda t: np.column_stack([np.ones_like(t), t, t**2]),
                            lambda t: np.column_stack([np.zeros_like(t), np.ones_like(t), 2 * t]),
                            x, y, sx, sy, names)


def fit_tc_a(a_inv_sqrt, ln_tc, sx, sy) -> LinearFit:
    """ln Tc = ln(theta) - F A^(-1/2)  (Tc = theta exp(-F/sqrt A), Eq. 39).

    Parameters ``ln_theta`` (theta in K) and ``F`` (uOhm^1/2 cm^1/2 / K).
    """
    return fit_linear_model(lambda t: np.column_stack([np.ones_like(t), -t]),
                            lambda t: np.column_stack([np.zeros_like(t), -np.ones_like(t)]),
                            a_inv_sqrt, ln_tc, sx, sy, ["ln_theta", "F"])


def fit_ln_tc_inv_rho0(inv_rho0, ln_tc, sx, sy) -> LinearFit:
    """ln Tc = c0 - c1/rho0 (inset of Fig. 3 b.2)."""
    return fit_linear_model(lambda t: np.column_stack([np.ones_like(t), -t]),
                            lambda t: np.column_stack([np.zeros_like(t), -np.ones_like(t)]),
                            inv_rho0, ln_tc, sx, sy, ["c0", "c1"])


def fit_dtc_law(x, y, sx, sy, cls: str) -> LinearFit:
    """delta Tc/Tc0 versus delta rho0/rho0.

    weak (Eq. 19): y = s x;  strong (Eq. 20): y = -t1 x - t2 x^2.
    """
    if cls == "weak":
        return fit_linear_model(lambda t: t[:, None], lambda t: np.ones_like(t)[:, None],
                                x, y, sx, sy, ["s"])
    if cls == "strong":
        return fit_linear_model(lambda t: np.column_stack([-t, -t**2]),
                                lambda t: np.column_stack([-np.ones_like(t), -2 * t]),
                                x, y, sx, sy, ["t1", "t2"])
    raise ValueError(f"class must be 'weak' or 'strong', got {cls!r}")


def dtc_law(x, params: Mapping, cls: str):
    """Evaluate Eq. 19 (weak) or Eq. 20 (strong)."""
    x = np.asarray(x, float)
    if cls == "weak":
        return params["s"] * x
    return -params["t1"] * x - params["t2"] * x**2


def rho_T_model(T, rho0, beta, A):
    """rho0 + beta T^5 + A T^2."""
    T = np.asarray(T, float)
    return rho0 + beta * T**5 + A * T**2


# --------------------------------------------------------------------------- analysis
PARAM_UNITS = {
    "rho0": "uohm cm", "beta": "uohm cm K-5", "A": "uohm cm K-2",
    "A0": "uohm cm K-2", "A1": "K-2", "A2": "uohm-1 cm-1 K-2",
    "ln_theta": "1", "theta": "K", "F": "(uohm cm)^0.5 K-1",
    "s": "1", "t1": "1", "t2": "1", "c0": "1", "c1": "uohm cm",
}
PARAM_LONG = {
    "rho0": "residual resistivity rho0", "beta": "Bloch-Grueneisen coefficient beta (T^5)",
    "A": "Fermi-liquid coefficient A (T^2)", "A0": "A(rho0) constant term",
    "A1": "A(rho0) linear coefficient", "A2": "A(rho0) quadratic coefficient",
    "ln_theta": "ln(theta/K) of Tc = theta exp(-F/sqrt A)", "theta": "prefactor theta of Tc = theta exp(-F/sqrt A)",
    "F": "F of Tc = theta exp(-F/sqrt A)", "s": "weak-coupling slope s of Eq. 19",
    "t1": "strong-coupling t1 of Eq. 20", "t2": "strong-coupling t2 of Eq. 20",
    "c0": "intercept of ln Tc versus 1/rho0", "c1": "slope magnitude of ln Tc versus 1/rho0",
}


def _scalar(name, value, err, prefix=""):
    return {
        f"{prefix}{name}": da(value, (), PARAM_UNITS[name], PARAM_LONG[name]),
        f"{prefix}{name}_stderr": da(err, (), PARAM_UNITS[name], f"standard error of {prefix}{name}"),
    }


def _fit_vars(fit: LinearFit, prefix: str) -> dict:
    out = {}
    for n in fit.names:
        out.update(_scalar(n, *fit.value(n), prefix=prefix))
    out[f"{prefix}chi2_red"] = da(fit.chi2_red, (), "1", f"reduced chi-square of the {prefix.rstrip('_')} fit")
    out[f"{prefix}dof"] = da(fit.dof, (), "1", f"degrees of freedom of the {prefix.rstrip('_')} fit")
    return out


def _theta_vars(fit: LinearFit, prefix: str) -> dict:
    out = _fit_vars(fit, prefix)
    lt, e = fit.value("ln_theta")
    out.update(_scalar("theta", np.exp(lt), np.exp(lt) * e, prefix))
    return out


def analyse_group(series: Sequence[Series], analysis: str, options: Mapping | None = None) -> xr.Dataset:
    """Fit one group of series (see module docstring); returns a CF dataset.

    ``analysis``: 'rho_T_fluence' (Fig. 3a), 'correlations' (Fig. 3b) or
    'dtc_law' (Fig. 2).  ``options``: ``rho_T_tmax_K`` (upper end of the
    rho(T) fit window), ``rho_T_tc_margin_K`` (lower end = Tc + margin),
    ``model_points`` (points of the fitted curves).
    """
    options = dict(options or {})
    n_model = int(options.get("model_points", 200))
    series = [s for s in series if s.has_data]
    by_role: dict[str, list[Series]] = {}
    for s in series:
        by_role.setdefault(s.meta["role"], []).append(s)
    out: dict[str, xr.DataArray] = {}
    notes = []
    if analysis == "rho_T_fluence":
        curves = sorted(by_role.get("rho_T", []), key=lambda s: s.meta["params_canonical"].get("fluence", 0.0))
        tcs = by_role.get("Tc_fluence", [])
        tcser = tcs[0] if tcs else None
        if curves:
            flu = np.array([c.meta["params_canonical"].get("fluence", np.nan) for c in curves])
            tc = np.full(len(curves), np.nan)
            stc = np.full(len(curves), np.nan)
            if tcser is not None:
                # Match each curve to the Tc point of the nearest fluence.
                scale = max(float(np.nanmax(np.abs(tcser.x))), 1.0)
                for i, f in enumerate(flu):
                    j = int(np.argmin(np.abs(tcser.x - f)))
                    if abs(tcser.x[j] - f) <= 0.05 * scale:
                        tc[i], stc[i] = tcser.y[j], tcser.sigma_y[j]
            fits = []
            tmax = options.get("rho_T_tmax_K")
            margin = float(options.get("rho_T_tc_margin_K", 0.5))
            for c, t in zip(curves, tc):
                tmin = t + margin if np.isfinite(t) else None
                fits.append(fit_rho_T(c.x, c.y, c.sigma_x, c.sigma_y, tmin=tmin, tmax=tmax))
            cid = [c.name for c in curves]
            def arr(name, k):
                return np.array([f.value(name)[k] for f in fits])
            out["curve"] = da(np.array(cid, dtype=object), ("curve",), "1", "series id of the rho(T) curve")
            out["fluence"] = da(flu, ("curve",), "cm-2", "irradiation fluence of the curve (particles per area)")
            for n in ("rho0", "beta", "A"):
                out[n] = da(arr(n, 0), ("curve",), PARAM_UNITS[n], PARAM_LONG[n] + " (fit of rho(T))")
                out[f"{n}_stderr"] = da(arr(n, 1), ("curve",), PARAM_UNITS[n], f"standard error of {n}")
            out["rho_T_chi2_red"] = da(np.array([f.chi2_red for f in fits]), ("curve",), "1",
                                       "reduced chi-square of the rho(T) fit")
            out["Tc"] = da(tc, ("curve",), "K", "Tc of the curve (from the Tc-versus-fluence series)")
            out["Tc_stderr"] = da(stc, ("curve",), "K", "uncertainty of Tc")
            tgrid = np.stack([np.linspace(max(0.0, np.min(c.x)), np.max(c.x), n_model) for c in curves])
            out["T_model"] = da(tgrid, ("curve", "model_point"), "K", "temperature grid of the fitted curve")
            out["rho_model"] = da(np.stack([rho_T_model(tg, *f.params) for tg, f in zip(tgrid, fits)]),
                                  ("curve", "model_point"), "uohm cm", "fitted rho0 + beta T^5 + A T^2")
            A, sA = arr("A", 0), arr("A", 1)
            r0, sr0 = arr("rho0", 0), arr("rho0", 1)
            if len(curves) >= 4:
                q = fit_quadratic(r0, A, sr0, sA, ("A0", "A1", "A2"))
                out.update(_fit_vars(q, "A_rho0_"))
            else:
                notes.append("A(rho0) quadratic needs >= 4 curves")
            ok = np.isfinite(tc) & (A > 0)
            if ok.sum() >= 3:
                xa = A[ok] ** -0.5
                sxa = 0.5 * A[ok] ** -1.5 * sA[ok]
                f = fit_tc_a(xa, np.log(tc[ok]), sxa, stc[ok] / tc[ok])
                out.update(_theta_vars(f, "TcA_"))
            else:
                notes.append("ln Tc versus A^-1/2 needs >= 3 curves with Tc")
    elif analysis == "correlations":
        if by_role.get("A_rho0"):
            s = by_role["A_rho0"][0]
            q = fit_quadratic(s.x, s.y, s.sigma_x, s.sigma_y, ("A0", "A1", "A2"))
            out.update(_fit_vars(q, "A_rho0_"))
        if by_role.get("Tc_rho0"):
            s = by_role["Tc_rho0"][0]
            f = fit_ln_tc_inv_rho0(1.0 / s.x, np.log(s.y), s.sigma_x / s.x**2, s.sigma_y / s.y)
            out.update(_fit_vars(f, "lnTc_invrho0_"))
        if by_role.get("lnTc_Ainvsqrt"):
            s = by_role["lnTc_Ainvsqrt"][0]
            f = fit_tc_a(s.x, s.y, s.sigma_x, s.sigma_y)
            out.update(_theta_vars(f, "TcA_"))
    elif analysis == "dtc_law":
        for s in by_role.get("dTc_drho", []):
            cls = s.meta.get("class")
            if cls not in ("weak", "strong"):
                raise InputError(s.record_path, "class", "a dTc_drho series needs class 'weak' or 'strong'")
            f = fit_dtc_law(s.x, s.y, s.sigma_x, s.sigma_y, cls)
            out.update(_fit_vars(f, f"{s.name}__"))
    else:
        raise ValueError(f"unknown analysis {analysis!r}")
    ds = xr.Dataset(out)
    ds.attrs["analysis"] = analysis
    ds.attrs["series_ids"] = json.dumps([s.id for s in series])
    ds.attrs["notes"] = "; ".join(notes)
    return ds


def fit_rows(ds: xr.Dataset, group: str, synthetic: bool) -> list[dict]:
    """Flatten a fit dataset into table rows (parameter, value, stderr, unit)."""
    rows = []
    for name, v in ds.data_vars.items():
        if name.endswith("_stderr") or name.endswith("_chi2_red") or name.endswith("_dof"):
            continue
        if name in ("curve", "fluence", "Tc", "T_model", "rho_model", "rho_T_chi2_red"):
            continue
        err = ds.get(f"{name}_stderr")
        if v.ndim == 0:
            chi = ds.get(_chi_name(name))
            rows.append(dict(group=group, fit=_fit_label(name), item="", parameter=_pname(name),
                             value=float(v), stderr=float(err) if err is not None else float("nan"),
                             unit=v.attrs["units"],
                             chi2_red=float(chi) if chi is not None else float("nan"),
                             synthetic=synthetic))
        elif v.dims == ("curve",):
            for i, c in enumerate(ds["curve"].values):
                rows.append(dict(group=group, fit="rho(T) = rho0 + beta T^5 + A T^2", item=str(c),
                                 parameter=name, value=float(v[i]),
                                 stderr=float(err[i]) if err is not None else float("nan"),
                                 unit=v.attrs["units"], chi2_red=float(ds["rho_T_chi2_red"][i]),
                                 synthetic=synthetic))
    return rows


_PREFIXES = {"A_rho0_": "A(rho0) = A0 + A1 rho0 + A2 rho0^2",
             "TcA_": "ln Tc = ln theta - F A^-1/2",
             "lnTc_invrho0_": "ln Tc = c0 - c1/rho0"}


def _split(name: str) -> tuple[str, str]:
    if "__" in name:
        a, b = name.split("__", 1)
        return a + "__", b
    for p in _PREFIXES:
        if name.startswith(p):
            return p, name[len(p):]
    return "", name


def _fit_label(name):
    p, _ = _split(name)
    if p.endswith("__"):
        return f"dTc/Tc0 law ({p[:-2]})"
    return _PREFIXES.get(p, p)


def _pname(name):
    return _split(name)[1]


def _chi_name(name):
    return _split(name)[0] + "chi2_red"


# --------------------------------------------------------------------------- model curves
def read_model_curves(path: str | Path | None) -> dict:
    """Model curves of the defectal model (``results/defectal/model_curves.nc``).

    Uses the variables documented in :func:`scimodel.defectal.products.model_curves`,
    per coupling class ``c`` in (weak, strong):

    * ``dtc_<c>``:  (``drho_<c>``, ``dTc_over_Tc0_<c>``) -- delta Tc/Tc0 vs delta rho0/rho0
    * ``A_<c>``:    (``drho_<c>``, ``A_<c>``) -- A vs delta rho0/rho0, in the model's ``A_unit``
    * ``lntc_<c>``: (``A_inv_sqrt_<c>``, ``lnTc_<c>``) -- ln Tc vs A^(-1/2) (model units)

    Returns a dict of (x, y) arrays for whatever the file holds; no file -> {}.
    The key ``A_unit`` carries the model's unit of A when present.
    """
    if not path or not Path(path).exists():
        return {}
    with sigint_deferred(), xr.open_dataset(path) as ds:
        ds = ds.load()
    out: dict = {}
    for c in ("weak", "strong"):
        pairs = {f"dtc_{c}": (f"drho_{c}", f"dTc_over_Tc0_{c}"),
                 f"A_{c}": (f"drho_{c}", f"A_{c}"),
                 f"lntc_{c}": (f"A_inv_sqrt_{c}", f"lnTc_{c}")}
        for key, (xn, yn) in pairs.items():
            if xn in ds.variables and yn in ds.variables:
                x = np.asarray(ds[xn].values, float)
                y = np.asarray(ds[yn].values, float)
                if x.shape == y.shape:
                    out[key] = (x, y)
    if "A_unit" in ds.attrs:
        out["A_unit"] = str(ds.attrs["A_unit"])
    return out


# --------------------------------------------------------------------------- fit tables
def fit_table(fits: Mapping[str, xr.Dataset], synthetic: bool) -> tuple[str, str]:
    """CSV and Markdown text of all fit parameters (value, standard error, unit, chi2/dof)."""
    import io as _io
    from tabulate import tabulate
    rows = []
    for g in sorted(fits):
        rows += fit_rows(fits[g], g, synthetic)
    cols = ["group", "fit", "item", "parameter", "value", "stderr", "unit", "chi2_red", "synthetic"]
    buf = _io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: (f"{r[k]:.6g}" if isinstance(r[k], float) else r[k]) for k in cols})
    head = (f"**{SYNTHETIC_TAG} DATA** -- pipeline demonstration, not literature values.\n\n"
            if synthetic else "Fits to literature digitizations (paper 000, Figs. 2-3).\n\n")
    if rows:
        md = tabulate([[r[k] for k in cols[:-1]] for r in rows], headers=cols[:-1], tablefmt="github",
                      floatfmt=".4g")
    else:
        md = "No data record with data yet (all series 'awaiting source figure')."
    return buf.getvalue(), head + md + "\n"
