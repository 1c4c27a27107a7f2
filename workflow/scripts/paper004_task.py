"""Paper 004, one figure task for one metal (curves, cutoff scan,
decomposition, isotope, mesh convergence) or the universal kernel W -> NetCDF."""
from scimodel import paper004
from scimodel.io import write_dataset
from scimodel.scdft import Settings
from scimodel.workflow import run_script


def main(sm):
    task = sm.params.task
    if task == "kernel":
        ds = paper004.kernel_w(t_k=sm.params.t_K, omega_thz=sm.params.omega_THz)
        cfg = {"t_K": sm.params.t_K, "omega_THz": sm.params.omega_THz}
    else:
        scdft = dict(sm.params.scdft)
        settings = Settings.from_config(scdft)
        t_gap = scdft.get("t_gap_K", 0.01)
        inp = paper004.load_input(sm.input.nc, sm.wildcards.metal)
        cfg = {"scdft": scdft}
        if task == "curves":
            ds = paper004.curves(inp, settings, n_t=sm.params.n_t,
                                 profile_fractions=list(sm.params.profile_fractions), t_gap=t_gap)
            cfg.update(n_t=sm.params.n_t, profile_fractions=list(sm.params.profile_fractions))
        elif task == "cutoff":
            ds = paper004.cutoff_scan(inp, settings, list(sm.params.cutoffs_meV), t_gap=t_gap)
            cfg["cutoffs_meV"] = list(sm.params.cutoffs_meV)
        elif task == "decomposition":
            ds = paper004.decomposition(inp, settings, t_gap=t_gap)
        elif task == "isotope":
            ds = paper004.isotope(inp, settings, dm=sm.params.dm)
            cfg["dm"] = sm.params.dm
        elif task == "mesh":
            ds = paper004.mesh_convergence(inp, settings, list(sm.params.points_per_decade), t_gap=t_gap)
            cfg["points_per_decade"] = list(sm.params.points_per_decade)
        else:
            raise ValueError(f"unknown task {task!r}")
    write_dataset(ds, sm.output.nc, source=f"scimodel.paper004 ({task})",
                  references=paper004.REFERENCE, config=cfg,
                  wildcards=dict(sm.wildcards.items()) if hasattr(sm.wildcards, "items") else {})


run_script(main, snakemake)  # noqa: F821
