"""Figures of the defectal model (paper 000 Figs. 1 j,k, 4 a,b, 5 g,h and Tc-A).

Each function reads the datasets of :mod:`.products` and writes one PNG.
Model curves only: no literature data (literature data are ingested by the datasets rules).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import xarray as xr

from ..plotting import plt, savefig

CLASS_STYLE = {"weak": dict(color="C0"), "strong": dict(color="C3")}


def _style(c):
    return CLASS_STYLE.get(c, {})


def fig1jk(ds: xr.Dataset, path, dilate: int = 11) -> None:
    """Pristine (j) and distorted (k) Fraunhofer patterns, and the line-profile check.

    Both images are shown after a ``dilate`` x ``dilate`` maximum filter (display
    only), otherwise the one-pixel spots of the pristine lattice are invisible."""
    # two constrained-layout subfigures (images + colour bar | profile) keep the (k) y
    # label, the colour bar and its label clear of the neighbouring panels (they
    # overlapped with the default layout)
    fig = plt.figure(figsize=(7.0, 2.8), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=[2.15, 1.0], wspace=0.03)
    axes = list(left.subplots(1, 2)) + [right.subplots()]
    k = ds.kx.values
    ext = [k[0], k[-1], k[0], k[-1]]
    for ax, lat, lab in zip(axes[:2], ("pristine", "distorted"), ("(j) pristine", "(k) distorted")):
        # grey dilation (3 x 3 maximum) so that single-pixel Bragg spots survive the rendering
        from scipy.ndimage import maximum_filter
        raw = maximum_filter(ds.intensity.sel(lattice=lat).values.astype(float), size=dilate)
        img = np.log10(np.maximum(raw, 1e-3))
        im = ax.imshow(img, origin="lower", extent=ext, cmap="magma", vmin=-1.5, vmax=np.log10(ds.n_sites**2))
        ax.set(xlabel=r"$k_x\ (2\pi/a_0)$", ylabel=r"$k_y\ (2\pi/a_0)$",
               title=f"{lab}" + ("" if lat == "pristine" else fr", $\sigma$ = {ds.attrs['sigma']}"))
        if lat == "distorted" and "ring_anisotropy" in ds.attrs:
            ax.text(0.02, 0.98, f"ring |k| = 2.5: axis/diag. {ds.attrs['ring_anisotropy']:.2f}\n"
                    f"(3,0) width y/x {ds.attrs['spot30_width_ratio']:.2f}",
                    transform=ax.transAxes, fontsize=5.5, color="white", va="top",
                    bbox=dict(facecolor="black", alpha=0.6, edgecolor="none", pad=1.5))
        ax.grid(False)
    left.colorbar(im, ax=axes[:2], shrink=0.8, pad=0.02, label=r"$\log_{10} I(\mathbf{k})$ (1; $I$ per site)")
    ax = axes[2]
    p = ds.p.values
    ax.fill_between(p, ds.profile_sim - 2 * ds.profile_err, ds.profile_sim + 2 * ds.profile_err,
                    color="0.8", label=r"simulation $\pm 2$ s.e.")
    ax.plot(p, ds.profile_sim, color="0.3", lw=0.8)
    ax.plot(p, ds.profile_a8, "C1--", lw=1.2, label="Eq. A8 (separable chains)")
    ax.set(yscale="log", xlabel=r"$p\ (2\pi/a_0)$", ylabel=r"$S(p)$ (per site)",
           title=fr"line profile along $a_1$, $\sigma$ = {ds.attrs['profile_sigma']}")
    ax.legend()
    savefig(fig, path)


def fig_paracrystal(ds: xr.Dataset, path) -> None:
    """Eq. A8 profiles, Lorentzian expansion, heights and widths versus order."""
    fig, axes = plt.subplots(1, 3, figsize=(7.0, 2.6), layout="constrained")
    for i, s in enumerate(ds.sigma.values):
        axes[0].plot(ds.p, ds.S.isel(sigma=i), color=f"C{i}", label=fr"$\sigma$ = {s}")
        axes[0].plot(ds.p, ds.S_lorentz.isel(sigma=i), ":", color=f"C{i}", lw=0.8)
        m = ds.order.values
        axes[1].plot(m, ds.height.isel(sigma=i), "o", color=f"C{i}")
        axes[1].plot(m, ds.height_paper.isel(sigma=i), "-", color=f"C{i}", lw=0.8)
        axes[2].plot(m, ds.hwhm.isel(sigma=i), "o", color=f"C{i}")
        axes[2].plot(m, ds.hwhm_exact.isel(sigma=i), "-", color=f"C{i}", lw=0.8)
        axes[2].plot(m, ds.width_paper.isel(sigma=i), "--", color=f"C{i}", lw=0.8)
    axes[0].set(yscale="log", ylim=(1e-3, None), xlabel=r"$p\ (2\pi/a_0)$", ylabel=r"$S(p)$ (per site)",
                title="(a) line profile: Eq. A8 (solid), Eq. A10 (dotted)")
    axes[0].legend()
    axes[1].plot([], [], "ko", label="measured on Eq. A8")
    axes[1].plot([], [], "k-", lw=0.8, label=r"$1/\pi^2\sigma^2m^2$ (paper)")
    axes[1].legend(fontsize=7)
    axes[1].set(xscale="log", yscale="log", xlabel="order m", ylabel=r"peak height $S_{max}$ (per site)",
                title="(b) peak heights")
    axes[2].plot([], [], "ko", label="measured HWHM")
    axes[2].plot([], [], "k-", lw=0.8, label=r"$2\pi^2\sigma^2m^2/a_0$")
    axes[2].plot([], [], "k--", lw=0.8, label=r"paper's $\delta p = \pi^2\sigma^2m^2/a_0$")
    axes[2].legend(fontsize=7)
    axes[2].set(xscale="log", yscale="log", xlabel="order m", ylabel=r"width $(1/a_0)$",
                title="(c) peak half widths")
    for bxx in axes[1:]:
        bxx.set_xticks(ds.order.values)
        bxx.set_xticklabels([str(int(m)) for m in ds.order.values])
        bxx.minorticks_off()
    savefig(fig, path)


def fig5gh(spec: xr.Dataset, path) -> None:
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(7.0, 2.8))
    for i, L in enumerate(spec.kF_ell.values):
        lab = r"$k_F\ell$ = " + (f"{L:g}" + (r" ($\ell = a_0$)" if i == spec.kF_ell.size - 1 else ""))
        ax.plot(spec.x, spec.alpha2F.isel(kF_ell=i), color=plt.cm.viridis(i / max(1, spec.kF_ell.size - 1)),
                label=lab)
    ax.axvline(spec.attrs["x_R"], color="0.6", ls=":", lw=0.8)
    ax.set(xlabel=r"$\omega / v_s k_F$", ylabel=r"$\alpha^2\mathcal{F}_\ell(\omega)$ (1, normalised to $\lambda$)",
           title=r"(g) $\alpha^2\mathcal{F}_\ell$ (Eqs. 8, B6-B7); dotted: $\omega_R$", yscale="log",
           ylim=(1e-4, None))
    ax.legend(fontsize=7)
    x = spec.omegaE_over_omegaopt.values
    bx.plot(x, spec.V_ee, "k")
    bx.axvline(1.0, color="0.6", ls=":")
    bx.annotate("weak coupling:\n$\\omega_E(\\infty) \\gg \\omega_{opt}$,\nsoftening raises $V_{ee}$",
                xy=(6, spec.V_ee.values[np.argmin(abs(x - 6))]), xytext=(3, 0.42), fontsize=7,
                arrowprops=dict(arrowstyle="->", color="C0"), color="C0")
    bx.annotate("strong coupling:\n$\\omega_E(\\infty) \\lesssim \\omega_{opt}$,\nsoftening lowers $V_{ee}$",
                xy=(0.7, spec.V_ee.values[np.argmin(abs(x - 0.7))]), xytext=(0.06, 0.42), fontsize=7,
                arrowprops=dict(arrowstyle="->", color="C3"), color="C3")
    bx.set(xscale="log", xlabel=r"$\omega_E / \omega_{opt}$", ylabel=r"$N(\epsilon_F) V_{ee}$ $(2\mathcal{A}/\omega_{opt})$",
           title=r"(h) $V_{ee}$ at fixed spectral area (Eq. 14)", ylim=(0, 0.55))
    savefig(fig, path)


READING_STYLE = {"sum_rule": dict(ls="-"), "halo_only": dict(ls="--")}
READING_SHORT = {"sum_rule": "sum-rule S (default)", "halo_only": "Eq. 2 literally (halo only)"}


def _reading_title(f: xr.Dataset, r: str) -> str:
    k = dict(item.split(": ") for item in f.attrs["reading_kF_a0"].split("; "))[r]
    return f"{READING_SHORT.get(r, r)}, $k_Fa_0$ = {float(k):.3g}"


def fig4ab(flows: Mapping[str, xr.Dataset], path) -> None:
    """(a) delta Tc / Tc0 along the flow, (b) A(l) for every reading, (c) gap ratio (Eq. 41)."""
    fig, (ax, bx, cx) = plt.subplots(1, 3, figsize=(7.0, 2.6), layout="constrained")
    for c, f in flows.items():
        st = _style(c)
        d = f.drho.values
        ax.plot(d, f.dTc_over_Tc0, label=f"{c}: Eq. 16 + Eq. 17", **st)
        if c == "weak":
            ax.plot(d, f.dTc_eq19, ":", label="weak: Eq. 19 (linear)", **st)
        else:
            ax.plot(d, f.dTc_eq20, ":", label="strong: Eq. 20 (quadratic)", **st)
        if "Tc_eliashberg" in f:
            ax.plot(f.drho_el, f.dTc_over_Tc0_eliashberg, "s", ms=4, mfc="none",
                    label=f"{c}: linearised Eliashberg", **st)
        for r in f.reading.values:
            a = f.A_rel.sel(reading=r).values
            e = f.A_rel_err.sel(reading=r).values
            pos = a > 0
            bx.errorbar(d[pos], a[pos], yerr=e[pos], label=f"{c}, {READING_SHORT.get(str(r), r)}",
                        **st, **READING_STYLE.get(str(r), {}))
        cx.plot(d, f.gap_ratio, label=c, **st)
    ax.axhline(0, color="0.5", lw=0.6)
    ax.set(xlabel=r"$\delta\rho_0/\rho_0$", ylabel=r"$\delta T_c / T_c^0$",
           title=r"(a) $T_c(\ell)$ along the disorder flow")
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + 0.9 * (hi - lo))              # headroom: the legend above the curves
    ax.legend(fontsize=5.5, loc="upper left")
    bx.set(yscale="log", xlabel=r"$\delta\rho_0/\rho_0$", ylabel=r"$A$ (units of $A_{\rm unit}$)",
           title=r"(b) $A(\ell) = F_\ell^2 |V_{\rm tot}|^2$ (Eqs. 32, 38)")
    lo, hi = bx.get_ylim()
    bx.set_ylim(lo / 30.0, hi)                          # room below the curves for the legend
    bx.legend(fontsize=5.5, loc="lower right")
    cx.axhline(3.53, color="0.5", lw=0.6, ls=":", label="BCS 3.53")
    cx.set(xlabel=r"$\delta\rho_0/\rho_0$", ylabel=r"$2\Delta / k_B T_c$", title="(c) gap ratio (Eq. 41)")
    cx.legend()
    savefig(fig, path)


def fig_tc_a(flows: Mapping[str, xr.Dataset], path) -> None:
    """Eq. 39 per reading (rows): ln Tc vs A^(-1/2) with the straight-line fit where it holds,
    F_l along the flow, and the residual of the single line."""
    any_f = next(iter(flows.values()))
    readings = [str(r) for r in any_f.reading.values]
    fig, axes = plt.subplots(len(readings), 3, figsize=(14.0, 3.9 * len(readings)),
                             layout="constrained", squeeze=False)
    letters = iter("abcdefghijkl")
    for i, r in enumerate(readings):
        ax, bx, cx = axes[i]
        notes = []
        for c, f in flows.items():
            st = _style(c)
            g = f.sel(reading=r)
            x, y, d = g.A_inv_sqrt.values, g.ln_Tc.values, f.drho.values
            m = np.isfinite(x) & np.isfinite(y)
            ax.plot(x[m], y[m], "o", ms=3, label=f"{c}: flow (Eq. 16 + Eqs. 32, 38)", **st)
            r2, fF, lnth = float(g.fit_R2), float(g.fit_F), float(g.fit_ln_theta)
            if int(g.fit_supports_line):
                xx = np.linspace(x[m].min(), x[m].max(), 50)
                ax.plot(xx, lnth - fF * xx, "-", lw=1.0,
                        label=fr"{c}: line, $F$ = {fF:.3g}, $\theta$ = {np.exp(lnth):.3g} K, $R^2$ = {r2:.4f}", **st)
            else:
                notes.append(fr"{c}: no single line ($R^2$ = {r2:.2f}, fitted $F$ = {fF:.2g})")
            bx.plot(d, g.F_l.values, **st, label=f"{c}")
            cx.plot(d[m], g.line_residual.values[m], "o-", ms=3, lw=0.8, **st,
                    label=f"{c}: $\\ln T_c$ $-$ line fit")
            res39 = np.nanmax(np.abs(g.eq39_residual.values))
            cx.plot([], [], " ", label=fr"{c}: Eq. 39 with point-wise $F_\ell$: max |residual| {res39:.1e}")
        for note in notes:                 # in the legend: never on top of the data
            ax.plot([], [], " ", label=note)
        title = _reading_title(any_f, r)
        ax.set(xlabel=r"$A^{-1/2}$ (units of $A_{unit}^{-1/2}$)", ylabel=r"$\ln (T_c / 1\,\mathrm{K})$",
               title=f"({next(letters)}) Eq. 39: {title}")
        xs = np.concatenate([f.A_inv_sqrt.sel(reading=r).values for f in flows.values()])
        xs = xs[np.isfinite(xs)]
        if xs.size and xs.max() > 5 * xs.min():
            from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.xaxis.set_major_formatter(ScalarFormatter())
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.legend(fontsize=6.5, loc="best")
        bx.set(xlabel=r"$\delta\rho_0/\rho_0$", ylabel=r"$F_\ell = E_\ell^{1/2}$ (units of $A_{unit}^{1/2}$)",
               title=f"({next(letters)}) $F_\\ell$ along the flow", ylim=(0, None))
        bx.legend(fontsize=7)
        cx.axhline(0, color="0.5", lw=0.6)
        cx.set(xlabel=r"$\delta\rho_0/\rho_0$", ylabel=r"residual of $\ln(T_c/1\,\mathrm{K})$",
               title=f"({next(letters)}) residual of one straight line")
        cx.legend(fontsize=6.5)
    if "Tc_eliashberg_over_eq16" in any_f:
        parts = [f"{c}: {float(f.Tc_eliashberg_over_eq16.min()):.2f}-{float(f.Tc_eliashberg_over_eq16.max()):.2f}"
                 for c, f in flows.items() if "Tc_eliashberg_over_eq16" in f]
        fig.suptitle(r"$T_c$ from Eq. 16 with fixed $\theta = 1.13\,\hbar\omega_c/k_B$; "
                     r"$T_c^{\mathrm{Eliashberg}} / T_c^{\mathrm{Eq.\,16}}$ along the flow: "
                     + ", ".join(parts) + fr"; the flow ends at $k_F\ell$ = {any_f.attrs['kF_ell_min']:g}",
                     fontsize=8)
    savefig(fig, path)
