"""Table: accuracy of the star-function fit of each metal's bands at random k."""
import pandas as pd

from scimodel.io import write_dataset
from scimodel.scdft import abinitio_bands
from scimodel.tables import write_table
from scimodel.workflow import run_script


def main(sm):
    grids = {m: abinitio_bands.load_band_grid(p) for m, p in zip(sm.params.metals, sm.input.nc)}
    ds = abinitio_bands.fit_check_dataset(grids)
    write_dataset(ds, sm.output.nc, source="scimodel.scdft.abinitio_bands.fit_check_dataset on the "
                  "band grids of scimodel.qe.bandgrid; workflow/rules/kresolved.smk",
                  references="Marques et al., PRB 72, 024546 (2005) [paper 004], Sec. III; "
                  "Pickett, Krakauer and Allen, PRB 38, 2721 (1988)",
                  config={"metals": sm.params.metals})
    rows = []
    for m in ds.metal.values:
        for s in ds.mesh_step.values:
            r = ds.sel(metal=m, mesh_step=s)
            rows.append({"metal": m, "mesh": int(r.mesh), "check energies": int(r.n_check),
                         "median (meV)": float(r.error_median), "90 % (meV)": float(r.error_p90),
                         "rms (meV)": float(r.error_rms), "max (meV)": float(r.error_max),
                         "< 1 meV": float(r.fraction_below_1meV)})
    write_table(pd.DataFrame(rows), csv=sm.output.csv, md=sm.output.md, floatfmt=".3g",
                title="Star-function fit of the Kohn-Sham bands: error at random k within 1 eV of E_F",
                notes="Fit (Shankland / Koelling-Wood with the Pickett-Krakauer-Allen roughness, 5 "
                      "stars per point) through the irreducible points of a Gamma-centred mesh "
                      "(pw.x nscf); compared with pw.x at random points of the zone (the same "
                      "file), for energies within 1 eV of E_F.  The coarser meshes use every "
                      "third and every second point of the same run.  Bands are sorted by energy at each k, so "
                      "where two bands cross the fitted functions have kinks: the largest "
                      "errors sit there and fall slowly with the mesh.")


run_script(main, snakemake)  # noqa: F821
