"""Kohn-Sham bands over the Brillouin zone: star-function Fourier interpolation.

Paper 004 (Sec. III) evaluates the band energies xi_nk of the k-resolved gap
equation at tens of thousands of random k points from a Fourier fit of the
ab-initio bands ("as proposed by Shankland, and Koelling and Wood", the
Pickett-Krakauer-Allen form).  This module fits and evaluates such a fit.

Conventions
-----------
* ``cell``: direct lattice vectors a_i as **rows**, Cartesian, in bohr.
  Reciprocal vectors b_i (rows) with a_i . b_j = 2 pi delta_ij, in 1/bohr
  (:func:`reciprocal_cell`).
* k points: Cartesian in 1/bohr (``k_cart``) or fractional coordinates of the
  reciprocal cell (``k_frac``, k_cart = k_frac @ b); lattice vectors R = n @ a
  with integer n.  Then k . R = 2 pi k_frac . n.
* Rotations: proper and improper point operations W as Cartesian 3x3
  matrices acting on column vectors (r -> W r, k -> W k).
* Fitted energies are in whatever unit the caller fits (eV from the QE XML,
  or Ry); :meth:`StarFit.energy_fn` converts once, to meV relative to E_F,
  for the rest of :mod:`scimodel`.

Star functions
--------------
The basis of the fit: :mod:`scimodel.scdft.stars` (S_R(k), the stars ordered by |R|,
S_0 = 1; time reversal assumed).

Fit (Shankland; Koelling & Wood; Pickett, Krakauer & Allen, PRB 38, 2721 (1988))
-------------------------------------------------------------------------------
For one band with N data e_j = e(k_j) (k_j pairwise inequivalent) and M > N
stars, e(k) = sum_{m=0}^{M-1} c_m S_m(k) is chosen to pass exactly through all
data while minimising the roughness

    I = sum_{m>=1} rho_m c_m^2,   rho(R) = (1 - c1 (R/Rmin)^2)^2 + c2 (R/Rmin)^6,

Rmin the shortest non-zero lattice vector, c1 = c2 = 3/4 (the constant c_0 is
free).  Derivation of the closed form: eliminate c_0 with the reference point
k_N, c_0 = e_N - sum_{m>=1} c_m S_m(k_N); the remaining N - 1 constraints read
A c = dE with

    A_im = S_m(k_i) - S_m(k_N),   dE_i = e_i - e_N   (i < N, m >= 1).

Stationarity of I - 2 lambda . (A c - dE) gives rho_m c_m = (A^T lambda)_m, i.e.

    c_m = rho_m^-1 sum_i lambda_i A_im,   H lambda = dE,   H = A diag(1/rho) A^T,

H the (N-1)^2 symmetric positive-definite matrix of PKA (solved by Cholesky;
it is singular only if two data points are equivalent).  The constrained
minimum is unique, so the result does not depend on which point is the
reference; all bands share H.

Evaluation
----------
``method="direct"`` sums the cosines of all star members (exact; cost ~
n_points x n_members / 2 cosines, about 30 ms per point for 1300 stars).
``method="nufft"`` is a type-2 non-uniform FFT of the same trigonometric
polynomial e(k) = sum_n C_n exp(2 pi i k_frac . n): the coefficients, divided
by the Fourier transform of a Kaiser-Bessel kernel of width ``w`` grid points
(Beatty et al., IEEE TMI 24, 799 (2005)), are FFT-ed once onto a grid
oversampled by 2 (memory g^3 x n_bands doubles, g ~ 4 R_max / a: 130 MB for
1300 stars and 14 bands), and each k is the kernel-weighted sum of w^3 grid
values, the kernel weights from Chebyshev tables (Numba kernel
:func:`_nufft_nb`; its NumPy twin :func:`_nufft_np` takes the weights straight
from scipy.special); gradients with the kernel derivative.  The points are
visited in grid order (cache locality).  ``w`` = ceil(-log10 nufft_tol) + 1
(11 for the default 1e-10): measured errors 0.05-0.8 nufft_tol relative to
max |e| for the energies and ~200 nufft_tol relative to max |grad e| for the
gradients.  ``method="auto"`` evaluates directly when n_points x n_members/2
<= :data:`DIRECT_LIMIT`.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import scipy.fft
import scipy.linalg

from .. import units
from ..errors import InputError
from .bzgrid import (PRIMITIVE, _TOL, IrreducibleGrid, _cell, _equivalence_keys, _lattice_matrices, _points,  # noqa: F401
                     _reciprocal_matrices, cart_to_frac, cubic_cell, frac_to_cart,
                     irreducible_grid, lattice_point_group, oh_group, reciprocal_cell,
                     symmetry_group)
from .stars import (C1, C2, Stars, _mesh_star_nb, find_stars, mesh_indices,  # noqa: F401
                    roughness, star_functions, star_functions_on_mesh)
from .nufft import (_NufftGrid, _kb, _kb_hat, _kb_params, _kb_tables, _nufft_nb, _put_bands_nb,  # noqa: F401
                    _nufft_np, _width_for)

#: Oversampling factor of the NUFFT grid.
NUFFT_SIGMA = 2.0
#: ``method="auto"`` evaluates directly when n_points x n_members / 2 (cosines) is at most this.
DIRECT_LIMIT = 2e7



# --------------------------------------------------------------------------- the fit

class StarFit:
    """Star-function Fourier fit of bands (Shankland / Koelling-Wood / PKA; module doc).

    Parameters
    ----------
    cell : (3, 3) array
        Direct lattice vectors a_i as rows (bohr).
    rotations : (n_ops, 3, 3) array or None
        Cartesian point group (e.g. :func:`oh_group`); ``None``: the holohedry of
        ``cell``.  Time reversal (the inversion) is added if missing.
    star_ratio : float
        Number of stars M per data point (M ~ star_ratio N, whole shells); 5-10 as
        in BoltzTraP.  Ignored if ``n_stars`` is given.
    n_stars : int or None
        Number of stars (at least N + 1).
    c1, c2 : float
        Roughness parameters (PKA: 3/4, 3/4).
    nufft_tol : float
        Relative accuracy (to max |e|) of ``method="nufft"``.

    Attributes (after :meth:`fit`)
    ------------------------------
    stars : Stars
    coefficients : (n_stars, n_bands) array
        c_m, in the unit of the fitted energies.
    residual : float
        max |e_fit(k_j) - e_j| at the data points (direct evaluation).
    """

    def __init__(self, cell, rotations=None, *, star_ratio: float = 5.0, n_stars: int | None = None,
                 c1: float = C1, c2: float = C2, nufft_tol: float = 1e-10):
        self.cell = _cell(cell)
        self.ops = symmetry_group(self.cell, rotations, time_reversal=True)
        if not (np.isfinite(star_ratio) and star_ratio > 1.0):
            raise InputError(None, "star_ratio", f"got {star_ratio}; expected > 1 (stars per data point)")
        if not (1e-13 <= nufft_tol < 1e-2):
            raise InputError(None, "nufft_tol", f"got {nufft_tol}; expected in [1e-13, 1e-2)")
        self.star_ratio = float(star_ratio)
        self.n_stars_requested = None if n_stars is None else int(n_stars)
        self.c1, self.c2 = float(c1), float(c2)
        self.nufft_tol = float(nufft_tol)
        self.stars: Stars | None = None
        self.coefficients: np.ndarray | None = None
        self.residual = np.nan
        self._half_coef = None
        self._rc = None
        self._nufft: _NufftGrid | None = None

    # ------------------------------------------------------------------ fit
    def fit(self, kpts_cart, energies, mesh: int | None = None) -> "StarFit":
        """Fit the bands through the data.

        Parameters
        ----------
        kpts_cart : (N, 3) array
            Pairwise inequivalent k points, Cartesian (1/bohr); typically the
            irreducible points of a regular grid (:func:`irreducible_grid`).
        energies : (N, n_bands) or (N,) array
            Band energies at the points (any unit; kept by the fit).
        mesh : int or None
            If the points lie on a Gamma-centred mesh^3 grid, its size: the star
            functions are then built by table lookup (:func:`star_functions_on_mesh`).

        Returns
        -------
        self

        Raises
        ------
        InputError
            Shapes, NaN, fewer stars than points, or two points equivalent by symmetry.
        """
        k = _points(kpts_cart, "kpts_cart")
        e = np.asarray(energies, dtype=float)
        if e.ndim == 1:
            e = e[:, None]
        if e.ndim != 2 or e.shape[0] != k.shape[0] or e.shape[1] < 1:
            raise InputError(None, "energies", f"got shape {np.shape(energies)}; expected "
                             f"({k.shape[0]}, n_bands) for {k.shape[0]} k points")
        if not np.all(np.isfinite(e)):
            raise InputError(None, "energies", "contains NaN or inf")
        nk = k.shape[0]
        keys = _equivalence_keys(cart_to_frac(k, self.cell),
                                 np.rint(_reciprocal_matrices(self.cell, self.ops)).astype(float))
        uniq, counts = np.unique(keys, return_counts=True)
        if uniq.size < nk:
            dup = np.flatnonzero(keys == uniq[np.argmax(counts)])
            raise InputError(None, "kpts_cart", f"points {dup[0]} and {dup[1]} are equivalent by "
                             "symmetry (or closer than 1e-6 of the reciprocal cell); the fit needs "
                             "inequivalent points")
        m = self.n_stars_requested if self.n_stars_requested is not None else \
            int(np.ceil(self.star_ratio * nk))
        if m <= nk:
            raise InputError(None, "n_stars", f"got {m}; expected more stars than k points ({nk})")
        stars = find_stars(self.cell, self.ops, m)
        s = star_functions(k, stars) if mesh is None else star_functions_on_mesh(k, stars, mesh)
        c = np.zeros((stars.n_stars, e.shape[1]))
        if nk == 1:
            c[0] = e[0]
        else:
            rho = roughness(stars.radius[1:], self.c1, self.c2)
            # B = A diag(rho^-1/2), A_im = S_m(k_i) - S_m(k_N) (N-1, M-1); H = B B^T, of
            # which the symmetric rank-k update (BLAS syrk) forms the lower triangle only
            bmat = s[:-1, 1:] - s[-1, 1:]
            bmat *= 1.0 / np.sqrt(rho)
            h = scipy.linalg.blas.dsyrk(1.0, bmat.T, trans=1, lower=1)   # bmat.T: Fortran order, no copy
            de = e[:-1] - e[-1]
            try:
                lam = scipy.linalg.cho_solve(scipy.linalg.cho_factor(h, lower=True), de)
            except np.linalg.LinAlgError:
                raise InputError(None, "kpts_cart", "the fit matrix H is singular: points too "
                                 "close or equivalent") from None
            c[1:] = (bmat.T @ lam) / np.sqrt(rho)[:, None]
            c[0] = e[-1] - s[-1, 1:] @ c[1:]
        self.stars = stars
        self.coefficients = c
        self._half_coef = c[stars.star] / stars.half_size[stars.star][:, None]
        self._rc = stars.vectors @ self.cell
        self._nufft = None
        self.residual = float(np.max(np.abs(s @ c - e)))
        self._data_k, self._data_e = k, e
        return self

    def select_bands(self, bands: Sequence[int]) -> "StarFit":
        """The fit restricted to ``bands`` (a copy sharing the stars): evaluating a few
        bands then costs a few bands, not all (the NUFFT grid holds the selected ones)."""
        self._need_fit()
        sel = np.asarray(bands, dtype=np.int64)
        if sel.ndim != 1 or sel.size == 0 or sel.min() < 0 or sel.max() >= self.n_bands:
            raise InputError(None, "bands", f"got {bands!r}; expected indices in [0, {self.n_bands})")
        sub = copy.copy(self)
        sub.coefficients = self.coefficients[:, sel]
        sub._half_coef = np.ascontiguousarray(self._half_coef[:, sel])
        sub._data_e = self._data_e[:, sel]
        sub._nufft = None                   # residual: that of the full fit (an upper bound)
        return sub

    def _need_fit(self):
        if self.coefficients is None:
            raise InputError(None, "StarFit", "not fitted: call fit(kpts_cart, energies) first")

    @property
    def n_bands(self) -> int:
        self._need_fit()
        return int(self.coefficients.shape[1])

    # ------------------------------------------------------------------ direct
    def _direct(self, k_cart, want_grad, chunk=None):
        rc, ch = self._rc, self._half_coef
        nv, nb = ch.shape
        npt = k_cart.shape[0]
        chunk = chunk or max(1, int(2e7 // (8 * nv)))
        e = np.empty((npt, nb))
        g = np.empty((npt, nb, 3)) if want_grad else None
        chg = (ch[:, :, None] * rc[:, None, :]).reshape(nv, nb * 3) if want_grad else None
        for s in range(0, npt, chunk):
            ph = k_cart[s:s + chunk] @ rc.T
            e[s:s + chunk] = np.cos(ph) @ ch
            if want_grad:
                g[s:s + chunk] = -(np.sin(ph) @ chg).reshape(-1, nb, 3)
        return e, g

    # ------------------------------------------------------------------ NUFFT
    def _build_nufft(self) -> _NufftGrid:
        if self._nufft is not None:
            return self._nufft
        st = self.stars
        nfull = np.concatenate([st.vectors, -st.vectors[1:]])
        cfull = np.concatenate([self._half_coef, self._half_coef[1:]]) * 1.0
        cfull[1:] *= 0.5                                   # C_n = c_m / |star|, both halves
        kmax = np.abs(nfull).max(axis=0)
        gs = np.array([scipy.fft.next_fast_len(int(np.ceil(NUFFT_SIGMA * (2 * km + 1))), real=False)
                       for km in kmax])
        w = _width_for(self.nufft_tol)
        sig = gs / (2 * kmax + 1)
        beta = np.array([_kb_params(w, sg) for sg in sig])
        hats = [_kb_hat(np.arange(-km, km + 1), w, gd, bt) for km, gd, bt in zip(kmax, gs, beta)]
        deconv = (hats[0][nfull[:, 0] + kmax[0]] * hats[1][nfull[:, 1] + kmax[1]]
                  * hats[2][nfull[:, 2] + kmax[2]])
        idx = tuple((nfull % gs).T)
        nb = cfull.shape[1]
        grid = np.empty((*gs, nb))
        buf = np.zeros(tuple(gs), complex)
        # bands in groups, each transformed into a band-major block and copied into the
        # band-last grid by a blocked kernel (NumPy's strided copy of a moved axis misses
        # the cache on every element: 29 s for 8 bands of a 231^3 grid here)
        group = 8
        block = np.empty((min(group, nb), *gs))
        for b0 in range(0, nb, group):
            bs = range(b0, min(b0 + group, nb))
            for j, b in enumerate(bs):
                buf[...] = 0.0
                buf[idx] = cfull[:, b] / deconv
                # in place: a fresh output array per band would be page-faulted in anew
                block[j] = scipy.fft.ifftn(buf, overwrite_x=True).real    # sum_n b_n e^{+i..} / G^3
            _put_bands_nb(grid, block[:len(bs)], bs.start)
        tabs = [_kb_tables(w, bt, gd, self.nufft_tol) for bt, gd in zip(beta, gs)]
        p = max(t[0].shape[1] for t in tabs)
        val = np.zeros((3, w, p))
        der = np.zeros((3, w, p))
        for d, (v, dv) in enumerate(tabs):
            val[d, :, :v.shape[1]] = v
            der[d, :, :dv.shape[1]] = dv
        self._nufft = _NufftGrid(grid=grid, w=w, beta=beta, val=val, der=der)
        return self._nufft

    def _nufft_eval(self, k_frac, want_grad, kernel="numba"):
        ng = self._build_nufft()
        if kernel == "numpy":
            e, gf = _nufft_np(ng.grid, k_frac, ng.w, ng.beta, want_grad)
        else:
            # visit the points in grid order (cache locality: ~4x faster for random k)
            gs = np.array(ng.grid.shape[:3])
            cell_ij = np.floor((k_frac[:, :2] - np.floor(k_frac[:, :2])) * gs[:2]).astype(np.int64)
            order = np.argsort(cell_ij[:, 0] * gs[1] + cell_ij[:, 1], kind="stable")
            es, gfs = _nufft_nb(ng.grid, np.ascontiguousarray(k_frac[order]), ng.w, ng.val, ng.der,
                                want_grad)
            e = np.empty_like(es)
            e[order] = es
            if want_grad:
                gf = np.empty_like(gfs)
                gf[order] = gfs
        if want_grad:
            return e, gf @ self.cell / (2.0 * np.pi)              # d e/d k = d e/d f . a / 2 pi
        return e, None

    # ------------------------------------------------------------------ public evaluation
    def _evaluate(self, k_cart, k_frac, want_grad, method):
        self._need_fit()
        if method not in ("auto", "direct", "nufft", "nufft-numpy"):
            raise InputError(None, "method", f"got {method!r}; expected 'auto', 'direct' or 'nufft'")
        npt = (k_cart if k_cart is not None else k_frac).shape[0]
        if method == "auto":
            method = "direct" if npt * self._rc.shape[0] <= DIRECT_LIMIT else "nufft"
        if method == "direct":
            if k_cart is None:
                k_cart = k_frac @ reciprocal_cell(self.cell)
            return self._direct(k_cart, want_grad)
        if k_frac is None:
            k_frac = k_cart @ self.cell.T / (2.0 * np.pi)
        return self._nufft_eval(k_frac, want_grad, "numpy" if method == "nufft-numpy" else "numba")

    def energies_on_mesh(self, mesh: int, workers: int | None = None) -> np.ndarray:
        """Fitted energies (mesh, mesh, mesh, n_bands) on the Gamma-centred ``mesh``^3 grid,
        index (i, j, k) = fractional coordinates (i, j, k)/mesh, unit of the fitted data.

        Exact, not interpolated: at k = f b / mesh, cos(k.R) = cos(2 pi f.n / mesh) is
        periodic in the lattice coordinates n with period ``mesh``, so the star sum is the
        coefficients folded onto the mesh (R and -R, half each) and one FFT per band (the
        folded coefficients are even, so forward and inverse transforms agree up to mesh^3;
        :meth:`energies` at the same points to rounding, a test)."""
        self._need_fit()
        m = int(mesh)
        if m < 1:
            raise InputError(None, "mesh", f"got {mesh}; expected a grid size >= 1")
        v = self.stars.vectors.astype(np.int64)
        idx = [((w[:, 0] % m) * m + w[:, 1] % m) * m + w[:, 2] % m for w in (v, -v)]
        nb = self.n_bands
        folded = np.empty((m ** 3, nb))
        for b in range(nb):
            h = 0.5 * self._half_coef[:, b]
            folded[:, b] = (np.bincount(idx[0], h, minlength=m ** 3)
                            + np.bincount(idx[1], h, minlength=m ** 3))
        # the folded coefficients are even in n, so the transform is real
        e = scipy.fft.fftn(folded.reshape(m, m, m, nb), axes=(0, 1, 2), workers=workers)
        return np.ascontiguousarray(e.real)

    def energies(self, k_cart, method: str = "auto") -> np.ndarray:
        """Fitted energies (n_k, n_bands) at Cartesian k (1/bohr), unit of the fitted data.

        ``method``: "direct" (exact sum), "nufft" (module doc), "auto" (direct if
        n_k x n_members / 2 <= :data:`DIRECT_LIMIT`) or "nufft-numpy" (the NumPy
        twin of the NUFFT kernel; slow, for tests).
        """
        return self._evaluate(_points(k_cart, "k_cart"), None, False, method)[0]

    def energies_frac(self, k_frac, method: str = "auto") -> np.ndarray:
        """As :meth:`energies`, at fractional coordinates of the reciprocal cell."""
        return self._evaluate(None, _points(k_frac, "k_frac"), False, method)[0]

    def velocities(self, k_cart, method: str = "auto") -> np.ndarray:
        """Gradient d e / d k (n_k, n_bands, 3), Cartesian, analytic, in
        (energy unit) x bohr; the group velocity is this over hbar."""
        return self._evaluate(_points(k_cart, "k_cart"), None, True, method)[1]

    def energies_and_velocities(self, k_cart, method: str = "auto"):
        """Both (one pass): energies (n_k, n_bands) and gradients (n_k, n_bands, 3)."""
        return self._evaluate(_points(k_cart, "k_cart"), None, True, method)

    def energy_fn(self, e_fermi: float, unit: str | float = "eV", bands: Sequence[int] | None = None,
                  method: str = "nufft") -> Callable[[np.ndarray], np.ndarray]:
        """Callable ``f(k_frac[M, 3]) -> xi[M, n]`` in meV relative to E_F, for
        :func:`scimodel.scdft.sampling.sample_bands`.

        Parameters
        ----------
        e_fermi : float
            Fermi energy, in the unit of the fitted energies.
        unit : str or float
            Unit of the fitted energies (a key of :data:`scimodel.units.ENERGY_UNITS`,
            e.g. "eV", "Ry") or the factor to meV.
        bands : sequence of int or None
            Band indices to return (default all).
        method : str
            Evaluation method (fixed, so that results do not depend on the batch size).
        """
        self._need_fit()
        if isinstance(unit, str):
            try:
                factor = units.energy_factor_to_mev(unit)
            except KeyError as err:
                raise InputError(None, "unit", str(err)) from None
        else:
            factor = float(unit)
            if not (np.isfinite(factor) and factor > 0):
                raise InputError(None, "unit", f"got {unit}; expected a unit name or a factor > 0")
        if not np.isfinite(e_fermi):
            raise InputError(None, "e_fermi", f"got {e_fermi}; expected a finite energy")
        sel = np.arange(self.n_bands) if bands is None else np.asarray(bands, dtype=np.int64)
        if sel.ndim != 1 or sel.size == 0 or sel.min() < 0 or sel.max() >= self.n_bands:
            raise InputError(None, "bands", f"got {bands!r}; expected indices in [0, {self.n_bands})")
        if method not in ("direct", "nufft", "auto"):
            raise InputError(None, "method", f"got {method!r}; expected 'direct', 'nufft' or 'auto'")
        ef = float(e_fermi)
        fit = self if bands is None else self.select_bands(sel)

        def energy_fn(k_frac):
            return (fit.energies_frac(k_frac, method=method) - ef) * factor

        return energy_fn
