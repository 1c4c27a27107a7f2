"""Input uncertainty of the electron-phonon coupling: a lambda interval per metal
from the convergence records that exist, propagated to Tc and Delta0 by
rescaling alpha2F to the ends of the interval (paper004.metal_results).

Contributions (each a ratio lambda_variant / lambda of the cache; the interval
is lambda times [min, max] of the ratios and 1):

* electron-phonon smearing: +- the largest relative deviation of lambda within
  the stability window (cache attribute ``lambda_stability_max_rel_dev``;
  absent for the tetrahedron metals, which have no smearing);
* q grid: lambda of the q-grid check run (``lambda_q_grid_check``, the coarser
  grid, same interpolation as the cache) over the cached lambda;
* other recorded variants, transcribed with their source in
  ``resources/abinitio/lambda_variants.csv`` (the LDA lattice constant of Al,
  Nb and Ta; for Pb with spin-orbit by transfer, the bounds of the q point its
  4^3 spin-orbit grid lacks).  Not measured and so not included: the lattice
  constant of Mo, Pb and Cu.

For a spin-orbit transfer (attributes ``scalar_lambda``,
``scalar_lambda_q_grid_check``) the q-grid ratio is the scalar grids' one.

The interval is the spread of the recorded alternatives, not a statistical
confidence interval.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import InputError

VARIANT_COLUMNS = ("metal", "variant", "lambda_ratio", "source", "note")


@dataclass(frozen=True)
class LambdaInterval:
    low: float
    high: float
    sources: tuple[str, ...]          # "<variant>: ratio <r> (<source>)"

    def describe(self) -> str:
        return "; ".join(self.sources) if self.sources else "no recorded variant"


def read_lambda_variants(path: str | Path) -> pd.DataFrame:
    """The transcribed lambda variants (CSV with :data:`VARIANT_COLUMNS`)."""
    path = Path(path)
    try:
        df = pd.read_csv(path)
    except (OSError, pd.errors.ParserError) as exc:
        raise InputError(path, "<file>", f"not a readable CSV ({exc})") from None
    missing = [c for c in VARIANT_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(path, "header", f"missing column(s) {missing}; expected {list(VARIANT_COLUMNS)}")
    r = pd.to_numeric(df["lambda_ratio"], errors="coerce")
    bad = ~(r > 0) | ~r.apply(math.isfinite)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(path, f"lambda_ratio (row {i + 2})",
                         f"got {df['lambda_ratio'].iloc[i]!r}; expected a finite ratio > 0")
    df["lambda_ratio"] = r
    return df


def _finite(v) -> float | None:
    """A finite number from a NetCDF attribute, else None (strings such as
    'not applicable (tetrahedra)' included)."""
    if isinstance(v, str):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def lambda_interval(metal: str, lam: float, attrs: dict, variants: pd.DataFrame | None) -> LambdaInterval:
    """Interval of lambda for ``metal`` (cached ``lam``, cache attributes ``attrs``)."""
    ratios, sources = [1.0], []
    dev = _finite(attrs.get("lambda_stability_max_rel_dev"))
    if dev is not None:
        ratios += [1.0 - dev, 1.0 + dev]
        sources.append(f"smearing stability: +-{dev:.3f} (window "
                       f"{attrs.get('lambda_stability_window_Ry')} Ry)")
    qc, ref, of = _finite(attrs.get("lambda_q_grid_check")), lam, ""
    if qc is None:
        # a spin-orbit transfer (scimodel.qe.spin_orbit): the q check is the scalar grid's,
        # a ratio to the scalar lambda
        qc, ref, of = (_finite(attrs.get("scalar_lambda_q_grid_check")),
                       _finite(attrs.get("scalar_lambda")) or 0.0, " (scalar grids)")
    if qc is not None and ref > 0:
        ratios.append(qc / ref)
        sources.append(f"q grid {attrs.get('q_grid_check')}^3 vs {attrs.get('q_grid')}^3{of}: "
                       f"ratio {qc / ref:.3f}")
    if variants is not None:
        for _, row in variants[variants["metal"] == metal].iterrows():
            ratios.append(float(row["lambda_ratio"]))
            sources.append(f"{row['variant']}: ratio {float(row['lambda_ratio']):.3f} ({row['source']})")
    return LambdaInterval(lam * min(ratios), lam * max(ratios), tuple(sources))
