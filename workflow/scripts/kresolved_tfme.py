"""Paper 004, Table 2, k-resolved columns: TF-ME and TF-SK Tc of one metal."""
import xarray as xr

from scimodel import paper004
from scimodel.io import write_dataset
from scimodel.scdft import Settings, abinitio_bands, tfme
from scimodel.workflow import run_script


def main(sm):
    cfg = dict(sm.params.tfme)
    grid = abinitio_bands.load_band_grid(sm.input.bands)
    fit = abinitio_bands.fit_bands(grid)
    inp = paper004.load_input(sm.input.nc, sm.wildcards.metal)
    with xr.open_dataset(sm.input.coulomb) as coul:
        coul.load()
    lam_paper = paper004.paper_value(paper004.read_paper_values(sm.input.paper), "lambda",
                                     sm.wildcards.metal, "paper")
    ds = tfme.kresolved_tc(
        fit, inp, coul, Settings.from_config(dict(sm.params.scdft)), nelec=float(grid.attrs["nelec"]),
        semicore=int(sm.params.semicore), paper_lambda=lam_paper if lam_paper == lam_paper else None,
        n_fermi=cfg["n_fermi"], n_other=cfg["n_other"],
        seeds=cfg["seeds"], distribution=cfg["distribution"], dos_mesh=cfg["dos_mesh"],
        dos_bin_mev=cfg["dos_bin_meV"], normalisation=cfg["normalisation"],
        average_bin_mev=cfg["average_bin_meV"],
        t_gap=float(sm.params.scdft.get("t_gap_K", 0.01)))
    write_dataset(ds, sm.output.nc, source="scimodel.scdft.tfme.kresolved_tc on the star-function fit "
                  "of the committed band grid and the cached K^TF-ME; workflow/rules/kresolved.smk",
                  references=paper004.REFERENCE + ", Sec. III, Eqs. 5, 18, 29 and Table 2",
                  config={"kresolved_tfme": cfg, "scdft": dict(sm.params.scdft),
                          "semicore_bands": int(sm.params.semicore)},
                  wildcards=dict(sm.wildcards.items()),
                  extra_attrs={"band_grid": str(sm.input.bands), "input": str(sm.input.nc),
                               "coulomb_me": str(sm.input.coulomb)})


run_script(main, snakemake)  # noqa: F821
