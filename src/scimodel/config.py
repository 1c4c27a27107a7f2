"""Config validation with messages that name the file and the field."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping

import jsonschema
import yaml

from .errors import InputError


def _fill_defaults(validator_class):
    validate_props = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for prop, sub in properties.items():
                if isinstance(sub, dict) and "default" in sub:
                    instance.setdefault(prop, sub["default"])
        yield from validate_props(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def validate_config(config: dict, schema_path: str | Path,
                    config_files: Iterable[str] = ("config/config.yaml",)) -> dict:
    """Validate ``config`` in place against the YAML JSON-schema, filling defaults.

    Raises
    ------
    InputError
        ``<config files>: field 'a.b.c': <what is wrong>`` for the first
        (most relevant) violation.
    """
    schema = yaml.safe_load(Path(schema_path).read_text())
    cls = _fill_defaults(jsonschema.validators.validator_for(schema))
    validator = cls(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.absolute_path), e.path))
    if errors:
        err = jsonschema.exceptions.best_match(errors)
        field = ".".join(str(p) for p in err.absolute_path) or "<top level>"
        files = ", ".join(str(f) for f in config_files) or "config"
        raise InputError(files, field, f"{err.message} (schema: {Path(schema_path).name})")
    return config


def section(config: Mapping, *keys: str):
    """Nested lookup ``config[k1][k2]...`` with an InputError naming the path."""
    cur = config
    for i, k in enumerate(keys):
        if not isinstance(cur, Mapping) or k not in cur:
            raise InputError("config", ".".join(keys[: i + 1]), "missing")
        cur = cur[k]
    return cur
