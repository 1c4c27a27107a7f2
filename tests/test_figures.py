"""Figures fit for a journal: the house style and the automatic layout check.

:func:`scimodel.plotting.layout_problems` is tested on figures made to fail
(overlapping texts, an unlabelled axis, raw markup, the symlog tick collisions
of the first Fig. 5) and on a clean one; then every figure target of the
default DAG is built in a copy of the workflow with the check switched on
(``SCIMODEL_FIGURE_CHECK_DIR``) and must report nothing.
"""
from __future__ import annotations

import json
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

from conftest import copy_workflow, run_snakemake
from scimodel.plotting import layout_problems, raw_markup, style, style_path


def _fig(**kw):
    with style():
        return plt.subplots(**kw)


def test_style_is_package_data_and_leaves_global_state_alone():
    before = dict(plt.rcParams)
    import importlib

    import scimodel.plotting
    importlib.reload(scimodel.plotting)
    assert dict(plt.rcParams) == before             # importing changes no rcParam
    assert style_path().is_file() and style_path().suffix == ".mplstyle"
    with style():
        assert plt.rcParams["font.size"] == 8 and plt.rcParams["savefig.dpi"] == 300
    assert dict(plt.rcParams) == before


def test_clean_figure_passes():
    fig, ax = _fig(figsize=(3.4, 2.6))
    ax.plot([1, 2, 3], [1, 4, 9], label="data")
    ax.set(xlabel="T (K)", ylabel=r"$\Delta_0$ (meV)", title="clean")
    ax.legend(loc="upper left")
    assert layout_problems(fig) == []
    plt.close(fig)


def test_overlapping_texts_are_found():
    fig, ax = _fig(figsize=(3.4, 2.6))
    ax.plot([0, 1], [0, 1], label="a curve with a long legend entry")
    ax.set(xlabel="x (1)", ylabel="y (1)")
    ax.legend(loc="upper left")
    ax.text(0.05, 0.93, "annotation on the legend", transform=ax.transAxes)
    problems = layout_problems(fig)
    assert any("overlap" in p and "legend" in p and "text 0" in p for p in problems), problems
    plt.close(fig)


def test_unlabelled_axis_is_found():
    fig, ax = _fig(figsize=(3.4, 2.6))
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel("x (1)")
    problems = layout_problems(fig)
    assert problems == [p for p in problems if "y axis has tick labels but no label" in p] and problems
    plt.close(fig)


@pytest.mark.parametrize("text, bad", [
    ("K^ph (1/meV)", "^"), (r"A$^{-1/2}$ (A_unit)", "A_u"), (r"\alpha^2F", r"\alpha"),
    ("tc_tf_fe (K)", "c_t"), (r"$K^{\rm ph}$ (1/meV)", None), (r"$A^{-1/2}$ ($A_{\rm unit}^{-1/2}$)", None),
    ("ln(T_c / 1 K)", "T_c"), (r"$\ln(T_c/1\,\mathrm{K})$", None), ("100 %", None),
])
def test_raw_markup_outside_math(text, bad):
    assert raw_markup(text) == bad


def test_first_fig5_symlog_ticks_are_caught():
    """The first Fig. 5 as it was drawn (9 pt font, two panels 8.5 in wide, xi on a
    symlog axis with a 1 meV linear threshold over the Nb solver mesh, -5.9 eV to
    +400 eV): its negative decade labels ran into each other."""
    xi = np.concatenate([-np.logspace(np.log10(5920.0), -3, 300), np.logspace(-3, np.log10(4e5), 300)])
    with plt.rc_context({"font.size": 9}):
        fig, axes = plt.subplots(ncols=2, figsize=(8.5, 3.4))
        for ax in axes:
            ax.plot(xi, 1.3 / (1 + (xi / 30) ** 2), label="T = 0.01 K")
            ax.set_xscale("symlog", linthresh=1.0)
            ax.set_xlabel(r"$\xi$ (meV)")
            ax.set_ylabel(r"$\Delta(\xi)$ (meV)")
        problems = layout_problems(fig)
    assert any("overlap" in p and "x tick" in p and "-10^{3}" in p for p in problems), problems
    plt.close(fig)


# ------------------------------------------------------------------------------ the DAG's products


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The default targets, built in a copy of the workflow with the layout check on."""
    tmp = tmp_path_factory.mktemp("figures")
    wf = copy_workflow(tmp / "wf")
    check = tmp / "figure_check"
    res = run_snakemake(wf, "--cores", "2", timeout=3000, env={"SCIMODEL_FIGURE_CHECK_DIR": str(check)})
    assert res.returncode == 0, res.stderr[-3000:]
    return wf, check


@pytest.mark.slow
@pytest.mark.xdist_group("figures")          # one worker builds the DAG for both tests
def test_every_figure_target_passes_the_layout_check(built):
    wf, check = built
    dry = run_snakemake(wf, "-n", "--forceall", "figures", timeout=300).stdout
    block = re.split(r"\n(?:local)?rule figures:", dry)[1]
    line = next(ln for ln in block.splitlines() if ln.strip().startswith("input:"))
    targets = sorted(f.strip() for f in line.split("input:")[1].split(","))
    reports = {json.loads(p.read_text())["figure"]: json.loads(p.read_text())["problems"]
               for p in check.glob("*.json")}
    assert sorted(reports) == targets, "a figure target was not checked (saved without savefig?)"
    bad = {f: p for f, p in reports.items() if p}
    print(f"\nlayout check: {len(reports)} figures, {sum(map(len, bad.values()))} problems")
    assert not bad, json.dumps(bad, indent=1)


def _unit_problems(paths) -> list[str]:
    """Variables whose ``units`` CF/UDUNITS (pint, cf_xarray's registry) cannot parse,
    that have no ``units`` or ``long_name``, or that hold an infinity."""
    import cf_xarray.units  # noqa: F401  (registers the CF/UDUNITS unit registry)
    import numpy as np
    import xarray as xr

    ureg = cf_xarray.units.units
    out = []
    for path in paths:
        with xr.open_dataset(path) as ds:
            for name, var in ds.variables.items():
                u = var.attrs.get("units")
                if u is None or "long_name" not in var.attrs:
                    if var.dtype.kind not in "OUS":       # string coordinates carry no unit
                        out.append(f"{path}: {name}: missing units or long_name")
                    continue
                try:
                    ureg.parse_units(u) if u != "1" else None
                except Exception as exc:                  # noqa: BLE001  (pint raises several kinds)
                    out.append(f"{path}: {name}: units {u!r} do not parse ({type(exc).__name__})")
                if var.dtype.kind == "f" and np.isinf(var.values).any():
                    out.append(f"{path}: {name}: holds inf")
    return out


def test_resource_netcdf_units_parse():
    from conftest import ROOT

    paths = sorted(p for p in (ROOT / "resources").rglob("*.nc") if "qe_parts" not in p.parts)
    assert paths
    assert _unit_problems(paths) == []


@pytest.mark.slow
@pytest.mark.xdist_group("figures")
def test_every_product_netcdf_has_parseable_units_and_no_inf(built):
    wf, _ = built
    paths = sorted((wf / "results").rglob("*.nc"))
    assert len(paths) > 40
    assert _unit_problems(paths) == []
