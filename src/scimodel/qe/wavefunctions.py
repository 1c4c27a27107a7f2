"""Kohn-Sham wavefunctions from pw.x's ``wfc<ik>.dat`` files (QE 6.x binary format)
and their periodic parts on a real-space grid.

A ``wfc<ik>.dat`` file (``outdir/<prefix>.save/``, written by ``io_base::write_wfc``
with ``wf_collect``, the default since QE 6.2) is a Fortran sequential
unformatted file, every record framed by its length in bytes (int32):

1. ``ik`` (int32), ``xk(3)`` (float64, Cartesian, 1/bohr), ``ispin`` (int32),
   ``gamma_only`` (Fortran logical, int32), ``scalef`` (float64);
2. ``ngw, igwx, npol, nbnd`` (int32): ``igwx`` plane waves of this k;
3. ``b1, b2, b3`` (float64, Cartesian, 1/bohr);
4. Miller indices of the plane waves (int32, igwx x 3);
5. ``nbnd`` records of ``npol * igwx`` complex128 coefficients, one per band.

Only ``npol = 1`` (no spinors) and ``gamma_only = .false.`` are read: the
Coulomb matrix elements of :mod:`scimodel.scdft.coulomb_me` need full k meshes
of scalar-relativistic states.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.fft

from ..errors import InputError


@dataclass
class Wavefunction:
    """Plane-wave coefficients of the bands at one k point."""

    ik: int
    k_cart: np.ndarray          # (3,) 1/bohr
    b: np.ndarray               # (3, 3) reciprocal vectors as rows, 1/bohr
    miller: np.ndarray          # (n_pw, 3) int
    coeffs: np.ndarray          # (n_bands, n_pw) complex, each row normalised to 1

    @property
    def n_bands(self) -> int:
        return int(self.coeffs.shape[0])


def _records(raw: bytes, path: Path) -> list[bytes]:
    out, pos = [], 0
    while pos < len(raw):
        if pos + 4 > len(raw):
            raise InputError(path, "<record header>", f"file ends inside a record marker at byte {pos}")
        n = int(np.frombuffer(raw, np.int32, 1, pos)[0])
        end = pos + 4 + n
        if n < 0 or end + 4 > len(raw) or int(np.frombuffer(raw, np.int32, 1, end)[0]) != n:
            raise InputError(path, "<record>", f"record at byte {pos} (length {n}) is truncated or not "
                             "framed by equal length markers; expected a QE 6.x wfc<ik>.dat file")
        out.append(raw[pos + 4:end])
        pos = end + 4
    return out


def read_wfc(path: str | os.PathLike) -> Wavefunction:
    """Read one ``wfc<ik>.dat`` (module doc).

    Raises
    ------
    InputError
        Not a QE 6.x wavefunction file, spinors, gamma-only storage, or a record of
        the wrong length (the file, the field and what was expected are named).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "<file>", "wavefunction file does not exist")
    rec = _records(path.read_bytes(), path)
    if len(rec) < 4 or len(rec[0]) != 44 or len(rec[1]) != 16 or len(rec[2]) != 72:
        raise InputError(path, "<header>", "expected records of 44, 16 and 72 bytes (ik, xk, ispin, "
                         "gamma_only, scalef / ngw, igwx, npol, nbnd / b1, b2, b3)")
    ik = int(np.frombuffer(rec[0], np.int32, 1, 0)[0])
    xk = np.frombuffer(rec[0], np.float64, 3, 4).copy()
    gamma_only = int(np.frombuffer(rec[0], np.int32, 1, 32)[0]) != 0
    scalef = float(np.frombuffer(rec[0], np.float64, 1, 36)[0])
    _ngw, igwx, npol, nbnd = (int(x) for x in np.frombuffer(rec[1], np.int32))
    if gamma_only:
        raise InputError(path, "gamma_only", "got .true.; expected a run with a k-point list")
    if npol != 1:
        raise InputError(path, "npol", f"got {npol}; expected 1 (spinor wavefunctions are not read)")
    if len(rec) != 4 + nbnd:
        raise InputError(path, "nbnd", f"header says {nbnd} bands; the file holds {len(rec) - 4} band records")
    b = np.frombuffer(rec[2], np.float64).reshape(3, 3).copy()
    if len(rec[3]) != 12 * igwx:
        raise InputError(path, "miller", f"{len(rec[3])} bytes; expected 3 x {igwx} int32")
    miller = np.frombuffer(rec[3], np.int32).reshape(igwx, 3).astype(np.int64)
    if any(len(r) != 16 * igwx for r in rec[4:]):
        raise InputError(path, "evc", f"a band record is not {igwx} complex128 coefficients")
    c = np.stack([np.frombuffer(r, np.complex128) for r in rec[4:]]) * scalef
    norms = np.linalg.norm(c, axis=1)
    if not np.allclose(norms, 1.0, atol=1e-6):
        raise InputError(path, "evc", f"band norms {norms.min():.6g}..{norms.max():.6g}; expected 1 "
                         "(norm-conserving states)")
    return Wavefunction(ik=ik, k_cart=xk, b=b, miller=miller, coeffs=c)


def fft_shape(miller_sets, factor: int = 4) -> tuple[int, int, int]:
    """FFT grid holding products of two wavefunctions without aliasing: n_i >=
    ``factor`` * max |m_i| + 1 over all plane waves, rounded up to a fast FFT length."""
    mmax = np.max([np.abs(np.asarray(m)).max(axis=0) for m in miller_sets], axis=0)
    return tuple(int(scipy.fft.next_fast_len(int(factor * m + 1))) for m in mmax)


def periodic_parts(wf: Wavefunction, shape, bands=None, dtype=np.complex128) -> np.ndarray:
    """u_nk(r) = sum_G c_n(G) e^{iG.r} on the real-space grid ``shape`` (fractional
    positions (i, j, l) / shape), normalised to (1/N_r) sum_r |u|^2 = 1; array
    (bands, n1, n2, n3)."""
    sel = np.arange(wf.n_bands) if bands is None else np.asarray(bands)
    if sel.size and (sel.min() < 0 or sel.max() >= wf.n_bands):
        raise InputError(None, "bands", f"got {sel.tolist()}; the file has {wf.n_bands} bands")
    shape = tuple(int(n) for n in shape)
    m = wf.miller
    if np.any(2 * np.abs(m).max(axis=0) >= np.asarray(shape)):
        raise InputError(None, "fft shape", f"{shape} cannot hold Miller indices up to "
                         f"{np.abs(m).max(axis=0).tolist()}")
    box = np.zeros((sel.size,) + shape, dtype=np.complex128)
    box[:, m[:, 0] % shape[0], m[:, 1] % shape[1], m[:, 2] % shape[2]] = wf.coeffs[sel]
    n_r = shape[0] * shape[1] * shape[2]
    return (scipy.fft.ifftn(box, axes=(1, 2, 3)) * n_r).astype(dtype, copy=False)


def read_save_folder(save: str | os.PathLike) -> list[Wavefunction]:
    """The ``wfc<ik>.dat`` of the last run in a ``<prefix>.save`` folder, ik = 1 .. the
    number of k points of its ``data-file-schema.xml`` (an nscf on fewer k points than the
    scf before it leaves the scf's further files in the folder; they are not read)."""
    from .parsers import parse_pw_xml

    save = Path(save)
    files = sorted(save.glob("wfc*.dat"), key=lambda p: int(p.stem[3:]))
    if not files:
        raise InputError(save, "wfc*.dat", "no wavefunction files (pw.x run with wf_collect?)")
    xml = save / "data-file-schema.xml"
    if xml.exists():
        nks = int(parse_pw_xml(xml)["eigenvalues_eV"].shape[0])
        if len(files) < nks:
            raise InputError(save, "wfc*.dat", f"{len(files)} files; data-file-schema.xml lists {nks} k points")
        files = files[:nks]
    wfs = [read_wfc(f) for f in files]
    if [w.ik for w in wfs] != list(range(1, len(wfs) + 1)):
        raise InputError(save, "wfc*.dat", "k-point indices are not 1..n without gaps")
    return wfs
