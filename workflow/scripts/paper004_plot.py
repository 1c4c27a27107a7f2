"""Paper 004 figures (plotting only): reads the NetCDF written by the compute
rules, writes the PNG and a NetCDF of exactly the plotted data."""
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.ticker import NullFormatter

from scimodel import paper004, units
from scimodel.io import da, read_dataset, write_dataset
from scimodel.plotting import plt, savefig, stamp_synthetic
from scimodel.workflow import run_figure_script

#: the gap-equation terms of Fig. 8 (scimodel.scdft.observables.DECOMPOSITIONS) in math mode
TERM_LABELS = {"K^ph": r"$K^{\rm ph}$", "K^ph + Z^ph": r"$K^{\rm ph} + Z^{\rm ph}$",
               "K^ph + Z^ph + K^el": r"$K^{\rm ph} + Z^{\rm ph} + K^{\rm el}$"}
#: precision the paper quotes for its Tc and gaps (Sec. IV: "around 5%")
PAPER_PRECISION = 0.05
COLORS = {"Al": "C0", "Mo": "C1", "Ta": "C2", "Pb": "C3", "Nb": "C4", "Cu": "C5"}


def _load(paths):
    out = {}
    for p in paths:
        ds = read_dataset(p)
        out[ds.attrs.get("metal", Path(p).stem)] = ds
    return out


def _synthetic(dsets):
    return any(int(ds.attrs.get("synthetic", 0)) for ds in dsets)


def _abs_xi_axis(ax):
    """Redraw every line of ``ax`` against |xi| on a log axis: xi > 0 as drawn, xi < 0
    in the same colour and line style, faded (a symlog axis kinks smooth curves at its
    linear threshold and crowds its tick labels)."""
    for line in list(ax.get_lines()):
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        kw = dict(color=line.get_color(), lw=line.get_linewidth(), ls=line.get_linestyle())
        pos, neg = x > 0, x < 0
        ax.plot(x[pos], y[pos], label=line.get_label(), **kw)
        ax.plot(-x[neg], y[neg], alpha=0.4, **kw)
        line.remove()
    ax.plot([], [], color="k", lw=0.8, label=r"$\xi > 0$")
    ax.plot([], [], color="k", lw=0.8, alpha=0.4, label=r"$\xi < 0$ (faded)")
    ax.set_xscale("log")
    ax.set_xlim(1e-3, None)
    ax.axhline(0, color="0.5", lw=0.5)
    ax.set_xlabel(r"$|\xi|$ (meV)")


def fig01(sm):
    ds = read_dataset(sm.input.data[0])
    fig, ax = plt.subplots(1, 2, figsize=(8, 3.2))
    ax[0].plot(ds.xi_prime, ds.w_xi, color="k")
    ax[0].set_xlabel(r"$\xi'$ (meV)")
    ax[0].set_ylabel(r"$W(\xi\approx 0, \xi', \Omega = 1$ THz) (1/meV)")
    w = ds.w_omega.values
    sign = -1.0 if np.all(w < 0) else 1.0        # W < 0 at xi = xi': log axes show |W|
    ax[1].plot(ds.omega * units.MEV_TO_THZ, sign * w, color="k")
    ax[1].set_xscale("log")
    if np.all(sign * w > 0):
        ax[1].set_yscale("log")
    ax[1].set_xlabel(r"$\Omega$ (THz)")
    ax[1].set_ylabel((r"$-W$" if sign < 0 else r"$W$") + r"$(\xi=\xi'\approx 0, \Omega)$ (1/meV)")
    fig.suptitle("Universal kernel W (Eq. 30) at T = 0.01 K")
    return fig, ds, []


def fig02(sm):
    dsets = _load(sm.input.data)
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    out = {}
    for metal, ds in dsets.items():
        ref_tc, ref_d = float(ds.tc[-1]), float(ds.delta0[-1])
        ax.plot(ds.ppd, 100 * (ds.tc / ref_tc - 1), "o-", label=f"{metal} $T_c$")
        ax.plot(ds.ppd, 100 * (ds.delta0 / ref_d - 1), "s--", label=f"{metal} $\\Delta_0$")
        out[f"tc_rel_{metal}"] = da(100 * (ds.tc.values / ref_tc - 1), ("ppd",), "%",
                                    f"Tc change vs finest mesh, {metal}")
        out[f"delta0_rel_{metal}"] = da(100 * (ds.delta0.values / ref_d - 1), ("ppd",), "%",
                                        f"Delta0 change vs finest mesh, {metal}")
        coords = {"ppd": ds.ppd}
    ax.set_xscale("log")
    ax.set_xticks(ds.ppd.values, [f"{int(v)}" for v in ds.ppd.values])   # the meshes computed
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("mesh points per decade")
    ax.set_ylabel("change vs finest mesh (%)")
    ax.legend()
    ax.set_title("Energy-mesh convergence (companion of Fig. 2)")
    return fig, xr.Dataset(out, coords=coords), list(dsets.values())


def fig02_kresolved(sm):
    dsets = _load(sm.input.data)
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    out = {}
    markers = {"chi_ry": "o", "step": "s"}
    labels = {"chi_ry": r"max$\{\chi, 0.05\}$ (Ry units)", "step": "step (2, 40 mRy)"}
    for metal, ds in dsets.items():
        n = ds.n_points.values
        for k, dist in enumerate(ds.distribution.values):
            rel = ds.rel_diff.sel(distribution=dist).values          # (n_points, seed)
            c = f"C{k}"
            for j in range(rel.shape[1]):
                ax.plot(n, rel[:, j], markers.get(str(dist), "o"), color=c, ms=3, alpha=0.45,
                        mfc="none")
            ax.plot(n, np.nanmean(rel, axis=1), "-" + markers.get(str(dist), "o"), color=c, ms=5,
                    label=f"{labels.get(str(dist), dist)}, mean of {rel.shape[1]} seeds")
            out[f"rel_diff_{dist}"] = da(rel, ("n_points", "seed"), "percent",
                                         f"(Tc k-resolved - Tc energy-only)/Tc energy-only, {dist}, {metal}")
            out[f"rel_diff_mean_{dist}"] = da(np.nanmean(rel, axis=1), ("n_points",), "percent",
                                              f"rel_diff_{dist} averaged over the seeds")
        coords = {"n_points": ds.n_points, "seed": ds.seed}
        ax.set_title(f"{metal}, {str(ds.attrs.get('scheme', '')).upper()}: k-resolved vs energy-only "
                     f"($T_c$ = {float(ds.tc_energy_only):.2f} K)", fontsize=8)
    ax.axhspan(-2, 2, color="0.9", zorder=0)
    ax.axhline(0.0, color="0.5", lw=0.6)
    ax.set_xscale("log")
    ax.set_xlabel("points per band crossing $E_F$")
    ax.set_ylabel(r"$T_c^{k} / T_c^{\xi} - 1$ (%)")
    ax.legend(fontsize=7)
    return fig, xr.Dataset(out, coords=coords), list(dsets.values())


def fig03(sm):
    dsets = _load(sm.input.data)
    fig, ax = plt.subplots(figsize=(5, 3.4))
    out = {}
    for metal, ds in dsets.items():
        ax.plot(ds.omega * units.MEV_TO_THZ, ds.a2f, color=COLORS.get(metal), label=metal)
        out[f"a2f_{metal}"] = da(ds.a2f.values, (f"omega_{metal}",), "1", f"alpha2F, {metal}")
        out[f"omega_{metal}"] = da(ds.omega.values, (f"omega_{metal}",), "meV", f"phonon energy, {metal}")
    ax.set_xlabel(r"$\Omega$ (THz)")
    ax.set_ylabel(r"$\alpha^2F(\Omega)$")
    ax.legend()
    ax.set_title("Eliashberg functions (this project's QE inputs)")
    return fig, xr.Dataset(out), list(dsets.values())


def fig04(sm):
    dsets = _load(sm.input.data)
    fig, ax = plt.subplots(1, 2, figsize=(8, 3.2))
    out = {}
    for metal, ds in dsets.items():
        ax[0].plot(ds.xi_kernel, ds.minus_n0_kph_diag, color=COLORS.get(metal), label=metal)
        ax[1].plot(ds.xi_kernel, ds.zph_diag, color=COLORS.get(metal), label=metal)
        out[f"minus_n0_kph_{metal}"] = da(ds.minus_n0_kph_diag.values, ("xi",), "1", f"-N(0)K^ph(xi,xi), {metal}")
        out[f"zph_{metal}"] = da(ds.zph_diag.values, ("xi",), "1", f"Z^ph(xi), {metal}")
        xi = ds.xi_kernel.values
    ax[0].set_ylabel(r"$-N(0)\,\mathcal{K}^{ph}(\xi,\xi)$")
    ax[1].set_ylabel(r"$\mathcal{Z}^{ph}(\xi)$")
    for a in ax:
        a.set_xlabel(r"$\xi$ (meV)")
    ax[0].legend()
    fig.suptitle("Phononic kernels at T = 0.01 K")
    return fig, xr.Dataset(out, coords={"xi": da(xi, ("xi",), "meV", "energy relative to E_F")}), \
        list(dsets.values())


def fig05(sm):
    curves = _load(sm.input.data)
    metals = _load(sm.input.metals)
    fig, ax = plt.subplots(1, 2, figsize=(8.5, 3.4))
    out = {}
    if "Pb" in curves:
        c = curves["Pb"]
        for k, t in enumerate(c.t_profile.values):
            ax[0].plot(c.xi, c.delta_profile[k], label=f"T = {t:.2f} K")
        out["delta_Pb_T"] = da(c.delta_profile.values, ("t_profile", "xi_Pb"), "meV", "Delta(xi, T), Pb, TF-FE")
        out["t_profile"] = da(c.t_profile.values, ("t_profile",), "K", "temperature")
        out["xi_Pb"] = da(c.xi.values, ("xi_Pb",), "meV", "energy, Pb mesh")
        ax[0].set_title("Pb, TF-FE, several T")
    for metal, ds in metals.items():
        if metal == "Nb":
            ax[1].plot(ds.xi, ds.delta_tf_fe, color="C4", label="Nb TF-FE")
            ax[1].plot(ds.xi, ds.delta_tf_sk, "--", color="C4", label="Nb TF-SK")
            out["delta_Nb_tf_fe"] = da(ds.delta_tf_fe.values, ("xi_Nb",), "meV", "Delta(xi), Nb, TF-FE, 0.01 K")
            out["delta_Nb_tf_sk"] = da(ds.delta_tf_sk.values, ("xi_Nb",), "meV", "Delta(xi), Nb, TF-SK, 0.01 K")
            out["xi_Nb"] = da(ds.xi.values, ("xi_Nb",), "meV", "energy, Nb mesh")
        if metal == "Pb":
            ax[0].plot(ds.xi, ds.delta_tf_sk, "k:", label="TF-SK, 0.01 K")
            out["delta_Pb_tf_sk"] = da(ds.delta_tf_sk.values, ("xi_Pb_sk",), "meV", "Delta(xi), Pb, TF-SK, 0.01 K")
            out["xi_Pb_sk"] = da(ds.xi.values, ("xi_Pb_sk",), "meV", "energy, Pb mesh")
    ax[1].set_title("Nb, 0.01 K")
    if "Nb" not in metals:
        ax[1].text(0.5, 0.5, "no Nb input", transform=ax[1].transAxes, ha="center")
    for a in ax:
        _abs_xi_axis(a)
        a.set_ylabel(r"$\Delta(\xi)$ (meV)")
        if a.get_legend_handles_labels()[0]:
            a.legend(fontsize=6)
    return fig, xr.Dataset(out), list(curves.values()) + list(metals.values())


def fig06(sm):
    dsets = _load(sm.input.data)
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    out = {}
    for metal, ds in dsets.items():
        tc = float(ds.tc)
        below = ds.t.values < tc                  # the gap closes at the computed Tc
        ax.plot(np.append(ds.t.values[below], tc), np.append(ds.delta0.values[below], 0.0), "o-", ms=3,
                color=COLORS.get(metal), label=f"{metal} ($T_c$ = {tc:.2f} K)", markevery=list(range(below.sum())))
        out[f"delta0_{metal}"] = da(ds.delta0.values, (f"t_{metal}",), "meV", f"Delta0(T), {metal}, TF-FE")
        out[f"t_{metal}"] = da(ds.t.values, (f"t_{metal}",), "K", f"temperature, {metal}")
    ax.set_xlabel("T (K)")
    ax.set_ylabel(r"$\Delta_0$ (meV)")
    ax.legend()
    ax.set_title(r"$\Delta(\xi=0, T)$, TF-FE")
    return fig, xr.Dataset(out), list(dsets.values())


def _kresolved_variant(ds):
    """The alpha2F variant the k-resolved figures show: rescaled to the paper's lambda
    when computed (the paper's figures come from its own alpha2F), else as computed."""
    if "rescaled" in ds.variant.values and np.isfinite(ds.delta0_curve.sel(variant="rescaled")).any():
        return "rescaled"
    return "computed"


def fig05_kresolved(sm):
    dsets = _load(sm.input.data)
    order = [m for m in ("Pb", "Nb") if m in dsets]
    fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.4), sharey=False)
    out = {}
    for a, metal in zip(axes, ("Pb", "Nb")):
        if metal not in dsets:
            a.text(0.5, 0.5, f"no TF-ME matrix elements for {metal}", transform=a.transAxes, ha="center")
            continue
        ds = dsets[metal]
        v = _kresolved_variant(ds)
        xi = ds.xi_nk.values
        for scheme, color, label in (("tf-sk", "0.6", "TF-SK"), ("tf-me", COLORS.get(metal), "TF-ME")):
            d = ds.delta_nk.sel(variant=v, scheme=scheme).values
            a.plot(np.abs(xi), d, ".", ms=0.8, color=color, alpha=0.5, rasterized=True,
                   label=f"{label} ($\\Delta_0$ = {float(ds.delta0_kresolved.sel(variant=v, scheme=scheme)[0]):.3g} meV)")
            out[f"delta_nk_{scheme.replace('-', '_')}_{metal}"] = da(
                d, (f"state_{metal}",), "meV", f"Delta_nk at {ds.attrs.get('t_gap_K', 0.01)} K, {label}, "
                f"{metal}, alpha2F {v}, seed {int(ds.seed[0])}")
        out[f"xi_nk_{metal}"] = da(xi, (f"state_{metal}",), "meV", f"energy of the sampled state, {metal}")
        a.set_xscale("log")
        a.set_xlim(1e-2, None)
        a.axhline(0, color="0.5", lw=0.5)
        a.set_xlabel(r"$|\xi_{n\mathbf{k}}|$ (meV; both signs)")
        a.set_ylabel(r"$\Delta(\xi_{n\mathbf{k}})$ (meV)")
        a.set_title(f"{metal}, k-resolved, {xi.size} states, $\\alpha^2F$ {v}", fontsize=8)
        a.legend(fontsize=6, markerscale=8)
    fig.suptitle("Gap function of the sampled Kohn-Sham states (paper 004, Fig. 5)", fontsize=9)
    return fig, xr.Dataset(out), [dsets[m] for m in order]


def fig06_kresolved(sm):
    dsets = _load(sm.input.data)
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    out = {}
    for metal in [m for m in ("Pb", "Nb") if m in dsets]:
        ds = dsets[metal]
        v = _kresolved_variant(ds)
        for scheme, ls, mk in (("tf-me", "-", "o"), ("tf-sk", "--", "s")):
            t = ds.t_curve.sel(variant=v, scheme=scheme).values
            d = ds.delta0_curve.sel(variant=v, scheme=scheme).values
            tc = float(ds.tc_kresolved.sel(variant=v, scheme=scheme)[0])
            ok = np.isfinite(d)
            ax.plot(np.append(t[ok], tc), np.append(d[ok], 0.0), ls, marker=mk, ms=3,
                    markevery=list(range(int(ok.sum()))), color=COLORS.get(metal),
                    label=f"{metal} {scheme.upper()} ($T_c$ = {tc:.2f} K)")
            key = f"{scheme.replace('-', '_')}_{metal}"
            out[f"delta0_{key}"] = da(d, ("t_frac",), "meV", f"Delta0(T), k-resolved {scheme.upper()}, {metal}, "
                                      f"alpha2F {v}; NaN where the solve did not converge")
            out[f"t_{key}"] = da(t, ("t_frac",), "K", f"temperature, {scheme.upper()}, {metal}")
            out[f"tc_{key}"] = da(tc, (), "K", f"k-resolved Tc, {scheme.upper()}, {metal}")
        coords = {"t_frac": ds.t_frac}
    ax.set_xlabel("T (K)")
    ax.set_ylabel(r"$\Delta_0$ (meV)")
    ax.legend(fontsize=7)
    ax.set_title(r"$\Delta_0(T)$, k-resolved TF-ME and TF-SK (paper 004, Fig. 6)", fontsize=8)
    return fig, xr.Dataset(out, coords=coords), list(dsets.values())


def fig07(sm):
    t = read_dataset(sm.input.data[0])
    t.attrs["synthetic"] = int(np.any(t.synthetic.values))      # per-row flag of Table 2
    ok = t.superconducting.values.astype(bool) & np.isfinite(t.tc_exp.values)
    fig, ax = plt.subplots(1, 2, figsize=(7.0, 3.3))
    metals = t.metal.values[ok]
    for a, q, unit in ((ax[0], "tc", "K"), (ax[1], "delta0", "meV")):
        exp = t[f"{q}_exp"].values[ok]
        for col, mk, lab in ((f"{q}_tf_fe", "o", "this work TF-FE (input range)"),
                             (f"{q}_tf_sk", "s", "this work TF-SK"),
                             (f"{q}_paper_tf_fe", "x", "paper TF-FE (±5 %)"),
                             (f"{q}_paper_tf_me", "+", "paper TF-ME (±5 %)")):
            y = t[col].values[ok]
            yerr = PAPER_PRECISION * y if "paper" in col else None
            if col == f"{q}_tf_fe":            # the input interval of lambda (table2: *_low, *_high)
                lo, hi = t[f"{q}_tf_fe_low"].values[ok], t[f"{q}_tf_fe_high"].values[ok]
                yerr = np.vstack([np.clip(y - lo, 0, None), np.clip(hi - y, 0, None)])
            a.errorbar(exp, y, yerr=yerr, fmt=mk, label=lab, mfc="none" if mk in "os" else None,
                       capsize=2, lw=0.7)
        ys = t[f"{q}_tf_fe"].values[ok]
        for i, (m, x, y) in enumerate(zip(metals, exp, ys)):
            if np.isfinite(x) and np.isfinite(y):
                a.annotate(str(m), (x, y), fontsize=7, xytext=(-4, 4), ha="right",
                           textcoords="offset points")
        fin = np.concatenate([exp, *(t[f"{q}_{c}"].values[ok] for c in ("tf_fe", "tf_sk", "paper_tf_fe",
                                                                         "paper_tf_me"))])
        fin = fin[np.isfinite(fin) & (fin > 0)]
        if fin.size:
            lim = [fin.min() / 2, fin.max() * 2]
            a.plot(lim, lim, color="0.5", lw=0.7)
            a.set_xlim(lim)
            a.set_ylim(lim)
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlabel(f"experiment ({unit})")
        a.set_ylabel(f"theory ({unit})")
    ax[0].set_title(r"$T_c$")
    ax[1].set_title(r"$\Delta_0$ at 0.01 K")
    ax[0].legend(fontsize=6, loc="upper left")
    keep = ["tc_exp", "tc_tf_fe", "tc_tf_fe_low", "tc_tf_fe_high", "tc_tf_sk", "tc_paper_tf_fe",
            "tc_paper_tf_me", "delta0_exp", "delta0_tf_fe", "delta0_tf_fe_low", "delta0_tf_fe_high",
            "delta0_tf_sk", "delta0_paper_tf_fe", "delta0_paper_tf_me"]
    data = t[keep].isel(metal=np.nonzero(ok)[0])
    data.attrs = {}
    return fig, data, [t]


def fig08(sm):
    dsets = _load(sm.input.data)
    metal, ds = next(iter(dsets.items()))
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for k, lab in enumerate(ds.terms.values):
        ax.plot(ds.xi, ds.delta[k], label=TERM_LABELS.get(str(lab), str(lab)))
    _abs_xi_axis(ax)
    ax.set_ylabel(r"$\Delta(\xi)$ (meV)")
    ax.set_title(f"{metal}, 0.01 K, contributions to the gap equation")
    ax.legend(fontsize=6)
    data = ds[["delta"]].copy()
    data.attrs = {}
    return fig, data, [ds]


def fig09(sm):
    dsets = _load(sm.input.data)
    fig, ax = plt.subplots(1, 2, figsize=(7.0, 2.8))
    out = {}
    for metal, ds in dsets.items():
        cut = ds.cutoff.values * units.MEV_TO_EV
        rel = ds.delta0.values / ds.delta0.values[-1]
        ax[0].plot(cut, ds.delta0.values, "o-", color=COLORS.get(metal), label=metal)
        ax[1].plot(cut, 100 * (rel - 1), "o-", color=COLORS.get(metal), label=metal)
        out[f"delta0_{metal}"] = da(ds.delta0.values, (f"cutoff_{metal}",), "meV", f"Delta0 at 0.01 K, {metal}")
        out[f"delta0_rel_{metal}"] = da(rel, (f"cutoff_{metal}",), "1", f"Delta0/Delta0(largest cutoff), {metal}")
        out[f"cutoff_{metal}"] = da(ds.cutoff.values, (f"cutoff_{metal}",), "meV", f"energy cutoff, {metal}")
    # end of the first-principles DOS table (the same within 0.1 eV for every metal shown)
    tops = [float(ds.dos_top) * units.MEV_TO_EV for ds in dsets.values()]
    for a in ax:
        a.set_xscale("log")
        a.set_xlabel("energy cutoff (eV)")
        if tops:
            a.axvline(min(tops), color="0.5", lw=0.6, ls=":")
    ax[1].axhspan(-1, 1, color="0.9", zorder=0)
    if tops:
        ax[1].text(1.05 * min(tops), 0.04, "end of the\nab-initio DOS", fontsize=6, color="0.4",
                   transform=ax[1].get_xaxis_transform())
    ax[0].set_ylabel(r"$\Delta_0$ at 0.01 K (meV)")
    ax[1].set_ylabel(r"$\Delta_0/\Delta_0^{\rm (800\,eV)} - 1$ (%)")
    ax[0].set_title("(a) gap vs cutoff, TF-FE")
    ax[1].set_title("(b) relative to the largest cutoff")
    ax[0].legend()
    return fig, xr.Dataset(out), list(dsets.values())


def fig10(sm):
    dsets = _load(sm.input.data)
    n = len(dsets)
    fig, ax = plt.subplots(2, max(n, 1), figsize=(3.5 * max(n, 1), 5.0), squeeze=False)
    out = {}
    for k, (metal, ds) in enumerate(dsets.items()):
        tc = float(ds.tc)
        t = ds.t.values
        below = t < tc
        cs, cn = ds.c_s_over_cn_tc.values, ds.c_n_over_cn_tc.values
        ax[0, k].plot(t[below], cs[below], "o-", ms=3, label="superconducting")
        ax[0, k].plot(t, cn, "--", label="normal")
        # the jump at Tc: vertical, from the normal value to the last superconducting one
        ax[0, k].plot([tc, tc], [np.interp(tc, t, cn), cs[below][-1]], "-", color="C0")
        ax[0, k].set_ylabel(r"$C_e(T)/C_e^N(T_c)$")
        ax[0, k].set_xlabel("T (K)")
        ax[0, k].set_title(f"{metal} ($T_c$ = {tc:.2f} K)")
        ax[0, k].legend()
        ax[1, k].plot(np.append(t[below], tc), np.append(ds.entropy_diff.values[below], 0.0), "o-", ms=3,
                      markevery=list(range(below.sum())))
        ax[1, k].set_ylabel(r"$\Delta S = S_S - S_N$ ($k_B$/atom)")
        ax[1, k].ticklabel_format(axis="y", style="sci", scilimits=(-2, 2), useMathText=True)
        ax[1, k].set_xlabel("T (K)")
        for v in ("c_s_over_cn_tc", "c_n_over_cn_tc", "entropy_diff"):
            out[f"{v}_{metal}"] = da(ds[v].values, (f"t_{metal}",), ds[v].attrs["units"],
                                     f"{ds[v].attrs['long_name']}, {metal}")
        out[f"t_{metal}"] = da(ds.t.values, (f"t_{metal}",), "K", f"temperature, {metal}")
    return fig, xr.Dataset(out), list(dsets.values())


def fig11(sm):
    """Order parameter vs energy, and vs momentum scaled by the coherence length with
    v_F from each metal's own N(0) (paper004.hbar_vf_dos_mev_nm); the FWHM of the
    scaled curves (the paper: "similar ... width comparable to unity") is stored and
    printed for both this v_F and the free-electron one."""
    dsets = _load(sm.input.data)
    paper = paper004.read_paper_values(sm.input.paper)
    fig, ax = plt.subplots(2, 1, figsize=(3.4, 4.6))
    out = {}
    lines = []
    for metal, ds in dsets.items():
        xi0 = paper004.paper_value(paper, "coherence_length", metal, "exp")
        hv = float(ds.hbar_vf_dos)
        kx = ds.xi.values * xi0 / hv
        width = paper004.order_parameter_width(kx, ds.chi_tf_fe.values)
        width_free = width * hv / float(ds.hbar_vf)
        lines.append(f"{metal}: {width:.2f} (free-electron $v_F$: {width_free:.2f})")
        ax[0].plot(kx, ds.chi_tf_fe, color=COLORS.get(metal), label=f"{metal} ($\\xi_0$ = {xi0:g} nm)")
        ax[1].plot(ds.xi, ds.chi_tf_fe, color=COLORS.get(metal), label=metal)
        out[f"chi_{metal}"] = da(ds.chi_tf_fe.values, (f"xi_{metal}",), "1", f"order parameter, {metal}")
        out[f"xi_{metal}"] = da(ds.xi.values, (f"xi_{metal}",), "meV", f"energy, {metal}")
        out[f"k_scaled_{metal}"] = da(kx, (f"xi_{metal}",), "1",
                                      f"(k - k_F) xi_0 = xi xi_0/(hbar v_F), v_F from N(0), {metal}")
        out[f"width_{metal}"] = da(width, (), "1", f"FWHM of chi vs (k - k_F) xi_0, v_F from N(0), {metal}")
        out[f"width_free_electron_{metal}"] = da(width_free, (), "1",
                                                 f"FWHM of chi vs (k - k_F) xi_0, free-electron v_F, {metal}")
    ax[0].set_xlim(-3, 3)
    ax[0].set_xlabel(r"$(k-k_F)\,\xi_0$ ($v_F$ from $N(0)$)")
    ax[0].text(0.02, 0.97, "FWHM:\n" + "\n".join(lines), transform=ax[0].transAxes, va="top", fontsize=5.5)
    ax[1].set_xlim(-10, 10)
    ax[1].set_xlabel(r"$\xi$ (meV)")
    for a in ax:
        a.set_ylabel(r"$\chi$")
    ax[0].legend(fontsize=5.5, loc="upper right")
    ax[1].legend(fontsize=6, loc="upper right")
    return fig, xr.Dataset(out), list(dsets.values())


FIGS = {f.__name__: f for f in (fig01, fig02, fig02_kresolved, fig03, fig04, fig05, fig05_kresolved, fig06,
                                 fig06_kresolved, fig07, fig08, fig09, fig10, fig11)}


def main(sm):
    # a figure number with two figures has one function per stem (fig02_kresolved)
    fig, data, sources = FIGS.get(sm.params.stem, FIGS[sm.params.figure])(sm)
    synthetic = _synthetic(sources)
    if synthetic:
        stamp_synthetic(fig)
    savefig(fig, sm.output.png)
    write_dataset(data, sm.output.nc, source=f"scimodel paper004 figure {sm.params.figure} (plotted data)",
                  references=paper004.REFERENCE, config={"figure": sm.params.figure},
                  extra_attrs={"synthetic": int(synthetic)})


run_figure_script(main, snakemake)  # noqa: F821
