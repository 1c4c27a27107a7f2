"""Defectal model of paper 000 (ElMassalami & Silva Neto, arXiv:1904.04773).

Sub-modules
-----------
paracrystal  Hosemann structure factor (Eqs. A5-A10), peak heights/widths,
             Lorentzian expansion (Eq. 2), l <-> delta rho (Eq. 3)
diffraction  simulated 2D paracrystal and its Fraunhofer pattern (Fig. 1 j,k)
spectral     distorted-lattice alpha2F_l (Eqs. 8, B6-B7) and the Lifshitz
             resonance (Eqs. 4-7) (Fig. 5 g)
coupling     lambda_l (Eq. 14), Einstein softening (Eq. 17-18), Tc(l) (Eq. 16),
             small-delta-rho laws (Eqs. 19-20), gap ratio (Eq. 41)
transport    Monte Carlo momentum-relaxation efficiency F_l^2 (Eqs. 21, 33),
             A(l) (Eqs. 26, 32, 38), Eq. 36, Kadowaki-Woods (Eq. 40)
model        material classes and the disorder flow Tc(l), A(l) (Figs. 4, Tc-A)
"""
from . import coupling, diffraction, paracrystal, spectral, transport  # noqa: F401
