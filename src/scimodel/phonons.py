"""Phonon frequencies against experiment.

Two sources for each metal: the DFPT dynamical matrices of the cached ph.x
campaigns (``resources/abinitio/qe_parts``; frequencies at the high-symmetry
points that lie on the q grid, and the dispersion from q2r.x/matdyn.x), and a
Born-von Karman (BvK) force-constant fit to inelastic neutron scattering
(``resources/phonons/bvk_neutron_fits.yaml``), from which the experimental
frequencies at any wavevector follow.

Wavevectors are Cartesian, in units of 2 pi / a (QE's ``tpiba``); BvK
neighbour positions are in units of a / 2, so q . r = pi (q_red . n) and the
lattice constant drops out.  Frequencies are in THz; an imaginary frequency is
returned as a negative number (sign of omega^2 times sqrt|omega^2|).
"""
from __future__ import annotations

import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from .abinitio import cubic_point_group
from .errors import InputError

AMU_KG = 1.66053906660e-27
THZ_PER_CM1 = 0.0299792458
_COMPONENTS = {"xx": (0, 0), "yy": (1, 1), "zz": (2, 2), "xy": (0, 1), "yz": (1, 2), "xz": (0, 2)}

#: High-symmetry points of the zone-boundary comparison (2 pi / a).
SPECIAL_POINTS = {
    "fcc": {"X": (0.0, 0.0, 1.0), "L": (0.5, 0.5, 0.5)},
    "bcc": {"H": (0.0, 0.0, 1.0), "N": (0.5, 0.5, 0.0), "P": (0.5, 0.5, 0.5)},
}
#: The usual dispersion paths (the symmetry directions the neutron studies measured).
DISPERSION_PATHS = {
    "fcc": (("Gamma", (0, 0, 0)), ("X", (1, 0, 0)), ("W", (1, 0.5, 0)), ("X", (1, 1, 0)),
            ("K", (0.75, 0.75, 0)), ("Gamma", (0, 0, 0)), ("L", (0.5, 0.5, 0.5))),
    "bcc": (("Gamma", (0, 0, 0)), ("H", (0, 0, 1)), ("N", (0.5, 0, 0.5)), ("Gamma", (0, 0, 0)),
            ("P", (0.5, 0.5, 0.5)), ("H", (0, 0, 1))),
}


def cubic_operations() -> np.ndarray:
    """The 48 proper and improper rotations of the cube (signed permutation matrices):
    :func:`scimodel.abinitio.cubic_point_group`."""
    return cubic_point_group()


_OH = cubic_operations()


@dataclass(frozen=True)
class BvKModel:
    """A BvK fit of one metal: shells keyed by the representative neighbour (a / 2 units)."""
    metal: str
    lattice: str
    temperature_k: float
    reference: str
    usable: bool
    shells: dict
    file: str | None = None


def load_bvk(path: str | os.PathLike) -> dict[str, BvKModel]:
    """The BvK models of ``path`` (``resources/phonons/bvk_neutron_fits.yaml`` layout),
    each checked for cubic symmetry shell by shell."""
    try:
        doc = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(path, "<file>", f"a readable YAML file ({exc})") from None
    if not isinstance(doc, dict) or doc.get("units") != "N/m" or not isinstance(doc.get("metals"), dict):
        raise InputError(path, "units / metals", "units: N/m and a mapping 'metals'")
    out = {}
    for metal, m in doc["metals"].items():
        where = f"metals.{metal}"
        for key in ("lattice", "temperature_K", "reference", "usable", "force_constants"):
            if key not in m:
                raise InputError(path, f"{where}.{key}", "present")
        if m["lattice"] not in SPECIAL_POINTS:
            raise InputError(path, f"{where}.lattice", f"one of {sorted(SPECIAL_POINTS)}, got {m['lattice']!r}")
        model = BvKModel(metal, m["lattice"], float(m["temperature_K"]), str(m["reference"]),
                         bool(m["usable"]), dict(m["force_constants"]), str(path))
        bvk_neighbours(model)                       # symmetry and lattice checks
        out[metal] = model
    return out


def shell_tensor(key: str, components: dict, lattice: str, *, file=None, field: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Neighbour vector (a / 2 units) and 3x3 force-constant tensor (N/m) of the shell
    ``key`` ("111", "321", ...).  Components not given follow from those given by the
    operations that leave the neighbour fixed, else are zero; the tensor must then be
    invariant under those operations (else the shell is wrongly transcribed)."""
    if not re.fullmatch(r"\d{3}", str(key)):
        raise InputError(file, field, f"a shell key of three digits, got {key!r}")
    n = np.array([int(c) for c in str(key)], float)
    odd = int(n.sum()) % 2
    if lattice == "fcc" and odd:
        raise InputError(file, field, f"an fcc neighbour (a/2 coordinates with an even sum), got {key}")
    if lattice == "bcc" and len({int(c) % 2 for c in str(key)}) != 1:
        raise InputError(file, field, f"a bcc neighbour (a/2 coordinates all odd or all even), got {key}")
    bad = set(components) - set(_COMPONENTS)
    if bad:
        raise InputError(file, field, f"components among {sorted(_COMPONENTS)}, got {sorted(bad)}")
    stab = [r for r in _OH if np.allclose(r @ n, n)]
    t = np.zeros((3, 3))
    known = np.zeros((3, 3), bool)
    for name, v in components.items():
        i, j = _COMPONENTS[name]
        t[i, j] = t[j, i] = float(v)
        known[i, j] = known[j, i] = True
    for r in stab:                                  # copy given components to their images
        rt = r @ t @ r.T
        rk = np.abs(r) @ known.astype(float) @ np.abs(r).T > 0
        fill = rk & ~known
        t[fill] = rt[fill]
        known |= fill
    for r in stab:
        if not np.allclose(r @ t @ r.T, t, atol=1e-12):
            raise InputError(file, field, f"a tensor with the cubic symmetry of neighbour {key}; "
                             f"components {sorted(components)} break it")
    return n, t


def bvk_neighbours(model: BvKModel) -> tuple[np.ndarray, np.ndarray]:
    """All neighbours of the model: positions (N, 3) in a / 2 and tensors (N, 3, 3) in N/m."""
    pos, ten = {}, {}
    for key, comps in model.shells.items():
        n, t = shell_tensor(key, comps or {}, model.lattice, file=model.file,
                            field=f"metals.{model.metal}.force_constants.{key}")
        for r in _OH:
            k = tuple(np.round(r @ n, 9))
            if k not in pos:
                pos[k], ten[k] = r @ n, r @ t @ r.T
    return np.array(list(pos.values())), np.array(list(ten.values()))


def bvk_modes(model: BvKModel, mass_amu: float, q) -> tuple[np.ndarray, np.ndarray]:
    """Frequencies (THz, ascending; negative = imaginary), shape (nq, 3), and eigenvectors,
    shape (nq, 3 modes, 3 components), at wavevectors ``q`` (2 pi / a)."""
    r, t = bvk_neighbours(model)
    q = np.atleast_2d(np.asarray(q, float))
    phase = 1.0 - np.cos(np.pi * q @ r.T)                        # (nq, N)
    dyn = np.einsum("qn,nab->qab", phase, t) / (mass_amu * AMU_KG)
    w2, vec = np.linalg.eigh(dyn)
    return np.sign(w2) * np.sqrt(np.abs(w2)) / (2 * np.pi) / 1e12, np.swapaxes(vec, 1, 2)


def bvk_frequencies(model: BvKModel, mass_amu: float, q) -> np.ndarray:
    """Frequencies (THz, ascending; negative = imaginary) at wavevectors ``q`` (2 pi / a), shape (nq, 3)."""
    return bvk_modes(model, mass_amu, q)[0]


def is_reciprocal_vector(g, lattice: str, tol: float = 1e-6) -> bool:
    """Is ``g`` (2 pi / a) a reciprocal-lattice vector of the cubic Bravais lattice?"""
    g = np.asarray(g, float)
    gi = np.round(g)
    if not np.allclose(g, gi, atol=tol):
        return False
    gi = gi.astype(int)
    if lattice == "fcc":                            # reciprocal bcc: all even or all odd
        return len({int(x) % 2 for x in gi}) == 1
    if lattice == "bcc":                            # reciprocal fcc: even sum
        return int(gi.sum()) % 2 == 0
    raise ValueError(lattice)


def equivalent(q, point, lattice: str) -> bool:
    """Is ``q`` the image of ``point`` under a cubic operation plus a reciprocal-lattice vector?"""
    q, p = np.asarray(q, float), np.asarray(point, float)
    return any(is_reciprocal_vector(q - r @ p, lattice) for r in _OH)


def equivalence_operation(q, point, lattice: str) -> np.ndarray | None:
    """A cubic operation R with q = R point + G (G a reciprocal-lattice vector), or None."""
    q, p = np.asarray(q, float), np.asarray(point, float)
    for r in _OH:
        if is_reciprocal_vector(q - r @ p, lattice):
            return r
    return None


#: Polarisation of the distinct modes at each special point, for the representative
#: wavevector of :data:`SPECIAL_POINTS` (L: along q; T: across).
POLARISATIONS = {
    ("fcc", "X"): {"T": [(1, 0, 0), (0, 1, 0)], "L": [(0, 0, 1)]},
    ("fcc", "L"): {"T": [(1, -1, 0), (1, 1, -2)], "L": [(1, 1, 1)]},
    ("bcc", "H"): {"LT": [(1, 0, 0), (0, 1, 0), (0, 0, 1)]},
    ("bcc", "P"): {"LT": [(1, 0, 0), (0, 1, 0), (0, 0, 1)]},
    ("bcc", "N"): {"L": [(1, 1, 0)], "T1 [001]": [(0, 0, 1)], "T2 [1-10]": [(1, -1, 0)]},
}


def classify_modes(q, vectors, lattice: str, point: str) -> dict[str, list[int]]:
    """Mode label -> indices of the modes (rows of ``vectors``) polarised along that label's
    directions at wavevector ``q`` (an image of ``point``): each group takes the modes with
    the largest weight in its subspace, as many as the subspace has dimensions."""
    r = equivalence_operation(q, SPECIAL_POINTS[lattice][point], lattice)
    if r is None:
        raise ValueError(f"q = {q} is not an image of {point} ({lattice})")
    groups = POLARISATIONS[(lattice, point)]
    v = np.asarray(vectors)
    v = v / np.linalg.norm(v, axis=1, keepdims=True)
    free = list(range(len(v)))
    out = {}
    for label, dirs in groups.items():
        basis = np.array([r @ (np.array(d, float) / np.linalg.norm(d)) for d in dirs])
        weight = [float(np.sum(np.abs(basis.conj() @ v[i]) ** 2)) for i in free]
        take = [free[i] for i in np.argsort(weight)[::-1][:len(dirs)]]
        out[label] = sorted(take)
        free = [i for i in free if i not in take]
    return out


def read_dyn_frequencies(text: str, path=None) -> tuple[np.ndarray, np.ndarray]:
    """The last 'Diagonalizing the dynamical matrix' block of a ph.x ``.dyn<i>`` file of a
    one-atom cell: its q (2 pi / a) and frequencies (THz, ascending)."""
    q, f, _ = read_dyn_modes(text, path)
    return q, f


def read_dyn_modes(text: str, path=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """As :func:`read_dyn_frequencies`, plus the eigenvectors (3, 3) complex, one row per
    mode in the order of the frequencies."""
    i = text.rfind("Diagonalizing the dynamical matrix")
    if i < 0:
        raise InputError(path, "Diagonalizing the dynamical matrix", "a ph.x dynamical-matrix file")
    block = text[i:]
    mq = re.search(r"q = \(\s*([-\d.Ee+]+)\s+([-\d.Ee+]+)\s+([-\d.Ee+]+)\s*\)", block)
    modes = re.findall(r"freq \(\s*\d+\) =\s*([-\d.Ee+]+) \[THz\][^\n]*\n\s*\(([^)]*)\)", block)
    if mq is None or len(modes) != 3:
        raise InputError(path, "q / freq lines", "q = ( ... ) and three freq ( n) = ... [THz] lines, each "
                         "followed by its eigenvector (one atom per cell)")
    freqs = np.array([float(m[0]) for m in modes])
    vec = np.array([[float(x) for x in m[1].split()] for m in modes])
    if vec.shape != (3, 6):
        raise InputError(path, "eigenvector lines", "( re im re im re im ) for one atom")
    vec = vec[:, 0::2] + 1j * vec[:, 1::2]
    order = np.argsort(freqs, kind="stable")
    return np.array([float(x) for x in mq.groups()]), freqs[order], vec[order]


def campaign_dyn_files(archive: str | os.PathLike) -> dict[int, tuple[str, str]]:
    """iq -> (member name, text) of every ``iq<i>/<prefix>.dyn<i>`` of a q-point archive."""
    out = {}
    with zipfile.ZipFile(archive) as z:
        for name in z.namelist():
            m = re.fullmatch(r"iq(\d+)/\w+\.dyn(\d+)", name)
            if m and m.group(1) == m.group(2):
                out[int(m.group(1))] = (name, z.read(name).decode())
    if not out:
        raise InputError(archive, "iq<i>/<prefix>.dyn<i>", "dynamical-matrix files of a ph.x campaign")
    return out


def dfpt_special_points(archives, lattice: str) -> dict[str, dict]:
    """DFPT frequencies at the special points of ``lattice`` found among the computed q
    points of ``archives`` (first archive first): name -> {freq_thz, vectors, q, archive, member}."""
    found: dict[str, dict] = {}
    for arc in archives:
        for iq, (member, text) in sorted(campaign_dyn_files(arc).items()):
            q, f, v = read_dyn_modes(text, f"{arc}:{member}")
            for name, p in SPECIAL_POINTS[lattice].items():
                if name not in found and equivalent(q, p, lattice):
                    found[name] = {"freq_thz": f, "vectors": v, "q": q, "archive": str(arc), "member": member}
    return found


def path_wavevectors(lattice: str, n_per_unit: int = 40) -> tuple[np.ndarray, np.ndarray, list]:
    """Wavevectors along :data:`DISPERSION_PATHS` (about ``n_per_unit`` per 2 pi / a), their
    cumulative path length and the (position, label) of each corner."""
    corners = DISPERSION_PATHS[lattice]
    qs, xs, ticks, x0 = [], [], [(0.0, corners[0][0])], 0.0
    for (_, a), (lab, b) in zip(corners[:-1], corners[1:]):
        a, b = np.array(a, float), np.array(b, float)
        seg = float(np.linalg.norm(b - a))
        n = max(2, int(round(seg * n_per_unit)))
        t = np.linspace(0.0, 1.0, n + 1)[(1 if qs else 0):]
        qs.append(a + t[:, None] * (b - a))
        xs.append(x0 + t * seg)
        x0 += seg
        ticks.append((x0, lab))
    return np.vstack(qs), np.concatenate(xs), ticks


def matdyn_dispersion(archive: str | os.PathLike, mass_amu: float, q: np.ndarray,
                      workdir: str | os.PathLike, asr: str = "crystal") -> np.ndarray:
    """Frequencies (THz, ascending, negative = imaginary) at ``q`` (2 pi / a) from the
    force constants of every q point of ``archive``: q2r.x, then matdyn.x (QE)."""
    from .qe.inputs import namelist
    from .qe.runner import run_qe

    work = Path(workdir)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    dyn = campaign_dyn_files(archive)
    prefix = None
    with zipfile.ZipFile(archive) as z:
        for iq, (member, text) in dyn.items():
            prefix = Path(member).name.rsplit(".dyn", 1)[0]
            (work / Path(member).name).write_text(text)
        zero = f"iq{min(dyn)}/{prefix}.dyn0"
        (work / f"{prefix}.dyn0").write_bytes(z.read(zero))
    n_irr = int((work / f"{prefix}.dyn0").read_text().split("\n")[1].split()[0])
    if sorted(dyn) != list(range(1, n_irr + 1)):
        raise InputError(archive, "iq<i>", f"all {n_irr} q points of the grid, got {sorted(dyn)}")
    run_qe("q2r.x", namelist("input", {"zasr": asr, "fildyn": f"{prefix}.dyn", "flfrc": f"{prefix}.fc"}),
           "q2r", work)
    q = np.atleast_2d(np.asarray(q, float))
    text = namelist("input", {"asr": asr, "amass(1)": float(mass_amu), "flfrc": f"{prefix}.fc",
                              "flfrq": f"{prefix}.freq", "q_in_cryst_coord": False})
    text += f"{len(q)}\n" + "".join(f"{a:.10f} {b:.10f} {c:.10f}\n" for a, b, c in q)
    run_qe("matdyn.x", text, "matdyn", work)
    gp = np.loadtxt(work / f"{prefix}.freq.gp", ndmin=2)
    if gp.shape[0] != len(q):
        raise InputError(work / f"{prefix}.freq.gp", "rows", f"{len(q)} wavevectors, got {gp.shape[0]}")
    return np.sort(gp[:, 1:] * THZ_PER_CM1, axis=1)


def comparison_rows(metal: str, lattice: str, mass_amu: float, model: BvKModel | None,
                    variants: list[tuple[str, dict]], tolerance: float = 0.05) -> list[dict]:
    """One row per metal, special point, distinct mode and DFPT variant: the DFPT frequency
    (mean over the degenerate modes), the BvK (neutron) frequency of the mode with the same
    polarisation at the same wavevector, their relative difference and whether it is within
    ``tolerance``.  ``variants``: (label, {point: {freq_thz, vectors, q}}).  A missing point
    raises; a metal without a usable fit gets its rows with the experimental cells empty and
    ``experiment`` saying why."""
    rows = []
    for label, points in variants:
        for point in SPECIAL_POINTS[lattice]:
            if point not in points:
                raise InputError(None, f"{metal} / {label}", f"DFPT frequencies at {point} "
                                 f"(a q grid holding it), got {sorted(points)}")
            pt = points[point]
            f = np.asarray(pt["freq_thz"], float)
            groups = classify_modes(pt["q"], pt["vectors"], lattice, point)
            exp = exp_groups = None
            if model is not None and model.usable:
                ef, ev = bvk_modes(model, mass_amu, pt["q"])
                exp, exp_groups = ef[0], classify_modes(pt["q"], ev[0], lattice, point)
            for mode, idx in groups.items():
                dfpt = float(np.mean(f[idx]))
                row = {"metal": metal, "point": point, "mode": mode, "degeneracy": len(idx),
                       "variant": label, "dfpt_THz": dfpt}
                if exp is None:
                    row.update(experiment_THz=None, deviation=None, within_tolerance=None,
                               experiment=("no fit in the transcription" if model is None else
                                           "transcribed fit unusable (imaginary modes)"))
                else:
                    e = float(np.mean(exp[exp_groups[mode]]))
                    row.update(experiment_THz=e, deviation=dfpt / e - 1.0,
                               within_tolerance=bool(abs(dfpt / e - 1.0) <= tolerance),
                               experiment=f"BvK fit to neutron data, {model.temperature_k:g} K: {model.reference}")
                rows.append(row)
    return rows


def dispersion_dataset(metal: str, lattice: str, mass_amu: float, archive: str | os.PathLike,
                       workdir: str | os.PathLike, n_per_unit: int = 40):
    """matdyn.x dispersion of one campaign along :data:`DISPERSION_PATHS` as a Dataset
    (path length in 2 pi / a, wavevectors, three ascending frequencies in THz)."""
    import xarray as xr

    from .io import da

    q, x, ticks = path_wavevectors(lattice, n_per_unit)
    f = matdyn_dispersion(archive, mass_amu, q, workdir)
    return xr.Dataset(
        {"frequency": da(f, ["path", "mode"], "THz", "phonon frequency (matdyn.x; negative: imaginary)"),
         "q": da(q, ["path", "cart"], "1", "wavevector (Cartesian), in units of 2 pi / a")},
        coords={"path": da(x, ["path"], "1", "length along the path, in units of 2 pi / a"),
                "mode": da(np.arange(3), ["mode"], "1", "mode index (ascending frequency)"),
                "cart": da(np.arange(3), ["cart"], "1", "Cartesian component")},
        attrs={"metal": metal, "lattice": lattice, "mass_amu": float(mass_amu),
               "tick_positions": [float(t) for t, _ in ticks],
               "tick_labels": ",".join(lab for _, lab in ticks),
               "campaign": Path(archive).name})


# --------------------------------------------------------------------------- phonon DOS

def load_reference_dos(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, str]:
    """A reference phonon DOS (``resources/phonons/*.csv``: ``#`` provenance lines, one of
    them ``# reference: <citation>``, then columns ``energy_meV,density``): energies (meV,
    strictly increasing, >= 0), the relative density (>= 0, not all zero) and the citation.
    Bad content raises InputError naming the file and the field."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise InputError(path, "<file>", "file does not exist")
    refs = [ln.split(":", 1)[1].strip() for ln in path.read_text(errors="replace").splitlines()
            if ln.startswith("# reference:")]
    if len(refs) != 1 or not refs[0]:
        raise InputError(path, "# reference:", "one header line '# reference: <citation>'")
    try:
        df = pd.read_csv(path, comment="#")
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(path, "<csv>", f"a CSV table energy_meV,density ({exc})")
    for col in ("energy_meV", "density"):
        if col not in df.columns:
            raise InputError(path, col, f"a column {col!r}, got {list(df.columns)}")
        if not np.all(np.isfinite(pd.to_numeric(df[col], errors="coerce"))):
            raise InputError(path, col, "finite numbers in every row")
    e, d = df["energy_meV"].to_numpy(float), df["density"].to_numpy(float)
    if e.size < 10 or e[0] < 0 or np.any(np.diff(e) <= 0):
        raise InputError(path, "energy_meV", "at least 10 energies >= 0, strictly increasing")
    if np.any(d < 0) or not np.any(d > 0):
        raise InputError(path, "density", "values >= 0, not all zero")
    return e, d, refs[0]


#: Defaults of :func:`dos_features`: the transverse / longitudinal split and the edge threshold.
DOS_SPLIT_FRACTION, DOS_EDGE_FRACTION = 0.7, 0.01


def dos_features(energy, dos, split_fraction: float = DOS_SPLIT_FRACTION,
                 edge_fraction: float = DOS_EDGE_FRACTION) -> dict:
    """The peak energies of the phonon DOS of a one-atom cubic metal: ``top``, the highest
    energy at which the DOS exceeds ``edge_fraction`` of its maximum; ``transverse`` and
    ``longitudinal``, the energies of the largest value below and above
    ``split_fraction`` x top (the transverse and longitudinal van Hove peaks near the zone
    boundary).  Energies in the units of ``energy``."""
    e, d = np.asarray(energy, float), np.asarray(dos, float)
    if e.shape != d.shape or e.ndim != 1 or e.size < 3 or not np.any(d > 0):
        raise InputError(None, "phonon DOS", "two 1-D arrays of one length >= 3 with a positive value")
    if not 0.0 < split_fraction < 1.0 or not 0.0 < edge_fraction < 1.0:
        raise InputError(None, "split_fraction / edge_fraction", "values in (0, 1)")
    top = float(e[d > edge_fraction * d.max()].max())
    low, high = (e > 0) & (e < split_fraction * top), e >= split_fraction * top
    floor = edge_fraction * d.max()
    if not (low.any() and high.any() and d[low].max() > floor and d[high].max() > floor):
        raise InputError(None, "phonon DOS", f"spectral weight on both sides of {split_fraction} x top "
                         f"(= {split_fraction * top:g}): a transverse and a longitudinal peak")
    return {"transverse": float(e[low][np.argmax(d[low])]),
            "longitudinal": float(e[high][np.argmax(d[high])]),
            "top": top}


#: The features of :func:`dos_features`, in table order, with their meaning.
DOS_FEATURES = {"transverse": f"transverse peak (largest maximum below {DOS_SPLIT_FRACTION:g} x top)",
                "longitudinal": f"longitudinal peak (largest maximum above {DOS_SPLIT_FRACTION:g} x top)",
                "top": f"top of the spectrum (DOS above {100 * DOS_EDGE_FRACTION:g} % of its maximum)"}
