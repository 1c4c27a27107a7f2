"""Phonon frequencies at X, L / H, N, P: DFPT (cached campaigns and the test runs of
resources/abinitio/phonon_check) against BvK fits to inelastic neutron scattering."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from scimodel import phonons
from scimodel.errors import InputError
from scimodel.io import da, write_dataset
from scimodel.tables import write_table
from scimodel.workflow import run_script


def cache_archives(nc_path, archives):
    """The main and q-check campaign archives of a cached file, by its phonon keys."""
    with xr.open_dataset(nc_path) as ds:
        keys = [(ds.attrs["q_grid"], ds.attrs["phonon_key"]),
                (ds.attrs["q_grid_check"], ds.attrs["phonon_key_q_grid_check"])]
    metal = Path(nc_path).stem
    out = []
    for n, key in keys:
        name = f"{metal}_q{int(n)}_{key}.zip"
        hits = [a for a in archives if Path(a).name == name]
        if not hits:
            raise InputError(nc_path, "phonon_key", f"its campaign archive {name} among the inputs")
        out.append(hits[0])
    return out


def read_runs(path):
    """label -> metal -> point -> {freq_thz, q} from runs.jsonl."""
    out = {}
    for i, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            pt = {"freq_thz": np.asarray(r["freq_THz"], float), "q": np.asarray(r["q"], float),
                  "vectors": np.asarray(r["vectors_re"], float) + 1j * np.asarray(r["vectors_im"], float)}
            out.setdefault(r["metal"], {}).setdefault(r["label"], {})[r["point"]] = pt
        except (ValueError, KeyError) as exc:
            raise InputError(path, f"line {i}", f"a JSON record with label, metal, point, q, freq_THz, vectors_re, vectors_im ({exc})")
    return out


def main(sm):
    models = phonons.load_bvk(sm.input.bvk)
    runs = read_runs(sm.input.runs)
    rows = []
    for metal, nc in zip(sm.params.metals, sm.input.nc):
        lattice, mass = sm.params.structure[metal], sm.params.mass[metal]
        cached = phonons.dfpt_special_points(cache_archives(nc, sm.input.archives), lattice)
        variants = [("cache", cached)] + sorted(runs.get(metal, {}).items())
        rows += phonons.comparison_rows(metal, lattice, mass, models.get(metal), variants,
                                        tolerance=sm.params.tolerance)
    df = pd.DataFrame(rows)
    ds = xr.Dataset(
        {"dfpt": da(df.dfpt_THz.values, ["row"], "THz", "DFPT phonon frequency (mean over the degenerate modes)"),
         "experiment": da(df.experiment_THz.astype(float).values, ["row"], "THz",
                          "BvK fit to inelastic neutron scattering at the same wavevector (NaN: no usable fit, "
                          "see has_experiment)"),
         "has_experiment": da(df.experiment_THz.notna().values.astype("i1"), ["row"], "1",
                              "1 if a usable neutron fit exists for the metal"),
         "deviation": da(df.deviation.astype(float).values, ["row"], "1", "dfpt / experiment - 1"),
         "degeneracy": da(df.degeneracy.values, ["row"], "1", "number of degenerate modes in the row")},
        coords={"row": da(np.arange(len(df)), ["row"], "1", "row index"),
                **{c: da(df[c].astype(str).values, ["row"], "1", c) for c in ("metal", "point", "mode", "variant")}})
    write_dataset(ds, sm.output.nc, source="scimodel.phonons (workflow/scripts/abinitio_phonons.py): ph.x "
                  "dynamical matrices of the cached campaigns and of resources/abinitio/phonon_check/runs.jsonl; "
                  "BvK frequencies from resources/phonons/bvk_neutron_fits.yaml",
                  references="; ".join(sorted({m.reference for m in models.values()})),
                  config={"metals": list(sm.params.metals), "tolerance": sm.params.tolerance,
                          "mass_amu": dict(sm.params.mass)})
    # Markdown: one row per metal / point / mode, the cache and each variant side by side
    df["cell"] = [f"{d:.3f} ({100 * v:+.1f} %)" if pd.notna(v) else f"{d:.3f}"
                  for d, v in zip(df.dfpt_THz, df.deviation)]
    wide = df.pivot_table(index=["metal", "point", "mode"], columns="variant", values="cell",
                          aggfunc="first", sort=False)
    exp = df[df.variant == "cache"].set_index(["metal", "point", "mode"])
    wide.insert(0, "experiment (THz)", [f"{e:.3f}" if pd.notna(e) else "no usable fit"
                                        for e in exp.loc[wide.index, "experiment_THz"]])
    cols = ["experiment (THz)", "cache"] + [c for c in wide.columns if c not in ("experiment (THz)", "cache")]
    wide = wide[cols].fillna("").reset_index()
    csv_cols = ["metal", "point", "mode", "degeneracy", "variant", "dfpt_THz", "experiment_THz", "deviation",
                "within_tolerance", "experiment"]
    cache = df[df.variant == "cache"]
    n_ok = int(cache.within_tolerance.fillna(False).sum())
    n_exp = int(cache.within_tolerance.notna().sum())
    notes = (f"DFPT frequency in THz and, in brackets, its deviation from the neutron value at the same "
             f"wavevector.  Column 'cache': the ph.x campaigns the cached resources/abinitio/<M>.nc were joined "
             f"from (LDA at the experimental lattice constant a_exp); {n_ok} of {n_exp} modes with a neutron "
             f"value are within {100 * sm.params.tolerance:g} %.  Other columns: test runs with one setting "
             "changed (resources/abinitio/phonon_check/README.md).  Experiment: Born-von Karman force constants "
             "fitted to inelastic neutron scattering (resources/phonons/bvk_neutron_fits.yaml; the fits' "
             "temperatures are 49-296 K, DFPT is the static lattice), evaluated by scimodel.phonons.  Modes at N "
             "are named by polarisation (L along q; T1 along [001], T2 along [1-10] for q along [110]); DFPT and neutron modes are paired by polarisation.  Pb has no experimental value: the transcribed fit has imaginary "
             "modes (see the YAML file); its phonon DOS is compared with one derived from neutron data in "
             "abinitio_phonon_dos.md.\n\nReferences: "
             + "; ".join(f"{m}: {models[m].reference} ({models[m].temperature_k:g} K)" for m in models))
    write_table(df[csv_cols], csv=sm.output.csv)
    write_table(wide, md=sm.output.md, title="Phonon frequencies at the zone-boundary points: DFPT against "
                "neutron scattering", notes=notes)


run_script(main, snakemake)  # noqa: F821
