"""Ab-initio inputs (issue 4): QE input writers, output parsers, the NetCDF
contract (scimodel.qe.read_abinitio), the committed cache and, where
Quantum ESPRESSO is installed, a tiny Al run through the real rules' scripts.

Published numbers used (with tolerances):
* free-electron k_F of Al = 1.75 1/Angstrom, E_F = 11.7 eV (Ashcroft & Mermin,
  Solid State Physics, Table 2.1) -> our k_F from 3 electrons in the fcc cell
  with a = 4.05 Angstrom (A&M Table 4.3) within 1 %;
* paper 004's lambda (Table 2) only for the honest "aim" record, and Cu's
  lambda < 0.2 (issue 4 "done when").
"""
from __future__ import annotations

import json
import re
import runpy
import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from scimodel import eliashberg, qe, units
from scimodel.config import validate_config
from scimodel.errors import InputError
from scimodel.io import da, write_dataset
from scimodel.workflow import mock_snakemake

from conftest import QPOINT_ROOTS, ROOT, campaign_config, run_qe_rule_scripts, run_snakemake

CACHE = ROOT / "resources" / "abinitio"
CACHED = sorted(p for p in CACHE.glob("*.nc"))


def _configured() -> dict:
    """config/config.yaml with the schema's defaults filled in (what a run uses)."""
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    validate_config(cfg, ROOT / "src" / "scimodel" / "schemas" / "config.schema.yaml")
    return cfg
needs_qe = pytest.mark.skipif(not qe.qe_available(),
                              reason="Quantum ESPRESSO (pw.x, ph.x, ...) not on PATH: "
                                     "install with `apt-get install -y quantum-espresso`")


def _params(**over):
    p = dict(structure="fcc", a_angstrom=4.05, mass_amu=26.9815, pseudo="shipped/Al.pz-vbc.UPF",
             ecutwfc_Ry=12.0, ecutrho_Ry=48.0, k_scf=4, k_dense=8, q_grid=2, degauss_Ry=0.05,
             elph_sigma0_Ry=0.005, elph_nsigma=10, elph_sigma_Ry=0.03,
             stability_window_Ry=[0.02, 0.04], k_dos=8, nbnd=16, n_valence=3,
             semicore_bands=0, matdyn_grid=8, dos_degauss_Ry=0.01, dos_step_eV=0.02,
             dos_above_ef_eV=20.5)
    p.update(over)
    return p


def test_dos_window_needs_bands_above_its_top_and_names_nbnd_dos():
    """The DOS window reaches E_F + dos_above_ef_eV; nbnd_dos (default: nbnd) must clear it."""
    spec = qe.metal_spec("Al", _params(nbnd_dos=30, dos_above_ef_eV=60.5))
    assert spec.dos_bands == 30 and qe.metal_spec("Al", _params()).dos_bands == 16
    eig = np.array([[1.0, 5.0, 70.0], [2.0, 6.0, 75.0]])
    bands = {"eigenvalues_eV": eig, "fermi_energy_eV": 4.0}
    w = qe.dos_window(qe.metal_spec("Al", _params(dos_above_ef_eV=60.5)), bands)
    assert w["emax_eV"] == pytest.approx(64.5) and w["emin_eV"] == pytest.approx(0.5)
    with pytest.raises(InputError, match="nbnd_dos"):
        qe.dos_window(qe.metal_spec("Al", _params(dos_above_ef_eV=60.5)),
                      {"eigenvalues_eV": np.array([[1.0, 5.0, 40.0], [2.0, 6.0, 60.0]]),
                       "fermi_energy_eV": 4.0})
    nscf = qe.pw_input(spec, "nscf", k=8, nbnd=spec.dos_bands)
    assert "nbnd = 30" in nscf


# --------------------------------------------------------------------------- spec / inputs
def test_lattice_and_volume_from_angstrom():
    spec = qe.metal_spec("Al", _params())
    assert spec.alat_bohr == pytest.approx(4.05 / 0.529177210903, rel=1e-9)
    assert spec.volume_bohr3 == pytest.approx(spec.alat_bohr ** 3 / 4, rel=1e-12)
    bcc = qe.metal_spec("Nb", _params(structure="bcc", a_angstrom=3.30))
    assert bcc.volume_bohr3 == pytest.approx(bcc.alat_bohr ** 3 / 2, rel=1e-12)


def test_free_electron_kf_of_aluminium_matches_ashcroft_mermin():
    spec = qe.metal_spec("Al", _params())
    kf = qe.free_electron_kf(3 / spec.volume_bohr3)             # 1/bohr
    assert kf * units.ANGSTROM_TO_BOHR == pytest.approx(1.75, rel=0.01)
    ef_ev = 0.5 * kf ** 2 * units.HA_TO_EV
    assert ef_ev == pytest.approx(11.7, rel=0.01)


@pytest.mark.parametrize("bad, field", [
    (dict(elph_nsigma=5), "elph_nsigma"),
    (dict(elph_sigma_Ry=0.033), "elph_sigma_Ry"),
    (dict(structure="hcp"), "structure"),
    (dict(k_dense=32, q_grid=6), "k_dense"),         # ph.x: q must lie on the dense grid
    (dict(k_scf=8, k_dense=36, q_grid=6), "k_dense"),  # dense grid not a multiple of k_scf
    (dict(k_dense=24, q_grid=6, q_check=5), "k_dense"),
    (dict(elph_method="fermi_surface"), "elph_method"),
    (dict(spin_orbit=True), "spin_orbit"),              # Gaussian 'interpolated' + spinors
])
def test_metal_spec_rejects_bad_config(bad, field):
    with pytest.raises(InputError, match=field):
        qe.metal_spec("Al", _params(**bad))


def test_spin_orbit_makes_spinor_inputs_and_its_own_phonon_key():
    """spin_orbit: pw.x gets noncolin + lspinorb; the phonon key changes (its q points
    are never mixed with scalar ones), the scalar key stays what it was."""
    el = _params(elph_method="tetrahedra")
    scalar, so = qe.metal_spec("Al", el), qe.metal_spec("Al", dict(el, spin_orbit=True))
    assert "noncolin" not in qe.pw_input(scalar) and "lspinorb" not in qe.pw_input(scalar)
    text = qe.pw_input(so, occupations="tetrahedra_opt")
    assert "noncolin = .true." in text and "lspinorb = .true." in text
    assert (so.spinor_factor, so.band_occupancy) == (2, 1.0)
    assert (scalar.spinor_factor, scalar.band_occupancy) == (1, 2.0)
    assert qe.phonon_key(so) != qe.phonon_key(scalar)
    assert qe.phonon_key(qe.metal_spec("Al", dict(el, spin_orbit=False))) == qe.phonon_key(scalar)


def test_tetrahedra_accept_a_k_dense_grid_incommensurate_with_k_scf():
    """lambda_tetra recomputes the bands on k_dense (no interpolation from k_scf), so
    only the Gaussian branch needs k_dense to be a multiple of k_scf; the q grids must
    still lie on k_dense for both."""
    spec = qe.metal_spec("Nb", _params(k_scf=16, k_dense=24, q_grid=6, q_check=4,
                                       elph_method="tetrahedra"))
    assert (spec.k_scf, spec.k_dense) == (16, 24)
    assert "\n 16 16 16 0 0 0" in qe.pw_input(spec, occupations="tetrahedra_opt")
    assert "nk1 = 24" in qe.ph_tetra_input(spec, iq=2)
    with pytest.raises(InputError, match="k_dense"):
        qe.metal_spec("Nb", _params(k_scf=16, k_dense=24, q_grid=6, q_check=4))
    with pytest.raises(InputError, match="k_dense"):
        qe.metal_spec("Nb", _params(k_scf=16, k_dense=20, q_grid=6,
                                    elph_method="tetrahedra"))


def test_metal_spec_reports_missing_keys():
    p = _params()
    del p["nbnd"]
    with pytest.raises(InputError, match="nbnd"):
        qe.metal_spec("Al", p)


def test_inputs_carry_the_configured_grids():
    spec = qe.metal_spec("Nb", _params(structure="bcc", a_angstrom=3.3, q_grid=6, k_dense=24))
    fit = qe.pw_input(spec, k=spec.k_dense, la2f=True)
    assert "ibrav = 3" in fit and "la2F = .true." in fit and "\n 24 24 24 0 0 0" in fit
    ph = qe.ph_input(spec)
    for s in ("electron_phonon = 'interpolated'", "nq1 = 6", "el_ph_nsigma = 10",
              "fildvscf = 'nbdv'"):
        assert s in ph
    nscf = qe.pw_input(spec, "nscf", k=32, nbnd=26, smearing="gaussian", degauss_ry=0.002)
    assert "nbnd = 26" in nscf and "degauss = 0.002" in nscf and "gaussian" in nscf


def test_tetrahedron_inputs_split_dfpt_and_lambda_tetra():
    """elph_method = 'tetrahedra': tetrahedra_opt ground state, a DFPT-only ph.x run
    that saves dV_scf, then lambda_tetra on the k_dense grid for the same q point."""
    spec = qe.metal_spec("Nb", _params(structure="bcc", a_angstrom=3.3, q_grid=6, k_scf=12,
                                       k_dense=24, elph_method="tetrahedra"))
    scf = qe.pw_input(spec, occupations="tetrahedra_opt")
    assert "occupations = 'tetrahedra_opt'" in scf and "degauss" not in scf
    dfpt = qe.ph_input(spec, iq=5)
    assert "electron_phonon" not in dfpt and "el_ph" not in dfpt
    assert "fildvscf = 'nbdv'" in dfpt and "start_q = 5" in dfpt and "trans = .true." in dfpt
    tetra = qe.ph_tetra_input(spec, iq=5)
    for t in ("electron_phonon = 'lambda_tetra'", "trans = .false.", "nk1 = 24", "nk3 = 24",
              "fildvscf = 'nbdv'", "fildyn = 'nb.dyn'", "start_q = 5", "last_q = 5", "nq2 = 6"):
        assert t in tetra
    # q2r.x/matdyn.x interpolate the gamma files built from lambda_tetra (write_tetra_gamma_files)
    assert "la2F = .true." in qe.q2r_input(spec) and "la2F = .true." in qe.matdyn_input(spec)


def test_phonon_key_separates_tetrahedra_and_keeps_gaussian_keys():
    """The tetrahedron runs get their own key; the Gaussian key is the one before
    elph_method existed (the committed q points carry it: see
    test_cached_file_names_its_committed_q_points)."""
    gauss = qe.metal_spec("Al", _params())
    assert qe.phonon_key(gauss) == qe.phonon_key(qe.metal_spec("Al", _params(elph_method="gaussian")))
    assert qe.phonon_key(gauss) != qe.phonon_key(qe.metal_spec("Al", _params(elph_method="tetrahedra")))


# --------------------------------------------------------------------------- parsers
def test_read_lambda_tetra_output():
    """A real ph.x lambda_tetra output (Ta at N, 24^3 k; the star is printed after the
    block): one row without smearing, the three lambda_{q nu} and the star of N."""
    (b,) = qe.read_ph_elph(CACHE / "Ta_tetrahedron_check" / "elph_N_k24.out")
    assert b["star"] == 6
    np.testing.assert_allclose(b["sigma_ry"], [0.0])
    np.testing.assert_allclose(b["lam"], [[0.2873, 1.0688, 0.1698]])
    np.testing.assert_allclose(b["freq_mev"] / units.CM1_TO_MEV, [83.699953, 117.148462, 137.217939],
                               rtol=1e-6)


def test_gamma_files_from_lambda_match_ph_x_own_files(tmp_path, campaign):
    """gamma_file_text (the a2Fq2r files of a tetrahedron q point, built from the printed
    lambda_{q nu}) against the files ph.x itself wrote for the cache's Gaussian Ta 6^3 q
    points, at three smearings: the header (sigma, E_F, N(E_F)), the star's q lines and,
    in every member's mode basis, the trace of the gamma matrix over each degenerate set
    of modes (lambda is printed with 4 decimals: 2e-3 of the largest element).  Gamma is
    left out: ph.x prints lambda = 0 there but writes its gamma matrix."""
    folder = campaign("Ta_q6_f18004221f1b9f74")
    for iq in (2, 6, 8, 14, 16):                   # stars of 12, 48, 6, 6 and 1 members
        d = folder / f"iq{iq}"
        (b,) = qe.read_ph_elph(d / "ph.out")
        dyn = qe.read_dyn_star(d / f"ta.dyn{iq}")
        assert len(dyn) == b["star"]
        for i in (0, 5, 9):
            f = tmp_path / f"g{iq}_{i}"
            f.write_text(qe.gamma_file_text(d / f"ta.dyn{iq}", b["lam"][i], b["dos_per_ry"][i],
                                            b["ef_ev"][i] / units.RY_TO_EV, b["sigma_ry"][i]))
            ref_file = d / "elph_dir" / f"a2Fq2r.{51 + i}.{iq}"
            head = [float(x.replace("E", "e")) for x in f.read_text().split()[:3]]
            ref_head = [float(x.replace("E", "e")) for x in ref_file.read_text().split()[:3]]
            np.testing.assert_allclose(head, ref_head, rtol=1e-6)
            mine, ref = qe.read_dyn_star(f, nat=1), qe.read_dyn_star(ref_file, nat=1)
            assert [q.split() for q, _ in mine] == [q.split() for q, _ in ref]
            for (_, gm), (_, gr), (_, dm) in zip(mine, ref, dyn):
                w, v = np.linalg.eigh(dm)
                scale = np.abs(gr).max()
                for x in np.unique(np.round(w, 8)):
                    p = v[:, np.abs(w - x) < 1e-6 * np.abs(w).max()]
                    tm = np.trace(p.conj().T @ gm @ p).real
                    tr = np.trace(p.conj().T @ gr @ p).real
                    assert abs(tm - tr) <= 2e-3 * scale, (iq, i, x, tm, tr)


def test_gamma_file_text_refuses_bad_input(tmp_path, campaign):
    folder = campaign("Ta_q6_f18004221f1b9f74") / "iq8"
    with pytest.raises(InputError, match="expected 3"):
        qe.gamma_file_text(folder / "ta.dyn8", [0.1, 0.2], 8.0, 1.3)
    bad = tmp_path / "ta.dyn8"
    text = (folder / "ta.dyn8").read_text().splitlines()
    i = next(k for k, t in enumerate(text) if "Dynamical  Matrix" in t)
    bad.write_text("\n".join(text[:i + 6]) + "\n")          # cut inside the 3x3 block
    with pytest.raises(InputError, match="truncated or malformed"):
        qe.read_dyn_star(bad)
    with pytest.raises(InputError, match="does not exist"):
        qe.read_dyn_star(tmp_path / "none.dyn1")
    # a lambda_tetra output without its 'DOS = ... at Ef=' line: no gamma files
    tq = campaign("Ta_q4_4a7d72a1399c59e4") / "iq5"
    q = tmp_path / "iq5"
    shutil.copytree(tq, q)
    (q / "elph.out").write_text("".join(ln for ln in (tq / "elph.out").read_text().splitlines(True)
                                        if not ln.strip().startswith("DOS =")))
    spec = qe.metal_spec("Ta", _params(structure="bcc", a_angstrom=3.31, q_grid=4, k_scf=12,
                                       k_dense=24, elph_method="tetrahedra"))
    (tmp_path / "elph_dir").mkdir()
    with pytest.raises(InputError, match="N\\(E_F\\) and E_F not printed"):
        qe.write_tetra_gamma_files(spec, q, 5, tmp_path / "elph_dir")
    assert not list((tmp_path / "elph_dir").iterdir())
    qe.write_tetra_gamma_files(spec, tq, 5, tmp_path / "elph_dir")     # the real folder works
    assert len(list((tmp_path / "elph_dir").glob("a2Fq2r.*.5"))) == 10


def test_read_a2f_dos_converts_rydberg(tmp_path):
    f = tmp_path / "a2F.dos1"
    f.write_text(" # Eliashberg function a2F (per both spin)\n #  frequencies in Rydberg  \n"
                 " # DOS normalized to E in Rydberg: a2F_total, a2F(mode) \n\n"
                 "  0.1E-02  0.5E+00  0.1\n  0.2E-02  0.25E+00  0.1\n  0.3E-02  0.0E+00 0.0\n"
                 "  lambda =  0.8  Delta = 1e-5\n")
    w, a = qe.read_a2f_dos(f)
    assert w == pytest.approx(np.array([1e-3, 2e-3, 3e-3]) * units.RY_TO_MEV)
    assert a == pytest.approx([0.5, 0.25, 0.0])


def test_read_a2f_dos_rejects_other_units(tmp_path):
    f = tmp_path / "a2F.dos1"
    f.write_text(" # header\n #  frequencies in THz\n # x\n 1 2\n 2 3\n 3 4\n")
    with pytest.raises(InputError, match="Rydberg"):
        qe.read_a2f_dos(f)


def test_read_matdyn_lambda(tmp_path):
    f = tmp_path / "lambda"
    f.write_text("  Electron-phonon coupling constant, lambda \n\n"
                 " Broadening   0.0050 lambda       0.8233 dos(Ef)  3.5028 omega_ln [K]    281.1632\n"
                 " Broadening   0.0100 lambda       0.6213 dos(Ef)  3.2881 omega_ln [K]    281.8350\n")
    t = qe.read_matdyn_lambda(f)
    assert t["sigma_ry"].tolist() == [0.005, 0.01]
    assert t["lambda"].tolist() == [0.8233, 0.6213]
    (tmp_path / "empty").write_text("nothing\n")
    with pytest.raises(InputError):
        qe.read_matdyn_lambda(tmp_path / "empty")


def test_read_dos_x_and_truncation(tmp_path):
    f = tmp_path / "dos.dat"
    f.write_text("#  E (eV)   dos(E)     Int dos(E) EFermi =    7.645 eV\n"
                 "  -4.0  0.1  0.0\n  -3.0  0.2  0.1\n  -2.0  0.3  0.3\n")
    e, g, ef = qe.read_dos_x(f)
    assert ef == 7.645 and e.tolist() == [-4.0, -3.0, -2.0] and g.tolist() == [0.1, 0.2, 0.3]
    f.write_text("#  E (eV)   dos(E)     Int dos(E) EFermi =    7.645 eV\n  -4.0  0.1  0.0\n")
    with pytest.raises(InputError, match="truncated"):
        qe.read_dos_x(f)


def test_read_phonon_dos_keeps_normalisation(tmp_path):
    # F(nu) = 3 / 100 per cm^-1 on 0..100 cm^-1 -> 3 modes; stays 3 after the meV conversion
    nu = np.linspace(0, 100, 101)
    f = tmp_path / "phonon.dos"
    f.write_text("# Frequency[cm^-1] DOS PDOS\n" + "".join(f"{x} {0.03} {0.03}\n" for x in nu))
    w, g = qe.read_phonon_dos(f)
    assert np.trapezoid(g, w) == pytest.approx(3.0, rel=1e-12)
    assert w[-1] == pytest.approx(100 * units.CM1_TO_MEV)


def test_read_ld1_test(tmp_path):
    f = tmp_path / "t.out"
    f.write_text("     dEtot_ae =      -0.041234 Ry\n"
                 "     dEtot_ps =      -0.041364 Ry,   Delta E=       0.000130 Ry\n"
                 "     Message from routine run_pseudo:\n     BEWARE! Errors in PS-KS equations\n"
                 "     dEtot_ae =       0.207446 Ry\n"
                 "     dEtot_ps =       0.369953 Ry,   Delta E=      -0.162506 Ry\n")
    rows = qe.read_ld1_test(f)
    assert [r.pop("ps_nodes_wrong") for r in rows] == [False, True]
    assert rows == [pytest.approx({"dEtot_ae_Ry": -0.041234, "dEtot_ps_Ry": -0.041364,
                                   "delta_mRy": 0.130}),
                    pytest.approx({"dEtot_ae_Ry": 0.207446, "dEtot_ps_Ry": 0.369953,
                                   "delta_mRy": -162.506})]


def test_reference_lambda_file_is_paper004_table2():
    ref = qe.read_reference_lambda(CACHE / "paper004_lambda.csv")
    assert ref == {"Al": 0.44, "Mo": 0.42, "Ta": 0.84, "Pb": 1.62, "Nb": 1.18}


# --------------------------------------------------------------------------- diagnostics
def test_imaginary_weight_of_a_shifted_box():
    w = np.linspace(-1.0, 9.0, 10001)           # box DOS from -1 to 9: 10 % below zero
    f = np.ones_like(w)
    assert qe.imaginary_weight(w, f) == pytest.approx(0.1, rel=1e-3)
    assert qe.imaginary_weight(w[w >= 0], f[w >= 0]) == 0.0


def test_stability_window():
    s = np.array([0.01, 0.02, 0.03, 0.04])
    lam = np.array([2.0, 1.05, 1.0, 0.97])
    assert qe.stability(s, lam, 2, (0.02, 0.04)) == pytest.approx(0.05)
    with pytest.raises(InputError):
        qe.stability(s, lam, 2, (0.1, 0.2))


# --------------------------------------------------------------------------- contract
def _synthetic_dataset(xi_top_mev=20500.0):
    """A contract-conforming SYNTHETIC dataset: Debye alpha2F and free-electron DOS."""
    omega = np.linspace(0, 30, 301)
    a2f = np.where(omega < 25, 0.5 * (omega / 25) ** 2, 0.0)
    lam = eliashberg.moments(omega, a2f)
    volume = 112.0
    xi = np.linspace(-11000.0, xi_top_mev, 400)
    e_ha = (xi + 11000.0) / units.HA_TO_MEV
    dos = volume / (4 * np.pi ** 2) * 2 ** 1.5 * np.sqrt(np.clip(e_ha, 0, None)) / units.HA_TO_MEV
    sm = np.array([68.0, 136.0])
    n = 3 / volume
    ds = xr.Dataset(
        {"a2f": da(a2f, ("omega",), "1", "alpha2F"),
         "a2f_by_smearing": da(np.vstack([a2f, a2f]), ("smearing", "omega"), "1", "alpha2F"),
         "phonon_dos": da(3 * np.ones_like(omega) / 30, ("omega",), "1/meV", "F"),
         "dos": da(dos, ("xi",), "1/meV", "N"),
         "lambda": da(lam["lam"], (), "1", "lambda"),
         "omega_log": da(lam["omega_log"], (), "meV", "w_log"),
         "omega2": da(lam["omega2"], (), "meV", "w2"),
         "dos_ef": da(float(np.interp(0, xi, dos)), (), "1/meV", "N0"),
         "fermi_energy": da(7.6, (), "eV", "E_F"),
         "band_bottom": da(-11000.0, (), "meV", "bottom"),
         "electron_density": da(n, (), "1/bohr^3", "n"),
         "kf": da(qe.free_electron_kf(n), (), "1/bohr", "kF"),
         "volume": da(volume, (), "bohr^3", "V"),
         "n_valence": da(3.0, (), "1", "Z")},
        coords={"omega": da(omega, ("omega",), "meV", "omega"),
                "xi": da(xi, ("xi",), "meV", "xi"),
                "smearing": da(sm, ("smearing",), "meV", "smearing")})
    return ds


def _write(ds, path):
    write_dataset(ds, path, source="SYNTHETIC test data (tests/test_abinitio.py)",
                  extra_attrs={"synthetic": "true"})
    return path


def test_read_abinitio_accepts_a_conforming_file(tmp_path):
    ds = qe.read_abinitio(_write(_synthetic_dataset(), tmp_path / "synthetic_Al.nc"))
    assert set(qe.CONTRACT) <= set(ds.variables)


@pytest.mark.parametrize("damage, field", [
    (lambda d: d.drop_vars("dos_ef"), "dos_ef"),
    (lambda d: d.assign(kf=d["kf"].assign_attrs(units="1/angstrom")), "kf"),
    (lambda d: d.assign(a2f_by_smearing=da(d["a2f_by_smearing"].values.T,
                                           ("omega", "smearing"), "1", "x")), "a2f_by_smearing"),
    (lambda d: d.assign(band_bottom=da(500.0, (), "meV", "bottom")), "band_bottom"),
])
def test_read_abinitio_rejects_broken_files(tmp_path, damage, field):
    path = _write(damage(_synthetic_dataset()), tmp_path / "synthetic_bad.nc")
    with pytest.raises(InputError, match=field):
        qe.read_abinitio(path)


def test_read_abinitio_rejects_missing_units(tmp_path):
    ds = _synthetic_dataset()
    path = _write(ds, tmp_path / "synthetic_nounits.nc")
    with xr.open_dataset(path) as d:
        d = d.load()
    del d["omega_log"].attrs["units"]
    d.to_netcdf(tmp_path / "synthetic_nounits2.nc")
    with pytest.raises(InputError, match="omega_log"):
        qe.read_abinitio(tmp_path / "synthetic_nounits2.nc")


def test_read_abinitio_rejects_short_dos(tmp_path):
    path = _write(_synthetic_dataset(xi_top_mev=10000.0), tmp_path / "synthetic_short.nc")
    with pytest.raises(InputError, match="xi"):
        qe.read_abinitio(path)


def test_synthetic_free_electron_dos_holds_three_electrons():
    # analytic check of the DOS convention (per spin, per atom, 1/meV):
    # 2 Int_{bottom}^{E_F} N dxi = Z when E_F - bottom is the free-electron E_F
    ds = _synthetic_dataset()
    kf = float(ds["kf"])
    ef_mev = 0.5 * kf ** 2 * units.HA_TO_MEV
    xi = np.linspace(-11000, -11000 + ef_mev, 20001)
    n = np.interp(xi, ds["xi"], ds["dos"])
    assert 2 * np.trapezoid(n, xi) == pytest.approx(3.0, rel=2e-3)


# --------------------------------------------------------------------------- the cache
@pytest.mark.skipif(not CACHED, reason="no cached NetCDF in resources/abinitio yet")
@pytest.mark.parametrize("path", CACHED, ids=lambda p: p.stem)
def test_cached_file_honours_the_contract(path):
    ds = qe.read_abinitio(path)
    a = ds.attrs
    for key in ("qe_version", "pseudopotential_sha256", "ecutwfc_Ry", "q_grid",
                "verdict_imaginary_modes", "verdict_lambda_smearing_stability",
                "wall_time_total_s", "git_commit" if "git_commit" in a else "source"):
        assert key in a, key
    # stored moments are those of the stored alpha2F (scimodel.eliashberg)
    mom = eliashberg.moments(ds["omega"].values, ds["a2f"].values)
    assert float(ds["lambda"]) == pytest.approx(mom["lam"], rel=1e-10)
    # ... and agree with QE's own point sum (matdyn.x 'lambda' file) within 2 %: matdyn's
    # a2F.dos (whose own printed lambda our moment reproduces to 1e-6) is a tetrahedron
    # integral over its q grid, its 'lambda' file a point sum over the same grid; the two
    # differ most where soft modes near Gamma carry weight (measured: Al 0.003 %, Cu 0.12 %,
    # Mo 0.34 %, Ta 0.53 %, Pb 0.57 %, Nb 1.04 %; tetrahedron tiny Al uses 2 % as well)
    i = int(np.argmin(np.abs(ds["smearing"].values / units.RY_TO_MEV
                             - a["elph_smearing_chosen_Ry"])))
    if str(a.get("a2f_method", "interpolated")).startswith("q_points"):
        # direct sum over the computed q points: its exact lambda (the matdyn
        # interpolation is known to be broken for this grid and kept as a record)
        assert float(ds["lambda"]) == pytest.approx(a["lambda_q_points_direct"], rel=0.01)
    else:
        assert float(ds["lambda"]) == pytest.approx(float(ds["lambda_matdyn"][i]), rel=0.02)
        if "lambda_q_points_direct" in a:
            # the Fourier interpolation and the direct sum over the computed q points are
            # two quadratures of one q integral on the same grid; they may differ by the
            # q-sampling error the q-grid verdict allows (config: abinitio.tolerances.q_grid,
            # 10 %; Nb 6^3: 1.308 vs 1.331, Pb 6^3: 1.342 vs 1.257).  A broken
            # interpolation (Nb 4^3: 1.70 vs 1.22) fails here
            tol = _configured()["abinitio"]["tolerances"]
            assert float(ds["lambda"]) == pytest.approx(a["lambda_q_points_direct"], rel=tol["q_grid"])
    # the DOS holds the electrons of its bands (2 spins) below E_F
    xi, n = ds["xi"].values, ds["dos"].values
    below = 2 * np.trapezoid(np.where(xi <= 0, n, 0.0), xi)
    assert below == pytest.approx(a["electrons_in_dos_bands"], rel=0.02)
    # phonon DOS: 3 modes per atom (minus any imaginary weight)
    assert np.trapezoid(ds["phonon_dos"], ds["omega"]) == pytest.approx(
        3.0 * (1 - a["imaginary_mode_weight"] - a.get("phonon_dos_gamma_acoustic_excluded", 0.0)),
        rel=0.02)
    # k_F is the free-electron value of the stored density
    assert float(ds["kf"]) == pytest.approx(
        (3 * np.pi ** 2 * float(ds["electron_density"])) ** (1 / 3), rel=1e-12)


@pytest.mark.skipif(not CACHED, reason="no cached NetCDF in resources/abinitio yet")
@pytest.mark.parametrize("path", CACHED, ids=lambda p: p.stem)
def test_cached_pseudopotential_hash_matches_resources(path):
    a = qe.read_abinitio(path).attrs
    cands = list((ROOT / "resources" / "pseudo").rglob(a["pseudopotential"]))
    assert cands, f"{a['pseudopotential']} not kept in resources/pseudo"
    # generated UPFs: the committed copy in resources/pseudo/generated is the file used
    # (rule abinitio_pseudo keeps its bytes when ld1.x reproduces it apart from the date)
    assert qe.sha256_file(cands[0]) == a["pseudopotential_sha256"]


@pytest.mark.skipif(not CACHED, reason="no cached NetCDF in resources/abinitio yet")
@pytest.mark.parametrize("path", CACHED, ids=lambda p: p.stem)
def test_cached_lambda_is_within_a_factor_two_of_paper004(path):
    # a coarse plausibility bound (the 15 % aim is recorded in the summary table, not
    # asserted): it catches broken electron-phonon runs such as an incommensurate
    # dense grid, which gave lambda = 16 for Al
    ref = qe.read_reference_lambda(CACHE / "paper004_lambda.csv")
    if path.stem not in ref:
        pytest.skip(f"paper 004 has no lambda for {path.stem}")
    lam = float(qe.read_abinitio(path)["lambda"])
    assert 0.5 < lam / ref[path.stem] < 2.0


@pytest.mark.skipif(not CACHED, reason="no cached NetCDF in resources/abinitio yet")
@pytest.mark.parametrize("path", CACHED, ids=lambda p: p.stem)
def test_cached_file_was_computed_with_the_configured_settings(path):
    # the documented recompute (config/campaigns/abinitio_recompute.yaml over config/config.yaml)
    # must rebuild what the default run reads: the element settings recorded in the
    # cached file are those config/config.yaml (with the schema's defaults) gives now
    cfg = _configured()
    configured = cfg["abinitio"]["elements"][path.stem]
    recorded = json.loads(qe.read_abinitio(path).attrs["config"])["element"]
    differ = {k: (recorded.get(k), configured.get(k))
              for k in sorted(set(recorded) | set(configured)) if recorded.get(k) != configured.get(k)}
    assert not differ, f"{path.name}: (cached, configured) settings differ: {differ}"


@pytest.mark.skipif(not CACHED, reason="no cached NetCDF in resources/abinitio yet")
@pytest.mark.parametrize("path", CACHED, ids=lambda p: p.stem)
def test_cached_file_names_its_committed_q_points(path):
    """Provenance of the cache: each cached file records the phonon key of the q points
    it was joined from (main grid and q-grid check); those q points are committed, all
    of them, in the archive resources/abinitio/qe_parts/<M>_q<q>_<key>.zip, and the key is the one
    config/config.yaml gives now (else the documented recompute would redo them)."""
    cfg = _configured()
    a = qe.read_abinitio(path).attrs
    for key_attr, grid_attr in (("phonon_key", "q_grid"), ("phonon_key_q_grid_check", "q_grid_check")):
        assert key_attr in a, f"{path.name}: no attribute {key_attr}"
        q = int(a[grid_attr])
        spec = qe.metal_spec(path.stem, cfg["abinitio"]["elements"][path.stem], q_grid=q)
        assert a[key_attr] == qe.phonon_key(spec), f"{path.name}: {key_attr} is not the configured one"
        archive = CACHE / "qe_parts" / f"{path.stem}_q{q}_{a[key_attr]}.zip"
        assert archive.is_file(), archive
        assert qe.stored_points(archive) == list(range(1, qe.irreducible_q_count(a["structure"], q) + 1))


@pytest.mark.skipif(not (CACHE / "Cu.nc").exists(), reason="Cu not cached yet")
def test_copper_is_a_weak_coupler():
    # issue 4: "Cu has lambda < 0.2" (Cu is not a superconductor; paper 004 finds no gap)
    assert float(qe.read_abinitio(CACHE / "Cu.nc")["lambda"]) < 0.2


def test_default_dry_run_schedules_no_qe_job():
    res = run_snakemake(ROOT, "-n", "--cores", "2", "--quiet", "rules", timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    out = res.stdout + res.stderr
    for rule in ("abinitio_qe", "abinitio_ground", "abinitio_phq", "abinitio_pseudo",
                 "abinitio_netcdf"):
        assert rule not in out, f"default DAG schedules {rule}:\n{out[-2000:]}"


def test_recompute_reuses_the_committed_q_points(workflow_copy):
    """The documented recompute, on a fresh checkout, runs no ph.x for a metal whose
    cached file was assembled from per-q-point jobs (attribute wall_time_ph_per_q_s; all
    six since session 8): those q points are committed in resources/abinitio/qe_parts/*.zip
    (hours of ph.x).  A change of the phonon key, of the folder naming or of config.yaml
    that orphans them fails here (test_cached_file_names_its_committed_q_points checks
    the files' side of the same link without Snakemake)."""
    per_q = {p.stem for p in CACHED if "wall_time_ph_per_q_s" in qe.read_abinitio(p).attrs}
    if not per_q:
        pytest.skip("no cached file assembled from per-q-point jobs")
    res = run_snakemake(workflow_copy, "-n", "--cores", "2", "abinitio_recompute",
                        "--configfile", "config/campaigns/abinitio_recompute.yaml", timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    scheduled = set(re.findall(r"wildcards: metal=(\w+), q=\d+, iq=\d+", res.stdout + res.stderr))
    assert not per_q & scheduled, f"ph.x jobs scheduled for {sorted(per_q & scheduled)}"


CAMPAIGNS = sorted(p for p in (ROOT / "config" / "campaigns").glob("abinitio_*.yaml")
                   if p.name != "abinitio_recompute.yaml")


@pytest.mark.parametrize("campaign", CAMPAIGNS, ids=lambda p: p.name)
def test_campaign_configs_plan_their_runs(campaign):
    """Every committed campaign override (config/campaigns/abinitio_*.yaml, merged over
    config.yaml and abinitio_recompute.yaml as its header says) passes the schema and
    metal_spec (through the DAG's input functions) and plans its metals' runs."""
    ab = yaml.safe_load(campaign.read_text())["abinitio"]
    metals = ab.get("metals") or list(ab["elements"])
    res = run_snakemake(ROOT, *[f"results/abinitio/{m}.nc" for m in metals],
                        "-n", "--cores", "2", "--forceall", "--quiet", "rules",
                        "--configfile", "config/campaigns/abinitio_recompute.yaml",
                        f"config/campaigns/{campaign.name}", timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "abinitio_netcdf" in res.stdout + res.stderr


#: The committed q-point campaigns each campaign override's settings resolve to (its header
#: names them; resources/abinitio/qe_parts/README.md, "Progress").
CAMPAIGN_Q_POINTS = {
    "abinitio_pb_spin_orbit.yaml": ["Pb_q4_059e9f38a0077bc5"],          # partial grid (qe_parts/README.md)
    "abinitio_pb_s_scalar.yaml": ["Pb_q4_809abecd94d10df3"],            # partial grid (qe_parts/README.md)
    "abinitio_tetrahedra.yaml": ["Ta_q6_9e3f2809dfecffa0", "Ta_q4_4a7d72a1399c59e4"],
    "abinitio_ta_tetrahedra_k20.yaml": ["Ta_q6_fa32e4103d5f3bf2", "Ta_q4_83abf9c722f39d62"],
    "abinitio_ta_lda_lattice.yaml": ["Ta_q4_855ebb4413099ee1", "Ta_q2_d1a28065929f970c"],
    "abinitio_nb_lda_lattice.yaml": ["Nb_q4_5f2bc6cdbd96c0f9"],
    "abinitio_al_lda_lattice.yaml": ["Al_q8_dad02761744d362e", "Al_q6_57c9c839a50bc80f"],
    "abinitio_al_tetrahedra.yaml": ["Al_q6_19deab39ff7c5b20", "Al_q4_8933fd9d6b7f3ba0"],
}


@pytest.mark.parametrize("campaign", sorted(CAMPAIGN_Q_POINTS))
def test_campaign_configs_still_reach_their_committed_q_points(campaign):
    """A change of config/config.yaml (e.g. Ta's switch to tetrahedra on 20^3 k) must not
    silently move a campaign override onto other phonon settings: merged as
    its header says, each campaign resolves to the phonon keys of its committed folders."""
    cfg = campaign_config(campaign)
    for folder in CAMPAIGN_Q_POINTS[campaign]:
        assert qe.campaign_archive(QPOINT_ROOTS, folder) is not None, folder
        metal, q, _ = folder.split("_")
        spec = qe.metal_spec(metal, cfg["abinitio"]["elements"][metal], q_grid=int(q[1:]))
        assert f"{metal}_{q}_{qe.phonon_key(spec)}" == folder


def test_q_point_spectrum_rule_reads_the_configured_campaign_archive():
    """Rule abinitio_q_point_spectrum under a campaign override takes that campaign's
    committed archive (by its phonon key) as input; a q-point list that is not one
    ('1-x') matches no rule."""
    args = ("--configfile", "config/campaigns/abinitio_recompute.yaml",
            "config/campaigns/abinitio_pb_s_scalar.yaml")
    res = run_snakemake(ROOT, "results/abinitio/phonon_spectra/Pb_q4_points_1-2.nc", "-n",
                        "--cores", "1", "--forceall", *args, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    out = res.stdout + res.stderr
    assert "rule abinitio_q_point_spectrum" in out
    assert "resources/abinitio/qe_studies/Pb_q4_809abecd94d10df3.zip" in out
    res = run_snakemake(ROOT, "results/abinitio/phonon_spectra/Pb_q4_points_1-x.nc", "-n",
                        "--cores", "1", *args, timeout=300)
    assert res.returncode != 0 and "MissingRuleException" in res.stdout + res.stderr


def test_recompute_dry_run_schedules_qe():
    res = run_snakemake(ROOT, "-n", "--cores", "2", "abinitio_recompute", "--forceall",
                        "--configfile", "config/campaigns/abinitio_recompute.yaml", "--quiet", "rules",
                        timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    out = res.stdout + res.stderr
    # no abinitio_phq: every metal's q points are committed (resources/abinitio/qe_parts/*.zip)
    # and joined, not recomputed (test_recompute_reuses_the_committed_q_points); that a
    # missing q point is a ph.x job is test_committed_q_points_are_not_recomputed
    for rule in ("abinitio_qe", "abinitio_ground", "abinitio_pseudo", "abinitio_netcdf"):
        assert rule in out


# ------------------------------------------------------------ QE's own error messages
# The error block as ph.x 6.7 (Debian) printed it when lambda_tetra was asked for a
# 48^3 k_dense grid on fcc Al (session 16; the rule then called it "a bug").
PH_ERROR_OUTPUT = """
     Electron-phonon coupling with the optimized tetrahedron method

 %%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%
     Error in routine set_kplusq (28824):
     too many k points
 %%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%

     stopping ...
"""


def test_qe_error_message_reads_the_errore_block_or_falls_back_to_the_tail():
    assert qe.qe_error_message(PH_ERROR_OUTPUT) == \
        "Error in routine set_kplusq (28824): too many k points"
    tail = qe.qe_error_message("\n".join(f"line {i}" for i in range(40)), tail_lines=3)
    assert tail.endswith("line 37\nline 38\nline 39") and "line 36" not in tail
    assert qe.qe_error_message("") == "no output"


def test_a_qe_refusal_fails_the_rule_with_its_message_and_no_traceback(tmp_path, capsys):
    """run_qe -> ExternalProgramError -> run_script: exit 1, outputs removed, QE's words."""
    import scimodel.workflow as wfl
    from scimodel.errors import ExternalProgramError

    fake = tmp_path / "fake_ph.x"
    (tmp_path / "fake.out").write_text(PH_ERROR_OUTPUT)
    fake.write_text(f"#!/bin/sh\ncat {tmp_path / 'fake.out'}\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(ExternalProgramError) as exc:
        qe.run_qe(str(fake), "&inputph\n/\n", "elph", tmp_path)
    assert exc.value.exit_code == 1 and exc.value.output == str(tmp_path / "elph.out")
    assert "too many k points" in str(exc.value)

    out, logf = tmp_path / "qdir", tmp_path / "rule.log"

    def main(sm):
        Path(sm.output[0]).mkdir()                     # a partial output
        qe.run_qe(str(fake), "&inputph\n/\n", "elph", tmp_path)

    with pytest.raises(SystemExit) as stop:
        wfl.run_script(main, mock_snakemake(output=[str(out)], log=[str(logf)]))
    assert stop.value.code == 1 and not out.exists()
    text = logf.read_text()
    assert "Error in routine set_kplusq (28824): too many k points" in text
    assert "not a scimodel bug" in text and "a bug, please report" not in text
    assert "Traceback" not in text + capsys.readouterr().err


@pytest.mark.qe
@needs_qe
def test_real_pw_x_error_is_read_from_its_output(tmp_path):
    """A pw.x input whose pseudopotential folder is empty: QE's readpp error, not a tail."""
    from scimodel.errors import ExternalProgramError

    (tmp_path / "empty").mkdir()
    import dataclasses
    spec = dataclasses.replace(qe.metal_spec("Al", _params()), pseudo_dir=str(tmp_path / "empty"))
    text = qe.pw_input(spec, outdir=str(tmp_path / "tmp"))
    with pytest.raises(ExternalProgramError, match=r"pw\.x failed \(exit [1-9]\d*\): "
                       r"Error in routine readpp .*not found"):
        qe.run_qe("pw.x", text, "scf", tmp_path)


# --------------------------------------------------------------------------- real QE
def _blas_dirs(kind: str) -> list[Path] | None:
    """The Debian directories of one BLAS/LAPACK implementation (each holds a
    libblas.so.3 and/or liblapack.so.3, the alternatives of the system's
    libblas.so.3 / liblapack.so.3), or None when it is not installed."""
    subdirs = {"reference": ("blas", "lapack"),          # libblas3, liblapack3
               "openblas": ("openblas-pthread",)}[kind]  # libopenblas0-pthread
    for libdir in sorted(Path("/usr/lib").glob("*-linux-gnu")):
        dirs = [libdir / s for s in subdirs]
        if all(any((d / lib).exists() for d in dirs) for lib in ("libblas.so.3", "liblapack.so.3")):
            return dirs
    return None


@pytest.fixture(params=["reference", "openblas"], ids=["reference-blas", "openblas"])
def ld1_blas(request, monkeypatch):
    """Run ld1.x (a subprocess of qe.generate_pseudo, which inherits the environment) with
    the reference BLAS/LAPACK or with OpenBLAS, whatever the system's alternative is."""
    dirs = _blas_dirs(request.param)
    if dirs is None:
        pytest.skip(f"{request.param} BLAS/LAPACK not installed (Debian: "
                    + ("libblas3 liblapack3" if request.param == "reference" else
                       "libopenblas0-pthread, /usr/lib/<triplet>/openblas-pthread/")
                    + "); envs/install-system-deps.sh installs it as root")
    monkeypatch.setenv("LD_LIBRARY_PATH", ":".join(map(str, dirs)))
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")    # modest; 1 and 2 threads gave equal files
    import subprocess
    ldd, ld1 = shutil.which("ldd"), shutil.which("ld1.x")
    if ldd:   # the library path reaches ld1.x: both libraries resolve into ``dirs``
        out = subprocess.run([ldd, ld1], capture_output=True, text=True).stdout
        for lib in ("libblas.so.3", "liblapack.so.3"):
            m = re.search(rf"^\s*{re.escape(lib)} => (\S+)", out, re.M)
            if not (m and Path(m.group(1)).parent in dirs):
                pytest.skip(f"{ld1} does not take {lib} from {':'.join(map(str, dirs))} with "
                            f"LD_LIBRARY_PATH (not Debian's quantum-espresso?):\n{out}")
    return request.param


@pytest.mark.qe
@needs_qe
@pytest.mark.parametrize("element, limit_mry, wrong_nodes", [
    ("Pb", 6.0, []), ("Ta", 2.0, []), ("Cu", 4.0, []), ("Nb", 3.0, [3]), ("Mo", 4.0, [3])])
def test_norm_conserving_tfme_pseudopotentials(tmp_path, element, limit_mry, wrong_nodes):
    """The valence-only pseudopotentials of the TF-ME runs are norm-conserving and
    transferable to the stated limit (mRy) except in the configurations ld1.x flags
    with a wrong-node pseudo-state: for Nb and Mo the one with an occupied 5p (3),
    recorded in resources/abinitio/README.md."""
    from scimodel.qe.coulomb_mesh import upf_is_norm_conserving
    nc = ROOT / "resources/pseudo/nc"
    upf = tmp_path / f"{element}.pz-n-nc.UPF"
    rows = qe.generate_pseudo(nc / f"{element}.ld1.in", nc / f"{element}.ld1test.in", upf,
                              tmp_path / "g.out", tmp_path / "t.out", tmp_path / "t.csv")
    assert upf_is_norm_conserving(upf)
    assert [i + 2 for i, r in enumerate(rows) if r["ps_nodes_wrong"]] == wrong_nodes
    ok = [abs(r["delta_mRy"]) for i, r in enumerate(rows) if i + 2 not in wrong_nodes]
    assert len(ok) == 4 - len(wrong_nodes) and max(ok) < limit_mry
    flagged = [line.split(",")[0] for line in (tmp_path / "t.csv").read_text().splitlines()[1:]
               if line.endswith(",true")]
    assert flagged == [str(i) for i in wrong_nodes]


@pytest.mark.qe
@needs_qe
@pytest.mark.parametrize("element, z_valence, limit_mry", [("Nb", 13.0, 0.5), ("Mo", 14.0, 0.5),
                                                           ("Pb", 14.0, 1.0)])
def test_semicore_norm_conserving_pseudopotentials(tmp_path, element, z_valence, limit_mry):
    """The TF-ME pseudopotentials with the semicore shells in valence (Nb, Mo: 4s 4p, the
    caches; Pb: 5d, config/campaigns/tfme_semicore.yaml): norm-conserving, no wrong-node
    pseudo-state, total-energy differences of the test configurations within the limit of
    the all-electron ones (measured: Nb 0.01-0.20, Mo 0.12-0.31, Pb 0.06-0.72 mRy)."""
    from scimodel.qe.coulomb_mesh import upf_is_norm_conserving
    nc = ROOT / "resources/pseudo/nc"
    upf = tmp_path / f"{element}.pz-spn-nc.UPF"
    rows = qe.generate_pseudo(nc / f"{element}.spn.ld1.in", nc / f"{element}.spn.ld1test.in", upf,
                              tmp_path / "g.out", tmp_path / "t.out", tmp_path / "t.csv")
    assert upf_is_norm_conserving(upf) and qe.upf_z_valence(upf) == z_valence
    assert len(rows) == 4 and not any(r["ps_nodes_wrong"] for r in rows)
    assert max(abs(r["delta_mRy"]) for r in rows) < limit_mry


@pytest.mark.qe
@needs_qe
def test_pseudopotential_generation_and_transferability(tmp_path, ld1_blas):
    """Issue: with OpenBLAS, ld1.x's UPF differs from the committed one (made with the
    reference BLAS) beyond the date; the rule must still keep the committed bytes."""
    o = tmp_path
    committed = ROOT / "resources/pseudo/generated/Nb.pz-spn-rrkjus.UPF"

    def run_rule_script(log, **reference):
        sm = mock_snakemake(input={"gen": str(ROOT / "resources/pseudo/Nb.ld1.in"),
                                   "test": str(ROOT / "resources/pseudo/Nb.ld1test.in"),
                                   **reference},
                            output={"upf": str(o / "Nb.pz-spn-rrkjus.UPF"),
                                    "gen_out": str(o / "g.out"), "test_out": str(o / "t.out"),
                                    "transferability": str(o / "t.csv")},
                            log=[str(o / log)])
        runpy.run_path(str(ROOT / "workflow/scripts/abinitio_pseudo.py"),
                       init_globals={"snakemake": sm})
        return (o / log).read_text()

    run_rule_script("log0")
    rows = qe.read_ld1_test(o / "t.out")
    assert len(rows) == 4
    # issue 4 measured 0.2 mRy for Nb; 1 mRy is the usual transferability target
    assert max(abs(r["delta_mRy"]) for r in rows) < 1.0
    new = (o / "Nb.pz-spn-rrkjus.UPF").read_text()
    if ld1_blas == "reference":
        # with the BLAS that made it, ld1.x reproduces the committed UPF apart from its date
        assert qe.upf_without_date(new) == qe.upf_without_date(committed.read_text())
    # (with OpenBLAS 0.3.21 it does not: PP_BETA.1 differs by 7e-7 of its largest value,
    # total_psenergy by 9e-13, the PP_CHI.i change sign; see qe.upf_equivalent)
    assert qe.upf_equivalent(new, committed.read_text()) == (True, "")
    # the rule then keeps the committed bytes, whose SHA-256 the committed q points and
    # Nb.nc record (the reference is re-dated here, so that the check holds whatever
    # today's date is)
    reference = o / "reference" / committed.name
    reference.parent.mkdir()
    reference.write_text(qe.upf_with_date(committed.read_text(), "1Jan2030"))
    log = run_rule_script("log1", reference=str(reference))
    assert qe.sha256_file(o / "Nb.pz-spn-rrkjus.UPF") == qe.sha256_file(reference)
    assert "its bytes are kept" in log
    # a reference that differs beyond rounding is not taken; the log says where
    reference.write_text(committed.read_text().replace(
        'total_psenergy="-139.25133974756392"', 'total_psenergy="-139.25147899890367"'))
    log = run_rule_script("log2", reference=str(reference))
    assert qe.sha256_file(o / "Nb.pz-spn-rrkjus.UPF") != qe.sha256_file(reference)
    assert "PP_HEADER attribute total_psenergy" in log and "will refuse it" in log


def test_upf_comparison_ignores_only_the_generation_date():
    text = (ROOT / "resources/pseudo/generated/Mo.pz-spn-rrkjus.UPF").read_text()
    assert "Generation date:" in text and ' date="' in text
    redated = qe.upf_with_date(text, "1Jan2030")
    assert redated != text
    assert qe.upf_without_date(redated) == qe.upf_without_date(text)
    # any other change (here a digit put in front of the total pseudo-energy) is seen
    changed = text.replace('total_psenergy="-', 'total_psenergy="-1', 1)
    assert changed != text
    assert qe.upf_without_date(changed) != qe.upf_without_date(text)


_NB_UPF = ROOT / "resources/pseudo/generated/Nb.pz-spn-rrkjus.UPF"


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def _field_numbers(text: str, tag: str) -> tuple[int, int, list[str]]:
    """Start and end of the text of element ``tag`` and its numbers."""
    start = text.index(">", re.search(rf"<{re.escape(tag)}[\s>]", text).start()) + 1
    end = text.index(f"</{tag}>")
    return start, end, text[start:end].split()


def _with_field(text: str, tag: str, change) -> str:
    """``text`` with element ``tag``'s numbers replaced by change(list of floats), written
    as ld1.x writes them."""
    start, end, nums = _field_numbers(text, tag)
    vals = change(np.array([float(s) for s in nums]))
    body = "\n".join("".join(f"{v:25.15E}" for v in vals[i:i + 3]) for i in range(0, len(vals), 3))
    return text[:start] + "\n" + body + "\n    " + text[end:]


@pytest.fixture(scope="module")
def nb_upf() -> str:
    return _NB_UPF.read_text()


def _shift_one(i, delta):
    """Array change: point i moved by ``delta`` times the array's largest magnitude."""
    def change(v):
        v = v.copy()
        v[i] += delta * np.abs(v).max()
        return v
    return change


@pytest.mark.parametrize("edit", [
    pytest.param(lambda t: t, id="identical"),
    pytest.param(lambda t: qe.upf_with_date(t, "1Jan2030"), id="date-only"),
    pytest.param(lambda t: _replace_once(t, 'total_psenergy="-139.25133974756392"',
                                         'total_psenergy="-139.25133975756392"'),
                 id="total_psenergy-in-the-11th-digit"),
    pytest.param(lambda t: _replace_once(t, 'total_psenergy="-139.25133974756392"',
                                         'total_psenergy="-139.25133974744080"'),
                 id="total_psenergy-as-with-OpenBLAS"),
    pytest.param(lambda t: _replace_once(t, 'rho_cutoff="270.11553819387825"',
                                         'rho_cutoff="270.11553816000000"'),
                 id="rho_cutoff-1.3e-10-relative"),
    # PP_INFO's 6-decimal energies: two values within tolerance may round apart
    pytest.param(lambda t: _replace_once(t, "-4.296794\n", "-4.296795\n"),
                 id="last-printed-digit-of-a-6-decimal-energy"),
    pytest.param(lambda t: _with_field(t, "PP_BETA.1", lambda v: v * (1 + 1e-11)),
                 id="array-rounded-in-the-11th-digit"),
    pytest.param(lambda t: _with_field(t, "PP_BETA.1", _shift_one(8, 7e-7)),
                 id="array-point-near-the-origin-by-7e-7-of-the-maximum-as-with-OpenBLAS"),
    pytest.param(lambda t: _with_field(t, "PP_CHI.2", lambda v: -v), id="wavefunction-sign"),
])
def test_upf_equivalent_accepts_rounding(nb_upf, edit):
    changed = edit(nb_upf)
    assert qe.upf_equivalent(changed, nb_upf) == (True, "")
    assert qe.upf_equivalent(nb_upf, changed) == (True, "")


@pytest.mark.parametrize("edit, reason", [
    pytest.param(lambda t: _replace_once(t, 'total_psenergy="-139.25133974756392"',
                                         'total_psenergy="-139.25147899890367"'),
                 r"^UPF/PP_HEADER attribute total_psenergy \(line 60\): -139\.25133974756392 vs "
                 r"-139\.25147899890367; .*relative 1e-06 > rtol 1e-08",
                 id="total_psenergy-by-1e-6"),
    pytest.param(lambda t: _replace_once(t, 'mesh_size="1227"', 'mesh_size="1228"'),
                 r"^UPF/PP_HEADER attribute mesh_size .*1227 vs 1228; integers differ",
                 id="integer"),
    pytest.param(lambda t: _replace_once(t, "-4.296794\n", "-4.296796\n"),
                 r"^UPF/PP_INFO, number \d+ of \d+ \(line 15\): -4\.296794 vs -4\.296796",
                 id="two-units-in-a-6-decimal-energy"),
    pytest.param(lambda t: _replace_once(t, "rcore=0.9,", "rcore=0.901,"),
                 r"^UPF/PP_INFO/PP_INPUTFILE, .*: 0\.9 vs 0\.901", id="input-echo"),
    pytest.param(lambda t: _with_field(t, "PP_BETA.1", _shift_one(100, 1e-3)),
                 r"^UPF/PP_NONLOCAL/PP_BETA\.1, number 101 of 1227 \(line \d+\): .*"
                 r"0\.001 x the array's largest magnitude", id="array-point-by-1e-3-of-the-max"),
    pytest.param(lambda t: _with_field(t, "PP_BETA.1", lambda v: v * (1 + 1e-3)),
                 r"^UPF/PP_NONLOCAL/PP_BETA\.1, number \d+ of 1227 .*0\.0001 x",
                 id="array-scaled-by-1e-3"),
    pytest.param(lambda t: _with_field(t, "PP_BETA.1", lambda v: -v),
                 r"^UPF/PP_NONLOCAL/PP_BETA\.1, number 1 of", id="projector-sign"),
    pytest.param(lambda t: _with_field(t, "PP_CHI.2", lambda v: -v * (1 + 1e-3)),
                 r"^UPF/PP_PSWFC/PP_CHI\.2, number \d+ of .*the other's negative",
                 id="wavefunction-sign-and-scale"),
    pytest.param(lambda t: t.replace("<PP_BETA.1 ", "<PP_BETA.7 ").replace("</PP_BETA.1>",
                                                                         "</PP_BETA.7>"),
                 r"^structure differs .*PP_NONLOCAL/PP_BETA\.1 tag vs .*PP_BETA\.7 tag",
                 id="tag"),
    pytest.param(lambda t: _replace_once(t, 'element="Nb"', 'element="Mo"'),
                 r'^text of UPF/PP_HEADER tag differs .*element="Mo"', id="attribute-text"),
    pytest.param(lambda t: t.replace(' label="4S" angular_momentum=',
                                     ' label="4S" angular_moment=', 1),
                 r"^text of UPF/PP_NONLOCAL/PP_BETA\.1 tag differs", id="attribute-name"),
    pytest.param(lambda t: _replace_once(t, "Pseudization used: troullier-martins",
                                         "Pseudization used: rrkj"),
                 r"^text of UPF/PP_INFO differs .*troullier", id="text"),
    pytest.param(lambda t: _with_field(t, "PP_RAB", lambda v: v[:-1]),
                 r"^UPF/PP_MESH/PP_RAB \(line \d+ / \d+\) holds 1227 vs 1226 numbers",
                 id="number-count"),
])
def test_upf_equivalent_refuses_a_different_pseudopotential(nb_upf, edit, reason):
    changed = edit(nb_upf)
    same, why = qe.upf_equivalent(nb_upf, changed)
    assert not same
    assert re.search(reason, why), why
    assert not qe.upf_equivalent(changed, nb_upf)[0]


def _tiny_netcdf(tmp: Path, el: dict) -> tuple[Path, xr.Dataset]:
    """The tiny Al run through the three QE rule scripts and the NetCDF step: the run
    folder and the dataset written from it."""
    run = run_qe_rule_scripts(tmp, el, "Al", 2)
    nc = tmp / "Al.nc"
    sm = mock_snakemake(input={"run": str(run)}, output={"nc": str(nc)},
                        params={"element": el, "tolerances": {}},
                        wildcards={"metal": "Al"}, log=[str(tmp / "nc.log")])
    runpy.run_path(str(ROOT / "workflow/scripts/abinitio_netcdf.py"), init_globals={"snakemake": sm})
    return run, qe.read_abinitio(nc)


@pytest.mark.qe
@needs_qe
def test_tiny_aluminium_run_through_the_rule_scripts(tmp_path):
    """pw.x -> ph.x (one process per q point) -> q2r.x -> matdyn.x -> nscf -> dos.x
    for a tiny Al cell (seconds), through the three rule scripts."""
    run, ds = _tiny_netcdf(tmp_path, _params())
    assert not (tmp_path / "scratch").exists() or not any((tmp_path / "scratch").iterdir())
    a = ds.attrs
    assert a["qe_version"].startswith("6.")
    assert a["smearing_scf"] == "Marzari-Vanderbilt"
    assert a["pseudopotential_sha256"] == qe.sha256_file(
        ROOT / "resources/pseudo/shipped/Al.pz-vbc.UPF")
    # our lambda per smearing vs matdyn.x's own (independent quadrature), 1 %
    np.testing.assert_allclose(ds["lambda_by_smearing"], ds["lambda_matdyn"], rtol=0.01)
    # Al is nearly free-electron: 3 electrons below E_F in the DOS, band bottom near
    # -11.7 eV (A&M Table 2.1 free-electron E_F), within 10 % on this tiny grid
    assert a["electrons_below_ef_from_dos"] == pytest.approx(3.0, rel=0.03)
    assert float(ds["band_bottom"]) == pytest.approx(-11700.0, rel=0.10)
    # a 4^3 k grid at q = 2^3 has no imaginary mode
    assert a["verdict_imaginary_modes"] == "pass"
    summary = json.loads((run / "summary.json").read_text())
    assert set(summary["wall_times_s"]) >= {"pw_fit", "pw_scf", "ph", "q2r", "matdyn",
                                            "pw_nscf", "dos_gauss", "dos_wide"}
    # fcc 2^3: three irreducible q points (Gamma, L, X), each its own ph.x process
    assert len(summary["ph_wall_per_q_s"]) == 3 == qe.irreducible_q_count("fcc", 2)
    assert len(json.loads(a["wall_time_ph_per_q_s"])) == 3      # JSON attribute
    assert a["phonon_key"] == summary["phonon_key"] == qe.phonon_key(qe.metal_spec("Al", _params(), q_grid=2))
    # the DOS window: E_F + dos_above_ef_eV, from the nscf run with nbnd_dos (here nbnd) bands
    assert a["nbnd_dos"] == 16 and a["dos_above_ef_eV"] == 20.5
    assert float(ds["xi"].max()) == pytest.approx(20500.0, abs=20.0)
    # the same q points joined without the electronic steps (rule abinitio_qe_phonons, the
    # coarse grids of a spin-orbit transfer): no nscf, the same alpha2F and phonon DOS
    parts = tmp_path / "results/abinitio/qe_parts/Al_q2"
    bare = tmp_path / "phonons_only"
    qe.assemble_run(parts / "ground", [parts / f"iq{i}" for i in (1, 2, 3)], bare, tmp_path / "scratch2",
                    with_dos=False)
    assert not (bare / "nscf.out").exists()
    ph, ph_attrs = qe.build_phonon_dataset(bare, element=_params())
    for name in ("a2f", "a2f_by_smearing", "phonon_dos", "lambda", "omega_log", "omega2", "lambda_by_smearing"):
        np.testing.assert_allclose(ph[name].values, ds[name].values, rtol=1e-12, err_msg=name)
        assert ph[name].attrs["units"] == ds[name].attrs["units"] and ph[name].attrs["long_name"]
    assert "dos" not in ph and "xi" not in ph.coords
    assert ph_attrs["phonon_key"] == a["phonon_key"] and "spin_orbit" not in ph_attrs
    assert ph_attrs["pseudopotential_sha256"] == a["pseudopotential_sha256"]


@pytest.mark.qe
@needs_qe
def test_tiny_aluminium_tetrahedron_run_through_the_rule_scripts(tmp_path):
    """elph_method = 'tetrahedra' through the same three rule scripts and the NetCDF
    step: per q point a DFPT and a lambda_tetra ph.x run, no smearing, alpha2F as the
    direct q sum whose lambda equals the star-weighted sum of the printed lambda_{q nu}."""
    el = _params(elph_method="tetrahedra")
    run, ds = _tiny_netcdf(tmp_path, el)
    # matdyn.x interpolated the lambda_tetra lambda_{q nu} (write_tetra_gamma_files)
    assert (run / "lambda").exists() and len(list(run.glob("a2F.dos*"))) == 10
    a = ds.attrs
    assert ds.sizes["smearing"] == 1 and float(ds["smearing"][0]) == 0.0
    assert a["verdict_lambda_smearing_stability"].startswith("not applicable")
    assert a["elph_method"].startswith("optimized tetrahedra")
    assert a["smearing_scf"].startswith("none: optimized tetrahedra")   # the ground state's occupations
    parts = run.parent.parent / "qe_parts/Al_q2"
    assert "occupations = 'tetrahedra_opt'" in (parts / "ground/scf.in").read_text()
    # independent of scimodel's parser: star-weighted sum of the printed lambda(nu)
    text = (run / "elph.out").read_text()
    stars = [int(x) for x in re.findall(r"Number of q in the star =\s*(\d+)", text)]
    lams = re.findall(r"Tetrahedron method\n.*\n.*\n((?:\s*lambda\(.*\n){3})", text)
    assert len(stars) == len(lams) == 3
    per_q = [sum(float(v) for v in re.findall(r"lambda\(\s*\d+\)=\s*([-\d.]+)", blk)) for blk in lams]
    assert per_q[0] == 0.0                             # Gamma: ph.x prints lambda = 0
    expected = sum(w * l for w, l in zip(stars, per_q)) / sum(stars)
    assert a["lambda_q_points_direct"] == pytest.approx(expected, rel=1e-12)
    # the NetCDF's lambda = 2 Int a2F/w dw of matdyn's interpolated alpha2F: matdyn's
    # own lambda of the same file (its integration), and near the direct q sum
    print("tetra tiny Al: lambda", float(ds["lambda"]), "matdyn", float(ds["lambda_matdyn"][0]),
          "direct", expected)
    assert float(ds["lambda"]) == pytest.approx(float(ds["lambda_matdyn"][0]), rel=0.02)
    assert a["a2f_method"].startswith("interpolated")
    summary = json.loads((parts / "iq2/summary.json").read_text())
    assert set(summary["wall_times_s"]) == {"dfpt", "elph", "ph"}
    assert len(qe.q_point_table(parts).splitlines()) == 2 + 3     # the campaign record
    assert a["phonon_key"] == qe.phonon_key(qe.metal_spec("Al", el, q_grid=2))


@pytest.mark.qe
@needs_qe
def test_tiny_aluminium_spinor_run_reproduces_the_scalar_one(tmp_path):
    """spin_orbit: true makes every pw.x run a spinor one (noncolin + lspinorb) with
    twice the bands, each holding one electron.  With Al's scalar pseudopotential there
    is no spin-orbit term (pw.x: 'At least one non s.o. pseudo'), so the spinor run must
    give the scalar run's numbers: this checks the band counting of the nscf, DOS, E_F
    and electron-count steps and of ph.x's lambda_tetra for spinors."""
    el = _params(elph_method="tetrahedra")
    _, scalar = _tiny_netcdf(tmp_path / "scalar", el)
    _, spinor = _tiny_netcdf(tmp_path / "spinor", dict(el, spin_orbit=True))
    parts = tmp_path / "spinor/results/abinitio/qe_parts/Al_q2"
    assert "noncolin = .true." in (parts / "ground/scf.in").read_text()
    assert "lspinorb = .true." in (parts / "ground/scf.in").read_text()
    xml = tmp_path / "spinor/results/abinitio/qe/Al_q2/nscf.xml"
    assert qe.parse_pw_xml(xml)["eigenvalues_eV"].shape[1] == 2 * el["nbnd"]
    a, b = scalar.attrs, spinor.attrs
    assert "spin_orbit" in b and "spin_orbit" not in a
    assert b["phonon_key"] != a["phonon_key"]
    assert b["electrons_below_ef_from_dos"] == pytest.approx(3.0, rel=0.03)
    for key in ("electrons_below_ef_from_dos", "lambda_q_points_direct", "dos_ef_qe_gaussian",
                "fermi_energy_qe_gaussian_eV"):
        assert b[key] == pytest.approx(a[key], rel=2e-3), key
    for var in ("lambda", "dos_ef", "band_bottom", "fermi_energy"):
        if var in scalar:
            assert float(spinor[var]) == pytest.approx(float(scalar[var]), rel=2e-3), var
    np.testing.assert_allclose(spinor["dos"].values, scalar["dos"].values, rtol=0,
                               atol=2e-3 * float(scalar["dos"].max()))


_PH_OUT = """
     Number of q in the star =    1
     Diagonalizing the dynamical matrix
     q = (    0.000000000   0.000000000   0.000000000 )
     freq (    1) =      -0.100000 [THz] =      -3.3 [cm-1]
     freq (    2) =      -0.100000 [THz] =      -3.3 [cm-1]
     freq (    3) =      -0.100000 [THz] =      -3.3 [cm-1]
     freq (   1-   3) =         -3.3  [cm-1]   --> T_1u
     Gaussian Broadening:   0.005 Ry, ngauss=   0
     DOS =  9.7 states/spin/Ry/Unit Cell at Ef= 17.7 eV
     lambda(    1)=  0.0000   gamma=    0.00 GHz
     lambda(    2)=  0.0000   gamma=    0.00 GHz
     lambda(    3)=  0.0000   gamma=    0.00 GHz
     Gaussian Broadening:   0.010 Ry, ngauss=   0
     lambda(    1)=  0.0000   gamma=    0.00 GHz
     lambda(    2)=  0.0000   gamma=    0.00 GHz
     lambda(    3)=  0.0000   gamma=    0.00 GHz
     Number of q in the star =    1
     Calculation of q =    0.0000000   0.5000000  -0.5000000
     Number of q in the star =    3
     Diagonalizing the dynamical matrix
     q = (    0.000000000   0.500000000  -0.500000000 )
     freq (    1) =       2.000000 [THz] =     66.7 [cm-1]
     freq (    2) =       3.000000 [THz] =    100.1 [cm-1]
     freq (    3) =       4.000000 [THz] =    133.4 [cm-1]
     Gaussian Broadening:   0.005 Ry, ngauss=   0
     lambda(    1)=  0.6000   gamma=   21.01 GHz
     lambda(    2)=  0.3000   gamma=   17.95 GHz
     lambda(    3)=  0.1000   gamma=   43.02 GHz
     Gaussian Broadening:   0.010 Ry, ngauss=   0
     lambda(    1)=  0.4000   gamma=   21.01 GHz
     lambda(    2)=  0.2000   gamma=   17.95 GHz
     lambda(    3)=  0.2000   gamma=   43.02 GHz
     Number of q in the star =    3
"""


def test_q_point_direct_sum(tmp_path):
    """alpha2F as a direct sum over computed q points (Nb on 4^3): star weights,
    lambda = sum_q w_q sum_nu lambda_q nu exactly, 2 Int a2F/w dw equal to it
    up to the Gaussian broadening, Gamma's acoustic modes left out."""
    from scimodel import eliashberg, units
    p = tmp_path / "ph.out"
    p.write_text(_PH_OUT)
    blocks = qe.read_ph_elph(p)
    assert [b["star"] for b in blocks] == [1, 3]
    np.testing.assert_allclose(blocks[1]["freq_mev"], np.array([2.0, 3.0, 4.0]) * units.THZ_TO_MEV)
    np.testing.assert_allclose(blocks[1]["sigma_ry"], [0.005, 0.010])
    omega = np.linspace(0.0, 40.0, 4001)
    r = qe.a2f_from_q_points(blocks, omega, 0.3)
    np.testing.assert_allclose(r["lambda_direct"], [0.75 * 1.0, 0.75 * 0.8], rtol=1e-12)
    for i in range(2):
        assert eliashberg.lambda_from_a2f(omega, r["a2f"][i]) == pytest.approx(r["lambda_direct"][i], rel=2e-3)
    assert r["negative_weight"] == pytest.approx(0.25)
    assert np.trapezoid(r["phonon_dos"], omega) == pytest.approx(3 * 0.75, rel=1e-3)


def test_truncated_q_point_block_is_refused(tmp_path):
    p = tmp_path / "ph.out"
    p.write_text(_PH_OUT.rsplit("lambda(    3)=  0.2000", 1)[0])
    with pytest.raises(InputError, match="incomplete q-point block"):
        qe.read_ph_elph(p)


def test_irreducible_q_counts_match_ph_x_lists():
    # ph.x's "(N q-points)" of the runs behind the cache and of the tiny test
    # cells: fcc 2^3 -> 3, fcc/bcc 4^3 -> 8, bcc 6^3 -> 16 (Nb_q6_instability.txt),
    # fcc 8^3 -> 29 (QE's aluminium phonon example)
    assert qe.irreducible_q_count("fcc", 2) == 3
    assert qe.irreducible_q_count("fcc", 4) == qe.irreducible_q_count("bcc", 4) == 8
    assert qe.irreducible_q_count("bcc", 6) == 16
    assert qe.irreducible_q_count("fcc", 8) == 29
    assert qe.irreducible_q_count("bcc", 1) == 1
    with pytest.raises(InputError, match="structure"):
        qe.irreducible_q_count("hcp", 4)


def test_phonon_key_ignores_dos_and_postprocessing_settings():
    base = qe.metal_spec("Al", _params())
    same = qe.metal_spec("Al", _params(nbnd=30, k_dos=16, elph_sigma_Ry=0.02))
    other = qe.metal_spec("Al", _params(k_scf=6, k_dense=12))
    assert qe.phonon_key(base) == qe.phonon_key(same) != qe.phonon_key(other)


@pytest.mark.qe
@needs_qe
def test_join_refuses_missing_duplicate_or_foreign_q_points(tmp_path):
    spec = qe.metal_spec("Al", _params())
    pseudo = ROOT / "resources/pseudo/shipped/Al.pz-vbc.UPF"
    parts = tmp_path / "Al_q2"
    g = qe.run_ground(spec, pseudo, parts / "ground")
    assert g["n_q"] == 3
    q = [parts / f"iq{i}" for i in (1, 2, 3)]
    for i, d in enumerate(q, 1):
        s = qe.run_q_point(parts / "ground", i, d, tmp_path / "scratch")
        assert s["n_q"] == 3 and s["phonon_key"] == g["phonon_key"]
    # finished q points go to the cache under their phonon key, once
    assert qe.store_q_points(parts, tmp_path / "cache") == [1, 2, 3]
    archive = tmp_path / "cache" / f"Al_q2_{g['phonon_key']}.zip"
    assert qe.stored_points(archive) == [1, 2, 3]
    before = archive.read_bytes()
    assert qe.store_q_points(parts, tmp_path / "cache") == []
    assert archive.read_bytes() == before
    back = qe.extract_point(archive, 2, tmp_path / "back" / "iq2")
    assert sorted(p.name for p in back.iterdir()) == sorted(
        p.name for p in q[1].iterdir() if p.name != ".snakemake_timestamp")
    with pytest.raises(InputError, match=r"missing q points \[3\]"):
        qe.assemble_run(parts / "ground", q[:2], tmp_path / "run", tmp_path / "s2")
    with pytest.raises(InputError, match="given twice"):
        qe.assemble_run(parts / "ground", [*q, q[0]], tmp_path / "run", tmp_path / "s2")
    summary = json.loads((q[1] / "summary.json").read_text())
    summary["phonon_key"] = "0" * 16            # computed with other settings
    (q[1] / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(InputError, match=r"iq2/summary.json.*phonon_key"):
        qe.assemble_run(parts / "ground", q, tmp_path / "run", tmp_path / "s2")
    with pytest.raises(InputError, match="expected 1..3"):
        qe.run_q_point(parts / "ground", 4, tmp_path / "iq4", tmp_path / "scratch")


def _dyn_numbers(path):
    """The numbers of a ph.x dynamical-matrix file (frequencies and eigenvectors)."""
    return np.array([float(x) for x in re.findall(r"-?\d+\.\d+(?:[eE][-+]?\d+)?",
                                                   Path(path).read_text())])


@pytest.mark.qe
@needs_qe
def test_interrupted_q_point_continues_where_ph_x_stopped(tmp_path, monkeypatch):
    """ph.x stopped mid-SCF (its own max_seconds stop, which leaves the restart
    files an interruption leaves) is continued by the next run_q_point with
    recover = .true. on the same scratch; the dynamical matrix equals an
    uninterrupted run's.  A progress record from another ground state is not used."""
    from scimodel.errors import ExternalProgramError
    from scimodel.qe import pipeline

    spec = qe.metal_spec("Al", _params())
    pseudo = ROOT / "resources/pseudo/shipped/Al.pz-vbc.UPF"
    ground = tmp_path / "Al_q2" / "ground"
    qe.run_ground(spec, pseudo, ground)
    ref = qe.run_q_point(ground, 2, tmp_path / "ref", tmp_path / "s_ref")
    assert "resumed" not in ref

    original = pipeline.ph_input

    scratch = tmp_path / "scratch"

    def stopping(spec, **kw):
        # QE's soft stop: with <prefix>.EXIT in its folder, ph.x writes its restart
        # files after the current SCF iteration and stops
        if not kw.get("recover"):
            (scratch / f"{spec.prefix}.EXIT").touch()
        return original(spec, **kw)

    monkeypatch.setattr(pipeline, "ph_input", stopping)
    with pytest.raises(ExternalProgramError):
        qe.run_q_point(ground, 2, tmp_path / "iq2", scratch)
    assert (scratch / "tmp/_ph0/al.phsave/status_run.xml").exists()
    rec = json.loads((scratch / "resume.json").read_text())
    assert rec["iq"] == 2 and rec["finished"] == {}
    monkeypatch.setattr(pipeline, "ph_input", original)
    s = qe.run_q_point(ground, 2, tmp_path / "iq2", scratch)
    assert s["resumed"] == 1
    assert "recover" in (tmp_path / "iq2" / "ph.in").read_text()
    a, b = _dyn_numbers(tmp_path / "ref" / "al.dyn2"), _dyn_numbers(tmp_path / "iq2" / "al.dyn2")
    assert a.shape == b.shape
    np.testing.assert_allclose(b, a, atol=2e-3 * np.abs(a).max())
    assert not scratch.exists()

    # a record of another ground state: start again from a fresh copy
    monkeypatch.setattr(pipeline, "ph_input", stopping)
    with pytest.raises(ExternalProgramError):
        qe.run_q_point(ground, 2, tmp_path / "iq2b", scratch)
    rec = json.loads((scratch / "resume.json").read_text())
    rec["phonon_key"] = "0" * 16
    (scratch / "resume.json").write_text(json.dumps(rec))
    monkeypatch.setattr(pipeline, "ph_input", original)
    s = qe.run_q_point(ground, 2, tmp_path / "iq2b", scratch)
    assert "resumed" not in s and "recover" not in (tmp_path / "iq2b" / "ph.in").read_text()


@pytest.mark.qe
@needs_qe
def test_q_point_continues_at_its_first_unfinished_representation(tmp_path, monkeypatch):
    """A tetrahedron q point computed in pieces: the first ph.x process stops after
    representation 1 (last_irr = 1), the second fails; the finished representation
    goes to the campaign archive (store_partial_q_point), and a run in another scratch
    folder (another machine) takes it from there, computes representation 2 alone
    (start_irr = 2) and joins the two.  The dynamical matrix's frequencies and
    lambda_tetra equal one uninterrupted process's to every printed digit (ph.x's
    own recover in the interrupted outdir does not: resources/abinitio/
    ph_recover_tetra_check.md); storing the finished q point drops its partial files."""
    from scimodel.errors import ExternalProgramError
    from scimodel.qe import pipeline, store

    spec = qe.metal_spec("Al", _params(elph_method="tetrahedra"))
    pseudo = ROOT / "resources/pseudo/shipped/Al.pz-vbc.UPF"
    parts = tmp_path / "Al_q2"
    g = qe.run_ground(spec, pseudo, parts / "ground")
    ref = qe.run_q_point(parts / "ground", 2, tmp_path / "ref", tmp_path / "s_ref")
    assert "irreps_before" not in ref

    original = pipeline.ph_input

    def in_pieces(spec, **kw):
        text = original(spec, **kw)
        if kw.get("start_irr") is None and not kw.get("recover"):
            return text.replace("ldisp", "last_irr = 1,\n  ldisp")
        if kw.get("start_irr") == 2:
            return text.replace("ldisp", "no_such_key = 1,\n  ldisp")     # ph.x stops
        return text

    monkeypatch.setattr(pipeline, "ph_input", in_pieces)
    with pytest.raises(ExternalProgramError):
        qe.run_q_point(parts / "ground", 2, parts / "iq2", tmp_path / "scratch")
    monkeypatch.setattr(pipeline, "ph_input", original)
    cache = tmp_path / "cache"
    assert qe.store_partial_q_point(tmp_path / "scratch", parts / "ground", cache) == [1]
    archive = cache / f"Al_q2_{g['phonon_key']}.zip"
    assert qe.stored_points(archive) == []
    kept = store.stored_partial(archive, 2)
    assert kept.sizes == (1, 2) and kept.done == [1] and kept.missing == [2]
    assert len(kept.dvscf[1]) == kept.record_bytes == 16 * 12 ** 3
    shutil.copytree(tmp_path / "scratch", tmp_path / "same_machine")
    shutil.rmtree(tmp_path / "scratch")

    s = qe.run_q_point(parts / "ground", 2, parts / "iq2", tmp_path / "elsewhere",
                       archive_roots=[cache])
    assert s["irreps_before"] == [1]
    assert s["dfpt_processes"] == [{"start_irr": 2}, {"join": [1, 2]}]
    text = (parts / "iq2" / "ph.out").read_text()
    assert "start_irr = 2" not in (parts / "iq2" / "ph.in").read_text()
    assert text.count("JOB DONE") == 3          # representation 1, representation 2, join

    def lines(path, key):
        return [ln for ln in Path(path).read_text().splitlines() if key in ln]

    assert lines(parts / "iq2" / "al.dyn2", "freq") == lines(tmp_path / "ref" / "al.dyn2", "freq")
    assert lines(parts / "iq2" / "elph.out", "lambda(") == lines(tmp_path / "ref" / "elph.out",
                                                                   "lambda(")
    assert qe.store_q_points(parts, cache) == [2]
    assert not [n for n in store.archive_names(archive) if n.startswith("partial/")]
    # the interrupted scratch folder continued in place, without the archive
    s = qe.run_q_point(parts / "ground", 2, tmp_path / "iq2_here", tmp_path / "same_machine")
    assert s["resumed"] == 1 and s["irreps_before"] == [1]
    assert lines(tmp_path / "iq2_here" / "al.dyn2", "freq") == lines(tmp_path / "ref" / "al.dyn2",
                                                                     "freq")


@pytest.mark.qe
@needs_qe
def test_q_point_whose_representations_are_all_stored_only_joins(tmp_path, monkeypatch):
    """Every representation finished and committed, the join not done (here its ph.x run
    fails): a run elsewhere starts no DFPT process, only the join and lambda_tetra, and
    gives the uninterrupted result."""
    from scimodel.errors import ExternalProgramError
    from scimodel.qe import pipeline

    spec = qe.metal_spec("Al", _params(elph_method="tetrahedra"))
    parts = tmp_path / "Al_q2"
    qe.run_ground(spec, ROOT / "resources/pseudo/shipped/Al.pz-vbc.UPF", parts / "ground")
    qe.run_q_point(parts / "ground", 2, tmp_path / "ref", tmp_path / "s_ref")
    original = pipeline.ph_input

    def pieces_then_no_join(spec, **kw):
        text = original(spec, **kw)
        if kw.get("start_irr") is None and not kw.get("recover"):
            return text.replace("ldisp", "last_irr = 1,\n  ldisp")
        if kw.get("recover"):
            return text.replace("ldisp", "no_such_key = 1,\n  ldisp")
        return text

    monkeypatch.setattr(pipeline, "ph_input", pieces_then_no_join)
    with pytest.raises(ExternalProgramError):
        qe.run_q_point(parts / "ground", 2, parts / "iq2", tmp_path / "scratch")
    monkeypatch.setattr(pipeline, "ph_input", original)
    assert qe.store_partial_q_point(tmp_path / "scratch", parts / "ground", tmp_path / "cache") == [1, 2]
    s = qe.run_q_point(parts / "ground", 2, parts / "iq2", tmp_path / "elsewhere",
                       archive_roots=[tmp_path / "cache"])
    assert s["irreps_before"] == [1, 2] and s["dfpt_processes"] == [{"join": [1, 2]}]

    def freqs(path):
        return [ln for ln in Path(path).read_text().splitlines() if "freq" in ln]

    assert freqs(parts / "iq2" / "al.dyn2") == freqs(tmp_path / "ref" / "al.dyn2")


def test_committed_q_points_are_not_recomputed(workflow_copy):
    """A q point stored in a campaign archive <M>_q<q>_<key>.zip (here in
    resources/abinitio/qe_studies) with the configured phonon key is an input of the
    join, not a job (dry run)."""
    el = dict(_params(), q_check=0)
    over = workflow_copy / "tiny.yaml"
    over.write_text(json.dumps({"abinitio": {"use_cache": False, "metals": ["Al"],
                                             "figure_metals": ["Al"], "elements": {"Al": el}}}))

    def phq_jobs():
        res = run_snakemake(workflow_copy, "-n", "--cores", "1", "results/abinitio/Al.nc",
                            "--configfile", str(over), "--quiet", "rules", timeout=300)
        assert res.returncode == 0, res.stderr[-3000:]
        m = re.search(r"^abinitio_phq\s+(\d+)$", res.stdout + res.stderr, re.M)
        return int(m.group(1)) if m else 0

    assert phq_jobs() == 3                         # fcc 2^3: three irreducible q points
    key = qe.phonon_key(qe.metal_spec("Al", el, q_grid=2))
    done = workflow_copy.parent / "iq2"
    done.mkdir()
    (done / "summary.json").write_text("{}")
    archive = workflow_copy / "resources/abinitio/qe_studies" / f"Al_q2_{key}.zip"
    assert qe.add_points(archive, [done]) == [2]
    assert phq_jobs() == 2
    other = qe.phonon_key(qe.metal_spec("Al", dict(el, ecutwfc_Ry=14.0), q_grid=2))
    archive.rename(archive.with_name(f"Al_q2_{other}.zip"))   # other settings: recompute
    assert phq_jobs() == 3


def test_q_point_table_matches_the_dynamical_matrix_files(campaign):
    """The campaign progress table (scimodel.qe.q_point_table) lists every committed
    q point with the frequencies of its dynamical-matrix file (an independent record:
    ph.x writes the dyn file, the table reads ph.out)."""
    folders = [campaign(p.stem) for root in QPOINT_ROOTS for p in root.glob(f"*_q*_*{qe.ARCHIVE_SUFFIX}")]
    if not folders:
        pytest.skip("no committed q-point campaigns in resources/abinitio")
    for folder in folders:
        rows = qe.q_point_table(folder).splitlines()[2:]
        done = [d for d in folder.glob("iq*") if (d / "summary.json").exists()]
        assert len(rows) == len(done)
        for row in rows:
            cells = [c.strip() for c in row.strip("|").split("|")]
            iq = int(cells[0])
            dyn = next((folder / f"iq{iq}").glob(f"*.dyn{iq}")).read_text()
            cm1 = [float(m) for m in re.findall(r"freq \(\s*\d+\) =.*?=\s*(-?[\d.]+) \[cm-1\]", dyn)]
            table = [float(x) for x in cells[4].split(",")]
            assert table == pytest.approx(cm1[:len(table)], abs=0.051)


def test_compare_q_point_runs_reproduces_the_cached_direct_sums(campaign):
    """scimodel.qe.compare_q_point_runs (the per-q tables of the campaign records)
    sums star_q lambda_q / n^3 over the committed q points; on a finished grid that is
    the lambda by direct sum the NetCDF stores (lambda_q_points_direct, computed by
    a2f_from_q_points in the join), and the stars add up to n^3."""
    checked = 0
    for nc in CACHED:
        ds = qe.read_abinitio(nc)
        # Gaussian files: the row of the chosen smearing; tetrahedra: the one row (sigma 0)
        sigmas = np.atleast_1d(json.loads(str(ds.attrs["elph_smearings_Ry"])))
        row = int(np.argmin(abs(sigmas - float(ds.attrs["elph_smearing_chosen_Ry"]))))
        for key, n, attr in [("phonon_key", ds.attrs["q_grid"], "lambda_q_points_direct"),
                             ("phonon_key_q_grid_check", ds.attrs["q_grid_check"], "lambda_q_grid_check_direct")]:
            folder = campaign(f"{nc.stem}_q{n}_{ds.attrs[key]}")
            if folder is None:
                continue
            last = qe.compare_q_point_runs({"cache": (folder, row)}).splitlines()[-1]
            cells = [c.strip() for c in last.strip("|").split("|")]
            assert cells[0] == "lambda (direct sum)" and cells[1] == f"{int(n) ** 3} / {int(n) ** 3}"
            assert float(cells[3]) == pytest.approx(float(ds.attrs[attr]), abs=6e-5)
            checked += 1
    if not checked:
        pytest.skip("no committed q-point folders of the cached metals")


def assert_record_holds(name: str, lines: list[str], prefix: str = "# ") -> None:
    """Every line (a table row of the call a record names) is a line of the record
    resources/abinitio/<name>, behind ``prefix``: a stale or hand-edited table fails."""
    record = (CACHE / name).read_text().splitlines()
    for line in lines:
        assert prefix + line in record, line


def test_nb_tetrahedron_record_holds_the_current_per_q_table(campaign):
    """The per-q table of Nb_tetrahedron_grid_check.txt (20^3 k section) is the output of
    the call the record names, on the committed q points: a stale record fails here."""
    P = campaign
    runs = {"tetra 20^3 k": ("Nb_q6_2f8d7493de79269a", 0), "tetra 12^3 k": ("Nb_q6_97a844680cf30556", 0),
            "Gaussian 0.005": ("Nb_q6_a0fd896caaf586f5", 0), "Gaussian 0.03": ("Nb_q6_a0fd896caaf586f5", 5)}
    if not all(P(f) is not None for f, _ in runs.values()):
        pytest.skip("Nb q-point campaigns not committed")
    table = qe.compare_q_point_runs({k: (P(f), r) for k, (f, r) in runs.items()}).splitlines()
    assert len(table) == 2 + 16 + 1 and table[-1].startswith("| lambda (direct sum) | 216 / 216")
    assert_record_holds("Nb_tetrahedron_grid_check.txt", table)


#: Metals whose cached NetCDF is a tetrahedron join its record calls the cache:
#: (record, committed 6^3 folder, its 4^3 check folder).
TETRAHEDRON_CACHES = {
    "Nb": ("Nb_tetrahedron_grid_check.txt", "Nb_q6_2f8d7493de79269a", "Nb_q4_07ac7599f964af61"),
    "Ta": ("Ta_tetrahedron_grid_check.txt", "Ta_q6_fa32e4103d5f3bf2", "Ta_q4_83abf9c722f39d62"),
}


@pytest.mark.parametrize("metal", sorted(TETRAHEDRON_CACHES))
def test_cached_tetrahedron_file_is_the_join_its_record_names(metal, campaign):
    """The record says the 20^3 k campaign is the cache: the NetCDF joined exactly those
    folders, its direct sums are theirs, and no smearing verdict is claimed for it."""
    record, main, check = TETRAHEDRON_CACHES[metal]
    P = campaign
    if not (P(main) and P(check)):
        pytest.skip(f"{metal} q-point campaigns not committed")
    ds = qe.read_abinitio(CACHE / f"{metal}.nc")
    a = ds.attrs
    assert (a["phonon_key"], a["phonon_key_q_grid_check"]) == (main.split("_")[-1], check.split("_")[-1])
    assert a["verdict_lambda_smearing_stability"].startswith("not applicable")
    assert main in (CACHE / record).read_text()
    for folder, attr in ((main, "lambda_q_points_direct"), (check, "lambda_q_grid_check_direct")):
        table = qe.compare_q_point_runs({"tetra": (P(folder), 0)}).splitlines()
        cells = [c.strip() for c in table[-1].strip("|").split("|")]
        assert float(cells[3]) == pytest.approx(a[attr], abs=6e-5)


PER_Q_RECORDS = {
    # record: ([per-q comparisons {label: (folder, smearing row)}], [q_point_table folders])
    "Ta_tetrahedron_grid_check.txt": (
        [{"tetra 20^3 k": ("Ta_q4_83abf9c722f39d62", 0), "tetra 12^3 k": ("Ta_q4_4a7d72a1399c59e4", 0),
          "Gaussian 0.03": ("Ta_q4_be8e004b66f05057", 5)},
         {"tetra 12^3 k": ("Ta_q6_9e3f2809dfecffa0", 0), "tetra 20^3 k": ("Ta_q6_fa32e4103d5f3bf2", 0)}],
        ["Ta_q4_83abf9c722f39d62", "Ta_q6_fa32e4103d5f3bf2"]),
    "Al_tetrahedron_check.txt": (
        [{"Gaussian 0.04 Ry": ("Al_q6_5b96aae4306e8fb0", 7), "tetra 24^3": ("Al_q6_19deab39ff7c5b20", 0),
          "tetra 36^3": ("Al_q6_310c2a809be67263", 0)},
         {"Gaussian 0.04 Ry": ("Al_q4_f7aa0ae7dc52c17d", 7), "tetra 24^3": ("Al_q4_8933fd9d6b7f3ba0", 0)}],
        ["Al_q6_310c2a809be67263"]),
}


@pytest.mark.parametrize("name", sorted(PER_Q_RECORDS))
def test_per_q_record_holds_the_current_tables(name, campaign):
    """The per-q tables of a tetrahedron check record (Ta's 20^3 k section, Al's
    tetrahedron check) are the output of the calls it names, on the committed q points."""
    P = campaign
    comparisons, tables = PER_Q_RECORDS[name]
    if not all(P(f) is not None for runs in comparisons for f, _ in runs.values()):
        pytest.skip(f"q points of {name} not committed")
    lines = []
    for runs in comparisons:
        lines += qe.compare_q_point_runs({k: (P(f), r) for k, (f, r) in runs.items()}).splitlines()
    for folder in tables:
        lines += qe.q_point_table(P(folder)).splitlines()
    assert_record_holds(name, lines)


LATTICE_RECORDS = {"Ta": [("Ta_q4_be8e004b66f05057", "Ta_q4_855ebb4413099ee1")],
                   "Al": [("Al_q8_f5d7e08101ee9c70", "Al_q8_dad02761744d362e"),
                          ("Al_q6_ca781b24a590f1d3", "Al_q6_57c9c839a50bc80f")],
                   "Nb": [("Nb_q4_45eb22984ad8d877", "Nb_q4_5f2bc6cdbd96c0f9")]}


@pytest.mark.parametrize("metal", sorted(LATTICE_RECORDS))
def test_lattice_constant_record_holds_its_table(metal, campaign):
    """Each per-smearing table of <M>_lattice_constant_check.txt is the output of the call
    the record names, on the committed q points (a stale or hand-edited table fails)."""
    record = (CACHE / f"{metal}_lattice_constant_check.txt").read_text()
    for pair in LATTICE_RECORDS[metal]:
        exp, lda = (campaign(f) for f in pair)
        if not (exp and lda):
            pytest.skip(f"{metal} lattice-constant q points not committed")
        table = qe.compare_lambda_by_smearing({"a_exp": exp, "a_LDA": lda}).splitlines()
        assert len(table) == 2 + 10
        assert exp.name in record and lda.name in record
        assert_record_holds(f"{metal}_lattice_constant_check.txt", table, prefix="")


def test_compare_lambda_by_smearing_matches_the_join_and_refuses_partial_grids(tmp_path, campaign):
    """The direct sum per smearing agrees with the join's own direct sum (cached Mo.nc, a
    Gaussian-branch file; lambda_q_points_direct, read from the joined ph.x output by
    a2f_from_q_points, at the chosen smearing) for the main and the check grid; a grid
    with a missing q point or two different q grids are refused with the folder named."""
    a = qe.read_abinitio(CACHE / "Mo.nc").attrs
    main = campaign(f"Mo_q6_{a['phonon_key']}")
    check = campaign(f"Mo_q4_{a['phonon_key_q_grid_check']}")
    if not (main and check):
        pytest.skip("Mo q points not committed")
    chosen = float(a["elph_smearing_chosen_Ry"])
    ic = json.loads(a["elph_smearings_Ry"]).index(chosen)
    for folder, ref in ((main, a["lambda_q_points_direct"]), (check, a["lambda_q_grid_check_direct"])):
        row = qe.compare_lambda_by_smearing({"x": folder, "y": folder}).splitlines()[2 + ic]
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert float(cells[0]) == pytest.approx(chosen)
        assert float(cells[1]) == pytest.approx(ref, abs=6e-4) and cells[3] == "1.000"
    part = tmp_path / "Mo_q4_partial"
    for iq in (1, 2, 8):
        shutil.copytree(check / f"iq{iq}", part / f"iq{iq}")
    with pytest.raises(InputError, match="irreducible q points") as err:
        qe.compare_lambda_by_smearing({"all": check, "part": part})
    assert "Mo_q4_partial" in str(err.value)
    with pytest.raises(InputError, match="one q grid"):
        qe.compare_lambda_by_smearing({"q4": check, "q6": main})


def test_compare_q_point_runs_marks_missing_points_and_partial_sums(tmp_path, campaign):
    """A campaign with fewer q points than its reference: '-' in its column, and the
    last row sums only the q points both have, labelled a partial sum."""
    src = campaign("Nb_q4_45eb22984ad8d877")
    if src is None:
        pytest.skip("Nb 4^3 q points not committed")
    part = tmp_path / "Nb_q4_partial"
    for iq in (1, 2, 8):
        shutil.copytree(src / f"iq{iq}", part / f"iq{iq}")
    full = qe.q_point_lambdas(src)
    lines = qe.compare_q_point_runs({"all": (src, 0), "part": (part, 0)}).splitlines()
    assert len(lines) == 2 + len(full) + 1
    assert lines[2 + 3].rstrip(" |").endswith("-")          # iq 4: only in 'all'
    cells = [c.strip() for c in lines[-1].strip("|").split("|")]
    assert cells[0] == "partial sum"
    expect = sum(full[i]["star"] * full[i]["lambda_q"] for i in (1, 2, 8)) / 64
    assert float(cells[3]) == float(cells[4]) == pytest.approx(expect, abs=6e-5)
    with pytest.raises(InputError, match="one q grid"):
        qe.compare_q_point_runs({"a": (src, 0), "b": (campaign("Nb_q6_a0fd896caaf586f5"), 0)})


def test_pb_spin_orbit_tetra_record_matches_its_outputs():
    """The lambda column of Pb_spin_orbit_tetra_check/README.txt is the star-weighted
    direct sum of the committed lambda_tetra outputs, and the spinor run without
    spin-orbit ('nc') reproduces the scalar-relativistic one ('sr') within 0.5 %: the
    check that lambda_tetra counts spinor bands correctly."""
    folder = CACHE / "Pb_spin_orbit_tetra_check"
    rows = {m.group(1): float(m.group(2)) for m in
            re.finditer(r"^#\s+(so|nc|sr)\s+[\d.]+\s+[\d.]+\s.*?\s([\d.]+)\s*$",
                        (folder / "README.txt").read_text(), re.M)}
    assert set(rows) == {"so", "nc", "sr"}
    lam = {}
    for run in rows:
        blocks = qe.read_ph_elph(folder / f"{run}_elph.out")
        assert [b["star"] for b in blocks] == [1, 4, 3]
        lam[run] = float(qe.a2f_from_q_points(blocks, np.linspace(0, 12, 100), 0.3)["lambda_direct"][0])
        assert lam[run] == pytest.approx(rows[run], abs=6e-4)
    assert lam["nc"] == pytest.approx(lam["sr"], rel=5e-3)


def test_pb_spin_orbit_dos_record_matches_its_inputs():
    """dos/dos_so_vs_scalar.md (the N(E_F) the spin-orbit transfer leaves out) holds what the
    committed dos.x outputs give, and the two ground states it compares differ only by
    spin-orbit (spinors, and twice the scalar bands)."""
    folder = CACHE / "Pb_spin_orbit_tetra_check" / "dos"

    def namelist(name):
        return {k.strip(): v.strip() for k, v in re.findall(r"^\s*(\w[\w()]*)\s*=\s*(\S+)",
                                                           (folder / name).read_text(), re.M)}

    so, sr = namelist("so_scf.in"), namelist("sr_scf.in")
    assert {k: v for k, v in so.items() if k not in sr} == {
        "nbnd": "26", "noncolin": ".true.", "lspinorb": ".true."}
    assert all(so[k] == v for k, v in sr.items())
    n0 = {}
    for run in ("so", "sr"):
        text = (folder / f"{run}_pb.dos").read_text()
        ef = float(re.search(r"EFermi =\s*([-\d.]+)", text).group(1))
        e, n, cum = np.loadtxt(folder / f"{run}_pb.dos").T
        n0[run] = float(np.interp(ef, e, n))
        assert float(np.interp(ef, e, cum)) == pytest.approx(14.0, abs=0.02)   # pb_s.UPF: 14 electrons
    record = (folder / "dos_so_vs_scalar.md").read_text()
    rows = dict(re.findall(r"^\| (scalar|spin-orbit) \| [\d.]+ \| ([\d.]+) \|", record, re.M))
    assert float(rows["scalar"]) == pytest.approx(n0["sr"], abs=6e-5)
    assert float(rows["spin-orbit"]) == pytest.approx(n0["so"], abs=6e-5)
    ratio = float(re.search(r"N\(E_F\) spin-orbit / scalar: (\d+\.\d+)", record).group(1))
    assert ratio == pytest.approx(n0["so"] / n0["sr"], abs=6e-5)


def test_q_point_attrs_with_only_one_grid_summed_directly():
    """The direct sum of only one grid (a main run without its ph.x output beside a
    check run that has it, or the other way round) is recorded without a relative
    change, which needs both."""
    from scimodel.qe.contract import _q_point_attrs

    only_check = _q_point_attrs({"check": 0.5}, None)
    assert only_check == {"lambda_q_grid_check_direct": 0.5}
    only_main = _q_point_attrs({"main": 0.4}, None)
    assert only_main == {"lambda_q_points_direct": 0.4}
    both = _q_point_attrs({"main": 0.4, "check": 0.5}, None)
    assert both["lambda_q_grid_rel_change_direct"] == pytest.approx(0.25)
