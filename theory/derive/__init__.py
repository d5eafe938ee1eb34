"""Closed-form derivations from an energy model (sympy only).

Every function is pure, takes a :class:`theory.EnergyModel` and returns a
frozen result dataclass that renders in Jupyter (``_repr_latex_``).  The
closed-form path is tried first, a general expression is the fallback.

=================================  =============================================
function                           result
=================================  =============================================
:func:`drift`                      −μ∇ₓE
:func:`fokker_planck`              ∂p/∂t = μ∇·(p∇E) + (μ/β)Δp, current J
:func:`stationary_density`         p_m = e^{−βE}/Z with its stationarity proof
:func:`free_energy`                Z(θ), F(θ) = −β⁻¹ ln Z (or the integral)
:func:`mle_gradient`               β(⟨∂θE⟩_d − ⟨∂θE⟩_m)
:func:`persistent_chain_gradient`  β(⟨∂θE⟩_d − ⟨∂θE⟩_s)
:func:`gaussian_closure`           dm/dt, dC/dt for quadratic energies
:func:`model_moments`              ⟨∂θE⟩_m = ∂θF (closed form or integrals)
:func:`energetics`                 work, heat and excess-work rates
:func:`bias_theorem`               L − L̃ = β W_ex (Theorem 1), proved
=================================  =============================================
"""

from ._closure import GaussianClosure, gaussian_closure, gaussian_expectation
from ._energetics import BiasTheorem, Energetics, bias_theorem, energetics, model_moments
from ._fokker_planck import FokkerPlanck, Stationarity, drift, fokker_planck, stationary_density
from ._free_energy import FreeEnergy, free_energy, quadratic_form
from ._gradients import Gradient, moment_symbols, mle_gradient, persistent_chain_gradient, rate_symbols
from ._result import Derivation, latex

__all__ = [
    "Derivation",
    "latex",
    "drift",
    "fokker_planck",
    "FokkerPlanck",
    "stationary_density",
    "Stationarity",
    "free_energy",
    "FreeEnergy",
    "quadratic_form",
    "moment_symbols",
    "rate_symbols",
    "mle_gradient",
    "persistent_chain_gradient",
    "Gradient",
    "gaussian_closure",
    "gaussian_expectation",
    "GaussianClosure",
    "energetics",
    "model_moments",
    "Energetics",
    "bias_theorem",
    "BiasTheorem",
]
