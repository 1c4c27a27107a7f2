"""Star-function fits of the project's own Kohn-Sham bands and their accuracy.

Reads the band-grid NetCDF of a metal (``resources/abinitio/bands/<M>.nc``,
written by :mod:`scimodel.qe.bandgrid`), fits its irreducible-mesh energies
with :class:`~scimodel.scdft.bands.StarFit` and compares the fit with the
pw.x energies at the file's random check points (paper 004, Sec. III: "a
Fourier fit of ab-initio bands").  The same comparison on every second point
of the mesh (the mesh of half the density, read from the same file) shows how
the error falls with the mesh.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import InputError
from .bands import StarFit, mesh_indices

_NEEDED = {"energy_grid": "meV", "k_grid": "1/bohr", "energy_random": "meV", "k_random": "1/bohr",
           "cell": "bohr"}


def load_band_grid(path: str | os.PathLike) -> xr.Dataset:
    """The band-grid NetCDF, checked for the variables and units the fit needs."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "<file>", "file does not exist (a band grid: scimodel.qe.bandgrid)")
    ds = xr.load_dataset(path)
    for name, unit in _NEEDED.items():
        if name not in ds:
            raise InputError(path, name, "a band-grid variable (scimodel.qe.bandgrid)")
        if ds[name].attrs.get("units") != unit:
            raise InputError(path, f"{name}.units", f"'{unit}' (got {ds[name].attrs.get('units')!r})")
    if "mesh" not in ds.attrs:
        raise InputError(path, "mesh", "the global attribute with the nscf mesh")
    return ds


def mesh_subset(ds: xr.Dataset, step: int) -> np.ndarray:
    """Indices of the irreducible points that lie on the mesh of ``mesh / step`` points."""
    mesh = int(ds.attrs["mesh"])
    if step < 1 or mesh % step:
        raise InputError(None, "step", f"got {step}; expected a divisor of the mesh {mesh}")
    n = mesh_indices(ds["k_grid"].values, ds["cell"].values, mesh)
    return np.flatnonzero(np.all(np.mod(n, step) == 0, axis=1))


def fit_bands(ds: xr.Dataset, *, step: int = 1, star_ratio: float = 5.0) -> StarFit:
    """StarFit of every band through the irreducible points of the mesh ``mesh / step``."""
    idx = mesh_subset(ds, step)
    return StarFit(ds["cell"].values, star_ratio=star_ratio).fit(
        ds["k_grid"].values[idx], ds["energy_grid"].values[idx], mesh=int(ds.attrs["mesh"]))


def random_point_errors(ds: xr.Dataset, fit: StarFit, window_mev: float = 1000.0) -> dict:
    """|fit - pw.x| (meV) at the random check points, over the energies within
    ``window_mev`` of E_F: count, median, 90th percentile, root mean square and maximum,
    and the fraction below 1 meV."""
    ref = ds["energy_random"].values
    err = np.abs(fit.energies(ds["k_random"].values, method="direct") - ref)[np.abs(ref) <= window_mev]
    if err.size == 0:
        raise InputError(None, "energy_random", f"no check energy within {window_mev} meV of E_F")
    return {"n": int(err.size), "median": float(np.median(err)), "p90": float(np.percentile(err, 90)),
            "rms": float(np.sqrt(np.mean(err ** 2))), "max": float(err.max()),
            "below_1meV": float(np.mean(err < 1.0))}


_STATS = {"median": "median", "p90": "90th percentile", "rms": "root mean square", "max": "maximum"}


def fit_check_dataset(band_grids: dict[str, xr.Dataset], *, steps=(3, 2, 1), window_mev: float = 1000.0,
                      star_ratio: float = 5.0) -> xr.Dataset:
    """The fit errors of :func:`random_point_errors` per metal and mesh (the file's mesh
    and every ``step``-th point of it), as a Dataset for the band-fit table."""
    metals = list(band_grids)
    rows = {m: {s: random_point_errors(ds, fit_bands(ds, step=s, star_ratio=star_ratio), window_mev)
                for s in steps} for m, ds in band_grids.items()}
    meshes = np.array([[int(band_grids[m].attrs["mesh"]) // s for s in steps] for m in metals])
    out = xr.Dataset(coords={"metal": ("metal", metals, {"units": "1", "long_name": "metal"}),
                             "mesh_step": ("mesh_step", list(steps),
                                           {"units": "1", "long_name": "every n-th point of the nscf mesh"})})
    out["mesh"] = (("metal", "mesh_step"), meshes,
                   {"units": "1", "long_name": "fitted mesh n (n x n x n, irreducible points)"})
    for key, name in _STATS.items():
        out[f"error_{key}"] = (("metal", "mesh_step"), [[rows[m][s][key] for s in steps] for m in metals],
                               {"units": "meV", "long_name": f"{name} of |fit - pw.x| at random k "
                                f"within {window_mev:g} meV of E_F"})
    out["fraction_below_1meV"] = (("metal", "mesh_step"),
                                  [[rows[m][s]["below_1meV"] for s in steps] for m in metals],
                                  {"units": "1", "long_name": "fraction of check energies fitted to < 1 meV"})
    out["n_check"] = (("metal", "mesh_step"), [[rows[m][s]["n"] for s in steps] for m in metals],
                      {"units": "1", "long_name": f"check energies within {window_mev:g} meV of E_F"})
    out.attrs.update(window_meV=window_mev, star_ratio=star_ratio)
    return out
