"""Digitization of figures: axis calibration, pixel -> data, automatic picking.

Pixel convention
----------------
Pixel coordinates are ``(px, py)`` = (column, row) of the image, origin at the
top-left corner, ``py`` growing downwards, the centre of pixel ``[row, col]``
at ``(col, row)``.  This is the convention of WebPlotDigitizer (WPD) and of
``skimage``; a record written by hand uses the same (any image viewer shows
it).

Calibration
-----------
Two reference points per axis, as in WPD's "2D (X-Y) plot" axes: ``X1``, ``X2``
carry known x values, ``Y1``, ``Y2`` known y values, each at a picked pixel.
With ``u`` = x (or log10 x on a log axis) and ``v`` = y (or log10 y), the
calibration is the affine map

    P = O + u e_x + v e_y,  e_x = (P_X1 - P_X2)/(u_1 - u_2),  e_y = (P_Y1 - P_Y2)/(v_1 - v_2),

and ``O`` follows from u(P_X1) = u_1 and v(P_Y1) = v_1.  The axes may be
rotated (a scanned page) or skewed (non-perpendicular axes); the X points need
not lie on the y = 0 line, nor the Y points on x = 0.

Uncertainty
-----------
A pick uncertainty ``s`` (pixels, isotropic, independent in both pixel
coordinates) maps to ``cov(u, v) = s^2 M^-1 M^-T`` with ``M = [e_x e_y]``;
on a log axis ``sigma_x = ln(10) x sigma_u``.

Automatic picking
-----------------
:func:`colour_mask`, :func:`extract_markers` (connected components, centroid
per marker) and :func:`extract_curve` (centroid of the curve's pixels in each
image column; a Numba kernel with a NumPy twin) for users who bring an image.

WebPlotDigitizer projects
-------------------------
:func:`read_wpd_project` reads the axes calibration and the picked points of
a WPD project (``.json``, WPD 4 and the older ``{"wpd": ...}`` layout, or the
``.tar`` project archive); :func:`write_wpd_project` writes the WPD 4 layout.
"""
from __future__ import annotations

import io as _io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import InputError
from .numba_config import jit

LN10 = float(np.log(10.0))


# --------------------------------------------------------------------------- calibration
@dataclass(frozen=True)
class AxisPoint:
    """One calibration point: a picked pixel and the data value it marks."""

    px: float
    py: float
    value: float


@dataclass
class Calibration:
    """Two-point-per-axis calibration (see module docstring).

    Parameters
    ----------
    x1, x2 : AxisPoint
        Points of known x value.
    y1, y2 : AxisPoint
        Points of known y value.
    xlog, ylog : bool
        Logarithmic axes (values must then be > 0).
    source : str
        File the calibration came from (for error messages).
    """

    x1: AxisPoint
    x2: AxisPoint
    y1: AxisPoint
    y2: AxisPoint
    xlog: bool = False
    ylog: bool = False
    source: str | None = None
    field_prefix: str = "calibration"
    M: np.ndarray = field(init=False, repr=False)
    Minv: np.ndarray = field(init=False, repr=False)
    origin: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        f = self.field_prefix
        for axis, log, pts in (("x", self.xlog, (self.x1, self.x2)),
                               ("y", self.ylog, (self.y1, self.y2))):
            for i, p in enumerate(pts):
                vals = (p.px, p.py, p.value)
                if not all(np.isfinite(v) for v in vals):
                    raise InputError(self.source, f"{f}.{axis}[{i}]",
                                     f"non-finite pixel or value {vals}")
                if log and p.value <= 0:
                    raise InputError(self.source, f"{f}.{axis}[{i}].value",
                                     f"log axis needs a value > 0, got {p.value}")
            a, b = pts
            if a.px == b.px and a.py == b.py:
                raise InputError(self.source, f"{f}.{axis}",
                                 f"the two calibration points share the pixel ({a.px}, {a.py}); "
                                 "expected two distinct points")
            if a.value == b.value:
                raise InputError(self.source, f"{f}.{axis}",
                                 f"the two calibration points have the same value {a.value}; "
                                 "expected two different values")
        u1, u2 = self._u(self.x1.value), self._u(self.x2.value)
        v1, v2 = self._v(self.y1.value), self._v(self.y2.value)
        p = {k: np.array([getattr(self, k).px, getattr(self, k).py], float)
             for k in ("x1", "x2", "y1", "y2")}
        ex = (p["x1"] - p["x2"]) / (u1 - u2)
        ey = (p["y1"] - p["y2"]) / (v1 - v2)
        M = np.column_stack([ex, ey])
        det = np.linalg.det(M)
        scale = np.linalg.norm(ex) * np.linalg.norm(ey)
        if abs(det) < 1e-6 * scale:
            raise InputError(self.source, f"{f}",
                             "x and y calibration directions are parallel; expected two "
                             "non-parallel axes")
        Minv = np.linalg.inv(M)
        b = np.array([Minv[0] @ p["x1"] - u1, Minv[1] @ p["y1"] - v1])
        self.M, self.Minv, self.origin = M, Minv, M @ b

    def _u(self, x):
        return np.log10(x) if self.xlog else np.asarray(x, float)

    def _v(self, y):
        return np.log10(y) if self.ylog else np.asarray(y, float)

    # ------------------------------------------------------------------ transforms
    def pixel_to_data(self, px, py) -> tuple[np.ndarray, np.ndarray]:
        """Pixel coordinates -> data values (arrays)."""
        P = np.stack([np.asarray(px, float), np.asarray(py, float)], axis=0)
        d = P - self.origin.reshape((2,) + (1,) * (P.ndim - 1))
        u = self.Minv[0, 0] * d[0] + self.Minv[0, 1] * d[1]
        v = self.Minv[1, 0] * d[0] + self.Minv[1, 1] * d[1]
        x = 10.0**u if self.xlog else u
        y = 10.0**v if self.ylog else v
        return x, y

    def data_to_pixel(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Data values -> pixel coordinates (the inverse map)."""
        u = self._u(np.asarray(x, float))
        v = self._v(np.asarray(y, float))
        px = self.origin[0] + self.M[0, 0] * u + self.M[0, 1] * v
        py = self.origin[1] + self.M[1, 0] * u + self.M[1, 1] * v
        return px, py

    def data_sigma(self, x, y, sigma_px: float) -> tuple[np.ndarray, np.ndarray]:
        """One-sigma data uncertainties of points at (x, y) from an isotropic
        pick uncertainty ``sigma_px`` (pixels)."""
        C = sigma_px**2 * (self.Minv @ self.Minv.T)
        su, sv = np.sqrt(C[0, 0]), np.sqrt(C[1, 1])
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        sx = LN10 * np.abs(x) * su if self.xlog else np.full_like(x, su)
        sy = LN10 * np.abs(y) * sv if self.ylog else np.full_like(y, sv)
        return sx, sy

    def to_dict(self) -> dict:
        """Record-style description (``calibration:`` block)."""
        def pt(p):
            return {"pixel": [float(p.px), float(p.py)], "value": float(p.value)}
        return {"x": [pt(self.x1), pt(self.x2)], "y": [pt(self.y1), pt(self.y2)]}


def calibration_from_points(xpts: Sequence, ypts: Sequence, xlog=False, ylog=False,
                            source=None, field_prefix="calibration") -> Calibration:
    """Build a :class:`Calibration` from ``[(px, py, value), (px, py, value)]`` per axis."""
    for axis, pts in (("x", xpts), ("y", ypts)):
        if pts is None or len(pts) != 2:
            n = 0 if pts is None else len(pts)
            raise InputError(source, f"{field_prefix}.{axis}",
                             f"{n} calibration point(s); expected exactly 2")
    mk = [AxisPoint(float(p[0]), float(p[1]), float(p[2])) for p in (*xpts, *ypts)]
    return Calibration(*mk, xlog=xlog, ylog=ylog, source=source, field_prefix=field_prefix)


# --------------------------------------------------------------------------- images
def load_image(path: str | Path) -> np.ndarray:
    """Read an image as float RGB in [0, 1], shape (rows, cols, 3)."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "<file>", "image file does not exist")
    try:
        from skimage import io as skio
        img = skio.imread(str(path))
    except Exception as exc:  # noqa: BLE001  (any decoder error is bad input)
        raise InputError(path, "<file>", f"not a readable image ({exc})") from None
    return as_rgb(img)


def as_rgb(img) -> np.ndarray:
    """Any grey/RGB/RGBA array (uint8 or float) -> float RGB in [0, 1]."""
    img = np.asarray(img)
    if img.dtype.kind in "ui":
        img = img.astype(float) / float(np.iinfo(img.dtype).max)
    else:
        img = img.astype(float)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    if img.shape[2] == 4:   # composite on white
        a = img[..., 3:4]
        img = img[..., :3] * a + (1.0 - a)
    return img[..., :3]


def parse_colour(colour) -> np.ndarray:
    """'#rrggbb', a matplotlib colour name or an (r, g, b) triple (0-1 or 0-255) -> RGB in [0, 1]."""
    if isinstance(colour, str):
        from matplotlib.colors import to_rgb
        return np.array(to_rgb(colour), float)
    c = np.asarray(colour, float)[:3]
    return c / 255.0 if c.max() > 1.0 else c


def colour_mask(image, colour, tol: float = 0.25) -> np.ndarray:
    """Boolean mask of pixels within Euclidean RGB distance ``tol`` (0-1 units)
    of ``colour``."""
    img = as_rgb(image)
    c = parse_colour(colour)
    return np.sqrt(((img - c) ** 2).sum(axis=2)) <= tol


def extract_markers(image, colour, tol: float = 0.25, min_area: int = 4,
                    max_area: int | None = None) -> np.ndarray:
    """Centroids ``(px, py)`` of the markers of one colour (connected components).

    Components smaller than ``min_area`` pixels (anti-aliasing specks) or
    larger than ``max_area`` are dropped.  Touching markers merge into one
    component: pick those by hand.  Sorted by ``px``.
    """
    from skimage.measure import label, regionprops
    mask = colour_mask(image, colour, tol)
    out = []
    for reg in regionprops(label(mask, connectivity=2)):
        if reg.area < min_area or (max_area is not None and reg.area > max_area):
            continue
        r, c = reg.centroid
        out.append((c, r))
    arr = np.array(out, float).reshape(-1, 2)
    return arr[np.argsort(arr[:, 0])] if len(arr) else arr


@jit
def _column_centroids_nb(mask):
    nr, nc = mask.shape
    ys = np.full(nc, np.nan)
    for j in range(nc):
        s = 0.0
        n = 0
        for i in range(nr):
            if mask[i, j]:
                s += i
                n += 1
        if n > 0:
            ys[j] = s / n
    return ys


def _column_centroids_np(mask):
    """NumPy twin of :func:`_column_centroids_nb`."""
    mask = np.asarray(mask, bool)
    n = mask.sum(axis=0)
    rows = np.arange(mask.shape[0], dtype=float)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        ys = (mask * rows).sum(axis=0) / n
    return np.where(n > 0, ys, np.nan)


def column_centroids(mask, numba: bool = True) -> np.ndarray:
    """Mean row of the True pixels of each column (NaN where a column is empty)."""
    mask = np.ascontiguousarray(mask, dtype=np.bool_)
    return _column_centroids_nb(mask) if numba else _column_centroids_np(mask)


def extract_curve(image, colour, tol: float = 0.25, step: int = 1,
                  xrange: tuple[float, float] | None = None) -> np.ndarray:
    """Pixel points ``(px, py)`` along a single-valued curve of one colour.

    For each image column with curve pixels the centroid row is taken (a
    line drawn several pixels wide gives its centre line); every ``step``-th
    column is returned, optionally restricted to ``xrange`` (pixels).
    """
    mask = colour_mask(image, colour, tol)
    ys = column_centroids(mask)
    xs = np.arange(mask.shape[1], dtype=float)
    ok = np.isfinite(ys)
    if xrange is not None:
        ok &= (xs >= xrange[0]) & (xs <= xrange[1])
    pts = np.column_stack([xs[ok], ys[ok]])
    return pts[::step]


# --------------------------------------------------------------------------- WebPlotDigitizer
@dataclass
class WPDSeries:
    """Calibration and picked pixels of one dataset of a WPD project."""

    calibration: Calibration
    pixels: np.ndarray            # (n, 2) px, py
    name: str
    wpd_values: np.ndarray | None  # the values WPD computed (n, 2), if stored
    image_name: str | None = None
    image_size: tuple[int, int] | None = None   # (width, height) of an image inside a .tar project


def _load_wpd_json(path: Path) -> tuple[dict, str | None]:
    if path.suffix == ".tar":
        try:
            with tarfile.open(path) as tf:
                names = tf.getnames()
                js = [n for n in names if n.endswith("wpd.json")]
                if not js:
                    raise InputError(path, "<archive>", "no wpd.json inside the project archive")
                text = tf.extractfile(js[0]).read().decode("utf-8")
                imgs = [n for n in names if n.lower().endswith((".png", ".jpg", ".jpeg", ".gif"))]
                size = None
                if imgs:
                    from skimage import io as skio
                    try:
                        arr = skio.imread(_io.BytesIO(tf.extractfile(imgs[0]).read()))
                        size = (int(arr.shape[1]), int(arr.shape[0]))
                    except Exception:  # noqa: BLE001  (an unreadable image only loses the size check)
                        size = None
        except tarfile.TarError as exc:
            raise InputError(path, "<file>", f"not a readable tar archive ({exc})") from None
        image = (imgs[0], size) if imgs else None
    else:
        text = path.read_text()
        image = None
    try:
        return json.loads(text), image
    except json.JSONDecodeError as exc:
        raise InputError(path, f"line {exc.lineno}", f"malformed JSON: {exc.msg}") from None


def _num(v, path, fld):
    try:
        out = float(v)
    except (TypeError, ValueError):
        raise InputError(path, fld, f"expected a number, got {v!r}") from None
    if not np.isfinite(out):
        raise InputError(path, fld, f"expected a finite number, got {v!r}")
    return out


def _point(d, i, path, fld):
    """Pixel (x, y) of WPD data point ``i``: an object with keys x and y."""
    if not isinstance(d, dict):
        raise InputError(path, f"{fld}[{i}]", f"expected an object {{\"x\": ..., \"y\": ...}} "
                         f"(WebPlotDigitizer's layout), got {type(d).__name__} {d!r}")
    return _num(d.get("x"), path, f"{fld}[{i}].x"), _num(d.get("y"), path, f"{fld}[{i}].y")


def read_wpd_project(path: str | Path, dataset: str | None = None) -> WPDSeries:
    """Read one dataset of a WebPlotDigitizer project (.json or .tar).

    Parameters
    ----------
    path : path-like
        WPD project JSON (``File > Save Project`` stores it as ``wpd.json``
        inside a ``.tar``; both are accepted).
    dataset : str, optional
        Name of the dataset (``datasetColl[].name``); required when the
        project holds more than one.

    Only "XYAxes" calibrations (linear or log, rotated allowed) are supported.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "<file>", "WebPlotDigitizer project file does not exist")
    doc, image = _load_wpd_json(path)
    if not isinstance(doc, dict):
        raise InputError(path, "<root>", "expected a JSON object")
    if "wpd" in doc and "axesColl" not in doc:      # WPD 3 layout
        doc = doc["wpd"]
        dkey = "dataSeriesColl"
    else:
        dkey = "datasetColl"
    axes = doc.get("axesColl")
    if not axes:
        raise InputError(path, "axesColl", "no axes calibration in the project")
    datasets = doc.get(dkey) or doc.get("datasetColl") or doc.get("dataSeriesColl")
    if not datasets:
        raise InputError(path, dkey, "no dataset in the project")
    if dataset is None:
        if len(datasets) != 1:
            names = [d.get("name") for d in datasets]
            raise InputError(path, dkey, f"{len(datasets)} datasets {names}; name one with 'dataset:'")
        ds = datasets[0]
    else:
        match = [d for d in datasets if d.get("name") == dataset]
        if not match:
            names = [d.get("name") for d in datasets]
            raise InputError(path, f"{dkey}[name={dataset!r}]", f"no such dataset; have {names}")
        ds = match[0]
    axname = ds.get("axesName")
    ax = next((a for a in axes if a.get("name") == axname), axes[0] if len(axes) == 1 else None)
    if ax is None:
        raise InputError(path, "axesColl", f"no axes named {axname!r}")
    if ax.get("type", "XYAxes") != "XYAxes":
        raise InputError(path, "axesColl.type", f"{ax.get('type')!r} not supported; expected 'XYAxes'")
    cps = ax.get("calibrationPoints") or []
    if len(cps) != 4:
        raise InputError(path, "axesColl.calibrationPoints",
                         f"{len(cps)} calibration point(s); expected 4 (X1, X2, Y1, Y2)")
    f = "axesColl.calibrationPoints"
    xpts = [(_num(c.get("px"), path, f"{f}[{i}].px"), _num(c.get("py"), path, f"{f}[{i}].py"),
             _num(c.get("dx"), path, f"{f}[{i}].dx")) for i, c in enumerate(cps[:2])]
    ypts = [(_num(c.get("px"), path, f"{f}[{i}].px"), _num(c.get("py"), path, f"{f}[{i}].py"),
             _num(c.get("dy"), path, f"{f}[{i}].dy")) for i, c in enumerate(cps[2:], start=2)]
    cal = calibration_from_points(xpts, ypts, xlog=bool(ax.get("isLogX", False)),
                                  ylog=bool(ax.get("isLogY", False)), source=str(path),
                                  field_prefix=f)
    data = ds.get("data") or []
    if not data:
        raise InputError(path, f"{dkey}[{ds.get('name')!r}].data", "dataset has no points")
    pix = np.array([_point(d, i, path, f"{dkey}[{ds.get('name')!r}].data")
                    for i, d in enumerate(data)], float)
    vals = None
    if all("value" in d for d in data):
        try:
            vals = np.array([[float(v) for v in d["value"][:2]] for d in data], float)
        except (TypeError, ValueError):
            vals = None
    return WPDSeries(calibration=cal, pixels=pix, name=str(ds.get("name")), wpd_values=vals,
                     image_name=image[0] if image else None, image_size=image[1] if image else None)


def write_wpd_project(path: str | Path, calibration: Calibration, pixels,
                      name: str = "Default Dataset", image_size: tuple[int, int] | None = None) -> Path:
    """Write a WPD-4-style project JSON with one XY axes and one dataset."""
    path = Path(path)
    cal = calibration
    cps = [{"px": p.px, "py": p.py, "dx": str(p.value) if i < 2 else "0",
            "dy": str(p.value) if i >= 2 else "0", "dz": None}
           for i, p in enumerate((cal.x1, cal.x2, cal.y1, cal.y2))]
    pixels = np.asarray(pixels, float).reshape(-1, 2)
    x, y = cal.pixel_to_data(pixels[:, 0], pixels[:, 1])
    doc = {
        "version": [4, 2],
        "axesColl": [{"name": "XY", "type": "XYAxes", "isLogX": cal.xlog, "isLogY": cal.ylog,
                      "noRotation": False, "calibrationPoints": cps}],
        "datasetColl": [{"name": name, "axesName": "XY", "colorRGB": [200, 0, 0, 255],
                         "metadataKeys": [], "autoDetectionData": None,
                         "data": [{"x": float(px), "y": float(py), "value": [float(a), float(b)]}
                                  for (px, py), a, b in zip(pixels, x, y)]}],
        "measurementColl": [],
    }
    if image_size is not None:
        doc["imageSize"] = list(image_size)   # not a WPD key; ignored by WPD
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1))
    return path


def wpd_tar_bytes(doc_path: str | Path, image_path: str | Path | None = None,
                  name: str = "project") -> bytes:
    """A WPD ``.tar`` project archive (wpd.json + optional image) as bytes."""
    buf = _io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        tf.add(str(doc_path), arcname=f"{name}/wpd.json")
        if image_path is not None:
            tf.add(str(image_path), arcname=f"{name}/{Path(image_path).name}")
    return buf.getvalue()
