"""Shared Matplotlib helpers: headless backend, house style, synthetic stamps."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SYNTHETIC_LABEL = "SYNTHETIC DATA (pipeline demonstration, not literature)"

plt.rcParams.update({
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
})


def stamp_synthetic(ax_or_fig, text: str = SYNTHETIC_LABEL) -> None:
    """Write a visible 'synthetic' warning on an axes or a figure."""
    if hasattr(ax_or_fig, "transAxes"):
        ax_or_fig.text(0.5, 0.5, text, transform=ax_or_fig.transAxes, ha="center",
                       va="center", fontsize=8, color="red", alpha=0.35, rotation=20,
                       zorder=0)
    else:
        ax_or_fig.text(0.5, 0.995, text, ha="center", va="top", fontsize=8, color="red")


def savefig(fig, path: str | Path) -> None:
    """Save and close a figure (parents created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
