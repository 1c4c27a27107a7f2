"""Density-functional theory for superconductors in energy space (paper 004).

Modules
-------
kernels   phononic kernels K^ph(xi, xi'), Z^ph(xi) (Numba + NumPy twins)
coulomb   Thomas-Fermi Coulomb kernels TF-FE (Eq. 26) and TF-SK (Eq. 29)
inputs    :class:`ScdftInput` (from the first-principles dataset or a parabolic-band model)
solver    mesh, linearised (Tc) and nonlinear (Delta(xi, T)) gap equation, entropy
observables  Tc, Delta0, Delta0(T), C_S/C_N, order parameter, isotope coefficient,
          decompositions, convergence controls
bands     star-function fit of band energies (bzgrid: cells, point groups, irreducible
          grids; nufft: fast evaluation)
sampling  Brillouin-zone sampling of band energies for the k-resolved equation (Fig. 2
          distributions), weights, hypercubes of the regular mesh
kresolved the k-resolved gap equation (Eq. 5) with hybrid phononic kernels, factored operator
coulomb_me  TF-ME Coulomb matrix elements (Eq. 18) from periodic parts on an FFT grid, on the
          regular mesh from the irreducible rows and the point group
kconvergence  Fig. 2: k-resolved against energy-only Tc on the same fitted bands
tfme      Table 2-3 k-resolved columns: TF-ME and TF-SK Tc, Delta0, C_S/C_N on sampled states
"""
from .inputs import ScdftInput, parabolic_band_input  # noqa: F401
from .solver import GapEquation, GapSolution, Settings, build_mesh  # noqa: F401
from .observables import (  # noqa: F401
    T_GAP, convergence, cutoff_scan, decomposition, delta0, delta0_curve, gap,
    heat_capacity_jump, isotope_coefficient, order_parameter, tc, thermodynamics,
)
