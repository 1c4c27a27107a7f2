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
  :func:`solve_matsubara` (Delta(i w_n), Z(i w_n) below Tc) and
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
lambda(n - m) +- lambda(n + m + 1).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

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


# ---------------------------------------------------------------- Matsubara set-up


@dataclass
class MatsubaraGrid:
    """Positive fermionic frequencies and the bosonic lambda table at one T."""

    t_mev: float
    wn: np.ndarray          # pi T (2n+1), n = 0..N-1  (meV)
    lam_k: np.ndarray       # lambda(2 pi T k), k = 0..2N
    n_c: int                # number of frequencies with w_n < omega_c (mu* cut)


def matsubara_grid(spec: Spectrum, t_k: float, omega_c: float, cutoff: float,
                   numba: bool = True) -> MatsubaraGrid:
    """Frequencies up to ``cutoff`` (meV) and the lambda(nu) table at T = ``t_k``."""
    t = t_k * KB_MEV_PER_K
    n = max(int(np.ceil((cutoff / (np.pi * t) - 1.0) / 2.0)), 4)
    wn = np.pi * t * (2.0 * np.arange(n) + 1.0)
    nu = 2.0 * np.pi * t * np.arange(2 * n + 1)
    lam_fn = _lambda_bosonic_nb if numba else _lambda_bosonic_np
    lam_k = lam_fn(spec.omega, spec.weight, nu)
    n_c = int(np.searchsorted(wn, omega_c, side="right"))
    return MatsubaraGrid(t, wn, lam_k, n_c)


def _z_normal(g: MatsubaraGrid) -> np.ndarray:
    """w_n Z_n in the normal state: w_n + pi T [lambda(0) + 2 sum_{k=1}^{n} lambda(k)]."""
    csum = np.cumsum(g.lam_k[: g.wn.size])
    return g.wn + np.pi * g.t_mev * (2.0 * csum - g.lam_k[0])


def _defaults(spec: Spectrum, omega_c, cutoff, factor=10.0):
    omega_c = factor * spec.omega_max if omega_c is None else omega_c
    cutoff = omega_c if cutoff is None else cutoff
    return omega_c, max(cutoff, omega_c)


def largest_eigenvalue(omega, a2f=None, *, mu_star: float, t_k: float, omega_c=None,
                       cutoff=None, numba: bool = True) -> float:
    """Largest eigenvalue of the linearised gap equation at T (=1 at Tc)."""
    spec = _spectrum(omega, a2f)
    omega_c, cutoff = _defaults(spec, omega_c, cutoff)
    g = matsubara_grid(spec, t_k, omega_c, cutoff, numba)
    build = _linear_matrix_nb if numba else _linear_matrix_np
    a = build(g.lam_k, _z_normal(g), mu_star, g.n_c, g.t_mev)
    if a.shape[0] > 400:
        from scipy.sparse.linalg import eigs
        # a fixed start vector: SciPy's default is random (fresh OS entropy in
        # SciPy 1.17), which made Tc differ in the last bits from run to run;
        # the s-wave gap Delta_n > 0 overlaps a constant vector
        ev = eigs(a, k=1, which="LR", v0=np.ones(a.shape[0]), return_eigenvectors=False, tol=1e-12)
        return float(ev.real.max())
    return float(np.linalg.eigvals(a).real.max())


def tc_eliashberg(omega, a2f=None, mu_star: float = 0.1, omega_c=None, cutoff=None,
                  t_min: float = 1e-3, rtol: float = 1e-6, numba: bool = True,
                  max_matsubara: int = 3000) -> float:
    """Tc (K) of the linearised isotropic Eliashberg equations.

    Parameters
    ----------
    omega, a2f : arrays (meV, dimensionless) or a :class:`Spectrum`
    mu_star : float
        Coulomb pseudopotential, applied for |w_m| < ``omega_c``.
    omega_c : float, optional
        Coulomb cutoff (meV); default 10 x the largest phonon energy.
    cutoff : float, optional
        Matsubara sums run up to this energy (meV), default ``omega_c``; a
        numerical parameter (Tc must not depend on it, see tests).
    t_min : float
        Lowest temperature searched (K); returns 0.0 if no instability above it.
    max_matsubara : int
        Largest number of positive Matsubara frequencies allowed; it raises
        the lowest searchable temperature to cutoff / (2 pi k_B max_matsubara).

    The root of ln rho(T) = 0 (rho: largest eigenvalue) is bracketed on a
    logarithmic temperature scale and refined with Brent's method.
    """
    spec = _spectrum(omega, a2f)
    _, cut = _defaults(spec, omega_c, cutoff)
    t_min = max(t_min, cut / (2.0 * np.pi * max_matsubara * KB_MEV_PER_K))

    def f(logt):
        return np.log(largest_eigenvalue(spec, mu_star=mu_star, t_k=np.exp(logt),
                                         omega_c=omega_c, cutoff=cutoff, numba=numba))

    t_hi = 0.5 * spec.omega_max / KB_MEV_PER_K
    f_hi = f(np.log(t_hi))
    while f_hi > 0:
        t_hi *= 2.0
        f_hi = f(np.log(t_hi))
    t_lo = t_hi
    f_lo = f_hi
    while f_lo < 0:
        t_lo /= 3.0
        if t_lo < t_min:
            return 0.0
        f_lo = f(np.log(t_lo))
    return float(np.exp(brentq(f, np.log(t_lo), np.log(t_hi), xtol=rtol, rtol=1e-12)))


# ---------------------------------------------------------------- below Tc


@dataclass
class MatsubaraSolution:
    """Delta(i w_n) and Z(i w_n) at temperature ``t_k``."""

    t_k: float
    wn: np.ndarray
    delta: np.ndarray
    z: np.ndarray
    iterations: int
    residual: float


def solve_matsubara(omega, a2f=None, *, mu_star: float, t_k: float, omega_c=None,
                    cutoff=None, delta0: float | None = None, tol: float = 1e-10,
                    max_iter: int = 5000, mix: float = 0.5, numba: bool = True) -> MatsubaraSolution:
    """Self-consistent Delta(i w_n), Z(i w_n) (meV, 1) at T below Tc.

    Fixed-point iteration with linear mixing, started from a constant gap
    ``delta0`` (default 2 x the largest phonon energy / 10).
    """
    spec = _spectrum(omega, a2f)
    omega_c, cutoff = _defaults(spec, omega_c, cutoff)
    g = matsubara_grid(spec, t_k, omega_c, cutoff, numba)
    step = _nonlinear_step_nb if numba else _nonlinear_step_np
    d = np.full(g.wn.size, 0.2 * spec.omega_max if delta0 is None else delta0)
    res = np.inf
    for it in range(1, max_iter + 1):
        dn, z = step(g.lam_k, g.wn, d, mu_star, g.n_c, g.t_mev)
        res = float(np.max(np.abs(dn - d)) / max(np.max(np.abs(dn)), 1e-300))
        d = mix * dn + (1.0 - mix) * d
        if res < tol:
            break
    dn, z = step(g.lam_k, g.wn, d, mu_star, g.n_c, g.t_mev)
    return MatsubaraSolution(t_k, g.wn, dn, z, it, res)


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
             omega_c=None, cutoff=None, n_pade: int = 128, numba: bool = True) -> float:
    """Gap edge Delta0 (meV): Delta0 = Re Delta(omega = Delta0) on the real axis.

    Delta(i w_n) is solved at ``t_k`` (default Tc/6, where Delta(T) differs
    from Delta(0) by < 1e-4 relative in BCS), continued to the real axis by
    an ``n_pade``-point Pade approximant, and the gap edge found by
    fixed-point iteration from Delta(i w_0).
    """
    spec = _spectrum(omega, a2f)
    if t_k is None:
        tc_k = tc_eliashberg(spec, mu_star=mu_star, omega_c=omega_c, cutoff=cutoff,
                             numba=numba) if tc_k is None else tc_k
        if tc_k <= 0:
            return 0.0
        t_k = tc_k / 6.0
    sol = solve_matsubara(spec, mu_star=mu_star, t_k=t_k, omega_c=omega_c,
                          cutoff=cutoff, numba=numba)
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
    delta0 (meV) and gap_ratio = 2 Delta0 / k_B Tc.
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
    by rescaling), tc_mcmillan, tc_allen_dynes, tc_eliashberg (K).
    """
    spec = _spectrum(omega, a2f)
    lam0 = lambda_from_a2f(spec)
    rows = [summarize(spec.scaled(lam / lam0), mu_star=mu_star, cutoff_factor=cutoff_factor,
                      with_gap=False) for lam in lambdas]
    keys = ("lam", "omega_log", "omega2", "tc_mcmillan", "tc_allen_dynes", "tc_eliashberg")
    return {k: np.array([r[k] for r in rows]) for k in keys}
