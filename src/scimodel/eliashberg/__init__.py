"""Isotropic Eliashberg theory from an Eliashberg function alpha2F(omega).

Energies (phonon energies hbar*omega, Matsubara frequencies, gaps) are in
meV, temperatures in K.

Contents
--------
* Moments: :func:`lambda_from_a2f`, :func:`omega_log`, :func:`omega2_rms`,
  :func:`moments`.
* Closed forms: :func:`mcmillan_tc`, :func:`allen_dynes_tc` (with the f1, f2
  strong-coupling factors, Allen & Dynes, PRB 12, 905 (1975)),
  :func:`mu_star_morel_anderson` (Eq. 11 of paper 000).
* Matsubara-axis Eliashberg equations (Eqs. 10 and 12 of paper 000):
  :func:`tc_eliashberg` (linearised, largest eigenvalue = 1),
  :func:`solve_matsubara` (Delta(i w_n), Z(i w_n) below Tc, Anderson mixing) and
  :func:`gap_edge` (Delta0 by Pade continuation to the real axis).

A spectrum enters the kernels as a quadrature: nodes ``omega_i > 0`` and
weights ``w_i`` such that Int g(w) a2F(w) dw = sum_i w_i g(omega_i).  A
tabulated a2F uses trapezoid weights (:meth:`Spectrum.from_grid`); an exact
Einstein spectrum a2F = (lambda w_E / 2) delta(w - w_E) is a single node
(:meth:`Spectrum.einstein`).  A node at omega = 0 carries no weight for an
a2F that vanishes there and is dropped.

Equations (isotropic, Matsubara frequencies w_n = pi T (2n + 1)):

    lambda(nu) = 2 Int dw w a2F(w) / (w^2 + nu^2),  nu = w_m - w_n   (Eq. 12)
    w_n Z_n     = w_n + pi T sum_m lambda(w_n - w_m) w_m / R_m
    Delta_n Z_n = pi T sum_m [lambda(w_n - w_m) - mu* theta(w_c - |w_m|)] Delta_m / R_m
    R_m = sqrt(w_m^2 + Delta_m^2)                                      (Eq. 10)

With Delta even and w odd in n, the sums are folded onto m >= 0:
lambda(n - m) +- lambda(n + m + 1).  ``mu_star`` is the Coulomb
pseudopotential at the Coulomb cutoff ``omega_c`` (it acts on the columns
|w_m| <= omega_c of every row); the Matsubara sums run up to ``cutoff`` >=
omega_c (default omega_c), a numerical parameter.

Two representations of the Matsubara axis
-----------------------------------------
``method="dense"`` (the reference) keeps every frequency up to the cutoff:
N = cutoff / (2 pi T) unknowns, so the cost grows like 1/T (N = 3000 at
0.09 K for a 150 meV cutoff).  ``method="compressed"`` (the default of
:func:`tc_eliashberg` and :func:`solve_matsubara`) keeps the lowest ~3 x
``density`` frequencies exactly and groups the rest into cells [a, b) of
consecutive Matsubara indices whose width grows geometrically (relative width
~ 1/``density``), so the number of unknowns grows only like ``density`` x
ln(cutoff / T) (about 100-200 from 30 K down to 1 mK).  The gap is taken
constant in a cell and the sums over a cell are done exactly where it matters:

* sum_{m in cell} lambda(n - m) and lambda(n + m + 1) are evaluated exactly
  (to ~1e-10) for every row n, by cumulative sums of lambda over the bosonic
  index (the first 32 terms directly, the rest by Euler-Maclaurin on the
  closed-form integral Int lambda = 2 sum_i w_i arctan(nu / omega_i)); this
  keeps the near-diagonal phonon peak of lambda(w_n - w_m), which is narrower
  than the high-frequency cells, exact;
* sum_{m in cell} 1 / w_m is exact (digamma), which makes the BCS logarithm
  exact; 1/R_m below Tc uses the closed-form integral with its
  Euler-Maclaurin correction.

A cell of width 1 is the dense equation itself, so above ~ cutoff / (6 pi
density k_B) the two representations coincide.  The error of the cells is of
second order in 1/density: with density 12, Tc agrees with the dense solver
to 5e-4 relative or better (measured for Einstein and Debye spectra with Tc
from 0.07 K to 30 K; tests: < 0.2 %, and with itself at density 24 from
0.01 K to 30 K).
For spectra with more than 64 nodes lambda(nu), its derivatives and its
integrals are read from a quintic Hermite table on an asinh(nu) grid built
once per call (relative accuracy ~1e-10), so the cost does not grow with the
number of nodes.

Linear algebra: with every frequency inside the Coulomb cutoff (omega_c =
cutoff, the default) the linearised matrix M = pi T K D, D = diag(1 / w Z),
is symmetrised by the similarity transform D^(1/2) M D^(-1/2) and only its
largest eigenvalue is computed (LAPACK's subset path, Lanczos above 300
rows); with omega_c < cutoff the Coulomb term acts on columns only and M is
treated as a general matrix.  The nonlinear equations are solved by Anderson
mixing (:func:`anderson_fixed_point`), tens of iterations instead of hundreds.

What Tc = 0 means
-----------------
:func:`tc_eliashberg` returns 0.0 only when there is no transition: the
largest eigenvalue rho(T) of the linearised equations is < 1 at the lowest
searched temperature ``t_min`` *and* < 1 - 1e-3 in the limit T -> 0 (or
a2F = 0).  That limit is
exact in the compressed representation: below an energy Omega << every
phonon energy the kernel is the constant 2 (lambda - mu*); with lambda > mu*
rho(T) grows like ln(1/T) without bound (a transition always exists), with
lambda < mu* rho(T) rises to the largest eigenvalue of the Schur complement
of the (merged) low-frequency block, which :func:`rho_zero_temperature_limit`
computes.  A transition that exists but lies below ``t_min`` is never 0: it
raises :class:`TcBelowRangeError` (an :class:`InputError` naming ``t_min``,
or ``max_matsubara`` for the dense method) or, with ``below="bound"``, returns
a :class:`TcUpperBound` (a float subclass flagged ``is_upper_bound``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import get_num_threads as numba_get_num_threads
from numba import set_num_threads as numba_set_num_threads
from scipy.linalg import eigh
from scipy.optimize import brentq
from scipy.special import digamma

from .errors import InputError
from .numba_config import jit, pjit, prange
from .units import KB_MEV_PER_K

# ---------------------------------------------------------------- spectra


@dataclass(frozen=True)
class Spectrum:
    """alpha2F as a quadrature: nodes ``omega`` (meV, > 0) and weights (meV)."""

    omega: np.ndarray
    weight: np.ndarray

    @classmethod
    def from_grid(cls, omega, a2f, name: str = "alpha2F") -> "Spectrum":
        """Trapezoid quadrature of a tabulated a2F on a (possibly non-uniform) grid."""
        w = np.asarray(omega, dtype=float)
        f = np.asarray(a2f, dtype=float)
        if w.ndim != 1 or w.shape != f.shape or w.size < 2:
            raise InputError(None, name, f"omega and a2F must be 1-D of equal length >= 2, got {w.shape} and {f.shape}")
        if not (np.isfinite(w).all() and np.isfinite(f).all()):
            raise InputError(None, name, "non-finite values (NaN or inf)")
        if (w < 0).any():
            raise InputError(None, "omega", "negative frequency; expected omega >= 0")
        if (np.diff(w) <= 0).any():
            raise InputError(None, "omega", "grid must be strictly increasing")
        h = np.zeros_like(w)
        d = np.diff(w)
        h[:-1] += 0.5 * d
        h[1:] += 0.5 * d
        wt = f * h
        keep = w > 0
        return cls(w[keep].copy(), wt[keep].copy())

    @classmethod
    def einstein(cls, omega_e: float, lam: float) -> "Spectrum":
        """Exact Einstein spectrum a2F = (lam omega_e / 2) delta(omega - omega_e)."""
        return cls(np.array([float(omega_e)]), np.array([0.5 * lam * omega_e]))

    def scaled(self, factor: float) -> "Spectrum":
        """Spectrum with a2F multiplied by ``factor`` (lambda scales likewise)."""
        return Spectrum(self.omega, self.weight * factor)

    @property
    def omega_max(self) -> float:
        nz = self.omega[self.weight != 0]
        return float(nz.max()) if nz.size else float(self.omega.max())


def _spectrum(omega, a2f=None) -> Spectrum:
    if isinstance(omega, Spectrum):
        return omega
    return Spectrum.from_grid(omega, a2f)


def lambda_from_a2f(omega, a2f=None) -> float:
    """lambda = 2 Int a2F(w)/w dw (dimensionless)."""
    s = _spectrum(omega, a2f)
    return float(2.0 * np.sum(s.weight / s.omega))


def omega_log(omega, a2f=None) -> float:
    """omega_log = exp[(2/lambda) Int ln(w) a2F(w)/w dw] in meV."""
    s = _spectrum(omega, a2f)
    lam = lambda_from_a2f(s)
    return float(np.exp(2.0 / lam * np.sum(s.weight * np.log(s.omega) / s.omega)))


def omega2_rms(omega, a2f=None) -> float:
    """<omega^2>^(1/2) = [(2/lambda) Int w a2F(w) dw]^(1/2) in meV."""
    s = _spectrum(omega, a2f)
    lam = lambda_from_a2f(s)
    return float(np.sqrt(2.0 / lam * np.sum(s.weight * s.omega)))


def moments(omega, a2f=None) -> dict:
    """``dict(lam=, omega_log=, omega2=)`` (omega's in meV)."""
    s = _spectrum(omega, a2f)
    return dict(lam=lambda_from_a2f(s), omega_log=omega_log(s), omega2=omega2_rms(s))


# ---------------------------------------------------------------- closed forms


def _exponent(lam: float, mu_star: float) -> float:
    den = lam - mu_star * (1.0 + 0.62 * lam)
    return -1.04 * (1.0 + lam) / den if den > 0 else -np.inf


def mcmillan_tc(lam: float, omega_log_mev: float, mu_star: float) -> float:
    """McMillan's Tc in Allen and Dynes' form, in K:
    Tc = (w_log/1.2) exp[-1.04 (1+l) / (l - mu*(1 + 0.62 l))].

    Valid for lambda <~ 1.5; returns 0 when the denominator is not positive.
    """
    e = _exponent(lam, mu_star)
    return float(omega_log_mev / 1.2 * np.exp(e) / KB_MEV_PER_K) if np.isfinite(e) else 0.0


def allen_dynes_factors(lam: float, omega_log_mev: float, omega2_mev: float,
                        mu_star: float) -> tuple[float, float]:
    """Strong-coupling (f1) and shape (f2) factors of Allen and Dynes (1975)."""
    big1 = 2.46 * (1.0 + 3.8 * mu_star)
    big2 = 1.82 * (1.0 + 6.3 * mu_star) * (omega2_mev / omega_log_mev)
    f1 = (1.0 + (lam / big1) ** 1.5) ** (1.0 / 3.0)
    f2 = 1.0 + (omega2_mev / omega_log_mev - 1.0) * lam**2 / (lam**2 + big2**2)
    return float(f1), float(f2)


def allen_dynes_tc(lam: float, omega_log_mev: float, omega2_mev: float, mu_star: float) -> float:
    """Allen-Dynes Tc in K (McMillan form times f1 f2)."""
    f1, f2 = allen_dynes_factors(lam, omega_log_mev, omega2_mev, mu_star)
    return f1 * f2 * mcmillan_tc(lam, omega_log_mev, mu_star)


def mu_star_morel_anderson(mu: float, e_f: float, omega_c: float) -> float:
    """mu* = mu / (1 + mu ln(E_F/omega_c)) (Eq. 11 of paper 000; E_F, omega_c same units)."""
    return float(mu / (1.0 + mu * np.log(e_f / omega_c)))


# ---------------------------------------------------------------- Numba kernels and NumPy twins


@pjit
def _lambda_bosonic_nb(nodes, weights, nu):
    """lambda(nu_k) = 2 sum_i w_i omega_i / (omega_i^2 + nu_k^2)."""
    out = np.empty(nu.size)
    for k in prange(nu.size):
        s = 0.0
        nk2 = nu[k] * nu[k]
        for i in range(nodes.size):
            s += weights[i] * nodes[i] / (nodes[i] * nodes[i] + nk2)
        out[k] = 2.0 * s
    return out


def _lambda_bosonic_np(nodes, weights, nu):
    """NumPy twin of :func:`_lambda_bosonic_nb`."""
    return 2.0 * np.sum(weights * nodes / (nodes**2 + nu[:, None] ** 2), axis=1)


#: columns of :func:`_lambda_functions_nb`
_LAM_INT, _LAM_INT_C, _LAM, _LAM1, _LAM2, _LAM3 = range(6)


@jit
def _node_sums_nb(x, nodes, weights):
    """The node sums behind lambda(nu) at one nu = x >= 0 (see :func:`_lambda_functions_nb`,
    which scales them): sum w arctan(x/o), sum w arctan(o/x), sum w o u, sum w o x u^2,
    sum w o (3x^2 - o^2) u^3, sum w o x (o^2 - x^2) u^4, u = 1/(o^2 + x^2)."""
    x2 = x * x
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    s4 = 0.0
    s5 = 0.0
    for i in range(nodes.size):
        o = nodes[i]
        o2 = o * o
        w = weights[i]
        u = 1.0 / (o2 + x2)
        wo = w * o
        if x <= o:                   # arctan(x/o) + arctan(o/x) = pi/2: one arctan,
            at = np.arctan(x / o)    # the smaller one, keeps both sums accurate
            s0 += w * at
            s1 += w * (0.5 * np.pi - at)
        else:
            at = np.arctan(o / x)
            s0 += w * (0.5 * np.pi - at)
            s1 += w * at
        s2 += wo * u
        s3 += wo * x * u * u
        s4 += wo * (3.0 * x2 - o2) * u * u * u
        s5 += wo * x * (o2 - x2) * u * u * u * u
    return s0, s1, s2, s3, s4, s5


@pjit
def _lambda_functions_nb(nodes, weights, nu):
    """lambda(nu), its integrals and derivatives at ``nu >= 0``, one row per nu:

    0: Int_0^nu lambda = 2 sum_i w_i arctan(nu / omega_i)
    1: Int_nu^inf lambda = 2 sum_i w_i arctan(omega_i / nu)  (no cancellation at large nu)
    2: lambda(nu), 3: lambda'(nu), 4: lambda''(nu), 5: lambda'''(nu).
    """
    out = np.empty((nu.size, 6))
    for k in prange(nu.size):
        s0, s1, s2, s3, s4, s5 = _node_sums_nb(nu[k], nodes, weights)
        out[k, 0] = 2.0 * s0
        out[k, 1] = 2.0 * s1
        out[k, 2] = 2.0 * s2
        out[k, 3] = -4.0 * s3
        out[k, 4] = 4.0 * s4
        out[k, 5] = 48.0 * s5
    return out


def _lambda_functions_np(nodes, weights, nu):
    """NumPy twin of :func:`_lambda_functions_nb`."""
    x = np.asarray(nu, dtype=float)[:, None]
    u = 1.0 / (nodes**2 + x**2)
    wo = weights * nodes
    return np.stack([
        2.0 * np.sum(weights * np.arctan(x / nodes), axis=1),
        2.0 * np.sum(weights * np.arctan2(nodes, x), axis=1),
        2.0 * np.sum(wo * u, axis=1),
        -4.0 * np.sum(wo * x * u**2, axis=1),
        4.0 * np.sum(wo * (3.0 * x**2 - nodes**2) * u**3, axis=1),
        48.0 * np.sum(wo * x * (nodes**2 - x**2) * u**4, axis=1),
    ], axis=1)


@pjit
def _linear_matrix_nb(lam_k, zw, mu_star, n_c, t_mev):
    """Linearised-gap matrix M_nm = pi T K_nm / (w_m Z_m) (Eq. 10, Delta -> 0).

    K_nm = lambda(n-m) + lambda(n+m+1) - 2 mu* theta(w_c - w_m): the Coulomb
    term acts on the frequencies inside the cutoff (m < n_c) only, as in
    Eq. 10 of paper 000; zw_m = w_m Z_m (normal state).
    """
    n = zw.size
    a = np.empty((n, n))
    for i in prange(n):
        for j in range(n):
            kij = lam_k[abs(i - j)] + lam_k[i + j + 1]
            if j < n_c:
                kij -= 2.0 * mu_star
            a[i, j] = np.pi * t_mev * kij / zw[j]
    return a


def _linear_matrix_np(lam_k, zw, mu_star, n_c, t_mev):
    """NumPy twin of :func:`_linear_matrix_nb`."""
    i = np.arange(zw.size)
    k = lam_k[np.abs(i[:, None] - i[None, :])] + lam_k[i[:, None] + i[None, :] + 1]
    k = k - 2.0 * mu_star * (i[None, :] < n_c)
    return np.pi * t_mev * k / zw[None, :]


@pjit
def _linear_matrix_sym_nb(lam_k, zw, mu_star, t_mev):
    """Symmetrised linearised-gap matrix when every frequency is inside the Coulomb
    cutoff: S = D^(1/2) M D^(-1/2), D = diag(1/zw), i.e.
    S_nm = pi T [lambda(n-m) + lambda(n+m+1) - 2 mu*] / sqrt(zw_n zw_m);
    same eigenvalues as :func:`_linear_matrix_nb` (with n_c = N)."""
    n = zw.size
    a = np.empty((n, n))
    for i in prange(n):
        si = 1.0 / np.sqrt(zw[i])
        for j in range(n):
            kij = lam_k[abs(i - j)] + lam_k[i + j + 1] - 2.0 * mu_star
            a[i, j] = np.pi * t_mev * kij * si / np.sqrt(zw[j])
    return a


def _linear_matrix_sym_np(lam_k, zw, mu_star, t_mev):
    """NumPy twin of :func:`_linear_matrix_sym_nb`."""
    i = np.arange(zw.size)
    k = lam_k[np.abs(i[:, None] - i[None, :])] + lam_k[i[:, None] + i[None, :] + 1] - 2.0 * mu_star
    sq = 1.0 / np.sqrt(zw)
    return np.pi * t_mev * sq[:, None] * k * sq[None, :]


@pjit
def _nonlinear_step_nb(lam_k, wn, delta, mu_star, n_c, t_mev):
    """One fixed-point update (Delta, Z) of the folded Matsubara equations."""
    n = wn.size
    r = np.sqrt(wn * wn + delta * delta)
    cw = wn / r
    cd = delta / r
    z = np.empty(n)
    dnew = np.empty(n)
    for i in prange(n):
        sz = 0.0
        sd = 0.0
        for j in range(n):
            lm = lam_k[abs(i - j)]
            lp = lam_k[i + j + 1]
            sz += (lm - lp) * cw[j]
            kij = lm + lp
            if j < n_c:
                kij -= 2.0 * mu_star
            sd += kij * cd[j]
        z[i] = 1.0 + np.pi * t_mev / wn[i] * sz
        dnew[i] = np.pi * t_mev * sd / z[i]
    return dnew, z


def _nonlinear_step_np(lam_k, wn, delta, mu_star, n_c, t_mev):
    """NumPy twin of :func:`_nonlinear_step_nb`."""
    n = wn.size
    i = np.arange(n)
    lm = lam_k[np.abs(i[:, None] - i[None, :])]
    lp = lam_k[i[:, None] + i[None, :] + 1]
    r = np.sqrt(wn**2 + delta**2)
    z = 1.0 + np.pi * t_mev / wn * ((lm - lp) @ (wn / r))
    k = lm + lp - 2.0 * mu_star * (i[None, :] < n_c)
    return np.pi * t_mev * (k @ (delta / r)) / z, z


# ---------------------------------------------------------------- threads for small work


class _Threads:
    """``with _Threads(work):`` runs the Numba kernels inside on one thread when
    ``work`` (~ flops) is below ``_PARALLEL_WORK``.  A parallel region of a
    few ms waits at its end for every thread; on a loaded machine (2 Snakemake
    jobs on 2 cores, QE in the background) that wait cost more than the
    second thread saved (benchmarks/bench_eliashberg.py: Tc 3-10x slower)."""

    def __init__(self, work: float):
        self.serial = work < _PARALLEL_WORK

    def __enter__(self):
        self.threads = numba_get_num_threads()
        if self.serial:
            numba_set_num_threads(1)
        return self

    def __exit__(self, *exc):
        numba_set_num_threads(self.threads)
        return False


_PARALLEL_WORK = 2e6


# ---------------------------------------------------------------- input checks


def _check_positive(value, field: str, allow_zero: bool = False) -> float:
    v = float(value)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise InputError(None, field, f"expected a finite number {'>=' if allow_zero else '>'} 0, got {value!r}")
    return v


def _check_method(method: str) -> str:
    if method not in ("compressed", "dense"):
        raise InputError(None, "method", f"expected 'compressed' or 'dense', got {method!r}")
    return method


def _check_density(density) -> int:
    if int(density) != density or density < 2:
        raise InputError(None, "density", f"expected an integer >= 2 (cells per e-fold of frequency), got {density!r}")
    return int(density)


# ---------------------------------------------------------------- dense Matsubara set-up


@dataclass
class MatsubaraGrid:
    """Positive fermionic frequencies and the bosonic lambda table at one T."""

    t_mev: float
    wn: np.ndarray          # pi T (2n+1), n = 0..N-1  (meV)
    lam_k: np.ndarray       # lambda(2 pi T k), k = 0..2N
    n_c: int                # number of frequencies with w_n < omega_c (mu* cut)


def _n_matsubara(t_mev: float, cutoff: float) -> int:
    """Number of positive Matsubara frequencies kept up to ``cutoff`` (at least 4)."""
    return max(int(np.ceil((cutoff / (np.pi * t_mev) - 1.0) / 2.0)), 4)


def matsubara_grid(spec: Spectrum, t_k: float, omega_c: float, cutoff: float,
                   numba: bool = True) -> MatsubaraGrid:
    """Frequencies up to ``cutoff`` (meV) and the lambda(nu) table at T = ``t_k``."""
    t = t_k * KB_MEV_PER_K
    n = _n_matsubara(t, cutoff)
    wn = np.pi * t * (2.0 * np.arange(n) + 1.0)
    nu = 2.0 * np.pi * t * np.arange(2 * n + 1)
    lam_fn = _lambda_bosonic_nb if numba else _lambda_bosonic_np
    with _Threads(5.0 * nu.size * spec.omega.size):
        lam_k = lam_fn(spec.omega, spec.weight, nu)
    n_c = int(np.searchsorted(wn, omega_c, side="right"))
    return MatsubaraGrid(t, wn, lam_k, n_c)


def _z_normal(g: MatsubaraGrid) -> np.ndarray:
    """w_n Z_n in the normal state: w_n + pi T [lambda(0) + 2 sum_{k=1}^{n} lambda(k)]."""
    csum = np.cumsum(g.lam_k[: g.wn.size])
    return g.wn + np.pi * g.t_mev * (2.0 * csum - g.lam_k[0])


def _defaults(spec: Spectrum, omega_c, cutoff, factor=10.0):
    omega_c = factor * spec.omega_max if omega_c is None else _check_positive(omega_c, "omega_c")
    cutoff = omega_c if cutoff is None else _check_positive(cutoff, "cutoff")
    return omega_c, max(cutoff, omega_c)


# ---------------------------------------------------------------- lambda(nu) at any nu


class LambdaFunctions:
    """lambda(nu), two of its derivatives and its integrals at any ``nu >= 0``
    (the columns of :func:`_lambda_functions_nb`).

    Up to ``max_exact_nodes`` spectrum nodes the node sums are evaluated
    directly.  Above, they are tabulated once on a grid uniform in
    s = asinh(nu / nu0) (nu0 = the lowest node, step ``ds``) up to ``nu_max``
    and interpolated: the integrals and lambda by quintic Hermite interpolation
    (values and two exact derivatives at both ends, error ~ ds^6), lambda' by
    cubic Hermite, lambda'' and lambda''' linearly (they enter only small
    Euler-Maclaurin corrections).  Points beyond ``nu_max`` are evaluated
    directly.
    """

    def __init__(self, spec: Spectrum, nu_max: float, numba: bool = True,
                 max_exact_nodes: int = 64, ds: float = 0.04):
        keep = spec.weight != 0
        self.nodes = np.ascontiguousarray(spec.omega[keep], dtype=float)
        self.weights = np.ascontiguousarray(spec.weight[keep], dtype=float)
        self._kernel = _lambda_functions_nb if numba else _lambda_functions_np
        self.lam_inf = float(np.pi * np.sum(self.weights))       # Int_0^inf lambda
        self.table = None
        if self.nodes.size > max_exact_nodes:
            nu0 = float(self.nodes.min())
            s = np.arange(0.0, np.arcsinh(nu_max / nu0) + 2 * ds, ds)
            x = nu0 * np.sinh(s)
            self.table = (nu0, ds, x, self._kernel(self.nodes, self.weights, x))

    def kernel_args(self):
        """(nu0, ds, table nu, table values) for the Numba kernels; an empty table
        means direct node sums."""
        if self.table is None:
            return 1.0, 1.0, np.zeros(0), np.zeros((0, 6))
        return self.table

    def exact(self, nu) -> np.ndarray:
        nu = np.ascontiguousarray(nu, dtype=float)
        with _Threads(20.0 * nu.size * self.nodes.size):
            return self._kernel(self.nodes, self.weights, nu)

    def __call__(self, nu) -> np.ndarray:
        nu = np.asarray(nu, dtype=float).ravel()
        if self.table is None:
            return self.exact(nu)
        nu0, ds, x, f = self.table
        k = np.floor(np.arcsinh(nu / nu0) / ds).astype(np.int64)
        out = np.empty((nu.size, 6))
        far = k >= x.size - 1
        if far.any():
            out[far] = self.exact(nu[far])
        near = ~far
        k = k[near]
        x0, x1 = x[k], x[k + 1]
        h = x1 - x0
        t = (nu[near] - x0) / h
        a, b = f[k], f[k + 1]
        t2 = t * t
        t3 = t2 * t
        q0 = 1.0 - 10.0 * t3 + 15.0 * t3 * t - 6.0 * t3 * t2         # quintic Hermite basis
        q1 = t - 6.0 * t3 + 8.0 * t3 * t - 3.0 * t3 * t2
        q2 = 0.5 * (t2 - 3.0 * t3 + 3.0 * t3 * t - t3 * t2)
        q3 = 1.0 - q0
        q4 = -4.0 * t3 + 7.0 * t3 * t - 3.0 * t3 * t2
        q5 = 0.5 * (t3 - 2.0 * t3 * t + t3 * t2)

        def quintic(c0, c1, c2, sign=1.0):
            return (a[:, c0] * q0 + sign * h * a[:, c1] * q1 + sign * h * h * a[:, c2] * q2
                    + b[:, c0] * q3 + sign * h * b[:, c1] * q4 + sign * h * h * b[:, c2] * q5)

        c0 = 1.0 - 3.0 * t2 + 2.0 * t3                                  # cubic Hermite basis
        c1 = t - 2.0 * t2 + t3
        c2 = 3.0 * t2 - 2.0 * t3
        c3 = t3 - t2
        o = np.empty((t.size, 6))
        o[:, _LAM_INT] = quintic(_LAM_INT, _LAM, _LAM1)
        o[:, _LAM_INT_C] = quintic(_LAM_INT_C, _LAM, _LAM1, sign=-1.0)
        o[:, _LAM] = quintic(_LAM, _LAM1, _LAM2)
        o[:, _LAM1] = a[:, _LAM1] * c0 + h * a[:, _LAM2] * c1 + b[:, _LAM1] * c2 + h * b[:, _LAM2] * c3
        o[:, _LAM2] = a[:, _LAM2] + t * (b[:, _LAM2] - a[:, _LAM2])
        o[:, _LAM3] = a[:, _LAM3] + t * (b[:, _LAM3] - a[:, _LAM3])
        out[near] = o
        return out


_K_HEAD = 32     # bosonic indices summed term by term before Euler-Maclaurin


def _range_sums(lf: LambdaFunctions, h: float, head_cum: np.ndarray, p, q) -> np.ndarray:
    """sum_{k=p}^{q-1} lambda(h k) for integer arrays 0 <= p <= q.

    The terms k < 32 come from ``head_cum`` (cumulative sums of lambda(h k),
    k = 0..31); the rest by Euler-Maclaurin from the closed-form integral:
    sum_{k=a}^{b-1} f(k) = Int_a^b f - [f(b) - f(a)]/2 + [f'(b) - f'(a)]/12
    - [f'''(b) - f'''(a)]/720 (f(k) = lambda(h k); remainder < 1e-10 relative
    for a >= 32 because every term is a sum of Lorentzians in k).
    """
    p = np.asarray(p, dtype=np.int64)
    q = np.asarray(q, dtype=np.int64)
    out = head_cum[np.minimum(q, _K_HEAD)] - head_cum[np.minimum(p, _K_HEAD)]
    ps = np.maximum(p, _K_HEAD)
    m = q > ps
    if m.any():
        ia = ps[m]
        ib = q[m]
        allk, inv = np.unique(np.concatenate([ia, ib]), return_inverse=True)
        fk = lf(h * allk.astype(float))
        fa, fb = fk[inv[: ia.size]], fk[inv[ia.size:]]
        # Int_{ha}^{hb} lambda: from the lower integral while it is below half its
        # limit, else from the upper one (no cancellation at either end)
        small = fb[:, _LAM_INT] <= 0.5 * lf.lam_inf
        integ = np.where(small, fb[:, _LAM_INT] - fa[:, _LAM_INT], fa[:, _LAM_INT_C] - fb[:, _LAM_INT_C])
        out[m] += (integ / h - 0.5 * (fb[:, _LAM] - fa[:, _LAM])
                   + h * (fb[:, _LAM1] - fa[:, _LAM1]) / 12.0
                   - h**3 * (fb[:, _LAM3] - fa[:, _LAM3]) / 720.0)
    return out


@jit
def _lf_point_nb(x, nu0, ds, tx, tf, nodes, weights):
    """(Int_0^x lambda, Int_x^inf lambda, lambda, lambda', lambda''') at one x >= 0:
    the table interpolation of :meth:`LambdaFunctions.__call__` or, for an
    empty table or x beyond it, the node sums of :func:`_lambda_functions_nb`."""
    k = -1
    if tx.size > 0:
        k = int(np.floor(np.arcsinh(x / nu0) / ds))
        if k >= tx.size - 1:
            k = -1
    if k < 0:
        s0, s1, s2, s3, _, s5 = _node_sums_nb(x, nodes, weights)
        return 2.0 * s0, 2.0 * s1, 2.0 * s2, -4.0 * s3, 48.0 * s5
    x0 = tx[k]
    h = tx[k + 1] - x0
    t = (x - x0) / h
    t2 = t * t
    t3 = t2 * t
    q0 = 1.0 - 10.0 * t3 + 15.0 * t3 * t - 6.0 * t3 * t2
    q1 = t - 6.0 * t3 + 8.0 * t3 * t - 3.0 * t3 * t2
    q2 = 0.5 * (t2 - 3.0 * t3 + 3.0 * t3 * t - t3 * t2)
    q3 = 1.0 - q0
    q4 = -4.0 * t3 + 7.0 * t3 * t - 3.0 * t3 * t2
    q5 = 0.5 * (t3 - 2.0 * t3 * t + t3 * t2)
    a0 = tf[k, 0]
    a1 = tf[k, 1]
    a2 = tf[k, 2]
    a3 = tf[k, 3]
    a4 = tf[k, 4]
    a5 = tf[k, 5]
    b0 = tf[k + 1, 0]
    b1 = tf[k + 1, 1]
    b2 = tf[k + 1, 2]
    b3 = tf[k + 1, 3]
    b4 = tf[k + 1, 4]
    b5 = tf[k + 1, 5]
    hh = h * h
    lam_int = a0 * q0 + h * a2 * q1 + hh * a3 * q2 + b0 * q3 + h * b2 * q4 + hh * b3 * q5
    lam_int_c = a1 * q0 - h * a2 * q1 - hh * a3 * q2 + b1 * q3 - h * b2 * q4 - hh * b3 * q5
    lam = a2 * q0 + h * a3 * q1 + hh * a4 * q2 + b2 * q3 + h * b3 * q4 + hh * b4 * q5
    c0 = 1.0 - 3.0 * t2 + 2.0 * t3
    c1 = t - 2.0 * t2 + t3
    c2 = 3.0 * t2 - 2.0 * t3
    c3 = t3 - t2
    lam1 = a3 * c0 + h * a4 * c1 + b3 * c2 + h * b4 * c3
    lam3 = a5 + t * (b5 - a5)
    return lam_int, lam_int_c, lam, lam1, lam3


@jit
def _range_sum_nb(p, q, h, head_cum, lam_inf, nu0, ds, tx, tf, nodes, weights):
    """sum_{k=p}^{q-1} lambda(h k), 0 <= p <= q: one-pair version of :func:`_range_sums`."""
    kh = head_cum.size - 1
    out = head_cum[min(q, kh)] - head_cum[min(p, kh)]
    ps = max(p, kh)
    if q > ps:
        ia, ica, la, l1a, l3a = _lf_point_nb(h * ps, nu0, ds, tx, tf, nodes, weights)
        ib, icb, lb, l1b, l3b = _lf_point_nb(h * q, nu0, ds, tx, tf, nodes, weights)
        if ib <= 0.5 * lam_inf:
            integ = ib - ia
        else:
            integ = ica - icb
        out += (integ / h - 0.5 * (lb - la) + h * (l1b - l1a) / 12.0
                - h * h * h * (l3b - l3a) / 720.0)
    return out


@pjit
def _cell_sums_nb(rep, lo, hi, h, head_cum, lam_inf, nu0, ds, tx, tf, nodes, weights):
    """Cell sums of the kernel: s_minus[i, j] = sum_{m=lo_j}^{hi_j - 1} lambda(|rep_i - m|),
    s_plus[i, j] = sum_m lambda(rep_i + m + 1), g[i] = sum_{k=0}^{rep_i} lambda(k)
    (lambda(k) = lambda(h k), bosonic index)."""
    nc = rep.size
    s_minus = np.empty((nc, nc))
    s_plus = np.empty((nc, nc))
    g = np.empty(nc)
    for i in prange(nc):
        n = rep[i]
        g[i] = _range_sum_nb(0, n + 1, h, head_cum, lam_inf, nu0, ds, tx, tf, nodes, weights)
        for j in range(nc):
            a = lo[j]
            b = hi[j]
            if n < a:
                sm = _range_sum_nb(a - n, b - n, h, head_cum, lam_inf, nu0, ds, tx, tf, nodes, weights)
            elif n >= b:
                sm = _range_sum_nb(n - b + 1, n - a + 1, h, head_cum, lam_inf, nu0, ds, tx, tf,
                                   nodes, weights)
            else:
                sm = (_range_sum_nb(0, n - a + 1, h, head_cum, lam_inf, nu0, ds, tx, tf, nodes, weights)
                      + _range_sum_nb(1, b - n, h, head_cum, lam_inf, nu0, ds, tx, tf, nodes, weights))
            s_minus[i, j] = sm
            s_plus[i, j] = _range_sum_nb(n + a + 1, n + b + 1, h, head_cum, lam_inf, nu0, ds, tx, tf,
                                         nodes, weights)
    return s_minus, s_plus, g


def _cell_sums_np(rep, lo, hi, h, head_cum, lf):
    """NumPy twin of :func:`_cell_sums_nb` (vectorised over all pairs)."""
    nc = rep.size
    n = np.broadcast_to(rep[:, None], (nc, nc))
    a = np.broadcast_to(lo[None, :], (nc, nc))
    b = np.broadcast_to(hi[None, :], (nc, nc))
    above, below = n < a, n >= b                  # cell j above / below / containing n
    inside = ~(above | below)
    zero = np.zeros((nc, nc), dtype=np.int64)
    p1 = np.where(above, a - n, np.where(below, n - b + 1, 0))
    q1 = np.where(above, b - n, n - a + 1)
    p2 = np.where(inside, 1, zero)
    q2 = np.where(inside, b - n, zero + 1)
    p3, q3 = n + a + 1, n + b + 1
    sums = _range_sums(lf, h, head_cum, np.concatenate([p1.ravel(), p2.ravel(), p3.ravel(), zero[0]]),
                       np.concatenate([q1.ravel(), q2.ravel(), q3.ravel(), rep + 1]))
    k2 = nc * nc
    s_minus = (sums[:k2] + np.where(inside.ravel(), sums[k2:2 * k2], 0.0)).reshape(nc, nc)
    return s_minus, sums[2 * k2:3 * k2].reshape(nc, nc), sums[3 * k2:]


# ---------------------------------------------------------------- compressed Matsubara axis


def _cells(n_tot: int, n_c: int, density: int, merge: int = 0):
    """Cells [lo, hi) of Matsubara indices covering 0..n_tot-1.

    Width 1 while (a + 1/2) / density < 3, then the largest odd width <=
    (a + 1/2) / density (relative width in frequency ~ 1/density), so that the
    representative index (the middle) is central.  No cell straddles the
    Coulomb cutoff ``n_c``.  ``merge > 0`` makes [0, merge) a single cell.
    """
    bounds = [0]
    a = 0
    if 0 < n_c < merge:                  # the merged cell stays inside the Coulomb cutoff
        merge = n_c
    if merge > 0:
        a = min(merge, n_tot)
        bounds.append(a)
    while a < n_tot:
        w = int((a + 0.5) / density)
        w = max(w - (1 - w % 2), 1)
        b = min(a + w, n_tot)
        if a < n_c < b:
            b = n_c
        bounds.append(b)
        a = b
    bounds = np.array(bounds, dtype=np.int64)
    lo, hi = bounds[:-1], bounds[1:]
    return lo, hi, lo + (hi - lo - 1) // 2


@dataclass
class CompressedGrid:
    """Cells of Matsubara frequencies at one T and the cell sums of the kernel.

    Row i is the equation at the representative frequency ``wn[i]`` (index
    ``rep[i]``); column j stands for the frequencies lo[j] <= m < hi[j], on
    which the gap is taken constant.
    """

    t_mev: float
    lo: np.ndarray
    hi: np.ndarray
    rep: np.ndarray
    wn: np.ndarray          # pi T (2 rep + 1)  (meV)
    n_tot: int              # Matsubara frequencies up to the cutoff
    n_c: int                # ... of which inside the Coulomb cutoff
    kp: np.ndarray          # mean over m in cell j of lambda(n-m) + lambda(n+m+1), n = rep_i (symmetrised)
    km: np.ndarray          # mean over m in cell j of lambda(n-m) - lambda(n+m+1), n = rep_i
    zw: np.ndarray          # normal-state w Z at the representatives (infinite sum, as _z_normal)
    mu: np.ndarray          # sum_{m in cell} 1 / w_m  (1/meV, exact)
    theta: np.ndarray       # 1 for cells inside the Coulomb cutoff, else 0

    @property
    def width(self) -> np.ndarray:
        return self.hi - self.lo


def compressed_grid(spec: Spectrum, t_k: float, omega_c: float, cutoff: float, density: int = 12,
                    numba: bool = True, lf: LambdaFunctions | None = None,
                    merge: int = 0) -> CompressedGrid:
    """Compressed Matsubara axis at T = ``t_k`` (see the module docstring).

    ``lf`` (a :class:`LambdaFunctions` of ``spec``) may be passed to reuse its
    table across temperatures; ``merge`` joins the lowest ``merge`` frequencies
    into one cell (used by :func:`rho_zero_temperature_limit`).
    """
    t = t_k * KB_MEV_PER_K
    h = 2.0 * np.pi * t
    n_tot = _n_matsubara(t, cutoff)
    n_c = int(np.clip(np.floor((omega_c / (np.pi * t) - 1.0) / 2.0) + 1, 0, n_tot))
    if lf is None:
        lf = LambdaFunctions(spec, 2.0 * cutoff + 4.0 * np.pi * t, numba)
    lo, hi, rep = _cells(n_tot, n_c, density, merge)
    w = hi - lo
    head = lf(h * np.arange(_K_HEAD, dtype=float))[:, _LAM]
    head_cum = np.concatenate([[0.0], np.cumsum(head)])
    if numba:
        nu0, ds, tx, tf = lf.kernel_args()
        with _Threads(100.0 * rep.size**2 * (1.0 if tx.size else max(1.0, lf.nodes.size / 8.0))):
            s_minus, s_plus, g_rep = _cell_sums_nb(rep, lo, hi, h, head_cum, lf.lam_inf, nu0, ds, tx, tf,
                                                   lf.nodes, lf.weights)
    else:
        s_minus, s_plus, g_rep = _cell_sums_np(rep, lo, hi, h, head_cum, lf)
    kp = (s_minus + s_plus) / w[None, :]
    km = (s_minus - s_plus) / w[None, :]
    kp = 0.5 * (kp + kp.T)
    wn = np.pi * t * (2.0 * rep + 1.0)
    zw = wn + np.pi * t * (2.0 * g_rep - head[0])
    mu = (digamma(hi + 0.5) - digamma(lo + 0.5)) / h
    theta = (lo < n_c).astype(float)
    return CompressedGrid(t, lo, hi, rep, wn, n_tot, n_c, kp, km, zw, mu, theta)


# ---------------------------------------------------------------- largest eigenvalue


def _top_eigenvalue(a: np.ndarray, symmetric: bool) -> float:
    """Largest (real part of an) eigenvalue of ``a``.

    Symmetric (to rounding): LAPACK's selected-eigenvalue path (only the
    largest one, lower triangle) up to 300 rows, else Lanczos (ARPACK).
    Otherwise all eigenvalues (<= 300 rows) or Arnoldi.  ARPACK starts from a
    constant vector: its default start is random (fresh OS entropy in SciPy
    1.17), which made the result differ in the last bits from call to call;
    the s-wave gap overlaps a constant.
    """
    n = a.shape[0]
    if symmetric:
        if n <= 300:
            return float(eigh(a, eigvals_only=True, subset_by_index=[n - 1, n - 1],
                              check_finite=False)[0])
        from scipy.sparse.linalg import eigsh
        return float(eigsh(a, k=1, which="LA", v0=np.ones(n), return_eigenvectors=False)[0])
    if n <= 300:
        return float(np.linalg.eigvals(a).real.max())
    from scipy.sparse.linalg import eigs
    ev = eigs(a, k=1, which="LR", v0=np.ones(n), return_eigenvectors=False, tol=1e-12)
    return float(ev.real.max())


def _rho_of(kernel: np.ndarray, d: np.ndarray, theta: np.ndarray, mu_star: float, t_mev: float) -> float:
    """Largest eigenvalue of M = pi T (K - 2 mu* 1 theta^T) diag(d).

    When every column is inside the Coulomb cutoff (theta = 1) the similarity
    transform diag(d)^(1/2) M diag(d)^(-1/2) = pi T d^(1/2) (K - 2 mu*) d^(1/2)
    is symmetric; otherwise the Coulomb term (columns only) is not and M is
    treated as a general matrix.
    """
    if theta.all():
        sq = np.sqrt(d)
        return _top_eigenvalue(np.pi * t_mev * sq[:, None] * (kernel - 2.0 * mu_star) * sq[None, :], True)
    return _top_eigenvalue(np.pi * t_mev * (kernel - 2.0 * mu_star * theta[None, :]) * d[None, :], False)


def _rho_dense(spec: Spectrum, mu_star, t_k, omega_c, cutoff, numba) -> float:
    g = matsubara_grid(spec, t_k, omega_c, cutoff, numba)
    zw = _z_normal(g)
    with _Threads(10.0 * zw.size**2):
        if g.n_c >= zw.size:             # symmetric: only the largest eigenvalue
            build = _linear_matrix_sym_nb if numba else _linear_matrix_sym_np
            return _top_eigenvalue(build(g.lam_k, zw, mu_star, g.t_mev), True)
        build = _linear_matrix_nb if numba else _linear_matrix_np
        return _top_eigenvalue(build(g.lam_k, zw, mu_star, g.n_c, g.t_mev), False)


def _rho_compressed(g: CompressedGrid, mu_star: float) -> float:
    return _rho_of(g.kp, g.mu * g.wn / g.zw, g.theta, mu_star, g.t_mev)


def largest_eigenvalue(omega, a2f=None, *, mu_star: float, t_k: float, omega_c=None,
                       cutoff=None, numba: bool = True, method: str = "dense",
                       density: int = 12) -> float:
    """Largest eigenvalue rho of the linearised gap equation at T (rho = 1 at Tc).

    ``method="dense"`` (default here: the reference) keeps every Matsubara
    frequency up to the cutoff; ``"compressed"`` uses the cells of
    :func:`compressed_grid` (cost ~ln(1/T) instead of 1/T).
    """
    spec = _spectrum(omega, a2f)
    omega_c, cutoff = _defaults(spec, omega_c, cutoff)
    mu_star = _check_positive(mu_star, "mu_star", allow_zero=True)
    t_k = _check_positive(t_k, "t_k")
    if _check_method(method) == "dense":
        return _rho_dense(spec, mu_star, t_k, omega_c, cutoff, numba)
    g = compressed_grid(spec, t_k, omega_c, cutoff, _check_density(density), numba)
    return _rho_compressed(g, mu_star)


def rho_zero_temperature_limit(omega, a2f=None, *, mu_star: float, omega_c=None, cutoff=None,
                               density: int = 12, numba: bool = True,
                               lf: LambdaFunctions | None = None) -> float:
    """lim_{T -> 0} of the largest eigenvalue rho(T) of the linearised equations.

    Below an energy Omega far under every phonon energy (lambda(Omega) =
    lambda(0) to 1e-6) the kernel is the constant k0 = 2 (lambda - mu*) and
    Z = 1 + lambda, so all frequencies below Omega act as one mode whose
    diagonal element grows like k0 ln(Omega / T).  With k0 >= 0 (lambda >=
    mu*) rho(T) -> inf: returns ``inf`` (there is always a transition).  With
    k0 < 0 the mode's amplitude is eliminated exactly (Schur complement):
    rho -> the largest eigenvalue of A_HH - A_H0 A_0H / A_00, which does not
    depend on T once T << Omega; it is evaluated in the compressed
    representation at T = Omega / (1000 pi k_B) with [0, Omega) merged into
    one cell.  In this reduced form, for a symmetric kernel (omega_c =
    cutoff), rho rises monotonically with ln(1/T) towards the limit (the tests
    check it against rho(T) down to 1e-9 K).
    """
    spec = _spectrum(omega, a2f)
    omega_c, cutoff = _defaults(spec, omega_c, cutoff)
    mu_star = _check_positive(mu_star, "mu_star", allow_zero=True)
    if lf is None:
        lf = LambdaFunctions(spec, 2.0 * cutoff + 1.0, numba)
    lam0 = float(lf(np.zeros(1))[0, _LAM])
    if lam0 >= mu_star and lam0 > 0:
        return float("inf")
    if lam0 == 0.0:                      # no attraction at all: M = -2 mu* pi T 1 theta^T d
        return 0.0
    omega_low = spec.omega_max
    for _ in range(20):                  # down to 1e-12 omega_max at most
        omega_low /= 4.0
        if lam0 - float(lf(np.array([omega_low]))[0, _LAM]) <= 1e-6 * lam0:
            break
    t_k = omega_low / (1000.0 * np.pi * KB_MEV_PER_K)
    t = t_k * KB_MEV_PER_K
    merge = int(omega_low / (2.0 * np.pi * t))
    g = compressed_grid(spec, t_k, omega_c, cutoff, _check_density(density), numba, lf=lf, merge=merge)
    d = g.mu * g.wn / g.zw
    sq = np.sqrt(d)
    sym = bool(g.theta.all())
    if sym:
        a = np.pi * t * sq[:, None] * (g.kp - 2.0 * mu_star) * sq[None, :]
    else:
        a = np.pi * t * (g.kp - 2.0 * mu_star * g.theta[None, :]) * d[None, :]
    if a[0, 0] >= 0:
        return float("inf")
    schur = a[1:, 1:] - np.outer(a[1:, 0], a[0, 1:]) / a[0, 0]
    return _top_eigenvalue(schur, sym)


# ---------------------------------------------------------------- Tc


class TcUpperBound(float):
    """A temperature (K) that Tc is known to lie below: the transition exists
    (rho(T) exceeds 1 as T -> 0) but below the lowest searched temperature.

    Returned by :func:`tc_eliashberg` with ``below="bound"``; test with
    ``getattr(tc, "is_upper_bound", False)``.  Arithmetic on it gives plain
    floats (the flag does not propagate), so check before using the value.
    """

    is_upper_bound = True

    def __repr__(self) -> str:
        return f"TcUpperBound(< {float(self)!r} K)"


class TcBelowRangeError(InputError):
    """The linearised equations have a transition below the lowest searchable
    temperature; ``field`` names the limiting parameter (``t_min`` or
    ``max_matsubara``) and ``upper_bound`` is that temperature (K)."""

    def __init__(self, field: str, upper_bound: float, problem: str):
        self.upper_bound = float(upper_bound)
        super().__init__(None, field, problem)


class _RhoOfT:
    """rho(T) for one spectrum and set of parameters, the lambda table shared."""

    def __init__(self, spec, mu_star, omega_c, cutoff, method, density, numba):
        self.spec, self.mu_star, self.omega_c, self.cutoff = spec, mu_star, omega_c, cutoff
        self.method, self.density, self.numba = method, density, numba
        self.lf = LambdaFunctions(spec, 2.0 * cutoff + 1.0, numba) if method == "compressed" else None

    def __call__(self, t_k: float) -> float:
        # a compressed axis whose cells are all single frequencies is the dense one
        if self.method == "dense" or _n_matsubara(t_k * KB_MEV_PER_K, self.cutoff) <= 3 * self.density:
            return _rho_dense(self.spec, self.mu_star, t_k, self.omega_c, self.cutoff, self.numba)
        g = compressed_grid(self.spec, t_k, self.omega_c, self.cutoff, self.density, self.numba, lf=self.lf)
        return _rho_compressed(g, self.mu_star)


def tc_eliashberg(omega, a2f=None, mu_star: float = 0.1, omega_c=None, cutoff=None,
                  t_min: float = 1e-4, rtol: float = 1e-6, numba: bool = True,
                  max_matsubara: int = 3000, method: str = "compressed", density: int = 12,
                  below: str = "raise") -> float:
    """Tc (K) of the linearised isotropic Eliashberg equations.

    Parameters
    ----------
    omega, a2f : arrays (meV, dimensionless) or a :class:`Spectrum`
    mu_star : float
        Coulomb pseudopotential at the Coulomb cutoff: applied for |w_m| < ``omega_c``.
    omega_c : float, optional
        Coulomb cutoff (meV); default 10 x the largest phonon energy.
    cutoff : float, optional
        Matsubara sums run up to this energy (meV), default ``omega_c``; a
        numerical parameter (Tc must not depend on it, see tests).
    t_min : float
        Lowest temperature searched (K).  The compressed method costs about
        the same at 1e-4 K as at 10 K.
    method : ``"compressed"`` (default) or ``"dense"`` (the reference, every
        Matsubara frequency; its lowest temperature is raised to
        cutoff / (2 pi k_B ``max_matsubara``)).
    density : int
        Cells per e-fold of frequency of the compressed representation.
    below : ``"raise"`` (default) or ``"bound"``
        What to do when a transition exists below the lowest searchable
        temperature: raise :class:`TcBelowRangeError` naming the limiting
        parameter, or return :class:`TcUpperBound` (that temperature, flagged).

    Returns
    -------
    float
        Tc > 0 (K); or 0.0 when there is provably no transition: rho < 1 at
        the lowest searchable temperature and in the limit T -> 0
        (:func:`rho_zero_temperature_limit` < 1 - 1e-3; always so when a2F = 0).
        Never 0.0 for a transition below the range (see ``below``).

    rho(T) decreases with T.  The search evaluates rho at an Allen-Dynes
    guess (clipped to the searchable range), steps down or up by factors
    1.2, 1.2^2, 1.2^4, ... until rho - 1 changes sign (downwards never past
    the floor, which is evaluated itself: it never gives up above the floor),
    and refines the root of rho(T) = 1 on ln T by Brent's method (tolerance
    ``rtol`` in ln T).
    """
    spec = _spectrum(omega, a2f)
    omega_c, cut = _defaults(spec, omega_c, cutoff)
    mu_star = _check_positive(mu_star, "mu_star", allow_zero=True)
    t_min = _check_positive(t_min, "t_min")
    rtol = _check_positive(rtol, "rtol")
    method = _check_method(method)
    density = _check_density(density)
    if below not in ("raise", "bound"):
        raise InputError(None, "below", f"expected 'raise' or 'bound', got {below!r}")
    if int(max_matsubara) != max_matsubara or max_matsubara < 4:
        raise InputError(None, "max_matsubara", f"expected an integer >= 4, got {max_matsubara!r}")
    if not np.any(spec.weight != 0):
        return 0.0                       # no attraction: rho <= 0 at every T
    t_floor, floor_field = t_min, "t_min"
    if method == "dense":
        t_dense = cut / (2.0 * np.pi * int(max_matsubara) * KB_MEV_PER_K)
        if t_dense > t_floor:
            t_floor, floor_field = t_dense, "max_matsubara"
    rho = _RhoOfT(spec, mu_star, omega_c, cut, method, density, numba)
    cache = {}

    def f(lt):                           # rho - 1 at T = exp(lt), each T evaluated once
        if lt not in cache:
            cache[lt] = rho(float(np.exp(lt))) - 1.0
        return cache[lt]

    # first guess: Allen-Dynes with mu* carried from omega_c down to omega_log
    # (Morel-Anderson scaling); only a starting point
    m = moments(spec)
    mu_ph = mu_star / (1.0 + mu_star * np.log(max(omega_c / m["omega_log"], 1.0)))
    guess = allen_dynes_tc(m["lam"], m["omega_log"], m["omega2"], mu_ph)
    lt_floor = np.log(t_floor)
    lt_cap = np.log(1e3 * spec.omega_max / KB_MEV_PER_K)
    lt0 = np.log(guess) if guess > 0 else np.log(0.5 * spec.omega_max / KB_MEV_PER_K)
    lt0 = min(max(lt0, lt_floor), lt_cap)
    step = np.log(1.2)
    if f(lt0) >= 0:                      # step up (x1.2, x1.44, x2.07, ...) until rho < 1
        lt_lo, lt_hi = lt0, lt0 + step
        while f(lt_hi) >= 0:
            if lt_hi > lt_cap:
                raise RuntimeError(f"rho(T) >= 1 up to {np.exp(lt_hi):.3g} K: no upper bracket for Tc")
            step *= 2.0
            lt_lo, lt_hi = lt_hi, lt_hi + step
    else:                                # step down until rho >= 1, evaluating the floor itself
        lt_hi = lt_lo = lt0
        while f(lt_lo) < 0:
            if lt_lo <= lt_floor:
                return _below_floor(spec, mu_star, omega_c, cut, density, numba, rho.lf,
                                    t_floor, floor_field, f(lt_lo) + 1.0, below)
            step *= 2.0
            lt_hi, lt_lo = lt_lo, max(lt_lo - step, lt_floor)
    if f(lt_lo) == 0:
        return float(np.exp(lt_lo))
    return float(np.exp(brentq(f, lt_lo, lt_hi, xtol=rtol, rtol=1e-12)))


def _below_floor(spec, mu_star, omega_c, cut, density, numba, lf, t_floor, field, rho_floor, below):
    """rho < 1 at the lowest searchable temperature: 0.0 if there is provably no
    transition below it either, else the below-range error or bound."""
    if lf is None:
        lf = LambdaFunctions(spec, 2.0 * cut + 1.0, numba)
    rho_inf = rho_zero_temperature_limit(spec, mu_star=mu_star, omega_c=omega_c, cutoff=cut,
                                         density=density, numba=numba, lf=lf)
    if rho_inf < 1.0 - 1e-3:
        return 0.0
    if below == "bound":
        return TcUpperBound(t_floor)
    why = ("so a transition exists below it" if rho_inf >= 1.0 else
           "within 1e-3 of 1, so a transition below it cannot be excluded")
    how = "lower t_min" if field == "t_min" else "use method='compressed' or raise max_matsubara"
    raise TcBelowRangeError(
        field, t_floor,
        f"no transition down to the lowest searchable temperature {t_floor:.4g} K (largest "
        f"eigenvalue of the linearised gap equation {rho_floor:.6f} < 1 there), but its T -> 0 "
        f"limit is {rho_inf:.6g}, {why}: Tc < {t_floor:.4g} K ({how}, or pass below='bound' to "
        f"get the upper bound)")


# ---------------------------------------------------------------- below Tc


@dataclass
class MatsubaraSolution:
    """Delta(i w_n) and Z(i w_n) at temperature ``t_k``.

    With the compressed method the points are the cell representatives and
    ``width`` the number of Matsubara frequencies each one stands for (all
    ones for the dense method).
    """

    t_k: float
    wn: np.ndarray
    delta: np.ndarray
    z: np.ndarray
    iterations: int
    residual: float
    width: np.ndarray | None = None
    converged: bool = True


def anderson_fixed_point(g, x0: np.ndarray, *, tol: float, max_iter: int, depth: int = 5,
                         beta: float = 0.5, atol: float = 0.0):
    """Fixed point x = g(x) by Anderson mixing (Anderson 1965; Walker & Ni,
    SIAM J. Numer. Anal. 49, 1715 (2011)), history ``depth``, damping ``beta``.

    x_{k+1} = x_k + beta f_k - (dX + beta dF) gamma,  f = g(x) - x, with gamma
    the least-squares solution of dF gamma = f_k over the last ``depth``
    differences dX, dF of iterates and residuals.  ``depth = 0`` is linear
    mixing.  Stops when max|f| <= tol max(max|g(x)|, atol).

    Returns (x, g(x), iterations, residual) with residual = max|f| / max(max|g(x)|, atol).
    """
    x = np.array(x0, dtype=float)
    xs, fs = [], []
    res = np.inf
    gx = g(x)
    for it in range(1, max_iter + 1):
        fx = gx - x
        res = float(np.max(np.abs(fx)) / max(np.max(np.abs(gx)), atol, 1e-300))
        if res <= tol:
            return x, gx, it, res
        xs.append(x.copy())
        fs.append(fx.copy())
        if len(xs) > depth + 1:
            xs.pop(0)
            fs.pop(0)
        if len(xs) > 1:
            dx = np.diff(np.array(xs), axis=0).T
            df = np.diff(np.array(fs), axis=0).T
            gamma = np.linalg.lstsq(df, fx, rcond=None)[0]
            x = x + beta * fx - (dx + beta * df) @ gamma
        else:
            x = x + beta * fx
        gx = g(x)
    fx = gx - x
    res = float(np.max(np.abs(fx)) / max(np.max(np.abs(gx)), atol, 1e-300))
    return x, gx, max_iter, res


def _cell_sums_r(g: CompressedGrid, delta: np.ndarray):
    """sum_{m in cell} 1/R_m and sum w_m/R_m, R_m = sqrt(w_m^2 + Delta^2) (Delta constant
    in a cell): directly for cells of width <= 8, else the integral over
    [2 pi T lo, 2 pi T hi] with the midpoint Euler-Maclaurin correction."""
    t = g.t_mev
    u = 2.0 * np.pi * t
    w = g.width
    d2 = delta * delta
    s1 = np.empty(w.size)
    sw = np.empty(w.size)
    narrow = w <= 8
    if narrow.any():
        off = np.arange(8)
        m = g.lo[narrow, None] + off[None, :]
        valid = off[None, :] < w[narrow, None]
        wm = np.pi * t * (2.0 * m + 1.0)
        r = np.sqrt(wm**2 + d2[narrow, None])
        s1[narrow] = np.sum(np.where(valid, 1.0 / r, 0.0), axis=1)
        sw[narrow] = np.sum(np.where(valid, wm / r, 0.0), axis=1)
    wide = ~narrow
    if wide.any():
        lo_e, hi_e, dd = u * g.lo[wide], u * g.hi[wide], d2[wide]
        ra, rb = np.sqrt(lo_e**2 + dd), np.sqrt(hi_e**2 + dd)
        s1[wide] = (np.log((hi_e + rb) / (lo_e + ra)) / u
                    + u / 24.0 * (hi_e / rb**3 - lo_e / ra**3))
        sw[wide] = (rb - ra) / u - u / 24.0 * (dd / rb**3 - dd / ra**3)
    return s1, sw


def solve_matsubara(omega, a2f=None, *, mu_star: float, t_k: float, omega_c=None,
                    cutoff=None, delta0: float | None = None, tol: float = 1e-10,
                    max_iter: int = 5000, mix: float = 0.5, numba: bool = True,
                    method: str = "compressed", density: int = 12,
                    mixing: str = "anderson", depth: int = 6) -> MatsubaraSolution:
    """Self-consistent Delta(i w_n), Z(i w_n) (meV, 1) at T below Tc.

    Fixed point of the nonlinear equations, started from a constant gap
    ``delta0`` (default 2 x the largest phonon energy / 10), by Anderson
    mixing (``mixing="anderson"``, history ``depth``, damping ``mix``) or
    linear mixing (``"linear"``: Delta <- mix Delta_new + (1 - mix) Delta).
    Converged when max|Delta_new - Delta| <= tol max(max|Delta_new|, 1e-12 meV).
    ``method``/``density`` as in :func:`tc_eliashberg`: with the compressed
    method the points are cell representatives (see
    :class:`MatsubaraSolution`), the cost per iteration ~(density ln(1/T))^2.
    """
    spec = _spectrum(omega, a2f)
    omega_c, cutoff = _defaults(spec, omega_c, cutoff)
    mu_star = _check_positive(mu_star, "mu_star", allow_zero=True)
    t_k = _check_positive(t_k, "t_k")
    method = _check_method(method)
    if mixing not in ("anderson", "linear"):
        raise InputError(None, "mixing", f"expected 'anderson' or 'linear', got {mixing!r}")
    if method == "dense":
        gd = matsubara_grid(spec, t_k, omega_c, cutoff, numba)
        step = _nonlinear_step_nb if numba else _nonlinear_step_np

        def update(d):
            return step(gd.lam_k, gd.wn, d, mu_star, gd.n_c, gd.t_mev)

        wn, width = gd.wn, np.ones(gd.wn.size, dtype=np.int64)
    else:
        g = compressed_grid(spec, t_k, omega_c, cutoff, _check_density(density), numba)
        kd = np.pi * g.t_mev * (g.kp - 2.0 * mu_star * g.theta[None, :])
        kz = np.pi * g.t_mev * g.km / g.wn[:, None]

        def update(d):
            s1, sw = _cell_sums_r(g, d)
            z = 1.0 + kz @ sw
            return (kd @ (d * s1)) / z, z

        wn, width = g.wn, g.width
    d = np.full(wn.size, 0.2 * spec.omega_max if delta0 is None else float(delta0))
    atol = 1e-12
    d, dn, it, res = anderson_fixed_point(lambda x: update(x)[0], d, tol=tol, max_iter=max_iter,
                                          depth=depth if mixing == "anderson" else 0,
                                          beta=mix, atol=atol)
    dn, z = update(d)
    return MatsubaraSolution(t_k, wn, dn, z, it, res, width, res <= tol)


def pade_coefficients(z: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Continued-fraction coefficients of the N-point Pade approximant
    (Vidberg and Serene, J. Low Temp. Phys. 29, 179 (1977))."""
    z = np.asarray(z, dtype=complex)
    g = np.asarray(u, dtype=complex).copy()
    a = np.empty(g.size, dtype=complex)
    a[0] = g[0]
    for p in range(1, g.size):
        g[p:] = (a[p - 1] - g[p:]) / ((z[p:] - z[p - 1]) * g[p:])
        a[p] = g[p]
    return a


def pade_eval(z: np.ndarray, a: np.ndarray, w) -> np.ndarray:
    """Evaluate the Pade continued fraction at complex points ``w``."""
    w = np.asarray(w, dtype=complex)
    a_prev, a_cur = np.zeros_like(w), np.full_like(w, a[0])
    b_prev, b_cur = np.ones_like(w), np.ones_like(w)
    for n in range(1, a.size):
        a_new = a_cur + (w - z[n - 1]) * a[n] * a_prev
        b_new = b_cur + (w - z[n - 1]) * a[n] * b_prev
        a_prev, a_cur, b_prev, b_cur = a_cur, a_new, b_cur, b_new
        scale = np.abs(b_cur) + 1e-300     # avoid overflow of the recursion
        a_prev, a_cur, b_prev, b_cur = a_prev / scale, a_cur / scale, b_prev / scale, b_cur / scale
    return a_cur / b_cur


def gap_edge(omega, a2f=None, *, mu_star: float, t_k: float | None = None, tc_k: float | None = None,
             omega_c=None, cutoff=None, n_pade: int = 128, numba: bool = True,
             method: str = "compressed", density: int = 12) -> float:
    """Gap edge Delta0 (meV): Delta0 = Re Delta(omega = Delta0) on the real axis.

    Delta(i w_n) is solved at ``t_k`` (default Tc/6, where Delta(T) differs
    from Delta(0) by < 1e-4 relative in BCS), continued to the real axis by
    an ``n_pade``-point Pade approximant through the lowest solution points
    (with the compressed method: the exact low frequencies, then the cell
    representatives), and the gap edge found by fixed-point iteration from
    Delta(i w_0).  Returns 0.0 if ``tc_k`` (or the Tc found) is 0.
    """
    spec = _spectrum(omega, a2f)
    if t_k is None:
        tc_k = tc_eliashberg(spec, mu_star=mu_star, omega_c=omega_c, cutoff=cutoff,
                             numba=numba) if tc_k is None else tc_k
        if tc_k <= 0:
            return 0.0
        t_k = tc_k / 6.0
    sol = solve_matsubara(spec, mu_star=mu_star, t_k=t_k, omega_c=omega_c,
                          cutoff=cutoff, numba=numba, method=method, density=density)
    m = min(n_pade, sol.wn.size)
    zpts = 1j * sol.wn[:m]
    coef = pade_coefficients(zpts, sol.delta[:m])
    d0 = float(sol.delta[0])
    for _ in range(200):
        new = float(pade_eval(zpts, coef, d0 + 1e-9j).real)
        if abs(new - d0) < 1e-12 * max(abs(new), 1e-300):
            d0 = new
            break
        d0 = 0.5 * (d0 + new)
    return d0


# ---------------------------------------------------------------- summaries used by the workflow


def summarize(omega, a2f=None, *, mu_star: float, cutoff_factor: float = 10.0,
              with_gap: bool = True) -> dict:
    """Moments and Tc by McMillan, Allen-Dynes and the Eliashberg equations.

    Returns a dict with lam, omega_log, omega2 (meV), omega_c (meV),
    tc_mcmillan, tc_allen_dynes, tc_eliashberg (K), and if ``with_gap``:
    delta0 (meV) and gap_ratio = 2 Delta0 / k_B Tc.  tc_eliashberg = 0 means
    provably no transition (then delta0 = 0, gap_ratio NaN); a transition below
    the searchable range raises :class:`TcBelowRangeError` (see
    :func:`tc_eliashberg`), never 0.
    """
    spec = _spectrum(omega, a2f)
    m = moments(spec)
    omega_c = cutoff_factor * spec.omega_max
    out = dict(m, mu_star=mu_star, omega_c=omega_c,
               tc_mcmillan=mcmillan_tc(m["lam"], m["omega_log"], mu_star),
               tc_allen_dynes=allen_dynes_tc(m["lam"], m["omega_log"], m["omega2"], mu_star),
               tc_eliashberg=tc_eliashberg(spec, mu_star=mu_star, omega_c=omega_c))
    if with_gap:
        tc = out["tc_eliashberg"]
        d0 = gap_edge(spec, mu_star=mu_star, tc_k=tc, omega_c=omega_c) if tc > 0 else 0.0
        out["delta0"] = d0
        out["gap_ratio"] = 2.0 * d0 / (KB_MEV_PER_K * tc) if tc > 0 else float("nan")
    return out


def lambda_scan(omega, a2f=None, *, lambdas, mu_star: float, cutoff_factor: float = 10.0) -> dict:
    """Rescale a2F to each lambda in ``lambdas`` and compute the three Tc's.

    Returns arrays (same length as ``lambdas``): omega_log (meV; unchanged
    by rescaling), tc_mcmillan, tc_allen_dynes, tc_eliashberg (K; 0 and errors
    as in :func:`summarize`).
    """
    spec = _spectrum(omega, a2f)
    lam0 = lambda_from_a2f(spec)
    rows = [summarize(spec.scaled(lam / lam0), mu_star=mu_star, cutoff_factor=cutoff_factor,
                      with_gap=False) for lam in lambdas]
    keys = ("lam", "omega_log", "omega2", "tc_mcmillan", "tc_allen_dynes", "tc_eliashberg")
    return {k: np.array([r[k] for r in rows]) for k in keys}
