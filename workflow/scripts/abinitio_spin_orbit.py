"""The cached scalar-relativistic input with alpha2F and the phonon DOS changed as a coarse
pair without / with spin-orbit says (scimodel.qe.spin_orbit)."""
from scimodel import qe
from scimodel.io import read_dataset, write_dataset
from scimodel.qe.spin_orbit import transferred_dataset
from scimodel.workflow import run_script

PHONON_VARS = {"omega": "meV", "a2f": "1", "phonon_dos": "1/meV", "lambda": "1"}


def main(sm):
    scalar = qe.read_abinitio(sm.input.scalar)
    refs = [read_dataset(p, required=PHONON_VARS) for p in (sm.input.ref_from, sm.input.ref_to)]
    ds = transferred_dataset(scalar, *refs, method=sm.params.transfer.get("method", "quantile"),
                             names=(str(sm.input.scalar), str(sm.input.ref_from), str(sm.input.ref_to)))
    # the scalar file's attributes stay (its grids, checks, verdicts), with the transfer's
    # added; the provenance attributes (source, references, history, commit, config) are this rule's
    write_dataset(ds, sm.output.nc,
                  source=f"{sm.input.scalar} changed by scimodel.qe.spin_orbit.transferred_dataset; "
                  "workflow/rules/abinitio.smk (abinitio_spin_orbit)",
                  references=scalar.attrs.get("references", ""),
                  config={"spin_orbit_transfer": dict(sm.params.transfer),
                          "scalar_config": scalar.attrs.get("config", "")},
                  wildcards=dict(sm.wildcards.items()))


run_script(main, snakemake)  # noqa: F821
