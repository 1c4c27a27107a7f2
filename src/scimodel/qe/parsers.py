"""Parsers of QE outputs: pw.x's XML, matdyn.x's alpha2F, lambda and phonon DOS,
dos.x, ld1.x's transferability test, ph.x's dynamical matrices and lambda_{q nu}."""
from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from .. import units
from ..errors import InputError


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

    Parses the 'dEtot_ae' / 'dEtot_ps' lines of an ``iswitch=2`` output.  ``ps_nodes_wrong``:
    ld1.x printed "Errors in PS-KS equations" for that configuration (a pseudo-state
    with the wrong number of nodes, i.e. a ghost in that configuration).
    """
    text = Path(path).read_text()
    out, start = [], 0
    for m in re.finditer(r"dEtot_ae\s*=\s*(\S+)\s*Ry.*?\n.*?dEtot_ps\s*=\s*(\S+)\s*Ry,\s*Delta E=\s*(\S+)\s*Ry",
                         text, flags=re.S):
        ae, ps, d = (float(x) for x in m.groups())
        wrong = "Errors in PS-KS equations" in text[start:m.start()]
        out.append({"dEtot_ae_Ry": ae, "dEtot_ps_Ry": ps, "delta_mRy": d * 1e3,
                    "ps_nodes_wrong": wrong})
        start = m.end()
    return out


def read_ld1_wavefunctions(path: str | os.PathLike,
                           occurrence: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Radial functions u(r) = r R(r) of an ld1.x wavefunction file (``<prefix>.wfc``,
    all-electron, or ``<prefix>ps.wfc``): the mesh r (bohr) and, per orbital label of
    the header line (``#  r  5S  4D ...``), its column.  In ``<prefix>ps.wfc`` every
    label appears twice, the pseudo-wavefunctions first (``occurrence=0``) and the
    all-electron ones of the same orbitals after them (``occurrence=1``)."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "<file>", "file does not exist")
    with open(path) as fh:
        head = fh.readline().split()
    if len(head) < 3 or head[0] != "#" or head[1] != "r":
        raise InputError(path, "line 1", "expected the header '#  r  <orbital labels>'")
    labels = head[2:]
    try:
        data = np.loadtxt(path, comments="#", ndmin=2)
    except ValueError as exc:
        raise InputError(path, "data", f"expected columns of numbers ({exc})") from None
    if data.shape[1] != len(labels) + 1:
        raise InputError(path, "data", f"expected {len(labels) + 1} columns (r and {labels}), "
                         f"found {data.shape[1]}")
    columns: dict[str, list[np.ndarray]] = {}
    for j, name in enumerate(labels):
        columns.setdefault(name, []).append(data[:, j + 1].copy())
    short = [name for name, cols in columns.items() if len(cols) <= occurrence]
    if short:
        raise InputError(path, "line 1", f"every label at least {occurrence + 1} times "
                         f"(occurrence {occurrence}); {short} appear fewer times")
    return data[:, 0].copy(), {name: cols[occurrence] for name, cols in columns.items()}


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
