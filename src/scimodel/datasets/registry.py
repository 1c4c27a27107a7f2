"""The digitization registry (``resources/datasets/registry.yaml``): groups, variants, record paths."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ..errors import InputError
from .records import AWAITING, _schema, _validate, load_record, read_yaml

REGISTRY_FORMAT = "scimodel-dataset-registry/1"


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
