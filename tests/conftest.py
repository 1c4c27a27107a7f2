"""Shared pytest fixtures and paths."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
#: Where the committed q-point campaign archives are (workflow/rules/common.smk, AB_QPOINT_ROOTS).
QPOINT_ROOTS = [ROOT / "resources/abinitio/qe_parts", ROOT / "resources/abinitio/qe_studies"]

#: QE settings of the small pw.x runs of the tests (4^3 k, broad smearing); each test adds
#: its structure, lattice constant, mass, pseudopotential, cutoffs, valence and bands
SMALL_PW_RUN = dict(k_scf=4, k_dense=8, q_grid=2, degauss_Ry=0.05, elph_sigma0_Ry=0.005, elph_nsigma=10,
                    elph_sigma_Ry=0.03, conv_thr=1e-8, stability_window_Ry=[0.02, 0.04], tr2_ph=1e-12,
                    k_dos=8, semicore_bands=0)


def default_sigint() -> None:
    """``preexec_fn`` giving a child process the default SIGINT disposition.  A shell
    starts background jobs (``make test &``, nohup) with SIGINT ignored and children
    inherit that; the Ctrl-C tests must see SIGINT as a terminal delivers it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def snakemake_exe() -> str:
    """The snakemake next to the running interpreter (the project venv)."""
    cand = VENV_BIN / "snakemake"
    return str(cand) if cand.exists() else (shutil.which("snakemake") or "snakemake")


def copy_workflow(dest: Path) -> Path:
    """Copy the tracked (and new, not ignored) workflow files into ``dest``.

    Tests build targets there so that the checkout's results/ is never touched.
    """
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()
    for rel in files:
        src = ROOT / rel
        if not src.is_file():
            continue
        dst = dest / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    return dest


def run_snakemake(workdir: Path, *args: str, timeout: int = 900, env=None):
    """Run snakemake in ``workdir``; returns CompletedProcess (text)."""
    e = dict(os.environ)
    e.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))
    e.update(env or {})
    return subprocess.run([snakemake_exe(), *args], cwd=workdir, capture_output=True,
                          text=True, timeout=timeout, env=e)


def run_qe_rule_scripts(tmp: Path, element: dict, metal: str = "Al", q: int = 2,
                        threads: int = 1) -> Path:
    """The three QE rule scripts (abinitio_ground, abinitio_phq per irreducible q
    point, abinitio_qe) as the workflow runs them; returns the run folder
    ``tmp/results/abinitio/qe/<metal>_q<q>`` (parts and scratch under ``tmp``)."""
    import runpy

    from scimodel.qe import irreducible_q_count
    from scimodel.workflow import mock_snakemake

    parts = tmp / "results/abinitio/qe_parts" / f"{metal}_q{q}"
    common = dict(wildcards={"metal": metal, "q": str(q)}, threads=threads)
    mpi = "mpirun -np {nproc}"

    def script(name, **kw):
        sm = mock_snakemake(log=[str(tmp / f"{name}.log")], **kw)
        runpy.run_path(str(ROOT / "workflow/scripts" / f"{name}.py"), init_globals={"snakemake": sm})

    pseudo = ROOT / "resources/pseudo" / element["pseudo"]
    script("abinitio_ground", input={"pseudo": str(pseudo)}, output={"ground": str(parts / "ground")},
           params={"element": element, "mpi_command": mpi}, **common)
    qdirs = []
    for iq in range(1, irreducible_q_count(element["structure"], q) + 1):
        qdirs.append(str(parts / f"iq{iq}"))
        script("abinitio_phq", input={"ground": str(parts / "ground")}, output={"qdir": qdirs[-1]},
               params={"scratch": str(tmp / "scratch" / f"iq{iq}"), "mpi_command": mpi,
                       "archive_roots": []},
               wildcards={"metal": metal, "q": str(q), "iq": str(iq)}, threads=threads)
    run = tmp / "results/abinitio/qe" / f"{metal}_q{q}"
    script("abinitio_qe", input={"ground": str(parts / "ground"), "qpoints": qdirs},
           output={"run": str(run)},
           params={"scratch": str(tmp / "scratch" / "join"), "mpi_command": mpi, "with_dos": True},
           **common)
    return run


@pytest.fixture(scope="session")
def campaign(tmp_path_factory):
    """``campaign(name)``: the folder form (``iq<i>/``) of the committed q-point
    campaign archive ``<name>.zip`` (QPOINT_ROOTS), extracted once per session;
    None when no such archive is committed."""
    from scimodel.qe import campaign_archive, extract_campaign

    folders: dict[str, Path | None] = {}

    def get(name: str) -> Path | None:
        if name not in folders:
            archive = campaign_archive(QPOINT_ROOTS, name)
            folders[name] = None if archive is None else extract_campaign(
                archive, tmp_path_factory.mktemp("campaign") / name)
        return folders[name]

    return get


@pytest.fixture
def workflow_copy(tmp_path) -> Path:
    """A fresh copy of the workflow in a temporary directory."""
    return copy_workflow(tmp_path / "wf")


def pytest_terminal_summary(terminalreporter):
    """Report the size of the bad-input battery (reliability issue)."""
    try:
        from test_bad_inputs import CASES
    except Exception:  # noqa: BLE001 - the summary must never break a run
        return
    kinds = sorted({c.kind for c in CASES})
    terminalreporter.write_line(
        f"bad-input battery: {len(CASES)} malformed inputs over {len(kinds)} kinds ({', '.join(kinds)})")


_LOST_KEY = pytest.StashKey[bool]()   # set on tests whose xdist_group was ignored


@pytest.hookimpl(trylast=True)     # after pytest-xdist's own hook, which appends the group
def pytest_collection_modifyitems(config, items):
    """Under ``-n N --dist loadgroup`` every test marked ``xdist_group`` must
    carry its group in the node id (pytest-xdist appends ``@<group>``), else
    xdist spreads a group over workers without a word: the SLURM tests then
    start their runs on two workers and one worker stops the cluster under
    the other (seen with pytest 9.2.0, which keeps node ids in ``Node._id``).
    Such tests fail at set-up with the reason instead of running."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        if any(True for _ in item.iter_markers("xdist_group")) and "@" not in item.nodeid:
            item.stash[_LOST_KEY] = True


def pytest_runtest_setup(item):
    if item.stash.get(_LOST_KEY, False):
        pytest.fail("pytest-xdist --dist loadgroup ignored this test's xdist_group mark: the "
                    "installed pytest and pytest-xdist do not work together; install the "
                    "versions pinned in pyproject.toml (pip install -e .[test])", pytrace=False)


def same_attrs(a: dict, b: dict) -> bool:
    """Attribute dicts equal, array-valued attributes (CF flag_values) compared by value."""
    import numpy as np

    if set(a) != set(b):
        return False
    return all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) if
               (isinstance(a[k], np.ndarray) or isinstance(b[k], np.ndarray)) else a[k] == b[k]
               for k in a)


def campaign_config(campaign: str) -> dict:
    """config/config.yaml with abinitio_recompute.yaml and the campaign override
    config/campaigns/<campaign> merged over it (as its header says), schema-checked with
    the defaults filled in."""
    from scimodel.config import layered_config

    return layered_config(ROOT, "config/campaigns/abinitio_recompute.yaml", f"config/campaigns/{campaign}")
