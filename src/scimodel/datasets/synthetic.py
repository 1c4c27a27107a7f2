"""Synthetic records: true points placed on a virtual figure and picked with pixel noise."""
from __future__ import annotations

from typing import Mapping

import numpy as np

from ..digitize import Calibration, calibration_from_points
from .quantities import ROLES
from .records import RECORD_FORMAT, SYNTHETIC_TAG


# --------------------------------------------------------------------------- synthetic records
def nice_range(v, log: bool, pad: float = 0.08) -> tuple[float, float]:
    """Axis range enclosing ``v`` (decades on a log axis)."""
    v = np.asarray(v, float)
    if log:
        return 10.0 ** np.floor(np.log10(v.min()) - 1e-9), 10.0 ** np.ceil(np.log10(v.max()) + 1e-9)
    lo, hi = float(v.min()), float(v.max())
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    lo2 = 0.0 if lo >= 0 and lo < 0.3 * span else lo - pad * span
    hi2 = hi + pad * span
    step = 10.0 ** np.floor(np.log10(hi2 - lo2)) / 2.0      # round to 'tick' values
    return float(np.floor(lo2 / step) * step), float(np.ceil(hi2 / step) * step)


def virtual_calibration(xrange, yrange, xlog=False, ylog=False, size=(640, 480),
                        box=(80, 40, 600, 420), rotation_deg: float = 0.0) -> Calibration:
    """Calibration of a virtual figure: data ranges on the pixel box
    (left, top, right, bottom), optionally rotated by ``rotation_deg`` about
    the image centre (a scanned page)."""
    l, t, r, b = box
    cx, cy = size[0] / 2.0, size[1] / 2.0
    th = np.deg2rad(rotation_deg)

    def rot(px, py):
        dx, dy = px - cx, py - cy
        return (cx + np.cos(th) * dx - np.sin(th) * dy, cy + np.sin(th) * dx + np.cos(th) * dy)

    pts = {"x1": (*rot(l, b), xrange[0]), "x2": (*rot(r, b), xrange[1]),
           "y1": (*rot(l, b), yrange[0]), "y2": (*rot(l, t), yrange[1])}
    return calibration_from_points([pts["x1"], pts["x2"]], [pts["y1"], pts["y2"]], xlog, ylog)


def synthetic_pixels(cal: Calibration, x, y, sigma_px: float, rng) -> np.ndarray:
    """Pixel positions of true data points plus Gaussian pick noise (pixels)."""
    px, py = cal.data_to_pixel(x, y)
    pix = np.column_stack([px, py]) + rng.normal(0.0, sigma_px, size=(len(px), 2))
    return np.round(pix, 2)


def synthetic_record(rid: str, role: str, source: Mapping, x, y, *, xunit: str, yunit: str,
                     xlog=False, ylog=False, sigma_px: float, rng, seed: int, truth: Mapping,
                     generator: str, cls: str | None = None, parameters: Mapping | None = None,
                     title: str = "", rotation_deg: float = 0.0, xrange=None, yrange=None,
                     size=(640, 480)) -> dict:
    """A complete synthetic record (dict ready for YAML): the true points
    ``(x, y)`` (in ``xunit``/``yunit``) placed on a virtual figure and picked
    with Gaussian pixel noise ``sigma_px``."""
    xq, yq = ROLES[role]
    xrange = xrange or nice_range(x, xlog)
    yrange = yrange or nice_range(y, ylog)
    cal = virtual_calibration(xrange, yrange, xlog, ylog, size=size, rotation_deg=rotation_deg)
    pix = synthetic_pixels(cal, np.asarray(x, float), np.asarray(y, float), sigma_px, rng)
    rec = {
        "format": RECORD_FORMAT,
        "id": rid,
        "kind": "synthetic",
        "status": "synthetic",
        "role": role,
        "title": f"{SYNTHETIC_TAG}: {title}",
        "source": dict(source),
        "x": {"quantity": xq, "unit": xunit, "scale": "log" if xlog else "linear"},
        "y": {"quantity": yq, "unit": yunit, "scale": "log" if ylog else "linear"},
    }
    if cls:
        rec["class"] = cls
    if parameters:
        rec["parameters"] = {k: dict(v) for k, v in parameters.items()}
    rec["data"] = {
        "type": "pixels",
        "image": {"size": [int(size[0]), int(size[1])]},
        "calibration": {k: [{"pixel": [round(float(p["pixel"][0]), 3), round(float(p["pixel"][1]), 3)],
                             "value": p["value"]} for p in v]
                        for k, v in cal.to_dict().items()},
        "pick_uncertainty_px": float(sigma_px),
        "points": [[float(a), float(b)] for a, b in pix],
    }
    rec["synthetic"] = {
        "generator": generator,
        "seed": int(seed),
        "noise": (f"Gaussian pick noise, sigma = {sigma_px} px in each pixel coordinate, on a "
                  f"virtual {size[0]}x{size[1]} figure" + (f" rotated by {rotation_deg} deg" if rotation_deg else "")),
        "truth": _plain(truth),
        "truth_units": ("canonical: rho/rho0 uOhm cm, T/Tc/theta K, A uOhm cm/K^2, beta uOhm cm/K^5, "
                        "F (uOhm cm)^1/2/K, fluence_1e18 in 1e18 n/cm^2"),
    }
    return rec


def _plain(obj):
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return float(obj)
    if isinstance(obj, (np.integer, int)) and not isinstance(obj, bool):
        return int(obj)
    return obj
