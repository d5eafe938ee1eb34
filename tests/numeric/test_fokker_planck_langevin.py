"""Excess work from the Fokker–Planck solver vs 10⁵-particle Langevin runs.

Quartic and double-well energies under three protocols (linear ramp,
oscillating, mid-run jump).  Both start in equilibrium at θ(0); ΔF is the
solver's grid free energy on one side and adaptive quadrature on the
other, so the two excess works are computed independently.  Langevin uses
the weak-order-2 Heun scheme (step bias ≈ 1e-5 at Δt = 5e-3, far below
the statistical error); criterion |W_ex^FP − W_ex^L| < N_SIGMA · SE.
"""

import numpy as np
import pytest

from thermolearn.numeric.fluctuation import free_energy_difference, langevin_work
from thermolearn.numeric.fokker_planck import Protocol, propagate
from tests.tolerances import N_SIGMA
from thermolearn.theory.models import double_well, quartic

PROTOCOLS = {
    "linear": Protocol.linear([0.0], [0.8], 1.0),
    "oscillating": Protocol(lambda t: np.array([0.8 * np.sin(2 * np.pi * t) + 0.4 * t]), 1.0),
    "jump": Protocol(lambda t: np.array([0.5 * t if t < 0.5 else 0.9]), 1.0, ((0.5, np.array([0.25]), np.array([0.9])),)),
}


@pytest.mark.parametrize("name", list(PROTOCOLS))
@pytest.mark.parametrize("model", [quartic(beta=1, mu=1), double_well(beta=2, mu=1)], ids=["quartic", "double_well"])
def test_excess_work_fp_vs_langevin(model, name, rng):
    prot = PROTOCOLS[name]
    fp = propagate(model, prot, steps=400)
    ws = langevin_work(model, prot, particles=100_000, steps=200, rng=rng)
    dF = free_energy_difference(model, prot(0.0), prot(prot.tau))
    wex_l = ws.mean - dF
    assert abs(fp.excess_work[-1] - wex_l) < N_SIGMA * ws.stderr
    assert fp.excess_work[-1] > 0
