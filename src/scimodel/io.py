"""NetCDF and text I/O with units, long names and provenance.

* :func:`write_dataset` refuses a variable without ``units``/``long_name``,
  adds provenance attributes and writes atomically (temporary file + rename),
  so a failed write never leaves a partial file behind.
* :func:`read_dataset` opens a NetCDF file and checks required variables,
  their units and dimensions, raising :class:`~scimodel.errors.InputError`.
* :func:`read_spectrum` reads a two-column text spectrum (alpha2F, F), :func:`read_dos`
  an electronic DOS (energy relative to E_F, per spin per atom)
  with the frequency unit given in the header and converts it to meV.
"""
from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import xarray as xr

from . import units
from .errors import InputError
from .provenance import provenance_attrs

NETCDF_ENGINE = "netcdf4"


def check_cf(ds: xr.Dataset, path: str | Path | None = None) -> None:
    """Require ``units`` and ``long_name`` on every data variable and coordinate."""
    for name in list(ds.data_vars) + list(ds.coords):
        attrs = ds[name].attrs
        for key in ("units", "long_name"):
            if key not in attrs:
                raise InputError(path, str(name), f"variable has no '{key}' attribute")


def write_dataset(
    ds: xr.Dataset,
    path: str | Path,
    *,
    source: str,
    references: str = "",
    config: Mapping | None = None,
    wildcards: Mapping | None = None,
    extra_attrs: Mapping | None = None,
) -> Path:
    """Write ``ds`` to NetCDF with provenance, atomically.

    Parameters
    ----------
    ds : xarray.Dataset
        Every variable and coordinate must carry ``units`` and ``long_name``.
    path : path-like
        Destination; parent folders are created.
    source, references : str
        What produced the data and the literature it reproduces.
    config, wildcards : mapping, optional
        The config subset and wildcards used (stored as JSON text).
    extra_attrs : mapping, optional
        More global attributes (seed, grids, ...).
    """
    path = Path(path)
    check_cf(ds, path)
    ds = ds.copy()
    ds.attrs.update(
        provenance_attrs(
            source=source, references=references, config=config,
            wildcards=wildcards, extra=extra_attrs,
        )
    )
    _atomic(path, lambda tmp: ds.to_netcdf(tmp, engine=NETCDF_ENGINE), suffix=".nc")
    return path


def _atomic(path: Path, write, suffix: str = "") -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it.

    The temporary file (``.tmp-<name>.*``) is removed if anything fails, so a failed
    or interrupted write never leaves a partial ``path``.  The result gets the
    usual permissions (0666 minus the umask), not mkstemp's private 0600.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # A writer killed outright (SIGKILL, node loss) cannot remove its temporary
    # file; the next writer of the same target does.  Only the job that
    # produces ``path`` writes ``.tmp-<name>.*`` (one job per output), so this
    # never touches another job's file.
    prefix = f".tmp-{path.name}."
    for stale in path.parent.glob(prefix + "*"):
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        with sigint_deferred():
            write(tmp)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


@contextlib.contextmanager
def sigint_deferred():
    """Hold Ctrl-C (SIGINT) back until the block has finished, then act on it.

    xarray's netCDF4 backend writes under a non-reentrant lock; a
    KeyboardInterrupt raised inside that region leaves the lock held, and the
    clean-up (closing the file) then waits for it forever.  Seen in CI: a
    ``paper004_metal`` job interrupted inside ``to_netcdf`` hung for over an
    hour, and Snakemake waited for it.  Writes are short, so the interrupt is
    delivered right after the block instead (KeyboardInterrupt with Python's
    default handler).  Outside the main thread (where handlers cannot be set)
    the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        if callable(previous):
            previous(signal.SIGINT, None)       # default handler: KeyboardInterrupt
        elif previous == signal.SIG_DFL:
            os.kill(os.getpid(), signal.SIGINT)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write a text file atomically (see :func:`_atomic`)."""
    _atomic(Path(path), lambda tmp: Path(tmp).write_text(text))


def read_dataset(
    path: str | Path,
    required: Mapping[str, str | None] | Iterable[str] = (),
    dims: Mapping[str, tuple[str, ...]] | None = None,
) -> xr.Dataset:
    """Open a NetCDF file (loaded into memory) and validate it.

    Parameters
    ----------
    required : mapping name -> expected units (None: any units) or iterable of names
    dims : mapping name -> expected dimension names
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "<file>", "file does not exist")
    try:
        with sigint_deferred(), xr.open_dataset(path, engine=NETCDF_ENGINE) as ds:
            ds = ds.load()              # (reading takes the same lock as writing)
    except (OSError, ValueError) as exc:
        raise InputError(path, "<file>", f"not a readable NetCDF file ({exc})") from None
    if not isinstance(required, Mapping):
        required = {name: None for name in required}
    for name, unit in required.items():
        if name not in ds.variables:
            raise InputError(path, name, "required variable is missing")
        got = ds[name].attrs.get("units")
        if got is None:
            raise InputError(path, name, "variable has no 'units' attribute")
        if unit is not None and got != unit:
            raise InputError(path, name, f"units are {got!r}, expected {unit!r}")
    for name, want in (dims or {}).items():
        if name in ds.variables and tuple(ds[name].dims) != tuple(want):
            raise InputError(
                path, name, f"dimensions are {tuple(ds[name].dims)}, expected {tuple(want)}"
            )
    return ds


def da(values, dims, units_: str, long_name: str, **attrs) -> xr.DataArray:
    """Shorthand for a DataArray with CF ``units`` and ``long_name``."""
    return xr.DataArray(np.asarray(values), dims=dims,
                        attrs=dict(units=units_, long_name=long_name, **attrs))


def _read_two_columns(path: str | Path, x_prefix: str, value_name: str, *,
                      x_nonnegative: bool, what: str) -> tuple[np.ndarray, np.ndarray, str, float]:
    """Parse a two-column text file with header ``<x_prefix>_<unit>,<value_name>``.

    Returns ``(x, values, x_column_name, factor_to_meV)`` with ``x`` still in
    the file's unit.  Every defect raises InputError naming file and field/line.
    """
    path = Path(path)
    expected = f"'{x_prefix}_<unit>,{value_name}'"
    if not path.exists():
        raise InputError(path, "<file>", "file does not exist")
    try:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    except UnicodeDecodeError as exc:
        raise InputError(path, "<file>", f"not a text file (byte {exc.start} is not UTF-8); "
                         f"expected a text table with header {expected}") from None
    rows = [(i + 1, ln) for i, ln in enumerate(lines) if ln and not ln.startswith("#")]
    if not rows:
        raise InputError(path, "<header>", f"file is empty; expected header {expected} and data rows")
    hline, header = rows[0]
    cols = header.replace(",", " ").split()
    if len(cols) != 2 or not cols[0].startswith(f"{x_prefix}_") or cols[1] != value_name:
        raise InputError(path, f"header (line {hline})", f"got {header!r}, expected {expected}")
    unit = cols[0][len(x_prefix) + 1:]
    try:
        factor = units.energy_factor_to_mev(unit)
    except KeyError as exc:
        raise InputError(path, cols[0], str(exc.args[0])) from None
    data = []
    for lineno, ln in rows[1:]:
        parts = ln.replace(",", " ").split()
        if len(parts) != 2:
            raise InputError(path, f"line {lineno}", f"expected 2 columns, got {len(parts)}: {ln!r}")
        try:
            data.append((float(parts[0]), float(parts[1])))
        except ValueError:
            raise InputError(path, f"line {lineno}", f"not two numbers: {ln!r}") from None
    if len(data) < 3:
        raise InputError(path, "<data>", f"only {len(data)} data rows; expected at least 3 (truncated file?)")
    arr = np.array(data)
    x, v = arr[:, 0], arr[:, 1]
    for name, col in ((cols[0], x), (value_name, v)):
        bad = ~np.isfinite(col)
        if bad.any():
            raise InputError(path, name, f"non-finite value at data row {int(np.argmax(bad)) + 1}")
    if x_nonnegative and (x < 0).any():
        raise InputError(path, cols[0], f"negative {what} {x[x < 0][0]}; expected {x_prefix} >= 0")
    if (np.diff(x) <= 0).any():
        i = int(np.argmax(np.diff(x) <= 0))
        raise InputError(path, cols[0], f"grid not strictly increasing at data row {i + 2}")
    if (v < 0).any():
        raise InputError(path, value_name, f"negative value {v[v < 0][0]}; expected >= 0")
    return x, v, cols[0], factor


def read_spectrum(path: str | Path, value_name: str = "alpha2F") -> tuple[np.ndarray, np.ndarray]:
    """Read a two-column text spectrum and return ``(omega_meV, values)``.

    Format: comment lines start with ``#``; the first non-comment line is the
    header ``omega_<unit>,<value_name>`` (comma or whitespace separated),
    where ``<unit>`` is one of :data:`scimodel.units.ENERGY_UNITS`
    (``omega_meV``, ``omega_THz``, ``omega_Ry`` ...).  The frequency grid
    must be strictly increasing and non-negative, values finite and >= 0.
    """
    w, v, col, factor = _read_two_columns(path, "omega", value_name, x_nonnegative=True,
                                          what="frequency")
    w = w * factor
    _check_phonon_range(path, col, w, v, value_name)
    return w, v


#: Plausible highest phonon energy of a solid (meV): Cs ~3.5 meV, hydrides ~250 meV.
PHONON_TOP_RANGE_MEV = (1.0, 500.0)
#: Plausible DOS at E_F (states per eV, per spin, per atom) and valence-band depth (eV).
DOS_EF_RANGE_PER_EV = (1.0e-3, 50.0)
BAND_DEPTH_MAX_EV = 100.0


def _check_phonon_range(path, col: str, w_mev: np.ndarray, v: np.ndarray, value_name: str) -> None:
    """Plausibility of a phonon spectrum's energy range; names the likely unit mix-up."""
    lo, hi = PHONON_TOP_RANGE_MEV
    nz = np.nonzero(v > 0)[0]
    if nz.size == 0:
        return
    top = float(w_mev[nz[-1]])
    if top > hi:
        raise InputError(path, col, f"{value_name} extends to {top:.4g} meV; expected the highest "
                         f"phonon energy of a solid in {lo:g}..{hi:g} meV (energies in meV under an "
                         f"{col} header?)")
    if top < lo:
        raise InputError(path, col, f"{value_name} ends at {top:.4g} meV; expected the highest "
                         f"phonon energy of a solid in {lo:g}..{hi:g} meV (energies in eV or Ry "
                         f"under an {col} header?)")


def read_dos(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read an electronic DOS text file; return ``(xi_meV, dos per meV per spin per atom)``.

    Format as :func:`read_spectrum` with the header ``xi_<unit>,dos``: ``xi``
    is the energy relative to the Fermi level in ``<unit>`` (meV, eV, Ry, ...)
    and ``dos`` the density of states per ``<unit>``, per spin and per atom
    (so one unit conversion serves both columns).  The grid must be strictly
    increasing; the DOS finite and >= 0.
    """
    x, v, col, factor = _read_two_columns(path, "xi", "dos", x_nonnegative=False, what="energy")
    xi, n = x * factor, v / factor
    nz = np.nonzero(n > 0)[0]
    if nz.size and xi[nz[0]] < -BAND_DEPTH_MAX_EV * 1e3:
        raise InputError(path, col, f"states from {xi[nz[0]] * 1e-3:.4g} eV below E_F; expected a "
                         f"valence band at most {BAND_DEPTH_MAX_EV:g} eV deep (energies in meV "
                         f"under an {col} header?)")
    if xi[0] < 0.0 < xi[-1]:
        n0 = float(np.interp(0.0, xi, n)) * 1e3          # per eV
        lo, hi = DOS_EF_RANGE_PER_EV
        if n0 > 0.0 and not lo <= n0 <= hi:
            guess = "DOS per meV under an xi_eV header, or energies in meV?" if n0 < lo else \
                "DOS per eV under an xi_meV header, or per cell of many atoms?"
            raise InputError(path, "dos", f"N(0) = {n0:.3g} states/(eV spin atom); expected "
                             f"{lo:g}..{hi:g} for a metal ({guess})")
    return xi, n


def write_spectrum(path: str | Path, omega_mev, values, value_name: str = "alpha2F",
                   comment: str = "") -> None:
    """Write a spectrum in the format :func:`read_spectrum` reads (omega in meV)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    head = "".join(f"# {c}\n" for c in comment.splitlines())
    body = "\n".join(f"{w:.10g},{v:.10g}" for w, v in zip(omega_mev, values))
    path.write_text(f"{head}omega_meV,{value_name}\n{body}\n")
