"""Electronic DOS by the linear tetrahedron method from QE eigenvalues.

QE 6.7's own tetrahedron set-up (``occupations='tetrahedra_opt'``) scales
like N_k(full grid) x N_k(irreducible) and does not finish in minutes on a
32^3 grid, and a Gaussian-broadened DOS on such a grid is noisy for steep
bands (Pb: N(E_F) changed by 14 % between 27 and 54 meV broadening).  So the
nscf run is done with Gaussian smearing on a Gamma-centred grid, and here:

1. :func:`unfold_cubic` spreads the irreducible eigenvalues over the full
   n x n x n grid with the 48 operations of the cubic group O_h (all our
   metals are fcc or bcc with full cubic symmetry); it fails loudly if a grid
   point is not reached;
2. :func:`integrated_dos` is the linear-tetrahedron number of states n(E)
   (six tetrahedra per grid cell along the shortest diagonal... here the
   (0,0,0)-(1,1,1) diagonal of the cell in crystal coordinates, as in
   Bloechl, Jepsen & Andersen, PRB 49, 16223 (1994), without the Bloechl
   correction), per spin per cell, each band holding one state;
3. :func:`tetrahedron_dos` returns the DOS as bin averages
   [n(E + dE/2) - n(E - dE/2)] / dE (exact for the linear interpolation,
   smoothed by a dE box) and :func:`fermi_level` the E_F with n(E_F) = N.

Energies are in whatever unit the caller uses (eV from the QE XML).
Numba kernels and their NumPy twins: :func:`_nos_nb` (n(E), tetrahedra summed in
chunks on the Numba threads) and :func:`_nos_np`; :func:`_gather_sorted_nb` (sorted
corner energies) and :func:`_tetra_energies_np`; :func:`_fermi_bisect_nb` (bisection
on a shrinking list of tetrahedra) and the plain bisection of :func:`fermi_level`.
"""
from __future__ import annotations

import functools
import itertools

import numba
import numpy as np

from .errors import InputError
from .numba_config import jit, pjit, prange

# The six tetrahedra of a cell with corners c = (i, j, k) in {0, 1}^3, all
# sharing the (0,0,0)-(1,1,1) diagonal: paths 000 -> e_a -> e_a + e_b -> 111.
_CORNERS = np.array(list(itertools.product((0, 1), repeat=3)), dtype=np.int64)
_TETRA = np.array([
    [0b000, 0b000 | (1 << (2 - a)), 0b000 | (1 << (2 - a)) | (1 << (2 - b)), 0b111]
    for a, b in itertools.permutations(range(3), 2)
], dtype=np.int64)   # corner index = 4 i + 2 j + k


def cubic_point_group() -> np.ndarray:
    """The 48 proper and improper rotations of O_h as Cartesian 3x3 matrices."""
    ops = []
    for perm in itertools.permutations(range(3)):
        for signs in itertools.product((1, -1), repeat=3):
            m = np.zeros((3, 3))
            for r, (c, s) in enumerate(zip(perm, signs)):
                m[r, c] = s
            ops.append(m)
    return np.array(ops)


def unfold_cubic(k_cart: np.ndarray, eig: np.ndarray, cell: np.ndarray, n: int) -> np.ndarray:
    """Eigenvalues on the full Gamma-centred n^3 grid from the irreducible wedge.

    Parameters
    ----------
    k_cart : (nk, 3) irreducible k points, Cartesian, in units of 2 pi / alat (QE XML).
    eig : (nk, nbnd) eigenvalues.
    cell : (3, 3) direct lattice vectors a_i as rows, in units of alat.
    n : grid size.

    Returns (n, n, n, nbnd) with index (i, j, k) = crystal coordinates (i, j, k)/n.
    """
    k_cart = np.asarray(k_cart, float)
    eig = np.asarray(eig, float)
    full = np.full((n, n, n, eig.shape[1]), np.nan)
    filled = np.zeros((n, n, n), bool)
    for op in cubic_point_group():
        kr = k_cart @ op.T                       # rotated k (Cartesian)
        crys = kr @ np.asarray(cell, float).T * n   # k . a_i * n
        idx = np.rint(crys)
        if np.max(np.abs(crys - idx)) > 1e-4:
            raise InputError(None, "k points", "k points are not on a Gamma-centred "
                             f"{n}^3 grid (or the cell is not cubic)")
        idx = idx.astype(np.int64) % n
        full[idx[:, 0], idx[:, 1], idx[:, 2]] = eig
        filled[idx[:, 0], idx[:, 1], idx[:, 2]] = True
    if not filled.all():
        raise InputError(None, "k points", f"{(~filled).sum()} of {n ** 3} grid points not "
                         "reached by the cubic group: not a full-symmetry cubic wedge")
    return full


def _tetra_corners(n: int) -> np.ndarray:
    """(6 n^3, 4, 3) grid indices of the tetrahedron corners."""
    i, j, k = np.meshgrid(np.arange(n), np.arange(n), np.arange(n), indexing="ij")
    base = np.stack([i.ravel(), j.ravel(), k.ravel()], axis=1)          # (n^3, 3)
    out = np.empty((base.shape[0], 6, 4, 3), np.int64)
    for t in range(6):
        for c in range(4):
            out[:, t, c, :] = (base + _CORNERS[_TETRA[t, c]]) % n
    return out.reshape(-1, 4, 3)


@functools.lru_cache(maxsize=2)
def _tetra_corners_flat(n: int) -> np.ndarray:
    """(6 n^3, 4) flat indices (i n + j) n + k of the corners of :func:`_tetra_corners`,
    in the same order; built once per n (read-only; 85 MB for n = 96)."""
    dtype = np.int32 if n ** 3 < 2 ** 31 else np.int64
    i, j, k = np.meshgrid(np.arange(n), np.arange(n), np.arange(n), indexing="ij")
    base = np.stack([i.ravel(), j.ravel(), k.ravel()], axis=1)
    out = np.empty((base.shape[0], 6, 4), dtype)
    for t in range(6):
        for c in range(4):
            g = (base + _CORNERS[_TETRA[t, c]]) % n
            out[:, t, c] = (g[:, 0] * n + g[:, 1]) * n + g[:, 2]
    out = out.reshape(-1, 4)
    out.flags.writeable = False
    return out


def _tetra_energies_np(full: np.ndarray) -> np.ndarray:
    """NumPy twin of :func:`_tetra_energies` (gather by grid indices, ``np.sort``)."""
    c = _tetra_corners(full.shape[0])
    e = full[c[:, :, 0], c[:, :, 1], c[:, :, 2]]      # (ntetra, 4, nbnd)
    return np.sort(np.transpose(e, (0, 2, 1)), axis=2)


@pjit
def _gather_sorted_nb(flat, corners):
    """(ntetra, nbnd, 4) corner energies of ``flat`` (n^3, nbnd) at ``corners`` (ntetra, 4),
    each quadruple sorted (five-comparator network)."""
    nt, nb = corners.shape[0], flat.shape[1]
    out = np.empty((nt, nb, 4))
    for t in prange(nt):
        c0, c1, c2, c3 = corners[t, 0], corners[t, 1], corners[t, 2], corners[t, 3]
        for b in range(nb):
            a, x, y, d = flat[c0, b], flat[c1, b], flat[c2, b], flat[c3, b]
            if a > x:
                a, x = x, a
            if y > d:
                y, d = d, y
            if a > y:
                a, y = y, a
            if x > d:
                x, d = d, x
            if x > y:
                x, y = y, x
            out[t, b, 0] = a
            out[t, b, 1] = x
            out[t, b, 2] = y
            out[t, b, 3] = d
    return out


def _tetra_energies(full: np.ndarray) -> np.ndarray:
    """(ntetra, nbnd, 4) sorted corner energies (NumPy twin :func:`_tetra_energies_np`)."""
    n = full.shape[0]
    flat = np.ascontiguousarray(np.asarray(full, float).reshape(n ** 3, -1))
    return _gather_sorted_nb(flat, _tetra_corners_flat(n))


def _nos_one(e1, e2, e3, e4, x):
    """Number of states below x of one tetrahedron (weight 1), linear interpolation."""
    if x <= e1:
        return 0.0
    if x >= e4:
        return 1.0
    if x < e2:
        return (x - e1) ** 3 / ((e2 - e1) * (e3 - e1) * (e4 - e1))
    if x < e3:
        e21, e31, e41, e32, e42 = e2 - e1, e3 - e1, e4 - e1, e3 - e2, e4 - e2
        d = x - e2
        return (e21 * e21 + 3.0 * e21 * d + 3.0 * d * d
                - (e31 + e42) / (e32 * e42) * d ** 3) / (e31 * e41)
    return 1.0 - (e4 - x) ** 3 / ((e4 - e1) * (e4 - e2) * (e4 - e3))


_nos_one_nb = jit(_nos_one)


@pjit
def _nos_chunks_nb(et, edges, n_chunks):
    """Per-chunk sums of :func:`_nos_nb`: chunk c of the tetrahedra adds its n(E) inside
    each tetrahedron to ``part[c]`` and its full weights above the tops to ``step[c]``."""
    ne = edges.shape[0]
    nt, nb = et.shape[0], et.shape[1]
    w = 1.0 / nt
    part = np.zeros((n_chunks, ne))
    step = np.zeros((n_chunks, ne + 1))
    for c in prange(n_chunks):
        for t in range(c * nt // n_chunks, (c + 1) * nt // n_chunks):
            for b in range(nb):
                e1, e2, e3, e4 = et[t, b, 0], et[t, b, 1], et[t, b, 2], et[t, b, 3]
                lo = np.searchsorted(edges, e1, side="right")        # first edge > e1
                hi = np.searchsorted(edges, e4, side="left")         # first edge >= e4
                step[c, hi] += w
                if hi <= lo:
                    continue
                i2 = max(lo, min(hi, np.searchsorted(edges, e2, side="left")))
                i3 = max(i2, min(hi, np.searchsorted(edges, e3, side="left")))
                if i2 > lo:                                          # e1 < x < e2
                    f = w / ((e2 - e1) * (e3 - e1) * (e4 - e1))
                    for j in range(lo, i2):
                        d = edges[j] - e1
                        part[c, j] += f * d * d * d
                if i3 > i2:                                          # e2 <= x < e3
                    e21, e31, e41, e32, e42 = e2 - e1, e3 - e1, e4 - e1, e3 - e2, e4 - e2
                    f = w / (e31 * e41)
                    g = (e31 + e42) / (e32 * e42)
                    for j in range(i2, i3):
                        d = edges[j] - e2
                        part[c, j] += f * (e21 * e21 + 3.0 * e21 * d + 3.0 * d * d - g * d * d * d)
                if hi > i3:                                          # e3 <= x < e4
                    f = 1.0 / ((e4 - e1) * (e4 - e2) * (e4 - e3))
                    for j in range(i3, hi):
                        d = e4 - edges[j]
                        part[c, j] += w * (1.0 - f * d * d * d)
    return part, step


def _nos_nb(et, edges):
    """n(E) at the sorted ``edges`` summed over tetrahedra and bands, weight 1/ntetra each.

    et : (ntetra, nbnd, 4) sorted corner energies.  Edges above a tetrahedron's
    top get its full weight through a step array (cumulated at the end), so
    the cost is proportional to the number of edges inside each tetrahedron; each
    of the three pieces of n(E) is a loop of its own, and the tetrahedra are split
    into chunks summed on the Numba threads (:func:`_nos_chunks_nb`)."""
    n_chunks = max(1, min(4 * numba.get_num_threads(), et.shape[0]))
    part, step = _nos_chunks_nb(et, edges, n_chunks)
    return part.sum(axis=0) + np.cumsum(step.sum(axis=0))[:edges.shape[0]]


def _nos_np(et, edges):
    """NumPy twin of :func:`_nos_nb` (vectorised over edges)."""
    out = np.zeros(edges.shape[0])
    nt = et.shape[0]
    e = et.reshape(-1, 4)
    for e1, e2, e3, e4 in e:
        x = edges
        v = np.zeros_like(x)
        v[x >= e4] = 1.0
        m1 = (x > e1) & (x < e2) & (x < e4)
        v[m1] = (x[m1] - e1) ** 3 / ((e2 - e1) * (e3 - e1) * (e4 - e1))
        m2 = (x >= e2) & (x < e3) & (x > e1) & (x < e4)
        if m2.any():
            e21, e31, e41, e32, e42 = e2 - e1, e3 - e1, e4 - e1, e3 - e2, e4 - e2
            d = x[m2] - e2
            v[m2] = (e21 * e21 + 3 * e21 * d + 3 * d * d - (e31 + e42) / (e32 * e42) * d ** 3) / (e31 * e41)
        m3 = (x >= e3) & (x < e4) & (x > e1)
        v[m3] = 1.0 - (e4 - x[m3]) ** 3 / ((e4 - e1) * (e4 - e2) * (e4 - e3))
        out += v / nt
    return out


def integrated_dos(full: np.ndarray, energies: np.ndarray, *, numpy: bool = False) -> np.ndarray:
    """Linear-tetrahedron number of states per spin per cell below each energy.

    ``full`` is (n, n, n, nbnd) (from :func:`unfold_cubic`); ``energies`` sorted.
    """
    et = np.ascontiguousarray(_tetra_energies(np.asarray(full, float)))
    edges = np.ascontiguousarray(np.asarray(energies, float))
    if np.any(np.diff(edges) < 0):
        raise ValueError("energies must be sorted")
    return (_nos_np if numpy else _nos_nb)(et, edges)


def tetrahedron_dos(full: np.ndarray, energies: np.ndarray) -> np.ndarray:
    """DOS per spin per cell at the uniform ``energies`` (bin averages of width dE)."""
    e = np.asarray(energies, float)
    de = e[1] - e[0]
    edges = np.concatenate([e - de / 2, [e[-1] + de / 2]])
    nos = integrated_dos(full, edges)
    return np.diff(nos) / de


@jit
def _fermi_bisect_nb(et, w, below, target, lo, hi, tol, max_iter):
    """Bisection of n(E) = ``target`` in [lo, hi]; ``et`` (m, 4) sorted corner energies of
    tetrahedron-bands of weight ``w``, ``below`` the states already counted.  A
    tetrahedron-band wholly below ``lo`` (above ``hi``) counts fully (not at all) at every
    later midpoint, so it leaves the active list: the work per step falls with the bracket."""
    active = np.arange(et.shape[0])
    na = et.shape[0]
    for _ in range(max_iter):
        mid = 0.5 * (lo + hi)
        full = 0
        part = 0.0
        for p in range(na):
            t = active[p]
            if mid >= et[t, 3]:
                full += 1
            elif mid > et[t, 0]:
                part += _nos_one_nb(et[t, 0], et[t, 1], et[t, 2], et[t, 3], mid)
        if below + w * (full + part) < target:
            lo = mid
            q = 0
            for p in range(na):
                t = active[p]
                if et[t, 3] <= lo:
                    below += w
                else:
                    active[q] = t
                    q += 1
        else:
            hi = mid
            q = 0
            for p in range(na):
                t = active[p]
                if et[t, 0] < hi:
                    active[q] = t
                    q += 1
        na = q
        if hi - lo < tol:
            break
    return 0.5 * (lo + hi)


def fermi_level(full: np.ndarray, n_per_spin: float, lo: float, hi: float,
                tol: float = 1e-7, *, numpy: bool = False) -> float:
    """E_F in [``lo``, ``hi``] with n(E_F) = ``n_per_spin`` (bisection on the tetrahedron
    n(E) to ``tol``, in the unit of ``full``).

    Bands entirely below ``lo`` count one state each and bands entirely above ``hi``
    none, so only the bands crossing the bracket enter the tetrahedron table (24 x
    their size in memory).  ValueError when n(lo) < ``n_per_spin`` < n(hi) fails.
    ``numpy``: the plain bisection on :func:`_nos_np` (the twin of the Numba bisection,
    which drops the tetrahedra the bracket has left behind)."""
    full = np.asarray(full, float)
    nb = full.shape[3]
    top, bottom = full.reshape(-1, nb).max(axis=0), full.reshape(-1, nb).min(axis=0)
    below = float(np.sum(top <= lo))
    et = (_tetra_energies_np if numpy else _tetra_energies)(full[..., (top > lo) & (bottom < hi)])
    et = np.ascontiguousarray(et)

    def count(e: float) -> float:
        return below + (_nos_np if numpy else _nos_nb)(et, np.array([e]))[0]

    n_lo, n_hi = count(lo), count(hi)
    if not n_lo < n_per_spin < n_hi:
        raise ValueError(f"{n_per_spin} states per spin: the bands hold {n_lo:.6g} below "
                         f"{lo:g} and {n_hi:.6g} below {hi:g}")
    if not numpy:
        return float(_fermi_bisect_nb(et.reshape(-1, 4), 1.0 / et.shape[0], below, float(n_per_spin),
                                      float(lo), float(hi), float(tol), 200))
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if count(mid) < n_per_spin:
            lo = mid
        else:
            hi = mid
        if hi - lo < tol:
            break
    return 0.5 * (lo + hi)
