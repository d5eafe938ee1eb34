"""infoflow on the Gaussian learner where float64 cannot resolve the path integrals (vanishing Θ noise).

The fluctuation-theorem residuals come from closed-form Gaussian integrals
eliminated slice by slice; ⟨σ⟩ comes out of them and, independently, of the
analysis' per-move sums.  At κ ≥ 1e-4 both agree to < 1e-9 relative and the
residuals are ≤ 1e-8; at κ = 1e-7 the integrals' ⟨e^{−σ}⟩ − 1 was 0.26 and
at κ = 1e-12 inf (a violated theorem, reported with exit 0).  There the
residuals are null, and a warning says why.
"""

import json
import warnings

import pytest

from thermolearn.cli import main
from thermolearn.infoflow import GaussianLearner
from thermolearn.infoflow._gaussian_analysis import gaussian_ift
from thermolearn.theory import AccuracyWarning


def _run(capsys, kappa):
    assert main(["infoflow", "gaussian", "--kappa", str(kappa), "--steps", "30", "--format", "json"]) == 0
    out = capsys.readouterr()
    return json.loads(out.out)["fluctuation_theorems"], out.err


@pytest.mark.parametrize("kappa", [1e-7, 1e-12])
def test_unresolved_integrals_give_no_residual_and_a_warning(capsys, kappa):
    ft, err = _run(capsys, kappa)
    assert ft["ift_residual"] is None and ft["dft_residual"] is None
    assert "not resolved in float64" in err


@pytest.mark.parametrize("kappa", [0.1, 1e-3])
def test_resolved_integrals_keep_their_residuals(capsys, kappa):
    ft, err = _run(capsys, kappa)
    assert ft["ift_residual"] < 1e-10 and ft["dft_residual"] < 1e-8
    assert "not resolved" not in err


def test_an_infinite_generating_function_warns_in_the_api():
    with pytest.warns(AccuracyWarning, match="not resolved in float64"):
        g, _ = gaussian_ift(GaussianLearner(kappa=1e-12), 30)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g, _ = gaussian_ift(GaussianLearner(kappa=0.3), 30)
    assert abs(g - 1) < 1e-10
