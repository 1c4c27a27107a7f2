"""Write the example inputs of config/examples/user_metal.yaml: Al's alpha2F and
electronic DOS from this workflow's own Quantum ESPRESSO cache
(resources/abinitio/Al.nc), as the text files a user would bring.

Run from the repository root:  python resources/examples/make_al_text_example.py
"""
from pathlib import Path

import xarray as xr

from scimodel.io import write_spectrum

HERE = Path(__file__).parent
SOURCE = "resources/abinitio/Al.nc"


def main() -> None:
    with xr.open_dataset(SOURCE) as ds:
        note = (f"Exported from {SOURCE} (computed by this workflow with Quantum ESPRESSO; "
                f"scimodel {ds.attrs.get('scimodel_version', '?')}, commit "
                f"{ds.attrs.get('git_commit', '?')}) by resources/examples/make_al_text_example.py")
        write_spectrum(HERE / "AlText_a2f.csv", ds["omega"].values, ds["a2f"].values,
                       comment=f"Al alpha2F (dimensionless) vs phonon energy.\n{note}")
        body = "\n".join(f"{x:.10g},{n:.10g}" for x, n in zip(ds["xi"].values, ds["dos"].values))
        head = "".join(f"# {c}\n" for c in ("Al electronic DOS per spin per atom (states/meV) vs "
                                             "energy relative to E_F.", note))
        (HERE / "AlText_dos.csv").write_text(f"{head}xi_meV,dos\n{body}\n")


if __name__ == "__main__":
    main()
