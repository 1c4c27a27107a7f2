"""On-site (PAW-like) reconstruction of pair densities (scimodel.scdft.onsite) and its
terms in the TF-ME matrix elements (scimodel.scdft.coulomb_me.OnsiteTerms).

The tests use compact synthetic partial waves (s and d channels, all-electron and
pseudo radial functions of equal norm, differing inside r_c = 2 bohr) so that the
isolated-atom limit is exact in a box of 10 bohr."""
from pathlib import Path

import numpy as np
import pytest

from scimodel.errors import InputError
from scimodel.qe import qe_available
from scimodel.qe.pseudo import read_upf_projectors
from scimodel.scdft import onsite
from scimodel.scdft.coulomb_me import OnsiteTerms, mesh_coulomb_matrix

R_C = 2.0


def _mesh(n=1500):
    x = np.linspace(np.log(1e-4), np.log(20.0), n)
    r = np.exp(x)
    w = np.full(n, x[1] - x[0]) * r
    w[[0, -1]] *= 0.5
    return r, w


def _channel(r, w, l, sigma):
    u_ps = r ** (l + 1) * np.exp(-r ** 2 / (2 * sigma ** 2))
    u_ps /= np.sqrt(np.sum(u_ps ** 2 * w))
    h = np.where(r < R_C, r ** (l + 1) * (R_C - r) ** 3, 0.0)
    a = -2.0 * np.sum(u_ps * h * w) / np.sum(h * h * w)          # the other root keeps the norm
    u_ae = u_ps + a * h
    p = u_ps / r / np.sum(u_ps ** 2 * w)                          # dual: <p | phi~> = 1
    return onsite.Channel(l=l, label="SPD"[l], p=p, u_ae=u_ae, u_ps=u_ps)


@pytest.fixture(scope="module")
def rec():
    r, w = _mesh()
    return onsite.OnsiteReconstruction(r, w, [_channel(r, w, 0, 0.7), _channel(r, w, 1, 0.75),
                                              _channel(r, w, 2, 0.8)],
                                       q_max=25.0, dq=0.002)


def _sphere_quadrature(n_t=24, n_p=48):
    mu, wt = np.polynomial.legendre.leggauss(n_t)
    phi = 2 * np.pi * np.arange(n_p) / n_p
    st = np.sqrt(1 - mu ** 2)
    v = np.stack([np.outer(st, np.cos(phi)), np.outer(st, np.sin(phi)), np.outer(mu, np.ones(n_p))], -1)
    return v.reshape(-1, 3), np.outer(wt, np.full(n_p, 2 * np.pi / n_p)).ravel()


def test_real_gaunt_known_values_and_selection_rules():
    g = onsite.real_gaunt(2)
    n = 9
    # Y_00 is the constant 1 / sqrt(4 pi): G[00, a, b] = delta_ab / sqrt(4 pi)
    assert np.allclose(g[0, :n, :n], np.eye(n) / np.sqrt(4 * np.pi), atol=1e-13)
    assert np.allclose(g, g.transpose(0, 2, 1), atol=1e-13)
    # Int Y_20 Y_20 Y_20 = sqrt(5 / 4 pi) * 2 / 7 (Condon-Shortley 3j values)
    assert g[6, 6, 6] == pytest.approx(np.sqrt(5 / (4 * np.pi)) * 2 / 7, rel=1e-12)
    # parity: l1 + l2 + L odd vanishes; triangle: L > l1 + l2 vanishes
    lm_l = np.floor(np.sqrt(np.arange(25))).astype(int)
    odd = (lm_l[:, None, None] + lm_l[None, :n, None] + lm_l[None, None, :n]) % 2 == 1
    assert np.abs(g[odd]).max() < 1e-13
    # Y_lm orthonormal on the sphere (the basis of every use above)
    v, w = _sphere_quadrature()
    y = onsite.real_harmonics(4, v)
    assert np.allclose((y * w) @ y.T, np.eye(25), atol=1e-12)


def test_norm_conservation_leaves_the_monopole(rec):
    b = rec.form_factors(np.zeros((1, 3)))[:, :, 0]
    assert np.abs(b).max() < 1e-10


def test_form_factors_equal_direct_quadrature(rec):
    """B_ij(Q) = Int [phi_i phi_j - phi~_i phi~_j] e^{iQ.r} d^3r, against a NumPy twin:
    the 3-d integral on a radial x sphere product grid, no Gaunt or Bessel expansion."""
    rng = np.random.default_rng(3)
    q = rng.normal(size=(4, 3)) * 2.5
    got = rec.form_factors(q)
    v, wa = _sphere_quadrature()
    m = rec.r < 3 * R_C
    r, wr = rec.r[m], rec.w[m]
    y = onsite.real_harmonics(2, v)
    pts = r[:, None, None] * v[None, :, :]                            # (n_r, n_ang, 3)
    for n in range(q.shape[0]):
        ph = np.exp(1j * pts @ q[n])                                    # (n_r, n_ang)
        for i in range(rec.n_proj):
            for j in range(rec.n_proj):
                ci, cj = rec.channels[rec.ch_of[i]], rec.channels[rec.ch_of[j]]
                dn = (ci.u_ae[m] * cj.u_ae[m] - ci.u_ps[m] * cj.u_ps[m])       # r^2 x radial density
                ang = y[rec.lm_of[i]] * y[rec.lm_of[j]]
                want = np.sum((dn * wr)[:, None] * ang[None, :] * wa[None, :] * ph)
                assert got[i, j, n] == pytest.approx(want, abs=2e-6 * (1 + abs(want)))


def test_projections_equal_direct_quadrature(rec):
    """P of a single plane wave e^{iK.r} / sqrt(Omega) against the 3-d integral of
    p_i(r) Y_i(r^) e^{iK.r} on a radial x sphere grid."""
    omega = 100.0
    k = np.array([0.3, -0.2, 0.1])
    g = np.array([[1.1, 0.4, -0.7]])
    got = rec.projections(k, g, np.ones((1, 1)), omega)[0]
    v, wa = _sphere_quadrature()
    y = onsite.real_harmonics(2, v)
    pts = rec.r[:, None, None] * v[None, :, :]
    ph = np.exp(1j * pts @ (k + g[0])) / np.sqrt(omega)
    for i in range(rec.n_proj):
        c = rec.channels[rec.ch_of[i]]
        want = np.sum((c.p * rec.r ** 2 * rec.w)[:, None] * (y[rec.lm_of[i]] * wa)[None, :] * ph)
        assert got[i] == pytest.approx(want, abs=1e-6 * abs(want) + 1e-12)   # table interpolation


def _box_state(rec, coef, cell_l, g_max, k=(0.0, 0.0, 0.0)):
    """Plane-wave coefficients at k + G and the periodic part on the FFT grid of the Bloch
    sum of psi~ = sum_i coef_i phi~_i over the images of a cubic box."""
    k = np.asarray(k, float)
    n = int(g_max * cell_l / (2 * np.pi)) + 2          # one grid of every k of the zone
    mi = np.stack(np.meshgrid(*[np.arange(-n, n + 1)] * 3, indexing="ij"), -1).reshape(-1, 3)
    g = mi * 2 * np.pi / cell_l
    sel = np.linalg.norm(k + g, axis=1) <= g_max                 # pw.x's sphere |k + G| <= g_max
    mi, g = mi[sel], g[sel]
    kg = k + g
    gn = np.linalg.norm(kg, axis=1)
    y = onsite.real_harmonics(rec.lmax, kg)
    c = np.zeros(len(g), complex)
    for i, a in enumerate(coef):
        if a:
            ch = rec.channels[rec.ch_of[i]]
            f = onsite.radial_transform(rec.r, rec.w, rec.r * ch.u_ps, ch.l, gn)
            c += a * 4 * np.pi * (-1j) ** ch.l * y[rec.lm_of[i]] * f / np.sqrt(cell_l ** 3)
    shape = (4 * n + 1,) * 3
    box = np.zeros(shape, complex)
    box[mi[:, 0] % shape[0], mi[:, 1] % shape[1], mi[:, 2] % shape[2]] = c
    return g, c, np.fft.ifftn(box) * box.size


def _isolated(rec, coef, part, ktf, q_max):
    """(1/(2 pi)^3) Int_{|Q| < q_max} |n(Q)|^2 4 pi / (Q^2 + k^2) d^3Q of the density of
    sum_i coef_i phi_i (part 'ae' or 'ps'), by its radial transforms."""
    gaunt = onsite.real_gaunt(rec.lmax)
    q = np.linspace(0.0, q_max, 6001)
    total = np.zeros_like(q)
    for big in range(gaunt.shape[0]):
        lb = int(np.sqrt(big))
        a = np.zeros_like(q)
        for i, ci in enumerate(coef):
            for j, cj in enumerate(coef):
                gg = gaunt[big, rec.lm_of[i], rec.lm_of[j]]
                if ci and cj and abs(gg) > 1e-14:
                    u = [getattr(rec.channels[rec.ch_of[x]], "u_" + part) for x in (i, j)]
                    a += ci * cj * gg * onsite.radial_transform(rec.r, rec.w, u[0] * u[1], lb, q)
        total += (4 * np.pi) ** 2 * a ** 2
    return float(np.trapezoid(total * q ** 2 * 4 * np.pi / (q ** 2 + ktf ** 2), q) / (2 * np.pi) ** 3)


# the box (bohr), its plane-wave sphere and the on-site cutoff (1/bohr): the partial waves
# are negligible beyond 5 bohr and their transforms beyond 7 /bohr
BOX, G_MAX, Q_MAX = 10.0, 7.0, 10.0

# s; an s-d hybrid; three d orbitals; a p-d hybrid (odd multipoles, complex components)
STATES = {"s": {0: 1.0}, "s+d": {0: 0.6, 7: 0.8}, "d": {4: 0.5, 6: 0.5, 8: np.sqrt(0.5)},
          "p+d": {2: 0.6, 5: 0.48, 7: 0.64}}


def _coef(name, n_proj=9):
    c = np.zeros(n_proj)
    for i, a in STATES[name].items():
        c[i] = a
    return c


@pytest.mark.parametrize("name", sorted(STATES))
def test_box_matrix_element_equals_isolated_atom(rec, name):
    """A state built from the pseudo partial waves in a 10 bohr box (Gamma): Eq. 18 with
    the on-site terms equals the Yukawa self-energy of the all-electron density of the
    same combination of all-electron partial waves (isolated atom, Fourier integral to
    the same q_max), and without them that of the pseudo density."""
    coef = _coef(name)
    cell_l, ktf, q_max = BOX, 1.5, Q_MAX
    g, c, u = _box_state(rec, coef, cell_l, g_max=G_MAX)
    p = rec.projections(np.zeros(3), g, c[None], cell_l ** 3)
    assert np.allclose(p[0], coef, atol=1e-6)                     # <p_i | sum_j a_j phi~_j> = a_i
    cell = np.eye(3) * cell_l
    ps = mesh_coulomb_matrix(u[None, None], np.zeros((1, 1)), cell, 1, ktf ** 2)["matrix"].item()
    terms = OnsiteTerms(rec, p[None], cell, 1, ktf ** 2, q_max)
    ae = mesh_coulomb_matrix(u[None, None], np.zeros((1, 1)), cell, 1, ktf ** 2, onsite=terms)["matrix"].item()
    want_ps = _isolated(rec, coef, "ps", ktf, 2 * G_MAX)
    want_ae = _isolated(rec, coef, "ae", ktf, q_max)
    assert ps == pytest.approx(want_ps, rel=2e-5)                 # measured <= 3e-7
    assert ae == pytest.approx(want_ae, rel=2e-5)                 # measured <= 3.2e-6
    assert abs(ae / ps - 1) > 0.1                                 # the synthetic correction is large


def test_bloch_pairs_on_a_mesh_equal_isolated_atom(rec):
    """The Bloch sums at the 8 points of the 2^3 mesh of the 10 bohr box of a p-d hybrid:
    the pair density of psi_k and psi_k' is the atom's own density at Q = k - k' + G, so
    every element of Eq. 18 with the on-site terms equals the isolated all-electron value
    (the projections and form factors at k != 0 and their Bloch phases; odd multipoles)."""
    coef = _coef("p+d")
    cell_l, ktf, q_max = BOX, 1.5, Q_MAX
    cell = np.eye(3) * cell_l
    from scimodel.scdft.coulomb_me import mesh_fractions
    ks = mesh_fractions(2) * 2 * np.pi / cell_l
    states = [_box_state(rec, coef, cell_l, G_MAX, k) for k in ks]
    u = np.stack([st[2] for st in states])[:, None]
    p = np.stack([rec.projections(k, st[0], st[1][None], cell_l ** 3) for k, st in zip(ks, states)])
    assert np.allclose(p[:, 0], coef, atol=1e-6)
    terms = OnsiteTerms(rec, p, cell, 2, ktf ** 2, q_max)
    m = mesh_coulomb_matrix(u, np.zeros((8, 1)), cell, 2, ktf ** 2, onsite=terms)
    want = _isolated(rec, coef, "ae", ktf, q_max)
    # (the orbital is not rotated with k, so M(Sk, Sk') = M(k, k') holds only as well as
    # every element equals the isolated value: orbit_spread is not a separate check here)
    np.testing.assert_allclose(m["matrix"].reshape(8, 8), want, rtol=2e-5)


# --------------------------------------------------------------------------- the project's pseudopotentials

ROOT = Path(__file__).resolve().parents[1]
NB_UPF = ROOT / "resources" / "pseudo" / "generated" / "nc" / "Nb.pz-n-nc.UPF"
needs_qe = pytest.mark.skipif(not qe_available(), reason="Quantum ESPRESSO (ld1.x, pw.x) not on PATH")


def test_read_upf_projectors_and_bad_input(tmp_path):
    pr = read_upf_projectors(NB_UPF)
    assert [b["l"] for b in pr["beta"]] == [0, 2] and pr["dij"].shape == (2, 2)
    assert pr["r"].size == pr["rab"].size == pr["beta"][0]["rbeta"].size
    bad = tmp_path / "bad.UPF"
    bad.write_text(NB_UPF.read_text().replace('columns="2" rows="2">', 'columns="2" rows="2">\n 1.0'))
    with pytest.raises(InputError, match="PP_DIJ"):
        read_upf_projectors(bad)
    bad.write_text(NB_UPF.read_text().replace("<PP_RAB", "<PP_RAX").replace("</PP_RAB>", "</PP_RAX>"))
    with pytest.raises(InputError, match="PP_RAB"):
        read_upf_projectors(bad)


@needs_qe
def test_nb_partial_waves_from_its_upf():
    """Nb's channels (s, d): projectors dual to the pseudo partial waves, all-electron and
    pseudo functions equal beyond r_c = 2 bohr and of equal norm inside (norm
    conservation: the monopole of every diagonal form factor vanishes)."""
    rec = onsite.reconstruction_from_upf(NB_UPF, q_max=5.0, dq=0.01)
    assert [(c.l, c.label) for c in rec.channels] == [(0, "5S"), (2, "4D")]
    for c in rec.channels:
        assert np.sum(rec.r ** 2 * c.p * c.u_ps / rec.r * rec.w) == pytest.approx(1.0, abs=1e-5)
        out = rec.r > 2.05
        assert np.abs(c.u_ae[out] - c.u_ps[out]).max() < 1e-4
        assert abs(np.sum((c.u_ae ** 2 - c.u_ps ** 2) * rec.w)) < 1e-5
    assert np.abs(rec.form_factors(np.zeros((1, 3)))).max() < 1e-5


@needs_qe
def test_pw_onsite_matrix_is_symmetric_and_differs(tmp_path):
    """Nb at 25 Ry on the 2^3 mesh: with the on-site terms the copies under the point
    group agree and M is symmetric before symmetrisation (both to 1e-6), the states are
    those of the pseudo run, and the reconstruction changes M."""
    from scimodel import qe
    from scimodel.qe import coulomb_mesh

    from conftest import SMALL_PW_RUN

    spec = qe.metal_spec("Nb", dict(SMALL_PW_RUN, structure="bcc", a_angstrom=3.3, mass_amu=92.906,
                                    pseudo="generated/nc/Nb.pz-n-nc.UPF", ecutwfc_Ry=25.0,
                                    ecutrho_Ry=100.0, n_valence=5, nbnd=6))
    save = coulomb_mesh.run_wavefunction_mesh(spec, NB_UPF, tmp_path / "run", tmp_path / "qe", mesh=2, nbnd=8)
    ps = coulomb_mesh.coulomb_dataset(save, tmp_path / "run", dos_ef=1.5e-3, n_keep=6, g_cut_ry=20.0)
    ae = coulomb_mesh.coulomb_dataset(save, tmp_path / "run", dos_ef=1.5e-3, n_keep=6, g_cut_ry=20.0,
                                      onsite_upf=NB_UPF, onsite_q_max=10.0)
    assert ae.attrs["orbit_spread"] < 1e-6 and ae.attrs["asymmetry_before_symmetrisation"] < 1e-6
    assert "4D" in ae.attrs["onsite_reconstruction"] and ps.attrs["onsite_reconstruction"] == "none"
    np.testing.assert_array_equal(ae["energy"].values, ps["energy"].values)
    rel = np.abs(ae["coulomb_me_irr"].values / ps["coulomb_me_irr"].values - 1)
    assert rel.max() > 1e-3


def test_campaign_turns_the_reconstruction_on_for_nb_and_ta():
    """config/campaigns/tfme_onsite.yaml over config.yaml: the schema accepts it, the TF-ME
    settings of Nb and Ta carry onsite_q_max = 20 (off in the default config), and the DAG
    plans their matrices."""
    import yaml

    from scimodel import schema_path
    from scimodel.config import validate_config
    from scimodel.qe.coulomb_mesh import tfme_settings
    from conftest import run_snakemake

    base = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    over = yaml.safe_load((ROOT / "config" / "campaigns" / "tfme_onsite.yaml").read_text())
    merged = {**base, "abinitio": {**base["abinitio"],
                                   "coulomb_me": {**base["abinitio"]["coulomb_me"], **over["abinitio"]["coulomb_me"]}}}
    default = validate_config(base, schema_path("config.schema.yaml"))
    camp = validate_config(merged, schema_path("config.schema.yaml"))
    for metal in ("Nb", "Ta"):
        assert tfme_settings(default["abinitio"], metal)[3] is None
        assert tfme_settings(camp["abinitio"], metal)[3] == 20.0
    res = run_snakemake(ROOT, "results/abinitio/coulomb/Nb.nc", "results/abinitio/coulomb/Ta.nc", "-n",
                        "--cores", "2", "--forceall", "--quiet", "rules",
                        "--configfile", "config/campaigns/tfme_onsite.yaml", timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "abinitio_coulomb" in res.stdout + res.stderr
