"""Cubic cells, k-point conversions, point groups and the irreducible wedge of a
Gamma-centred grid (for the star-function fit of :mod:`.bands`)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError

#: Primitive vectors (rows, units of a) of QE's ibrav = 2 (fcc) and 3 (bcc)
#: (same as :data:`scimodel.qe.PRIMITIVE`).
PRIMITIVE = {"fcc": 0.5 * np.array([[-1, 0, 1], [0, 1, 1], [-1, 1, 0]], float),
             "bcc": 0.5 * np.array([[1, 1, 1], [-1, 1, 1], [-1, -1, 1]], float)}
_TOL = 1e-6     # tolerance of the symmetry checks (integer matrices, orthogonality)


# --------------------------------------------------------------------------- cells, k

def cubic_cell(structure: str, a: float) -> np.ndarray:
    """Primitive cell (rows a_i, bohr) of QE's fcc (ibrav 2) or bcc (ibrav 3) lattice.

    Parameters
    ----------
    structure : {"fcc", "bcc"}
    a : float
        Cubic lattice constant (bohr).
    """
    if structure not in PRIMITIVE:
        raise InputError(None, "structure", f"got {structure!r}; expected one of {sorted(PRIMITIVE)}")
    if not (np.isfinite(a) and a > 0):
        raise InputError(None, "a", f"got {a}; expected a lattice constant > 0 bohr")
    return PRIMITIVE[structure] * float(a)


def _cell(cell) -> np.ndarray:
    c = np.asarray(cell, dtype=float)
    if c.shape != (3, 3) or not np.all(np.isfinite(c)):
        raise InputError(None, "cell", f"got shape {c.shape}; expected finite (3, 3) rows a_i in bohr")
    if abs(np.linalg.det(c)) < 1e-8 * np.prod(np.linalg.norm(c, axis=1)):
        raise InputError(None, "cell", "the lattice vectors are linearly dependent")
    return c


def reciprocal_cell(cell) -> np.ndarray:
    """Reciprocal vectors b_i (rows, 1/bohr), a_i . b_j = 2 pi delta_ij."""
    return 2.0 * np.pi * np.linalg.inv(_cell(cell)).T


def _points(k, name: str) -> np.ndarray:
    k = np.asarray(k, dtype=float)
    if k.ndim == 1 and k.size == 3:
        k = k[None, :]
    if k.ndim != 2 or k.shape[1] != 3:
        raise InputError(None, name, f"got shape {k.shape}; expected (n, 3)")
    if not np.all(np.isfinite(k)):
        raise InputError(None, name, "contains NaN or inf")
    return k


def frac_to_cart(k_frac, cell) -> np.ndarray:
    """Fractional coordinates of the reciprocal cell -> Cartesian k (1/bohr): k_frac @ b."""
    return _points(k_frac, "k_frac") @ reciprocal_cell(cell)


def cart_to_frac(k_cart, cell) -> np.ndarray:
    """Cartesian k (1/bohr) -> fractional coordinates of the reciprocal cell: k . a_i / 2 pi."""
    return _points(k_cart, "k_cart") @ _cell(cell).T / (2.0 * np.pi)


# --------------------------------------------------------------------------- point groups

def oh_group() -> np.ndarray:
    """The 48 operations of O_h (all signed 3x3 permutation matrices), Cartesian, cube axes
    along x, y, z: the point group of the fcc and bcc lattices of :func:`cubic_cell`."""
    from ..abinitio import cubic_point_group

    return cubic_point_group()


def lattice_point_group(cell, tol: float = _TOL) -> np.ndarray:
    """Holohedry of a Bravais lattice: every orthogonal W with W a_i a lattice vector.

    Brute force over the images of a_1, a_2, a_3 among lattice vectors of the same
    length (48 operations for a cubic lattice).  Returns (n_ops, 3, 3) Cartesian.
    """
    a = _cell(cell)
    lengths = np.linalg.norm(a, axis=1)
    b = reciprocal_cell(a)
    nmax = np.ceil(lengths.max() * np.linalg.norm(b, axis=1) / (2 * np.pi)).astype(int) + 1
    grids = np.meshgrid(*[np.arange(-m, m + 1) for m in nmax], indexing="ij")
    n = np.stack([g.ravel() for g in grids], axis=1)
    r = n @ a
    rl = np.linalg.norm(r, axis=1)
    cand = [r[np.abs(rl - lengths[i]) < tol * lengths[i]] for i in range(3)]
    gram = a @ a.T
    ainv = np.linalg.inv(a)
    ops = []
    for v0 in cand[0]:
        for v1 in cand[1]:
            if abs(v0 @ v1 - gram[0, 1]) > tol * lengths[0] * lengths[1]:
                continue
            for v2 in cand[2]:
                if (abs(v0 @ v2 - gram[0, 2]) > tol * lengths[0] * lengths[2]
                        or abs(v1 @ v2 - gram[1, 2]) > tol * lengths[1] * lengths[2]):
                    continue
                # W a_i^T = v_i^T  ->  W = V^T A^-T
                ops.append(np.array([v0, v1, v2]).T @ ainv.T)
    return np.array(ops)


def symmetry_group(cell, rotations=None, time_reversal: bool = True) -> np.ndarray:
    """Validated point group (n_ops, 3, 3), Cartesian, with time reversal.

    Parameters
    ----------
    cell : (3, 3) array
        Rows a_i (bohr).
    rotations : (n, 3, 3) array or None
        Cartesian operations; ``None``: the holohedry (:func:`lattice_point_group`).
        Must be orthogonal, map the lattice onto itself and form a group.
    time_reversal : bool
        Add the inversion -1 (time reversal k -> -k) if it is missing.

    Raises
    ------
    InputError
        ``rotations`` with a wrong shape, a non-orthogonal matrix, an operation
        that does not map the lattice onto itself, or a set that is not closed.
    """
    a = _cell(cell)
    if rotations is None:
        ops = lattice_point_group(a)
    else:
        ops = np.asarray(rotations, dtype=float)
        if ops.ndim != 3 or ops.shape[1:] != (3, 3) or ops.shape[0] < 1:
            raise InputError(None, "rotations", f"got shape {ops.shape}; expected (n_ops, 3, 3)")
    eye = np.eye(3)
    for i, w in enumerate(ops):
        if not np.allclose(w @ w.T, eye, atol=_TOL):
            raise InputError(None, "rotations", f"operation {i} is not orthogonal (Cartesian form expected)")
    m = _lattice_matrices(a, ops)
    if not np.allclose(m, np.rint(m), atol=_TOL):
        bad = int(np.argmax(np.abs(m - np.rint(m)).reshape(len(ops), -1).max(axis=1)))
        raise InputError(None, "rotations", f"operation {bad} does not map the lattice of 'cell' onto itself")
    if time_reversal and not any(np.allclose(w, -eye, atol=_TOL) for w in ops):
        ops = np.concatenate([ops, -ops])
    ops = _unique_ops(ops)
    codes = {_op_key(w) for w in ops}
    for w1 in ops:
        for w2 in ops:
            if _op_key(w1 @ w2) not in codes:
                raise InputError(None, "rotations", "the operations are not closed under "
                                 "multiplication (not a group)")
    return ops


def _op_key(w) -> tuple:
    return tuple(np.rint(np.asarray(w) * 1e5).astype(np.int64).ravel())


def _unique_ops(ops) -> np.ndarray:
    seen, out = set(), []
    for w in ops:
        key = _op_key(w)
        if key not in seen:
            seen.add(key)
            out.append(w)
    return np.array(out)


def _lattice_matrices(cell, ops) -> np.ndarray:
    """Integer matrices M (n_ops, 3, 3) with (W R) = (n @ M) @ a for R = n @ a."""
    a = np.asarray(cell, float)
    ainv = np.linalg.inv(a)
    return np.array([a @ w.T @ ainv for w in ops])


def _reciprocal_matrices(cell, ops) -> np.ndarray:
    """Integer matrices Q (n_ops, 3, 3) with W k = (f @ Q) @ b for k = f @ b."""
    b = reciprocal_cell(cell)
    binv = np.linalg.inv(b)
    return np.array([b @ w.T @ binv for w in ops])


# --------------------------------------------------------------------------- irreducible grid

@dataclass
class IrreducibleGrid:
    """Irreducible points of a Gamma-centred n1 x n2 x n3 grid.

    Attributes
    ----------
    mesh : (3,) int
    k_frac : (n_irr, 3) float
        Fractional coordinates (reciprocal cell) in [0, 1): each orbit's grid point
        of lowest index (i n2 + j) n3 + l.
    k_cart : (n_irr, 3) float
        Cartesian (1/bohr).
    weights : (n_irr,) float
        Orbit size / (n1 n2 n3); sums to 1.
    mapping : (n1 n2 n3,) int
        Irreducible index of every grid point (index (i n2 + j) n3 + l).
    """

    mesh: np.ndarray
    k_frac: np.ndarray
    k_cart: np.ndarray
    weights: np.ndarray
    mapping: np.ndarray

    @property
    def size(self) -> int:
        return int(self.weights.size)


def irreducible_grid(cell, mesh, rotations=None, time_reversal: bool = True) -> IrreducibleGrid:
    """Reduce a Gamma-centred Monkhorst-Pack grid by symmetry.

    Parameters
    ----------
    cell : (3, 3) array
        Rows a_i (bohr).
    mesh : int or (3,) ints
        Grid size n (n^3) or (n1, n2, n3).
    rotations : (n_ops, 3, 3) array or None
        Cartesian point group; ``None``: the lattice holohedry.
    time_reversal : bool
        Also identify k and -k.

    Raises
    ------
    InputError
        ``mesh`` not positive integers, or a grid not mapped onto itself by the group.
    """
    a = _cell(cell)
    msh = np.atleast_1d(np.asarray(mesh))
    if msh.size == 1:
        msh = np.repeat(msh, 3)
    if msh.shape != (3,) or not np.all(msh == np.rint(msh)) or np.any(msh < 1):
        raise InputError(None, "mesh", f"got {mesh!r}; expected n or (n1, n2, n3), positive integers")
    msh = msh.astype(np.int64)
    ops = symmetry_group(a, rotations, time_reversal)
    q = np.rint(_reciprocal_matrices(a, ops)).astype(np.int64)     # f' = f @ Q
    # grid indices g = f n:  g'_j = sum_i g_i Q_ij n_j / n_i must be integer
    t = q * msh[None, None, :]
    if np.any(t % msh[None, :, None]):
        raise InputError(None, "mesh", f"{tuple(msh)} is not mapped onto itself by the point group")
    t //= msh[None, :, None]
    g = np.stack(np.meshgrid(*[np.arange(n) for n in msh], indexing="ij"), axis=-1).reshape(-1, 3)
    rep = np.full(g.shape[0], np.iinfo(np.int64).max)
    for ti in t:
        gi = (g @ ti) % msh
        rep = np.minimum(rep, (gi[:, 0] * msh[1] + gi[:, 1]) * msh[2] + gi[:, 2])
    irr, mapping, counts = np.unique(rep, return_inverse=True, return_counts=True)
    kf = g[irr] / msh
    return IrreducibleGrid(mesh=msh, k_frac=kf, k_cart=kf @ reciprocal_cell(a),
                           weights=counts / g.shape[0], mapping=mapping)


def _equivalence_keys(k_frac, qmats, digits: int = 6) -> np.ndarray:
    """Canonical key of every k (same key <=> equivalent by symmetry and a reciprocal
    lattice vector, to 10^-digits in fractional coordinates)."""
    scale = 10 ** digits
    imgs = np.einsum("ki,oij->koj", k_frac, qmats)
    g = np.rint(np.mod(imgs, 1.0) * scale).astype(np.int64) % scale
    code = (g[..., 0] * scale + g[..., 1]) * scale + g[..., 2]
    return code.min(axis=1)


