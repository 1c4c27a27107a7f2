"""The k-resolved gap equation of paper 004 (Eq. 5) on sampled Kohn-Sham states.

    Delta_i = -Z_i Delta_i - 1/2 sum_j w_j K_ij tanh(beta E_j / 2) / E_j Delta_j,

i, j the sampled states (:class:`~scimodel.scdft.sampling.KSamples`: energy
xi_i, weight w_i per spin per cell, band, hypercube of the regular mesh),
with the hybrid phononic functionals (Eqs. 27-28: the energy-averaged K^ph and
Z^ph of Eqs. 23-24 evaluated at the band energies) and a Coulomb part that is
either energy-only (TF-FE Eq. 26 or TF-SK Eq. 29, functions of xi_i, xi_j) or
given per pair of (band, hypercube) blocks (TF-ME, Eq. 18, matrix elements on a
regular mesh, constant on its hypercubes as in the paper).

Factored operator (no N x N matrix): K_ij = [P K_mesh P^T]_ij + C_{b(i), b(j)}.

* The energy-only parts (K^ph, TF-FE/TF-SK, and Z^ph) are evaluated on the
  logarithmic energy mesh of the energy-space solver and linearly
  interpolated to the sample energies: P is the N x N_mesh interpolation
  matrix (two entries per row), so applying P K P^T costs O(N + N_mesh^2).
* The TF-ME part is constant on blocks b = (band, cube): y_b = sum_{j in b} x_j,
  z = C y, (C x)_i = z_{b(i)}: O(N + N_blocks^2).

Linearised equation (Tc): Delta = M Delta with M = -1/2 diag(1/(1+Z)) K diag(w chi),
chi = tanh(beta xi / 2)/xi > 0, is similar to the symmetric
S = -1/2 V K V, V = diag(sqrt(w chi / (1 + Z))); its largest eigenvalue is
found with ARPACK (``eigsh``, largest algebraic) on the factored operator, and
Tc where it crosses 1 (:func:`~scimodel.scdft.solver.find_tc`).

With energy-only kernels the k-resolved equation differs from the
energy-space one (Eq. 20) only in that N(xi) is represented by the sampled
states; paper 004's Fig. 2 measures exactly that difference (TF-SK, Nb).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse
import scipy.sparse.linalg

from .. import units
from ..errors import InputError
from . import kernels_np
from .coulomb import coulomb_kernel
from .inputs import ScdftInput
from .sampling import KSamples
from .solver import GapEquation, Settings, TcResult, _chi_linear, find_tc


@dataclass
class BlockCoulomb:
    """Coulomb kernel constant on blocks (band, cube): ``matrix[b, b']`` in meV atom,
    block index b = band * n_cubes + cube (TF-ME on an m^3 mesh, m^3 = n_cubes)."""

    matrix: np.ndarray
    n_cubes: int

    def block_of(self, s: KSamples) -> np.ndarray:
        b = s.band * self.n_cubes + s.cube
        if b.max(initial=0) >= self.matrix.shape[0]:
            raise InputError(None, "coulomb matrix", f"has {self.matrix.shape[0]} blocks; the samples "
                             f"need {int(b.max()) + 1} (bands x {self.n_cubes} cubes)")
        return b


def energy_averaged_coulomb(block: BlockCoulomb, samples: KSamples, bin_mev: float = 100.0):
    """The isotropic part of the block kernel on the sampled states: K(xi, xi') = the
    weighted mean of ``block.matrix`` over the pairs of sampled states with energies in
    the bins (width ``bin_mev``, one centred on E_F) of xi and xi',

        K(a, b) = sum_{i in a, j in b} w_i w_j M[blk_i, blk_j] / (W_a W_b).

    The energy-only gap equation with this kernel (``GapEquation(coulomb_fn=...)``)
    differs from the k-resolved one with the blocks only by the anisotropy of the
    matrix elements on energy shells.  Returns a function of the mesh energies (meV); a
    mesh energy takes the nearest bin that holds sampled states (where none do, the DOS
    and so the kernel's weight are zero)."""
    if not bin_mev > 0:
        raise ValueError(f"bin_mev must be positive; got {bin_mev}")
    blk = block.block_of(samples)
    b = np.floor(samples.xi / bin_mev + 0.5).astype(np.int64)
    b0 = int(b.min())
    nbin = int(b.max()) - b0 + 1
    a = scipy.sparse.csr_matrix((samples.weight, (b - b0, blk)), shape=(nbin, block.matrix.shape[0]))
    w = np.asarray(a.sum(axis=1)).ravel()
    filled = np.flatnonzero(w > 0)
    num = np.asarray((a @ np.asarray(a @ block.matrix).T).T)      # A M A^T
    table = num[np.ix_(filled, filled)] / np.outer(w[filled], w[filled])
    centres = (filled + b0) * bin_mev

    def kernel(xi):
        x = np.asarray(xi, float)
        j = np.clip(np.searchsorted(centres, x), 1, max(centres.size - 1, 1))
        if centres.size > 1:
            j = np.where(np.abs(x - centres[j - 1]) <= np.abs(centres[j] - x), j - 1, j)
        else:
            j = np.zeros(x.size, dtype=np.int64)
        return table[np.ix_(j, j)]

    return kernel


def interpolation_matrix(x, grid) -> scipy.sparse.csr_matrix:
    """Sparse P with (P f)(x_i) = linear interpolation of f given on the ascending ``grid``."""
    x = np.asarray(x, dtype=float)
    grid = np.asarray(grid, dtype=float)
    if x.min(initial=grid[0]) < grid[0] or x.max(initial=grid[-1]) > grid[-1]:
        raise InputError(None, "sample energies", f"outside the mesh [{grid[0]:.6g}, {grid[-1]:.6g}] meV")
    j = np.clip(np.searchsorted(grid, x, side="right") - 1, 0, grid.size - 2)
    t = (x - grid[j]) / (grid[j + 1] - grid[j])
    rows = np.repeat(np.arange(x.size), 2)
    cols = np.stack([j, j + 1], axis=1).ravel()
    vals = np.stack([1.0 - t, t], axis=1).ravel()
    return scipy.sparse.csr_matrix((vals, (rows, cols)), shape=(x.size, grid.size))


class KResolvedGap:
    """Linearised k-resolved gap equation on ``samples`` (module doc).

    ``inp`` supplies alpha2F, N(0) (normalisation of alpha2F, Eq. 25), the band
    depth mu (Z^ph, TF-FE) and the volume / k_F of the Coulomb kernels;
    ``coulomb`` is "tf-fe", "tf-sk", "none" or a :class:`BlockCoulomb`;
    ``cutoff`` (meV, >= the highest sampled energy) the top of the energy mesh
    (default: the highest sampled energy).
    """

    def __init__(self, samples: KSamples, inp: ScdftInput, settings: Settings | None = None,
                 coulomb="tf-sk", use_numba: bool = True, cutoff: float | None = None):
        s = settings or Settings()
        if samples.xi.min() < -inp.mu:
            raise InputError(None, "samples", f"lowest sampled energy {samples.xi.min():.6g} meV lies below "
                             f"the band bottom of the input ({-inp.mu:.6g} meV)")
        top = float(samples.xi.max())
        if cutoff is not None:
            if cutoff < top:
                raise InputError(None, "cutoff", f"{cutoff:.6g} meV lies below the highest sampled "
                                 f"energy {top:.6g} meV")
            top = float(cutoff)
        block = coulomb if isinstance(coulomb, BlockCoulomb) else None
        scheme = "none" if block is not None else str(coulomb)
        # the energy mesh spans the samples; K^el of the energy-only schemes lives on it
        self.eq = GapEquation(inp, s.refined(cutoff=max(top * (1 + 1e-12) + 1e-9, 1.0), coulomb=scheme),
                              use_numba=use_numba)
        self.samples = samples
        self.P = interpolation_matrix(samples.xi, self.eq.xi)
        self.block = block
        self.blocks = block.block_of(samples) if block is not None else None
        self.use_numba = use_numba

    # ---------------------------------------------------------------- pieces at temperature T
    def _kernels(self, t_k: float):
        """(energy-mesh kernel K^ph + K^el, 1 + Z^ph at the samples) at t_k."""
        kph, z = self.eq.phonon_kernels(t_k)
        kmesh = np.zeros((self.eq.xi.size,) * 2)
        if kph is not None:
            kmesh = kmesh + kph
        if self.eq.kel is not None:
            kmesh = kmesh + self.eq.kel
        return kmesh, 1.0 + (self.P @ z if z is not None else 0.0)

    def _parts(self, t_k: float):
        kmesh, onez = self._kernels(t_k)
        beta = 1.0 / units.kelvin_to_mev(t_k)
        v = np.sqrt(self.samples.weight * _chi_linear(self.samples.xi, beta) / onez)
        return kmesh, v

    def apply_kernel(self, kmesh, x):
        """K x for the factored K (module doc)."""
        y = self.P @ (kmesh @ (self.P.T @ x))
        if self.block is not None:
            nb = self.block.matrix.shape[0]
            agg = np.bincount(self.blocks, weights=x, minlength=nb)
            y = y + (self.block.matrix @ agg)[self.blocks]
        return y

    def operator(self, t_k: float) -> scipy.sparse.linalg.LinearOperator:
        """The symmetric S = -1/2 V K V at t_k as a LinearOperator."""
        kmesh, v = self._parts(t_k)
        n = v.size
        return scipy.sparse.linalg.LinearOperator(
            (n, n), matvec=lambda x: -0.5 * v * self.apply_kernel(kmesh, v * np.ravel(x)), dtype=float)

    def dense(self, t_k: float, exact: bool = True) -> np.ndarray:
        """S as a dense matrix (small N only): ``exact`` evaluates K^ph, Z^ph and the
        energy-only Coulomb kernel directly at the sample energies (no mesh); otherwise
        the same factored ingredients are assembled densely."""
        xi = self.samples.xi
        if xi.size > 5000:
            raise InputError(None, "samples", f"{xi.size} points: the dense reference is for N <= 5000")
        beta = 1.0 / units.kelvin_to_mev(t_k)
        if not exact:
            kmesh, v = self._parts(t_k)
            k = (self.P @ (self.P @ kmesh.T).T)
            if self.block is not None:
                k = k + self.block.matrix[np.ix_(self.blocks, self.blocks)]
            return -0.5 * v[:, None] * k * v[None, :]
        eq = self.eq
        a = np.abs(xi)
        k = np.zeros((xi.size, xi.size))
        z = np.zeros(xi.size)
        if eq.s.use_kph:
            k += kernels_np.kph_matrix_np(a, a, eq.omega, eq.wa2f, beta, eq.inp.dos_ef)
        if eq.s.use_zph:
            z = kernels_np.zph_np(a, eq.omega, eq.wa2f, beta, eq.inp.mu)
        if eq.kel is not None:
            k += coulomb_kernel(xi, scheme=eq.s.coulomb, dos_ef=eq.inp.dos_ef, volume=eq.inp.volume,
                                mu=eq.inp.mu, kf=eq.inp.kf, use_numba=False)
        if self.block is not None:
            k = k + self.block.matrix[np.ix_(self.blocks, self.blocks)]
        v = np.sqrt(self.samples.weight * _chi_linear(xi, beta) / (1.0 + z))
        return -0.5 * v[:, None] * k * v[None, :]

    # ---------------------------------------------------------------- Tc
    def largest_eigenvalue(self, t_k: float) -> float:
        """Largest eigenvalue of the linearised k-resolved equation at t_k (Tc: = 1)."""
        op = self.operator(t_k)
        v0 = np.sqrt(self.samples.weight)             # deterministic start vector
        ev = scipy.sparse.linalg.eigsh(op, k=1, which="LA", v0=v0, tol=1e-10,
                                       return_eigenvectors=False)
        return float(ev[0])

    def tc(self, t_guess: float | None = None) -> TcResult:
        """Tc (K) where the largest eigenvalue crosses 1 (0, found=False, if it does not
        above ``t_search_min``)."""
        t0 = t_guess if t_guess else self.eq.mcmillan_guess()
        return find_tc(self.largest_eigenvalue, t0, self.eq.s)

    # ---------------------------------------------------------------- the gap below Tc
    def solve(self, t_k: float, guess, tol: float = 1e-7, max_iter: int = 200) -> dict:
        """Self-consistent Delta_i at t_k (K) of Eq. 5,
        (1 + Z_i) Delta_i = -1/2 sum_j K_ij w_j tanh(beta E_j / 2) / E_j Delta_j,
        E_j = sqrt(xi_j^2 + Delta_j^2), by Jacobian-free Newton-Krylov
        (scipy.optimize.newton_krylov, LGMRES; near Tc the fixed-point map has an
        eigenvalue close to 1 and plain or Anderson-mixed iteration stalls) from ``guess`` (meV at the sample energies, e.g. the
        energy-space solution).  Returns dict(delta=, converged=, residual=)."""
        import scipy.optimize

        kmesh, onez = self._kernels(t_k)
        beta = 1.0 / units.kelvin_to_mev(t_k)
        xi, w = self.samples.xi, self.samples.weight

        def gap_map(d):
            e = np.sqrt(xi * xi + d * d)
            return -0.5 * self.apply_kernel(kmesh, w * _chi_linear(e, beta) * d) / onez

        d0 = np.asarray(guess, float)
        if d0.shape != xi.shape:
            raise InputError(None, "guess", f"shape {d0.shape}; expected {xi.shape}")
        scale = max(float(np.abs(d0).max()), 1e-6)
        try:
            d = scipy.optimize.newton_krylov(lambda x: gap_map(x) - x, d0, f_tol=tol * scale,
                                             maxiter=max_iter, method="lgmres")
            ok = True
        except scipy.optimize.NoConvergence as exc:
            d, ok = np.asarray(exc.args[0]), False
        res = float(np.abs(gap_map(d) - d).max() / scale)
        if np.sum(w * d * (np.abs(xi) < 1.0)) < 0:
            d = -d
        return {"delta": d, "converged": ok and res < 10 * tol, "residual": res}

    def fermi_gap(self, delta, window: float = 1.0) -> float:
        """Delta0: the weighted mean of Delta_i over the states within ``window`` meV of E_F."""
        m = np.abs(self.samples.xi) < window
        if not m.any():
            raise InputError(None, "samples", f"no sampled state within {window} meV of E_F")
        return float(np.sum(self.samples.weight[m] * np.asarray(delta)[m]) / np.sum(self.samples.weight[m]))

    def entropy_difference(self, t_k: float, delta) -> float:
        """S_S - S_N (k_B per atom, Eq. 31) on the sampled states at t_k."""
        from .solver import _sigma
        beta = 1.0 / units.kelvin_to_mev(t_k)
        xi, w = self.samples.xi, self.samples.weight
        e = np.sqrt(xi * xi + np.asarray(delta) ** 2)
        return float(2.0 * np.sum(w * (_sigma(beta * e) - _sigma(beta * np.abs(xi)))))

    def normal_heat_capacity(self, t_k: float) -> float:
        """C_N = T dS_N/dT (k_B per atom) on the sampled states."""
        from .solver import _fermi
        beta = 1.0 / units.kelvin_to_mev(t_k)
        x = beta * np.abs(self.samples.xi)
        f = _fermi(x)
        return float(2.0 * np.sum(self.samples.weight * x * x * f * (1.0 - f)))

    def sampled_dos(self, edges) -> np.ndarray:
        """Histogram of the sampled DOS per spin per cell (1/meV) on the bin ``edges`` (meV)."""
        h, _ = np.histogram(self.samples.xi, bins=edges, weights=self.samples.weight)
        return h / np.diff(edges)
