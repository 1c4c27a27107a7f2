"""Test runs behind the phonon comparison (results: README.md of this folder).

DFPT frequencies (ph.x, one q point at a time, no electron-phonon part) at the
high-symmetry points of one metal, with the cached file's settings
(config/config.yaml) and one setting changed: the lattice constant (a = f a_exp)
and/or the k grid of the ground state.  With --pressure, first an LDA pressure
scan (pw.x, tstress) over the listed factors.  Run from the project root:
    .venv/bin/python resources/abinitio/phonon_check/run_phonon_check.py Mo --f 0.988 --k 12
    .venv/bin/python resources/abinitio/phonon_check/run_phonon_check.py Cu --pressure 0.97 0.98 0.99 1.0
    .venv/bin/python resources/abinitio/phonon_check/run_phonon_check.py Pb --f 0.99 --points X \
        --campaign config/campaigns/abinitio_pb_spin_orbit.yaml
    .venv/bin/python resources/abinitio/phonon_check/run_phonon_check.py Al --archive \
        resources/abinitio/qe_studies/Al_q8_dad02761744d362e.zip --label "a_LDA (0.977 a_exp), 8^3 k"
Prints one JSON line per run (settings, q, frequencies in THz, wall time); with --label
the point records are also appended to runs.jsonl (this folder), which the phonon table
(rule abinitio_phonons) reads.  --archive reads the frequencies of a finished campaign
instead of running ph.x.  The inputs and outputs of the runs stay in
work/phonon_check/<metal>_<label>/."""
import argparse, dataclasses, datetime, json, re, time
from pathlib import Path
import yaml
import scimodel
from scimodel import qe, phonons
from scimodel.provenance import git_commit
from scimodel.config import validate_config
from scimodel.qe.inputs import namelist, pw_input
from scimodel.qe.runner import run_qe
from scimodel.qe.pipeline import TETRA_OCCUPATIONS, spinor_scf_bands

ap = argparse.ArgumentParser()
ap.add_argument("metal")
ap.add_argument("--f", type=float, default=1.0, help="a / a_exp")
ap.add_argument("--k", type=int, default=None, help="scf k grid (default: the cache's)")
ap.add_argument("--degauss", type=float, default=None, help="MV smearing in Ry (default: the cache's)")
ap.add_argument("--ecut", type=float, default=None, help="ecutwfc in Ry (ecutrho scaled alike; default: the cache's)")
ap.add_argument("--pressure", type=float, nargs="*", help="pressure scan over these a / a_exp")
ap.add_argument("--nproc", type=int, default=2)
ap.add_argument("--label", help="variant name (table column); append the point records to runs.jsonl")
ap.add_argument("--detail", default="", help="what the variant is, in words (kept in the record)")
ap.add_argument("--archive", help="read a finished campaign (zip) instead of running ph.x")
ap.add_argument("--campaign", help="a campaign override (config/campaigns/*.yaml) whose settings of the "
                "metal replace config.yaml's (e.g. Pb with spin-orbit)")
ap.add_argument("--points", nargs="*", help="special points to run (default: all of the lattice)")
a = ap.parse_args()
RECORD = Path(__file__).with_name("runs.jsonl")


def vectors(v):
    """Eigenvectors (rows: modes) as JSON lists."""
    return {"vectors_re": v.real.round(6).tolist(), "vectors_im": v.imag.round(6).tolist()}


def record(rec):
    print(json.dumps(rec), flush=True)
    if a.label:
        rec = {"label": a.label, "detail": a.detail, **rec, "date": datetime.date.today().isoformat(),
               "git_commit": git_commit(), "scimodel_version": scimodel.__version__}
        with open(RECORD, "a") as fh:
            fh.write(json.dumps(rec) + "\n")

raw = yaml.safe_load(open("config/config.yaml"))
if a.campaign:
    over = yaml.safe_load(open(a.campaign))["abinitio"]["elements"][a.metal]
    raw["abinitio"]["elements"][a.metal] = {**raw["abinitio"]["elements"][a.metal], **over}
full = validate_config(raw, "src/scimodel/schemas/config.schema.yaml")
ab = full["abinitio"]
el = {**ab.get("defaults", {}), **ab["elements"][a.metal]}
spec = qe.metal_spec(a.metal, el)
pseudo = Path("resources/pseudo") / el["pseudo"]
spec = dataclasses.replace(spec, pseudo=pseudo.name, pseudo_dir="./",
                           k_scf=a.k or spec.k_scf, degauss_ry=a.degauss or spec.degauss_ry)
if a.ecut:
    spec = dataclasses.replace(spec, ecutrho_ry=spec.ecutrho_ry * a.ecut / spec.ecutwfc_ry, ecutwfc_ry=a.ecut)
kw = dict(nproc=a.nproc, pools=True)


def fresh(label):
    d = Path(f"work/phonon_check/{a.metal}_{label}")
    d.mkdir(parents=True, exist_ok=True)
    (d / pseudo.name).write_bytes(pseudo.read_bytes())
    return d


if a.archive:
    lattice = ab["elements"][a.metal]["structure"]
    for name, x in phonons.dfpt_special_points([a.archive], lattice).items():
        record({"metal": a.metal, "point": name, "q": x["q"].tolist(),
                "freq_THz": [round(v, 4) for v in x["freq_thz"]], **vectors(x["vectors"]),
                "source": f"{a.archive}:{x['member']}"})
    raise SystemExit

if a.pressure:
    for f in a.pressure:
        s = dataclasses.replace(spec, a_angstrom=spec.a_angstrom * f)
        d = fresh(f"p{f:.4f}_k{s.k_scf}")
        text = pw_input(s).replace("&control\n", "&control\n  tstress = .true.\n", 1)
        wall = run_qe("pw.x", text, "scf", d, **kw)
        out = (d / "scf.out").read_text()
        p = float(re.search(r"P=\s*([-\d.]+)", out).group(1))
        e = float(re.search(r"!\s+total energy\s+=\s+([-\d.]+)", out).group(1))
        print(json.dumps({"metal": a.metal, "f": f, "celldm1": round(s.alat_bohr, 6), "k": s.k_scf,
                          "P_kbar": p, "E_Ry": e, "wall_s": round(wall, 1)}), flush=True)
    raise SystemExit

s = dataclasses.replace(spec, a_angstrom=spec.a_angstrom * a.f)
if s.elph_method == "tetrahedra":
    # the ground state of a tetrahedron campaign (scimodel.qe.pipeline.run_ground)
    d = fresh(f"f{a.f:.4f}_k{s.k_scf}_tetra_ec{s.ecutwfc_ry:g}" + ("_so" if s.spin_orbit else ""))
    text = pw_input(s, occupations=TETRA_OCCUPATIONS, nbnd=spinor_scf_bands(s, pseudo))
else:
    d = fresh(f"f{a.f:.4f}_k{s.k_scf}_mv{s.degauss_ry:g}_ec{s.ecutwfc_ry:g}")
    text = pw_input(s)
walls = {"scf": run_qe("pw.x", text, "scf", d, **kw)}
for name, q in phonons.SPECIAL_POINTS[s.structure].items():
    if a.points and name not in a.points:
        continue
    stem = f"ph_{name}"
    text = namelist("inputph", {"tr2_ph": s.tr2_ph, "prefix": s.prefix, "outdir": "./tmp",
                                "fildyn": f"{s.prefix}.dyn{name}", "trans": True,
                                "amass(1)": float(s.mass_amu)})
    text = f"phonons of {s.name} at {name}\n" + text + "{:.10f} {:.10f} {:.10f}\n".format(*q)
    t0 = time.perf_counter()
    run_qe("ph.x", text, stem, d, **kw)
    qq, f, v = phonons.read_dyn_modes((d / f"{s.prefix}.dyn{name}").read_text(), d / f"{s.prefix}.dyn{name}")
    record({"metal": a.metal, "point": name, "q": qq.tolist(), "freq_THz": [round(x, 4) for x in f], **vectors(v),
            "source": "ph.x single q (run_phonon_check.py)", "f": a.f, "celldm1": round(s.alat_bohr, 6),
            "k": s.k_scf, "degauss_Ry": s.degauss_ry, "ecutwfc_Ry": s.ecutwfc_ry, "wall_s": round(time.perf_counter() - t0, 1),
            "qe_version": qe.qe_version(), "pseudo": el["pseudo"],
            **({"campaign": a.campaign, "spin_orbit": s.spin_orbit, "elph_method": s.elph_method} if a.campaign else {})})
