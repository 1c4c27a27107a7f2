"""scimodel as a package people can install: the built wheel carries its data
(schemas, the Matplotlib style) and works away from the source checkout.

The wheel is built with pip (PEP 517, build isolation) from a copy of the
checkout's tracked files and installed with
``--target`` into a fresh folder; a Python process whose working directory is
outside the checkout imports scimodel from there (asserted: not from src/),
loads a digitization record and solves a Tc.  The runtime dependencies are
taken from the test environment (``--no-deps``): what is tested is the wheel's
own content.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, copy_workflow

RECORD = ROOT / "resources/datasets/alo_ziemann1978_synthetic/dtc_QI1.yaml"


@pytest.mark.slow
def test_wheel_loads_a_record_and_solves_tc_outside_the_checkout(tmp_path):
    dist, site, work = tmp_path / "dist", tmp_path / "site", tmp_path / "elsewhere"
    work.mkdir()
    src = copy_workflow(tmp_path / "checkout")       # setuptools builds in the source tree
    pip = [sys.executable, "-m", "pip"]
    build = subprocess.run([*pip, "wheel", "-q", "--no-deps", "-w", str(dist), str(src)],
                           capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = dist.glob("scimodel-*.whl")
    inst = subprocess.run([*pip, "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                          capture_output=True, text=True, timeout=600)
    assert inst.returncode == 0, inst.stderr[-3000:]
    script = textwrap.dedent(f"""
        import scimodel
        from scimodel import datasets, spectra
        from scimodel.plotting import style_path
        from scimodel.scdft import GapEquation, Settings, parabolic_band_input
        assert scimodel.__file__.startswith({str(site)!r}), scimodel.__file__
        assert style_path().is_file() and scimodel.schema_path("config.schema.yaml").is_file()
        s = datasets.load_record({str(RECORD)!r})
        w, a = spectra.debye(25.0, 0.8)
        tc = GapEquation(parabolic_band_input(w, a, n_valence=3, volume=112.0)).tc()
        print(len(s.x), tc.found, tc.tc)
    """)
    import os
    env = dict(os.environ, PYTHONPATH=str(site))
    run = subprocess.run([sys.executable, "-c", script], cwd=work, env=env, capture_output=True,
                         text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    n, found, tc = run.stdout.split()
    assert int(n) > 3 and found == "True" and 0.1 < float(tc) < 30.0
