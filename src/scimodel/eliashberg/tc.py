"""Largest eigenvalue rho(T) of the linearised gap equation (dense and compressed),
its T -> 0 limit, and the Tc search (:func:`tc_eliashberg`, :class:`TcUpperBound`,
:class:`TcBelowRangeError`)."""
from __future__ import annotations

import numpy as np
from scipy.linalg import eigh
from scipy.optimize import brentq

from ..errors import InputError
from ..units import KB_MEV_PER_K
from ._common import _check_density, _check_method, _check_positive, _defaults, _Threads
from .compressed import _LAM, CompressedGrid, LambdaFunctions, compressed_grid
from .formulas import allen_dynes_tc, moments
from .matsubara import (
    _linear_matrix_nb, _linear_matrix_np, _linear_matrix_sym_nb, _linear_matrix_sym_np,
    _n_matsubara, _z_normal, matsubara_grid,
)
from .spectrum import Spectrum, _spectrum


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

