"""Literature datasets of paper 000 (Figs. 2-3): records, registry, ingestion, fits.

Records
-------
A *record* (``resources/datasets/<group>/<series>.yaml``, schema
``src/scimodel/schemas/digitization.schema.yaml``) describes one data series: its
source (reference, DOI, figure, panel, series label), the axes (quantity,
unit, linear/log) and where the points are: picked pixels plus a two-point
calibration per axis, a WebPlotDigitizer project, or a transcribed CSV
table.  Skeleton records (status ``awaiting source figure``) carry the
provenance but no data.  :func:`load_record` validates a record and returns a
:class:`Series` with the points in canonical units and their uncertainties.

Canonical units (converted once, here, with the factors of
:mod:`scimodel.units`): resistivity uOhm cm, temperature K,
A uOhm cm/K^2, fluence n/cm^2; relative changes are dimensionless.

Registry
--------
``resources/datasets/registry.yaml`` lists every series (id, group, figure
and panel of paper 000, kind, status, files); :func:`load_registry` checks
it against the records.

Analysis (paper 000, arXiv:1904.04773)
--------------------------------------
* rho(T) = rho0 + beta T^5 + A T^2 per curve (Fig. 3 a.1-a.4; caption of
  Fig. 3: "fit to rho_tot(T) = rho0 + beta T^5 + A T^2").
* A(rho0) = A0 + A1 rho0 + A2 rho0^2 (Sec. II.B, Figs. 3 a.8, b.1).
* ln Tc = ln theta - F A^(-1/2), i.e. Tc = theta exp(-F/sqrt(A))
  (Sec. II.C and Eq. 39; Figs. 3 a.10, b.3).
* Weak coupling, Eq. 19: dTc/Tc0 = s (drho0/rho0) (linear, s > 0).
* Strong coupling, Eq. 20: dTc/Tc0 = -t1 (drho0/rho0) - t2 (drho0/rho0)^2.

All these models are linear in their parameters; they are fitted by
weighted linear least squares with the *effective-variance* method
(sigma_eff^2 = sigma_y^2 + (df/dx sigma_x)^2, iterated), which accounts for
the pick uncertainty in x as well as in y.  Standard errors are the
covariance from the stated uncertainties, inflated by sqrt(chi2/dof) when
that exceeds 1 (scatter larger than the pick uncertainty).
"""
from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import xarray as xr
import yaml

from . import units
from .digitize import Calibration, calibration_from_points, load_image, read_wpd_project
from .errors import InputError
from .io import da, sigint_deferred

RECORD_FORMAT = "scimodel-digitization/1"
REGISTRY_FORMAT = "scimodel-dataset-registry/1"
AWAITING = "awaiting source figure"
SYNTHETIC_TAG = "SYNTHETIC"


REFERENCE_PAPER000 = ("M. ElMassalami and M. B. Silva Neto, Defect-engineered, universal "
                      "kinematic correlations between superconductivity and Fermi liquid "
                      "transport, arXiv:1904.04773")


# --------------------------------------------------------------------------- units
def _derived_units() -> dict[str, dict[str, float]]:
    res = units.RESISTIVITY_UNITS
    a_units = {}
    for r, f in res.items():
        for t, ft in units.TEMPERATURE_UNITS.items():
            a_units[f"{r}/{t}^2"] = f / ft**2
            a_units[f"{r} {t}^-2"] = f / ft**2
    a_inv = {}
    for a, f in a_units.items():
        a_inv[f"({a})^-1/2"] = f**-0.5
        a_inv[f"({a})^(-1/2)"] = f**-0.5
    inv_r = {}
    for r, f in res.items():
        inv_r[f"1/({r})"] = 1.0 / f
        inv_r[f"({r})^-1"] = 1.0 / f
    # UDUNITS spellings, as stored in the NetCDF files
    a_units["uohm cm K-2"] = 1.0
    a_inv["(uohm cm K-2)^-0.5"] = 1.0
    inv_r["uohm-1 cm-1"] = 1.0
    return {"A": a_units, "A_inv_sqrt": a_inv, "inv_rho0": inv_r}


_D = _derived_units()
_REL = {"1": 1.0, "": 1.0, "%": 1e-2}

#: quantity -> (long name, canonical unit, {accepted unit: factor to canonical})
QUANTITIES: dict[str, tuple[str, str, dict[str, float]]] = {
    "T": ("temperature", "K", units.TEMPERATURE_UNITS),
    "Tc": ("superconducting transition temperature", "K", units.TEMPERATURE_UNITS),
    "rho": ("electrical resistivity", "uohm cm", units.RESISTIVITY_UNITS),
    "rho0": ("residual resistivity", "uohm cm", units.RESISTIVITY_UNITS),
    "A": ("Fermi-liquid coefficient A of rho = rho0 + A T^2", "uohm cm K-2", _D["A"]),
    "fluence": ("irradiation fluence (particles per area)", "cm-2", units.FLUENCE_UNITS),
    "dTc_rel": ("relative Tc change (Tc - Tc0)/Tc0", "1", _REL),
    "drho0_rel": ("relative residual-resistivity change (rho0 - rho0_0)/rho0_0", "1", _REL),
    # ln(Tc / 1 K): only meaningful with Tc in kelvin, hence no other unit.
    "lnTc": ("natural logarithm of Tc in kelvin", "1", {"1": 1.0, "ln(K)": 1.0}),
    "A_inv_sqrt": ("A^(-1/2)", "(uohm cm K-2)^-0.5", _D["A_inv_sqrt"]),
    "inv_rho0": ("inverse residual resistivity 1/rho0", "uohm-1 cm-1", _D["inv_rho0"]),
}

#: role -> (x quantity, y quantity) of a series with that role
ROLES = {
    "rho_T": ("T", "rho"),
    "Tc_fluence": ("fluence", "Tc"),
    "A_fluence": ("fluence", "A"),
    "rho0_fluence": ("fluence", "rho0"),
    "A_rho0": ("rho0", "A"),
    "Tc_rho0": ("rho0", "Tc"),
    "lnTc_Ainvsqrt": ("A_inv_sqrt", "lnTc"),
    "dTc_drho": ("drho0_rel", "dTc_rel"),
}


def unit_factor(quantity: str, unit: str, file=None, field_name="unit") -> float:
    """Factor converting ``unit`` of ``quantity`` to its canonical unit."""
    if quantity not in QUANTITIES:
        raise InputError(file, field_name.rsplit(".", 1)[0] + ".quantity",
                         f"unknown quantity {quantity!r}; expected one of {sorted(QUANTITIES)}")
    table = QUANTITIES[quantity][2]
    if unit not in table:
        raise InputError(file, field_name,
                         f"unknown unit {unit!r} for {quantity}; expected one of {sorted(table)}")
    return float(table[unit])


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
    from . import schema_path
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


# --------------------------------------------------------------------------- registry
@dataclass
class Registry:
    path: str
    groups: dict
    series: list[dict]

    def group_series(self, group: str) -> list[dict]:
        return [s for s in self.series if s["group"] == group]

    def with_data(self) -> list[dict]:
        return [s for s in self.series if s["status"] != AWAITING]

    def record_path(self, entry: Mapping) -> Path:
        return Path(self.path).parent / entry["files"][0]

    def variant_groups(self, variant: str) -> list[str]:
        """Groups of the 'synthetic' or the 'literature' variant."""
        syn = variant == "synthetic"
        return [g for g, v in self.groups.items() if (v["kind"] == "synthetic") == syn]


def load_registry(path: str | Path, check_records: bool = True) -> Registry:
    """Read and validate the registry; with ``check_records`` every record is
    loaded and its kind/status/role/figure must agree with the registry."""
    path = Path(path)
    doc = read_yaml(path)
    _validate(doc, _schema("digitization_registry.schema.yaml"), path)
    groups, series = doc["groups"], doc["series"]
    seen = set()
    for i, s in enumerate(series):
        f = f"series[{i}]"
        if s["id"] in seen:
            raise InputError(path, f"{f}.id", f"duplicate id {s['id']!r}")
        seen.add(s["id"])
        if s["group"] not in groups:
            raise InputError(path, f"{f}.group", f"unknown group {s['group']!r}; declare it under 'groups'")
        if s["id"].split("/")[0] != s["group"]:
            raise InputError(path, f"{f}.id", f"{s['id']!r} does not start with its group {s['group']!r}")
        rec = path.parent / s["files"][0]
        if not rec.exists():
            raise InputError(path, f"{f}.files[0]", f"record {rec} does not exist")
        if check_records:
            r = load_record(rec)
            for key in ("kind", "status", "role"):
                got = r.meta[key]
                if key in s and s[key] != got:
                    raise InputError(path, f"{f}.{key}",
                                     f"{s[key]!r} but the record {rec} says {got!r}; make them agree")
            if r.id != s["id"]:
                raise InputError(path, f"{f}.id", f"record {rec} has id {r.id!r}")
            deps = [str(Path(p).relative_to(path.parent)) for p in r.inputs]
            missing = [d for d in deps if d not in s["files"]]
            if missing:
                raise InputError(path, f"{f}.files", f"does not list {missing} used by the record")
    return Registry(str(path), groups, series)


# --------------------------------------------------------------------------- fitting
@dataclass
class LinearFit:
    """Result of :func:`fit_linear_model`."""

    names: list[str]
    params: np.ndarray
    cov: np.ndarray
    chi2: float
    dof: int
    inflated: bool

    @property
    def errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))

    @property
    def chi2_red(self) -> float:
        return self.chi2 / self.dof if self.dof > 0 else float("nan")

    def value(self, name: str) -> tuple[float, float]:
        i = self.names.index(name)
        return float(self.params[i]), float(self.errors[i])


def fit_linear_model(basis, dbasis, x, y, sigma_x, sigma_y, names: Sequence[str],
                     n_iter: int = 6, inflate: bool = True) -> LinearFit:
    """Weighted least squares y = sum_k p_k basis(x)[k] with x and y errors.

    Parameters
    ----------
    basis, dbasis : callable
        ``basis(x)`` -> (n, k) design matrix, ``dbasis(x)`` its x-derivative.
    sigma_x, sigma_y : array
        One-sigma uncertainties; the effective variance
        sigma_y^2 + (f'(x) sigma_x)^2 is iterated ``n_iter`` times.
    inflate : bool
        Multiply the covariance by chi2/dof when that exceeds 1.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    sx = np.broadcast_to(np.asarray(sigma_x, float), x.shape)
    sy = np.broadcast_to(np.asarray(sigma_y, float), y.shape)
    X = basis(x)
    k = X.shape[1]
    if len(x) < k:
        raise ValueError(f"{len(x)} points for {k} parameters")
    if np.any(sy <= 0) and np.all(sx <= 0):
        raise ValueError("uncertainties must be positive")
    p = np.linalg.lstsq(X, y, rcond=None)[0]
    for _ in range(max(1, n_iter)):
        slope = dbasis(x) @ p
        s = np.sqrt(sy**2 + (slope * sx) ** 2)
        s = np.where(s > 0, s, np.min(s[s > 0]) if np.any(s > 0) else 1.0)
        W = X / s[:, None]
        p, *_ = np.linalg.lstsq(W, y / s, rcond=None)
    cov = np.linalg.inv(W.T @ W)
    chi2 = float((((y - X @ p) / s) ** 2).sum())
    dof = len(x) - k
    infl = bool(inflate and dof > 0 and chi2 / dof > 1.0)
    if infl:
        cov = cov * (chi2 / dof)
    return LinearFit(list(names), p, cov, chi2, dof, infl)


def fit_rho_T(T, rho, sigma_T, sigma_rho, tmin=None, tmax=None) -> LinearFit:
    """rho(T) = rho0 + beta T^5 + A T^2 (caption of Fig. 3 of paper 000).

    Units: T in K, rho in uOhm cm -> rho0 uOhm cm, beta uOhm cm/K^5, A uOhm cm/K^2.
    ``tmin``/``tmax`` restrict the fit window (e.g. above Tc, below the
    range where the low-T expansion holds).
    """
    T = np.asarray(T, float)
    m = np.ones_like(T, bool)
    if tmin is not None:
        m &= T >= tmin
    if tmax is not None:
        m &= T <= tmax
    return fit_linear_model(
        lambda t: np.column_stack([np.ones_like(t), t**5, t**2]),
        lambda t: np.column_stack([np.zeros_like(t), 5 * t**4, 2 * t]),
        T[m], np.broadcast_to(np.asarray(rho, float), T.shape)[m],
        np.broadcast_to(np.asarray(sigma_T, float), T.shape)[m],
        np.broadcast_to(np.asarray(sigma_rho, float), T.shape)[m],
        ["rho0", "beta", "A"])


def fit_quadratic(x, y, sx, sy, names=("c0", "c1", "c2")) -> LinearFit:
    """y = c0 + c1 x + c2 x^2 (A versus rho0, Sec. II.B of paper 000)."""
    return fit_linear_model(lambda t: np.column_stack([np.ones_like(t), t, t**2]),
                            lambda t: np.column_stack([np.zeros_like(t), np.ones_like(t), 2 * t]),
                            x, y, sx, sy, names)


def fit_tc_a(a_inv_sqrt, ln_tc, sx, sy) -> LinearFit:
    """ln Tc = ln(theta) - F A^(-1/2)  (Tc = theta exp(-F/sqrt A), Eq. 39).

    Parameters ``ln_theta`` (theta in K) and ``F`` (uOhm^1/2 cm^1/2 / K).
    """
    return fit_linear_model(lambda t: np.column_stack([np.ones_like(t), -t]),
                            lambda t: np.column_stack([np.zeros_like(t), -np.ones_like(t)]),
                            a_inv_sqrt, ln_tc, sx, sy, ["ln_theta", "F"])


def fit_ln_tc_inv_rho0(inv_rho0, ln_tc, sx, sy) -> LinearFit:
    """ln Tc = c0 - c1/rho0 (inset of Fig. 3 b.2)."""
    return fit_linear_model(lambda t: np.column_stack([np.ones_like(t), -t]),
                            lambda t: np.column_stack([np.zeros_like(t), -np.ones_like(t)]),
                            inv_rho0, ln_tc, sx, sy, ["c0", "c1"])


def fit_dtc_law(x, y, sx, sy, cls: str) -> LinearFit:
    """delta Tc/Tc0 versus delta rho0/rho0.

    weak (Eq. 19): y = s x;  strong (Eq. 20): y = -t1 x - t2 x^2.
    """
    if cls == "weak":
        return fit_linear_model(lambda t: t[:, None], lambda t: np.ones_like(t)[:, None],
                                x, y, sx, sy, ["s"])
    if cls == "strong":
        return fit_linear_model(lambda t: np.column_stack([-t, -t**2]),
                                lambda t: np.column_stack([-np.ones_like(t), -2 * t]),
                                x, y, sx, sy, ["t1", "t2"])
    raise ValueError(f"class must be 'weak' or 'strong', got {cls!r}")


def dtc_law(x, params: Mapping, cls: str):
    """Evaluate Eq. 19 (weak) or Eq. 20 (strong)."""
    x = np.asarray(x, float)
    if cls == "weak":
        return params["s"] * x
    return -params["t1"] * x - params["t2"] * x**2


def rho_T_model(T, rho0, beta, A):
    """rho0 + beta T^5 + A T^2."""
    T = np.asarray(T, float)
    return rho0 + beta * T**5 + A * T**2


# --------------------------------------------------------------------------- analysis
PARAM_UNITS = {
    "rho0": "uohm cm", "beta": "uohm cm K-5", "A": "uohm cm K-2",
    "A0": "uohm cm K-2", "A1": "K-2", "A2": "uohm-1 cm-1 K-2",
    "ln_theta": "1", "theta": "K", "F": "(uohm cm)^0.5 K-1",
    "s": "1", "t1": "1", "t2": "1", "c0": "1", "c1": "uohm cm",
}
PARAM_LONG = {
    "rho0": "residual resistivity rho0", "beta": "Bloch-Grueneisen coefficient beta (T^5)",
    "A": "Fermi-liquid coefficient A (T^2)", "A0": "A(rho0) constant term",
    "A1": "A(rho0) linear coefficient", "A2": "A(rho0) quadratic coefficient",
    "ln_theta": "ln(theta/K) of Tc = theta exp(-F/sqrt A)", "theta": "prefactor theta of Tc = theta exp(-F/sqrt A)",
    "F": "F of Tc = theta exp(-F/sqrt A)", "s": "weak-coupling slope s of Eq. 19",
    "t1": "strong-coupling t1 of Eq. 20", "t2": "strong-coupling t2 of Eq. 20",
    "c0": "intercept of ln Tc versus 1/rho0", "c1": "slope magnitude of ln Tc versus 1/rho0",
}


def _scalar(name, value, err, prefix=""):
    return {
        f"{prefix}{name}": da(value, (), PARAM_UNITS[name], PARAM_LONG[name]),
        f"{prefix}{name}_stderr": da(err, (), PARAM_UNITS[name], f"standard error of {prefix}{name}"),
    }


def _fit_vars(fit: LinearFit, prefix: str) -> dict:
    out = {}
    for n in fit.names:
        out.update(_scalar(n, *fit.value(n), prefix=prefix))
    out[f"{prefix}chi2_red"] = da(fit.chi2_red, (), "1", f"reduced chi-square of the {prefix.rstrip('_')} fit")
    out[f"{prefix}dof"] = da(fit.dof, (), "1", f"degrees of freedom of the {prefix.rstrip('_')} fit")
    return out


def _theta_vars(fit: LinearFit, prefix: str) -> dict:
    out = _fit_vars(fit, prefix)
    lt, e = fit.value("ln_theta")
    out.update(_scalar("theta", np.exp(lt), np.exp(lt) * e, prefix))
    return out


def analyse_group(series: Sequence[Series], analysis: str, options: Mapping | None = None) -> xr.Dataset:
    """Fit one group of series (see module docstring); returns a CF dataset.

    ``analysis``: 'rho_T_fluence' (Fig. 3a), 'correlations' (Fig. 3b) or
    'dtc_law' (Fig. 2).  ``options``: ``rho_T_tmax_K`` (upper end of the
    rho(T) fit window), ``rho_T_tc_margin_K`` (lower end = Tc + margin),
    ``model_points`` (points of the fitted curves).
    """
    options = dict(options or {})
    n_model = int(options.get("model_points", 200))
    series = [s for s in series if s.has_data]
    by_role: dict[str, list[Series]] = {}
    for s in series:
        by_role.setdefault(s.meta["role"], []).append(s)
    out: dict[str, xr.DataArray] = {}
    notes = []
    if analysis == "rho_T_fluence":
        curves = sorted(by_role.get("rho_T", []), key=lambda s: s.meta["params_canonical"].get("fluence", 0.0))
        tcs = by_role.get("Tc_fluence", [])
        tcser = tcs[0] if tcs else None
        if curves:
            flu = np.array([c.meta["params_canonical"].get("fluence", np.nan) for c in curves])
            tc = np.full(len(curves), np.nan)
            stc = np.full(len(curves), np.nan)
            if tcser is not None:
                # Match each curve to the Tc point of the nearest fluence.
                scale = max(float(np.nanmax(np.abs(tcser.x))), 1.0)
                for i, f in enumerate(flu):
                    j = int(np.argmin(np.abs(tcser.x - f)))
                    if abs(tcser.x[j] - f) <= 0.05 * scale:
                        tc[i], stc[i] = tcser.y[j], tcser.sigma_y[j]
            fits = []
            tmax = options.get("rho_T_tmax_K")
            margin = float(options.get("rho_T_tc_margin_K", 0.5))
            for c, t in zip(curves, tc):
                tmin = t + margin if np.isfinite(t) else None
                fits.append(fit_rho_T(c.x, c.y, c.sigma_x, c.sigma_y, tmin=tmin, tmax=tmax))
            cid = [c.name for c in curves]
            def arr(name, k):
                return np.array([f.value(name)[k] for f in fits])
            out["curve"] = da(np.array(cid, dtype=object), ("curve",), "1", "series id of the rho(T) curve")
            out["fluence"] = da(flu, ("curve",), "cm-2", "irradiation fluence of the curve (particles per area)")
            for n in ("rho0", "beta", "A"):
                out[n] = da(arr(n, 0), ("curve",), PARAM_UNITS[n], PARAM_LONG[n] + " (fit of rho(T))")
                out[f"{n}_stderr"] = da(arr(n, 1), ("curve",), PARAM_UNITS[n], f"standard error of {n}")
            out["rho_T_chi2_red"] = da(np.array([f.chi2_red for f in fits]), ("curve",), "1",
                                       "reduced chi-square of the rho(T) fit")
            out["Tc"] = da(tc, ("curve",), "K", "Tc of the curve (from the Tc-versus-fluence series)")
            out["Tc_stderr"] = da(stc, ("curve",), "K", "uncertainty of Tc")
            tgrid = np.stack([np.linspace(max(0.0, np.min(c.x)), np.max(c.x), n_model) for c in curves])
            out["T_model"] = da(tgrid, ("curve", "model_point"), "K", "temperature grid of the fitted curve")
            out["rho_model"] = da(np.stack([rho_T_model(tg, *f.params) for tg, f in zip(tgrid, fits)]),
                                  ("curve", "model_point"), "uohm cm", "fitted rho0 + beta T^5 + A T^2")
            A, sA = arr("A", 0), arr("A", 1)
            r0, sr0 = arr("rho0", 0), arr("rho0", 1)
            if len(curves) >= 4:
                q = fit_quadratic(r0, A, sr0, sA, ("A0", "A1", "A2"))
                out.update(_fit_vars(q, "A_rho0_"))
            else:
                notes.append("A(rho0) quadratic needs >= 4 curves")
            ok = np.isfinite(tc) & (A > 0)
            if ok.sum() >= 3:
                xa = A[ok] ** -0.5
                sxa = 0.5 * A[ok] ** -1.5 * sA[ok]
                f = fit_tc_a(xa, np.log(tc[ok]), sxa, stc[ok] / tc[ok])
                out.update(_theta_vars(f, "TcA_"))
            else:
                notes.append("ln Tc versus A^-1/2 needs >= 3 curves with Tc")
    elif analysis == "correlations":
        if by_role.get("A_rho0"):
            s = by_role["A_rho0"][0]
            q = fit_quadratic(s.x, s.y, s.sigma_x, s.sigma_y, ("A0", "A1", "A2"))
            out.update(_fit_vars(q, "A_rho0_"))
        if by_role.get("Tc_rho0"):
            s = by_role["Tc_rho0"][0]
            f = fit_ln_tc_inv_rho0(1.0 / s.x, np.log(s.y), s.sigma_x / s.x**2, s.sigma_y / s.y)
            out.update(_fit_vars(f, "lnTc_invrho0_"))
        if by_role.get("lnTc_Ainvsqrt"):
            s = by_role["lnTc_Ainvsqrt"][0]
            f = fit_tc_a(s.x, s.y, s.sigma_x, s.sigma_y)
            out.update(_theta_vars(f, "TcA_"))
    elif analysis == "dtc_law":
        for s in by_role.get("dTc_drho", []):
            cls = s.meta.get("class")
            if cls not in ("weak", "strong"):
                raise InputError(s.record_path, "class", "a dTc_drho series needs class 'weak' or 'strong'")
            f = fit_dtc_law(s.x, s.y, s.sigma_x, s.sigma_y, cls)
            out.update(_fit_vars(f, f"{s.name}__"))
    else:
        raise ValueError(f"unknown analysis {analysis!r}")
    ds = xr.Dataset(out)
    ds.attrs["analysis"] = analysis
    ds.attrs["series_ids"] = json.dumps([s.id for s in series])
    ds.attrs["notes"] = "; ".join(notes)
    return ds


def fit_rows(ds: xr.Dataset, group: str, synthetic: bool) -> list[dict]:
    """Flatten a fit dataset into table rows (parameter, value, stderr, unit)."""
    rows = []
    for name, v in ds.data_vars.items():
        if name.endswith("_stderr") or name.endswith("_chi2_red") or name.endswith("_dof"):
            continue
        if name in ("curve", "fluence", "Tc", "T_model", "rho_model", "rho_T_chi2_red"):
            continue
        err = ds.get(f"{name}_stderr")
        if v.ndim == 0:
            chi = ds.get(_chi_name(name))
            rows.append(dict(group=group, fit=_fit_label(name), item="", parameter=_pname(name),
                             value=float(v), stderr=float(err) if err is not None else float("nan"),
                             unit=v.attrs["units"],
                             chi2_red=float(chi) if chi is not None else float("nan"),
                             synthetic=synthetic))
        elif v.dims == ("curve",):
            for i, c in enumerate(ds["curve"].values):
                rows.append(dict(group=group, fit="rho(T) = rho0 + beta T^5 + A T^2", item=str(c),
                                 parameter=name, value=float(v[i]),
                                 stderr=float(err[i]) if err is not None else float("nan"),
                                 unit=v.attrs["units"], chi2_red=float(ds["rho_T_chi2_red"][i]),
                                 synthetic=synthetic))
    return rows


_PREFIXES = {"A_rho0_": "A(rho0) = A0 + A1 rho0 + A2 rho0^2",
             "TcA_": "ln Tc = ln theta - F A^-1/2",
             "lnTc_invrho0_": "ln Tc = c0 - c1/rho0"}


def _split(name: str) -> tuple[str, str]:
    if "__" in name:
        a, b = name.split("__", 1)
        return a + "__", b
    for p in _PREFIXES:
        if name.startswith(p):
            return p, name[len(p):]
    return "", name


def _fit_label(name):
    p, _ = _split(name)
    if p.endswith("__"):
        return f"dTc/Tc0 law ({p[:-2]})"
    return _PREFIXES.get(p, p)


def _pname(name):
    return _split(name)[1]


def _chi_name(name):
    return _split(name)[0] + "chi2_red"


# --------------------------------------------------------------------------- model curves
def read_model_curves(path: str | Path | None) -> dict:
    """Model curves of the defectal issue (``results/defectal/model_curves.nc``).

    Uses the variables documented in :func:`scimodel.defectal.products.model_curves`,
    per coupling class ``c`` in (weak, strong):

    * ``dtc_<c>``:  (``drho_<c>``, ``dTc_over_Tc0_<c>``) -- delta Tc/Tc0 vs delta rho0/rho0
    * ``A_<c>``:    (``drho_<c>``, ``A_<c>``) -- A vs delta rho0/rho0, in the model's ``A_unit``
    * ``lntc_<c>``: (``A_inv_sqrt_<c>``, ``lnTc_<c>``) -- ln Tc vs A^(-1/2) (model units)

    Returns a dict of (x, y) arrays for whatever the file holds; no file -> {}.
    The key ``A_unit`` carries the model's unit of A when present.
    """
    if not path or not Path(path).exists():
        return {}
    with sigint_deferred(), xr.open_dataset(path) as ds:
        ds = ds.load()
    out: dict = {}
    for c in ("weak", "strong"):
        pairs = {f"dtc_{c}": (f"drho_{c}", f"dTc_over_Tc0_{c}"),
                 f"A_{c}": (f"drho_{c}", f"A_{c}"),
                 f"lntc_{c}": (f"A_inv_sqrt_{c}", f"lnTc_{c}")}
        for key, (xn, yn) in pairs.items():
            if xn in ds.variables and yn in ds.variables:
                x = np.asarray(ds[xn].values, float)
                y = np.asarray(ds[yn].values, float)
                if x.shape == y.shape:
                    out[key] = (x, y)
    if "A_unit" in ds.attrs:
        out["A_unit"] = str(ds.attrs["A_unit"])
    return out


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


# --------------------------------------------------------------------------- figures
FIG2_PANELS = {
    "a": dict(title="(a) all series, Fig. 2(a)", materials=None, xlog=True, ylog=False),
    "b": dict(title="(b) In, log-log", materials=("In",), xlog=True, ylog=True),
    "c": dict(title="(c) Al-O, log-log", materials=("Al-O",), xlog=True, ylog=True),
    "d": dict(title="(d) Nb, V3Si, semi-log", materials=("Nb", "V3Si"), xlog=True, ylog=False),
    "e": dict(title="(e) ref. [25]", materials=(), xlog=True, ylog=False),
}


def _note(ax, text, y=0.5, colour="0.3"):
    ax.text(0.5, y, text, transform=ax.transAxes, ha="center", va="center", fontsize=6.5,
            color=colour, wrap=True)


def _overlay(ax, model: Mapping, keys, label_prefix="defectal model", xscale=None, xlim=None) -> bool:
    done = False
    for k, ls in zip(keys, ("-", "--")):
        if k in model:
            x, y = model[k]
            m = np.isfinite(x) & np.isfinite(y)
            if xscale == "log":
                m &= x > 0
            if xlim is not None:
                m &= (x >= xlim[0]) & (x <= xlim[1])
            ax.plot(x[m], y[m], ls, color="0.4", lw=1.0, label=f"{label_prefix}: {k.split('_')[-1]}")
            done = True
    return done


def _errorbar(ax, s: Series, **kw):
    ax.errorbar(s.x, s.y, xerr=s.sigma_x, yerr=s.sigma_y, fmt="o", ms=3, lw=0.8, capsize=0, **kw)


def plot_fig2(series: Sequence[Series], fits: Mapping[str, xr.Dataset], material: Mapping[str, str],
              awaiting: Sequence[str], model: Mapping, synthetic: bool, path) -> None:
    """Fig. 2 of paper 000: dTc/Tc0 versus drho0/rho0 with the Eq. 19/20 fits.

    ``series``: the dTc_drho series with data; ``fits``: group -> fit dataset;
    ``material``: group -> material; ``awaiting``: ids of series without data;
    ``model``: :func:`read_model_curves` output.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    from .plotting import savefig, stamp_synthetic
    fig, axes = plt.subplots(2, 3, figsize=(11, 6.5))
    axes = dict(zip("abcdef", axes.ravel()))
    colours = {s.id: f"C{i % 10}" for i, s in enumerate(series)}
    for key, spec in FIG2_PANELS.items():
        ax = axes[key]
        mats = spec["materials"]
        sel = [s for s in series if mats is None or material[s.group] in mats]
        for s in sel:
            c = colours[s.id]
            lab = s.meta.get("source", {}).get("series") or s.name
            _errorbar(ax, s, color=c, label=lab[:38])
            f = fits.get(s.group)
            cls = s.meta.get("class")
            pre = f"{s.name}__"
            if f is not None and f"{pre}chi2_red" in f:
                names = ["s"] if cls == "weak" else ["t1", "t2"]
                p = {n: float(f[pre + n]) for n in names}
                xx = np.geomspace(max(np.min(s.x), 1e-3) * 0.8, np.max(s.x) * 1.2, 100)
                par = ", ".join(f"{n}={p[n]:.3g}({float(f[pre + n + '_stderr']):.1g})" for n in names)
                ax.plot(xx, dtc_law(xx, p, cls), "-", color=c, lw=0.9,
                        label=None if key == "a" else f"Eq. {'19' if cls == 'weak' else '20'}: {par}")
        keys = {"b": ("dtc_weak",), "c": ("dtc_weak",), "d": ("dtc_strong",)}.get(key, ("dtc_weak", "dtc_strong"))
        xlim = None
        if sel:
            xlim = (min(float(np.min(s.x)) for s in sel) / 1.5, max(float(np.max(s.x)) for s in sel) * 1.5)
        ov = _overlay(ax, model, keys, xscale="log", xlim=xlim)
        if not sel:
            wait = [a for a in awaiting if mats is None or any(a.startswith(g) for g in
                                                                 [g for g, m in material.items() if m in mats])]
            msg = "no data record yet"
            if key == "e":
                msg = "no data set registered\n(ref. [25]: outside the four data sets)"
            elif wait:
                msg += f"\nawaiting source figure: {len(wait)} series"
            msg += "\nmodel curve only" if ov else "\nmodel curves not available (defectal rule absent)"
            _note(ax, msg, y=0.5)
        if spec["xlog"]:
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())     # decade labels only
        if spec["ylog"] and sel and all(np.all(s.y > 0) for s in sel):
            ax.set_yscale("log")
            ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set(xlabel=r"$\delta\rho_0/\rho_0^\circ$", ylabel=r"$\delta T_c/T_c^\circ$", title=spec["title"])
        ax.axhline(0, color="0.7", lw=0.5)
        if sel or ov:
            ax.legend(fontsize=5, loc="best")
        if synthetic:
            stamp_synthetic(ax)
    axes["f"].axis("off")
    _note(axes["f"], ("Weak coupling (Eq. 19): $\\delta T_c/T_c^\\circ = s\\,x$\n"
                      "Strong coupling (Eq. 20): $\\delta T_c/T_c^\\circ = -t_1 x - t_2 x^2$\n"
                      "$x = \\delta\\rho_0/\\rho_0^\\circ$; fits weighted by the propagated\n"
                      "pick uncertainty (standard errors in parentheses)"), y=0.6, colour="k")
    fig.suptitle(("SYNTHETIC DATA -- " if synthetic else "") + "paper 000, Fig. 2: "
                 r"$\delta T_c/T_c^\circ$ vs $\delta\rho_0/\rho_0^\circ$", fontsize=10)
    if synthetic:
        stamp_synthetic(axes["f"])             # the notes panel; the suptitle says it too
    savefig(fig, path)


def plot_fig3(series: Sequence[Series], fits: Mapping[str, xr.Dataset], material: Mapping[str, str],
              awaiting: Sequence[str], model: Mapping, synthetic: bool, path) -> None:
    """Fig. 3 of paper 000: (a) V3Si rho(T) fits and correlations, (b) In correlations, (c) Tc-A."""
    import matplotlib.pyplot as plt
    from .plotting import savefig, stamp_synthetic
    fig, axs = plt.subplots(4, 4, figsize=(13, 11.5))
    axs = axs.ravel()
    names = [f"a.{i}" for i in range(1, 11)] + ["b.1", "b.2", "b.3", "c"]
    ax_of = dict(zip(names, axs))
    axs[-2].axis("off")
    axs[-1].axis("off")
    grp_a = [g for g, m in material.items() if m == "V3Si" and any(s.group == g and s.meta["role"] == "rho_T"
                                                                    for s in series)]
    grp_b = [g for g, m in material.items() if m == "In" and any(s.group == g and s.meta["role"] in
                                                                  ("A_rho0", "Tc_rho0", "lnTc_Ainvsqrt")
                                                                  for s in series)]
    fa = fits.get(grp_a[0]) if grp_a else None
    ga = grp_a[0] if grp_a else None
    gb = grp_b[0] if grp_b else None
    fb = fits.get(gb) if gb else None
    has = set()

    def role(g, r):
        return [s for s in series if s.group == g and s.meta["role"] == r]

    # a.1-a.4 rho(T) with fits
    curves = sorted(role(ga, "rho_T"), key=lambda s: -s.meta["params_canonical"].get("fluence", 0)) if ga else []
    for i, s in enumerate(curves[:4]):
        ax = ax_of[f"a.{i + 1}"]
        _errorbar(ax, s, color="k", label="points")
        if fa is not None and "curve" in fa.dims:
            j = list(fa["curve"].values).index(s.name)
            ax.plot(fa["T_model"][j], fa["rho_model"][j], "r-", lw=1,
                    label=(f"fit: rho0={float(fa['rho0'][j]):.3g}, A={float(fa['A'][j]):.3g},\n"
                           f"beta={float(fa['beta'][j]):.3g}"))
        flu = s.meta["params_canonical"].get("fluence", np.nan)
        ax.set(xlabel="T (K)", ylabel=r"$\rho$ ($\mu\Omega$ cm)",
               title=f"(a.{i + 1}) V3Si, {flu / 1e18:g}e18 n/cm$^2$")
        ax.legend(fontsize=5)
        has.add(f"a.{i + 1}")
    if fa is not None and "curve" in fa.dims:
        flu = fa["fluence"].values / 1e18
        for key, var, lab in (("a.6", "A", r"A ($\mu\Omega$ cm/K$^2$)"), ("a.7", "rho0", r"$\rho_0$ ($\mu\Omega$ cm)")):
            ax = ax_of[key]
            ax.errorbar(flu, fa[var], yerr=fa[f"{var}_stderr"], fmt="s", ms=4, color="C0", label="from rho(T) fits")
            ax.set(xlabel=r"fluence ($10^{18}$ n/cm$^2$)", ylabel=lab, title=f"({key}) {var} vs fluence")
            has.add(key)
        ax = ax_of["a.8"]
        ax.errorbar(fa["rho0"], fa["A"], xerr=fa["rho0_stderr"], yerr=fa["A_stderr"], fmt="s", ms=4, label="fits")
        if "A_rho0_A0" in fa:
            rr = np.linspace(0, float(fa["rho0"].max()) * 1.1, 100)
            p = [float(fa[f"A_rho0_{n}"]) for n in ("A0", "A1", "A2")]
            ax.plot(rr, p[0] + p[1] * rr + p[2] * rr**2, "r-", lw=1,
                    label=f"A0={p[0]:.3g}, A1={p[1]:.3g}, A2={p[2]:.3g}")
        ax.set(xlabel=r"$\rho_0$ ($\mu\Omega$ cm)", ylabel=r"A ($\mu\Omega$ cm/K$^2$)",
               title=r"(a.8) $A$ vs $\rho_0$ (quadratic)")
        has.add("a.8")
        ax = ax_of["a.9"]
        ax.errorbar(fa["rho0"], fa["Tc"], xerr=fa["rho0_stderr"], yerr=fa["Tc_stderr"], fmt="s", ms=4)
        ax.set(xlabel=r"$\rho_0$ ($\mu\Omega$ cm)", ylabel=r"$T_c$ (K)", title=r"(a.9) $T_c$ vs $\rho_0$")
        has.add("a.9")
        ax = ax_of["a.10"]
        A, sA = fa["A"].values, fa["A_stderr"].values
        ok = A > 0
        ax.errorbar(A[ok] ** -0.5, np.log(fa["Tc"].values[ok]), xerr=0.5 * A[ok] ** -1.5 * sA[ok],
                    yerr=(fa["Tc_stderr"] / fa["Tc"]).values[ok], fmt="s", ms=4)
        if "TcA_theta" in fa:
            xx = np.linspace(0, np.nanmax(A[ok] ** -0.5) * 1.1, 50)
            th, F = float(fa["TcA_theta"]), float(fa["TcA_F"])
            ax.plot(xx, np.log(th) - F * xx, "r-", lw=1,
                    label=f"theta={th:.3g}({float(fa['TcA_theta_stderr']):.1g}) K\nF={F:.3g}({float(fa['TcA_F_stderr']):.1g})")
            ax.legend(fontsize=5)
        ax.set(xlabel=r"$A^{-1/2}$ ((µΩ cm/K$^2$)$^{-1/2}$)", ylabel=r"$\ln(T_c/1\,\mathrm{K})$",
               title=r"(a.10) $\ln T_c$ vs $A^{-1/2}$")
        has.add("a.10")
    for s in role(ga, "Tc_fluence") if ga else []:
        ax = ax_of["a.5"]
        ax.errorbar(s.x / 1e18, s.y, xerr=s.sigma_x / 1e18, yerr=s.sigma_y, fmt="o", ms=4)
        ax.set(xlabel=r"fluence ($10^{18}$ n/cm$^2$)", ylabel=r"$T_c$ (K)", title="(a.5) Tc vs fluence")
        has.add("a.5")
    # digitized derived panels (a.6-a.10 read off the paper), if present: overlay
    for r, key in (("A_fluence", "a.6"), ("rho0_fluence", "a.7"), ("A_rho0", "a.8"), ("Tc_rho0", "a.9"),
                   ("lnTc_Ainvsqrt", "a.10")):
        for s in role(ga, r) if ga else []:
            xs = s.x / 1e18 if s.xq == "fluence" else s.x
            ax_of[key].plot(xs, s.y, "x", color="C3", label="digitized panel")
            has.add(key)
    # (b) In
    if gb:
        for r, key, xl, yl in (("A_rho0", "b.1", r"$\rho_0$ ($\mu\Omega$ cm)", r"A ($\mu\Omega$ cm/K$^2$)"),
                               ("Tc_rho0", "b.2", r"$\rho_0$ ($\mu\Omega$ cm)", r"$T_c$ (K)"),
                               ("lnTc_Ainvsqrt", "b.3", r"$A^{-1/2}$ ((µΩ cm/K$^2$)$^{-1/2}$)",
                                r"$\ln(T_c/1\,\mathrm{K})$")):
            ax = ax_of[key]
            for s in role(gb, r):
                _errorbar(ax, s, color="k", label="points")
                has.add(key)
                xx = np.linspace(np.min(s.x) * 0.9, np.max(s.x) * 1.05, 100)
                if r == "A_rho0" and fb is not None and "A_rho0_A0" in fb:
                    p = [float(fb[f"A_rho0_{n}"]) for n in ("A0", "A1", "A2")]
                    ax.plot(xx, p[0] + p[1] * xx + p[2] * xx**2, "r-", lw=1,
                            label=f"A0={p[0]:.3g}, A1={p[1]:.3g}, A2={p[2]:.3g}")
                if r == "Tc_rho0" and fb is not None and "lnTc_invrho0_c0" in fb:
                    c0, c1 = float(fb["lnTc_invrho0_c0"]), float(fb["lnTc_invrho0_c1"])
                    ax.plot(xx, np.exp(c0 - c1 / xx), "r--", lw=1, label=f"ln Tc = {c0:.3g} - {c1:.3g}/rho0")
                if r == "lnTc_Ainvsqrt" and fb is not None and "TcA_theta" in fb:
                    th, F = float(fb["TcA_theta"]), float(fb["TcA_F"])
                    ax.plot(xx, np.log(th) - F * xx, "r-", lw=1,
                            label=f"theta={th:.3g}({float(fb['TcA_theta_stderr']):.1g}) K\nF={F:.3g}({float(fb['TcA_F_stderr']):.1g})")
                ax.legend(fontsize=5)
            ax.set(xlabel=xl, ylabel=yl, title=f"({key}) In, implanted at 2 K")
    # panels without data: only those whose axes a model curve shares (ln Tc vs A^-1/2),
    # each saying which source awaits digitization; the other empty panels are not drawn
    model_keys = {"a.10": ("lntc_weak", "lntc_strong"), "b.3": ("lntc_weak", "lntc_strong"),
                  "c": ("lntc_weak", "lntc_strong")}
    source = {"a": "paper 000 ref. [29] (V3Si)", "b": "paper 000 ref. [10] (In)",
              "c": "paper 000 ref. [26] (no data set registered)"}
    drawn = []
    for key in names:
        ax = ax_of[key]
        if key in has:
            drawn.append(key)
            if synthetic:
                stamp_synthetic(ax)
            continue
        if key not in model_keys or not _overlay(ax, model, model_keys[key]):
            continue
        drawn.append(key)
        ax.axis("on")
        ax.text(0.03, 0.04, f"awaiting digitization:\n{source[key[0]]}\nmodel curves only (model units)",
                transform=ax.transAxes, ha="left", va="bottom", fontsize=6.5, color="0.3")
        ax.set_title(f"({key})")
        ax.legend(loc="upper right")
        ax.set(xlabel=r"$A^{-1/2}$ (model $A_{\rm unit}^{-1/2}$)", ylabel=r"$\ln(T_c/1\,\mathrm{K})$ (model)")
    if not drawn:                                  # no record and no model curve at all
        drawn = ["c"]
        ax_of["c"].axis("off")
        _note(ax_of["c"], "no data record and no model curve for any panel\n"
                          f"awaiting digitization: {source['a']}, {source['b']}")
    ncol = 4
    nrow = -(-len(drawn) // ncol)
    gs = fig.add_gridspec(nrow, ncol)
    for i, key in enumerate(drawn):
        ax_of[key].set_subplotspec(gs[i])
    for key in set(names) - set(drawn):
        fig.delaxes(ax_of[key])
    for ax in axs[len(names):]:
        fig.delaxes(ax)
    fig.set_size_inches(13, 2.9 * nrow + 0.6)
    missing = [k for k in names if k not in drawn]
    fig.suptitle(("SYNTHETIC DATA -- " if synthetic else "") +
                 "paper 000, Fig. 3: (a) V3Si neutron-irradiated [29], (b) In implanted at 2 K [10], "
                 "(c) Tc-A [26]" + (f"\npanels not drawn (no data record, no model curve): "
                                    f"{', '.join(missing)}" if missing else ""), fontsize=9)
    savefig(fig, path)


def fit_table(fits: Mapping[str, xr.Dataset], synthetic: bool) -> tuple[str, str]:
    """CSV and Markdown text of all fit parameters (value, standard error, unit, chi2/dof)."""
    import io as _io
    from tabulate import tabulate
    rows = []
    for g in sorted(fits):
        rows += fit_rows(fits[g], g, synthetic)
    cols = ["group", "fit", "item", "parameter", "value", "stderr", "unit", "chi2_red", "synthetic"]
    buf = _io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: (f"{r[k]:.6g}" if isinstance(r[k], float) else r[k]) for k in cols})
    head = (f"**{SYNTHETIC_TAG} DATA** -- pipeline demonstration, not literature values.\n\n"
            if synthetic else "Fits to literature digitizations (paper 000, Figs. 2-3).\n\n")
    if rows:
        md = tabulate([[r[k] for k in cols[:-1]] for r in rows], headers=cols[:-1], tablefmt="github",
                      floatfmt=".4g")
    else:
        md = "No data record with data yet (all series 'awaiting source figure')."
    return buf.getvalue(), head + md + "\n"


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
    from .digitize import extract_curve, extract_markers
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


def _cli(argv=None) -> None:
    """``python -m scimodel.datasets auto IMAGE --x PX,PY,VALUE PX,PY,VALUE --y ... --colour C``
    prints a record ``data:`` block (YAML) picked automatically from IMAGE;
    ``python -m scimodel.datasets check REGISTRY`` validates the registry and
    every record."""
    import argparse
    import sys
    ap = argparse.ArgumentParser(prog="python -m scimodel.datasets")
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("auto", help="pick markers or a curve of one colour from an image")
    a.add_argument("image")
    a.add_argument("--x", nargs=2, required=True, metavar="PX,PY,VALUE")
    a.add_argument("--y", nargs=2, required=True, metavar="PX,PY,VALUE")
    a.add_argument("--colour", required=True)
    a.add_argument("--mode", choices=("markers", "curve"), default="markers")
    a.add_argument("--tol", type=float, default=0.25)
    a.add_argument("--pick-uncertainty-px", type=float, default=1.0)
    c = sub.add_parser("check", help="validate the registry and all records")
    c.add_argument("registry", nargs="?", default="resources/datasets/registry.yaml")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "auto":
            def pts(items):
                return [{"pixel": [float(v) for v in s.split(",")[:2]], "value": float(s.split(",")[2])}
                        for s in items]
            block = auto_data_block(args.image, {"x": pts(args.x), "y": pts(args.y)}, args.colour,
                                    mode=args.mode, tol=args.tol,
                                    pick_uncertainty_px=args.pick_uncertainty_px)
            sys.stdout.write(yaml.safe_dump({"data": block}, sort_keys=False))
        else:
            reg = load_registry(args.registry)
            n = len(reg.with_data())
            print(f"{args.registry}: {len(reg.series)} series ({n} with data) in {len(reg.groups)} groups: OK")
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    _cli()
