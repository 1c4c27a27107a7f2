"""Below Tc: the nonlinear Matsubara equations (:func:`solve_matsubara`), Pade
continuation to the real axis and the gap edge (:func:`gap_edge`)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ._common import _check_density, _check_method, _check_positive, _defaults
from .compressed import _cell_sums_r, compressed_grid
from .matsubara import _nonlinear_step_nb, _nonlinear_step_np, matsubara_grid
from .mixing import anderson_fixed_point
from .spectrum import _spectrum
from .tc import tc_eliashberg


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
