"""Digitization records: YAML reading, schema validation, :class:`Series` and its NetCDF form."""
from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import xarray as xr
import yaml

from ..digitize import Calibration, calibration_from_points, load_image, read_wpd_project
from ..errors import InputError
from ..io import da
from .quantities import QUANTITIES, ROLES, unit_factor

RECORD_FORMAT = "scimodel-digitization/1"
AWAITING = "awaiting source figure"
SYNTHETIC_TAG = "SYNTHETIC"


REFERENCE_PAPER000 = ("M. ElMassalami and M. B. Silva Neto, Defect-engineered, universal "
                      "kinematic correlations between superconductivity and Fermi liquid "
                      "transport, arXiv:1904.04773")


# --------------------------------------------------------------------------- helpers
def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def read_yaml(path: str | Path) -> Any:
    """YAML (or JSON) file -> object, with InputError on syntax errors."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "<file>", "file does not exist")
    text = path.read_text()
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"line {exc.lineno}", f"malformed JSON: {exc.msg}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "<syntax>"
        msg = getattr(exc, "problem", None) or str(exc)
        raise InputError(path, where, f"malformed YAML: {msg}") from None


@lru_cache(maxsize=4)
def _schema(name: str) -> dict:
    """The JSON schema ``<name>`` shipped in the package (``scimodel/schemas``)."""
    from .. import schema_path
    return yaml.safe_load(schema_path(name).read_text())


def _validate(doc, schema: dict, path, prefix: str = "") -> None:
    import jsonschema
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        loc = ".".join(str(p) for p in e.absolute_path)
        loc = f"{prefix}.{loc}" if prefix and loc else (prefix or loc or "<root>")
        raise InputError(path, loc, e.message)


# --------------------------------------------------------------------------- records
@dataclass
class Series:
    """One data series in canonical units (the product of :func:`load_record`)."""

    id: str
    meta: dict
    x: np.ndarray
    y: np.ndarray
    sigma_x: np.ndarray
    sigma_y: np.ndarray
    pixels: np.ndarray | None = None      # (n, 2) when digitized
    calibration: Calibration | None = None
    image_sha256: str | None = None
    record_path: str | None = None
    inputs: list[str] = field(default_factory=list)

    @property
    def group(self) -> str:
        return self.id.split("/")[0]

    @property
    def name(self) -> str:
        return self.id.split("/")[1]

    @property
    def xq(self) -> str:
        return self.meta["x"]["quantity"]

    @property
    def yq(self) -> str:
        return self.meta["y"]["quantity"]

    @property
    def synthetic(self) -> bool:
        return self.meta["kind"] == "synthetic"

    @property
    def has_data(self) -> bool:
        return len(self.x) > 0


def record_inputs(path: str | Path) -> list[str]:
    """Files a record depends on (itself, its image, WPD project, table)."""
    path = Path(path)
    doc = read_yaml(path)
    out = [str(path)]
    data = (doc or {}).get("data") if isinstance(doc, dict) else None
    if isinstance(data, dict):
        if data.get("file"):
            out.append(str(path.parent / data["file"]))
        img = data.get("image") or {}
        if isinstance(img, dict) and img.get("file"):
            out.append(str(path.parent / img["file"]))
    return out


def _check_image(path: Path, img: Mapping | None, fld: str) -> tuple[tuple[int, int] | None, str | None]:
    """Return ((width, height) or None, sha256 or None); checks the hash."""
    if not img:
        return None, None
    size = tuple(img["size"]) if img.get("size") else None
    digest = None
    if img.get("file"):
        ipath = path.parent / img["file"]
        if not ipath.exists():
            raise InputError(path, f"{fld}.file", f"image {ipath} does not exist")
        digest = sha256_file(ipath)
        if not img.get("sha256"):
            raise InputError(path, f"{fld}.sha256", f"missing; expected the image's SHA-256 {digest}")
        if img["sha256"] != digest:
            raise InputError(path, f"{fld}.sha256",
                             f"is {img['sha256']} but the image file hashes to {digest} "
                             "(image changed after digitization?)")
        arr = load_image(ipath)
        size = (arr.shape[1], arr.shape[0])
    return size, digest


def _check_inside(path, pixels: np.ndarray, size, fld: str) -> None:
    bad = ~np.isfinite(pixels).all(axis=-1) if pixels.ndim == 2 else np.ones(1, bool)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(path, f"{fld}[{i}]", f"got {pixels[i].tolist() if pixels.ndim == 2 else pixels!r}; "
                         "expected a pixel position of two finite numbers")
    if size is None:
        return
    w, h = size
    for i, (px, py) in enumerate(pixels):
        if not (-0.5 <= px <= w - 0.5 and -0.5 <= py <= h - 0.5):
            raise InputError(path, f"{fld}[{i}]",
                             f"point ({px}, {py}) lies outside the {w}x{h} image")


def load_record(path: str | Path) -> Series:
    """Validate a record file and return its :class:`Series` (canonical units).

    Skeleton records (status 'awaiting source figure') return a series with
    no points.  Every problem raises :class:`InputError` naming the file and
    the field.
    """
    path = Path(path)
    doc = read_yaml(path)
    if not isinstance(doc, dict):
        raise InputError(path, "<root>", "expected a mapping (a YAML record)")
    schema = dict(_schema("digitization.schema.yaml"))
    top = {k: v for k, v in schema.items()}
    top["properties"] = {k: v for k, v in schema["properties"].items() if k != "data"}
    top["properties"]["data"] = {}
    _validate(doc, top, path)
    # identity
    rid = doc["id"]
    group, name = rid.split("/")
    if path.stem != name or path.parent.name != group:
        raise InputError(path, "id", f"{rid!r} does not match the file location "
                         f"{path.parent.name}/{path.stem}.yaml")
    kind, status, role = doc["kind"], doc["status"], doc["role"]
    want_xy = ROLES[role]
    for ax, q in zip(("x", "y"), want_xy):
        if doc[ax]["quantity"] != q:
            raise InputError(path, f"{ax}.quantity",
                             f"{doc[ax]['quantity']!r} but role {role!r} needs {q!r}")
    fx = unit_factor(doc["x"]["quantity"], doc["x"]["unit"], path, "x.unit")
    fy = unit_factor(doc["y"]["quantity"], doc["y"]["unit"], path, "y.unit")
    xlog = doc["x"].get("scale", "linear") == "log"
    ylog = doc["y"].get("scale", "linear") == "log"
    params = {}
    for pname, p in (doc.get("parameters") or {}).items():
        if pname not in QUANTITIES:
            raise InputError(path, f"parameters.{pname}",
                             f"unknown quantity; expected one of {sorted(QUANTITIES)}")
        params[pname] = p["value"] * unit_factor(pname, p["unit"], path, f"parameters.{pname}.unit")
    if kind == "synthetic" and "synthetic" not in doc:
        raise InputError(path, "synthetic", "kind 'synthetic' needs a 'synthetic:' block")
    if kind != "synthetic" and "synthetic" in doc:
        raise InputError(path, "synthetic", f"only synthetic records carry this block (kind is {kind!r})")
    if kind == "synthetic" and status != "synthetic":
        raise InputError(path, "status", f"{status!r}; a synthetic record has status 'synthetic'")
    data = doc.get("data")
    meta = dict(doc)
    meta["params_canonical"] = params
    meta.pop("data", None)
    empty = np.zeros(0)
    if data is None:
        if status != AWAITING:
            raise InputError(path, "data", f"missing, but status is {status!r}; "
                             f"a record without data has status {AWAITING!r}")
        return Series(rid, meta, empty, empty, empty, empty, record_path=str(path),
                      inputs=[str(path)])
    if status == AWAITING:
        raise InputError(path, "status", f"{AWAITING!r} but the record has data; set it to "
                         "'digitized', 'transcribed' or 'synthetic'")
    if not isinstance(data, dict) or data.get("type") not in ("pixels", "wpd", "table"):
        raise InputError(path, "data.type", "expected 'pixels', 'wpd' or 'table'")
    _validate(data, {**schema["$defs"][data["type"]], "$defs": schema["$defs"]}, path, "data")
    inputs = [str(path)]
    cal = pix = None
    img_sha = None
    if data["type"] == "pixels":
        c = data["calibration"]
        xpts = [(*p["pixel"], p["value"]) for p in c["x"]]
        ypts = [(*p["pixel"], p["value"]) for p in c["y"]]
        cal = calibration_from_points(xpts, ypts, xlog, ylog, source=str(path),
                                      field_prefix="data.calibration")
        pix = np.asarray(data["points"], float)
        size, img_sha = _check_image(path, data.get("image"), "data.image")
        _check_inside(path, pix, size, "data.points")
        sig_px = float(data["pick_uncertainty_px"])
    elif data["type"] == "wpd":
        wpath = path.parent / data["file"]
        inputs.append(str(wpath))
        w = read_wpd_project(wpath, data.get("dataset"))
        if w.calibration.xlog != xlog or w.calibration.ylog != ylog:
            raise InputError(path, "x.scale/y.scale",
                             f"record says log x={xlog}, log y={ylog} but the WPD project has "
                             f"log x={w.calibration.xlog}, log y={w.calibration.ylog}")
        cal, pix = w.calibration, w.pixels
        if w.wpd_values is not None:
            # WPD stores the values it computed; a mismatch means a calibration
            # we read differently from WPD (reported, not fatal).
            gx, gy = cal.pixel_to_data(pix[:, 0], pix[:, 1])
            dev = max(_rel_dev(gx, w.wpd_values[:, 0], xlog), _rel_dev(gy, w.wpd_values[:, 1], ylog))
            if dev > 1e-3:
                import logging
                logging.getLogger("scimodel").warning(
                    "%s: values recomputed from the WPD calibration differ from those stored by WPD "
                    "by up to %.2g of the axis span; check the axes calibration", wpath, dev)
        size, img_sha = _check_image(path, data.get("image"), "data.image")
        _check_inside(path, pix, size or w.image_size, "data.file:points")
        sig_px = float(data["pick_uncertainty_px"])
    else:
        tpath = path.parent / data["file"]
        inputs.append(str(tpath))
        x, y, sx, sy = _read_table(tpath)
        meta["data_type"] = "table"
        return Series(rid, meta, x * fx, y * fy, sx * abs(fx), sy * abs(fy),
                      record_path=str(path), inputs=inputs)
    if data.get("image", {}).get("file"):
        inputs.append(str(path.parent / data["image"]["file"]))
    x, y = cal.pixel_to_data(pix[:, 0], pix[:, 1])
    sx, sy = cal.data_sigma(x, y, sig_px)
    meta["data_type"] = data["type"]
    meta["pick_uncertainty_px"] = sig_px
    return Series(rid, meta, x * fx, y * fy, sx * abs(fx), sy * abs(fy), pixels=pix,
                  calibration=cal, image_sha256=img_sha, record_path=str(path), inputs=inputs)


def _rel_dev(a, b, log: bool) -> float:
    """Largest deviation of a from b relative to the span of b (in log10 on a log axis)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if log:
        if np.any(a <= 0) or np.any(b <= 0):
            return float("inf")
        a, b = np.log10(a), np.log10(b)
    span = float(np.ptp(b)) or max(float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(a - b)) / span)


def _read_table(path: Path):
    if not path.exists():
        raise InputError(path, "<file>", "table file does not exist")
    rows = [r for r in path.read_text().splitlines() if r.strip() and not r.lstrip().startswith("#")]
    if not rows:
        raise InputError(path, "<header>", "empty table; expected header 'x,y[,sigma_x,sigma_y]'")
    reader = csv.DictReader(rows)
    cols = reader.fieldnames or []
    for need in ("x", "y"):
        if need not in cols:
            raise InputError(path, "<header>", f"no column {need!r}; got {cols}")
    out = {k: [] for k in ("x", "y", "sigma_x", "sigma_y")}
    for i, r in enumerate(reader, start=2):
        for k in out:
            v = r.get(k)
            try:
                out[k].append(float(v) if v not in (None, "") else 0.0)
            except ValueError:
                raise InputError(path, f"line {i}, column {k}", f"not a number: {v!r}") from None
    arrs = [np.array(out[k]) for k in ("x", "y", "sigma_x", "sigma_y")]
    for k, a in zip(("x", "y", "sigma_x", "sigma_y"), arrs):
        if not np.isfinite(a).all():
            raise InputError(path, k, "non-finite value")
    return arrs


def series_to_dataset(s: Series) -> xr.Dataset:
    """NetCDF-ready dataset of one series (canonical units, uncertainties, provenance attrs)."""
    xq, yq = s.xq, s.yq
    tag = f" [{SYNTHETIC_TAG}]" if s.synthetic else ""
    vars_ = {
        xq: da(s.x, ("point",), QUANTITIES[xq][1], QUANTITIES[xq][0] + tag),
        yq: da(s.y, ("point",), QUANTITIES[yq][1], QUANTITIES[yq][0] + tag),
        f"sigma_{xq}": da(s.sigma_x, ("point",), QUANTITIES[xq][1],
                          f"one-sigma uncertainty of {xq} (from the pick uncertainty)"),
        f"sigma_{yq}": da(s.sigma_y, ("point",), QUANTITIES[yq][1],
                          f"one-sigma uncertainty of {yq} (from the pick uncertainty)"),
    }
    if s.pixels is not None:
        vars_["pixel_x"] = da(s.pixels[:, 0], ("point",), "pixel", "picked pixel column")
        vars_["pixel_y"] = da(s.pixels[:, 1], ("point",), "pixel", "picked pixel row (downwards)")
    for p, v in s.meta["params_canonical"].items():
        vars_[f"series_{p}"] = da(v, (), QUANTITIES[p][1], f"{QUANTITIES[p][0]} of this series")
    return xr.Dataset(vars_)


def series_attrs(s: Series) -> dict:
    """Global attributes describing a series (provenance of the numbers)."""
    m = s.meta
    src = m["source"]
    attrs = {
        "title": (f"{SYNTHETIC_TAG} " if s.synthetic and not m.get("title", "").startswith(SYNTHETIC_TAG)
                  else "") + m.get("title", s.id),
        "series_id": s.id,
        "group": s.group,
        "kind": m["kind"],
        "status": m["status"],
        "role": m["role"],
        "synthetic": "true" if s.synthetic else "false",
        "coupling_class": m.get("class", ""),
        "original_reference": src["reference"],
        "doi": src.get("doi") or "",
        "figure": src["figure"],
        "panel": src.get("panel") or "",
        "series_label": src.get("series") or "",
        "record_file": s.record_path or "",
        "record_sha256": sha256_file(s.record_path) if s.record_path else "",
        "image_sha256": s.image_sha256 or "",
        "x_source_unit": m["x"]["unit"],
        "y_source_unit": m["y"]["unit"],
        "x_scale": m["x"].get("scale", "linear"),
        "y_scale": m["y"].get("scale", "linear"),
        "data_type": m.get("data_type", ""),
    }
    if s.calibration is not None:
        attrs["calibration"] = json.dumps(s.calibration.to_dict())
        attrs["pick_uncertainty_px"] = float(m["pick_uncertainty_px"])
    if s.synthetic:
        syn = m["synthetic"]
        attrs["synthetic_generator"] = syn["generator"]
        attrs["synthetic_seed"] = int(syn["seed"])
        attrs["synthetic_noise"] = syn["noise"]
        attrs["synthetic_truth"] = json.dumps(syn["truth"], sort_keys=True)
    return attrs


def dataset_to_series(ds: xr.Dataset) -> Series:
    """Inverse of :func:`series_to_dataset` (reads back what the workflow wrote)."""
    role = ds.attrs["role"]
    xq, yq = ROLES[role]
    meta = {
        "kind": ds.attrs["kind"], "status": ds.attrs["status"], "role": role,
        "class": ds.attrs.get("coupling_class") or None,
        "title": ds.attrs.get("title", ""),
        "x": {"quantity": xq, "unit": ds[xq].attrs["units"], "scale": ds.attrs.get("x_scale", "linear")},
        "y": {"quantity": yq, "unit": ds[yq].attrs["units"], "scale": ds.attrs.get("y_scale", "linear")},
        "source": {"reference": ds.attrs.get("original_reference", ""), "figure": ds.attrs.get("figure", ""),
                   "panel": ds.attrs.get("panel", ""), "series": ds.attrs.get("series_label", "")},
        "params_canonical": {k[len("series_"):]: float(ds[k]) for k in ds.data_vars if k.startswith("series_")},
    }
    if ds.attrs.get("synthetic") == "true":
        meta["synthetic"] = {"truth": json.loads(ds.attrs.get("synthetic_truth", "{}"))}
    return Series(ds.attrs["series_id"], meta, ds[xq].values, ds[yq].values,
                  ds[f"sigma_{xq}"].values, ds[f"sigma_{yq}"].values)


# --------------------------------------------------------------------------- YAML writing
def dump_yaml(obj, path: str | Path, header: str = "") -> Path:
    """Write a record/registry as YAML (flow style for short number lists)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    class _D(yaml.SafeDumper):
        pass

    def _list(d, data):
        flow = len(data) <= 4 and all(isinstance(v, (int, float)) for v in data)
        return d.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)

    _D.add_representer(list, _list)
    text = yaml.dump(obj, Dumper=_D, sort_keys=False, allow_unicode=True, width=100)
    head = "".join(f"# {ln}\n" if ln else "#\n" for ln in header.splitlines())
    path.write_text(head + text)
    return path


# --------------------------------------------------------------------------- automatic digitization
def auto_data_block(image: str | Path, calibration: Mapping, colour, mode: str = "markers",
                    tol: float = 0.25, pick_uncertainty_px: float = 1.0, min_area: int = 4,
                    step: int = 5, record_dir: str | Path | None = None) -> dict:
    """The ``data:`` block of a record, picked automatically from an image.

    Parameters
    ----------
    image : path
        The figure (PNG/JPEG...).  Its SHA-256 goes into the block.
    calibration : mapping
        ``{"x": [{"pixel": [px, py], "value": v}, ...2], "y": [...2]}`` -- the
        two reference points per axis you read off the image.
    colour : str or RGB
        Colour of the series' markers or line.
    mode : 'markers' or 'curve'
        Connected-component centroids, or the centre line of a curve
        (every ``step``-th image column).
    record_dir : path, optional
        Folder of the record (the image path is stored relative to it).
    """
    from ..digitize import extract_curve, extract_markers
    image = Path(image)
    img = load_image(image)
    if mode == "markers":
        pts = extract_markers(img, colour, tol=tol, min_area=min_area)
    elif mode == "curve":
        pts = extract_curve(img, colour, tol=tol, step=step)
    else:
        raise ValueError(f"mode must be 'markers' or 'curve', got {mode!r}")
    if len(pts) == 0:
        raise InputError(image, "colour", f"no pixel of colour {colour!r} within tolerance {tol}")
    rel = Path(image).resolve().relative_to(Path(record_dir).resolve()) if record_dir else image.name
    return {
        "type": "pixels",
        "image": {"file": str(rel), "sha256": sha256_file(image)},
        "calibration": {k: [dict(pixel=[float(v) for v in p["pixel"]], value=float(p["value"]))
                            for p in calibration[k]] for k in ("x", "y")},
        "pick_uncertainty_px": float(pick_uncertainty_px),
        "points": [[round(float(a), 2), round(float(b), 2)] for a, b in pts],
    }
