"""Fermi-liquid coefficient A(l) of paper 000 (Eqs. 21-38) in the
"halo-only" reading (Eq. 2 taken literally), and the Kadowaki-Woods ratio
(Eq. 40).  The default reading, a structure factor that keeps its sum rule,
is :mod:`.sumrule`; :mod:`.model` builds both.

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
    """All g != 0 with |m|^2 <= m2_max (units of k_F) and their weights 1/|m|^2."""
    g, m2 = reciprocal_vectors(m2_max)
    return np.ascontiguousarray(g / kf_a0), np.ascontiguousarray(1.0 / m2)


def _g_pairs(kf_a0: float, m2_max: int):
    """One g of every (g, -g) pair (the set is inversion symmetric, same weight), as
    separate contiguous x, y, z, weight arrays for the vectorised Numba kernel."""
    g, m2 = reciprocal_vectors(m2_max)
    m = np.rint(g / (2.0 * np.pi)).astype(np.int64)
    half = np.array([tuple(v) > (0, 0, 0) for v in m], dtype=bool)
    gh = g[half] / kf_a0
    assert 2 * half.sum() == len(g)
    return (np.ascontiguousarray(gh[:, 0]), np.ascontiguousarray(gh[:, 1]),
            np.ascontiguousarray(gh[:, 2]), np.ascontiguousarray(1.0 / m2[half]))


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
    # the 53-bit integer is converted through int64: the same value as a uint64 -> float
    # conversion, but one instruction (vcvtqq2pd/cvtsi2sd) that vectorises
    return float(np.int64(_mix_nb(key + np.uint64(n) * _GOLDEN) >> _S11)) * _INV53


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


# Lorentzian sum, vectorised over a block of momenta (inner loop over k, SIMD).  The
# (g, -g) pairs share a weight; 1/d1 + 1/d2 = (d1 + d2)/(d1 d2) and, two pairs at a time
# (``quad``), w_a (d1+d2)/(d1 d2) + w_b (d3+d4)/(d3 d4)
#   = [w_a (d1+d2) d3 d4 + w_b (d3+d4) d1 d2] / (d1 d2 d3 d4):
# one division for four Lorentzians.  Every d = 1 + L^2 |P -+ g|^2 >= 1 is formed from
# the difference vector as in the twin (no P^2 + g^2 - 2 P.g cancellation) and all
# terms are positive, so the rearrangement changes the result only by a few ulp
# (twin agreement ~1e-15).  The product of four d's stays finite while d < 1e75, i.e.
# L^2 (|P|max + |g|max)^2 < 1e70 (|P| <= 4 in the Monte Carlo; :func:`_quad_ok`); beyond
# that one division per pair is used (finite while d < 1e150).  No fastmath: the
# loop over k vectorises without reassociation.
@jit
def _lorentz_sum_block_nb(px, py, pz, m, L2, gx, gy, gz, w, quad, f):
    for k in range(m):
        f[k] = 0.0
    npairs = gx.size
    j0 = 0
    if quad:
        for j in range(0, npairs - 1, 2):
            ax0 = gx[j]
            ay0 = gy[j]
            az0 = gz[j]
            wa = w[j]
            ax1 = gx[j + 1]
            ay1 = gy[j + 1]
            az1 = gz[j + 1]
            wb = w[j + 1]
            for k in range(m):
                x = px[k]
                y = py[k]
                z = pz[k]
                d1 = 1.0 + L2 * ((x - ax0) ** 2 + (y - ay0) ** 2 + (z - az0) ** 2)
                d2 = 1.0 + L2 * ((x + ax0) ** 2 + (y + ay0) ** 2 + (z + az0) ** 2)
                d3 = 1.0 + L2 * ((x - ax1) ** 2 + (y - ay1) ** 2 + (z - az1) ** 2)
                d4 = 1.0 + L2 * ((x + ax1) ** 2 + (y + ay1) ** 2 + (z + az1) ** 2)
                p12 = d1 * d2
                p34 = d3 * d4
                f[k] += (wa * (d1 + d2) * p34 + wb * (d3 + d4) * p12) / (p12 * p34)
        j0 = npairs - npairs % 2
    for j in range(j0, npairs):
        ax0 = gx[j]
        ay0 = gy[j]
        az0 = gz[j]
        wa = w[j]
        for k in range(m):
            x = px[k]
            y = py[k]
            z = pz[k]
            d1 = 1.0 + L2 * ((x - ax0) ** 2 + (y - ay0) ** 2 + (z - az0) ** 2)
            d2 = 1.0 + L2 * ((x + ax0) ** 2 + (y + ay0) ** 2 + (z + az0) ** 2)
            f[k] += wa * (d1 + d2) / (d1 * d2)


@jit
def _weight_block_nb(px, py, pz, m, L2, pref, gx, gy, gz, w, quad, field_average, f):
    """f[k] = kinematic weight x pref x Lorentzian sum at P_k, k < m (the integrand)."""
    _lorentz_sum_block_nb(px, py, pz, m, L2, gx, gy, gz, w, quad, f)
    for k in range(m):
        if field_average:
            kin = (px[k] * px[k] + py[k] * py[k] + pz[k] * pz[k]) / 3.0
        else:
            kin = pz[k] * pz[k]
        f[k] = kin * pref * f[k]


def _quad_ok(kf_l: float, gx, gy, gz, pmax: float = 4.0) -> bool:
    """True if the four-Lorentzian grouping cannot overflow for |P| <= pmax."""
    gmax = float(np.sqrt((gx**2 + gy**2 + gz**2).max())) if gx.size else 0.0
    return float(kf_l) ** 2 * (pmax + gmax) ** 2 < 1e70


def _weight_f_np(px, py, pz, L, kf_a0, g, w, field_average):
    kin = (px**2 + py**2 + pz**2) / 3.0 if field_average else pz**2
    d2 = (px[:, None] - g[:, 0]) ** 2 + (py[:, None] - g[:, 1]) ** 2 + (pz[:, None] - g[:, 2]) ** 2
    f = np.zeros(px.shape)
    terms = w / (1.0 + L * L * d2)
    for j in range(g.shape[0]):          # plain sequential g sum (the kernel groups +-g)
        f = f + terms[:, j]
    return kin * 2.0 * (L / kf_a0) * f


# Pairings: the four directions d0..d3 of one set are assigned to (k1, k2 | k1', k2')
# in 1 or 3 ways, P = d0 + d1 - d2 - d3, d0 + d2 - d1 - d3, d0 + d3 - d1 - d2; every
# assignment is an unbiased sample of the same integrand, their mean is one
# statistically independent "set" value (errors are computed from the sets).
#
# The Numba kernel works on blocks of _BATCH sets.  Directions of a block are drawn
# by try: try 0 of all 4 _BATCH vectors in one SIMD loop, then the rejected vectors
# (21.5 %) are compacted into a list (branch-free) and try 1 is drawn for them in
# another SIMD loop, and so on; the few left after _TRIES tries get the scalar
# fallback of _direction_nb.  The numbers drawn are exactly those of _direction_nb
# (same counters, same arithmetic), only the order of work differs.
_BATCH = 64


@jit
def _marsaglia_try_nb(key, vec, t):
    base = np.uint64(vec * _BLOCK + 2 * t)
    x1 = 2.0 * _uniform_nb(key, base) - 1.0
    x2 = 2.0 * _uniform_nb(key, base + np.uint64(1)) - 1.0
    s = x1 * x1 + x2 * x2
    q = 2.0 * np.sqrt(np.abs(1.0 - s))      # |.|: rejected tries stay finite (discarded)
    return x1 * q, x2 * q, 1.0 - 2.0 * s, (s < 1.0) and (s > 0.0)


@jit
def _directions_block_nb(key, i0, nb, dx, dy, dz, jl, vl, cx, cy, cz, ok):
    """Directions of sets i0 .. i0+nb-1: vector 4 i + v goes to index v _BATCH + (i - i0)."""
    for v in range(4):
        for k in range(nb):
            j = v * _BATCH + k
            dx[j], dy[j], dz[j], ok[j] = _marsaglia_try_nb(key, 4 * (i0 + k) + v, 0)
    n = 0
    for v in range(4):
        for k in range(nb):
            j = v * _BATCH + k
            jl[n] = j
            vl[n] = 4 * (i0 + k) + v
            n += not ok[j]
    t = 1
    while n > 0 and t < _TRIES:
        for m in range(n):
            cx[m], cy[m], cz[m], ok[m] = _marsaglia_try_nb(key, vl[m], t)
        n2 = 0
        for m in range(n):
            j = jl[m]
            dx[j] = cx[m]
            dy[j] = cy[m]
            dz[j] = cz[m]
            jl[n2] = j
            vl[n2] = vl[m]
            n2 += not ok[m]
        n = n2
        t += 1
    for m in range(n):
        j = jl[m]
        dx[j], dy[j], dz[j] = _direction_nb(key, vl[m])


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
def _weights_batch_nb(p, L, kf_a0, gx, gy, gz, w, quad, field_average):
    m = p.shape[0]
    px = np.ascontiguousarray(p[:, 0])
    py = np.ascontiguousarray(p[:, 1])
    pz = np.ascontiguousarray(p[:, 2])
    out = np.empty(m)
    _weight_block_nb(px, py, pz, m, L * L, 2.0 * (L / kf_a0), gx, gy, gz, w, quad,
                     field_average, out)
    return out


def integrand(p, kf_l: float, kf_a0: float, m2_max: int = 3, field_average: bool = True,
              numba: bool = True) -> np.ndarray:
    """Integrand (kinematic weight x f_l) at total momenta ``p[n, 3]`` (units of k_F)."""
    p = np.ascontiguousarray(np.asarray(p, float).reshape(-1, 3))
    if numba:
        gx, gy, gz, w = _g_pairs(kf_a0, m2_max)
        return _weights_batch_nb(p, float(kf_l), float(kf_a0), gx, gy, gz, w,
                                 _quad_ok(kf_l, gx, gy, gz, float(np.abs(p).sum(axis=1).max(initial=0.0))),
                                 bool(field_average))
    g, w = _g_table(kf_a0, m2_max)
    return _weight_f_np(p[:, 0], p[:, 1], p[:, 2], float(kf_l), float(kf_a0), g, w,
                        bool(field_average))


def sample_directions(seed: int, chunk: int, vec_index, numba: bool = True) -> np.ndarray:
    """Unit vectors number ``vec_index`` of chunk ``chunk`` (for tests of the sampler)."""
    key = _chunk_key(seed, chunk)
    vec_index = np.asarray(vec_index, dtype=np.int64)
    if numba:
        return np.array([_direction_nb(key, int(v)) for v in vec_index])
    return np.stack(_directions_np(key, vec_index), axis=1)


# Parallel over chunks (64 by default, equal sizes: balanced on 1-64 threads); every
# chunk owns its scratch arrays and writes its two sums once at the end (no false
# sharing).  Within a chunk the set values are summed in sample order, as in the twin.
@pjit
def _mc_nb(keys, i_begin, i_end, s1_in, s2_in, L, kf_a0, gx, gy, gz, w, quad, field_average, pairings):
    """Sets i_begin .. i_end - 1 of every chunk, added to the running sums s1_in, s2_in
    (:func:`efficiency` calls it segment by segment, so that Python sees Ctrl-C between
    segments; the summation order, hence the result, is the same as in one call)."""
    n_chunks = keys.size
    s1 = np.zeros(n_chunks)
    s2 = np.zeros(n_chunks)
    pref = 2.0 * (L / kf_a0)
    L2 = L * L
    B = _BATCH
    for c in prange(n_chunks):
        key = keys[c]
        dx = np.empty(4 * B)
        dy = np.empty(4 * B)
        dz = np.empty(4 * B)
        cx = np.empty(4 * B)
        cy = np.empty(4 * B)
        cz = np.empty(4 * B)
        ok = np.empty(4 * B, dtype=np.bool_)
        jl = np.empty(4 * B, dtype=np.int64)
        vl = np.empty(4 * B, dtype=np.int64)
        px = np.zeros(3 * B)             # zeros: slots unused by a partial last block
        py = np.zeros(3 * B)             # hold finite values
        pz = np.zeros(3 * B)
        f = np.empty(3 * B)
        a = s1_in[c]
        b = s2_in[c]
        for i0 in range(i_begin, i_end, B):
            nb = min(B, i_end - i0)
            _directions_block_nb(key, i0, nb, dx, dy, dz, jl, vl, cx, cy, cz, ok)
            for k in range(nb):             # P of pairing 0 at k, 1 at k + B, 2 at k + 2B
                px[k] = dx[k] + dx[B + k] - dx[2 * B + k] - dx[3 * B + k]
                py[k] = dy[k] + dy[B + k] - dy[2 * B + k] - dy[3 * B + k]
                pz[k] = dz[k] + dz[B + k] - dz[2 * B + k] - dz[3 * B + k]
            m = nb
            if pairings == 3:
                m = 3 * B
                for k in range(nb):
                    px[B + k] = dx[k] + dx[2 * B + k] - dx[B + k] - dx[3 * B + k]
                    py[B + k] = dy[k] + dy[2 * B + k] - dy[B + k] - dy[3 * B + k]
                    pz[B + k] = dz[k] + dz[2 * B + k] - dz[B + k] - dz[3 * B + k]
                    px[2 * B + k] = dx[k] + dx[3 * B + k] - dx[B + k] - dx[2 * B + k]
                    py[2 * B + k] = dy[k] + dy[3 * B + k] - dy[B + k] - dy[2 * B + k]
                    pz[2 * B + k] = dz[k] + dz[3 * B + k] - dz[B + k] - dz[2 * B + k]
            _weight_block_nb(px, py, pz, m, L2, pref, gx, gy, gz, w, quad, field_average, f)
            for k in range(nb):
                val = f[k]
                if pairings == 3:
                    val += f[B + k]
                    val += f[2 * B + k]
                    val /= 3.0
                a += val
                b += val * val
        s1[c] = a
        s2[c] = b
    return s1, s2


#: sets per call of the Numba kernel (all chunks together): ~0.1-1 s of work, after which
#: Python handles a pending SIGINT (Numba code itself cannot be interrupted)
_SEGMENT_SETS = 2_000_000


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
    keys = np.array([_chunk_key(seed, c) for c in range(n_chunks)], dtype=np.uint64)
    if numba:
        gx, gy, gz, w = _g_pairs(kf_a0, m2_max)
        s1 = np.zeros(n_chunks)
        s2 = np.zeros(n_chunks)
        quad = _quad_ok(kf_l, gx, gy, gz)
        # segments of a multiple of _BATCH sets per chunk (the kernel's block size), so
        # that the blocks, hence the sums, are those of a single call
        seg = max(_BATCH, (_SEGMENT_SETS // (n_chunks * _BATCH)) * _BATCH)
        for i0 in range(0, int(per), seg):
            s1, s2 = _mc_nb(keys, i0, min(int(per), i0 + seg), s1, s2, float(kf_l), float(kf_a0),
                            gx, gy, gz, w, quad, bool(field_average), int(pairings))
    else:
        g, w = _g_table(kf_a0, m2_max)
        s1, s2 = _mc_np(keys, int(per), float(kf_l), float(kf_a0), g, w, bool(field_average),
                        int(pairings))
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
