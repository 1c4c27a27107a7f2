"""Shared Matplotlib helpers: the house style, synthetic stamps, saving, and the
layout check that the figure tests run on every figure target.

The style is the file ``scimodel/styles/scimodel.mplstyle`` (package data),
applied per figure with :func:`style` (``matplotlib.pyplot.style.context``);
importing this module changes no global Matplotlib setting except the
non-interactive backend (the figures are written to files, never shown).

:func:`layout_problems` reports what a referee would reject at a glance: two
text artists (tick labels, axis labels, titles, legends, annotations) that
overlap, an axis with tick labels but no label, and raw TeX or code names
(``\\alpha``, ``K^ph``, ``tc_tf_fe``) outside math mode.  With the
environment variable ``SCIMODEL_FIGURE_CHECK_DIR`` set, :func:`savefig`
writes each figure's problems there as JSON (tests/test_figures.py).
"""
from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
from importlib import resources
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SYNTHETIC_LABEL = "SYNTHETIC DATA (pipeline demonstration, not literature)"
#: gid of the synthetic watermark: drawn over the data on purpose, not checked for overlap
STAMP_GID = "scimodel-synthetic-stamp"
#: journal widths (inches)
SINGLE_COLUMN, DOUBLE_COLUMN = 3.4, 7.0


def style_path() -> Path:
    """Path of the house .mplstyle file inside the installed package."""
    return Path(str(resources.files("scimodel") / "styles" / "scimodel.mplstyle"))


@contextlib.contextmanager
def style():
    """Context in which figures are made and saved in the house style."""
    with plt.style.context(style_path()):
        yield


def stamp_synthetic(ax_or_fig, text: str = SYNTHETIC_LABEL) -> None:
    """Write a visible 'synthetic' warning on an axes or a figure."""
    if hasattr(ax_or_fig, "transAxes"):
        ax_or_fig.text(0.5, 0.5, text, transform=ax_or_fig.transAxes, ha="center",
                       va="center", fontsize=7, color="red", alpha=0.35, rotation=20,
                       zorder=0, gid=STAMP_GID)
    else:
        ax_or_fig.text(0.5, 0.995, text, ha="center", va="top", fontsize=7, color="red",
                       gid=STAMP_GID)


def savefig(fig, path: str | Path) -> None:
    """Save and close a figure (parents created); record its layout problems when
    ``SCIMODEL_FIGURE_CHECK_DIR`` is set."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    check_dir = os.environ.get("SCIMODEL_FIGURE_CHECK_DIR")
    if check_dir:
        out = Path(check_dir) / (re.sub(r"[^A-Za-z0-9_.-]", "_", str(path)) + ".json")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"figure": str(path), "problems": layout_problems(fig)}, indent=1))
    plt.close(fig)


# ------------------------------------------------------------------------------ layout check
_MATH = re.compile(r"(?<!\\)\$.*?(?<!\\)\$")
_RAW = re.compile(r"\\[A-Za-z]+|\^|[A-Za-z0-9]_[A-Za-z0-9{]")


def raw_markup(text: str) -> str | None:
    """The first TeX control word, caret or code-style underscore outside $...$, if any."""
    m = _RAW.search(_MATH.sub("", text))
    return m.group(0) if m else None


def _texts(fig):
    """(name, artist) of every visible, non-empty text of ``fig``, a legend as one box."""
    out = []

    def add(name, t):
        if t is not None and t.get_visible() and t.get_text().strip() and t.get_gid() != STAMP_GID:
            out.append((name, t))

    if fig._suptitle is not None:
        add("suptitle", fig._suptitle)
    for i, t in enumerate(fig.texts):
        if t is not fig._suptitle:                 # the suptitle is one of fig.texts
            add(f"figure text {i}", t)
    for k, ax in enumerate(fig.get_axes()):
        if not ax.get_visible():
            continue
        tag = f"axes {k}"
        if ax.axison:
            for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
                for t in _drawn_tick_labels(axis):
                    add(f"{tag} {which} tick {t.get_text()!r}", t)
                add(f"{tag} {which} label", axis.label)
                add(f"{tag} {which} offset text", axis.get_offset_text())
        for loc, t in (("left", ax._left_title), ("center", ax.title), ("right", ax._right_title)):
            add(f"{tag} title ({loc})", t)
        for i, t in enumerate(ax.texts):
            add(f"{tag} text {i} {t.get_text()[:20]!r}", t)
        leg = ax.get_legend()
        if leg is not None and leg.get_visible():
            out.append((f"{tag} legend", leg))
    for i, leg in enumerate(fig.legends):
        out.append((f"figure legend {i}", leg))
    return out


def _drawn_tick_labels(axis) -> list:
    """Tick labels that are drawn (ticks inside the view interval, label shown)."""
    out = []
    for tick in axis._update_ticks():
        for lab in (tick.label1, tick.label2):
            if lab.get_visible() and lab.get_text().strip():
                out.append(lab)
    return out


def layout_problems(fig, tol_px: float = 1.5) -> list[str]:
    """What a referee would flag in ``fig`` at a glance (empty list: nothing).

    * two text artists whose drawn boxes overlap by more than ``tol_px`` pixels in
      both directions (tick labels of one axis with each other and with anything else,
      axis labels, titles, annotations, legends as whole boxes);
    * an axis that shows tick labels but has no label (a colour bar included);
    * raw TeX or code markup outside math mode (see :func:`raw_markup`) in any text,
      legend entries included.
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    problems = []
    items = [(n, a, a.get_window_extent(renderer)) for n, a in _texts(fig)]
    for (na, _, ba), (nb, _, bb) in itertools.combinations(items, 2):
        w = min(ba.x1, bb.x1) - max(ba.x0, bb.x0)
        h = min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
        if w > tol_px and h > tol_px:
            problems.append(f"overlap: {na} and {nb} ({w:.0f} x {h:.0f} px)")
    for k, ax in enumerate(fig.get_axes()):
        if not (ax.get_visible() and ax.axison):
            continue
        for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            if _drawn_tick_labels(axis) and not axis.label.get_text().strip():
                problems.append(f"axes {k} ({ax.get_title() or ax.get_label()}): {which} axis has "
                                "tick labels but no label")
    texts = []
    for name, a, _ in items:
        if hasattr(a, "get_texts"):                 # a legend: its entries and title
            texts += [(f"{name} entry", t.get_text()) for t in a.get_texts()]
            texts.append((f"{name} title", a.get_title().get_text()))
        else:
            texts.append((name, a.get_text()))
    for name, text in texts:
        bad = raw_markup(text)
        if bad:
            problems.append(f"raw markup {bad!r} outside math mode in {name}: {text!r}")
    return problems
