"""The configuration of one metal's QE runs: :class:`MetalSpec` (config ->
:func:`metal_spec`), its phonon key (:func:`phonon_key`, :data:`PHONON_FIELDS`)
and the count of irreducible q points (:func:`irreducible_q_count`)."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np

from .. import units
from ..errors import InputError

#: ibrav of the supported Bravais lattices (QE convention, celldm(1) = a).
IBRAV = {"fcc": 2, "bcc": 3}

#: Primitive-cell volume in units of a^3.
CELL_VOLUME_FACTOR = {"fcc": 0.25, "bcc": 0.5}

# pw.x occupations of the tetrahedron branch's ground state (run_ground; the NetCDF's
# smearing_scf attribute names it)
TETRA_OCCUPATIONS = "tetrahedra_opt"


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
    nbnd: int                      # bands of the band-grid nscf (must reach E_F + 20 eV)
    n_valence: float               # chemical valence (electron density, k_F)
    semicore_bands: int            # bands below the valence band (excluded from the DOS)
    matdyn_grid: int = 24          # matdyn interpolation grid for DOS and alpha2F
    dos_degauss_ry: float = 0.002  # Gaussian broadening of the DOS (dos.x)
    dos_step_ev: float = 0.005     # energy step of the DOS grid
    dos_above_ef_ev: float = 60.5  # top of the DOS window, above E_F
    nbnd_dos: int | None = None    # bands of the DOS nscf (must reach E_F + dos_above_ef_ev);
                                   # None: nbnd
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
    def dos_bands(self) -> int:
        """Scalar bands of the DOS nscf run: ``nbnd_dos``, or ``nbnd`` when unset."""
        return self.nbnd if self.nbnd_dos is None else int(self.nbnd_dos)

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
    "k_dos": "k_dos", "nbnd": "nbnd", "nbnd_dos": "nbnd_dos", "n_valence": "n_valence",
    "semicore_bands": "semicore_bands", "matdyn_grid": "matdyn_grid",
    "dos_degauss_Ry": "dos_degauss_ry", "dos_step_eV": "dos_step_ev",
    "dos_above_ef_eV": "dos_above_ef_ev",
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
               if f not in kw and f not in ("matdyn_grid", "dos_degauss_ry", "dos_step_ev", "dos_above_ef_ev", "nbnd_dos",
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
    from ..abinitio import cubic_point_group

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
