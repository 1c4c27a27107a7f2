"""Command line: ``python -m scimodel.datasets auto|check``."""
from __future__ import annotations

import yaml

from ..errors import InputError
from .records import auto_data_block
from .registry import load_registry


def _cli(argv=None) -> None:
    """``python -m scimodel.datasets auto IMAGE --x PX,PY,VALUE PX,PY,VALUE --y ... --colour C``
    prints a record ``data:`` block (YAML) picked automatically from IMAGE;
    ``python -m scimodel.datasets check REGISTRY`` validates the registry and
    every record."""
    import argparse
    import sys
    ap = argparse.ArgumentParser(prog="python -m scimodel.datasets")
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("auto", help="pick markers or a curve of one colour from an image")
    a.add_argument("image")
    a.add_argument("--x", nargs=2, required=True, metavar="PX,PY,VALUE")
    a.add_argument("--y", nargs=2, required=True, metavar="PX,PY,VALUE")
    a.add_argument("--colour", required=True)
    a.add_argument("--mode", choices=("markers", "curve"), default="markers")
    a.add_argument("--tol", type=float, default=0.25)
    a.add_argument("--pick-uncertainty-px", type=float, default=1.0)
    c = sub.add_parser("check", help="validate the registry and all records")
    c.add_argument("registry", nargs="?", default="resources/datasets/registry.yaml")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "auto":
            def pts(items):
                return [{"pixel": [float(v) for v in s.split(",")[:2]], "value": float(s.split(",")[2])}
                        for s in items]
            block = auto_data_block(args.image, {"x": pts(args.x), "y": pts(args.y)}, args.colour,
                                    mode=args.mode, tol=args.tol,
                                    pick_uncertainty_px=args.pick_uncertainty_px)
            sys.stdout.write(yaml.safe_dump({"data": block}, sort_keys=False))
        else:
            reg = load_registry(args.registry)
            n = len(reg.with_data())
            print(f"{args.registry}: {len(reg.series)} series ({n} with data) in {len(reg.groups)} groups: OK")
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
