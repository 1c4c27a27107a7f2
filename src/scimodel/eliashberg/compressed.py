"""Compressed Matsubara axis (see the package docstring): lambda(nu) at any nu
(node sums or a quintic Hermite table), its range sums by Euler-Maclaurin, the
cell sums of the kernel, the cells and :func:`compressed_grid`, and the cell
sums of 1/R below Tc.

Every Numba kernel that calls another one lives in this file (Numba's cache
does not see changes in a callee defined in another file)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma

from ..numba_config import jit, pjit, prange
from ..units import KB_MEV_PER_K
from ._common import _Threads
from .matsubara import _n_matsubara
from .spectrum import Spectrum


# ---------------------------------------------------------------- lambda(nu) at any nu


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
    """Compressed Matsubara axis at T = ``t_k`` (see the package docstring).

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



# ---------------------------------------------------------------- cell sums of 1/R below Tc


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
