"""Table of lambda, omega_log, Tc (McMillan, Allen-Dynes, Eliashberg), Delta0, 2Delta0/kTc."""
import pandas as pd
import xarray as xr

from scimodel.io import da, read_dataset, write_dataset
from scimodel.tables import write_table
from scimodel.workflow import run_script

COLS = {  # variable -> (column header, units)
    "lambda_": ("lambda", "1"), "omega_log": ("omega_log [meV]", "meV"),
    "omega2": ("<w^2>^1/2 [meV]", "meV"), "tc_mcmillan": ("Tc McMillan [K]", "K"),
    "tc_allen_dynes": ("Tc Allen-Dynes [K]", "K"), "tc_eliashberg": ("Tc Eliashberg [K]", "K"),
    "delta0": ("Delta0 [meV]", "meV"), "gap_ratio": ("2Delta0/kTc", "1"),
}


def main(sm):
    rows = []
    for name, path in zip(sm.params.names, sm.input.spectra):
        ds = read_dataset(path, required={k: u for k, (_, u) in COLS.items()})
        rows.append({"spectrum": name, **{k: float(ds[k]) for k in COLS}})
    df = pd.DataFrame(rows)
    out = xr.Dataset(
        {k: da(df[k].to_numpy(), "spectrum", ds[k].attrs["units"], ds[k].attrs["long_name"])
         for k in COLS},
        coords={"spectrum": da(df["spectrum"].to_numpy(dtype=object), "spectrum", "1",
                               "model spectrum name")},
    )
    write_dataset(out, sm.output.nc, source="collected from results/eliashberg/spectra/*.nc",
                  references="P. B. Allen and R. C. Dynes, PRB 12, 905 (1975)",
                  config=dict(mu_star=sm.params.mu_star))
    table = df.rename(columns={k: h for k, (h, _) in COLS.items()})
    write_table(table, csv=sm.output.csv, md=sm.output.md,
                title=f"Model spectra: Tc by three methods (mu* = {sm.params.mu_star})",
                notes="Eliashberg: linearised isotropic Matsubara equations; Delta0 from the "
                      "Pade-continued gap at Tc/6.")


run_script(main, snakemake)  # noqa: F821
