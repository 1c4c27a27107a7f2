"""Paper 004, Table 2, k-resolved columns: TF-ME and TF-SK Tc of one metal."""
import xarray as xr

from scimodel import paper004
from scimodel.io import write_dataset
from scimodel.workflow import run_script


def main(sm):
    cfg = dict(sm.params.tfme)
    with xr.open_dataset(sm.input.coulomb) as coul:
        coul.load()
    ds = paper004.kresolved_tfme(sm.wildcards.metal, sm.input.bands, sm.input.nc, coul, sm.input.paper,
                                 cfg, dict(sm.params.scdft), int(sm.params.semicore))
    write_dataset(ds, sm.output.nc, source="scimodel.scdft.tfme.kresolved_tc on the star-function fit "
                  "of the committed band grid and the cached K^TF-ME; workflow/rules/kresolved.smk",
                  references=paper004.REFERENCE + ", Sec. III, Eqs. 5, 18, 29 and Table 2",
                  config={"kresolved_tfme": cfg, "scdft": dict(sm.params.scdft),
                          "semicore_bands": int(sm.params.semicore)},
                  wildcards=dict(sm.wildcards.items()),
                  extra_attrs={"band_grid": str(sm.input.bands), "input": str(sm.input.nc),
                               "coulomb_me": str(sm.input.coulomb)})


run_script(main, snakemake)  # noqa: F821
