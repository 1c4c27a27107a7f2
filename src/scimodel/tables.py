"""Write one table as CSV, Markdown and LaTeX (and NetCDF via :mod:`scimodel.io`)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .io import atomic_write_text


def _atomic_write(path: Path, text: str) -> None:
    atomic_write_text(path, text)


def write_table(df: pd.DataFrame, *, csv=None, md=None, tex=None, floatfmt: str = ".4g",
                title: str = "", notes: str = "") -> None:
    """Write ``df`` to any of CSV / Markdown / LaTeX paths (atomically).

    The Markdown file gets ``title`` as a heading and ``notes`` below the table.
    """
    if csv:
        _atomic_write(Path(csv), df.to_csv(index=False, float_format="%.6g"))
    if md:
        body = df.to_markdown(index=False, floatfmt=floatfmt)
        head = f"# {title}\n\n" if title else ""
        tail = f"\n\n{notes}\n" if notes else "\n"
        _atomic_write(Path(md), head + body + tail)
    if tex:
        _atomic_write(Path(tex), df.to_latex(index=False, float_format=lambda x: f"{x:{floatfmt}}"))
