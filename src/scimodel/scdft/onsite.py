"""On-site (PAW-like) reconstruction of Bloch pair densities from norm-conserving
pseudo-wavefunctions, for the TF-ME matrix elements of paper 004 (Eq. 18).

Inside the core spheres a pseudo-wavefunction differs from the all-electron one.
With the pseudopotential's projectors made dual to its pseudo partial waves,
p_i = beta_i / <beta_i | phi~_i> (one projector per channel, <p_i | phi~_i> = 1),
the all-electron state is, to the completeness of the partial waves (Bloechl 1994),

    psi = psi~ + sum_i (phi_i - phi~_i) <p_i | psi~>,

and the pair density of two states gains inside each sphere (atom at the origin)

    Delta rho(r) = sum_ij P_i^* P'_j [phi_i phi_j - phi~_i phi~_j](r),   P_i = <p_i | psi~>,

with phi_i = u_i(r)/r Y_{l_i m_i}(r^) the all-electron and phi~_i the pseudo partial
waves of the reference atom (real spherical harmonics).  Its Fourier component at
Q = k - k' + G, the quantity that enters Eq. 18 beside the FFT pair density, is

    Int Delta rho e^{iQ.r} d^3r = sum_ij P_i^* P'_j B_ij(Q),
    B_ij(Q) = 4 pi sum_LM i^L Y_LM(Q^) G^LM_ij D^L_ij(|Q|),
    D^L_ij(Q) = Int_0^inf j_L(Q r) [u_i u_j - u~_i u~_j](r) dr,

G^LM_ij the real Gaunt coefficients.  The projections of a Bloch state
psi = e^{ik.r} sum_G c_G e^{iG.r} / sqrt(Omega) are

    P_lm = (4 pi / sqrt(Omega)) i^l sum_G c_G Y_lm(K^) p^_l(|K|),  K = k + G,
    p^_l(K) = Int_0^inf r^2 j_l(K r) p_l(r) dr.

Norm conservation makes the monopole of every diagonal-channel D^0 vanish, so the
correction leaves <psi|psi> = 1 and the Q = 0 component of a state's own density.
The reconstruction is as complete as the channels with a projector: a channel taken
as the local potential (no projector) is not reconstructed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import spherical_jn, sph_harm_y

from ..errors import InputError


# --------------------------------------------------------------------------- angular parts

def real_harmonics(lmax: int, vectors) -> np.ndarray:
    """Real spherical harmonics Y_lm(v^) of the directions of ``vectors`` (N, 3), array
    (n_lm, N), lm = l^2 + l + m (m = -l..l): sqrt(2) (-1)^m Re / Im of the complex ones
    (m > 0 / m < 0).  A zero vector gets the direction z (only l = 0 survives there in
    every use here, where the radial factor j_l(0) vanishes for l > 0)."""
    v = np.atleast_2d(np.asarray(vectors, float))
    n = np.linalg.norm(v, axis=1)
    safe = np.where(n > 0.0, n, 1.0)
    cos_t = np.where(n > 0.0, v[:, 2] / safe, 1.0)
    theta = np.arccos(np.clip(cos_t, -1.0, 1.0))
    phi = np.arctan2(v[:, 1], v[:, 0])
    out = np.empty(((lmax + 1) ** 2, v.shape[0]))
    for l in range(lmax + 1):
        out[l * l + l] = sph_harm_y(l, 0, theta, phi).real
        for m in range(1, l + 1):
            y = sph_harm_y(l, m, theta, phi)
            out[l * l + l + m] = np.sqrt(2.0) * (-1) ** m * y.real
            out[l * l + l - m] = np.sqrt(2.0) * (-1) ** m * y.imag
    return out


def real_gaunt(lmax: int) -> np.ndarray:
    """G[LM, l1m1, l2m2] = Int Y_LM Y_l1m1 Y_l2m2 dOmega (real harmonics) for l1, l2 <= lmax
    and L <= 2 lmax, by a product rule exact for these polynomials (Gauss-Legendre in
    cos theta times a uniform phi grid)."""
    big = 2 * lmax
    n_t = big + lmax + 2
    mu, wt = np.polynomial.legendre.leggauss(n_t)
    n_p = 2 * (big + 2 * lmax) + 2
    phi = 2.0 * np.pi * np.arange(n_p) / n_p
    st = np.sqrt(1.0 - mu ** 2)
    v = np.stack([np.outer(st, np.cos(phi)), np.outer(st, np.sin(phi)),
                  np.outer(mu, np.ones(n_p))], axis=-1).reshape(-1, 3)
    w = np.outer(wt, np.full(n_p, 2.0 * np.pi / n_p)).ravel()
    y_big = real_harmonics(big, v)
    y_small = y_big[: (lmax + 1) ** 2]
    return np.einsum("aq,bq,cq,q->abc", y_big, y_small, y_small, w)


# --------------------------------------------------------------------------- radial parts

def radial_transform(r, weights, f, l: int, k) -> np.ndarray:
    """Int_0^inf j_l(k r) f(r) dr on the mesh ``r`` with quadrature ``weights``, for each
    k of ``k`` (1/bohr)."""
    k = np.asarray(k, float)
    return spherical_jn(l, np.outer(k, r)) @ (np.asarray(f, float) * weights)


@dataclass
class Channel:
    """One projector channel: angular momentum, label, projector p(r) dual to the pseudo
    partial wave (bohr^-3/2), all-electron and pseudo radial functions u = r R (bohr^-1/2)."""

    l: int
    label: str
    p: np.ndarray
    u_ae: np.ndarray
    u_ps: np.ndarray


class OnsiteReconstruction:
    """The partial waves and projectors of one pseudopotential (atom at the origin) and
    the tables of their radial transforms (module doc).

    Parameters
    ----------
    r, weights : radial mesh (bohr) and its quadrature weights.
    channels : the projector channels (:class:`Channel`), on ``r``.
    q_max : largest |Q| (1/bohr) of the tables; the transforms are interpolated on a grid
        of step ``dq`` (cubic in the table is not needed at the default 0.002/bohr: the
        tests compare with direct quadrature to 1e-6 relative).
    """

    def __init__(self, r, weights, channels, q_max: float = 30.0, dq: float = 0.002):
        self.r = np.asarray(r, float)
        self.w = np.asarray(weights, float)
        self.channels = list(channels)
        if not self.channels:
            raise InputError(None, "channels", "no projector channel: nothing to reconstruct")
        self.lmax = max(c.l for c in self.channels)
        # states i = (channel, m): channel index and lm index of each
        self.ch_of = np.array([c for c, ch in enumerate(self.channels) for _ in range(2 * ch.l + 1)])
        self.lm_of = np.array([ch.l * ch.l + ch.l + m for ch in self.channels for m in range(-ch.l, ch.l + 1)])
        self.l_of = np.array([self.channels[c].l for c in self.ch_of])
        self.n_proj = int(self.ch_of.size)
        self.q_grid = np.arange(0.0, q_max + 2 * dq, dq)
        self.q_max = float(q_max)
        self.dq = float(dq)
        self._proj = np.stack([radial_transform(self.r, self.w, self.r ** 2 * c.p, c.l, self.q_grid)
                               for c in self.channels])                          # (n_ch, n_q)
        gaunt = real_gaunt(self.lmax)
        self.L_max = 2 * self.lmax
        n_ch = len(self.channels)
        # D^L_{c c'}(q) for the L that the Gaunt coefficients allow
        self._dl = np.zeros((n_ch, n_ch, self.L_max + 1, self.q_grid.size))
        for a, ca in enumerate(self.channels):
            for b, cb in enumerate(self.channels):
                dn = ca.u_ae * cb.u_ae - ca.u_ps * cb.u_ps
                for L in range(abs(ca.l - cb.l), ca.l + cb.l + 1, 2):
                    self._dl[a, b, L] = radial_transform(self.r, self.w, dn, L, self.q_grid)
        # angular factors 4 pi i^L G^{LM}_{ij}, (n_LM, n_proj, n_proj)
        lm_big = np.arange((self.L_max + 1) ** 2)
        L_of_big = np.floor(np.sqrt(lm_big)).astype(int)
        self._L_of_big = L_of_big
        self._ang = (4.0 * np.pi * (1j ** L_of_big)[:, None, None]
                     * gaunt[:, self.lm_of][:, :, self.lm_of])

    # tables --------------------------------------------------------------------------
    def _interp(self, table, q):
        q = np.asarray(q, float)
        if np.any(q > self.q_max + self.dq):
            raise ValueError(f"|Q| = {q.max():.3g} /bohr beyond the table's q_max = {self.q_max}")
        x = q / self.dq
        i = np.minimum(np.floor(x).astype(int), self.q_grid.size - 2)
        t = x - i
        return table[..., i] * (1.0 - t) + table[..., i + 1] * t

    def projector_transform(self, q) -> np.ndarray:
        """p^_c(q) = Int r^2 j_l(q r) p_c(r) dr for every channel c, (n_ch, len(q))."""
        return self._interp(self._proj, q)

    # Bloch states -----------------------------------------------------------------------
    def projections(self, k_cart, g_cart, coeffs, omega: float) -> np.ndarray:
        """P[n, i] = <p_i | psi_n> (dimensionless: psi normalised over the cell of volume
        ``omega``) of the states with plane-wave coefficients ``coeffs`` (n_b, n_pw) at
        k + G (``k_cart`` (3,), ``g_cart`` (n_pw, 3), 1/bohr)."""
        kk = np.asarray(k_cart, float)[None, :] + np.asarray(g_cart, float)
        q = np.linalg.norm(kk, axis=1)
        y = real_harmonics(self.lmax, kk)[self.lm_of]                             # (n_proj, n_pw)
        f = self.projector_transform(q)[self.ch_of]                               # (n_proj, n_pw)
        phase = (1j ** self.l_of)[:, None]
        a = 4.0 * np.pi / np.sqrt(omega) * phase * y * f                          # (n_proj, n_pw)
        return np.asarray(coeffs) @ a.T

    def form_factors(self, q_vectors) -> np.ndarray:
        """B[i, j, n] = Int [phi_i phi_j - phi~_i phi~_j](r) e^{iQ_n.r} d^3r (bohr^0) at the
        vectors ``q_vectors`` (n, 3) 1/bohr."""
        qv = np.atleast_2d(np.asarray(q_vectors, float))
        q = np.linalg.norm(qv, axis=1)
        y = real_harmonics(self.L_max, qv)                                        # (n_LM, n)
        d = self._interp(self._dl, q)                                             # (c, c', L, n)
        d_ij = d[self.ch_of][:, self.ch_of]                                       # (i, j, L, n)
        out = np.zeros((self.n_proj, self.n_proj, qv.shape[0]), complex)
        for lm in range(y.shape[0]):
            ang = self._ang[lm]
            if not np.any(ang):
                continue
            out += ang[:, :, None] * d_ij[:, :, self._L_of_big[lm], :] * y[lm][None, None, :]
        return out

    def onsite_weight(self, q_vectors, weights) -> np.ndarray:
        """W[(ij), (kl)] = sum_n weights_n B_ij(Q_n) B_kl(Q_n)^*: the Gram matrix with which
        sum_n w_n |Delta B(Q_n)|^2 = x^T W x^*, x_ij = P_i^* P'_j."""
        b = self.form_factors(q_vectors).reshape(self.n_proj ** 2, -1)
        return (b * np.asarray(weights, float)[None, :]) @ b.conj().T


def reconstruction_from_upf(upf, q_max: float = 30.0, dq: float = 0.002) -> OnsiteReconstruction:
    """:class:`OnsiteReconstruction` of an ld1.x norm-conserving UPF file: its projectors
    (PP_BETA, made dual to the pseudo-wavefunctions), and the all-electron and pseudo
    radial functions of the same orbitals from ld1.x run again on the file's generation
    input (:func:`scimodel.qe.pseudo.atomic_wavefunctions`).  The channels are those with
    a projector; the orbital of each is the pseudized one of the same l."""
    from ..qe.pseudo import atomic_wavefunctions, read_upf_projectors

    at = atomic_wavefunctions(upf)
    pr = read_upf_projectors(upf)
    r = at["r"]
    if r.size != pr["r"].size or not np.allclose(r, pr["r"], rtol=1e-8):
        raise InputError(upf, "PP_MESH/PP_R", "the mesh of ld1.x's rerun; the file's mesh differs")
    channels = []
    for beta in pr["beta"]:
        labels = [lab for lab in at["ps"] if _label_l(lab) == beta["l"]]
        if beta.get("label"):
            labels = [lab for lab in labels if lab.strip() == beta["label"].strip()] or labels
        if len(labels) != 1:
            raise InputError(upf, f"PP_BETA (l = {beta['l']})",
                             f"exactly one pseudized orbital of that l; found {labels}")
        lab = labels[0]
        u_ps, u_ae = at["ps"][lab], at["ae"][lab]
        rc = beta["r_cut"]
        outside = r > 1.2 * rc
        # ld1.x's functions of one orbital may differ by a sign
        if np.sum(u_ps[outside] * u_ae[outside]) < 0.0:
            u_ae = -u_ae
        dual = np.sum(beta["rbeta"] * u_ps * pr["rab"])
        if abs(dual) < 1e-8:
            raise InputError(upf, f"PP_BETA ({lab})", "a projector with nonzero overlap with "
                             "its pseudo-wavefunction")
        p = beta["rbeta"] / r / dual                      # p(r) (the radial part, bohr^-3/2)
        channels.append(Channel(l=beta["l"], label=lab, p=p, u_ae=u_ae, u_ps=u_ps))
    w = np.log(r[1] / r[0]) * r                      # dr = r dx on the logarithmic mesh
    w[[0, -1]] *= 0.5
    return OnsiteReconstruction(r, w, channels, q_max=q_max, dq=dq)


def _label_l(label: str) -> int:
    return "SPDF".index(label.strip()[-1].upper())
