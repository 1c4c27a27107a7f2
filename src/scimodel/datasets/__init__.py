"""Literature datasets of paper 000 (Figs. 2-3): records, registry, ingestion, fits.

Records
-------
A *record* (``resources/datasets/<group>/<series>.yaml``, schema
``src/scimodel/schemas/digitization.schema.yaml``) describes one data series: its
source (reference, DOI, figure, panel, series label), the axes (quantity,
unit, linear/log) and where the points are: picked pixels plus a two-point
calibration per axis, a WebPlotDigitizer project, or a transcribed CSV
table.  Skeleton records (status ``awaiting source figure``) carry the
provenance but no data.  :func:`load_record` validates a record and returns a
:class:`Series` with the points in canonical units and their uncertainties.

Canonical units (converted once, here, with the factors of
:mod:`scimodel.units`): resistivity uOhm cm, temperature K,
A uOhm cm/K^2, fluence n/cm^2; relative changes are dimensionless.

Registry
--------
``resources/datasets/registry.yaml`` lists every series (id, group, figure
and panel of paper 000, kind, status, files); :func:`load_registry` checks
it against the records.

Analysis (paper 000, arXiv:1904.04773)
--------------------------------------
* rho(T) = rho0 + beta T^5 + A T^2 per curve (Fig. 3 a.1-a.4; caption of
  Fig. 3: "fit to rho_tot(T) = rho0 + beta T^5 + A T^2").
* A(rho0) = A0 + A1 rho0 + A2 rho0^2 (Sec. II.B, Figs. 3 a.8, b.1).
* ln Tc = ln theta - F A^(-1/2), i.e. Tc = theta exp(-F/sqrt(A))
  (Sec. II.C and Eq. 39; Figs. 3 a.10, b.3).
* Weak coupling, Eq. 19: dTc/Tc0 = s (drho0/rho0) (linear, s > 0).
* Strong coupling, Eq. 20: dTc/Tc0 = -t1 (drho0/rho0) - t2 (drho0/rho0)^2.

All these models are linear in their parameters; they are fitted by
weighted linear least squares with the *effective-variance* method
(sigma_eff^2 = sigma_y^2 + (df/dx sigma_x)^2, iterated), which accounts for
the pick uncertainty in x as well as in y.  Standard errors are the
covariance from the stated uncertainties, inflated by sqrt(chi2/dof) when
that exceeds 1 (scatter larger than the pick uncertainty).

Modules
-------
:mod:`~scimodel.datasets.quantities` (quantities, units, roles),
:mod:`~scimodel.datasets.records` (records, YAML, schema validation,
:class:`Series` <-> NetCDF, automatic digitization),
:mod:`~scimodel.datasets.registry`, :mod:`~scimodel.datasets.fitting` (fit
laws, :func:`analyse_group`, fit tables, model curves),
:mod:`~scimodel.datasets.synthetic`, :mod:`~scimodel.datasets.plots`
(Figs. 2-3) and :mod:`~scimodel.datasets.cli` (``python -m
scimodel.datasets``).  Every name is re-exported here.
"""
from __future__ import annotations

from . import cli, fitting, plots, quantities, records, synthetic
from .fitting import (
    PARAM_LONG,
    PARAM_UNITS,
    LinearFit,
    analyse_group,
    dtc_law,
    fit_dtc_law,
    fit_linear_model,
    fit_ln_tc_inv_rho0,
    fit_quadratic,
    fit_rho_T,
    fit_rows,
    fit_table,
    fit_tc_a,
    read_model_curves,
    rho_T_model,
)
from .plots import FIG2_PANELS, plot_fig2, plot_fig3
from .quantities import QUANTITIES, ROLES, unit_factor
from .records import (
    AWAITING,
    RECORD_FORMAT,
    REFERENCE_PAPER000,
    SYNTHETIC_TAG,
    Series,
    auto_data_block,
    dataset_to_series,
    dump_yaml,
    load_record,
    read_yaml,
    record_inputs,
    series_attrs,
    series_to_dataset,
    sha256_file,
)
from .registry import REGISTRY_FORMAT, Registry, load_registry
from .synthetic import nice_range, synthetic_pixels, synthetic_record, virtual_calibration

__all__ = [
    "AWAITING", "FIG2_PANELS", "PARAM_LONG", "PARAM_UNITS", "QUANTITIES", "RECORD_FORMAT",
    "REFERENCE_PAPER000", "REGISTRY_FORMAT", "ROLES", "SYNTHETIC_TAG",
    "LinearFit", "Registry", "Series",
    "analyse_group", "auto_data_block", "dataset_to_series", "dtc_law", "dump_yaml",
    "fit_dtc_law", "fit_linear_model", "fit_ln_tc_inv_rho0", "fit_quadratic", "fit_rho_T",
    "fit_rows", "fit_table", "fit_tc_a", "load_record", "load_registry", "nice_range",
    "plot_fig2", "plot_fig3", "read_model_curves", "read_yaml", "record_inputs", "rho_T_model",
    "series_attrs", "series_to_dataset", "sha256_file", "synthetic_pixels", "synthetic_record",
    "unit_factor", "virtual_calibration",
]

# Private helpers stay reachable as scimodel.datasets._name, as before the split
# (the same objects; the submodules look them up in their own namespaces).
_cli = cli._cli
_D, _REL, _derived_units = quantities._D, quantities._REL, quantities._derived_units
_check_image, _check_inside = records._check_image, records._check_inside
_read_table, _rel_dev = records._read_table, records._rel_dev
_schema, _validate = records._schema, records._validate
_PREFIXES, _chi_name, _fit_label = fitting._PREFIXES, fitting._chi_name, fitting._fit_label
_fit_vars, _pname, _scalar = fitting._fit_vars, fitting._pname, fitting._scalar
_split, _theta_vars = fitting._split, fitting._theta_vars
_errorbar, _note, _overlay = plots._errorbar, plots._note, plots._overlay
_plain = synthetic._plain
