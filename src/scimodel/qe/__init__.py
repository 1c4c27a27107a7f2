"""Quantum ESPRESSO (6.7) driver, output parsers and the ab-initio NetCDF contract.

This module turns one metal's configuration (structure, lattice constant,
pseudopotential, cutoffs, k and q grids, smearings) into a chain of QE runs
and the results into one NetCDF file per metal, ``resources/abinitio/<M>.nc``,
the contract with the SCDFT / paper-004 code:

* pw.x scf on a dense k grid with ``la2F=.true.`` (the "fit" run that stores
  the dense-grid eigenvalues), pw.x scf on the coarse grid, ph.x with
  ``electron_phonon='interpolated'`` on a q grid, q2r.x and matdyn.x with
  ``la2F=.true.``: alpha2F(Omega) for each electron-phonon smearing, the
  phonon DOS and matdyn's own lambda table;
* pw.x nscf on a dense grid with Gaussian smearing and enough bands to reach
  E_F + 20 eV, dos.x with the same Gaussian broadening (whole window) and
  with twice that broadening near E_F (a check of N(0)'s sensitivity).

Everything is converted to meV at the boundary (:mod:`scimodel.units`);
moments of alpha2F come from :mod:`scimodel.eliashberg`.

Public API
----------
:class:`MetalSpec`, :func:`metal_spec` (config -> spec),
:func:`pw_input`, :func:`ph_input`, :func:`q2r_input`, :func:`matdyn_input`,
:func:`dos_input` (input text), :func:`run_ground`, :func:`run_q_point`,
:func:`assemble_run` (the chain as independent jobs: ground state, one ph.x
process per irreducible q point, join), :func:`run_pipeline` (all three in one
process), :func:`irreducible_q_count`,
:func:`parse_pw_xml`, :func:`read_a2f_dos`, :func:`read_matdyn_lambda`,
:func:`read_phonon_dos`, :func:`read_dos_x` (parsers),
:func:`build_abinitio_dataset` (run folder -> Dataset), :func:`read_abinitio`
(validate the contract), :func:`sha256_file`, :func:`qe_available`.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import xarray as xr

from . import units
from .errors import ExternalProgramError, InputError
from .io import da, read_dataset

log = logging.getLogger(__name__)

#: QE executables the pipeline needs.
QE_EXECUTABLES = ("pw.x", "ph.x", "q2r.x", "matdyn.x", "dos.x")

#: ibrav of the supported Bravais lattices (QE convention, celldm(1) = a).
IBRAV = {"fcc": 2, "bcc": 3}

#: Primitive-cell volume in units of a^3.
CELL_VOLUME_FACTOR = {"fcc": 0.25, "bcc": 0.5}

#: Files of a finished run folder that :func:`build_abinitio_dataset` reads.
RUN_FILES = ("summary.json", "nscf.xml", "scf.xml", "phonon.dos", "lambda", "dos_gauss.dat",
             "dos_wide.dat")

#: Variables of the NetCDF contract: name -> (units, dims).
CONTRACT: dict[str, tuple[str, tuple[str, ...]]] = {
    "omega": ("meV", ("omega",)),
    "xi": ("meV", ("xi",)),
    "smearing": ("meV", ("smearing",)),
    "a2f": ("1", ("omega",)),
    "a2f_by_smearing": ("1", ("smearing", "omega")),
    "phonon_dos": ("1/meV", ("omega",)),
    "dos": ("1/meV", ("xi",)),
    "lambda": ("1", ()),
    "omega_log": ("meV", ()),
    "omega2": ("meV", ()),
    "dos_ef": ("1/meV", ()),
    "fermi_energy": ("eV", ()),
    "band_bottom": ("meV", ()),
    "electron_density": ("1/bohr^3", ()),
    "kf": ("1/bohr", ()),
    "volume": ("bohr^3", ()),
    "n_valence": ("1", ()),
}


# --------------------------------------------------------------------------- spec
@dataclass
class MetalSpec:
    """Everything QE needs for one elemental metal (one atom per cell).

    Energies of QE inputs stay in Rydberg here (they are QE input values);
    the NetCDF writer converts to meV.
    """

    name: str
    structure: str                 # "fcc" | "bcc"
    a_angstrom: float              # cubic lattice constant
    mass_amu: float
    pseudo: str                    # UPF file name (looked up in pseudo_dir)
    ecutwfc_ry: float
    ecutrho_ry: float
    k_scf: int                     # coarse scf/phonon k grid (n x n x n)
    k_dense: int                   # dense k grid of the la2F fit run
    q_grid: int                    # phonon q grid
    degauss_ry: float              # Marzari-Vanderbilt smearing of the scf runs
    elph_sigma0_ry: float          # first electron-phonon (double-delta) smearing
    elph_nsigma: int               # smearings sigma_i = i * sigma0, i = 1..n
    elph_sigma_ry: float           # the chosen smearing (one of sigma_i)
    stability_window_ry: tuple[float, float]   # window for the lambda-stability check
    k_dos: int                     # nscf k grid for the electronic DOS
    nbnd: int                      # bands of the nscf run (must reach E_F + 20 eV)
    n_valence: float               # chemical valence (electron density, k_F)
    semicore_bands: int            # bands below the valence band (excluded from the DOS)
    matdyn_grid: int = 24          # matdyn interpolation grid for DOS and alpha2F
    dos_degauss_ry: float = 0.002  # Gaussian broadening of the DOS (dos.x)
    dos_step_ev: float = 0.005     # energy step of the DOS grid
    dos_above_ef_ev: float = 20.5  # top of the DOS window, above E_F
    dos_below_bottom_ev: float = 0.5   # margin of the DOS window below the band bottom
    ef_window_ev: float = 0.05  # half width of the broadening check around E_F
    conv_thr: float = 1e-10
    tr2_ph: float = 1e-14
    asr: str = "crystal"
    a2f_method: str = "interpolated"   # "interpolated" (q2r/matdyn) | "q_points" (direct sum)
    # "gaussian": ph.x electron_phonon='interpolated' with the Gaussian double-delta
    # smearings sigma_i; "tetrahedra": optimized tetrahedra (tetrahedra_opt ground state,
    # ph.x electron_phonon='lambda_tetra' on the k_dense grid), no smearing, alpha2F from
    # q2r.x/matdyn.x fed with gamma files built from lambda_{q nu} (write_tetra_gamma_files)
    elph_method: str = "gaussian"
    # spin-orbit coupling: spinor wave functions (pw.x noncolin + lspinorb) with a fully
    # relativistic pseudopotential; only with elph_method "tetrahedra" (ph.x 6.7's
    # 'interpolated' electron-phonon gives lambda <= 0 for spinors,
    # resources/abinitio/Pb_spin_orbit_check.txt).  nbnd and semicore_bands stay counted
    # in scalar (spin-degenerate) bands; QE's spinor runs have twice as many.
    spin_orbit: bool = False
    a2f_q_broadening_mev: float = 1.0  # Gaussian width of the q-point direct sum
    pseudo_dir: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ibrav(self) -> int:
        return IBRAV[self.structure]

    @property
    def alat_bohr(self) -> float:
        return self.a_angstrom * units.ANGSTROM_TO_BOHR

    @property
    def volume_bohr3(self) -> float:
        return CELL_VOLUME_FACTOR[self.structure] * self.alat_bohr ** 3

    @property
    def prefix(self) -> str:
        return self.name.lower()

    @property
    def spinor_factor(self) -> int:
        """QE bands per scalar band: 2 with spinors (spin_orbit), else 1."""
        return 2 if self.spin_orbit else 1

    @property
    def band_occupancy(self) -> float:
        """Electrons one QE band holds: 2 (spin-degenerate), 1 (spinor)."""
        return 2.0 / self.spinor_factor

    def sigma_list_ry(self) -> np.ndarray:
        return self.elph_sigma0_ry * np.arange(1, self.elph_nsigma + 1)

    def chosen_sigma_index(self) -> int:
        s = self.sigma_list_ry()
        i = int(np.argmin(np.abs(s - self.elph_sigma_ry)))
        if abs(s[i] - self.elph_sigma_ry) > 1e-9:
            raise InputError(None, f"abinitio.elements.{self.name}.elph_sigma_Ry",
                             f"{self.elph_sigma_ry} is not one of the ph.x smearings {s.tolist()}")
        return i


_SPEC_KEYS = {
    # config key -> MetalSpec field
    "structure": "structure", "a_angstrom": "a_angstrom", "mass_amu": "mass_amu",
    "pseudo": "pseudo", "ecutwfc_Ry": "ecutwfc_ry", "ecutrho_Ry": "ecutrho_ry",
    "k_scf": "k_scf", "k_dense": "k_dense", "q_grid": "q_grid", "degauss_Ry": "degauss_ry",
    "elph_sigma0_Ry": "elph_sigma0_ry", "elph_nsigma": "elph_nsigma",
    "elph_sigma_Ry": "elph_sigma_ry", "stability_window_Ry": "stability_window_ry",
    "k_dos": "k_dos", "nbnd": "nbnd", "n_valence": "n_valence",
    "semicore_bands": "semicore_bands", "matdyn_grid": "matdyn_grid",
    "dos_degauss_Ry": "dos_degauss_ry", "dos_step_eV": "dos_step_ev",
    "a2f_method": "a2f_method", "a2f_q_broadening_meV": "a2f_q_broadening_mev",
    "elph_method": "elph_method", "spin_orbit": "spin_orbit",
}

#: Electron-phonon methods of :class:`MetalSpec` (``elph_method``).
ELPH_METHODS = ("gaussian", "tetrahedra")


def metal_spec(name: str, params: Mapping, *, q_grid: int | None = None,
               pseudo_dir: str | os.PathLike = "", file: str | None = None) -> MetalSpec:
    """Build a :class:`MetalSpec` from the merged config of one metal.

    ``params`` is ``abinitio.defaults`` updated with ``abinitio.elements.<name>``;
    ``q_grid`` overrides the configured q grid (q-grid convergence runs).
    """
    kw: dict = {"name": name, "pseudo_dir": str(pseudo_dir)}
    for key, fld in _SPEC_KEYS.items():
        if key in params:
            kw[fld] = params[key]
    missing = [k for k, f in _SPEC_KEYS.items()
               if f not in kw and f not in ("matdyn_grid", "dos_degauss_ry", "dos_step_ev",
                                            "a2f_method", "a2f_q_broadening_mev",
                                            "elph_method", "spin_orbit")]
    if missing:
        raise InputError(file, f"abinitio.elements.{name}", f"missing keys {missing}")
    if kw["structure"] not in IBRAV:
        raise InputError(file, f"abinitio.elements.{name}.structure",
                         f"got {kw['structure']!r}, expected one of {sorted(IBRAV)}")
    if kw.get("elph_method", "gaussian") not in ELPH_METHODS:
        raise InputError(file, f"abinitio.elements.{name}.elph_method",
                         f"got {kw['elph_method']!r}, expected one of {list(ELPH_METHODS)}")
    if kw.get("spin_orbit", False) and kw.get("elph_method", "gaussian") != "tetrahedra":
        raise InputError(file, f"abinitio.elements.{name}.spin_orbit",
                         "elph_method: tetrahedra with spin_orbit: true (ph.x 6.7's Gaussian "
                         "'interpolated' electron-phonon gives lambda <= 0 for spinors)")
    kw["stability_window_ry"] = tuple(float(x) for x in kw["stability_window_ry"])
    if q_grid is not None:
        kw["q_grid"] = int(q_grid)
    spec = MetalSpec(**kw)
    if spec.elph_nsigma != 10:
        # q2r.x and matdyn.x of QE 6.7 read exactly ten a2Fq2r/a2Fmatdyn smearing files
        # (hard-coded nsig = 10): any other el_ph_nsigma makes q2r.x stop.
        raise InputError(file, f"abinitio.elements.{name}.elph_nsigma",
                         f"got {spec.elph_nsigma}; QE 6.7 q2r.x/matdyn.x need exactly 10")
    if spec.elph_method == "gaussian" and spec.k_dense % spec.k_scf:
        # ph.x interpolates the electron-phonon matrix elements from the scf grid onto
        # the dense grid: with incommensurate grids it runs but lambda is garbage
        # (Al, 8^3 -> 36^3: lambda = 16 instead of 0.5).  lambda_tetra does not
        # interpolate: it recomputes the bands and matrix elements on k_dense from the
        # saved dV_scf, so any k_scf goes (Nb, q = (0,0,1/3): 16^3 and 20^3 ground states
        # with 24^3 lambda_tetra give lambda_q 7.38 and 7.06, resources/abinitio/
        # Nb_dfpt_k_check/README.txt).
        raise InputError(file, f"abinitio.elements.{name}.k_dense",
                         f"{spec.k_dense} is not a multiple of k_scf = {spec.k_scf}")
    for q in (spec.q_grid, int(params.get("q_check", 0) or 0)):
        if q and spec.k_dense % q:
            # ph.x (elphsum) stops with "q is not a vector in the dense grid"
            raise InputError(file, f"abinitio.elements.{name}.k_dense",
                             f"{spec.k_dense} is not a multiple of the q grid {q}")
    spec.chosen_sigma_index()
    return spec


# --------------------------------------------------------------------------- inputs
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


def ph_input(spec: MetalSpec, outdir: str = "./tmp", iq: int | None = None) -> str:
    """ph.x input: phonons on the q grid and interpolated electron-phonon coupling;
    with ``iq``, only the iq-th irreducible q point (``start_q = last_q = iq``)."""
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


# --------------------------------------------------------------------------- running
def qe_available() -> bool:
    """True if every executable of :data:`QE_EXECUTABLES` is on PATH."""
    return all(shutil.which(x) for x in QE_EXECUTABLES)


def require_qe() -> None:
    """Raise InputError (naming PATH and the install command) without QE."""
    if not qe_available():
        raise InputError(None, "PATH", f"Quantum ESPRESSO executables {QE_EXECUTABLES} not "
                         "found; install them (apt-get install -y quantum-espresso)")


def qe_version() -> str:
    """QE version reported by pw.x (runs pw.x on an empty input), or 'unknown'."""
    if not shutil.which("pw.x"):
        return "unknown"
    import tempfile
    try:
        # pw.x writes input_tmp.in / CRASH into its working folder: use a throw-away one.
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run(["pw.x"], input="", capture_output=True, text=True, timeout=60,
                                 cwd=tmp, env=_mpi_env()).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    m = re.search(r"Program PWSCF v\.(\S+)", out)
    return m.group(1) if m else "unknown"


def _mpi_env() -> dict:
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")     # one thread per MPI rank
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Open MPI refuses to run as root without these (containers, CI).
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    return env


def run_qe(exe: str, input_text: str, stem: str, cwd: Path, *, nproc: int = 1,
           mpi_command: str = "mpirun -np {nproc}", pools: bool = False) -> float:
    """Run one QE executable with ``stem.in`` -> ``stem.out`` in ``cwd``; return wall seconds.

    A non-zero exit status or a missing ``JOB DONE`` raises
    :class:`~scimodel.errors.ExternalProgramError` with QE's own error message
    (:func:`qe_error_message`) and the path of ``stem.out``.
    """
    cwd = Path(cwd)
    (cwd / f"{stem}.in").write_text(input_text)
    cmd = [exe]
    if nproc > 1 and exe in ("pw.x", "ph.x"):
        cmd = mpi_command.format(nproc=nproc).split() + [exe]
        if pools:
            cmd += ["-nk", str(nproc)]
    cmd += ["-in", f"{stem}.in"]
    log.info("running %s in %s", " ".join(cmd), cwd)
    t0 = time.perf_counter()
    with open(cwd / f"{stem}.out", "w") as out:
        rc = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                            env=_mpi_env()).returncode
    wall = time.perf_counter() - t0
    text = (cwd / f"{stem}.out").read_text(errors="replace")
    if rc != 0 or (exe in ("pw.x", "ph.x") and "JOB DONE" not in text):
        raise ExternalProgramError(exe, cwd / f"{stem}.out", qe_error_message(text), rc)
    log.info("%s done in %.1f s", stem, wall)
    return wall


_QE_ERROR_BLOCK = re.compile(r"^ *%{20,} *\n(.*?)^ *%{20,} *$", re.M | re.S)


def qe_error_message(text: str, tail_lines: int = 15) -> str:
    """QE's own error message in an output ``text``, on one line.

    QE's ``errore`` prints a block between two rules of ``%`` signs (``Error in
    routine set_kplusq (28824): too many k points``); the first such block is
    returned with its whitespace collapsed.  Without one (a crash, a kill, a
    missing ``JOB DONE``), the last ``tail_lines`` non-empty lines are returned.
    """
    m = _QE_ERROR_BLOCK.search(text)
    if m:
        return " ".join(m.group(1).split())
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return "no output"
    return "no QE error message; last lines of the output:\n" + "\n".join(lines[-tail_lines:])


def check_qe_output(path: str | os.PathLike) -> None:
    """Refuse a pw.x/ph.x output that is truncated or did not converge.

    Raises InputError naming the file and the line: ``convergence NOT
    achieved`` (pw.x stops the SCF loop but may still end normally), or no
    ``JOB DONE`` at the end (killed, crashed or truncated run).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "<file>", "QE output file does not exist")
    lines = path.read_text(errors="replace").splitlines()
    for i, line in enumerate(lines, 1):
        if "convergence NOT achieved" in line:
            raise InputError(path, f"line {i}",
                             f"non-converged run ({line.strip()!r}); expected a converged SCF")
    if not any("JOB DONE" in ln for ln in lines[-40:]):
        raise InputError(path, f"line {len(lines)} (end of file)",
                         "no 'JOB DONE': truncated or unfinished QE run")


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


#: Fields of :class:`MetalSpec` that change what pw.x scf and ph.x compute
#: (the key of a ground state and of its q-point runs; DOS and post-processing
#: settings are not part of it).
PHONON_FIELDS = ("structure", "a_angstrom", "mass_amu", "pseudo", "ecutwfc_ry", "ecutrho_ry",
                 "k_scf", "k_dense", "q_grid", "degauss_ry", "elph_sigma0_ry", "elph_nsigma",
                 "conv_thr", "tr2_ph")


def phonon_key(spec: MetalSpec) -> str:
    """SHA-256 (16 hex digits) of the settings in :data:`PHONON_FIELDS` (the UPF by
    file name; its content is checked through ``pseudo_sha256``).  A q-point run is
    used with a ground state only when both carry the same key."""
    d = {f: getattr(spec, f) for f in PHONON_FIELDS}
    d["pseudo"] = Path(d["pseudo"]).name
    d["name"] = spec.name
    if spec.elph_method != "gaussian":
        # only then: the keys of the Gaussian runs stay those of the committed q points
        d["elph_method"] = spec.elph_method
    if spec.spin_orbit:
        d["spin_orbit"] = True
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


#: Primitive vectors (rows, units of a) of QE's ibrav = 2 (fcc) and 3 (bcc).
PRIMITIVE = {"fcc": 0.5 * np.array([[-1, 0, 1], [0, 1, 1], [-1, 1, 0]], float),
             "bcc": 0.5 * np.array([[1, 1, 1], [-1, 1, 1], [-1, -1, 1]], float)}


def irreducible_q_count(structure: str, n: int) -> int:
    """Number of irreducible points of the Gamma-centred n x n x n q grid of a
    cubic Bravais lattice under O_h and time reversal (what ph.x lists with
    ``ldisp``; e.g. fcc 4^3: 8, bcc 6^3: 16)."""
    if structure not in PRIMITIVE:
        raise InputError(None, "structure", f"got {structure!r}, expected one of {sorted(PRIMITIVE)}")
    from .abinitio import cubic_point_group

    a = PRIMITIVE[structure]
    b = np.linalg.inv(a).T                       # reciprocal vectors (rows), units of 2 pi / a
    grid = np.array([(i, j, k) for i in range(n) for j in range(n) for k in range(n)])
    # q in crystal coordinates of b: q_cart = f @ b; a rotation R maps f -> f @ b R^T b^-1
    binv = np.linalg.inv(b)
    ops = [b @ r.T @ binv for r in cubic_point_group()]
    seen: set[tuple[int, int, int]] = set()
    count = 0
    for g in grid:
        key = tuple(int(x) for x in g % n)
        if key in seen:
            continue
        count += 1
        for op in ops:
            for sign in (1, -1):
                f = sign * (g @ op)
                fi = np.rint(f).astype(int)
                if not np.allclose(f, fi, atol=1e-8):
                    raise RuntimeError("rotation does not map the q grid onto itself")
                seen.add(tuple(int(x) for x in fi % n))
    return count


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def _read_json(path: Path, what: str) -> dict:
    if not path.exists():
        raise InputError(path, "<file>", f"missing: not a finished {what}")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(path, "<file>", f"not valid JSON ({exc})") from exc


GROUND_FILE = "ground.json"


def upf_z_valence(path: str | os.PathLike) -> float:
    """Valence charge of a UPF pseudopotential (v2 ``z_valence="..."``, v1 ``Z valence``)."""
    text = Path(path).read_text(errors="replace")[:200000]
    m = (re.search(r'z_valence\s*=\s*"\s*([-+\d.eEdD]+)', text)
         or re.search(r"^\s*([-+\d.eEdD]+)\s+Z valence", text, re.M))
    if m is None:
        raise InputError(path, "z_valence", "a UPF file with its valence charge")
    return float(m.group(1).replace("d", "e").replace("D", "e"))


def spinor_scf_bands(spec: MetalSpec, pseudo_file: str | os.PathLike) -> int | None:
    """Bands of a spinor (spin_orbit) tetrahedron ground state, None (pw.x's default)
    otherwise: twice the scalar metal default max(0.6 z, z/2 + 4) plus two.  With pw.x's
    own spinor default (twice the scalar one) the tetrahedron DFPT step of ph.x 6.7 gave
    NaN ('solve_linter: root not converged', then 'broyden') for the tiny Al test cell;
    12 and 14 spinor bands failed there, 16 and 20 worked (direct pw.x/ph.x runs on that
    cell, 2026-12-03)."""
    if not spec.spin_orbit:
        return None
    z = upf_z_valence(pseudo_file)
    return 2 * (max(round(0.6 * z), round(z / 2) + 4) + 2)


# pw.x occupations of the tetrahedron branch's ground state (run_ground; the NetCDF's
# smearing_scf attribute names it)
TETRA_OCCUPATIONS = "tetrahedra_opt"


def run_ground(spec: MetalSpec, pseudo_file: str | os.PathLike, grounddir: str | os.PathLike, *,
               nproc: int = 1, mpi_command: str = "mpirun -np {nproc}") -> dict:
    """Ground state of one metal for its phonon runs: pw.x scf on the dense grid
    with ``la2F`` (the "fit" run) and on the coarse grid, in ``grounddir`` (which
    keeps QE's ``tmp`` folder for the q-point runs of :func:`run_q_point`).

    Writes and returns ``grounddir/ground.json`` (spec, :func:`phonon_key`,
    pseudopotential SHA-256, QE version, the number of irreducible q points,
    wall times).
    """
    grounddir = _fresh(Path(grounddir))
    if not Path(pseudo_file).exists():
        raise InputError(pseudo_file, "<file>", "pseudopotential file does not exist")
    spec = MetalSpec(**{**asdict(spec), "pseudo": Path(spec.pseudo).name, "pseudo_dir": "./"})
    shutil.copy(pseudo_file, grounddir / spec.pseudo)
    kw = dict(nproc=nproc, mpi_command=mpi_command, pools=True)
    if spec.elph_method == "tetrahedra":
        # ph.x's lambda_tetra computes the dense-grid wave functions itself: no la2F run
        walls = {"pw_scf": run_qe("pw.x", pw_input(spec, occupations=TETRA_OCCUPATIONS,
                                                   nbnd=spinor_scf_bands(spec, pseudo_file)),
                                  "scf", grounddir, **kw)}
    else:
        walls = {"pw_fit": run_qe("pw.x", pw_input(spec, k=spec.k_dense, la2f=True), "fit",
                                  grounddir, **kw),
                 "pw_scf": run_qe("pw.x", pw_input(spec), "scf", grounddir, **kw)}
    ground = {"metal": spec.name, "spec": asdict(spec), "phonon_key": phonon_key(spec),
              "pseudo_file": str(pseudo_file), "pseudo_sha256": sha256_file(pseudo_file),
              "qe_version": qe_version(), "nproc": nproc,
              "n_q": irreducible_q_count(spec.structure, spec.q_grid), "wall_times_s": walls}
    (grounddir / GROUND_FILE).write_text(json.dumps(ground, indent=1, sort_keys=True))
    return ground


def read_ground(grounddir: str | os.PathLike) -> tuple[MetalSpec, dict]:
    g = _read_json(Path(grounddir) / GROUND_FILE, "ground-state folder (scimodel.qe.run_ground)")
    return MetalSpec(**{**g["spec"], "stability_window_ry": tuple(g["spec"]["stability_window_ry"])}), g


def _ph_q_count(text: str, path: Path) -> int:
    m = re.search(r"uniform grid of q-points\s*\(\s*(\d+)\s*q-points\)", text)
    if not m:
        raise InputError(path, "q-point list", "ph.x did not print its list of q points")
    return int(m.group(1))


def _elph_q_files(spec: MetalSpec, iq: int) -> list[str]:
    """The files ph.x writes for q point ``iq``: its dynamical matrix and the
    electron-phonon data, for q2r.x (Gaussian: elph_dir/a2Fq2r.<50+i>.<iq>) or
    for the direct q sum (tetrahedra: the lambda_tetra output elph.out)."""
    if spec.elph_method == "tetrahedra":
        return [f"{spec.prefix}.dyn{iq}", "elph.in", "elph.out"]
    return [f"{spec.prefix}.dyn{iq}"] + [f"elph_dir/a2Fq2r.{50 + i}.{iq}"
                                         for i in range(1, spec.elph_nsigma + 1)]


def run_q_point(grounddir: str | os.PathLike, iq: int, qdir: str | os.PathLike,
                scratch: str | os.PathLike, *, nproc: int = 1,
                mpi_command: str = "mpirun -np {nproc}") -> dict:
    """ph.x for the ``iq``-th irreducible q point (1-based) on a copy of the
    ground state of :func:`run_ground`.  ``qdir`` receives ph.in/ph.out, the
    list of q points (``<prefix>.dyn0``), the q point's dynamical matrix and
    electron-phonon files, and ``summary.json`` (q, keys, wall time); q points
    run independently (other processes, other machines, other days) and
    :func:`assemble_run` joins them."""
    spec, g = read_ground(grounddir)
    if not 1 <= int(iq) <= g["n_q"]:
        raise InputError(None, "iq", f"got {iq}, expected 1..{g['n_q']} "
                         f"(irreducible points of the {spec.q_grid}^3 q grid)")
    scratch = _fresh(Path(scratch))
    shutil.copytree(Path(grounddir) / "tmp", scratch / "tmp")
    shutil.copy(Path(grounddir) / spec.pseudo, scratch / spec.pseudo)
    walls = {"ph": run_qe("ph.x", ph_input(spec, iq=iq), "ph", scratch, nproc=nproc,
                          mpi_command=mpi_command, pools=True)}
    if spec.elph_method == "tetrahedra":
        walls["elph"] = run_qe("ph.x", ph_tetra_input(spec, iq=iq), "elph", scratch,
                               nproc=nproc, mpi_command=mpi_command, pools=True)
    text = (scratch / "ph.out").read_text(errors="replace")
    n_q = _ph_q_count(text, scratch / "ph.out")
    if n_q != g["n_q"]:
        raise RuntimeError(f"ph.x lists {n_q} irreducible q points, scimodel.qe counted "
                           f"{g['n_q']} for the {spec.structure} {spec.q_grid}^3 grid")
    m = re.search(r"Calculation of q\s*=\s*(\S+)\s+(\S+)\s+(\S+)", text)
    qdir = _fresh(Path(qdir))
    (qdir / "elph_dir").mkdir()
    for f in ["ph.in", "ph.out", f"{spec.prefix}.dyn0", *_elph_q_files(spec, iq)]:
        if not (scratch / f).exists():
            raise RuntimeError(f"ph.x did not write {f} for q point {iq} in {scratch}")
        shutil.copy(scratch / f, qdir / f)
    summary = {"metal": spec.name, "iq": int(iq), "n_q": n_q,
               "q_cart_2pi_over_a": [float(x) for x in m.groups()] if m else None,
               "phonon_key": g["phonon_key"], "pseudo_sha256": g["pseudo_sha256"],
               "qe_version": g["qe_version"], "nproc": nproc, "elph_method": spec.elph_method,
               # "ph": all ph.x time of this q point (DFPT + lambda_tetra), as before the split
               "wall_times_s": {**walls, "ph": sum(walls.values())}}
    if "elph" in walls:
        summary["wall_times_s"]["dfpt"] = walls["ph"]
    (qdir / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True))
    shutil.rmtree(scratch, ignore_errors=True)
    return summary


def assemble_run(grounddir: str | os.PathLike, qdirs: Sequence[str | os.PathLike],
                 rundir: str | os.PathLike, scratch: str | os.PathLike, *, nproc: int = 1,
                 mpi_command: str = "mpirun -np {nproc}", keep_scratch: bool = False,
                 with_dos: bool = True) -> dict:
    """Join the q-point runs of one ground state into a run folder: check that
    every q point is there once and belongs to this ground state (phonon key,
    pseudopotential, list of q points), run nscf + dos.x (``with_dos``), q2r.x and
    matdyn.x.

    ``rundir`` receives the inputs, outputs and small result files
    (:data:`RUN_FILES`; ``ph.out`` is the q-point outputs in order) and
    ``summary.json`` with the wall times of every step (``ph`` = the sum over q
    points; ``ph_wall_per_q_s`` each).  The wave functions stay in ``scratch``, removed
    at the end unless ``keep_scratch``.
    """
    grounddir, rundir = Path(grounddir), Path(rundir)
    spec, g = read_ground(grounddir)
    parts: dict[int, tuple[Path, dict]] = {}
    for d in map(Path, qdirs):
        s = _read_json(d / "summary.json", "q-point folder (scimodel.qe.run_q_point)")
        for key in ("phonon_key", "pseudo_sha256", "n_q"):
            if s.get(key) != g[key]:
                raise InputError(d / "summary.json", key, f"got {s.get(key)!r}, expected "
                                 f"{g[key]!r} (the ground state {grounddir})")
        if s["iq"] in parts:
            raise InputError(d / "summary.json", "iq", f"q point {s['iq']} given twice")
        check_qe_output(d / "ph.out")
        parts[s["iq"]] = (d, s)
    missing = sorted(set(range(1, g["n_q"] + 1)) - set(parts))
    if missing:
        raise InputError(None, "q points", f"missing q points {missing} of {g['n_q']}")
    dyn0 = {(d / f"{spec.prefix}.dyn0").read_text() for d, _ in parts.values()}
    if len(dyn0) != 1:
        raise InputError(None, f"{spec.prefix}.dyn0", "the q-point runs list different q points")
    scratch = _fresh(Path(scratch))
    shutil.copytree(grounddir / "tmp", scratch / "tmp")
    shutil.copy(grounddir / spec.pseudo, scratch / spec.pseudo)
    rundir.mkdir(parents=True, exist_ok=True)
    for f in ("fit.in", "fit.out", "scf.in", "scf.out"):
        if f.startswith("scf") or spec.elph_method == "gaussian":   # tetrahedra: no fit run
            shutil.copy(grounddir / f, rundir / f)
    shutil.copy(grounddir / "tmp" / f"{spec.prefix}.save" / "data-file-schema.xml",
                rundir / "scf.xml")
    walls: dict[str, float] = dict(g["wall_times_s"])
    kw = dict(nproc=nproc, mpi_command=mpi_command)
    t_all = time.perf_counter()
    summary: dict = {"metal": spec.name, "spec": asdict(spec), "pseudo_file": g["pseudo_file"],
                     "pseudo_sha256": g["pseudo_sha256"], "qe_version": g["qe_version"],
                     "nproc": nproc, "phonon_key": g["phonon_key"], "n_q": g["n_q"]}
    files = []
    if with_dos:
        # The DOS runs in a copy of the scf save folder (./tmp_dos) without wave functions.
        src, dst = scratch / "tmp" / f"{spec.prefix}.save", scratch / "tmp_dos" / f"{spec.prefix}.save"
        dst.mkdir(parents=True)
        for f in src.iterdir():
            if f.is_file() and not f.name.startswith("wfc"):
                shutil.copy(f, dst / f.name)
        # Gaussian smearing = the DOS broadening, so that E_F and N(xi) are consistent.
        # (tetrahedra_opt: QE 6.7's tetrahedron set-up scales like N_k(full) x N_k(irr)
        # and did not finish in minutes on a 32^3 grid.)
        walls["pw_nscf"] = run_qe(
            "pw.x", pw_input(spec, "nscf", k=spec.k_dos, nbnd=spec.nbnd * spec.spinor_factor,
                             outdir="./tmp_dos", smearing="gaussian", degauss_ry=spec.dos_degauss_ry),
            "nscf", scratch, pools=True, **kw)
        xml = dst / "data-file-schema.xml"
        shutil.copy(xml, rundir / "nscf.xml")
        bands = parse_pw_xml(xml)
        window = dos_window(spec, bands)
        summary["dos_window_eV"] = window
        walls["dos_gauss"] = run_qe("dos.x", dos_input(
            spec, window["emin_eV"], window["emax_eV"], spec.dos_step_ev, "dos_gauss.dat",
            spec.dos_degauss_ry, outdir="./tmp_dos"), "dos_gauss", scratch)
        ef = bands["fermi_energy_eV"]
        # broadening check: the same DOS near E_F with twice the broadening
        walls["dos_wide"] = run_qe("dos.x", dos_input(
            spec, ef - spec.ef_window_ev, ef + spec.ef_window_ev, 0.005, "dos_wide.dat",
            2 * spec.dos_degauss_ry, outdir="./tmp_dos"), "dos_wide", scratch)
        shutil.rmtree(scratch / "tmp_dos", ignore_errors=True)
        files += ["dos_gauss.dat", "dos_wide.dat"]
    (scratch / "elph_dir").mkdir()
    ph_out, elph_out = [], []
    for iq in sorted(parts):
        d, s = parts[iq]
        for f in [f"{spec.prefix}.dyn0", *_elph_q_files(spec, iq)]:
            if not f.startswith("elph."):
                shutil.copy(d / f, scratch / f)
        ph_out.append((d / "ph.out").read_text(errors="replace"))
        shutil.copy(d / "ph.in", rundir / f"ph_q{iq}.in")
        if spec.elph_method == "tetrahedra":
            check_qe_output(d / "elph.out")
            elph_out.append((d / "elph.out").read_text(errors="replace"))
            shutil.copy(d / "elph.in", rundir / f"elph_q{iq}.in")
            # lambda_tetra writes no a2Fq2r files: build them from its lambda_{q nu}
            # so that q2r.x/matdyn.x interpolate them (gamma_file_text)
            write_tetra_gamma_files(spec, d, iq, scratch / "elph_dir")
    (rundir / "ph.out").write_text("".join(ph_out))
    if elph_out:
        # lambda_{q nu} of every q point, in order (read by build_abinitio_dataset)
        (rundir / "elph.out").write_text("".join(elph_out))
    summary["ph_wall_per_q_s"] = [float(parts[iq][1]["wall_times_s"]["ph"]) for iq in sorted(parts)]
    walls["ph"] = float(sum(summary["ph_wall_per_q_s"]))
    walls["q2r"] = run_qe("q2r.x", q2r_input(spec), "q2r", scratch)
    walls["matdyn"] = run_qe("matdyn.x", matdyn_input(spec), "matdyn", scratch)
    files += ["phonon.dos", f"{spec.prefix}.freq", "lambda"]
    files += sorted(p.name for p in scratch.glob("a2F.dos*"))
    for f in files:
        shutil.copy(scratch / f, rundir / f)
    for p in [*scratch.glob("*.in"), *scratch.glob("*.out")]:
        shutil.copy(p, rundir / p.name)
    walls["assemble"] = time.perf_counter() - t_all
    walls["total"] = (walls.get("pw_fit", 0.0) + walls["pw_scf"] + walls["ph"] + walls["assemble"])
    summary["wall_times_s"] = walls
    (rundir / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True))
    if not keep_scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    return summary


def store_q_points(parts_dir: str | os.PathLike, cache_root: str | os.PathLike) -> list[Path]:
    """Copy the finished q points of ``parts_dir`` (``results/abinitio/qe_parts/<M>_q<q>``:
    ``ground/`` and ``iq<i>/``) to ``cache_root/<M>_q<q>_<phonon key>/iq<i>``, where
    the workflow takes them instead of recomputing (workflow/rules/common.smk,
    abinitio_qe_input).  Only q points whose ph.x output ends with JOB DONE and
    whose key equals the ground state's are copied; returns the new folders."""
    parts_dir = Path(parts_dir)
    _, g = read_ground(parts_dir / "ground")
    dest = Path(cache_root) / f"{parts_dir.name}_{g['phonon_key']}"
    stored = []
    for d in sorted(parts_dir.glob("iq*"), key=lambda p: int(p.name[2:])):
        if not (d / "summary.json").exists():
            continue                                   # unfinished
        s = _read_json(d / "summary.json", "q-point folder")
        check_qe_output(d / "ph.out")
        if s["phonon_key"] != g["phonon_key"] or (dest / d.name / "summary.json").exists():
            continue
        shutil.copytree(d, dest / d.name, ignore=shutil.ignore_patterns(".snakemake_timestamp"))
        stored.append(dest / d.name)
    return stored


def q_point_table(folder: str | os.PathLike) -> str:
    """Markdown table of the finished q points in ``folder`` (a
    ``results/abinitio/qe_parts/<M>_q<q>`` run or its committed copy): iq, q
    (2 pi / a), ph.x wall time and MPI ranks from ``summary.json``, the mode
    frequencies (cm-1) from ``ph.out``; the progress record of a campaign."""
    rows = ["| iq | q (2 pi / a) | wall (s) | ranks | frequencies (cm-1) |",
            "| --- | --- | --- | --- | --- |"]
    for iq, d in q_point_lambdas(folder).items():
        s = d["summary"]
        q = ", ".join(f"{x:.4f}" for x in d["q"] or [])
        freqs = ", ".join(f"{f / units.CM1_TO_MEV:.1f}" for f in d["freq_mev"])
        rows.append(f"| {iq} | ({q}) | {s['wall_times_s']['ph']:.0f} | {s['nproc']} | {freqs} |")
    return "\n".join(rows) + "\n"


def q_point_lambdas(folder: str | os.PathLike, sigma_index: int = 0) -> dict[int, dict]:
    """The finished q points of a campaign folder (those with a ``summary.json``),
    iq -> ``star``, ``q`` (2 pi / a), ``freq_mev``, ``sigma_ry``, ``n_q``, ``summary``
    (the folder's summary.json) and ``lambda_q`` (sum over modes of lambda_{q nu}) for
    row ``sigma_index`` of the ph.x block: the Gaussian broadening of an
    'interpolated' run, 0 for a lambda_tetra run (which has one row; its DFPT ph.out
    has no lambda block, so elph.out is read)."""
    out = {}
    for d in sorted(Path(folder).glob("iq*"), key=lambda p: int(p.name[2:])):
        if not (d / "summary.json").exists():
            continue                                   # unfinished
        s = _read_json(d / "summary.json", "q-point folder")
        src = d / ("elph.out" if (d / "elph.out").exists() else "ph.out")
        (b,) = read_ph_elph(src)
        if not -b["lam"].shape[0] <= sigma_index < b["lam"].shape[0]:
            raise InputError(src, "lambda(q nu)", f"a smearing row {sigma_index} (the file has "
                             f"{b['lam'].shape[0]})")
        out[int(s["iq"])] = {"star": b["star"], "q": s["q_cart_2pi_over_a"], "freq_mev": b["freq_mev"],
                             "sigma_ry": float(b["sigma_ry"][sigma_index]), "n_q": int(s["n_q"]),
                             "lambda_q": float(b["lam"][sigma_index].sum()), "summary": s,
                             "sigma_ry_all": np.asarray(b["sigma_ry"], float),
                             "lambda_q_all": np.asarray(b["lam"], float).sum(axis=1)}
    return out


def _grid_size(folder: Path) -> int:
    m = re.search(r"_q(\d+)(_|$)", folder.name)
    if m is None:
        raise InputError(folder, "<folder name>", "a campaign folder named <M>_q<n>[_<phonon key>]")
    return int(m.group(1))


def _common_grid_size(folders) -> int:
    """The q grid n of campaign folders that must share one (else InputError)."""
    grids = {_grid_size(Path(f)) for f in folders}
    if len(grids) != 1:
        raise InputError(None, "runs", f"campaigns on one q grid (got n = {sorted(grids)})")
    return grids.pop()


def compare_q_point_runs(runs: Mapping[str, tuple[str | os.PathLike, int]]) -> str:
    """Markdown comparison of campaigns on the same q grid, ``runs`` = {label:
    (folder, smearing row)}: lambda_q per irreducible q point and run, then the
    star-weighted sum over the q points every run has, sum_q star_q lambda_q / n^3
    (a partial lambda while a campaign is unfinished, lambda by direct sum when
    all irreducible points are there).  The per-q tables of the tetrahedron
    records (resources/abinitio/*_tetrahedron_grid_check.txt) are this output."""
    if not runs:
        raise InputError(None, "runs", "at least one campaign folder")
    n = _common_grid_size(folder for folder, _ in runs.values())
    data = {label: q_point_lambdas(folder, row) for label, (folder, row) in runs.items()}
    labels = list(runs)
    every = sorted(set.intersection(*(set(d) for d in data.values())))
    rows = ["| iq | star | q (2 pi / a) | " + " | ".join(f"lambda_q {lab}" for lab in labels) + " |",
            "| --- | --- | --- | " + " | ".join("---" for _ in labels) + " |"]
    for iq in sorted(set().union(*(set(d) for d in data.values()))):
        first = next(d[iq] for d in data.values() if iq in d)
        q = ", ".join(f"{x:.4f}" for x in first["q"] or [])
        cells = [f"{data[lab][iq]['lambda_q']:.4f}" if iq in data[lab] else "-" for lab in labels]
        rows.append(f"| {iq} | {first['star']} | ({q}) | " + " | ".join(cells) + " |")
    for lab in labels[1:]:
        bad = [iq for iq in every if data[lab][iq]["star"] != data[labels[0]][iq]["star"]]
        if bad:
            raise InputError(Path(runs[lab][0]), "Number of q in the star",
                             f"the same star as {labels[0]} at iq {bad} (not the same q list)")
    nstar = sum(data[labels[0]][iq]["star"] for iq in every)
    n_irr = max(d["n_q"] for d in data[labels[0]].values()) if data[labels[0]] else 0
    kind = "lambda (direct sum)" if len(every) == n_irr and nstar == n ** 3 else "partial sum"
    sums = [f"{sum(data[lab][iq]['star'] * data[lab][iq]['lambda_q'] for iq in every) / n ** 3:.4f}"
            for lab in labels]
    rows.append(f"| {kind} | {nstar} / {n ** 3} | {len(every)} of {n_irr} points | " + " | ".join(sums) + " |")
    return "\n".join(rows) + "\n"


def compare_lambda_by_smearing(runs: Mapping[str, str | os.PathLike]) -> str:
    """Markdown table of lambda by direct sum, sum_q star_q lambda_q / n^3 over all
    irreducible q points, per ph.x smearing row, for campaigns ``runs`` = {label:
    folder} on the same q grid with the same smearings (e.g. one metal at two lattice
    constants), and the ratio of each later campaign to the first.  The tables of
    resources/abinitio/*_lattice_constant_check.txt are this output."""
    if len(runs) < 2:
        raise InputError(None, "runs", "at least two campaign folders")
    n = _common_grid_size(runs.values())
    sums, sigma = {}, None
    for label, folder in runs.items():
        d = q_point_lambdas(folder)
        n_irr = max((v["n_q"] for v in d.values()), default=0)
        if not d or len(d) != n_irr or sum(v["star"] for v in d.values()) != n ** 3:
            raise InputError(Path(folder), "iq*/summary.json",
                             f"all {n_irr or '?'} irreducible q points of the {n}^3 grid "
                             f"(found {sorted(d)})")
        for iq, v in d.items():
            if sigma is None:
                sigma = v["sigma_ry_all"]
            elif v["sigma_ry_all"].shape != sigma.shape or not np.allclose(v["sigma_ry_all"], sigma):
                raise InputError(Path(folder) / f"iq{iq}", "smearing (Ry)",
                                 f"the smearings of the first campaign, {sigma.tolist()}")
        sums[label] = sum(v["star"] * v["lambda_q_all"] for v in d.values()) / n ** 3
    labels = list(runs)
    rows = ["| sigma (Ry) | " + " | ".join(f"lambda {lab}" for lab in labels) + " | "
            + " | ".join(f"ratio {lab} / {labels[0]}" for lab in labels[1:]) + " |",
            "| --- | " + " | ".join("---" for _ in labels) + " | "
            + " | ".join("---" for _ in labels[1:]) + " |"]
    for i, sg in enumerate(sigma):
        cells = [f"{sums[lab][i]:.3f}" for lab in labels]
        ratios = [f"{sums[lab][i] / sums[labels[0]][i]:.3f}" for lab in labels[1:]]
        rows.append(f"| {sg:.3f} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    return "\n".join(rows) + "\n"


def run_pipeline(spec: MetalSpec, pseudo_file: str | os.PathLike, rundir: str | os.PathLike,
                 scratch: str | os.PathLike, *, nproc: int = 1,
                 mpi_command: str = "mpirun -np {nproc}", keep_scratch: bool = False,
                 with_dos: bool = True) -> dict:
    """The whole QE chain of one metal in one process: :func:`run_ground`, one
    :func:`run_q_point` per irreducible q point, :func:`assemble_run` (the
    workflow runs the same three steps as separate jobs).

    Parameters
    ----------
    pseudo_file : the UPF file (copied into the scratch folder).
    rundir : folder that receives inputs, outputs and the small result files
        (:data:`RUN_FILES`); the wave functions stay in ``scratch``.
    scratch : working folder (large files), removed at the end unless ``keep_scratch``.
    with_dos : False skips the nscf + dos.x steps (q-grid convergence runs).

    Returns the summary dict also written to ``rundir/summary.json``.
    """
    scratch = _fresh(Path(scratch))
    g = run_ground(spec, pseudo_file, scratch / "ground", nproc=nproc, mpi_command=mpi_command)
    qdirs = [scratch / f"iq{iq}" for iq in range(1, g["n_q"] + 1)]
    for iq, d in enumerate(qdirs, 1):
        run_q_point(scratch / "ground", iq, d, scratch / "ph_scratch", nproc=nproc,
                    mpi_command=mpi_command)
    summary = assemble_run(scratch / "ground", qdirs, rundir, scratch / "assemble", nproc=nproc,
                           mpi_command=mpi_command, keep_scratch=keep_scratch, with_dos=with_dos)
    if not keep_scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    return summary


def dos_window(spec: MetalSpec, bands: Mapping) -> dict:
    """Energy window of the DOS (absolute eV) from the nscf eigenvalues.

    Lower end: ``dos_below_bottom_ev`` below the bottom of the valence band
    (band index ``semicore_bands``); upper end: E_F + ``dos_above_ef_ev``.
    Raises InputError when the highest computed band does not reach the top of
    the window everywhere in the zone (the DOS would be cut off: raise ``nbnd``).
    """
    eig = bands["eigenvalues_eV"]
    ef = bands["fermi_energy_eV"]
    nsc = spec.semicore_bands * spec.spinor_factor      # QE bands below the valence band
    if eig.shape[1] <= nsc:
        raise InputError(None, f"abinitio.elements.{spec.name}.semicore_bands",
                         f"{nsc} >= number of bands {eig.shape[1]}")
    bottom = float(eig[:, nsc].min())
    if nsc > 0:
        top_semicore = float(eig[:, nsc - 1].max())
        if top_semicore > bottom - 2 * spec.dos_below_bottom_ev:
            raise InputError(None, f"abinitio.elements.{spec.name}.semicore_bands",
                             f"semicore band top {top_semicore - ef:.2f} eV is not separated "
                             f"from the valence band bottom {bottom - ef:.2f} eV (rel. E_F)")
    emax = ef + spec.dos_above_ef_ev
    top_min = float(eig[:, -1].min())
    margin = 5 * spec.dos_degauss_ry * units.RY_TO_EV
    if top_min < emax + margin:
        raise InputError(None, f"abinitio.elements.{spec.name}.nbnd",
                         f"highest band (nbnd={eig.shape[1]}) starts at {top_min - ef:.2f} eV "
                         f"above E_F; need > {emax + margin - ef:.2f} eV: raise nbnd")
    return {"emin_eV": bottom - spec.dos_below_bottom_ev, "emax_eV": emax,
            "band_bottom_eV": bottom, "fermi_energy_eV": ef, "top_band_min_eV": top_min}


# --------------------------------------------------------------------------- parsers
def parse_pw_xml(path: str | os.PathLike) -> dict:
    """Fermi energy, eigenvalues, cell volume, electrons and version from ``data-file-schema.xml``.

    Returns energies in eV (QE writes Hartree), volume in bohr^3.
    """
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise InputError(path, "<file>", f"not a readable QE XML file ({exc})") from None
    out = root.find("output")
    if out is None:
        raise InputError(path, "output", "no <output> element (unfinished pw.x run?)")
    bs = out.find("band_structure")
    if bs is None:
        raise InputError(path, "output/band_structure", "missing")
    ef_node = bs.find("fermi_energy")
    if ef_node is None:
        raise InputError(path, "band_structure/fermi_energy", "missing (not a metal run?)")
    eig, wk, kc = [], [], []
    for ks in bs.findall("ks_energies"):
        kp = ks.find("k_point")
        wk.append(float(kp.attrib["weight"]))
        kc.append([float(x) for x in kp.text.split()])
        eig.append([float(x) for x in ks.find("eigenvalues").text.split()])
    struct = out.find("atomic_structure")
    cell = struct.find("cell")
    a = np.array([[float(x) for x in cell.find(t).text.split()] for t in ("a1", "a2", "a3")])
    alat = float(struct.attrib["alat"])
    creator = root.find("general_info/creator")
    return {
        "fermi_energy_eV": float(ef_node.text) * units.HA_TO_EV,
        "eigenvalues_eV": np.array(eig) * units.HA_TO_EV,
        "k_weights": np.array(wk),
        "k_cart_2pi_alat": np.array(kc),
        "cell_alat": a / alat,
        "nelec": float(bs.find("nelec").text),
        "volume_bohr3": float(abs(np.linalg.det(a))),
        "qe_version": creator.attrib.get("VERSION", "unknown") if creator is not None else "unknown",
    }


def _numeric_rows(path: Path, ncol_min: int) -> np.ndarray:
    if not path.exists():
        raise InputError(path, "<file>", "file does not exist")
    rows = []
    for i, ln in enumerate(path.read_text().splitlines(), 1):
        s = ln.strip()
        if not s or s.startswith("#"):
            continue
        parts = s.split()
        try:
            vals = [float(x.replace("D", "E")) for x in parts]
        except ValueError:
            if rows:
                break          # trailing text block (e.g. "lambda = ..." in a2F.dos)
            raise InputError(path, f"line {i}", f"expected numbers, got {s!r}") from None
        if len(vals) < ncol_min:
            raise InputError(path, f"line {i}", f"expected >= {ncol_min} columns, got {len(vals)}")
        rows.append(vals[:ncol_min])
    if len(rows) < 3:
        raise InputError(path, "<data>", f"only {len(rows)} data rows (truncated file?)")
    return np.array(rows)


def read_a2f_dos(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """matdyn's ``a2F.dosN``: (omega in meV, total alpha2F). QE writes omega in Ry."""
    path = Path(path)
    text = path.read_text() if path.exists() else ""
    if text and "Rydberg" not in text.split("\n", 4)[2] + text.split("\n", 4)[1]:
        raise InputError(path, "header", "expected '# frequencies in Rydberg' (matdyn a2F.dos)")
    arr = _numeric_rows(path, 2)
    return arr[:, 0] * units.RY_TO_MEV, arr[:, 1]


def read_matdyn_lambda(path: str | os.PathLike) -> dict:
    """matdyn's ``lambda`` table: smearing (Ry) -> lambda, N(E_F) (states/Ry/cell, both spins), omega_log (K)."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "<file>", "file does not exist")
    pat = re.compile(r"Broadening\s+(\S+)\s+lambda\s+(\S+)\s+dos\(Ef\)\s+(\S+)\s+omega_ln \[K\]\s+(\S+)")
    rows = [tuple(float(x) for x in m.groups()) for m in pat.finditer(path.read_text())]
    if not rows:
        raise InputError(path, "<data>", "no 'Broadening ... lambda ... omega_ln [K]' lines")
    a = np.array(rows)
    return {"sigma_ry": a[:, 0], "lambda": a[:, 1], "dos_ef_per_ry": a[:, 2],
            "omega_log_K": a[:, 3]}


def read_phonon_dos(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """matdyn's phonon DOS: (omega in meV, F in 1/meV per cell); QE writes cm^-1."""
    arr = _numeric_rows(Path(path), 2)
    return arr[:, 0] * units.CM1_TO_MEV, arr[:, 1] / units.CM1_TO_MEV


def read_dos_x(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, float]:
    """dos.x output: (E in eV, DOS in states/eV/cell for both spins, E_F in eV from the header)."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "<file>", "file does not exist")
    head = path.read_text().split("\n", 1)[0]
    m = re.search(r"EFermi\s*=\s*(\S+)\s*eV", head)
    if not m:
        raise InputError(path, "header", f"expected 'EFermi = ... eV' in {head!r}")
    arr = _numeric_rows(path, 2)
    return arr[:, 0], arr[:, 1], float(m.group(1))


def read_ld1_test(path: str | os.PathLike) -> list[dict]:
    """ld1.x transferability test: per configuration, Etot(AE) - Etot(PS) differences in mRy.

    Parses the 'dEtot_ae' / 'dEtot_ps' lines of an ``iswitch=2`` output.
    """
    text = Path(path).read_text()
    out = []
    for m in re.finditer(r"dEtot_ae\s*=\s*(\S+)\s*Ry.*?\n.*?dEtot_ps\s*=\s*(\S+)\s*Ry,\s*Delta E=\s*(\S+)\s*Ry",
                         text, flags=re.S):
        ae, ps, d = (float(x) for x in m.groups())
        out.append({"dEtot_ae_Ry": ae, "dEtot_ps_Ry": ps, "delta_mRy": d * 1e3})
    return out


# --------------------------------------------------------------------------- NetCDF
def _positive_grid(omega: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep omega > 0 and prepend omega = 0 with value 0 (the contract's grid starts at 0)."""
    keep = omega > 0
    return np.concatenate([[0.0], omega[keep]]), np.concatenate([[0.0], values[keep]])


def _trapz(y, x) -> float:
    return float(np.trapezoid(y, x)) if len(x) > 1 else 0.0


def a2f_table(rundir: str | os.PathLike, spec: MetalSpec) -> dict:
    """alpha2F of every smearing on one omega grid (meV, from 0) plus diagnostics.

    alpha2F at omega <= 0 (imaginary or zero-frequency modes) is dropped; its
    weight Int |a2F| dw relative to the total is returned as ``a2f_negative_fraction``.
    Small negative values at omega > 0 (interpolation noise) are set to zero; the
    removed weight is returned as ``a2f_clipped_fraction``.
    """
    rundir = Path(rundir)
    grids, vals, neg, clipped = [], [], [], []
    # tetrahedra: one alpha2F (the ten a2F.dos files of matdyn.x are the same)
    rows = 1 if spec.elph_method == "tetrahedra" else spec.elph_nsigma
    for i in range(1, rows + 1):
        w, a = read_a2f_dos(rundir / f"a2F.dos{i}")
        tot = _trapz(np.abs(a), w)
        neg.append(_trapz(np.abs(a) * (w <= 0), w) / tot if tot > 0 else 0.0)
        wp, ap = _positive_grid(w, a)
        clipped.append(_trapz(np.clip(-ap, 0, None), wp) / tot if tot > 0 else 0.0)
        grids.append(wp)
        vals.append(np.clip(ap, 0, None))
    omega = grids[0]
    for g in grids[1:]:
        if g.shape != omega.shape or not np.allclose(g, omega, rtol=1e-6, atol=1e-9):
            raise InputError(rundir, "a2F.dos*", "the smearings do not share one frequency grid")
    sigma = np.zeros(1) if spec.elph_method == "tetrahedra" else spec.sigma_list_ry()
    return {"omega": omega, "a2f": np.array(vals), "sigma_ry": sigma,
            "a2f_negative_fraction": float(max(neg)), "a2f_clipped_fraction": float(max(clipped))}


def read_dyn_star(path: str | os.PathLike, nat: int | None = None) -> list[tuple[str, np.ndarray]]:
    """The star of q of a ph.x dynamical-matrix file (``<prefix>.dyn<i>``) or of an
    ``elph_dir/a2Fq2r.*`` file (same blocks; give ``nat``): for every member its
    ``q = ( ... )`` line as written (q2r.x reads it with a fixed format) and the
    3 nat x 3 nat complex matrix in cartesian axes (Ry/bohr^2 units of ph.x, masses
    not divided out).  ``nat`` defaults to the dyn file's header (third line)."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "<file>", "file does not exist")
    lines = path.read_text(errors="replace").splitlines()
    if nat is None:
        try:
            nat = int(lines[2].split()[1])
        except (IndexError, ValueError):
            raise InputError(path, "line 3", "expected 'ntyp nat ibrav celldm(1..6)'") from None
    out = []
    for j, ln in enumerate(lines):
        if "Dynamical  Matrix in cartesian axes" not in ln:
            continue
        qline = lines[j + 2] if j + 2 < len(lines) else ""
        if not qline.strip().startswith("q = ("):
            raise InputError(path, f"line {j + 3}", "expected the 'q = ( ... )' line")
        m = np.zeros((3 * nat, 3 * nat), complex)
        k = j + 4
        try:
            for _ in range(nat * nat):
                na, nb = (int(x) for x in lines[k].split())
                for i in range(3):
                    v = [float(x) for x in lines[k + 1 + i].split()]
                    m[3 * (na - 1) + i, 3 * (nb - 1):3 * nb] = np.array(v[0::2]) + 1j * np.array(v[1::2])
                k += 4
        except (IndexError, ValueError):
            raise InputError(path, f"line {k + 1}", "truncated or malformed 3x3 block") from None
        out.append((qline, m))
    if not out:
        raise InputError(path, "<data>", "no 'Dynamical  Matrix in cartesian axes' block")
    return out


def gamma_file_text(dyn_path: str | os.PathLike, lam: np.ndarray, dos_per_ry: float,
                    ef_ry: float, deg_ry: float = 0.0, expect_star: int | None = None) -> str:
    """The electron-phonon file that q2r.x reads for one smearing of one q point
    (``elph_dir/a2Fq2r.<50 + i>.<iq>``), built from the lambda_{q nu} of the q point.

    ph.x (``electron_phonon='interpolated'``) writes for every member S q of the star
    a matrix G(Sq) whose diagonal in the mode basis is e_nu^+ G e_nu = 2 N(E_F)
    lambda_nu d_nu, where d_nu and e_nu are the eigenvalues and eigenvectors of the
    member's dynamical matrix D(Sq) as stored in ``dyn_path`` (one atom per cell:
    d_nu = M omega_nu^2) and N(E_F) is in states/spin/Ry/cell; matdyn.x turns it back
    into gamma_nu = pi/2 e^+ G e / M and lambda_nu = gamma_nu / (pi N(E_F) omega_nu^2).
    This function writes G = sum_nu 2 N(E_F) lambda_nu d_nu e_nu e_nu^+, i.e. only
    that diagonal: the off-diagonal elements (nonzero at low-symmetry q) are not
    printed.  Keeping only the diagonal of ph.x's own files changes Ta's interpolated
    lambda by +0.7 % (resources/abinitio/Ta_tetrahedron_grid_check.txt; the diagonal
    is checked against ph.x's files in tests/test_abinitio.py).  Used for
    ``elph_method='tetrahedra'``, whose lambda_tetra run prints lambda_{q nu} but
    writes no such file, so that q2r.x/matdyn.x Fourier interpolate it like the
    Gaussian case.  ``lam`` is in ph.x's mode order
    (ascending frequency); modes degenerate in D get their mean lambda.  One atom per
    cell only (all metals here).  ``expect_star``: the star size printed by ph.x, checked
    against the number of matrices in ``dyn_path``."""
    star = read_dyn_star(dyn_path)
    if expect_star is not None and len(star) != expect_star:
        # e.g. a dyn file of another q point or a truncated one
        raise InputError(dyn_path, "star",
                         f"{len(star)} matrices, but elph.out lists {expect_star} q in the star")
    lam = np.asarray(lam, float)
    out = [f"{deg_ry:25.16E}{ef_ry:25.16E}{dos_per_ry:25.16E}", f"{len(star):12d}"]
    for qline, d in star:
        if d.shape != (3, 3):
            raise InputError(dyn_path, "nat", f"got {d.shape[0] // 3} atoms, expected 1 "
                             "(gamma_file_text handles one atom per cell)")
        if lam.shape != (3,):
            raise InputError(dyn_path, "lambda", f"got {lam.size} modes, expected 3")
        w, v = np.linalg.eigh(0.5 * (d + d.conj().T))
        tol = 1e-6 * max(np.abs(w).max(), 1e-30)
        lam_s = np.array([lam[np.abs(w - x) <= tol].mean() for x in w])
        g = (v * (2.0 * dos_per_ry * lam_s * w)) @ v.conj().T
        out += ["", "     Dynamical  Matrix in cartesian axes", "", qline.rstrip(), "", "    1    1"]
        out += ["  ".join(f"{z.real:18.10E} {z.imag:18.10E}" for z in row) for row in g]
    return "\n".join(out) + "\n"


def write_tetra_gamma_files(spec: MetalSpec, qdir: str | os.PathLike, iq: int,
                            elph_dir: str | os.PathLike) -> None:
    """``elph_dir/a2Fq2r.<51..50+elph_nsigma>.<iq>`` of a tetrahedron q point folder
    (its ``elph.out`` and ``<prefix>.dyn<iq>``), the same matrix in every file:
    q2r.x/matdyn.x of QE 6.7 read exactly ten; the NetCDF step reads ``a2F.dos1``."""
    qdir = Path(qdir)
    (b,) = read_ph_elph(qdir / "elph.out")
    if b["dos_per_ry"] is None or b["ef_ev"] is None:
        raise InputError(qdir / "elph.out", "DOS = ... at Ef=", "N(E_F) and E_F not printed")
    text = gamma_file_text(qdir / f"{spec.prefix}.dyn{iq}", b["lam"][0], float(b["dos_per_ry"][0]),
                           float(b["ef_ev"][0]) / units.RY_TO_EV, expect_star=b["star"])
    for i in range(1, spec.elph_nsigma + 1):
        (Path(elph_dir) / f"a2Fq2r.{50 + i}.{iq}").write_text(text)


def _moments(omega, a2f) -> dict:
    from . import eliashberg
    return eliashberg.moments(omega, a2f)


def lambda_by_smearing(omega: np.ndarray, a2f_by_sigma: np.ndarray) -> np.ndarray:
    """lambda = 2 Int a2F/w dw for every row (scimodel.eliashberg)."""
    return np.array([_moments(omega, a)["lam"] for a in a2f_by_sigma])


def stability(sigma_ry: np.ndarray, lam: np.ndarray, chosen: int,
              window_ry: Sequence[float]) -> float:
    """Largest |lambda(sigma) - lambda(chosen)| / lambda(chosen) for sigma in the window."""
    lo, hi = window_ry
    sel = (sigma_ry >= lo - 1e-12) & (sigma_ry <= hi + 1e-12)
    if not sel.any():
        raise InputError(None, "stability_window_Ry", f"no smearing of {sigma_ry.tolist()} in {window_ry}")
    return float(np.max(np.abs(lam[sel] - lam[chosen])) / lam[chosen])


def imaginary_weight(omega: np.ndarray, f: np.ndarray) -> float:
    """Fraction of the phonon DOS weight at omega < 0 (imaginary modes, plotted as negative)."""
    tot = _trapz(f, omega)
    neg = _trapz(np.where(omega < 0, f, 0.0), omega)
    return float(neg / tot) if tot > 0 else 0.0


def free_electron_kf(n_per_bohr3: float) -> float:
    """k_F = (3 pi^2 n)^(1/3) in 1/bohr for the density n in 1/bohr^3."""
    return float((3.0 * np.pi ** 2 * n_per_bohr3) ** (1.0 / 3.0))


#: Config keys that only affect post-processing (the NetCDF step), not the QE runs.
POSTPROCESS_KEYS = ("elph_sigma_Ry", "stability_window_Ry", "n_valence", "semicore_bands",
                    "dos_step_eV", "a2f_method", "a2f_q_broadening_meV")


def read_ph_elph(path: str | os.PathLike) -> list[dict]:
    """Per computed q point of a ph.x (``electron_phonon='interpolated'``) output:
    ``star`` (number of q in the star), ``freq_mev`` (modes) and ``lam``
    (smearings x modes, the lambda_{q nu} that ph.x prints per Gaussian broadening),
    ``sigma_ry`` (the broadenings), ``dos_per_ry`` and ``ef_ev`` (ph.x's N(E_F) in
    states/spin/Ry/cell and E_F in eV per broadening; None if not printed).  An ``electron_phonon='lambda_tetra'``
    output gives one row, ``sigma_ry = [0]`` (no smearing); there ph.x prints the
    star after the block.  Raises InputError on a truncated block."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "<file>", "file does not exist")
    lines = path.read_text(errors="replace").splitlines()
    out, star, i = [], None, 0
    while i < len(lines):
        ln = lines[i]
        if "Number of q in the star" in ln:
            star = int(ln.split("=")[1])
        elif "Diagonalizing the dynamical matrix" in ln:
            start = i
            freqs, sig, lam, cur, dos, ef = [], [], [], None, [], []
            i += 1
            while i < len(lines) and not ("Number of q in the star" in lines[i]
                                          or "Calculation of q" in lines[i]):
                t = lines[i]
                if t.strip().startswith("freq (") and "[THz]" in t and "-" not in t.split(")")[0]:
                    freqs.append(float(t.split("=")[1].split("[")[0]) * units.THZ_TO_MEV)
                elif "Gaussian Broadening:" in t or t.strip() == "Tetrahedron method":
                    sig.append(float(t.split(":")[1].split("Ry")[0]) if ":" in t else 0.0)
                    cur = []
                    lam.append(cur)
                elif t.strip().startswith("lambda(") and cur is not None:
                    cur.append(float(t.split("=")[1].split()[0]))
                elif t.strip().startswith("DOS =") and "at Ef=" in t and cur is not None:
                    dos.append(float(t.split("=")[1].split()[0]))       # states/spin/Ry/cell
                    ef.append(float(t.split("Ef=")[1].split()[0]))      # eV
                i += 1
            if star is None and sig == [0.0] and i < len(lines) and "Number of q in the star" in lines[i]:
                star = int(lines[i].split("=")[1])     # lambda_tetra: the star follows the block
                i += 1
            if star is None:
                raise InputError(path, f"line {start + 1}", "dynamical matrix without 'Number of q in the star'")
            nm = len(freqs)
            if nm == 0 or not lam or any(len(r) != nm for r in lam):
                raise InputError(path, f"block ending at line {i}",
                                 "incomplete q-point block (frequencies or lambda_{q nu} missing)")
            out.append({"star": star, "freq_mev": np.array(freqs), "lam": np.array(lam),
                        "sigma_ry": np.array(sig),
                        "dos_per_ry": np.array(dos) if len(dos) == len(lam) else None,
                        "ef_ev": np.array(ef) if len(ef) == len(lam) else None})
            star = None
            continue
        i += 1
    if not out:
        raise InputError(path, "<q points>", "no electron-phonon q-point blocks found")
    return out


def a2f_from_q_points(blocks: list[dict], omega: np.ndarray, width_mev: float) -> dict:
    """alpha2F and F(omega) as direct sums over the computed q points (no interpolation).

    alpha2F(w) = 1/2 sum_q w_q sum_nu omega_{q nu} lambda_{q nu} g(w - omega_{q nu}) and
    F(w) = sum_q w_q sum_nu g(w - omega_{q nu}), g a normalised Gaussian of
    ``width_mev``, w_q = star / sum(stars): lambda = sum_q w_q sum_nu lambda_{q nu}
    exactly (returned as ``lambda_direct``) and 2 Int alpha2F / w dw up to the
    broadening.  Modes with omega <= 0 (the acoustic modes at Gamma, zero up to
    the sum-rule residue) are left out; their weight is ``negative_weight``.
    """
    stars = np.array([b["star"] for b in blocks], float)
    wq = stars / stars.sum()
    nsig = blocks[0]["lam"].shape[0]
    a2f = np.zeros((nsig, omega.size))
    f = np.zeros(omega.size)
    lam_direct = np.zeros(nsig)
    neg = 0.0
    norm = 1.0 / (width_mev * np.sqrt(2.0 * np.pi))
    for w, b in zip(wq, blocks):
        if b["lam"].shape[0] != nsig:
            raise InputError(None, "lambda(q nu)", "q points with different numbers of smearings")
        for nu, om in enumerate(b["freq_mev"]):
            if om <= 0.0:
                neg += w / b["freq_mev"].size
                continue
            g = norm * np.exp(-0.5 * ((omega - om) / width_mev) ** 2)
            f += w * g
            a2f += 0.5 * w * om * b["lam"][:, nu][:, None] * g[None, :]
            lam_direct += w * b["lam"][:, nu]
    return {"a2f": a2f, "phonon_dos": 3.0 * f / max(len(blocks[0]["freq_mev"]), 1),
            "lambda_direct": lam_direct, "negative_weight": neg, "q_weights": wq}


def build_abinitio_dataset(rundir: str | os.PathLike, *, check_rundir: str | os.PathLike | None = None,
                           tolerances: Mapping | None = None,
                           element: Mapping | None = None) -> tuple[xr.Dataset, dict]:
    """Assemble the contract Dataset of one metal from a finished run folder.

    Parameters
    ----------
    rundir : folder written by :func:`run_pipeline` (with the DOS steps).
    check_rundir : optional second run on another q grid (q-grid check).
    tolerances : ``imaginary_weight`` (0.001), ``lambda_stability`` (0.05),
        ``q_grid`` (0.10): thresholds of the verdicts.
    element : the metal's config; its :data:`POSTPROCESS_KEYS` (chosen smearing,
        stability window, valence, semicore bands, DOS step) override the values
        stored with the run, so that they can change without rerunning QE.

    Returns ``(dataset, attrs)``; attrs go to :func:`scimodel.io.write_dataset`
    as ``extra_attrs``.
    """
    rundir = Path(rundir)
    tol = {"imaginary_weight": 1e-3, "lambda_stability": 0.05, "q_grid": 0.10}
    tol.update(tolerances or {})
    sfile = rundir / "summary.json"
    if not sfile.exists():
        raise InputError(sfile, "<file>", "missing: not a finished run folder of scimodel.qe.run_pipeline")
    summary = json.loads(sfile.read_text())
    for stem in ("fit", "scf", "nscf", "ph", "elph"):  # pw.x / ph.x outputs kept in the run folder
        if (rundir / f"{stem}.out").exists():
            check_qe_output(rundir / f"{stem}.out")
    known = {f.name for f in fields(MetalSpec)}
    sp = {k: v for k, v in summary["spec"].items() if k in known}
    for key in POSTPROCESS_KEYS:
        if element is not None and key in element:
            sp[_SPEC_KEYS[key]] = element[key]
    sp["stability_window_ry"] = tuple(float(x) for x in sp["stability_window_ry"])
    spec = MetalSpec(**sp)
    # --- alpha2F for every smearing, the chosen one, moments
    tetra = spec.elph_method == "tetrahedra"
    qsum = None
    # tetrahedra: no smearing; alpha2F is matdyn's interpolation of the lambda_tetra
    # lambda_{q nu} (write_tetra_gamma_files), one row with sigma = 0
    tab = a2f_table(rundir, spec)
    if spec.a2f_method == "q_points":
        # direct sum over the computed q points: for a q grid whose Fourier
        # interpolation is unstable (Nb on 4^3: imaginary TA branch near Gamma)
        elph_file = rundir / ("elph.out" if tetra else "ph.out")
        blocks = read_ph_elph(elph_file)
        qsum = a2f_from_q_points(blocks, tab["omega"], spec.a2f_q_broadening_mev)
        if not np.allclose(blocks[0]["sigma_ry"], tab["sigma_ry"], rtol=1e-6):
            raise InputError(elph_file, "Gaussian Broadening",
                             "smearings differ from the a2F.dos* files")
        tab["a2f"] = qsum["a2f"]
    elif spec.a2f_method != "interpolated":
        raise InputError(None, f"abinitio.elements.{spec.name}.a2f_method",
                         f"got {spec.a2f_method!r}, expected 'interpolated' or 'q_points'")
    omega, a2f_s = tab["omega"], tab["a2f"]
    ic = 0 if tetra else spec.chosen_sigma_index()
    lam_s = lambda_by_smearing(omega, a2f_s)
    mom = _moments(omega, a2f_s[ic])
    mat = read_matdyn_lambda(rundir / "lambda")
    if tetra:
        stab = float("nan")                     # one lambda, no smearing window
        mat = {"sigma_ry": tab["sigma_ry"], "lambda": mat["lambda"][:1]}
    else:
        stab = stability(tab["sigma_ry"], lam_s, ic, spec.stability_window_ry)
    # --- phonon DOS, normalised to 3 modes per atom over the whole computed grid
    wf, ff = read_phonon_dos(rundir / "phonon.dos")
    norm = _trapz(ff, wf)
    if norm <= 0:
        raise InputError(rundir / "phonon.dos", "DOS", "non-positive total weight")
    ff = ff * 3.0 / norm
    imag = imaginary_weight(wf, ff)
    imag_interpolated = imag
    f_grid = np.interp(omega, wf, ff, left=0.0, right=0.0)
    if qsum is not None:
        f_grid = qsum["phonon_dos"]
        imag = qsum["negative_weight"] if qsum["negative_weight"] > 1e-12 else 0.0
        # Gamma's acoustic modes (omega = 0 up to the sum-rule residue) carry no weight
        g0 = [b for b in blocks if np.all(np.abs(b["freq_mev"]) < 1.0)]
        imag = max(0.0, imag - sum(b["star"] for b in g0) / sum(b["star"] for b in blocks))
    # --- electrons: linear-tetrahedron DOS of the valence bands (scimodel.abinitio)
    from . import abinitio
    # the DOS steps normally run with the main q grid; a run folder without them
    # takes them from the check run (same electronic settings, other q grid)
    dos_dir = rundir
    if not (rundir / "nscf.xml").exists() and check_rundir is not None:
        dos_dir = Path(check_rundir)
    bands = parse_pw_xml(dos_dir / "nscf.xml")
    # scalar bands hold 2 electrons (1 per spin), spinor bands 1 (1/2 per spin)
    occ = spec.band_occupancy
    eig = bands["eigenvalues_eV"][:, spec.semicore_bands * spec.spinor_factor:]
    n_band_electrons = bands["nelec"] - 2 * spec.semicore_bands
    full = abinitio.unfold_cubic(bands["k_cart_2pi_alat"], eig, bands["cell_alat"], spec.k_dos)
    ef = abinitio.fermi_level(full, n_band_electrons / occ, float(eig.min()), float(eig.max()))
    bottom_ev = float(eig[:, 0].min())
    step = spec.dos_step_ev
    e = ef + step * np.arange(np.floor((bottom_ev - spec.dos_below_bottom_ev - ef) / step),
                              np.ceil(spec.dos_above_ef_ev / step) + 1)
    per_ev = 1.0 / units.EV_TO_MEV                     # states/eV/spin/cell -> /meV/spin/atom
    xi = (e - ef) * units.EV_TO_MEV
    dos = abinitio.tetrahedron_dos(full, e) * per_ev * (occ / 2.0)
    dos_ef = float(np.interp(0.0, xi, dos))
    bottom_mev = (bottom_ev - ef) * units.EV_TO_MEV
    n_below = occ * float(abinitio.integrated_dos(full, np.array([ef]))[0])
    # cross-checks: QE's Gaussian-broadened DOS (dos.x) at 1x and 2x broadening
    eg, gg, ef_qe = read_dos_x(dos_dir / "dos_gauss.dat")
    ew, gw, _ = read_dos_x(dos_dir / "dos_wide.dat")
    dos_ef_gauss = float(np.interp(ef_qe, eg, gg)) / 2.0 * per_ev
    dos_ef_wide = float(np.interp(ef_qe, ew, gw)) / 2.0 * per_ev
    volume = bands["volume_bohr3"]
    density = spec.n_valence / volume
    # --- q-grid check
    q_check, lam_q_check, q_rel = None, None, None
    if check_rundir is not None:
        cs = json.loads((Path(check_rundir) / "summary.json").read_text())
        ctab = a2f_table(check_rundir, spec)
        lam_q_check = float(_moments(ctab["omega"], ctab["a2f"][ic])["lam"])
        q_check = int(cs["spec"]["q_grid"])
        q_rel = abs(mom["lam"] - lam_q_check) / mom["lam"]
    # the same comparison without Fourier interpolation: direct sums over the computed
    # q points of both grids (a record; the verdict above stays the interpolated one)
    direct = {"main": float(qsum["lambda_direct"][ic])} if qsum is not None else {}
    elph_name = "elph.out" if tetra else "ph.out"
    for name, folder in (("main", rundir), ("check", check_rundir)):
        if name not in direct and folder is not None and (Path(folder) / elph_name).exists():
            direct[name] = float(a2f_from_q_points(read_ph_elph(Path(folder) / elph_name), omega,
                                                   spec.a2f_q_broadening_mev)["lambda_direct"][ic])
    verdict = {
        "verdict_imaginary_modes": "pass" if imag < tol["imaginary_weight"] else "FAIL",
        "verdict_lambda_smearing_stability": (
            "not applicable (tetrahedra: no smearing)" if tetra
            else "pass" if stab <= tol["lambda_stability"] else "FAIL"),
        "verdict_q_grid": ("not checked" if q_rel is None
                           else ("pass" if q_rel <= tol["q_grid"] else "FAIL")),
    }
    sm = tab["sigma_ry"] * units.RY_TO_MEV
    ds = xr.Dataset(
        {
            "a2f": da(a2f_s[ic], ("omega",), "1", "Eliashberg function alpha2F (chosen smearing)",
                      smearing_meV=float(sm[ic])),
            "a2f_by_smearing": da(a2f_s, ("smearing", "omega"), "1",
                                  "Eliashberg function alpha2F per electron-phonon smearing"),
            "lambda_by_smearing": da(lam_s, ("smearing",), "1",
                                     "lambda = 2 Int a2F/w dw per smearing"),
            "lambda_matdyn": da(np.interp(tab["sigma_ry"], mat["sigma_ry"], mat["lambda"]),
                                ("smearing",), "1", "lambda as printed by matdyn.x (cross-check)"),
            "phonon_dos": da(f_grid, ("omega",), "1/meV",
                             "phonon DOS F(omega) per atom, normalised to 3 modes incl. omega<0"),
            "dos": da(dos, ("xi",), "1/meV",
                      "electronic DOS per spin per atom (linear tetrahedra, valence bands)",
                      bin_width_meV=step * units.EV_TO_MEV),
            "lambda": da(mom["lam"], (), "1", "electron-phonon coupling constant lambda"),
            "omega_log": da(mom["omega_log"], (), "meV", "logarithmic average phonon frequency"),
            "omega2": da(mom["omega2"], (), "meV", "<omega^2>^(1/2)"),
            "dos_ef": da(dos_ef, (), "1/meV",
                         "N(0): DOS at E_F per spin per atom (= dos at xi = 0)"),
            "fermi_energy": da(ef, (), "eV",
                               "Kohn-Sham Fermi energy (QE absolute scale, tetrahedron method)"),
            "band_bottom": da(bottom_mev, (), "meV",
                              "bottom of the valence band relative to E_F"),
            "electron_density": da(density, (), "1/bohr^3", "valence electrons per volume"),
            "kf": da(free_electron_kf(density), (), "1/bohr",
                     "free-electron Fermi wave vector of electron_density"),
            "volume": da(volume, (), "bohr^3", "volume per atom"),
            "n_valence": da(float(spec.n_valence), (), "1", "valence electrons per atom"),
        },
        coords={
            "omega": da(omega, ("omega",), "meV", "phonon energy"),
            "xi": da(xi, ("xi",), "meV", "electron energy relative to E_F"),
            "smearing": da(sm, ("smearing",), "meV",
                           "electron-phonon (double-delta) smearing" + (
                               " (0: optimized tetrahedra, no smearing)" if tetra else "")),
        },
    )
    walls = summary.get("wall_times_s", {})
    attrs = {
        "metal": spec.name, "structure": spec.structure, "lattice_constant_angstrom": spec.a_angstrom,
        "mass_amu": spec.mass_amu,
        "qe_version": summary.get("qe_version") or bands["qe_version"],
        "pseudopotential": spec.pseudo, "pseudopotential_sha256": summary["pseudo_sha256"],
        "ecutwfc_Ry": spec.ecutwfc_ry, "ecutrho_Ry": spec.ecutrho_ry,
        "k_grid_scf": spec.k_scf, "k_grid_dense_elph": spec.k_dense, "q_grid": spec.q_grid,
        "q_grid_check": q_check if q_check is not None else "none",
        "k_grid_dos": spec.k_dos, "nbnd_dos": spec.nbnd, "degauss_scf_Ry": spec.degauss_ry,
        "smearing_scf": (f"none: optimized tetrahedra (occupations='{TETRA_OCCUPATIONS}'); "
                         "degauss_scf_Ry is not used" if tetra else "Marzari-Vanderbilt"),
        "matdyn_grid": spec.matdyn_grid, "asr": spec.asr,
        "elph_smearings_Ry": json.dumps([round(x, 6) for x in tab["sigma_ry"].tolist()]),
        "elph_smearing_chosen_Ry": float(tab["sigma_ry"][ic]),
        "lambda_stability_window_Ry": ("not applicable (tetrahedra)" if tetra
                                       else json.dumps(list(spec.stability_window_ry))),
        "lambda_stability_max_rel_dev": stab,
        "imaginary_mode_weight": imag,
        "elph_method": ("optimized tetrahedra (tetrahedra_opt ground state; ph.x lambda_tetra "
                        f"on the {spec.k_dense}^3 k grid)" if tetra else
                        "Gaussian double-delta smearings (ph.x electron_phonon='interpolated')"),
        "a2f_method": ((spec.a2f_method + (
                           ": q2r.x/matdyn.x Fourier interpolation of the lambda_tetra "
                           "lambda_{q nu} (mode-diagonal gamma matrices written by "
                           "scimodel.qe.write_tetra_gamma_files)" if tetra else ""))
                       if qsum is None else
                       f"q_points: direct sum over the {len(blocks)} computed irreducible q points "
                       f"(star weights), Gaussian {spec.a2f_q_broadening_mev} meV; the matdyn "
                       "interpolation is kept only as lambda_matdyn and "
                       "imaginary_mode_weight_interpolated"),
        "imaginary_mode_weight_interpolated": imag_interpolated,
        "a2f_negative_frequency_fraction": tab["a2f_negative_fraction"],
        "a2f_clipped_fraction": tab["a2f_clipped_fraction"],
        "lambda_q_grid_check": lam_q_check if lam_q_check is not None else "none",
        "lambda_q_grid_rel_change": q_rel if q_rel is not None else "none",
        "dos_method": "linear tetrahedra (scimodel.abinitio) on the nscf grid unfolded by O_h",
        "fermi_energy_qe_gaussian_eV": ef_qe,
        "dos_ef_qe_gaussian": dos_ef_gauss,
        "dos_ef_qe_gaussian_double": dos_ef_wide,
        "dos_qe_gaussian_broadening_meV": spec.dos_degauss_ry * units.RY_TO_MEV,
        "electrons_below_ef_from_dos": n_below,
        "electrons_in_dos_bands": n_band_electrons,
        "semicore_bands_excluded": spec.semicore_bands,
        "tolerances": json.dumps(tol, sort_keys=True),
        "nproc": summary.get("nproc", 1),
        **verdict,
        **{f"wall_time_{k}_s": round(float(v), 2) for k, v in walls.items()},
    }
    attrs["dos_from_run"] = "q_grid_check" if dos_dir != rundir else "q_grid"
    if spec.spin_orbit:
        attrs["spin_orbit"] = ("noncolin + lspinorb (spinor bands, 1 electron each; nbnd_dos and "
                               "semicore_bands_excluded count scalar bands)")
    # which q points were joined: resources/abinitio/qe_parts/<M>_q<q>_<phonon key>
    if "phonon_key" in summary:
        attrs["phonon_key"] = summary["phonon_key"]
    if check_rundir is not None and "phonon_key" in cs:
        attrs["phonon_key_q_grid_check"] = cs["phonon_key"]
    if "ph_wall_per_q_s" in summary:
        attrs["ph_runs"] = "one ph.x process per irreducible q point (scimodel.qe.run_q_point)"
        attrs["wall_time_ph_per_q_s"] = [round(float(v), 2) for v in summary["ph_wall_per_q_s"]]
    else:
        attrs["ph_runs"] = "one ph.x process for all q points (ldisp, before the per-q split)"
    if "main" in direct:
        attrs["lambda_q_points_direct"] = direct["main"]
    if "check" in direct:
        attrs["lambda_q_grid_check_direct"] = direct["check"]
        attrs["lambda_q_grid_rel_change_direct"] = abs(direct["main"] - direct["check"]) / direct["main"]
    if qsum is not None:
        # Gamma's three acoustic modes sit at omega = 0: left out of F(omega), whose
        # integral is therefore 3 (1 - this weight)
        attrs["phonon_dos_gamma_acoustic_excluded"] = (
            sum(b["star"] for b in g0) / sum(b["star"] for b in blocks))
    if check_rundir is not None:
        for k, v in cs.get("wall_times_s", {}).items():
            attrs[f"wall_time_qcheck_{k}_s"] = round(float(v), 2)
    return ds, attrs


def read_abinitio(path: str | os.PathLike) -> xr.Dataset:
    """Open ``resources/abinitio/<M>.nc`` and validate the contract (:data:`CONTRACT`).

    Raises InputError on a missing variable, missing or wrong units, wrong
    dimensions, an omega grid that does not start at 0, a DOS grid that does
    not reach 20 eV above E_F, or non-positive scalars where they must be positive.
    """
    ds = read_dataset(path, required={k: u for k, (u, _) in CONTRACT.items()},
                      dims={k: d for k, (_, d) in CONTRACT.items()})
    om = ds["omega"].values
    if om.size < 3 or om[0] != 0.0 or np.any(np.diff(om) <= 0):
        raise InputError(path, "omega", "expected a strictly increasing grid starting at 0")
    if ds["a2f_by_smearing"].shape != (ds.sizes["smearing"], ds.sizes["omega"]):
        raise InputError(path, "a2f_by_smearing", "shape is not (smearing, omega)")
    xi = ds["xi"].values
    if xi.size < 3 or np.any(np.diff(xi) <= 0):
        raise InputError(path, "xi", "expected a strictly increasing grid")
    if xi[-1] < 20.0 * units.EV_TO_MEV:
        raise InputError(path, "xi", f"DOS ends at {xi[-1]:.0f} meV; expected >= 20000 meV above E_F")
    if float(ds["band_bottom"]) >= 0 or xi[0] > float(ds["band_bottom"]):
        raise InputError(path, "band_bottom",
                         "expected a negative value inside the xi grid (DOS from the band bottom)")
    for name in ("lambda", "omega_log", "omega2", "dos_ef", "electron_density", "kf", "volume",
                 "n_valence"):
        v = float(ds[name])
        if not np.isfinite(v) or v <= 0:
            raise InputError(path, name, f"got {v}; expected a positive finite number")
    if np.any(ds["a2f"].values < 0) or np.any(ds["dos"].values < 0):
        raise InputError(path, "a2f/dos", "negative values")
    return ds


# --------------------------------------------------------------------------- pseudopotentials
def upf_with_date(text: str, date: str) -> str:
    """A UPF file's text with the generation date that ld1.x stamps into it (the
    ``Generation date:`` line of PP_INFO and PP_HEADER's ``date`` attribute) set to
    ``date``."""
    text = re.sub(r"(Generation date:)[^\n]*", lambda m: f"{m.group(1)} {date}", text)
    return re.sub(r'(<PP_HEADER\b[^>]*?\sdate=")[^"]*(")',
                  lambda m: f"{m.group(1)}{date}{m.group(2)}", text)


def upf_without_date(text: str) -> str:
    """A UPF file's text with ld1.x's generation date blanked: the only part of
    ld1.x's output that changes from one run to the next."""
    return upf_with_date(text, "")


# A number as ld1.x writes it (integer, fixed or E format), standing alone: not a part of
# a word or of a dotted name such as PP_BETA.1, 4S, v.6.7MaX or version="2.0.1".
_UPF_NUMBER = re.compile(r"(?<![\w.+-])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")
_UPF_PIECE = re.compile(r"<!--.*?-->|<[^>]*>|[^<]+", re.S)
_UPF_ATTRIBUTE = re.compile(r'([\w.:-]+)\s*=\s*"[^"]*$')


@dataclass
class _UpfField:
    """A tag, or the text between two tags, of a UPF file."""
    name: str                 # element path, e.g. PP_NONLOCAL/PP_BETA.1 (+ " tag" for a tag)
    start: int                # offset in the file
    skeleton: str             # the text, numbers replaced by '#', white space runs by ' '
    numbers: list[str]        # the numbers as written
    offsets: list[int]        # their offsets in the field
    is_tag: bool

    @property
    def is_array(self) -> bool:
        """Text made of numbers only: the samples of a radial function (or a matrix)."""
        return not self.is_tag and bool(self.numbers) and not self.skeleton.replace("#", "").strip()


def _upf_fields(text: str) -> list[_UpfField]:
    out, path = [], []
    for m in _UPF_PIECE.finditer(text):
        piece = m.group()
        is_tag = piece.startswith("<") and not piece.startswith("<!--")
        if is_tag:
            tag = re.match(r"<\s*(/?)\s*([^\s/>]*)", piece)
            if tag.group(1):                                     # </NAME>
                name = "/".join(path) + " closing tag"
                if path and path[-1] == tag.group(2):
                    path.pop()
            else:
                name = "/".join(path + [tag.group(2)]) + " tag"
                if not piece.endswith("/>") and tag.group(2)[:1] not in ("?", "!"):
                    path.append(tag.group(2))
        else:
            name = "/".join(path) or "(outside the elements)"
        nums = list(_UPF_NUMBER.finditer(piece))
        out.append(_UpfField(name, m.start(), re.sub(r"\s+", " ", _UPF_NUMBER.sub("#", piece)),
                             [n.group() for n in nums], [n.start() for n in nums], is_tag))
    return out


def _rounding_allowance(a: str, b: str) -> float:
    """One unit in the last printed digit if ``a`` and ``b`` are printed alike (same
    count of decimals, both with or both without an exponent) with at least 6 decimals,
    as ld1.x prints computed values (PP_INFO's energies: -2.907393); else 0, e.g. for
    the echo of the input (rcore=0.9 vs rcore=0.901)."""
    shape = [(s.lower().partition("e")[0].partition(".")[2], "e" in s.lower()) for s in (a, b)]
    if len(shape[0][0]) != len(shape[1][0]) or shape[0][1] != shape[1][1] or len(shape[0][0]) < 6:
        return 0.0
    exps = [int(s.lower().partition("e")[2] or 0) for s in (a, b)]
    return 10.0 ** (max(exps) - len(shape[0][0]))


def upf_equivalent(text_a: str, text_b: str, rtol: float = 1e-8, atol: float = 1e-12,
                   array_rtol: float = 1e-4) -> tuple[bool, str]:
    """Whether two UPF files (their text) hold the same pseudopotential up to the rounding
    of floating-point arithmetic (ld1.x linked to another BLAS/LAPACK, or run on another
    CPU): ``(True, "")``, or ``(False, reason)`` naming the first differing field
    (element, attribute or position in an array), its line and both values.

    The generation date is ignored (:func:`upf_without_date`).  Everything but the
    numbers must be equal: tags, attribute names, text, the count and the order of the
    numbers (a run of white space counts as one blank: the sign of a number near zero
    moves Fortran's padding).  Integers (no decimal point, no exponent: sizes, indices)
    must be equal.  The other numbers:

    * a standalone number (an attribute, a number in PP_INFO's text or the input's
      echo): ``|a - b| <= max(rtol * max(|a|, |b|), atol)``, plus one unit in the last
      digit when both are printed alike with at least 6 decimals (two values within
      tolerance can round to neighbouring printed values: Ta's 4D "E pseu"
      -2.907393 / -2.907394);
    * an array (a text made of numbers only: PP_R, PP_BETA.i, PP_QIJL..., PP_DIJ, ...):
      ``|a_i - b_i| <= array_rtol * max_j(|a_j|, |b_j|)`` -- relative to the array's
      largest magnitude, which is also the floor near zero, as ld1.x's conditioning
      amplifies rounding there (e.g. the projectors near the origin);
    * a wavefunction PP_CHI.i may also match the other's negative: an eigenvector's sign
      is arbitrary, and it does flip between BLAS libraries.

    Measured with QE 6.7's ld1.x on Nb, Mo and Ta (Debian 12: reference BLAS/LAPACK
    3.11 vs OpenBLAS 0.3.21 with its SkylakeX, Haswell, Zen, SandyBridge, Nehalem and
    Prescott kernels): standalone numbers differ by <= 1.5e-10 relative
    (total_psenergy, wfc_cutoff, rho_cutoff) and by one unit in PP_INFO's 6th decimal,
    arrays by <= 2.6e-6 of their largest magnitude (Ta's PP_BETA.5; PP_DIJ 3.3e-8), and
    PP_CHI.i change sign.  ``array_rtol`` leaves a factor ~40 to that.  A changed
    generation setting changes the input's echo (to ``rtol``), and rcloc 1.6 -> 1.61
    changed 8 arrays by more than 1e-4 of their largest magnitude (PP_BETA.6: 0.48).
    """
    a_text, b_text = upf_without_date(text_a), upf_without_date(text_b)
    fa, fb = _upf_fields(a_text), _upf_fields(b_text)

    def line(text, f, k=None):
        return text.count("\n", 0, f.start + (f.offsets[k] if k is not None else 0)) + 1

    def label(f, k):
        if f.is_tag:
            att = _UPF_ATTRIBUTE.search(a_text[f.start:f.start + f.offsets[k]])
            return f"{f.name[:-4]} attribute {att.group(1) if att else '?'}"
        return f"{f.name}, number {k + 1} of {len(f.numbers)}"

    def first_failure(a, b, x, y):
        """(index, why) of the first number of field a/b out of tolerance, or None."""
        d = np.abs(x - y)
        if a.is_array:
            scale = max(np.abs(x).max(), np.abs(y).max())
            bad = np.flatnonzero(~(d <= array_rtol * scale))     # ~(<=): NaN fails too
            if bad.size:
                k = bad[0]
                return k, (f"|difference| {d[k]:.3g} = {d[k] / scale:.3g} x the array's largest "
                           f"magnitude {scale:.6g} > array_rtol {array_rtol:g}")
            return None
        tol = np.maximum(rtol * np.maximum(np.abs(x), np.abs(y)), atol)
        for k in np.flatnonzero(~(d <= tol)):
            sa, sb = a.numbers[k], b.numbers[k]
            if not any(c in s for s in (sa, sb) for c in ".eE"):
                return k, "integers differ"
            if not d[k] <= tol[k] + _rounding_allowance(sa, sb):
                return k, (f"|difference| {d[k]:.3g}, relative "
                           f"{d[k] / max(abs(x[k]), abs(y[k])):.3g} > rtol {rtol:g}")
        return None

    for a, b in zip(fa, fb):
        where = f"line {line(a_text, a)} / {line(b_text, b)}"
        if a.name != b.name:
            return False, f"structure differs ({where}): {a.name} vs {b.name}"
        if len(a.numbers) != len(b.numbers):
            return False, f"{a.name} ({where}) holds {len(a.numbers)} vs {len(b.numbers)} numbers"
        if a.skeleton != b.skeleton:
            i = next((i for i, (p, q) in enumerate(zip(a.skeleton, b.skeleton)) if p != q),
                     min(len(a.skeleton), len(b.skeleton)))
            return False, (f"text of {a.name} differs ({where}): "
                           f"{a.skeleton[max(0, i - 30):i + 30]!r} vs "
                           f"{b.skeleton[max(0, i - 30):i + 30]!r}")
        if a.numbers == b.numbers:
            continue
        x = np.array([float(s) for s in a.numbers])
        y = np.array([float(s) for s in b.numbers])
        fail = first_failure(a, b, x, y)
        if fail and a.is_array and a.name.rpartition("/")[2].startswith("PP_CHI"):
            flipped = first_failure(a, b, x, -y)
            if flipped and np.dot(x, y) < 0:
                fail = flipped[0], flipped[1] + " (compared with the other's negative)"
            elif not flipped:
                fail = None
        if fail:
            k, why = fail
            return False, (f"{label(a, k)} (line {line(a_text, a, k)}): "
                           f"{a.numbers[k]} vs {b.numbers[k]}; {why}")
    if len(fa) != len(fb):
        f = (fa if len(fa) > len(fb) else fb)[min(len(fa), len(fb))]
        return False, f"one file ends where the other goes on with {f.name}"
    return True, ""


def generate_pseudo(gen_input: str | os.PathLike, test_input: str | os.PathLike,
                    upf_out: str | os.PathLike, gen_out: str | os.PathLike,
                    test_out: str | os.PathLike, table_out: str | os.PathLike,
                    reference_upf: str | os.PathLike | None = None) -> list[dict]:
    """Run ld1.x generation (``iswitch=3``) and the transferability test (``iswitch=2``).

    Writes the UPF file, both ld1.x outputs and a CSV table of
    Delta E = dEtot_AE - dEtot_PS per test configuration (mRy).
    Raises :class:`~scimodel.errors.ExternalProgramError` if ld1.x stops with an
    error, RuntimeError if the UPF file is not produced.

    ``reference_upf`` (the committed copy, resources/pseudo/generated/): if the new
    file holds the same pseudopotential (:func:`upf_equivalent`: apart from the
    generation date, equal up to the rounding of another BLAS/LAPACK or CPU), the
    reference's bytes are written, so that its SHA-256, recorded by the committed q
    points and caches, holds for a regenerated file too.  Otherwise the new file is
    kept and a warning gives the first difference (the joins of committed q points
    will then refuse it by its SHA-256).
    """
    import tempfile
    gen_text = Path(gen_input).read_text()
    m = re.search(r"file_pseudopw\s*=\s*'([^']+)'", gen_text)
    if not m:
        raise InputError(gen_input, "file_pseudopw", "not set in the &inputp namelist")
    name = m.group(1)
    with tempfile.TemporaryDirectory() as tmp:
        for stem, text, out in (("gen", gen_text, gen_out),
                                ("test", Path(test_input).read_text(), test_out)):
            with open(Path(tmp) / f"{stem}.out", "w") as fh:
                rc = subprocess.run(["ld1.x"], input=text, text=True, cwd=tmp, stdout=fh,
                                    stderr=subprocess.STDOUT).returncode
            res = (Path(tmp) / f"{stem}.out").read_text(errors="replace")
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            Path(out).write_text(res)
            if rc != 0 or "Error" in res:
                # ``out`` is a rule output and goes with the failed rule: keep its end in the log
                log.error("last lines of the failed ld1.x (%s) output:\n%s", stem,
                          "\n".join(res.splitlines()[-40:]))
                raise ExternalProgramError(
                    f"ld1.x ({stem})", f"{out} (the rule's log keeps its last 40 lines)",
                    qe_error_message(res), rc)
            if stem == "gen":
                if not (Path(tmp) / name).exists():
                    raise RuntimeError(f"ld1.x did not write {name}; see {out}")
                shutil.copy(Path(tmp) / name, upf_out)
    if reference_upf is not None and Path(reference_upf).exists():
        new, ref = Path(upf_out).read_text(), Path(reference_upf).read_text()
        same, reason = upf_equivalent(new, ref)
        if same:
            shutil.copy(reference_upf, upf_out)
            log.info("%s: ld1.x reproduced %s (%s); its bytes are kept", upf_out, reference_upf,
                     "apart from the generation date" if upf_without_date(new) ==
                     upf_without_date(ref) else "within the rounding tolerance of qe.upf_equivalent")
        else:
            log.warning("%s differs from %s: %s; the joins of committed q points computed "
                        "with the latter will refuse it", upf_out, reference_upf, reason)
    rows = read_ld1_test(test_out)
    if not rows:
        raise RuntimeError(f"no transferability results in {test_out}")
    lines = ["configuration,dEtot_ae_Ry,dEtot_ps_Ry,delta_mRy"]
    lines += [f"{i + 2},{r['dEtot_ae_Ry']:.6f},{r['dEtot_ps_Ry']:.6f},{r['delta_mRy']:.3f}"
              for i, r in enumerate(rows)]
    Path(table_out).write_text("\n".join(lines) + "\n")
    return rows


def read_reference_lambda(path: str | os.PathLike) -> dict[str, float]:
    """Two-column CSV ``metal,lambda`` (comment lines '#') -> {metal: lambda}."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "<file>", "file does not exist")
    rows = [ln.strip() for ln in path.read_text().splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]
    if not rows or rows[0].replace(" ", "") != "metal,lambda":
        raise InputError(path, "header", "expected 'metal,lambda'")
    out = {}
    for i, ln in enumerate(rows[1:], 2):
        parts = [p.strip() for p in ln.split(",")]
        try:
            name, lam = parts[0], float(parts[1])
        except (IndexError, ValueError):
            raise InputError(path, f"row {i}", f"expected 'metal,lambda', got {ln!r}") from None
        if not lam > 0:
            raise InputError(path, f"row {i}", f"lambda must be > 0, got {lam}")
        out[name] = lam
    return out


def summary_tables(datasets: Mapping[str, xr.Dataset], reference: Mapping[str, float],
                   tolerance: float = 0.15):
    """Two DataFrames: physics (lambda, omega_log, omega2, N(0), E_F - band bottom, paper 004's
    lambda and the deviation) and the convergence record (grids, verdicts, wall time)."""
    import pandas as pd
    phys, conv = [], []
    for m, ds in datasets.items():
        lam = float(ds["lambda"])
        ref = reference.get(m)
        dev = (lam - ref) / ref if ref else float("nan")
        phys.append({
            "metal": m, "lambda": lam, "lambda_paper004": ref if ref else float("nan"),
            "rel_dev": dev,
            "within_tol": ("yes" if abs(dev) <= tolerance else "no") if ref else "-",
            "omega_log_meV": float(ds["omega_log"]),
            "omega_log_K": float(ds["omega_log"]) * units.MEV_TO_K,
            "omega2_meV": float(ds["omega2"]),
            "N0_per_eV_spin_atom": float(ds["dos_ef"]) * units.EV_TO_MEV,
            "band_bottom_eV": float(ds["band_bottom"]) * units.MEV_TO_EV,
            "kf_per_bohr": float(ds["kf"]),
        })
        a = ds.attrs
        conv.append({
            "metal": m, "q_grid": a.get("q_grid"), "q_check": a.get("q_grid_check"),
            "lambda_q_check": a.get("lambda_q_grid_check"),
            "q_rel_change": a.get("lambda_q_grid_rel_change"),
            "verdict_q": a.get("verdict_q_grid"),
            "q_rel_change_direct": a.get("lambda_q_grid_rel_change_direct", float("nan")),
            "elph": ("tetrahedra" if str(a.get("elph_method", "")).startswith("optimized tetrahedra")
                     else "gaussian"),
            "sigma_Ry": a.get("elph_smearing_chosen_Ry"),
            "smearing_max_rel_dev": a.get("lambda_stability_max_rel_dev"),
            "verdict_smearing": a.get("verdict_lambda_smearing_stability"),
            "imag_weight": a.get("imaginary_mode_weight"),
            "verdict_imag": a.get("verdict_imaginary_modes"),
            "k_dense": a.get("k_grid_dense_elph"), "k_dos": a.get("k_grid_dos"),
            "wall_min": float(a.get("wall_time_total_s", float("nan"))) / 60.0
            + float(a.get("wall_time_qcheck_total_s", 0.0)) / 60.0,
        })
    return pd.DataFrame(phys), pd.DataFrame(conv)
