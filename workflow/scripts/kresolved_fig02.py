"""Paper 004, Fig. 2 data: k-resolved against energy-only Tc on the same fitted bands."""
from scimodel import paper004
from scimodel.io import write_dataset
from scimodel.scdft import Settings, abinitio_bands, kconvergence
from scimodel.workflow import run_script


def main(sm):
    cfg = dict(sm.params.fig02)
    grid = abinitio_bands.load_band_grid(sm.input.bands)
    fit = abinitio_bands.fit_bands(grid)
    inp = paper004.load_input(sm.input.nc, sm.wildcards.metal)
    ds = kconvergence.convergence_study(
        fit, inp, Settings.from_config(dict(sm.params.scdft)), nelec=float(grid.attrs["nelec"]),
        semicore=int(sm.params.semicore), scheme=cfg["scheme"], n_points=cfg["n_points"],
        distributions=cfg["distributions"], seeds=cfg["seeds"], n_other=cfg["n_other"],
        dos_mesh=cfg["dos_mesh"], dos_bin_mev=cfg["dos_bin_meV"], normalisation=cfg["normalisation"])
    write_dataset(ds, sm.output.nc, source="scimodel.scdft.kconvergence.convergence_study on the "
                  "star-function fit of the committed band grid; workflow/rules/kresolved.smk",
                  references=paper004.REFERENCE + ", Sec. III and Fig. 2",
                  config={"kresolved_fig02": cfg, "scdft": dict(sm.params.scdft),
                          "semicore_bands": int(sm.params.semicore)},
                  wildcards=dict(sm.wildcards.items()),
                  extra_attrs={"band_grid": str(sm.input.bands), "input": str(sm.input.nc)})


run_script(main, snakemake)  # noqa: F821
