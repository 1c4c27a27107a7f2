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

Submodules
----------
:mod:`.spec` (MetalSpec, phonon key, irreducible q points), :mod:`.inputs`
(input text), :mod:`.runner` (running QE, its error messages and output
checks), :mod:`.pipeline` (ground state, q points, join), :mod:`.store` (committed
q-point campaigns, one zip archive each), :mod:`.irreps` (one q point's DFPT over
several ph.x processes), :mod:`.campaigns`
(q-point campaign records), :mod:`.parsers` (QE outputs), :mod:`.elph`
(electron-phonon maths), :mod:`.contract` (the NetCDF contract),
:mod:`.pseudo` (ld1.x and UPF files), :mod:`.reports` (summary tables),
:mod:`.bandgrid` (bands over the zone), :mod:`.wavefunctions` (``wfc<ik>.dat``)
and :mod:`.coulomb_mesh` (TF-ME matrix elements from them; not re-exported).
Every name listed in ``__all__`` is re-exported here (``qe.<name>``).
"""
from .spec import (IBRAV, CELL_VOLUME_FACTOR, TETRA_OCCUPATIONS, MetalSpec, ELPH_METHODS,
                   metal_spec, PHONON_FIELDS, phonon_key, PRIMITIVE, irreducible_q_count)
from .inputs import (namelist, pw_input, ph_input, ph_tetra_input, q2r_input, matdyn_input,
                     dos_input)
from .runner import (QE_EXECUTABLES, qe_available, require_qe, qe_version, run_qe,
                     qe_error_message, check_qe_output, sha256_file)
from .parsers import (parse_pw_xml, read_a2f_dos, read_matdyn_lambda, read_phonon_dos, read_dos_x,
                      read_ld1_test, read_ld1_wavefunctions, read_dyn_star,
                      read_ph_elph)
from .elph import (a2f_table, gamma_file_text, write_tetra_gamma_files, lambda_by_smearing,
                   stability, imaginary_weight, free_electron_kf, a2f_from_q_points)
from .pipeline import (GROUND_FILE, upf_z_valence, spinor_scf_bands, run_ground, read_ground,
                       run_q_point, assemble_run, store_q_points, store_partial_q_point,
                       run_pipeline, dos_window)
from .store import (ARCHIVE_SUFFIX, campaign_archive, stored_points, pack_campaign, add_points,
                    extract_point, extract_campaign)
from .campaigns import (q_point_table, q_point_lambdas, compare_q_point_runs,
                        compare_lambda_by_smearing)
from .contract import (RUN_FILES, CONTRACT, POSTPROCESS_KEYS, build_abinitio_dataset, build_phonon_dataset,
                       read_abinitio)
from .spin_orbit import build_q_point_dataset
from .pseudo import (upf_with_date, upf_without_date, upf_equivalent, generate_pseudo,
                     atomic_wavefunctions)
from .reports import read_reference_lambda, summary_tables

__all__ = [
    "IBRAV", "CELL_VOLUME_FACTOR", "TETRA_OCCUPATIONS", "MetalSpec", "ELPH_METHODS", "metal_spec",
    "PHONON_FIELDS", "phonon_key", "PRIMITIVE", "irreducible_q_count", "namelist", "pw_input",
    "ph_input", "ph_tetra_input", "q2r_input", "matdyn_input", "dos_input", "QE_EXECUTABLES",
    "qe_available", "require_qe", "qe_version", "run_qe", "qe_error_message", "check_qe_output",
    "sha256_file", "parse_pw_xml", "read_a2f_dos", "read_matdyn_lambda", "read_phonon_dos",
    "read_dos_x", "read_ld1_test", "read_ld1_wavefunctions", "read_dyn_star", "read_ph_elph",
    "a2f_table", "gamma_file_text",
    "write_tetra_gamma_files", "lambda_by_smearing", "stability", "imaginary_weight",
    "free_electron_kf", "a2f_from_q_points", "GROUND_FILE", "upf_z_valence", "spinor_scf_bands",
    "run_ground", "read_ground", "run_q_point", "assemble_run", "store_q_points",
    "store_partial_q_point", "run_pipeline",
    "dos_window", "ARCHIVE_SUFFIX", "campaign_archive", "stored_points", "pack_campaign",
    "add_points", "extract_point", "extract_campaign", "q_point_table", "q_point_lambdas", "compare_q_point_runs",
    "compare_lambda_by_smearing", "RUN_FILES", "CONTRACT", "POSTPROCESS_KEYS",
    "build_abinitio_dataset", "build_phonon_dataset", "build_q_point_dataset", "read_abinitio", "upf_with_date", "upf_without_date",
    "upf_equivalent", "generate_pseudo", "atomic_wavefunctions", "read_reference_lambda",
    "summary_tables",
]
