"""Fermi-liquid coefficient A(l) of paper 000 (Eqs. 21-38) and the
Kadowaki-Woods ratio (Eq. 40).

Momentum-relaxation efficiency (Eq. 33), evaluated by Monte Carlo over the
four Fermi-surface momenta k1, k2, k1', k2' (uniform on the sphere |k| = k_F):

    E_l = < [u.(k1 + k2 - k1' - k2') / k_F]^2 f_l(k1 + k2 - k1' - k2') >,
    F_l^2 = F_0^2 (hbar k_F / m*)^2 (4 pi)^4 / (2 pi)^12 E_l,

since Phi_k = u.v_k = (hbar k_F / m*) u.k/k_F (Eq. 33-34).  We report E_l
(dimensionless) and :data:`ANGULAR_FACTOR` = (4 pi)^4 / (2 pi)^12.

Readings taken for f_l (Eq. 21, f = sum_q S_q(k1'-k1) S_-q(k2'-k2), the
autoconvolution of the structure factor of Eq. 2 evaluated at the
non-conserved total momentum P = k1 + k2 - k1' - k2'):

* the delta x delta term gives P = 0 (normal processes), whose kinematic
  weight (u.P)^2 vanishes; the delta x Lorentzian terms (two of them) give
  2 sum_{g != 0} S_max(g) / (1 + l^2 |P - g|^2) with S_max(g) = (l/a0)/|m|^2
  (:mod:`.paracrystal`); the Lorentzian x Lorentzian term is second order in
  the broadening and dropped;
* the g sum is truncated at |m|^2 <= m2_max (config).
With 4 k_F < |g_min| = 2 pi / a0 (k_F a0 < pi/2) no umklapp is possible in the
pristine lattice, f_inf carries no weight, and E_l ~ 1/l -> 0 as l -> infinity
(the "A(inf) = 0 for a small single-band Fermi surface" case of the paper).
For k_F a0 >= pi/2 the pristine-lattice umklapp (a true delta at P = g) is
not represented by this Lorentzian model, so A(inf) would be missing.

Each set of four random directions is used in ``pairings`` = 3 assignments
(k1, k2 | k1', k2') (default; 1 = plain), whose mean is one independent set
value: three integrand evaluations for the price of four directions, and a
smaller variance per evaluation.  ``n_samples`` counts integrand evaluations.

``field_average=True`` replaces (u.P)^2 by |P|^2/3 (average over u along x,
y, z), which has the same expectation because f_l has cubic symmetry, and a
smaller variance.

Random numbers: the samples are split into ``n_chunks`` chunks; chunk c uses
a counter-based splitmix64 stream keyed by (seed, c) (:func:`uniforms`), so
the result is independent of the number of threads and the NumPy twin draws
the very same numbers as the Numba kernel.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..numba_config import jit, pjit, prange
from .paracrystal import reciprocal_vectors

#: (4 pi)^4 / (2 pi)^12: solid angles of Eq. 33 over the MC average.
ANGULAR_FACTOR = (4.0 * np.pi) ** 4 / (2.0 * np.pi) ** 12


def _g_table(kf_a0: float, m2_max: int):
    g, m2 = reciprocal_vectors(m2_max)
    return np.ascontiguousarray(g / kf_a0), np.ascontiguousarray(1.0 / m2)


# ---------------------------------------------------------------- counter-based random numbers
# splitmix64 (Steele, Lea & Flood 2014) of a counter: u = mix(key_c + n) / 2^64 with
# key_c = mix(seed * GOLDEN + c).  Pure function of (seed, chunk, counter), so the
# Numba kernel and the NumPy twin draw exactly the same numbers.
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0


@jit
def _mix_nb(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@jit
def _uniform_nb(key, n):
    return float(_mix_nb(key + np.uint64(n) * _GOLDEN) >> _S11) * _INV53


def _mix_np(z):
    z = np.asarray(z, dtype=np.uint64)
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def _chunk_key(seed: int, c: int) -> np.uint64:
    with np.errstate(over="ignore"):
        return _mix_np(np.array([seed], np.uint64) * _GOLDEN + np.array([c], np.uint64))[0]


def uniforms(seed: int, chunk: int, start: int, count: int) -> np.ndarray:
    """The uniforms number start .. start+count-1 of chunk ``chunk`` (NumPy)."""
    key = _chunk_key(seed, chunk)
    n = np.arange(start, start + count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return (_mix_np(key + n * _GOLDEN) >> _S11).astype(np.float64) * _INV53


# ---------------------------------------------------------------- integrand
# Directions: Marsaglia (1972) rejection, x1, x2 uniform in (-1, 1) with
# s = x1^2 + x2^2 < 1 -> (2 x1 sqrt(1-s), 2 x2 sqrt(1-s), 1 - 2 s), no trigonometry.
# Vector v of sample i tries pairs t = 0, 1, ... drawn from its own counter block
# n = (4 i + v) * 64 + 2 t (+1); after 32 rejections (probability 1e-21) it falls
# back to the last pair projected onto the unit circle.
_BLOCK = 64
_TRIES = 32


@jit
def _direction_nb(key, vec_index):
    base = vec_index * _BLOCK
    x1 = 0.0
    x2 = 0.0
    s = 0.0
    for t in range(_TRIES):
        x1 = 2.0 * _uniform_nb(key, base + 2 * t) - 1.0
        x2 = 2.0 * _uniform_nb(key, base + 2 * t + 1) - 1.0
        s = x1 * x1 + x2 * x2
        if s < 1.0 and s > 0.0:
            break
    if s >= 1.0 or s <= 0.0:
        r = np.sqrt(s) if s > 0.0 else 1.0
        x1 = x1 / r * 0.999999
        x2 = x2 / r * 0.999999 if s > 0.0 else 0.0
        s = x1 * x1 + x2 * x2
    q = 2.0 * np.sqrt(1.0 - s)
    return x1 * q, x2 * q, 1.0 - 2.0 * s


def _directions_np(key, vec_index):
    """NumPy twin of :func:`_direction_nb` for an array of vector indices."""
    vec_index = np.asarray(vec_index, dtype=np.uint64)
    t = np.arange(_TRIES, dtype=np.uint64)
    n1 = vec_index[:, None] * np.uint64(_BLOCK) + np.uint64(2) * t[None, :]
    with np.errstate(over="ignore"):
        u1 = (_mix_np(key + n1 * _GOLDEN) >> _S11).astype(np.float64) * _INV53
        u2 = (_mix_np(key + (n1 + np.uint64(1)) * _GOLDEN) >> _S11).astype(np.float64) * _INV53
    x1 = 2.0 * u1 - 1.0
    x2 = 2.0 * u2 - 1.0
    s = x1 * x1 + x2 * x2
    ok = (s < 1.0) & (s > 0.0)
    first = np.where(ok.any(axis=1), ok.argmax(axis=1), _TRIES - 1)
    rows = np.arange(x1.shape[0])
    x1 = x1[rows, first]
    x2 = x2[rows, first]
    s = s[rows, first]
    bad = ~((s < 1.0) & (s > 0.0))
    if bad.any():
        r = np.where(s > 0.0, np.sqrt(np.where(s > 0.0, s, 1.0)), 1.0)
        x1 = np.where(bad, x1 / r * 0.999999, x1)
        x2 = np.where(bad, np.where(s > 0.0, x2 / r * 0.999999, 0.0), x2)
        s = np.where(bad, x1 * x1 + x2 * x2, s)
    q = 2.0 * np.sqrt(1.0 - s)
    return x1 * q, x2 * q, 1.0 - 2.0 * s


# fastmath reassoc/contract on this small kernel only: it lets LLVM pipeline the
# g sum; the twin still agrees to ~1e-15 relative.
@jit(fastmath={"reassoc", "contract"})
def _weight_f_nb(px, py, pz, L2, pref, g, w, field_average):
    if field_average:
        kin = (px * px + py * py + pz * pz) / 3.0
    else:
        kin = pz * pz
    f = 0.0
    for j in range(g.shape[0]):
        dx = px - g[j, 0]
        dy = py - g[j, 1]
        dz = pz - g[j, 2]
        f += w[j] / (1.0 + L2 * (dx * dx + dy * dy + dz * dz))
    return kin * pref * f


def _weight_f_np(px, py, pz, L, kf_a0, g, w, field_average):
    kin = (px**2 + py**2 + pz**2) / 3.0 if field_average else pz**2
    d2 = (px[:, None] - g[:, 0]) ** 2 + (py[:, None] - g[:, 1]) ** 2 + (pz[:, None] - g[:, 2]) ** 2
    f = np.zeros(px.shape)
    terms = w / (1.0 + L * L * d2)
    for j in range(g.shape[0]):          # same summation order as the kernel
        f = f + terms[:, j]
    return kin * 2.0 * (L / kf_a0) * f


# Pairings: the four directions d0..d3 of one set are assigned to (k1, k2 | k1', k2')
# in 1 or 3 ways, P = d0 + d1 - d2 - d3, d0 + d2 - d1 - d3, d0 + d3 - d1 - d2; every
# assignment is an unbiased sample of the same integrand, their mean is one
# statistically independent "set" value (errors are computed from the sets).
@jit
def _sample_nb(key, i, L2, pref, g, w, field_average, pairings):
    x0, y0, z0 = _direction_nb(key, 4 * i)
    x1, y1, z1 = _direction_nb(key, 4 * i + 1)
    x2, y2, z2 = _direction_nb(key, 4 * i + 2)
    x3, y3, z3 = _direction_nb(key, 4 * i + 3)
    val = _weight_f_nb(x0 + x1 - x2 - x3, y0 + y1 - y2 - y3, z0 + z1 - z2 - z3,
                       L2, pref, g, w, field_average)
    if pairings == 3:
        val += _weight_f_nb(x0 + x2 - x1 - x3, y0 + y2 - y1 - y3, z0 + z2 - z1 - z3,
                            L2, pref, g, w, field_average)
        val += _weight_f_nb(x0 + x3 - x1 - x2, y0 + y3 - y1 - y2, z0 + z3 - z1 - z2,
                            L2, pref, g, w, field_average)
        val /= 3.0
    return val


def _samples_np(key, start, count, L, kf_a0, g, w, field_average, pairings):
    i = np.arange(start, start + count, dtype=np.uint64)
    d = [_directions_np(key, np.uint64(4) * i + np.uint64(v)) for v in range(4)]

    def comb(a, b, c, e):
        return [d[a][k] + d[b][k] - d[c][k] - d[e][k] for k in range(3)]
    val = _weight_f_np(*comb(0, 1, 2, 3), L, kf_a0, g, w, field_average)
    if pairings == 3:
        val = val + _weight_f_np(*comb(0, 2, 1, 3), L, kf_a0, g, w, field_average)
        val = val + _weight_f_np(*comb(0, 3, 1, 2), L, kf_a0, g, w, field_average)
        val = val / 3.0
    return val


@jit
def _weights_batch_nb(p, L, kf_a0, g, w, field_average):
    out = np.empty(p.shape[0])
    pref = 2.0 * (L / kf_a0)
    for i in range(p.shape[0]):
        out[i] = _weight_f_nb(p[i, 0], p[i, 1], p[i, 2], L * L, pref, g, w, field_average)
    return out


def integrand(p, kf_l: float, kf_a0: float, m2_max: int = 3, field_average: bool = True,
              numba: bool = True) -> np.ndarray:
    """Integrand (kinematic weight x f_l) at total momenta ``p[n, 3]`` (units of k_F)."""
    g, w = _g_table(kf_a0, m2_max)
    p = np.ascontiguousarray(np.asarray(p, float).reshape(-1, 3))
    if numba:
        return _weights_batch_nb(p, float(kf_l), float(kf_a0), g, w, bool(field_average))
    return _weight_f_np(p[:, 0], p[:, 1], p[:, 2], float(kf_l), float(kf_a0), g, w,
                        bool(field_average))


def sample_directions(seed: int, chunk: int, vec_index, numba: bool = True) -> np.ndarray:
    """Unit vectors number ``vec_index`` of chunk ``chunk`` (for tests of the sampler)."""
    key = _chunk_key(seed, chunk)
    vec_index = np.asarray(vec_index, dtype=np.int64)
    if numba:
        return np.array([_direction_nb(key, int(v)) for v in vec_index])
    return np.stack(_directions_np(key, vec_index), axis=1)


@pjit
def _mc_nb(keys, per_chunk, L, kf_a0, g, w, field_average, pairings):
    n_chunks = keys.size
    s1 = np.zeros(n_chunks)
    s2 = np.zeros(n_chunks)
    pref = 2.0 * (L / kf_a0)
    L2 = L * L
    for c in prange(n_chunks):
        key = keys[c]
        a = 0.0
        b = 0.0
        for i in range(per_chunk):
            val = _sample_nb(key, i, L2, pref, g, w, field_average, pairings)
            a += val
            b += val * val
        s1[c] = a
        s2[c] = b
    return s1, s2


def _mc_np(keys, per_chunk, L, kf_a0, g, w, field_average, pairings, block=100_000):
    s1 = np.zeros(keys.size)
    s2 = np.zeros(keys.size)
    for c, key in enumerate(keys):
        a = 0.0
        b = 0.0
        for start in range(0, per_chunk, block):
            cnt = min(block, per_chunk - start)
            val = _samples_np(key, start, cnt, L, kf_a0, g, w, field_average, pairings)
            for v in val.tolist():        # sequential summation, same order as the kernel
                a += v
                b += v * v
        s1[c] = a
        s2[c] = b
    return s1, s2


@dataclass
class MCResult:
    mean: float        # E_l
    stderr: float      # one-sigma statistical error of the mean
    n_samples: int     # integrand evaluations (= n_sets * pairings)
    seed: int
    n_sets: int = 0    # independent sets of four Fermi-surface directions


def efficiency(kf_l: float, kf_a0: float, *, n_samples: int = 1_000_000, seed: int = 0,
               m2_max: int = 3, field_average: bool = True, n_chunks: int = 64,
               pairings: int = 3, numba: bool = True) -> MCResult:
    """Monte Carlo estimate of E_l (module doc) with its standard error.

    ``n_samples`` integrand evaluations are made from n_samples / pairings
    independent sets of four directions (``pairings`` = 1 or 3, see above).
    """
    if pairings not in (1, 3):
        raise InputError(None, "pairings", f"got {pairings}; expected 1 or 3")
    if n_samples < n_chunks * 2 * pairings:
        raise InputError(None, "n_samples", f"got {n_samples}; expected >= {2 * n_chunks * pairings}")
    if not np.isfinite(kf_l):
        return MCResult(0.0, 0.0, 0, seed)     # f_inf has no weight when k_F a0 < pi/2
    per = n_samples // (n_chunks * pairings)
    g, w = _g_table(kf_a0, m2_max)
    keys = np.array([_chunk_key(seed, c) for c in range(n_chunks)], dtype=np.uint64)
    run = _mc_nb if numba else _mc_np
    s1, s2 = run(keys, int(per), float(kf_l), float(kf_a0), g, w, bool(field_average), int(pairings))
    n = per * n_chunks
    mean = s1.sum() / n
    var = max(s2.sum() / n - mean**2, 0.0)
    return MCResult(float(mean), float(np.sqrt(var / n)), int(n * pairings), int(seed), int(n))


# ---------------------------------------------------------------- A(l), Eqs. 26, 32, 36, 38

def coupling_factor(lam, mu_star: float):
    """((lambda - mu*)/(1 + lambda))^2 = (N(eF) V_tot)^2 of Eqs. 26 and 38."""
    lam = np.asarray(lam, float)
    return ((lam - mu_star) / (1.0 + lam)) ** 2


def a_coefficient(eff, lam, mu_star: float, scale: float = 1.0):
    """A(l) = F_l^2 |V_tot|^2 (Eq. 32 with Eq. 38), in units of ``scale`` x ANGULAR_FACTOR^-1:
    A = scale * E_l * ((lambda_l - mu*)/(1 + lambda_l))^2."""
    return scale * np.asarray(eff, float) * coupling_factor(lam, mu_star)


def eq36_coefficients(lambda_inf: float, mu_star: float):
    """(a1, a2) of Eq. 36: as printed and exact Taylor coefficients of
    ((lambda - mu*)/(1 + lambda))^2 about lambda_inf.  Returns dict."""
    lam, mu = lambda_inf, mu_star
    a1 = 2.0 * abs(lam - mu) * (1.0 + mu) / (1.0 + lam) ** 3
    a2_paper = (1.0 + mu - abs(lam - mu)) * (1.0 + mu) / (1.0 + lam) ** 4
    a2_exact = (1.0 + mu) * (1.0 + 3.0 * mu - 2.0 * lam) / (1.0 + lam) ** 4
    return dict(a1=a1, a2_paper=a2_paper, a2_exact=a2_exact)


# ---------------------------------------------------------------- Eq. 40

def kadowaki_woods(f2_ratio, n_m3: float, dos_per_J_m3: float, v2_m2_s2: float, d: float = 1.0):
    """Eq. 40: A / gamma^2 = 81 / (4 pi hbar k_B^2 e^2) (F_l^2/F_inf^2) / (d^2 n N^2 <v_x^2>),
    SI inputs (carrier density m^-3, DOS J^-1 m^-3, velocity^2 m^2/s^2)."""
    import scipy.constants as c
    pref = 81.0 / (4.0 * np.pi * c.hbar * c.k**2 * c.e**2)
    return pref * np.asarray(f2_ratio, float) / (d**2 * n_m3 * dos_per_J_m3**2 * v2_m2_s2)
