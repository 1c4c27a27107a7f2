"""Matrix elements of the Thomas-Fermi screened Coulomb interaction between Bloch
states (paper 004, Eq. 18, the TF-ME functional), from periodic parts on an FFT grid.

    K^TF-ME_{nk, n'k'} = (4 pi / Omega) sum_G |<nk| e^{i(k - k' + G).r} |n'k'>|^2
                                              / (|k - k' + G|^2 + k_TF^2)

(Hartree atomic units; Omega the volume of the crystal normalising the Bloch
states, here the unit cell with the periodic parts normalised over it).  With
psi_nk = e^{ik.r} u_nk(r), the bracket is the Fourier component of the pair
density rho(r) = u_nk^*(r) u_n'k'(r):

    <nk| e^{i(k - k' + G).r} |n'k'> = (1/Omega) Int_cell u_nk^* u_n'k' e^{iG.r} d^3r = rho(-G),

computed by one FFT of rho on the real-space grid (:func:`pair_density_fourier`).
For norm-conserving pseudo-wavefunctions the pair density needs no augmentation
charge; the matrix elements are then those of the pseudo-states (the
approximation the project states for TF-ME), unless the on-site terms of
:class:`OnsiteTerms` reconstruct the pair densities inside the core spheres
(:mod:`scimodel.scdft.onsite`).

Plane-wave limit: for u_nk = e^{i G_n.r}, u_n'k' = e^{i G_n'.r} the sum has one
term, 4 pi / (Omega (|K - K'|^2 + k_TF^2)) with K = k + G_n, K' = k' + G_n', and its
average over the directions of K and K' is Eq. 26 / Omega,
(pi / (K K')) ln[((K + K')^2 + k_TF^2) / ((K - K')^2 + k_TF^2)] / Omega
(:func:`plane_wave_direction_average`, checked in the tests).
"""
from __future__ import annotations

import numpy as np
import scipy.fft

from ..errors import InputError
from . import bzgrid


def fft_gvectors(shape, cell) -> np.ndarray:
    """Cartesian reciprocal vectors G[n1, n2, n3, 3] (1/bohr) of the FFT grid ``shape`` of the
    cell with lattice vectors as rows of ``cell`` (bohr), in numpy's FFT order."""
    cell = np.asarray(cell, dtype=float)
    b = 2.0 * np.pi * np.linalg.inv(cell).T             # rows: reciprocal vectors
    m = [np.fft.fftfreq(n, d=1.0 / n) for n in shape]   # integer Miller indices
    mi = np.stack(np.meshgrid(*m, indexing="ij"), axis=-1)
    return mi @ b


def truncated_fft_shape(mmax, cell, g_cut2: float) -> tuple[int, int, int]:
    """Smallest fast FFT grid on which the product of two wavefunctions with Miller
    indices up to ``mmax`` (per direction) has exact Fourier components for every G with
    |q + G|^2 <= ``g_cut2`` (bohr^-2), q = k - k' of two points of the zone: n_i >=
    2 mmax_i + mc_i + 1 (a component p aliases onto p - n_i, which must lie beyond the
    products' 2 mmax_i), mc_i the largest Miller index of such a G.  Never larger than
    the grid of the whole products (4 mmax_i + 1)."""
    cell = np.asarray(cell, float)
    b = 2.0 * np.pi * np.linalg.inv(cell).T
    corners = np.array(np.meshgrid(*[[-1.0, 1.0]] * 3, indexing="ij")).reshape(3, -1).T
    q_max = float(np.linalg.norm(corners @ b, axis=1).max())        # |k - k'| bound
    mc = np.ceil((np.sqrt(g_cut2) + q_max) * np.linalg.norm(cell, axis=1) / (2.0 * np.pi))
    mmax = np.asarray(mmax, int)
    n = np.minimum(np.maximum(2 * mmax + mc.astype(int) + 1, 2 * mc.astype(int) + 1), 4 * mmax + 1)
    return tuple(int(scipy.fft.next_fast_len(int(v))) for v in n)


def pair_density_fourier(u1, u2) -> np.ndarray:
    """rho(G) = (1/N_r) sum_r u1^*(r) u2(r) e^{-iG.r}: Fourier components of the pair
    density of two periodic parts sampled on the same real-space grid (normalised so that
    (1/N_r) sum_r |u|^2 = 1)."""
    u1 = np.asarray(u1)
    u2 = np.asarray(u2)
    if u1.shape != u2.shape:
        raise InputError(None, "wavefunctions", f"grids differ: {u1.shape} vs {u2.shape}")
    return np.fft.fftn(np.conj(u1) * u2) / u1.size


def matrix_element(u1, u2, k1, k2, cell, ktf2: float) -> float:
    """K^TF-ME (Hartree bohr^3 / Omega, i.e. Hartree) of Eq. 18 between the Bloch states
    e^{ik1.r} u1 and e^{ik2.r} u2 (Cartesian k in 1/bohr, ``cell`` rows in bohr)."""
    cell = np.asarray(cell, dtype=float)
    omega = abs(np.linalg.det(cell))
    rho = pair_density_fourier(u1, u2)             # rho(G') = <...e^{-iG'.r}...>
    g = fft_gvectors(np.shape(u1), cell)
    # <nk| e^{i(k1 - k2 + G).r} |n'k'> = rho(-G): use G = -G' for the component rho(G')
    q = np.asarray(k1, float) - np.asarray(k2, float) - g
    return float(4.0 * np.pi / omega * np.sum(np.abs(rho) ** 2 / ((q * q).sum(axis=-1) + ktf2)))


def plane_wave(shape, cell, gvec_index) -> np.ndarray:
    """The periodic part e^{iG.r} of a plane wave on the FFT grid (G by Miller indices)."""
    cell = np.asarray(cell, dtype=float)
    b = 2.0 * np.pi * np.linalg.inv(cell).T
    g = np.asarray(gvec_index, float) @ b
    frac = np.stack(np.meshgrid(*[np.arange(n) / n for n in shape], indexing="ij"), axis=-1)
    r = frac @ cell
    return np.exp(1j * (r @ g))


def plane_wave_direction_average(k: float, kp: float, ktf2: float, n: int = 200) -> float:
    """Average over the directions of K, K' (|K| = k, |K'| = kp, 1/bohr) of
    4 pi / (|K - K'|^2 + k_TF^2), by Gauss-Legendre in the cosine of their angle
    (compare with Eq. 26, :func:`scimodel.scdft.coulomb.coulomb_tf_matrix_np`)."""
    mu, w = np.polynomial.legendre.leggauss(int(n))
    return float(0.5 * np.sum(w * 4.0 * np.pi / (k * k + kp * kp - 2.0 * k * kp * mu + ktf2)))


def yukawa_radial(r, weights, p1, p2, k_tf: float, l: int = 0) -> float:
    """Radial integral of the Thomas-Fermi (Yukawa) interaction between two radial
    pair densities, Hartree:

        I^l = Int Int p1(r) p2(r') g_l(r, r') dr dr',
        e^{-k|r - r'|} / |r - r'| = sum_l g_l(r, r') P_l(cos theta),
        g_l(r, r') = (2l + 1) (2 k / pi) i_l(k r_<) k_l(k r_>)    (k > 0),
        g_l(r, r') = r_<^l / r_>^(l + 1)                           (k = 0, bare Coulomb),

    with i_l, k_l the modified spherical Bessel functions (scipy's convention,
    k_0(x) = (pi / 2) e^{-x} / x), so that k -> 0 gives the usual Slater integrals.
    ``p1``, ``p2`` are products of radial functions u = r R(r) (u_a u_b: direct
    integrals F^l with p = u_a^2, exchange-type G^l with p1 = p2 = u_a u_b), on the
    mesh ``r`` (bohr, r > 0, any order) with the quadrature ``weights`` (dr = r dx on
    ld1.x's logarithmic mesh).  The kink of g_l at r = r' makes the product rule second
    order in the mesh step: 2e-4 relative at dx = 0.004 (tests, against the Fourier
    form); the mesh must resolve 1/k_TF where the densities are (ValueError otherwise).
    """
    from scipy.special import ive, kve
    r = np.asarray(r, float)
    w = np.asarray(weights, float)
    p1 = np.asarray(p1, float)
    p2 = np.asarray(p2, float)
    if not (r.shape == w.shape == p1.shape == p2.shape) or r.ndim != 1:
        raise ValueError("r, weights, p1 and p2 must be 1-d arrays of one length")
    if np.any(r <= 0.0):
        raise ValueError("the radial mesh must be r > 0 (u = r R vanishes at r = 0: leave it out)")
    if k_tf < 0.0:
        raise ValueError(f"k_tf must be >= 0, got {k_tf}")
    held = (np.abs(p1) + np.abs(p2)) * w > 1e-6 * np.sum((np.abs(p1) + np.abs(p2)) * w)
    if k_tf > 0.0 and held.sum() > 1 and k_tf * np.max(np.diff(np.sort(r[held]))) > 1.0:
        raise ValueError(f"the mesh does not resolve the screening length 1/k_tf = {1 / k_tf:.3g} "
                         "bohr where the densities are: refine the mesh")
    upper = np.less_equal.outer(r, r)                    # r_i <= r_j: r_< = r_i, r_> = r_j
    if k_tf == 0.0:
        inner, outer = r ** l, 1.0 / r ** (l + 1)
        g = np.where(upper, np.outer(inner, outer), np.outer(outer, inner))
    else:
        # i_l(x<) k_l(x>) = [i_l(x<) e^{-x<}] [k_l(x>) e^{x>}] e^{-(x> - x<)}, the scaled
        # factors from the exponentially scaled Bessel functions (i_l(x) = sqrt(pi / 2x)
        # I_{l+1/2}(x), k_l(x) = sqrt(pi / 2x) K_{l+1/2}(x)): no overflow at any k_TF r;
        # they are evaluated once per mesh point
        x = k_tf * r
        half = np.sqrt(np.pi / (2.0 * x))
        inner = (2 * l + 1) * (2.0 * k_tf / np.pi) * half * ive(l + 0.5, x)
        outer = half * kve(l + 0.5, x)
        g = np.where(upper, np.outer(inner, outer), np.outer(outer, inner)) \
            * np.exp(-np.abs(np.subtract.outer(x, x)))
    return float((p1 * w) @ g @ (p2 * w))


def yukawa_slater(r, weights, u_a, u_b, k_tf: float, l: int = 0) -> float:
    """Direct radial Slater integral R^l of the Yukawa interaction (:func:`yukawa_radial`
    with p1 = u_a^2, p2 = u_b^2, each normalised on the mesh): the on-site repulsion
    of two electrons in orbitals a and b (l = 0), or a multipole of it."""
    w = np.asarray(weights, float)
    ua = np.asarray(u_a, float)
    ub = np.asarray(u_b, float)
    if ua.shape != w.shape or ub.shape != w.shape:
        raise ValueError("r, weights, u_a and u_b must be 1-d arrays of one length")
    return yukawa_radial(r, weights, ua ** 2 / np.sum(ua ** 2 * w), ub ** 2 / np.sum(ub ** 2 * w),
                         k_tf, l)


# --------------------------------------------------------------------------- the regular mesh

def mesh_fractions(m: int) -> np.ndarray:
    """Fractional coordinates (i, j, l) / m of the Gamma-centred m^3 mesh, point index
    i + m (j + m l) (the hypercube index of :func:`scimodel.scdft.sampling.cube_index`)."""
    i = np.arange(m)
    g = np.stack(np.meshgrid(i, i, i, indexing="ij"), axis=-1)      # g[i, j, l]
    return (g.transpose(2, 1, 0, 3).reshape(-1, 3) / m)              # i fastest


def _grid_ops(cell, m: int, rotations=None) -> np.ndarray:
    """Integer matrices t (n_ops, 3, 3) acting on mesh indices, g' = g @ t (mod m)."""
    ops = bzgrid.symmetry_group(cell, rotations, time_reversal=True)
    return np.rint(bzgrid._reciprocal_matrices(cell, ops)).astype(np.int64)


def _index(g, m: int) -> np.ndarray:
    g = np.mod(g, m)
    return g[..., 0] + m * (g[..., 1] + m * g[..., 2])


def irreducible_mesh(cell, m: int, rotations=None) -> tuple[np.ndarray, np.ndarray]:
    """Irreducible points of the m^3 mesh (indices of :func:`mesh_fractions`, the lowest
    of each orbit) and the integer operations on mesh indices."""
    t = _grid_ops(cell, m, rotations)
    g = np.rint(mesh_fractions(m) * m).astype(np.int64)
    images = np.stack([_index(g @ ti, m) for ti in t])           # (n_ops, n_k)
    rep = images.min(axis=0)
    return np.unique(rep), t


def degenerate_average(energies, tol: float) -> np.ndarray:
    """Averaging matrix A (n_b, n_b) over groups of bands whose energies (sorted
    ascending) differ from their neighbour by less than ``tol``: A M A^T makes a
    band-pair quantity independent of the choice of basis inside degenerate sets."""
    e = np.asarray(energies, float)
    start = np.concatenate([[True], np.diff(e) >= tol])
    label = np.cumsum(start) - 1
    same = label[:, None] == label[None, :]
    return same / same.sum(axis=1, keepdims=True)


class OnsiteTerms:
    """The on-site (PAW-like) terms of Eq. 18 on the m^3 mesh: the projections of every
    mesh state and, per k - k' (mod the reciprocal lattice), the Gram matrix of the
    sphere form factors summed over |k - k' + G| <= q_max
    (:mod:`scimodel.scdft.onsite`).

    The bracket of Eq. 18 becomes rho~(G) + sum_ij P_i^* P'_j B_ij(Q), Q = k - k' + G, so

        |.|^2 = |rho~|^2 + 2 Re[rho~^* Delta B] + |Delta B|^2;

    the last term is summed over every G with |Q| <= q_max (the form factors reach far
    beyond the FFT grid of the pseudo pair densities), the cross term over the G of the
    pseudo sum (where rho~ is held)."""

    def __init__(self, rec, projections, cell, m: int, ktf2: float, q_max: float):
        self.rec = rec
        self.proj = np.asarray(projections)                  # (n_k, n_b, n_proj)
        self.cell = np.asarray(cell, float)
        self.m = int(m)
        self.ktf2 = float(ktf2)
        self.q_max = float(q_max)
        if self.q_max > rec.q_max:
            raise InputError(None, "q_max", f"{q_max} /bohr beyond the form-factor table ({rec.q_max})")
        self.omega = abs(np.linalg.det(self.cell))
        b = bzgrid.reciprocal_cell(self.cell)
        reach = self.q_max + float(np.linalg.norm(b, axis=1).sum())
        n = np.ceil(reach * np.linalg.norm(self.cell, axis=1) / (2.0 * np.pi)).astype(int)
        grid = np.stack(np.meshgrid(*[np.arange(-v, v + 1) for v in n], indexing="ij"), -1).reshape(-1, 3)
        gv = grid @ b
        self._g = gv[np.linalg.norm(gv, axis=1) <= reach]
        self._gram = {}

    def gram(self, dk) -> np.ndarray:
        """sum_{|Q| <= q_max} (4 pi / Omega) B(Q) B(Q)^+ / (Q^2 + k_TF^2), Q = dk - G."""
        frac = np.asarray(dk, float) @ self.cell.T / (2.0 * np.pi)
        key = tuple(np.mod(np.rint(frac * self.m).astype(int), self.m))
        if key not in self._gram:
            q = np.asarray(dk, float)[None, :] - self._g
            q2 = (q * q).sum(axis=1)
            sel = q2 <= self.q_max ** 2
            self._gram[key] = self.rec.onsite_weight(q[sel], (4.0 * np.pi / self.omega) / (q2[sel] + self.ktf2))
        return self._gram[key]

    @staticmethod
    def products(p0, p1) -> np.ndarray:
        """P_i^* P'_j of every state pair, (n0, n1, n_proj^2), from the projections
        ``p0`` (n0, n_proj) of one point and ``p1`` (n1, n_proj) of another."""
        p0, p1 = np.asarray(p0), np.asarray(p1)
        return (np.conj(p0)[:, None, :, None] * p1[None, :, None, :]).reshape(len(p0), len(p1), -1)

    def onsite_term(self, x, dk) -> np.ndarray:
        """|Delta B|^2 summed to q_max, (n0, n1), for the products ``x`` of :meth:`products`."""
        return np.einsum("abx,xy,aby->ab", x, self.gram(dk), np.conj(x), optimize=True).real

    def cross_term(self, x, q, w, rho) -> np.ndarray:
        """2 Re[rho~^* Delta B] summed over the Q ``q`` (n, 3) with Eq. 18's weights ``w``
        (n), where the pseudo pair densities are ``rho`` (n0, n1, n)."""
        bq = self.rec.form_factors(q).reshape(x.shape[-1], -1)          # (x, n)
        c = np.einsum("abn,xn->abx", np.conj(rho) * w, bq, optimize=True)
        return 2.0 * np.einsum("abx,abx->ab", c, x).real

    def pair_rows(self, i0: int, j: int, dk, q_held, w_held, rho_held) -> np.ndarray:
        """The on-site and cross terms (n0, n1) between the lowest n0 states of point i0 and
        the lowest n1 of point j: ``q_held`` (n, 3) the Q where the pseudo pair densities
        ``rho_held`` (n0, n1, n) are held with Eq. 18's weights ``w_held``."""
        x = self.products(self.proj[i0][:rho_held.shape[0]], self.proj[j][:rho_held.shape[1]])
        out = self.onsite_term(x, dk)
        keep = np.linalg.norm(q_held, axis=1) <= self.q_max
        if np.any(keep):
            out += self.cross_term(x, q_held[keep], w_held[keep], rho_held[..., keep])
        return out


def _rows(u0, k0, u_all, k_all, g, omega, ktf2, workers, g_cut2=None, onsite=None, i0=None,
          js=None, n_bands=None):
    """M[n, j, n'] (Hartree) of the state block u0 at k0 against the points ``js`` (default
    all) of ``u_all`` (module doc); with ``n_bands`` (per point of ``u_all``) only the lowest
    n_bands[j] states of point j enter (the rest of the row is zero); with ``g_cut2``
    (bohr^-2) the sum runs over |k - k' + G|^2 <= g_cut2 only; with ``onsite``
    (:class:`OnsiteTerms`, k0 the mesh point ``i0``) the pair densities are reconstructed
    inside the spheres."""
    nb = u0.shape[0]
    js = np.arange(len(k_all)) if js is None else np.asarray(js, dtype=np.int64)
    n_bands = np.full(len(k_all), u_all.shape[1]) if n_bands is None else np.asarray(n_bands)
    n_r = int(np.prod(u0.shape[1:]))
    out = np.zeros((nb, len(js), u_all.shape[1]))
    u0c = np.conj(u0)
    for col, j in enumerate(js):
        nj = int(n_bands[j])
        u1, k1 = u_all[j, :nj], k_all[j]
        q = np.asarray(k0) - np.asarray(k1) - g
        q2 = (q * q).sum(axis=-1)
        w = (4.0 * np.pi / omega) / (q2 + ktf2)
        if g_cut2 is not None:
            w = np.where(q2 <= g_cut2, w, 0.0)
        held = (w > 0.0).ravel()
        rho_held = np.empty((nb, nj, int(held.sum())), complex) if onsite is not None else None
        for n in range(nb):
            rho = scipy.fft.fftn(u0c[n][None] * u1, axes=(1, 2, 3), workers=workers) / n_r
            out[n, col, :nj] = (np.abs(rho) ** 2).reshape(nj, -1) @ w.ravel()
            if onsite is not None:
                rho_held[n] = rho.reshape(nj, -1)[:, held]
        if onsite is not None:
            out[:, col, :nj] += onsite.pair_rows(i0, int(j), np.asarray(k0) - np.asarray(k1),
                                                 q.reshape(-1, 3)[held], w.ravel()[held], rho_held)
    return out


def little_group_orbits(cell, m: int, i0: int, rotations=None) -> np.ndarray:
    """For every point k' of the m^3 mesh, the lowest index of its orbit under the little
    group of the mesh point ``i0`` (the operations with S k = k modulo the reciprocal
    lattice): M(k, S k') = M(k, k') for those S, so one k' per orbit is computed."""
    return _orbit_representatives(_grid_ops(cell, m, rotations), m, i0)


def _orbit_representatives(t, m: int, i0: int) -> np.ndarray:
    """:func:`little_group_orbits` for the integer operations ``t`` on mesh indices."""
    gidx = np.rint(mesh_fractions(m) * m).astype(np.int64)
    stab = [ti for ti in t if int(_index(gidx[i0] @ ti, m)) == int(i0)]
    return np.stack([_index(gidx @ ti, m) for ti in stab]).min(axis=0)


def mesh_coulomb_matrix(u, energies, cell, m: int, ktf2: float, *, rotations=None,
                        degeneracy_tol: float = 1e-3, n_keep: int | None = None,
                        workers: int = 1, g_cut2: float | None = None,
                        onsite: OnsiteTerms | None = None, little_group: bool = True) -> dict:
    """K^TF-ME (Eq. 18, Hartree) between all states of the bands of ``u`` on the
    Gamma-centred m^3 mesh, computed for the irreducible k only and completed by the
    point group (M(Sk, Sk') = M(k, k')) after averaging over degenerate bands.

    Work saved without approximation: in the row of an irreducible k only one k' per
    orbit of the little group of k is computed (M(k, Sk') = M(k, k') for Sk = k; 1255
    of the 3456 pairs of a cubic 6^3 mesh), and at each point only the bands that share
    a degenerate set with the kept ones enter the pair densities.

    Parameters
    ----------
    u : (m^3, n_b, n1, n2, n3) complex
        Periodic parts at the points of :func:`mesh_fractions` (that order), normalised
        to (1/N_r) sum_r |u|^2 = 1.
    energies : (m^3, n_b) float
        Band energies (any unit, ascending per k) for the degenerate sets.
    cell : (3, 3) lattice vectors as rows (bohr).
    degeneracy_tol : bands closer than this (units of ``energies``) are averaged.
    n_keep : bands returned (default all).  The bands above ``n_keep`` serve only to
        complete the degenerate sets that straddle it: a set cut by the top of ``u``
        is not invariant under the group and its copies differ.
    g_cut2 : if given, the G sum of Eq. 18 runs over |k - k' + G|^2 <= g_cut2 (bohr^-2,
        the cutoff in Ry) only, and the grid of ``u`` need only hold those components
        of the products without aliasing (:func:`truncated_fft_shape`); default: all
        G of a grid that holds the whole products.
    onsite : :class:`OnsiteTerms` of the mesh states: pair densities reconstructed
        inside the core spheres (default: pseudo pair densities only).
    little_group : compute one k' per orbit of the little group of each irreducible k
        (default) or every k' (the reference the tests compare with).  The copies of an
        element under the little group are then equal by construction, so
        ``orbit_spread`` is measured on one computed extra image per row instead: the
        k' of a largest orbit that is not its lowest index.

    Returns
    -------
    dict with ``matrix`` (n_b, m^3, n_b, m^3) Hartree, ``irreducible`` (indices),
    ``degeneracy`` (m^3, n_b: size of each state's averaged set, bands above n_keep
    included), ``pairs`` (the (k, k') pairs computed, spot checks included), the
    largest relative difference between symmetry-equivalent copies (``orbit_spread``)
    and of M against its transpose before symmetrisation (``asymmetry``).
    """
    cell = np.asarray(cell, float)
    n_k = m ** 3
    if u.shape[0] != n_k or np.shape(energies)[:2] != (n_k, u.shape[1]):
        raise InputError(None, "wavefunctions", f"got {u.shape[0]} k points and energies "
                         f"{np.shape(energies)}; expected {n_k} points (the {m}^3 mesh)")
    omega = abs(np.linalg.det(cell))
    b = bzgrid.reciprocal_cell(cell)
    k_cart = mesh_fractions(m) @ b
    g = fft_gvectors(u.shape[2:], cell)
    irr, t = irreducible_mesh(cell, m, rotations)
    nb = u.shape[1]
    keep = nb if n_keep is None else int(n_keep)
    if not 1 <= keep <= nb:
        raise InputError(None, "n_keep", f"got {n_keep}; expected 1..{nb}")
    avg = np.stack([degenerate_average(e, degeneracy_tol) for e in np.asarray(energies)])
    # bands needed per point: those in a degenerate set of a kept band (avg is block diagonal)
    need = np.array([int(np.nonzero(a[keep - 1])[0].max()) + 1 for a in avg])

    def averaged(i0, js):
        r = _rows(u[i0, :need[i0]], k_cart[i0], u, k_cart, g, omega, ktf2, workers, g_cut2, onsite,
                  i0, js=js, n_bands=need)                                     # (need, len(js), nb)
        return np.einsum("ab,bjc,jdc->ajd", avg[i0][:, :need[i0]], r, avg[js])[:keep, :, :keep]

    rows = np.empty((irr.size, keep, n_k, keep))
    spot, pairs = 0.0, 0
    for i, i0 in enumerate(irr):
        rep = _orbit_representatives(t, m, i0) if little_group else np.arange(n_k)
        reps, col = np.unique(rep, return_inverse=True)
        r = averaged(i0, reps)
        rows[i] = r[:, col, :]
        pairs += reps.size
        size = np.bincount(col)
        if little_group and size.max() > 1:            # one computed image of a largest orbit
            big = np.nonzero(col == int(np.argmax(size)))[0]
            j = int(big[big != reps[int(np.argmax(size))]][0])
            extra = averaged(i0, np.array([j]))[:, 0, :]
            spot = max(spot, float(np.abs(extra - rows[i][:, j, :]).max() / np.abs(r).max()))
            pairs += 1
    out = complete_mesh_matrix(rows, irr, cell, m, rotations)
    out["orbit_spread"] = max(out["orbit_spread"], spot)
    deg = np.rint(1.0 / np.diagonal(avg, axis1=1, axis2=2)[:, :keep]).astype(np.int64)
    return {**out, "rows": rows, "irreducible": irr, "degeneracy": deg, "pairs": pairs}


def complete_mesh_matrix(rows, irr, cell, m: int, rotations=None) -> dict:
    """The full matrix (n_b, m^3, n_b, m^3) from its irreducible rows
    ``rows[i, n, k', n'] = M(n k_irr[i], n' k')`` by M(S k, S k') = M(k, k') over the point
    group, symmetrised, with the largest relative difference between the copies of an
    element (``orbit_spread``) and against the transpose before symmetrisation
    (``asymmetry``).  Used when the matrix is computed and when a cache of its rows is read."""
    rows = np.asarray(rows, float)
    irr = np.asarray(irr, dtype=np.int64)
    irr_ref, t = irreducible_mesh(cell, m, rotations)
    n_k = m ** 3
    keep = rows.shape[1]
    if not np.array_equal(irr, irr_ref) or rows.shape != (irr.size, keep, n_k, keep):
        raise InputError(None, "irreducible rows", f"got points {irr.tolist()} and rows {rows.shape}; "
                         f"expected points {irr_ref.tolist()} of the {m}^3 mesh and (n_irr, n_b, {n_k}, n_b)")
    full = np.full((keep, n_k, keep, n_k), np.nan)
    spread = 0.0
    gidx = np.rint(mesh_fractions(m) * m).astype(np.int64)
    for i, i0 in enumerate(irr):
        rt = rows[i].transpose(1, 0, 2)                   # (k', n, n') as full[:, k1, :, k2]
        scale = np.abs(rt).max()
        for ti in t:
            k1 = int(_index(gidx[i0] @ ti, m))
            k2 = _index(gidx @ ti, m)
            old = full[:, k1, :, k2]
            if np.isfinite(old).all():
                spread = max(spread, float(np.abs(old - rt).max() / scale))
            full[:, k1, :, k2] = rt
    if not np.isfinite(full).all():
        raise InputError(None, "mesh", f"the {m}^3 mesh is not closed under the point group")
    flat = full.reshape(keep * n_k, keep * n_k)
    asym = float(np.abs(flat - flat.T).max() / np.abs(flat).max())
    flat = 0.5 * (flat + flat.T)
    return {"matrix": flat.reshape(keep, n_k, keep, n_k), "orbit_spread": spread, "asymmetry": asym}


def ratio_by_energy(ma, mb, rows, energy, edges) -> list:
    """How one matrix differs from another by energy (the records in resources/abinitio/coulomb/):
    for the states ``rows`` (mask over (band, k)) against the states of each bin [lo, hi) of
    ``energy`` (band, k; ``edges`` in its unit), the mean of ``mb`` over the mean of ``ma`` and
    the smallest and largest single ratio, or None for a bin without states.  ``ma``, ``mb``:
    (band, k, band, k) as :func:`full_matrix` gives them."""
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        col = (energy >= lo) & (energy < hi)
        if not col.any():
            out.append(None)
            continue
        a, b = ma[rows][:, col], mb[rows][:, col]
        out.append((b.mean() / a.mean(), float(np.min(b / a)), float(np.max(b / a))))
    return out


def ratio_cells(ratios) -> list[str]:
    """Markdown cells of :func:`ratio_by_energy`: mean ratio (smallest..largest)."""
    return ["no states" if r is None else f"{r[0]:.3f} ({r[1]:.2f}..{r[2]:.2f})" for r in ratios]


def full_matrix(ds) -> np.ndarray:
    """K^TF-ME (meV atom) of every pair of mesh states, (band, k, band2, k2), from the
    irreducible rows of a :func:`scimodel.qe.coulomb_mesh.coulomb_dataset` (completed by the point group and
    symmetrised exactly as when it was computed)."""
    need = ("coulomb_me_irr", "cell")
    miss = [v for v in need if v not in ds]
    if miss or "mesh" not in ds.attrs:
        raise InputError(ds.encoding.get("source"), ", ".join(miss) or "mesh",
                         "missing: expected a TF-ME matrix dataset (scimodel.qe.coulomb_mesh.coulomb_dataset)")
    v = ds["coulomb_me_irr"]
    if v.attrs.get("units") != "meV":
        raise InputError(ds.encoding.get("source"), "coulomb_me_irr.units",
                         f"got {v.attrs.get('units')!r}; expected 'meV'")
    rows = v.transpose("k_irr", "band", "k2", "band2").values
    return complete_mesh_matrix(rows, ds["k_irr"].values, ds["cell"].values, int(ds.attrs["mesh"]))["matrix"]
