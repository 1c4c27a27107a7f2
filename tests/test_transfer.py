"""scimodel.eliashberg.transfer: a coarse-grid change of alpha2F carried onto another spectrum."""
from __future__ import annotations

import numpy as np
import pytest

from scimodel import eliashberg as el
from scimodel.eliashberg import transfer as tr
from scimodel.errors import InputError

OMEGA = np.linspace(0.0, 14.0, 1401)          # meV


def peaks(centers, widths, heights, lam):
    """Gaussian peaks scaled to lambda (alpha2F vanishes at omega = 0 like omega^2)."""
    a = sum(h * np.exp(-0.5 * ((OMEGA - c) / w) ** 2) for c, w, h in zip(centers, widths, heights))
    a = a * (1.0 - np.exp(-(OMEGA / 1.0) ** 2))
    return a * lam / el.lambda_from_a2f(OMEGA, a)


SCALAR = peaks((4.0, 8.5), (0.4, 0.4), (0.6, 0.4), 1.2)
SPIN_ORBIT = peaks((2.8, 7.9), (0.35, 0.45), (0.7, 0.4), 2.0)      # soft TA, coupling up
CONVERGED = peaks((4.1, 8.4), (0.5, 0.3), (0.55, 0.45), 1.35)


def test_quantile_transfer_of_the_reference_gives_the_other_reference():
    out = tr.transfer(OMEGA, SCALAR, SCALAR, SPIN_ORBIT)
    assert np.max(np.abs(out.a2f - SPIN_ORBIT)) < 1e-3 * SPIN_ORBIT.max()   # measured 1.5e-4
    assert el.moments(OMEGA, out.a2f)["omega_log"] == pytest.approx(
        el.moments(OMEGA, SPIN_ORBIT)["omega_log"], rel=1e-4)


def test_quantile_transfer_scales_lambda_by_the_reference_ratio():
    out = tr.transfer(OMEGA, CONVERGED, SCALAR, SPIN_ORBIT)
    assert out.lambda_ratio == pytest.approx(2.0 / 1.2, rel=1e-12)
    assert el.lambda_from_a2f(OMEGA, out.a2f) == pytest.approx(1.35 * 2.0 / 1.2, rel=1e-12)
    assert out.lost_fraction == 0.0 and np.all(out.a2f >= 0)


@pytest.mark.parametrize("c", [0.8, 0.93, 1.1])
def test_a_uniform_frequency_scaling_is_carried_over(c):
    """ref_to(w) = ref_from(w / c) (lambda unchanged): the target comes out scaled in frequency
    the same way, its omega_log and <w^2>^1/2 times c, lambda unchanged."""
    to = np.interp(OMEGA / c, OMEGA, SCALAR, right=0.0)
    out = tr.transfer(OMEGA, CONVERGED, SCALAR, to)
    m_new, m_old = el.moments(OMEGA, out.a2f), el.moments(OMEGA, CONVERGED)
    assert m_new["lam"] == pytest.approx(m_old["lam"] * out.lambda_ratio, rel=1e-12)
    assert out.lambda_ratio == pytest.approx(1.0, abs=2e-3)
    assert m_new["omega_log"] == pytest.approx(c * m_old["omega_log"], rel=2e-3)
    assert m_new["omega2"] == pytest.approx(c * m_old["omega2"], rel=2e-3)


def test_ratio_reading_carries_an_amplitude_change_and_loses_shifted_weight():
    factor = 1.0 + 0.5 * OMEGA / OMEGA[-1]           # smooth, no shift
    out_r = tr.transfer(OMEGA, CONVERGED, SCALAR, SCALAR * factor, method="ratio", smoothing_mev=0.05)
    held = SCALAR > 0.05 * SCALAR.max()             # where the reference has weight (floor 2 %)
    assert np.max(np.abs(out_r.a2f - CONVERGED * factor)[held]) < 2e-3 * CONVERGED.max()
    # with the TA peak moved from 4.0 to 2.8 meV the literal ratio drops the moved weight
    shifted = tr.transfer(OMEGA, CONVERGED, SCALAR, SPIN_ORBIT, method="ratio")
    assert shifted.lost_fraction > 0.2
    assert el.lambda_from_a2f(OMEGA, shifted.a2f) < 0.75 * 1.35 * shifted.lambda_ratio


@pytest.mark.parametrize("kw, field", [
    (dict(target=CONVERGED[:-1]), "target"),
    (dict(ref_from=-SCALAR), "ref_from"),
    (dict(ref_to=np.zeros_like(OMEGA)), "ref_to"),
    (dict(omega=OMEGA + 1.0), "omega"),
    (dict(method="pointwise"), "method"),
])
def test_bad_input_names_the_field(kw, field):
    args = dict(omega=OMEGA, target=CONVERGED, ref_from=SCALAR, ref_to=SPIN_ORBIT)
    method = kw.pop("method", "quantile")
    args.update(kw)
    with pytest.raises(InputError, match=field):
        tr.transfer(args["omega"], args["target"], args["ref_from"], args["ref_to"], method=method)
