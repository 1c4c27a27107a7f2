"""Stars of lattice vectors and their star functions, the basis of the band fit of
:mod:`scimodel.scdft.bands` (same conventions: ``cell`` rows a_i in bohr, k in 1/bohr,
rotations as Cartesian 3x3 matrices acting on column vectors).

Star functions
--------------
With the point group {W} (``n_ops`` operations; time reversal k -> -k is
added as the inversion -1 if the group lacks it, so e(k) = e(-k) is assumed,
as it holds without magnetism), the star function of a lattice vector R is

    S_R(k) = (1/n_ops) sum_W exp(i k . W R) = (1/|star R|) sum_{R' in star R} cos(k . R'),

real because the star {W R} is closed under R -> -R.  Stars are ordered by
|R|, one representative each, S_0 = 1.

The roughness rho(R) of Pickett, Krakauer & Allen (PRB 38, 2721 (1988)) that the fit
minimises is :func:`roughness`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..numba_config import pjit, prange
from .bzgrid import _TOL, _cell, _lattice_matrices, _points, cart_to_frac, reciprocal_cell

#: Roughness parameters c1, c2 of Pickett, Krakauer & Allen (1988).
C1 = 0.75
C2 = 0.75


# --------------------------------------------------------------------------- stars

@dataclass
class Stars:
    """Stars of lattice vectors, ordered by length.

    Attributes
    ----------
    vectors : (n_half, 3) int
        Half of the members of every star (one of each pair R, -R; the origin for
        star 0), integer coordinates n (R = n @ cell), grouped by star.
    star : (n_half,) int
        Star index of each entry of ``vectors``.
    start : (n_stars + 1,) int
        ``vectors[start[m]:start[m+1]]`` belong to star m.
    size : (n_stars,) int
        Number of members of each star (both halves).
    radius : (n_stars,) float
        |R| of each star (bohr).
    cell : (3, 3) float
    """

    vectors: np.ndarray
    star: np.ndarray
    start: np.ndarray
    size: np.ndarray
    radius: np.ndarray
    cell: np.ndarray

    @property
    def n_stars(self) -> int:
        return int(self.size.size)

    @property
    def n_members(self) -> int:
        """Number of lattice vectors of all stars (both halves)."""
        return int(self.size.sum())

    @property
    def half_size(self) -> np.ndarray:
        """Entries per star in ``vectors`` (|star|/2, 1 for the origin)."""
        return np.diff(self.start)


def _image_codes(n, mops, nmax, span) -> np.ndarray:
    """Codes (n_vectors, n_ops) of the images W n of integer lattice vectors under the
    lattice matrices ``mops``, each a single integer of the box |n_i| <= nmax_i (the
    NumPy twin of :func:`_star_keys_nb`, whose maximum over the images is the key)."""
    imgs = (n @ mops.transpose(1, 0, 2).reshape(3, -1)).reshape(n.shape[0], -1, 3) + nmax
    return (imgs[..., 0] * span[1] + imgs[..., 1]) * span[2] + imgs[..., 2]


@pjit
def _star_keys_nb(n, mops, nmax, span, key):
    """key[i] = max over the operations of the code of W n_i (:func:`_image_codes`): equal
    for the vectors of one star, without the (n_vectors, n_ops, 3) array of images."""
    for i in prange(n.shape[0]):
        best = -1
        for o in range(mops.shape[0]):
            c = 0
            for d in range(3):
                v = n[i, 0] * mops[o, 0, d] + n[i, 1] * mops[o, 1, d] + n[i, 2] * mops[o, 2, d]
                c = c * span[d] + v + nmax[d]
            if c > best:
                best = c
        key[i] = best


def find_stars(cell, rotations, n_stars: int) -> Stars:
    """The shortest stars of the lattice, at least ``n_stars`` (whole shells of equal |R|).

    Parameters
    ----------
    cell : (3, 3) array
        Rows a_i (bohr).
    rotations : (n_ops, 3, 3) array
        A point group containing the inversion (see :func:`symmetry_group`).
    n_stars : int
        Minimum number of stars, the origin included.
    """
    a = _cell(cell)
    ops = np.asarray(rotations, float)
    if int(n_stars) < 1:
        raise InputError(None, "n_stars", f"got {n_stars}; expected >= 1")
    n_stars = int(n_stars)
    if not any(np.allclose(w, -np.eye(3), atol=_TOL) for w in ops):
        raise InputError(None, "rotations", "the group must contain the inversion (time reversal); "
                         "see symmetry_group")
    mops = np.rint(_lattice_matrices(a, ops)).astype(np.int64)
    b = reciprocal_cell(a)
    vol = abs(np.linalg.det(a))
    # enough lattice points: ~ n_stars x n_ops in a sphere (every generic star has n_ops members)
    radius = (3.0 * n_stars * len(ops) * vol / (4.0 * np.pi)) ** (1.0 / 3.0) * 1.2 \
        + np.linalg.norm(a, axis=1).max()
    while True:
        nmax = np.floor(radius * np.linalg.norm(b, axis=1) / (2.0 * np.pi)).astype(np.int64) + 1
        grids = np.meshgrid(*[np.arange(-m, m + 1) for m in nmax], indexing="ij")
        n = np.stack([g.ravel() for g in grids], axis=1)
        r2 = ((n @ a) ** 2).sum(axis=1)
        n = n[r2 <= radius * radius]
        r2 = r2[r2 <= radius * radius]
        span = 2 * nmax + 1
        key = np.empty(n.shape[0], np.int64)     # canonical code of the star of each vector
        _star_keys_nb(np.ascontiguousarray(n), mops, nmax, span, key)
        ukey, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True,
                                                 return_counts=True)
        sc = np.sort(_image_codes(n[first], mops, nmax, span), axis=1)
        orbit = 1 + (np.diff(sc, axis=1) != 0).sum(axis=1)          # size of each star
        rad = np.sqrt(np.maximum(r2[first], 0.0))
        inside = (counts == orbit) & (rad < radius * (1.0 - 1e-9))   # whole stars only
        rmin = rad[rad > 0].min()
        order = [i for i in np.lexsort((ukey, np.round(rad / rmin, 8))) if inside[i]]
        # whole shells: extend past n_stars while |R| stays the same
        m = n_stars
        while m < len(order) and abs(rad[order[m]] - rad[order[m - 1]]) <= 1e-9 * rad[order[m]]:
            m += 1
        if m < len(order):      # else a shell may continue past the enumerated sphere
            break
        radius *= 1.3
    order = np.array(order[:m])
    rank = np.full(ukey.size, -1, np.int64)
    rank[order] = np.arange(m)
    star_of = rank[inverse]
    keep = star_of >= 0
    n, star_of = n[keep], star_of[keep]
    # code of each vector and of -n: keep one of each pair
    own = ((n[:, 0] + nmax[0]) * span[1] + (n[:, 1] + nmax[1])) * span[2] + (n[:, 2] + nmax[2])
    neg = ((-n[:, 0] + nmax[0]) * span[1] + (-n[:, 1] + nmax[1])) * span[2] + (-n[:, 2] + nmax[2])
    half = own >= neg                                             # one of R, -R (and R = 0)
    n, star_of, own = n[half], star_of[half], own[half]
    idx = np.lexsort((own, star_of))
    n, star_of = n[idx], star_of[idx]
    hcount = np.bincount(star_of, minlength=m)
    start = np.concatenate([[0], np.cumsum(hcount)])
    size = 2 * hcount
    size[0] = 1
    return Stars(vectors=n, star=star_of, start=start, size=size, radius=rad[order] * 1.0,
                 cell=a)


def roughness(radius, c1: float = C1, c2: float = C2) -> np.ndarray:
    """rho(R) = (1 - c1 (R/Rmin)^2)^2 + c2 (R/Rmin)^6, Rmin = smallest non-zero R."""
    r = np.asarray(radius, float)
    rmin = r[r > 0].min()
    x2 = (r / rmin) ** 2
    return (1.0 - c1 * x2) ** 2 + c2 * x2 ** 3


def star_functions(k_cart, stars: Stars, chunk: int = 4096) -> np.ndarray:
    """S_m(k) (n_k, n_stars) of Cartesian k (1/bohr), by direct summation."""
    k = _points(k_cart, "k_cart")
    rc = stars.vectors @ stars.cell
    hs = stars.half_size.astype(float)
    out = np.empty((k.shape[0], stars.n_stars))
    for s in range(0, k.shape[0], chunk):
        c = np.cos(k[s:s + chunk] @ rc.T)
        out[s:s + chunk] = np.add.reduceat(c, stars.start[:-1], axis=1) / hs
    return out


def mesh_indices(k_cart, cell, mesh: int) -> np.ndarray:
    """Integer coordinates f (k = sum_i f_i b_i / mesh) of Cartesian points on a
    Gamma-centred ``mesh``^3 grid; InputError for a point off the grid."""
    f = cart_to_frac(_points(k_cart, "k_cart"), cell) * int(mesh)
    n = np.rint(f)
    if np.abs(f - n).max(initial=0.0) > 1e-6:
        raise InputError(None, "kpts_cart", f"points off the Gamma-centred {mesh}^3 mesh")
    return n.astype(np.int64)


@pjit
def _mesh_star_nb(f, mesh, vectors, start, half_size, out):
    """Numba kernel of :func:`star_functions_on_mesh`: k.R = 2 pi (f . n) / mesh, so
    cos(k.R) is a lookup in the mesh's table of cosines."""
    table = np.cos(2.0 * np.pi * np.arange(mesh) / mesh)
    for i in prange(f.shape[0]):
        f0, f1, f2 = f[i, 0], f[i, 1], f[i, 2]
        for m in range(start.size - 1):
            acc = 0.0
            for j in range(start[m], start[m + 1]):
                p = (f0 * vectors[j, 0] + f1 * vectors[j, 1] + f2 * vectors[j, 2]) % mesh
                if p < 0:
                    p += mesh
                acc += table[p]
            out[i, m] = acc / half_size[m]


def star_functions_on_mesh(k_cart, stars: Stars, mesh: int) -> np.ndarray:
    """S_m(k) (n_k, n_stars) for points of a Gamma-centred ``mesh``^3 grid: the
    same numbers as :func:`star_functions` (its NumPy twin), without a cosine per
    (point, lattice vector)."""
    f = mesh_indices(k_cart, stars.cell, mesh)
    out = np.empty((f.shape[0], stars.n_stars))
    _mesh_star_nb(f, int(mesh), stars.vectors.astype(np.int64), stars.start.astype(np.int64),
                  stars.half_size.astype(float), out)
    return out
