"""Figures 2 and 3 of paper 000 from the ingested series, fits and model curves."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import xarray as xr

from .fitting import dtc_law
from .records import Series


# --------------------------------------------------------------------------- figures
FIG2_PANELS = {
    "a": dict(title="(a) all series, Fig. 2(a)", materials=None, xlog=True, ylog=False),
    "b": dict(title="(b) In, log-log", materials=("In",), xlog=True, ylog=True),
    "c": dict(title="(c) Al-O, log-log", materials=("Al-O",), xlog=True, ylog=True),
    "d": dict(title="(d) Nb, V$_3$Si, semi-log", materials=("Nb", "V3Si"), xlog=True, ylog=False),
    "e": dict(title="(e) ref. [25]", materials=(), xlog=True, ylog=False),
}


#: fit parameters of Eqs. 19-20 in math mode
_SYM = {"s": "s", "t1": "t_1", "t2": "t_2"}


def _pm(v: float, e: float) -> str:
    """Value and standard error as printed in legends."""
    return f"{v:.3g} $\\pm$ {e:.1g}"


def _note(ax, text, y=0.5, colour="0.3"):
    ax.text(0.5, y, text, transform=ax.transAxes, ha="center", va="center", fontsize=6.5,
            color=colour, wrap=True)


def _overlay(ax, model: Mapping, keys, label_prefix="distorted-lattice model", xscale=None, xlim=None) -> bool:
    done = False
    for k, ls in zip(keys, ("-", "--")):
        if k in model:
            x, y = model[k]
            m = np.isfinite(x) & np.isfinite(y)
            if xscale == "log":
                m &= x > 0
            if xlim is not None:
                m &= (x >= xlim[0]) & (x <= xlim[1])
            ax.plot(x[m], y[m], ls, color="0.4", lw=1.0, label=f"{label_prefix}: {k.split('_')[-1]}")
            done = True
    return done


def _errorbar(ax, s: Series, **kw):
    ax.errorbar(s.x, s.y, xerr=s.sigma_x, yerr=s.sigma_y, fmt="o", ms=3, lw=0.8, capsize=0, **kw)


def plot_fig2(series: Sequence[Series], fits: Mapping[str, xr.Dataset], material: Mapping[str, str],
              awaiting: Sequence[str], model: Mapping, synthetic: bool, path) -> None:
    """Fig. 2 of paper 000: dTc/Tc0 versus drho0/rho0 with the Eq. 19/20 fits.

    ``series``: the dTc_drho series with data; ``fits``: group -> fit dataset;
    ``material``: group -> material; ``awaiting``: ids of series without data;
    ``model``: :func:`read_model_curves` output.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    from ..plotting import savefig, stamp_synthetic
    fig, axes = plt.subplots(2, 3, figsize=(11, 6.5))
    axes = dict(zip("abcdef", axes.ravel()))
    colours = {s.id: f"C{i % 10}" for i, s in enumerate(series)}
    for key, spec in FIG2_PANELS.items():
        ax = axes[key]
        mats = spec["materials"]
        sel = [s for s in series if mats is None or material[s.group] in mats]
        for s in sel:
            c = colours[s.id]
            lab = s.meta.get("source", {}).get("series") or s.name
            _errorbar(ax, s, color=c, label=lab[:38])
            f = fits.get(s.group)
            cls = s.meta.get("class")
            pre = f"{s.name}__"
            if f is not None and f"{pre}chi2_red" in f:
                names = ["s"] if cls == "weak" else ["t1", "t2"]
                p = {n: float(f[pre + n]) for n in names}
                xx = np.geomspace(max(np.min(s.x), 1e-3) * 0.8, np.max(s.x) * 1.2, 100)
                par = ", ".join(f"${_SYM[n]}$ = {_pm(p[n], float(f[pre + n + '_stderr']))}" for n in names)
                ax.plot(xx, dtc_law(xx, p, cls), "-", color=c, lw=0.9,
                        label=None if key == "a" else f"Eq. {'19' if cls == 'weak' else '20'}: {par}")
        keys = {"b": ("dtc_weak",), "c": ("dtc_weak",), "d": ("dtc_strong",)}.get(key, ("dtc_weak", "dtc_strong"))
        xlim = None
        if sel:
            xlim = (min(float(np.min(s.x)) for s in sel) / 1.5, max(float(np.max(s.x)) for s in sel) * 1.5)
        ov = _overlay(ax, model, keys, xscale="log", xlim=xlim)
        if not sel:
            wait = [a for a in awaiting if mats is None or any(a.startswith(g) for g in
                                                                 [g for g, m in material.items() if m in mats])]
            msg = "no data record yet"
            if key == "e":
                msg = "no data set registered\n(ref. [25]: outside the four data sets)"
            elif wait:
                msg += f"\nawaiting source figure: {len(wait)} series"
            msg += "\nmodel curve only" if ov else "\nmodel curves not available (defectal rule absent)"
            _note(ax, msg, y=0.5)
        if spec["xlog"]:
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())     # decade labels only
        if spec["ylog"] and sel and all(np.all(s.y > 0) for s in sel):
            ax.set_yscale("log")
            ax.yaxis.set_minor_formatter(NullFormatter())
        title = spec["title"]
        if spec["ylog"] and ax.get_yscale() != "log":   # no positive data to draw on a log y axis
            title = title.replace("log-log", "log x (no data for a log y axis)")
        ax.set(xlabel=r"$\delta\rho_0/\rho_0^\circ$", ylabel=r"$\delta T_c/T_c^\circ$", title=title)
        ax.axhline(0, color="0.7", lw=0.5)
        if sel or ov:
            ax.legend(fontsize=5, loc="best")
        if synthetic:
            stamp_synthetic(ax)
    axes["f"].axis("off")
    _note(axes["f"], ("Weak coupling (Eq. 19): $\\delta T_c/T_c^\\circ = s\\,x$\n"
                      "Strong coupling (Eq. 20): $\\delta T_c/T_c^\\circ = -t_1 x - t_2 x^2$\n"
                      "$x = \\delta\\rho_0/\\rho_0^\\circ$; fits weighted by the propagated\n"
                      "pick uncertainty (standard errors in parentheses)"), y=0.6, colour="k")
    fig.suptitle(("SYNTHETIC DATA -- " if synthetic else "") + "paper 000, Fig. 2: "
                 r"$\delta T_c/T_c^\circ$ vs $\delta\rho_0/\rho_0^\circ$", fontsize=10)
    if synthetic:
        stamp_synthetic(axes["f"])             # the notes panel; the suptitle says it too
    savefig(fig, path)


def plot_fig3(series: Sequence[Series], fits: Mapping[str, xr.Dataset], material: Mapping[str, str],
              awaiting: Sequence[str], model: Mapping, synthetic: bool, path) -> None:
    """Fig. 3 of paper 000: (a) V3Si rho(T) fits and correlations, (b) In correlations, (c) Tc-A."""
    import matplotlib.pyplot as plt
    from ..plotting import savefig, stamp_synthetic
    fig, axs = plt.subplots(4, 4, figsize=(13, 11.5))
    axs = axs.ravel()
    names = [f"a.{i}" for i in range(1, 11)] + ["b.1", "b.2", "b.3", "c"]
    ax_of = dict(zip(names, axs))
    axs[-2].axis("off")
    axs[-1].axis("off")
    grp_a = [g for g, m in material.items() if m == "V3Si" and any(s.group == g and s.meta["role"] == "rho_T"
                                                                    for s in series)]
    grp_b = [g for g, m in material.items() if m == "In" and any(s.group == g and s.meta["role"] in
                                                                  ("A_rho0", "Tc_rho0", "lnTc_Ainvsqrt")
                                                                  for s in series)]
    fa = fits.get(grp_a[0]) if grp_a else None
    ga = grp_a[0] if grp_a else None
    gb = grp_b[0] if grp_b else None
    fb = fits.get(gb) if gb else None
    has = set()

    def role(g, r):
        return [s for s in series if s.group == g and s.meta["role"] == r]

    # a.1-a.4 rho(T) with fits
    curves = sorted(role(ga, "rho_T"), key=lambda s: -s.meta["params_canonical"].get("fluence", 0)) if ga else []
    for i, s in enumerate(curves[:4]):
        ax = ax_of[f"a.{i + 1}"]
        _errorbar(ax, s, color="k", label="points")
        if fa is not None and "curve" in fa.dims:
            j = list(fa["curve"].values).index(s.name)
            ax.plot(fa["T_model"][j], fa["rho_model"][j], "r-", lw=1,
                    label=(f"fit: $\\rho_0$ = {float(fa['rho0'][j]):.3g} µΩ cm,\n"
                           f"$A$ = {float(fa['A'][j]):.3g} µΩ cm/K$^2$,\n"
                           f"$\\beta$ = {float(fa['beta'][j]):.3g} µΩ cm/K$^5$"))
        flu = s.meta["params_canonical"].get("fluence", np.nan)
        ax.set(xlabel="T (K)", ylabel=r"$\rho$ ($\mu\Omega$ cm)",
               title=f"(a.{i + 1}) V$_3$Si, {flu / 1e18:g}$\\times 10^{{18}}$ n/cm$^2$")
        ax.legend(fontsize=5)
        has.add(f"a.{i + 1}")
    if fa is not None and "curve" in fa.dims:
        flu = fa["fluence"].values / 1e18
        for key, var, lab in (("a.6", "A", r"A ($\mu\Omega$ cm/K$^2$)"), ("a.7", "rho0", r"$\rho_0$ ($\mu\Omega$ cm)")):
            ax = ax_of[key]
            ax.errorbar(flu, fa[var], yerr=fa[f"{var}_stderr"], fmt="s", ms=4, color="C0", label=r"from $\rho(T)$ fits")
            sym = {"A": "$A$", "rho0": r"$\rho_0$"}[var]
            ax.set(xlabel=r"fluence ($10^{18}$ n/cm$^2$)", ylabel=lab, title=f"({key}) {sym} vs fluence")
            has.add(key)
        ax = ax_of["a.8"]
        ax.errorbar(fa["rho0"], fa["A"], xerr=fa["rho0_stderr"], yerr=fa["A_stderr"], fmt="s", ms=4, label="fits")
        if "A_rho0_A0" in fa:
            rr = np.linspace(0, float(fa["rho0"].max()) * 1.1, 100)
            p = [float(fa[f"A_rho0_{n}"]) for n in ("A0", "A1", "A2")]
            ax.plot(rr, p[0] + p[1] * rr + p[2] * rr**2, "r-", lw=1,
                    label=(f"$A_0$ = {p[0]:.3g} µΩ cm/K$^2$, $A_1$ = {p[1]:.3g} K$^{{-2}}$,\n"
                           f"$A_2$ = {p[2]:.3g} (µΩ cm)$^{{-1}}$ K$^{{-2}}$"))
        ax.set(xlabel=r"$\rho_0$ ($\mu\Omega$ cm)", ylabel=r"A ($\mu\Omega$ cm/K$^2$)",
               title=r"(a.8) $A$ vs $\rho_0$ (quadratic)")
        has.add("a.8")
        ax = ax_of["a.9"]
        ax.errorbar(fa["rho0"], fa["Tc"], xerr=fa["rho0_stderr"], yerr=fa["Tc_stderr"], fmt="s", ms=4)
        ax.set(xlabel=r"$\rho_0$ ($\mu\Omega$ cm)", ylabel=r"$T_c$ (K)", title=r"(a.9) $T_c$ vs $\rho_0$")
        has.add("a.9")
        ax = ax_of["a.10"]
        A, sA = fa["A"].values, fa["A_stderr"].values
        ok = A > 0
        ax.errorbar(A[ok] ** -0.5, np.log(fa["Tc"].values[ok]), xerr=0.5 * A[ok] ** -1.5 * sA[ok],
                    yerr=(fa["Tc_stderr"] / fa["Tc"]).values[ok], fmt="s", ms=4)
        if "TcA_theta" in fa:
            xx = np.linspace(0, np.nanmax(A[ok] ** -0.5) * 1.1, 50)
            th, F = float(fa["TcA_theta"]), float(fa["TcA_F"])
            ax.plot(xx, np.log(th) - F * xx, "r-", lw=1,
                    label=(f"$\\theta$ = {_pm(th, float(fa['TcA_theta_stderr']))} K\n"
                           f"$F$ = {_pm(F, float(fa['TcA_F_stderr']))} (µΩ cm)$^{{1/2}}$/K"))
            ax.legend(fontsize=5)
        ax.set(xlabel=r"$A^{-1/2}$ ((µΩ cm/K$^2$)$^{-1/2}$)", ylabel=r"$\ln(T_c/1\,\mathrm{K})$",
               title=r"(a.10) $\ln T_c$ vs $A^{-1/2}$")
        has.add("a.10")
    for s in role(ga, "Tc_fluence") if ga else []:
        ax = ax_of["a.5"]
        ax.errorbar(s.x / 1e18, s.y, xerr=s.sigma_x / 1e18, yerr=s.sigma_y, fmt="o", ms=4)
        ax.set(xlabel=r"fluence ($10^{18}$ n/cm$^2$)", ylabel=r"$T_c$ (K)", title=r"(a.5) $T_c$ vs fluence")
        has.add("a.5")
    # digitized derived panels (a.6-a.10 read off the paper), if present: overlay
    for r, key in (("A_fluence", "a.6"), ("rho0_fluence", "a.7"), ("A_rho0", "a.8"), ("Tc_rho0", "a.9"),
                   ("lnTc_Ainvsqrt", "a.10")):
        for s in role(ga, r) if ga else []:
            xs = s.x / 1e18 if s.xq == "fluence" else s.x
            ax_of[key].plot(xs, s.y, "x", color="C3", label="digitized panel")
            has.add(key)
    # (b) In
    if gb:
        for r, key, xl, yl in (("A_rho0", "b.1", r"$\rho_0$ ($\mu\Omega$ cm)", r"A ($\mu\Omega$ cm/K$^2$)"),
                               ("Tc_rho0", "b.2", r"$\rho_0$ ($\mu\Omega$ cm)", r"$T_c$ (K)"),
                               ("lnTc_Ainvsqrt", "b.3", r"$A^{-1/2}$ ((µΩ cm/K$^2$)$^{-1/2}$)",
                                r"$\ln(T_c/1\,\mathrm{K})$")):
            ax = ax_of[key]
            for s in role(gb, r):
                _errorbar(ax, s, color="k", label="points")
                has.add(key)
                xx = np.linspace(np.min(s.x) * 0.9, np.max(s.x) * 1.05, 100)
                if r == "A_rho0" and fb is not None and "A_rho0_A0" in fb:
                    p = [float(fb[f"A_rho0_{n}"]) for n in ("A0", "A1", "A2")]
                    ax.plot(xx, p[0] + p[1] * xx + p[2] * xx**2, "r-", lw=1,
                            label=(f"$A_0$ = {p[0]:.3g} µΩ cm/K$^2$, $A_1$ = {p[1]:.3g} K$^{{-2}}$,\n"
                           f"$A_2$ = {p[2]:.3g} (µΩ cm)$^{{-1}}$ K$^{{-2}}$"))
                if r == "Tc_rho0" and fb is not None and "lnTc_invrho0_c0" in fb:
                    c0, c1 = float(fb["lnTc_invrho0_c0"]), float(fb["lnTc_invrho0_c1"])
                    ax.plot(xx, np.exp(c0 - c1 / xx), "r--", lw=1, label=f"$\\ln T_c$ = {c0:.3g} $-$ {c1:.3g}/$\\rho_0$")
                if r == "lnTc_Ainvsqrt" and fb is not None and "TcA_theta" in fb:
                    th, F = float(fb["TcA_theta"]), float(fb["TcA_F"])
                    ax.plot(xx, np.log(th) - F * xx, "r-", lw=1,
                            label=(f"$\\theta$ = {_pm(th, float(fb['TcA_theta_stderr']))} K\n"
                           f"$F$ = {_pm(F, float(fb['TcA_F_stderr']))} (µΩ cm)$^{{1/2}}$/K"))
                ax.legend(fontsize=5)
            ax.set(xlabel=xl, ylabel=yl, title=f"({key}) In, implanted at 2 K")
    # panels without data: only those whose axes a model curve shares (ln Tc vs A^-1/2),
    # each saying which source awaits digitization; the other empty panels are not drawn
    model_keys = {"a.10": ("lntc_weak", "lntc_strong"), "b.3": ("lntc_weak", "lntc_strong"),
                  "c": ("lntc_weak", "lntc_strong")}
    source = {"a": "paper 000 ref. [29] (V$_3$Si)", "b": "paper 000 ref. [10] (In)",
              "c": "paper 000 ref. [26] (no data set registered)"}
    drawn = []
    for key in names:
        ax = ax_of[key]
        if key in has:
            drawn.append(key)
            if synthetic:
                stamp_synthetic(ax)
            continue
        if key not in model_keys or not _overlay(ax, model, model_keys[key]):
            continue
        drawn.append(key)
        ax.axis("on")
        ax.text(0.03, 0.04, f"awaiting digitization:\n{source[key[0]]}\nmodel curves only (model units)",
                transform=ax.transAxes, ha="left", va="bottom", fontsize=6.5, color="0.3")
        ax.set_title(f"({key})")
        ax.legend(loc="upper right")
        ax.set(xlabel=r"$A^{-1/2}$ (model $A_{\rm unit}^{-1/2}$)", ylabel=r"$\ln(T_c/1\,\mathrm{K})$ (model)")
    if not drawn:                                  # no record and no model curve at all
        drawn = ["c"]
        ax_of["c"].axis("off")
        _note(ax_of["c"], "no data record and no model curve for any panel\n"
                          f"awaiting digitization: {source['a']}, {source['b']}")
    ncol = 4
    nrow = -(-len(drawn) // ncol)
    gs = fig.add_gridspec(nrow, ncol)
    for i, key in enumerate(drawn):
        ax_of[key].set_subplotspec(gs[i])
    for key in set(names) - set(drawn):
        fig.delaxes(ax_of[key])
    for ax in axs[len(names):]:
        fig.delaxes(ax)
    fig.set_size_inches(13, 2.9 * nrow + 0.6)
    missing = [k for k in names if k not in drawn]
    fig.suptitle(("SYNTHETIC DATA -- " if synthetic else "") +
                 "paper 000, Fig. 3: (a) V$_3$Si neutron-irradiated [29], (b) In implanted at 2 K [10], "
                 "(c) $T_c$-$A$ [26]" + (f"\npanels not drawn (no data record, no model curve): "
                                    f"{', '.join(missing)}" if missing else ""), fontsize=9)
    savefig(fig, path)
