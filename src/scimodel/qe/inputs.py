"""QE input text: Fortran namelists and the pw.x, ph.x, q2r.x, matdyn.x and dos.x inputs."""
from __future__ import annotations

from typing import Mapping

from .spec import MetalSpec


def _fmt(v) -> str:
    if isinstance(v, bool):
        return ".true." if v else ".false."
    if isinstance(v, str):
        return f"'{v}'"
    if isinstance(v, float):
        return repr(v).replace("e", "d") if "e" in repr(v) else repr(v)
    return str(v)


def namelist(name: str, values: Mapping) -> str:
    """Fortran namelist text ``&name ... /``."""
    body = "".join(f"  {k} = {_fmt(v)}\n" for k, v in values.items())
    return f"&{name}\n{body}/\n"


def pw_input(spec: MetalSpec, calculation: str = "scf", *, k: int | None = None,
             la2f: bool = False, outdir: str = "./tmp", nbnd: int | None = None,
             occupations: str = "smearing", smearing: str = "mv",
             degauss_ry: float | None = None) -> str:
    """pw.x input for a one-atom fcc/bcc cell."""
    control = {"calculation": calculation, "prefix": spec.prefix, "outdir": outdir,
               "pseudo_dir": spec.pseudo_dir or "./"}
    system = {"ibrav": spec.ibrav, "celldm(1)": round(spec.alat_bohr, 8), "nat": 1, "ntyp": 1,
              "ecutwfc": float(spec.ecutwfc_ry), "ecutrho": float(spec.ecutrho_ry),
              "occupations": occupations}
    if occupations == "smearing":
        system.update(smearing=smearing,
                      degauss=float(spec.degauss_ry if degauss_ry is None else degauss_ry))
    if nbnd is not None:
        system["nbnd"] = int(nbnd)
    if la2f:
        system["la2F"] = True
    if spec.spin_orbit:
        system.update(noncolin=True, lspinorb=True)
    electrons = {"conv_thr": spec.conv_thr}
    kk = spec.k_scf if k is None else k
    return (namelist("control", control) + namelist("system", system)
            + namelist("electrons", electrons)
            + f"ATOMIC_SPECIES\n {spec.name} {spec.mass_amu} {spec.pseudo}\n"
            + f"ATOMIC_POSITIONS alat\n {spec.name} 0.0 0.0 0.0\n"
            + f"K_POINTS automatic\n {kk} {kk} {kk} 0 0 0\n")


def ph_input(spec: MetalSpec, outdir: str = "./tmp", iq: int | None = None,
             recover: bool = False, start_irr: int | None = None) -> str:
    """ph.x input: phonons on the q grid and interpolated electron-phonon coupling;
    with ``iq``, only the iq-th irreducible q point (``start_q = last_q = iq``); with
    ``recover``, ph.x continues an interrupted run from the restart files in ``outdir``
    (``_ph0/<prefix>.phsave``: finished representations and the last SCF iteration);
    with ``start_irr``, only the representations from ``start_irr`` on
    (:mod:`scimodel.qe.irreps`)."""
    v = {"tr2_ph": spec.tr2_ph, "prefix": spec.prefix, "outdir": outdir,
         "fildyn": f"{spec.prefix}.dyn", "fildvscf": f"{spec.prefix}dv",
         "electron_phonon": "interpolated", "el_ph_sigma": float(spec.elph_sigma0_ry),
         "el_ph_nsigma": int(spec.elph_nsigma), "trans": True, "ldisp": True,
         "nq1": spec.q_grid, "nq2": spec.q_grid, "nq3": spec.q_grid}
    if spec.elph_method == "tetrahedra":
        # DFPT only (phonons and dV_scf, saved for ph_tetra_input's second run)
        for k in ("electron_phonon", "el_ph_sigma", "el_ph_nsigma"):
            del v[k]
    if iq is not None:
        v.update(start_q=int(iq), last_q=int(iq))
    if start_irr is not None:
        v["start_irr"] = int(start_irr)
    if recover:
        v["recover"] = True
    return f"phonons of {spec.name}\n" + namelist("inputph", v)


def ph_tetra_input(spec: MetalSpec, outdir: str = "./tmp", iq: int | None = None) -> str:
    """Second ph.x run of ``elph_method = 'tetrahedra'``: lambda_{q nu} with the
    optimized tetrahedron method (``electron_phonon = 'lambda_tetra'``) on the
    ``k_dense`` grid, from the dynamical matrix and dV_scf of :func:`ph_input`'s run
    (``trans = .false.``).  At Gamma ph.x prints lambda = 0."""
    v = {"prefix": spec.prefix, "outdir": outdir, "fildyn": f"{spec.prefix}.dyn",
         "fildvscf": f"{spec.prefix}dv", "electron_phonon": "lambda_tetra", "trans": False,
         "nk1": spec.k_dense, "nk2": spec.k_dense, "nk3": spec.k_dense, "ldisp": True,
         "nq1": spec.q_grid, "nq2": spec.q_grid, "nq3": spec.q_grid}
    if iq is not None:
        v.update(start_q=int(iq), last_q=int(iq))
    return f"electron-phonon (tetrahedra) of {spec.name}\n" + namelist("inputph", v)


def q2r_input(spec: MetalSpec) -> str:
    return namelist("input", {"zasr": spec.asr, "fildyn": f"{spec.prefix}.dyn",
                              "flfrc": f"{spec.prefix}.fc",
                              "la2F": True})


def matdyn_input(spec: MetalSpec, delta_e_cm1: float = 1.0) -> str:
    n = spec.matdyn_grid
    return namelist("input", {"asr": spec.asr, "amass(1)": float(spec.mass_amu),
                              "flfrc": f"{spec.prefix}.fc", "flfrq": f"{spec.prefix}.freq",
                              "la2F": True, "dos": True, "fldos": "phonon.dos",
                              "nk1": n, "nk2": n, "nk3": n, "deltaE": float(delta_e_cm1)})


def dos_input(spec: MetalSpec, emin_ev: float, emax_ev: float, step_ev: float, fildos: str,
              degauss_ry: float | None, outdir: str = "./tmp") -> str:
    v = {"prefix": spec.prefix, "outdir": outdir, "fildos": fildos,
         "Emin": float(emin_ev), "Emax": float(emax_ev), "DeltaE": float(step_ev)}
    if degauss_ry is not None:
        v.update(ngauss=0, degauss=float(degauss_ry))
    return namelist("dos", v)
