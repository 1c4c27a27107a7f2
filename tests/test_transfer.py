"""scimodel.eliashberg.transfer: a coarse-grid change of alpha2F carried onto another spectrum."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from scimodel import eliashberg as el
from scimodel.eliashberg import transfer as tr
from scimodel.errors import InputError
from scimodel.io import write_dataset

OMEGA = np.linspace(0.0, 14.0, 1401)          # meV


def peaks(centers, widths, heights, lam):
    """Gaussian peaks scaled to lambda (alpha2F vanishes at omega = 0 like omega^2)."""
    a = sum(h * np.exp(-0.5 * ((OMEGA - c) / w) ** 2) for c, w, h in zip(centers, widths, heights))
    a = a * (1.0 - np.exp(-(OMEGA / 1.0) ** 2))
    return a * lam / el.lambda_from_a2f(OMEGA, a)


SCALAR = peaks((4.0, 8.5), (0.4, 0.4), (0.6, 0.4), 1.2)
SPIN_ORBIT = peaks((2.8, 7.9), (0.35, 0.45), (0.7, 0.4), 2.0)      # soft TA, coupling up
CONVERGED = peaks((4.1, 8.4), (0.5, 0.3), (0.55, 0.45), 1.35)


def test_quantile_transfer_of_the_reference_gives_the_other_reference():
    out = tr.transfer(OMEGA, SCALAR, SCALAR, SPIN_ORBIT)
    assert np.max(np.abs(out.a2f - SPIN_ORBIT)) < 1e-3 * SPIN_ORBIT.max()   # measured 8.8e-4
    assert el.moments(OMEGA, out.a2f)["omega_log"] == pytest.approx(
        el.moments(OMEGA, SPIN_ORBIT)["omega_log"], rel=1e-4)


def test_quantile_transfer_scales_lambda_by_the_reference_ratio():
    out = tr.transfer(OMEGA, CONVERGED, SCALAR, SPIN_ORBIT)
    assert out.lambda_ratio == pytest.approx(2.0 / 1.2, rel=1e-12)
    assert el.lambda_from_a2f(OMEGA, out.a2f) == pytest.approx(1.35 * 2.0 / 1.2, rel=1e-12)
    assert out.lost_fraction == 0.0 and np.all(out.a2f >= 0)


@pytest.mark.parametrize("c", [0.8, 0.93, 1.1])
def test_a_uniform_frequency_scaling_is_carried_over(c):
    """ref_to(w) = ref_from(w / c) (lambda unchanged): the target comes out scaled in frequency
    the same way, its omega_log and <w^2>^1/2 times c, lambda unchanged."""
    to = np.interp(OMEGA / c, OMEGA, SCALAR, right=0.0)
    out = tr.transfer(OMEGA, CONVERGED, SCALAR, to)
    m_new, m_old = el.moments(OMEGA, out.a2f), el.moments(OMEGA, CONVERGED)
    assert m_new["lam"] == pytest.approx(m_old["lam"] * out.lambda_ratio, rel=1e-12)
    assert out.lambda_ratio == pytest.approx(1.0, abs=2e-3)
    assert m_new["omega_log"] == pytest.approx(c * m_old["omega_log"], rel=2e-3)
    assert m_new["omega2"] == pytest.approx(c * m_old["omega2"], rel=2e-3)


def test_ratio_reading_carries_an_amplitude_change_and_loses_shifted_weight():
    factor = 1.0 + 0.5 * OMEGA / OMEGA[-1]           # smooth, no shift
    out_r = tr.transfer(OMEGA, CONVERGED, SCALAR, SCALAR * factor, method="ratio", smoothing_mev=0.05)
    held = SCALAR > 0.05 * SCALAR.max()             # where the reference has weight (floor 2 %)
    assert np.max(np.abs(out_r.a2f - CONVERGED * factor)[held]) < 2e-3 * CONVERGED.max()
    # with the TA peak moved from 4.0 to 2.8 meV the literal ratio drops the moved weight
    shifted = tr.transfer(OMEGA, CONVERGED, SCALAR, SPIN_ORBIT, method="ratio")
    assert shifted.lost_fraction > 0.2
    assert el.lambda_from_a2f(OMEGA, shifted.a2f) < 0.75 * 1.35 * shifted.lambda_ratio


@pytest.mark.parametrize("kw, field", [
    (dict(target=CONVERGED[:-1]), "target"),
    (dict(ref_from=-SCALAR), "ref_from"),
    (dict(ref_to=np.zeros_like(OMEGA)), "ref_to"),
    (dict(omega=OMEGA + 1.0), "omega"),
    (dict(method="pointwise"), "method"),
])
def test_bad_input_names_the_field(kw, field):
    args = dict(omega=OMEGA, target=CONVERGED, ref_from=SCALAR, ref_to=SPIN_ORBIT)
    method = kw.pop("method", "quantile")
    args.update(kw)
    with pytest.raises(InputError, match=field):
        tr.transfer(args["omega"], args["target"], args["ref_from"], args["ref_to"], method=method)


# ------------------------------------------------------------- on a cached first-principles file

def _with_spin_orbit(ds, flag: bool):
    """ds marked as a run with (attribute spin_orbit, as scimodel.qe writes it) or without."""
    from scimodel.qe.contract import SPIN_ORBIT_TEXT

    out = ds.copy()
    out.attrs = {k: v for k, v in ds.attrs.items() if k != "spin_orbit"}
    if flag:
        out.attrs["spin_orbit"] = SPIN_ORBIT_TEXT
    return out


def _softened(ds, c: float, f: float):
    """ds with every phonon frequency times c and alpha2F times f (a stand-in for spin-orbit)."""
    om = ds["omega"].values
    out = ds.copy()
    for name in ("a2f", "phonon_dos"):
        v = np.interp(om / c, om, ds[name].values, right=0.0)
        out[name] = ds[name].copy(data=v * (f if name == "a2f" else 1.0 / c))
    return out


def test_transferred_pb_file_keeps_the_contract_and_carries_lambda_and_omega_log(tmp_path):
    """The Pb cache as the scalar file and as the coarse scalar reference, the reference
    softened by 10 % with alpha2F x 1.2 as the coarse spin-orbit one: the result has lambda
    x 1.2, omega_log x 0.9, the phonon DOS moved down likewise, and passes read_abinitio."""
    from scimodel.qe import read_abinitio
    from scimodel.qe.spin_orbit import transferred_dataset
    from tests.conftest import ROOT

    pb = read_abinitio(ROOT / "resources" / "abinitio" / "Pb.nc").load()
    scalar = _with_spin_orbit(pb, False)
    so = _with_spin_orbit(_softened(scalar, 0.9, 1.2), True)
    out = transferred_dataset(scalar, scalar, so, names=("Pb.nc", "from.nc", "to.nc"))
    # the scalar file is the scalar reference, so the result is the spin-orbit reference
    m_so = el.moments(so["omega"].values, so["a2f"].values)
    assert float(out["lambda"]) == pytest.approx(m_so["lam"], rel=2e-3)
    assert float(out["omega_log"]) == pytest.approx(m_so["omega_log"], rel=2e-3)
    assert float(out["omega_log"]) == pytest.approx(0.9 * float(pb["omega_log"]), rel=1e-2)
    assert out.attrs["spin_orbit_lambda_ratio"] == pytest.approx(m_so["lam"] / float(pb["lambda"]), rel=1e-12)
    assert out.attrs["spin_orbit_lambda_ratio"] == pytest.approx(1.2, rel=1e-2)
    om = pb["omega"].values
    mean = [np.sum(om * d["phonon_dos"].values) / np.sum(d["phonon_dos"].values) for d in (pb, out)]
    assert mean[1] == pytest.approx(0.9 * mean[0], rel=5e-3)
    np.testing.assert_allclose(out["lambda_by_smearing"].values, out.attrs["spin_orbit_lambda_ratio"]
                               * pb["lambda_by_smearing"].values, rtol=5e-3)
    np.testing.assert_array_equal(out["dos"].values, pb["dos"].values)
    assert "lambda_matdyn" not in out and out.attrs["variant"] == "spin-orbit by transfer"
    # the scalar runs' own lambdas are kept under scalar_*, not as lambdas of this spectrum
    for key in ("lambda_q_grid_check", "lambda_q_points_direct", "lambda_q_grid_check_direct"):
        assert key not in out.attrs and out.attrs[f"scalar_{key}"] == pb.attrs[key]
    assert "lambda_q_grid_check" in scalar.attrs
    write_dataset(out, tmp_path / "Pb_so.nc", source="test", references="", config={})
    read_abinitio(tmp_path / "Pb_so.nc")


def test_ratio_variant_of_the_pb_file_keeps_the_weight_it_loses_visible():
    """method='ratio' on the same stand-in pair: lambda is what the literal ratio gives (not
    normalised back to the pair's ratio), and the lost fraction is an attribute."""
    from scimodel.qe import read_abinitio
    from scimodel.qe.spin_orbit import transferred_dataset
    from tests.conftest import ROOT

    pb = _with_spin_orbit(read_abinitio(ROOT / "resources" / "abinitio" / "Pb.nc").load(), False)
    so = _with_spin_orbit(_softened(pb, 0.9, 1.2), True)
    out = transferred_dataset(pb, pb, so, method="ratio", names=("a", "b", "c"))
    lost = out.attrs["spin_orbit_transfer_lost_fraction"]
    assert out.attrs["spin_orbit_transfer_method"] == "ratio" and 0.0 < lost < 1.0
    assert float(out["lambda"]) < out.attrs["spin_orbit_lambda_ratio"] * float(pb["lambda"]) * (1 - 0.5 * lost)


def test_transfer_refuses_a_pair_that_differs_in_more_than_spin_orbit():
    from scimodel.qe import read_abinitio
    from scimodel.qe.spin_orbit import transferred_dataset
    from tests.conftest import ROOT

    pb = _with_spin_orbit(read_abinitio(ROOT / "resources" / "abinitio" / "Pb.nc").load(), False)
    so = _with_spin_orbit(pb, True)
    with pytest.raises(InputError, match="pseudopotential_sha256"):
        transferred_dataset(pb, pb, so.assign_attrs(pseudopotential_sha256="0" * 64),
                            names=("a", "b", "c"))
    with pytest.raises(InputError, match="spin_orbit"):
        transferred_dataset(pb, pb, pb, names=("a", "b", "c"))


def test_spin_orbit_rule_replaces_the_cached_input_for_every_consumer(workflow_copy):
    """Rule abinitio_spin_orbit with abinitio.spin_orbit_transfer.Pb set (stand-in pair
    written here from the cache, marked synthetic): the consumers of Pb read
    results/abinitio/spin_orbit/Pb.nc, the file has the pair's lambda ratio and its own
    provenance; with the key null (config/examples/pb_scalar.yaml) they read the scalar cache."""
    from conftest import run_snakemake
    from scimodel.qe import read_abinitio
    from tests.conftest import ROOT

    pb = read_abinitio(ROOT / "resources" / "abinitio" / "Pb.nc").load()
    refs = workflow_copy / "refs"
    for name, ds in (("scalar", _with_spin_orbit(pb, False)),
                     ("spin_orbit", _with_spin_orbit(_softened(pb, 0.9, 1.2), True))):
        part = ds[["a2f", "a2f_by_smearing", "phonon_dos", "lambda"]]
        write_dataset(part.assign_attrs(synthetic="stand-in built from resources/abinitio/Pb.nc for a test"),
                      refs / f"Pb_q4_{name}_synthetic.nc", source="test stand-in (synthetic)",
                      extra_attrs={k: v for k, v in ds.attrs.items() if k in
                                   ("metal", "structure", "lattice_constant_angstrom", "pseudopotential_sha256",
                                    "ecutwfc_Ry", "ecutrho_Ry", "k_grid_scf", "k_grid_dense_elph", "q_grid",
                                    "elph_method", "spin_orbit")})
    over = workflow_copy / "so.yaml"
    over.write_text(json.dumps({"abinitio": {"spin_orbit_transfer": {"Pb": {
        "scalar_reference": "refs/Pb_q4_scalar_synthetic.nc",
        "spin_orbit_reference": "refs/Pb_q4_spin_orbit_synthetic.nc"}}}}))
    plan = run_snakemake(workflow_copy, "-n", "--cores", "1", "results/tables/abinitio_summary.md",
                         "--configfile", str(over), "--quiet", "rules")
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert "abinitio_spin_orbit" in plan.stdout + plan.stderr
    # Table 2 of a fresh clone (no results/) has Pb's row from the transfer: the metals with an
    # input are those with a committed cache, not those whose derived file exists already
    table = run_snakemake(workflow_copy, "-n", "--cores", "1", "results/tables/table2.md",
                          "--configfile", str(over), "--quiet", "rules")
    assert table.returncode == 0, table.stderr[-3000:]
    assert "abinitio_spin_orbit" in table.stdout + table.stderr and "no first-principles input" not in table.stderr
    scalar = run_snakemake(workflow_copy, "-n", "--cores", "1", "results/tables/abinitio_summary.md",
                           "--configfile", "config/examples/pb_scalar.yaml", "--quiet", "rules")
    assert scalar.returncode == 0, scalar.stderr[-3000:]
    assert "abinitio_spin_orbit" not in scalar.stdout + scalar.stderr
    res = run_snakemake(workflow_copy, "--cores", "1", "results/abinitio/spin_orbit/Pb.nc",
                        "--configfile", str(over))
    assert res.returncode == 0, res.stderr[-3000:]
    out = read_abinitio(workflow_copy / "results/abinitio/spin_orbit/Pb.nc")
    assert out.attrs["variant"] == "spin-orbit by transfer"
    assert float(out["lambda"]) == pytest.approx(out.attrs["spin_orbit_lambda_ratio"] * float(pb["lambda"]),
                                                 rel=2e-3)
    assert "abinitio_spin_orbit" in out.attrs["source"] and "git_commit" in out.attrs
    assert json.loads(out.attrs["config"])["spin_orbit_transfer"]["spin_orbit_reference"].endswith("synthetic.nc")


def test_a_stiffer_target_keeps_its_frequency_scale():
    """The target a uniformly 15 % stiffer copy of the scalar reference (as the cached Pb is
    against the spin-orbit campaign's pseudopotential): the result is the spin-orbit
    reference made 15 % stiffer, lambda times the references' ratio."""
    s = 1.15
    stiff = np.interp(OMEGA / s, OMEGA, SCALAR, right=0.0)
    out = tr.transfer(OMEGA, stiff, SCALAR, SPIN_ORBIT)
    expect = np.interp(OMEGA / s, OMEGA, SPIN_ORBIT, right=0.0)
    expect *= el.lambda_from_a2f(OMEGA, out.a2f) / el.lambda_from_a2f(OMEGA, expect)
    assert np.max(np.abs(out.a2f - expect)) < 5e-3 * expect.max()       # measured 1.8e-3
    m_out, m_to = el.moments(OMEGA, out.a2f), el.moments(OMEGA, SPIN_ORBIT)
    assert m_out["omega_log"] == pytest.approx(s * m_to["omega_log"], rel=2e-3)
    assert m_out["lam"] == pytest.approx(el.lambda_from_a2f(OMEGA, stiff) * out.lambda_ratio, rel=1e-12)


def test_committed_scalar_member_of_the_pb_pair_is_its_campaign():
    """resources/abinitio/spin_orbit/Pb_q4_809abecd94d10df3.nc, the scalar member of the
    spin-orbit pair: the phonon-only join of the campaign of its name (phonon key, pseudopotential
    and the settings the pair must share, as the scalar campaign file sets them), without
    spin-orbit, readable as the rule abinitio_spin_orbit reads it, and its lambda is
    2 Int a2F / omega of its own alpha2F."""
    import zipfile

    import yaml

    from scimodel.io import read_dataset
    from scimodel.qe.spin_orbit import SAME_SETUP

    root = Path(__file__).resolve().parents[1]
    key = "809abecd94d10df3"
    ds = read_dataset(root / "resources" / "abinitio" / "spin_orbit" / f"Pb_q4_{key}.nc",
                      required={"omega": "meV", "a2f": "1", "phonon_dos": "1/meV", "lambda": "1"})
    assert ds.attrs["phonon_key"] == key
    assert "spin_orbit" not in ds.attrs
    assert ds.attrs["electronic_steps"].startswith("none")
    assert all(k in ds.attrs for k in SAME_SETUP)
    pb = yaml.safe_load((root / "config" / "campaigns" / "abinitio_pb_s_scalar.yaml").read_text())
    el = pb["abinitio"]["elements"]["Pb"]
    assert el["spin_orbit"] is False
    assert ds.attrs["pseudopotential"] == Path(el["pseudo"]).name
    assert (ds.attrs["ecutwfc_Ry"], ds.attrs["ecutrho_Ry"]) == (el["ecutwfc_Ry"], el["ecutrho_Ry"])
    assert (ds.attrs["k_grid_scf"], ds.attrs["k_grid_dense_elph"], ds.attrs["q_grid"]) == (
        el["k_scf"], el["k_dense"], el["q_grid"])
    with zipfile.ZipFile(root / "resources" / "abinitio" / "qe_studies" / f"Pb_q4_{key}.zip") as z:
        points = [json.loads(z.read(n)) for n in z.namelist() if n.endswith("/summary.json")]
    assert sorted(p["iq"] for p in points) == list(range(1, 9))         # the complete grid
    assert {p["phonon_key"] for p in points} == {key}
    assert {p["pseudo_sha256"] for p in points} == {ds.attrs["pseudopotential_sha256"]}
    w, a2f = ds["omega"].values, ds["a2f"].values
    held = w > 0
    lam = 2.0 * np.trapezoid(a2f[held] / w[held], w[held])
    assert lam == pytest.approx(float(ds["lambda"]), rel=1e-6)


def test_q_point_pair_of_the_pb_campaigns_and_its_transfer(tmp_path):
    """The coarse pair of a transfer on the q points both Pb 4^3 campaigns hold
    (scimodel.qe.build_q_point_dataset on the committed archives, as rule
    abinitio_q_point_spectrum builds it): each member's lambda is the star-weighted mean of
    its lambda_q (campaigns.q_point_lambdas, summed here by hand) and 2 Int a2F / omega of its
    spectrum within 1 %; F integrates to 3 modes on every point but Gamma; the pair shares
    the setup the transfer checks, and a pair over different q points is refused.  The pair
    config.yaml configures (abinitio.spin_orbit_transfer.Pb) is this one, and the Pb rows of
    lambda_variants.csv are the bounds missing_point_bounds gives for the points it lacks."""
    from conftest import campaign_config
    from scimodel import qe
    from scimodel.qe import campaigns, store
    from scimodel.io import read_dataset
    from scimodel.input_uncertainty import read_lambda_variants
    from scimodel.qe.spin_orbit import SAME_SETUP, missing_point_bounds, transferred_dataset

    root = Path(__file__).resolve().parents[1]
    keys = {"abinitio_pb_s_scalar.yaml": "Pb_q4_809abecd94d10df3",
            "abinitio_pb_spin_orbit.yaml": "Pb_q4_059e9f38a0077bc5"}
    archives = {c: root / "resources" / "abinitio" / "qe_studies" / f"{k}.zip" for c, k in keys.items()}
    common = sorted(set.intersection(*(set(qe.stored_points(a)) for a in archives.values())))
    assert 1 in common and len(common) >= 2
    pair, points = {}, {}
    for c, a in archives.items():
        folder = store.extract_campaign(a, tmp_path / c)
        el = campaign_config(c)["abinitio"]["elements"]["Pb"]
        ds, attrs = qe.build_q_point_dataset([folder / f"iq{i}" for i in common], "Pb", el, q_grid=4)
        pts = points[c] = campaigns.q_point_lambdas(folder)
        stars = np.array([pts[i]["star"] for i in common], float)
        by_hand = float(np.sum(stars * [pts[i]["lambda_q"] for i in common]) / stars.sum())
        assert float(ds["lambda_direct"]) == pytest.approx(by_hand, rel=1e-12)
        assert float(ds["lambda"]) == pytest.approx(by_hand, rel=0.01)     # measured 0.2-0.4 %
        gamma_share = pts[1]["star"] / stars.sum()
        assert np.trapezoid(ds["phonon_dos"].values, ds["omega"].values) == pytest.approx(
            3.0 * (1.0 - gamma_share), rel=1e-6)
        assert attrs["q_points"] == json.dumps(common) and attrs["phonon_key"] == keys[c][-16:]
        p = tmp_path / f"{c}.nc"
        write_dataset(ds, p, source="test", extra_attrs=attrs)
        pair[c] = read_dataset(p, required={"omega": "meV", "a2f": "1", "phonon_dos": "1/meV"})
    sr, so = pair["abinitio_pb_s_scalar.yaml"], pair["abinitio_pb_spin_orbit.yaml"]
    configured = yaml.safe_load((root / "config" / "config.yaml").read_text())["abinitio"]["spin_orbit_transfer"]
    if "Pb" in configured:
        for name, member in (("scalar_reference", sr), ("spin_orbit_reference", so)):
            committed = read_dataset(root / configured["Pb"][name])
            assert committed.attrs["q_points"] == member.attrs["q_points"]
            assert committed.attrs["phonon_key"] == member.attrs["phonon_key"]
            assert float(committed["lambda_direct"]) == pytest.approx(float(member["lambda_direct"]), rel=1e-12)
    pts_sr, pts_so = points["abinitio_pb_s_scalar.yaml"], points["abinitio_pb_spin_orbit.yaml"]
    if set(pts_so) < set(pts_sr):
        b = missing_point_bounds(pts_sr, pts_so)
        assert b["common"] == common
        assert b["ratio_common"] == pytest.approx(float(so["lambda_direct"]) / float(sr["lambda_direct"]), rel=1e-12)
        rows = read_lambda_variants(root / "resources" / "abinitio" / "lambda_variants.csv")
        recorded = sorted(rows[rows.metal == "Pb"].lambda_ratio)
        assert recorded == pytest.approx(sorted(b["factor"]), abs=5e-4)      # 3 decimals
    assert all(sr.attrs[k] == so.attrs[k] for k in SAME_SETUP)
    assert "spin_orbit" in so.attrs and "spin_orbit" not in sr.attrs
    cache = read_dataset(root / "resources" / "abinitio" / "Pb.nc")
    out = transferred_dataset(cache, sr, so, names=("Pb.nc", "sr", "so"))
    assert out.attrs["spin_orbit_reference_q_points"] == json.dumps(common)
    assert float(out["lambda"]) == pytest.approx(                       # measured 2.6e-7
        float(cache["lambda"]) * float(so["lambda"]) / float(sr["lambda"]), rel=1e-5)
    fewer = sr.copy()
    fewer.attrs["q_points"] = json.dumps(common[:-1])
    with pytest.raises(InputError, match="q_points"):
        transferred_dataset(cache, fewer, so, names=("Pb.nc", "sr", "so"))
    # a q point of the other campaign is refused by its phonon key
    el = campaign_config("abinitio_pb_s_scalar.yaml")["abinitio"]["elements"]["Pb"]
    with pytest.raises(InputError, match="phonon_key"):
        qe.build_q_point_dataset([tmp_path / "abinitio_pb_spin_orbit.yaml" / "iq2"], "Pb", el, q_grid=4)


def test_missing_point_bounds_by_hand():
    """Scalar grid of 8 members (Gamma 1, stars 3, 2, 2 with lambda_q 1, 2, 1), spin-orbit
    without iq4 (ratios 2 and 0.5): shared ratio 8/7, the missing point 2/9 of the scalar
    lambda, whole-grid ratio 1 (iq4 at 0.5) to 4/3 (iq4 at 2)."""
    from scimodel.qe.spin_orbit import missing_point_bounds

    sr = {1: {"star": 1, "lambda_q": 0.0}, 2: {"star": 3, "lambda_q": 1.0},
          3: {"star": 2, "lambda_q": 2.0}, 4: {"star": 2, "lambda_q": 1.0}}
    so = {1: {"star": 1, "lambda_q": 0.0}, 2: {"star": 3, "lambda_q": 2.0}, 3: {"star": 2, "lambda_q": 1.0}}
    b = missing_point_bounds(sr, so)
    assert b["common"] == [1, 2, 3] and b["missing"] == [4]
    assert b["ratio_common"] == pytest.approx(8 / 7) and b["missing_share"] == pytest.approx(2 / 9)
    assert b["point_ratios"] == (0.5, 2.0)
    assert b["whole_grid_ratio"] == pytest.approx((1.0, 4 / 3))
    assert b["factor"] == pytest.approx((7 / 8, 7 / 6))
    with pytest.raises(InputError, match="q points"):
        missing_point_bounds(sr, sr)
