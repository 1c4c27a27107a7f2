"""Pb spin-orbit by transfer: how the result depends on the Gaussian width of the coarse pair.

The pair of the default transfer (config.yaml, abinitio.spin_orbit_transfer.Pb) is the direct
sum over the 7 q points of 4^3 both pb_s.UPF campaigns hold, each mode a Gaussian of
Q_POINT_BROADENING_MEV = 0.2 meV (scimodel.qe.spin_orbit.build_q_point_dataset).  21 modes
make a spiky spectrum, and the quantile transfer maps fractions of a spiky cumulative
coupling.  This script rebuilds the pair from the committed archives at several widths,
transfers the cached 6^3 Pb with both methods, and solves the SCDFT gap equation (TF-FE and
TF-SK, the default settings of config.yaml) for each.  Writes transfer_broadening.md here.

    .venv/bin/python resources/abinitio/Pb_spin_orbit_tetra_check/transfer_broadening.py
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
CAMPAIGNS = {"scalar": ("abinitio_pb_s_scalar.yaml", "Pb_q4_809abecd94d10df3"),
             "spin-orbit": ("abinitio_pb_spin_orbit.yaml", "Pb_q4_059e9f38a0077bc5")}
WIDTHS_MEV = (0.2, 0.5, 1.0)


def _campaign_element(name: str) -> dict:
    from scimodel.config import layered_config
    cfg = layered_config(ROOT, "config/campaigns/abinitio_recompute.yaml", f"config/campaigns/{name}")
    return cfg["abinitio"]["elements"]["Pb"]


def main() -> int:
    from scimodel import paper004, qe
    from scimodel.io import read_dataset, write_dataset
    from scimodel.phonons import dos_features
    from scimodel.qe import store
    from scimodel.qe.spin_orbit import transferred_dataset
    from scimodel.scdft import Settings
    from scimodel.scdft.solver import GapEquation

    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    settings = Settings.from_config(cfg["scdft"])
    cache_path = ROOT / "resources" / "abinitio" / "Pb.nc"
    cache = read_dataset(cache_path).load()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folders = {}
        elements = {name: _campaign_element(conf) for name, (conf, _) in CAMPAIGNS.items()}
        for name, (conf, key) in CAMPAIGNS.items():
            folders[name] = store.extract_campaign(ROOT / "resources" / "abinitio" / "qe_studies" / f"{key}.zip",
                                                   tmp / name)
        points = sorted(set.intersection(*(set(qe.stored_points(
            ROOT / "resources" / "abinitio" / "qe_studies" / f"{k}.zip")) for _, k in CAMPAIGNS.values())))

        def tc_row(label, path):
            inp = paper004.load_input(str(path), "Pb")
            ds = read_dataset(path)
            out = [label, f"{float(ds['lambda']):.3f}", f"{float(ds['omega_log']):.2f}",
                   f"{dos_features(ds['omega'].values, ds['phonon_dos'].values)['transverse']:.2f}"]
            for scheme in ("tf-fe", "tf-sk"):
                r = GapEquation(inp, settings.refined(coulomb=scheme)).tc()
                out.append(f"{r.tc:.3f}" if r.found else "none found")
            return out

        rows.append(tc_row("scalar cache (no transfer)", cache_path))
        for width in WIDTHS_MEV:
            pair = {}
            for name in CAMPAIGNS:
                ds, attrs = qe.build_q_point_dataset([folders[name] / f"iq{i}" for i in points], "Pb",
                                                     elements[name], q_grid=4, width_mev=width)
                p = tmp / f"{name}_{width}.nc"
                write_dataset(ds, p, source="transfer_broadening.py", extra_attrs=attrs)
                pair[name] = read_dataset(p).load()
            ratio = float(pair["spin-orbit"]["lambda"]) / float(pair["scalar"]["lambda"])
            direct = float(pair["spin-orbit"]["lambda_direct"]) / float(pair["scalar"]["lambda_direct"])
            for method in ("quantile", "ratio"):
                out = transferred_dataset(cache, pair["scalar"], pair["spin-orbit"], method=method,
                                          names=("Pb.nc", "scalar pair", "spin-orbit pair"))
                p = tmp / f"Pb_{width}_{method}.nc"
                write_dataset(out, p, source="transfer_broadening.py", references="", config={})
                rows.append(tc_row(f"{width} meV, {method} (pair ratio {ratio:.3f}; direct sums {direct:.3f})", p))
    lines = ["# Pb spin-orbit by transfer: Gaussian width of the 7-point coarse pair", "",
             f"Produced by transfer_broadening.py: the pair over the q points {points} of the two committed "
             "4^3 campaigns (build_q_point_dataset at each width), the cached 6^3 Pb transferred with it "
             "(transferred_dataset), the SCDFT Tc at config.yaml's scdft settings.  The default is 0.2 meV, "
             "quantile.  Transverse peak: the largest maximum of the phonon DOS below 0.7 x its top "
             "(scimodel.phonons' feature; Gilat's neutron-derived DOS has it at 5.09 meV, "
             "results/tables/abinitio_phonon_dos.md).", "",
             "| spectrum | lambda | omega_log (meV) | transverse peak of F (meV) | Tc TF-FE (K) | Tc TF-SK (K) |",
             "| --- | --- | --- | --- | --- | --- |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    text = "\n".join(lines) + "\n"
    (HERE / "transfer_broadening.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
