"""Tc/omega_log versus lambda for each model spectrum (Allen-Dynes comparison)."""
import numpy as np
import xarray as xr

from scimodel import eliashberg, spectra
from scimodel.io import da, write_dataset
from scimodel.workflow import run_script


def main(sm):
    p = sm.params
    names = sorted(p.spectra)
    lambdas = np.asarray(p.lambdas, dtype=float)
    out = {k: np.empty((len(names), lambdas.size)) for k in
           ("omega_log", "tc_mcmillan", "tc_allen_dynes", "tc_eliashberg")}
    for i, name in enumerate(names):
        omega, a2f = spectra.from_config(p.spectra[name], name)
        res = eliashberg.lambda_scan(omega, a2f, lambdas=lambdas, mu_star=p.mu_star,
                                     cutoff_factor=p.cutoff_factor)
        for k in out:
            out[k][i] = res[k]
    dims = ("spectrum", "lambda_")
    ds = xr.Dataset(
        {
            "omega_log": da(out["omega_log"], dims, "meV", "logarithmic average phonon energy"),
            "tc_mcmillan": da(out["tc_mcmillan"], dims, "K", "McMillan Tc (Allen-Dynes form)"),
            "tc_allen_dynes": da(out["tc_allen_dynes"], dims, "K", "Allen-Dynes Tc"),
            "tc_eliashberg": da(out["tc_eliashberg"], dims, "K", "linearised Eliashberg Tc"),
        },
        coords={
            "spectrum": da(np.array(names, dtype=object), "spectrum", "1", "model spectrum name"),
            "lambda_": da(lambdas, "lambda_", "1", "electron-phonon coupling lambda"),
        },
    )
    write_dataset(ds, sm.output.nc, source="scimodel.eliashberg.lambda_scan",
                  references="P. B. Allen and R. C. Dynes, PRB 12, 905 (1975), Fig. 2",
                  config=dict(spectra=p.spectra, lambdas=list(lambdas), mu_star=p.mu_star,
                              cutoff_factor=p.cutoff_factor))


run_script(main, snakemake)  # noqa: F821
