"""Conda environments (envs/*.yaml) agree with pyproject.toml and the rules.

* envs/scimodel.yaml pins the same packages as ``[project] dependencies`` in
  pyproject.toml, at the versions of requirements.lock (which lie in
  pyproject.toml's ranges) (conda-forge names differ for
  a few packages; a PyPI post-release ``X.postN`` is a wheel rebuild of
  ``X`` and is pinned as ``X`` on conda-forge);
* every env file pins exact versions (``name=version``) from conda-forge,
  and every env that installs scimodel (post-deploy script) carries all of
  its runtime dependencies at the pyproject.toml versions;
* every rule that runs a script or shell command declares ``conda:``, and
  the env variable it uses (ENV_SCI, ENV_QE in common.smk) points to an
  existing file.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ENVS = ROOT / "envs"
RULES = ROOT / "workflow" / "rules"

# PyPI name (lower case) -> conda-forge name, where they differ beyond case
# (netCDF4 -> netcdf4 and PyYAML -> pyyaml differ only in case).
PYPI_TO_CONDA = {
    "matplotlib": "matplotlib-base",   # same library without the GUI toolkits
}
# Conda packages in the env that are not runtime dependencies of scimodel.
CONDA_ONLY = {"python", "pip", "setuptools", "wheel"}


def _lock() -> dict[str, str]:
    """requirements.lock: normalised name -> exact version."""
    out = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        assert m, f"requirements.lock: {line!r} is not pinned exactly (name==version)"
        out[m.group(1).lower().replace("_", "-")] = m.group(2)
    return out


def _pypi_pins() -> dict[str, str]:
    """Runtime dependencies of pyproject.toml (ranges) at their locked versions,
    under conda-forge names; every locked version satisfies its range."""
    from packaging.requirements import Requirement

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lock = _lock()
    pins = {}
    for dep in deps:
        req = Requirement(dep)
        name = req.name.lower().replace("_", "-")
        assert name in lock, f"pyproject.toml dependency {dep!r} is not in requirements.lock"
        assert req.specifier.contains(lock[name], prereleases=True), \
            f"requirements.lock {name}=={lock[name]} is outside pyproject.toml's {dep!r}"
        pins[PYPI_TO_CONDA.get(name, name)] = lock[name]
    return pins


def test_lock_satisfies_every_range_of_pyproject():
    """The lock pins every dependency of pyproject.toml (runtime and the workflow and
    test extras) inside its range, and no range is an exact pin."""
    from packaging.requirements import Requirement

    proj = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = _lock()
    deps = proj["dependencies"] + [d for ds in proj["optional-dependencies"].values() for d in ds]
    for dep in deps:
        req = Requirement(dep)
        name = req.name.lower().replace("_", "-")
        assert name in lock and req.specifier.contains(lock[name], prereleases=True), (dep, lock.get(name))
        assert not any(sp.operator == "==" for sp in req.specifier), f"{dep!r}: use a range"


def _conda_spec(spec: str) -> tuple[str, str | None]:
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(?:=\s*([^\s=<>!]+))?\s*", spec)
    if not m:
        return spec.split("=")[0].split(">")[0].split("<")[0].strip(), None
    return m.group(1).lower(), m.group(2)


def _env(path: Path) -> dict:
    env = yaml.safe_load(path.read_text())
    assert isinstance(env, dict) and "dependencies" in env, f"{path}: no dependencies list"
    return env


def _base_version(v: str) -> str:
    """PEP 440 post-release X.postN -> X (conda-forge pins the base release)."""
    return re.sub(r"\.post\d+$", "", v)


def test_scimodel_env_matches_pyproject():
    env = _env(ENVS / "scimodel.yaml")
    conda = {}
    for spec in env["dependencies"]:
        assert isinstance(spec, str), "no pip: section: every package comes from conda-forge"
        name, ver = _conda_spec(spec)
        conda[name] = ver
    runtime = {k: v for k, v in conda.items() if k not in CONDA_ONLY}
    pypi = _pypi_pins()
    assert set(runtime) == set(pypi), (
        f"only in envs/scimodel.yaml: {sorted(set(runtime) - set(pypi))}; "
        f"only in pyproject.toml: {sorted(set(pypi) - set(runtime))}"
    )
    wrong = {k: (runtime[k], pypi[k]) for k in pypi if runtime[k] != _base_version(pypi[k])}
    assert not wrong, f"versions differ (conda, PyPI): {wrong}"
    # the Python of the env satisfies requires-python
    req = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    m = re.fullmatch(r">=\s*(\d+)\.(\d+)", req)
    assert m and conda.get("python"), "python is pinned in envs/scimodel.yaml"
    py = tuple(int(x) for x in conda["python"].split(".")[:2])
    assert py >= (int(m.group(1)), int(m.group(2)))


def _installs_scimodel(env_yaml: Path) -> bool:
    post = env_yaml.with_suffix(".post-deploy.sh")
    return post.is_file() and "pip install" in post.read_text() and "scimodel" in post.read_text()


@pytest.mark.parametrize("path", [p for p in sorted(ENVS.glob("*.yaml")) if _installs_scimodel(p)],
                         ids=lambda p: p.name)
def test_envs_with_scimodel_carry_its_dependencies(path):
    """An env whose post-deploy script installs scimodel (--no-deps) must
    itself pin every runtime dependency of pyproject.toml, same version."""
    conda = dict(_conda_spec(spec) for spec in _env(path)["dependencies"])
    pypi = _pypi_pins()
    missing = sorted(set(pypi) - set(conda))
    assert not missing, f"{path.name} lacks {missing}"
    wrong = {k: (conda[k], pypi[k]) for k in pypi if conda[k] != _base_version(pypi[k])}
    assert not wrong, f"{path.name}: versions differ (conda, PyPI): {wrong}"


@pytest.mark.parametrize("path", sorted(ENVS.glob("*.yaml")), ids=lambda p: p.name)
def test_env_files_pin_conda_forge(path):
    env = _env(path)
    channels = env.get("channels", [])
    assert channels and channels[0] == "conda-forge", f"{path.name}: conda-forge first"
    assert "defaults" not in channels, f"{path.name}: the defaults channel is not used"
    build_tools = {"pip", "setuptools", "wheel"}
    for spec in env["dependencies"]:
        assert isinstance(spec, str), f"{path.name}: no pip: section"
        name, ver = _conda_spec(spec)
        if name in build_tools:
            continue
        assert ver, f"{path.name}: {spec!r} is not pinned (use name=version)"


def _rule_blocks(text: str):
    """(name, body) of every rule/checkpoint in a .smk file (static parse)."""
    heads = list(re.finditer(r"^[ \t]*(?:rule|checkpoint)[ \t]+(\w+)[ \t]*:", text, re.M))
    for i, h in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        yield h.group(1), text[h.end():end]


def _env_variables() -> dict[str, Path]:
    common = (RULES / "common.smk").read_text()
    out = {}
    for m in re.finditer(r'^(ENV_\w+)\s*=\s*"([^"]+)"', common, re.M):
        out[m.group(1)] = (RULES / m.group(2)).resolve()
    return out


def test_every_rule_declares_an_existing_conda_env():
    env_vars = _env_variables()
    assert "ENV_SCI" in env_vars and env_vars["ENV_SCI"] == (ENVS / "scimodel.yaml").resolve()
    missing, dangling = [], []
    for smk in sorted(RULES.glob("*.smk")):
        for name, body in _rule_blocks(smk.read_text()):
            # strip comments so that a commented-out directive does not count
            code = "\n".join(line.split("#", 1)[0] for line in body.splitlines())
            if not re.search(r"^\s+(script|shell|notebook|wrapper)\s*:", code, re.M):
                continue    # target-only rules (all, figures, ...) need no env
            m = re.search(r"^\s+conda\s*:\s*\n?\s*(\S+)", code, re.M)
            if not m:
                missing.append(f"{smk.name}:{name}")
                continue
            ref = m.group(1).rstrip(",")
            if ref in env_vars:
                target = env_vars[ref]
            else:
                target = (RULES / ref.strip("\"'")).resolve()
            if not target.is_file():
                dangling.append(f"{smk.name}:{name} -> {ref}")
    assert not missing, f"rules without conda: {missing}"
    assert not dangling, f"conda: points to a missing env file: {dangling}"
