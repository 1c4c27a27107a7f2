"""Config validation with messages that name the file and the field.

Two entry points:

* :func:`check_config_file` reads one config file strictly (YAML syntax
  errors with their line, an empty file, a top level that is not a mapping,
  duplicate keys with both lines) and is called by the Snakefile *before*
  Snakemake's own ``configfile:`` loading, whose messages name neither the
  file nor the line.
* :func:`validate_workflow_config` validates the merged config of a
  Snakemake run against the JSON schema.  It knows where every value came
  from (``config/config.yaml``, ``--configfile`` files, ``--config``) and
  names that source in the message.

Rules applied on top of the JSON schema (config/README.md, "Validation"):

* a string that spells a finite decimal number (``1e-8``, ``1.0e-8``,
  ``100``) is read as that number where the schema asks for a number or an
  integer.  PyYAML (YAML 1.1) reads ``1e-8`` as a string, and Snakemake's
  ``--config`` reads every nested value as a string, so without this rule
  ``--config 'scdft={tol: 1.0e-8}'`` could never work.  Values from
  ``--config`` are also read as booleans (``true``/``false``) and null
  (``null``, ``~``, empty) where the schema asks for those;
* NaN and +-infinity are rejected anywhere in the config (the schema's
  minimum/maximum comparisons are false for NaN and let it through);
* ordered pairs (``scdft.t_search_min_K`` < ``scdft.t_search_max_K``, ...)
  are checked after the schema (:data:`ORDERED_PAIRS`).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import jsonschema
import yaml

from .errors import InputError

#: How a value given with ``--config`` is named in messages.
CLI_CONFIG = "--config (command line)"

_INT_RE = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT_RE = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_NULL = {"null", "Null", "NULL", "~", ""}
#: Spellings of NaN / infinity: read as floats where a number is asked for, so
#: that the non-finite check rejects them with its own message.
_NON_FINITE = {".nan": "nan", "nan": "nan", ".inf": "inf", "+.inf": "inf", "-.inf": "-inf",
               "inf": "inf", "+inf": "inf", "-inf": "-inf", "infinity": "inf",
               "+infinity": "inf", "-infinity": "-inf"}


# ---------------------------------------------------------------- strict reading of a file


def _yaml_error(path: str, exc: yaml.YAMLError) -> InputError:
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}" if mark is not None else "<syntax>"
    problem = getattr(exc, "problem", None) or str(exc)
    col = f" (column {mark.column + 1})" if mark is not None else ""
    ctx = getattr(exc, "context", None)
    ctx_mark = getattr(exc, "context_mark", None)
    if ctx and ctx_mark is not None:
        ctx = f"; {ctx} on line {ctx_mark.line + 1}"
    elif ctx:
        ctx = f"; {ctx}"
    return InputError(path, where, f"malformed YAML: {problem}{col}{ctx or ''}; expected a YAML "
                                   "mapping of config sections (indent with spaces, not tabs)")


def _check_duplicates(node: yaml.Node, keys: list[str], path: str, seen_nodes: set) -> None:
    """Raise on a key given twice in one mapping (YAML keeps the last one silently)."""
    if id(node) in seen_nodes:           # an alias of a node already checked
        return
    seen_nodes.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first: dict[tuple[str, str], int] = {}
        for knode, vnode in node.value:
            if knode.tag == "tag:yaml.org,2002:merge":      # '<<: *anchor'
                _check_duplicates(vnode, keys, path, seen_nodes)
                continue
            name = str(knode.value) if isinstance(knode, yaml.ScalarNode) else "<complex key>"
            line = knode.start_mark.line + 1
            ident = (knode.tag, name)
            if ident in first:
                raise InputError(path, ".".join([*keys, name]),
                                 f"duplicate key: given on line {first[ident]} and again on line "
                                 f"{line}; YAML would silently keep only the last one; expected "
                                 "each key once per section (remove or merge one of them)")
            first[ident] = line
            _check_duplicates(vnode, [*keys, name], path, seen_nodes)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_duplicates(item, [*keys, str(i)], path, seen_nodes)


def _json_pairs(path: str):
    def hook(pairs):
        out = {}
        for k, v in pairs:
            if k in out:
                raise InputError(path, k, "duplicate key in a JSON object (the last one would win "
                                          "silently); expected each key once")
            out[k] = v
        return out
    return hook


def load_config_file(path: str | Path, label: str | None = None) -> dict:
    """Read a config file strictly; returns its mapping.

    Raises
    ------
    InputError
        naming the file (``label`` if given) and the line for a YAML syntax
        error, the key path and both lines for a duplicate key, and a clear
        sentence for an empty file or a top level that is not a mapping.
    """
    path = Path(path)
    shown = label or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(shown, "<file>", "file does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(shown, "<file>", f"cannot be read as UTF-8 text: {exc}") from None
    data: Any
    if path.suffix == ".json":
        try:
            data = json.loads(text, object_pairs_hook=_json_pairs(shown))
        except json.JSONDecodeError as exc:
            raise InputError(shown, f"line {exc.lineno}", f"malformed JSON: {exc.msg}") from None
    else:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            if node is not None:
                _check_duplicates(node, [], shown, set())
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise _yaml_error(shown, exc) from None
    if data is None:
        raise InputError(shown, "<top level>", "file is empty (or only comments); expected a "
                                               "YAML mapping of config sections, e.g. 'eliashberg: ...'")
    if not isinstance(data, dict):
        raise InputError(shown, "<top level>", f"got a {type(data).__name__}; expected a YAML "
                                               "mapping of config sections, e.g. 'eliashberg: ...'")
    return data


def check_config_file(path: str | Path) -> None:
    """:func:`load_config_file` if ``path`` exists (a missing file is Snakemake's to report)."""
    if Path(path).exists():
        load_config_file(path)


# ---------------------------------------------------------------- where a value came from


@dataclass
class ConfigSource:
    """One layer of the merged config: a file or the ``--config`` values."""

    label: str
    data: dict
    cli: bool = False          # --config: every nested scalar arrives as a string


def _shown_path(f: str | Path) -> str:
    p = Path(f)
    if p.is_absolute():
        try:
            return str(p.relative_to(Path.cwd()))
        except ValueError:
            return str(p)
    return str(p)


def config_sources(workflow_files: Iterable[str | Path], cli_files: Iterable[str | Path] = (),
                   cli_config: Mapping | None = None,
                   replace_workflow_config: bool = False) -> list[ConfigSource]:
    """The layers of a Snakemake config, lowest precedence first.

    ``workflow_files``: ``workflow.configfiles`` (the Snakefile's ``configfile:``
    and the ``--configfile`` files); ``cli_files``: the ``--configfile`` files;
    ``cli_config``: the ``--config`` values.  Snakemake merges the Snakefile's
    files first, then the ``--configfile`` files in order, then ``--config``.
    Every file is read strictly (:func:`load_config_file`).
    """
    cli_abs = [Path(f).absolute() for f in cli_files]
    own = [f for f in workflow_files if Path(f).absolute() not in cli_abs]
    sources = []
    if not replace_workflow_config:
        sources += [ConfigSource(_shown_path(f), load_config_file(f, _shown_path(f))) for f in own]
    sources += [ConfigSource(_shown_path(f), load_config_file(f, _shown_path(f))) for f in cli_abs]
    if cli_config:
        sources.append(ConfigSource(CLI_CONFIG, _plain(cli_config), cli=True))
    return sources


def _plain(obj):
    """Mappings (Snakemake may hand immutable ones) -> dicts, recursively."""
    if isinstance(obj, Mapping):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


_MISSING = object()


def _get(data, path: Sequence):
    cur = data
    for k in path:
        if isinstance(cur, Mapping) and k in cur:
            cur = cur[k]
        elif isinstance(cur, list) and isinstance(k, int) and -len(cur) <= k < len(cur):
            cur = cur[k]
        else:
            return _MISSING
    return cur


def _blame(path: Sequence, sources: Sequence[ConfigSource], fallback: str, whole: bool = False) -> str:
    """Who set the value at ``path``: the highest layer that sets it (all layers
    that set it when ``whole``, for errors about a merged mapping); for a value
    no layer sets, the default of the schema."""
    defining = [s.label for s in sources if _get(s.data, path) is not _MISSING]
    if not defining:
        return fallback
    if whole:
        return ", ".join(dict.fromkeys(defining))
    return defining[-1]


# ---------------------------------------------------------------- schema helpers


def _subschema(schema: Mapping, path: Sequence) -> Mapping | None:
    s: Any = schema
    for k in path:
        if not isinstance(s, Mapping):
            return None
        if isinstance(k, int):
            s = s.get("items")
        elif k in s.get("properties", {}):
            s = s["properties"][k]
        elif isinstance(s.get("additionalProperties"), Mapping):
            s = s["additionalProperties"]
        else:
            return None
    return s if isinstance(s, Mapping) else None


def _types(sub: Mapping) -> set[str]:
    t = sub.get("type", ())
    return {t} if isinstance(t, str) else set(t)


def _coerce_string(value: str, sub: Mapping, from_cli: bool):
    """The value a string stands for where the schema asks for another type, else ``value``."""
    types = _types(sub)
    if not types or "string" in types or value in sub.get("enum", ()):
        return value
    s = value.strip()
    if types & {"integer", "number"}:
        if _INT_RE.match(s):
            return int(s)
        if _FLOAT_RE.match(s):
            f = float(s)
            if math.isfinite(f):
                return int(f) if "number" not in types and f.is_integer() else f
        if s.lower() in _NON_FINITE:
            return float(_NON_FINITE[s.lower()])
    if from_cli:
        if "boolean" in types and s in _TRUE | _FALSE:
            return s in _TRUE
        if "null" in types and s in _NULL:
            return None
    return value


def _coerce(node, schema: Mapping, path: list, cli_paths: set) -> Any:
    if isinstance(node, dict):
        for k in list(node):
            node[k] = _coerce(node[k], schema, [*path, k], cli_paths)
        return node
    if isinstance(node, list):
        for i in range(len(node)):
            node[i] = _coerce(node[i], schema, [*path, i], cli_paths)
        return node
    if isinstance(node, str):
        sub = _subschema(schema, path)
        if sub is not None:
            return _coerce_string(node, sub, tuple(path) in cli_paths)
    return node


def _leaf_paths(node, path=()) -> Iterable[tuple]:
    if isinstance(node, Mapping):
        for k, v in node.items():
            yield from _leaf_paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaf_paths(v, (*path, i))
    else:
        yield path


def _non_finite(node, path=()) -> Iterable[tuple[tuple, float]]:
    if isinstance(node, Mapping):
        for k, v in node.items():
            yield from _non_finite(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _non_finite(v, (*path, i))
    elif isinstance(node, float) and not math.isfinite(node):
        yield path, node


def _fill_defaults(validator_class):
    validate_props = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for prop, sub in properties.items():
                if isinstance(sub, dict) and "default" in sub:
                    instance.setdefault(prop, sub["default"])
        yield from validate_props(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


#: Validators whose failing (leaf) schema's description is quoted in the message:
#: it says what the value means and why a bound is there (e.g. cost).
_EXPLAINED = {"maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "enum", "const",
              "maxItems", "minItems"}

#: Validators about a mapping as a whole (blamed on every layer that sets it).
_WHOLE = {"required", "minProperties", "maxProperties", "dependentRequired"}

#: Pairs that must be ordered: (low, high, strict, what).  '*' matches every key
#: of a mapping (the same key in both paths).
ORDERED_PAIRS: list[tuple[tuple, tuple, bool, str]] = [
    (("scdft", "t_search_min_K"), ("scdft", "t_search_max_K"), True,
     "the Tc search range must not be empty or inverted"),
    (("abinitio", "elements", "*", "stability_window_Ry", 0),
     ("abinitio", "elements", "*", "stability_window_Ry", 1), True,
     "the smearing window [low, high] must not be empty or inverted"),
    (("defectal", "flow", "n_eliashberg"), ("defectal", "flow", "n_points"), False,
     "the Eliashberg points are a subset of the flow points"),
]


def _expand(config: Mapping, lo: tuple, hi: tuple) -> Iterable[tuple[tuple, tuple]]:
    if "*" not in lo:
        yield lo, hi
        return
    i = lo.index("*")
    parent = _get(config, lo[:i])
    if isinstance(parent, Mapping):
        for k in parent:
            yield from _expand(config, (*lo[:i], k, *lo[i + 1:]), (*hi[:i], k, *hi[i + 1:]))


def _dotted(path: Sequence) -> str:
    return ".".join(str(p) for p in path) or "<top level>"


def _check_pairs(config: Mapping, sources: Sequence[ConfigSource] | None, files: str,
                 default_label: str) -> None:
    for lo_pat, hi_pat, strict, what in ORDERED_PAIRS:
        for lo, hi in _expand(config, lo_pat, hi_pat):
            a, b = _get(config, lo), _get(config, hi)
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b)):
                continue
            if (a < b) if strict else (a <= b):
                continue
            rel = "<" if strict else "<="
            if sources is None:
                la = lb = files
            else:
                la, lb = (_blame(p, sources, default_label) for p in (lo, hi))
            other = f"'{_dotted(hi)}' = {b}" + ("" if lb == la else f" (from {lb})")
            raise InputError(la, _dotted(lo),
                             f"got {a}, which is not {'below' if strict else 'at most'} {other}; "
                             f"expected {lo[-1]} {rel} {hi[-1]} ({what})")


# ---------------------------------------------------------------- validation


def validate_config(config: dict, schema_path: str | Path,
                    config_files: Iterable[str] = ("config/config.yaml",),
                    sources: Sequence[ConfigSource] | None = None) -> dict:
    """Validate ``config`` in place against the YAML JSON-schema, filling defaults.

    ``sources``: the layers the config was merged from (:func:`config_sources`);
    with them the message names the layer that set the offending value (a file
    or ``--config``), and ``--config`` values are read as the types the schema
    asks for.  Without them, ``config_files`` are named.

    Raises
    ------
    InputError
        ``<config file or --config>: field 'a.b.c': <what is wrong>`` for the
        first (most relevant) violation.
    """
    schema = yaml.safe_load(Path(schema_path).read_text())
    files = ", ".join(str(f) for f in config_files) or "config"
    default_label = f"default of {Path(schema_path).name}"

    def where(path, whole=False):
        return files if sources is None else _blame(path, sources, default_label, whole)

    cli_paths: set = set()
    for s in sources or ():
        if s.cli:
            cli_paths.update(_leaf_paths(s.data))
    _coerce(config, schema, [], cli_paths)

    for path, value in _non_finite(config):
        raise InputError(where(path), _dotted(path),
                         f"got {value}; expected a finite number (NaN and infinities are not "
                         "allowed anywhere in the config)")

    cls = _fill_defaults(jsonschema.validators.validator_for(schema))
    validator = cls(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.absolute_path), e.path))
    if errors:
        err = jsonschema.exceptions.best_match(errors)
        path = list(err.absolute_path)
        field = _dotted(path)
        message = err.message
        if err.validator in ("maxItems", "minItems") and isinstance(err.instance, list):
            bound = "most" if err.validator == "maxItems" else "least"
            message = f"got {len(err.instance)} items; expected at {bound} {err.validator_value}"
        elif len(message) > 400:
            message = message[:400] + " ..."
        if err.validator in _EXPLAINED and isinstance(err.schema, Mapping) \
                and err.schema.get("description"):
            message += f" ({err.schema['description'].strip()})"
        if err.validator == "additionalProperties" and isinstance(err.instance, Mapping):
            known = set(err.schema.get("properties", {}) if isinstance(err.schema, Mapping) else ())
            extra = [k for k in err.instance if k not in known]
            blame = where([*path, extra[0]], True) if extra else where(path, True)
        else:
            blame = where(path, err.validator in _WHOLE)
        raise InputError(blame, field, f"{message} (schema: {Path(schema_path).name})")
    _check_pairs(config, sources, files, default_label)
    return config


def merge_overrides(base: Mapping, over: Mapping) -> dict:
    """Snakemake's merge of ``--configfile`` overrides: nested mappings are updated key by key,
    anything else (null included) replaces the value."""
    out = dict(base)
    for k, v in over.items():
        out[k] = merge_overrides(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), Mapping) else v
    return out


def layered_config(root: str | Path, *overrides: str | Path) -> dict:
    """``root``/config/config.yaml with the ``overrides`` (paths relative to ``root``) merged over
    it in order, as ``snakemake --configfile <overrides>`` does, schema-checked with the
    defaults filled in (e.g. a campaign: ``config/campaigns/abinitio_recompute.yaml``,
    ``config/campaigns/abinitio_pb_spin_orbit.yaml``)."""
    root = Path(root)
    cfg = load_config_file(root / "config" / "config.yaml")
    for f in overrides:
        cfg = merge_overrides(cfg, load_config_file(root / f))
    return validate_config(cfg, root / "src" / "scimodel" / "schemas" / "config.schema.yaml")


def validate_workflow_config(config: dict, schema_path: str | Path, workflow) -> dict:
    """:func:`validate_config` for a Snakemake run (``workflow`` is Snakemake's
    ``workflow`` object): the layers are ``workflow.configfiles`` and the
    ``--configfile`` / ``--config`` settings, every file read strictly."""
    settings = getattr(workflow, "config_settings", None)
    cli_files = list(getattr(settings, "configfiles", None) or ())
    cli_config = getattr(settings, "config", None) or {}
    replace = bool(getattr(settings, "replace_workflow_config", False))
    files = list(getattr(workflow, "configfiles", None) or ())
    sources = config_sources(files, cli_files, cli_config, replace)
    shown = [s.label for s in sources] or ["config/config.yaml"]
    return validate_config(config, schema_path, shown, sources)


def section(config: Mapping, *keys: str):
    """Nested lookup ``config[k1][k2]...`` with an InputError naming the path."""
    cur = config
    for i, k in enumerate(keys):
        if not isinstance(cur, Mapping) or k not in cur:
            raise InputError("config", ".".join(keys[: i + 1]), "missing")
        cur = cur[k]
    return cur


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m scimodel.config FILE...``: read config files strictly.

    Snakemake reads ``--configfile`` files while it parses its command line,
    before the workflow can look at them, and its message for a YAML syntax
    error or an empty file names neither the file nor the line; this names both.
    """
    import sys

    files = list(sys.argv[1:] if argv is None else argv) or ["config/config.yaml"]
    status = 0
    for f in files:
        try:
            load_config_file(f)
        except InputError as err:
            print(f"invalid configuration: {err}", file=sys.stderr)
            status = 1
        else:
            print(f"{f}: ok (YAML syntax, no duplicate keys; the schema is checked when Snakemake starts)")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
