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

Modules
-------
spectrum    :class:`Spectrum` (alpha2F as a quadrature)
formulas    moments of alpha2F, McMillan, Allen-Dynes, Morel-Anderson mu*
matsubara   dense Matsubara axis: Numba kernels and NumPy twins, :func:`matsubara_grid`
compressed  compressed Matsubara axis: lambda(nu) at any nu (:class:`LambdaFunctions`),
            cell sums (Numba and NumPy twins), :func:`compressed_grid`
tc          largest eigenvalue rho(T), its T -> 0 limit, :func:`tc_eliashberg`
mixing      :func:`anderson_fixed_point`
gap         :func:`solve_matsubara`, Pade continuation, :func:`gap_edge`
summary     :func:`summarize`, :func:`lambda_scan` (used by the workflow)
_common     thread switch for small Numba work, input checks, default cutoffs
"""
from __future__ import annotations

from .spectrum import Spectrum, _spectrum
from .formulas import (
    allen_dynes_factors, allen_dynes_tc, lambda_from_a2f, mcmillan_tc, moments,
    mu_star_morel_anderson, omega2_rms, omega_log,
)
from ._common import _defaults
from .matsubara import (
    MatsubaraGrid, _lambda_bosonic_nb, _lambda_bosonic_np, _linear_matrix_nb, _linear_matrix_np,
    _linear_matrix_sym_nb, _linear_matrix_sym_np, _n_matsubara, _nonlinear_step_nb,
    _nonlinear_step_np, _z_normal, matsubara_grid,
)
from .compressed import (
    _K_HEAD, _LAM, _LAM1, _LAM_INT, _LAM_INT_C, CompressedGrid, LambdaFunctions, _cell_sums_nb,
    _cell_sums_np, _cells, _lambda_functions_nb, _lambda_functions_np, _lf_point_nb, _range_sums,
    compressed_grid,
)
from .tc import (
    TcBelowRangeError, TcUpperBound, _RhoOfT, largest_eigenvalue, rho_zero_temperature_limit,
    tc_eliashberg,
)
from .mixing import anderson_fixed_point
from .gap import MatsubaraSolution, gap_edge, pade_coefficients, pade_eval, solve_matsubara
from .summary import lambda_scan, summarize

__all__ = [
    # public API
    "Spectrum",
    "lambda_from_a2f", "omega_log", "omega2_rms", "moments",
    "mcmillan_tc", "allen_dynes_factors", "allen_dynes_tc", "mu_star_morel_anderson",
    "MatsubaraGrid", "matsubara_grid",
    "LambdaFunctions", "CompressedGrid", "compressed_grid",
    "largest_eigenvalue", "rho_zero_temperature_limit",
    "TcUpperBound", "TcBelowRangeError", "tc_eliashberg",
    "anderson_fixed_point",
    "MatsubaraSolution", "solve_matsubara", "pade_coefficients", "pade_eval", "gap_edge",
    "summarize", "lambda_scan",
    # private names that tests and benchmarks reach as scimodel.eliashberg.<name>
    "_spectrum", "_defaults",
    "_lambda_bosonic_nb", "_lambda_bosonic_np", "_linear_matrix_nb", "_linear_matrix_np",
    "_linear_matrix_sym_nb", "_linear_matrix_sym_np", "_nonlinear_step_nb", "_nonlinear_step_np",
    "_n_matsubara", "_z_normal",
    "_K_HEAD", "_LAM", "_LAM1", "_LAM_INT", "_LAM_INT_C", "_cells", "_cell_sums_nb",
    "_cell_sums_np", "_lambda_functions_nb", "_lambda_functions_np", "_lf_point_nb",
    "_range_sums",
    "_RhoOfT",
]
