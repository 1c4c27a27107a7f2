"""Moments, Tc (McMillan, Allen-Dynes, Eliashberg) and gap of one model spectrum."""
import xarray as xr

from scimodel import eliashberg, spectra
from scimodel.io import da, write_dataset
from scimodel.workflow import run_script

REFS = ("P. B. Allen and R. C. Dynes, PRB 12, 905 (1975); "
        "ElMassalami & Silva Neto, arXiv:1904.04773, Eqs. 10-12")


def main(sm):
    p = sm.params
    name = sm.wildcards.spectrum
    omega, a2f = spectra.from_config(p.spectrum, name)
    res = eliashberg.summarize(omega, a2f, mu_star=p.mu_star, cutoff_factor=p.cutoff_factor)
    ds = xr.Dataset(
        {
            "a2f": da(a2f, "omega", "1", "Eliashberg function alpha2F"),
            "lambda_": da(res["lam"], (), "1", "electron-phonon coupling lambda"),
            "omega_log": da(res["omega_log"], (), "meV", "logarithmic average phonon energy"),
            "omega2": da(res["omega2"], (), "meV", "<omega^2>^(1/2)"),
            "mu_star": da(res["mu_star"], (), "1", "Coulomb pseudopotential mu*"),
            "omega_c": da(res["omega_c"], (), "meV", "Coulomb (Matsubara) cutoff"),
            "tc_mcmillan": da(res["tc_mcmillan"], (), "K", "McMillan Tc (Allen-Dynes form, f1=f2=1)"),
            "tc_allen_dynes": da(res["tc_allen_dynes"], (), "K", "Allen-Dynes Tc"),
            "tc_eliashberg": da(res["tc_eliashberg"], (), "K", "Tc of the linearised Eliashberg equations"),
            "delta0": da(res["delta0"], (), "meV", "gap edge Delta0 (Pade continuation)"),
            "gap_ratio": da(res["gap_ratio"], (), "1", "2 Delta0 / k_B Tc"),
        },
        coords={"omega": da(omega, "omega", "meV", "phonon energy")},
    )
    write_dataset(ds, sm.output.nc, source="scimodel.eliashberg.summarize on a model spectrum",
                  references=REFS, config=dict(spectrum=p.spectrum, mu_star=p.mu_star,
                                               cutoff_factor=p.cutoff_factor),
                  wildcards=dict(sm.wildcards.items()))


run_script(main, snakemake)  # noqa: F821
