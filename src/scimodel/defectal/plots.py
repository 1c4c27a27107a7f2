"""Figures of the defectal model (paper 000 Figs. 1 j,k, 4 a,b, 5 g,h and Tc-A).

Each function reads the datasets of :mod:`.products` and writes one PNG.
Model curves only: no literature data (that is the digitization issue).
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
    fig = plt.figure(figsize=(13.5, 4.2), layout="constrained")
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
        ax.set(xlabel=r"$k_x\ (2\pi/a_0)$", ylabel=r"$k_y\ (2\pi/a_0)$" if lat == "pristine" else "",
               title=f"{lab}" + ("" if lat == "pristine" else fr", $\sigma$ = {ds.attrs['sigma']}"))
        ax.grid(False)
    left.colorbar(im, ax=axes[:2], shrink=0.8, pad=0.02, label=r"$\log_{10} I(\mathbf{k})$")
    ax = axes[2]
    p = ds.p.values
    ax.fill_between(p, ds.profile_sim - 2 * ds.profile_err, ds.profile_sim + 2 * ds.profile_err,
                    color="0.8", label=r"simulation $\pm 2$ s.e.")
    ax.plot(p, ds.profile_sim, color="0.3", lw=0.8)
    ax.plot(p, ds.profile_a8, "C1--", lw=1.2, label="Eq. A8")
    ax.set(yscale="log", xlabel=r"$p\ (2\pi/a_0)$", ylabel=r"$S(p)$",
           title=fr"line profile along $a_1$, $\sigma$ = {ds.attrs['profile_sigma']}")
    ax.legend()
    savefig(fig, path)


def fig_paracrystal(ds: xr.Dataset, path) -> None:
    """Eq. A8 profiles, Lorentzian expansion, heights and widths versus order."""
    fig, axes = plt.subplots(1, 3, figsize=(12.5, 3.6))
    for i, s in enumerate(ds.sigma.values):
        axes[0].plot(ds.p, ds.S.isel(sigma=i), color=f"C{i}", label=fr"$\sigma$ = {s}")
        axes[0].plot(ds.p, ds.S_lorentz.isel(sigma=i), ":", color=f"C{i}", lw=0.8)
        m = ds.order.values
        axes[1].plot(m, ds.height.isel(sigma=i), "o", color=f"C{i}")
        axes[1].plot(m, ds.height_paper.isel(sigma=i), "-", color=f"C{i}", lw=0.8)
        axes[2].plot(m, ds.hwhm.isel(sigma=i), "o", color=f"C{i}")
        axes[2].plot(m, ds.hwhm_exact.isel(sigma=i), "-", color=f"C{i}", lw=0.8)
        axes[2].plot(m, ds.width_paper.isel(sigma=i), "--", color=f"C{i}", lw=0.8)
    axes[0].set(yscale="log", ylim=(1e-3, None), xlabel=r"$p\ (2\pi/a_0)$", ylabel="S(p)",
                title="(a) Eq. A8 (solid), Lorentzians of Eq. A10 (dotted)")
    axes[0].legend()
    axes[1].set(xscale="log", yscale="log", xlabel="order m", ylabel=r"$S_{max}$",
                title=r"(b) heights: Eq. A8 (o), $1/\pi^2\sigma^2m^2$ (line)")
    axes[2].set(xscale="log", yscale="log", xlabel="order m", ylabel=r"width $(1/a_0)$",
                title=r"(c) HWHM (o), $2\pi^2\sigma^2m^2/a_0$ (—), paper $\delta p$ (--)")
    for bxx in axes[1:]:
        bxx.set_xticks(ds.order.values)
        bxx.set_xticklabels([str(int(m)) for m in ds.order.values])
        bxx.minorticks_off()
    savefig(fig, path)


def fig5gh(spec: xr.Dataset, path) -> None:
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 3.8))
    for i, L in enumerate(spec.kF_ell.values):
        lab = r"$k_F\ell$ = " + (f"{L:g}" + (r" ($\ell = a_0$)" if i == spec.kF_ell.size - 1 else ""))
        ax.plot(spec.x, spec.alpha2F.isel(kF_ell=i), color=plt.cm.viridis(i / max(1, spec.kF_ell.size - 1)),
                label=lab)
    ax.axvline(spec.attrs["x_R"], color="0.6", ls=":", lw=0.8)
    ax.set(xlabel=r"$\omega / v_s k_F$", ylabel=r"$\alpha^2\mathcal{F}_\ell(\omega)$ (arb.)",
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


def fig4ab(flows: Mapping[str, xr.Dataset], path) -> None:
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10.5, 3.9))
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
        pos = d > 0
        bx.errorbar(d[pos], f.A_rel.values[pos], yerr=f.A_rel_err.values[pos], label=c, **st)
    ax.axhline(0, color="0.5", lw=0.6)
    ax.set_xscale("symlog", linthresh=0.1)
    ax.set_xlim(left=0)
    ax.set(xlabel=r"$\delta\rho_0/\rho_0$", ylabel=r"$\delta T_c / T_c^0$",
           title=r"(a) $T_c(\ell)$ along the disorder flow")
    ax.legend(fontsize=7)
    bx.set(xscale="log", yscale="log", xlabel=r"$\delta\rho_0/\rho_0$", ylabel=r"$A$ ($A_{unit}$)",
           title=r"(b) $A(\ell) = F_\ell^2 |V_{tot}|^2$ (Monte Carlo)")
    bx.legend()
    savefig(fig, path)


def fig_tc_a(flows: Mapping[str, xr.Dataset], path) -> None:
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10.5, 3.9))
    for c, f in flows.items():
        st = _style(c)
        m = np.isfinite(f.A_inv_sqrt.values) & np.isfinite(f.ln_Tc.values)
        x, y = f.A_inv_sqrt.values[m], f.ln_Tc.values[m]
        ax.plot(x, y, "o-", ms=3, label=f"{c}: model flow", **st)
        if m.sum() >= 3:
            k = np.polyfit(x, y, 1)
            ax.plot(x, np.polyval(k, x), "--", lw=0.8,
                    label=fr"{c}: line fit, $F$ = {-k[0]:.3g}, $\theta$ = {np.exp(k[1]):.3g} K", **st)
        bx.plot(f.drho, f.gap_ratio, label=c, **st)
    ax.set(xlabel=r"$A^{-1/2}$ ($A_{unit}^{-1/2}$)", ylabel=r"$\ln (T_c / 1\,\mathrm{K})$",
           title=r"(a) $\ln T_c$ vs $A^{-1/2}$ (Eq. 39)")
    ax.legend(fontsize=7)
    bx.axhline(3.53, color="0.5", lw=0.6, ls=":")
    bx.set_xscale("symlog", linthresh=0.1)
    bx.set_xlim(left=0)
    bx.set(xlabel=r"$\delta\rho_0/\rho_0$", ylabel=r"$2\Delta / k_B T_c$",
           title="(b) gap ratio (Eq. 41)")
    bx.legend()
    savefig(fig, path)
