"""Theorem checks for any energy: ``thermolearn verify``, ``assert_theorems``, ``assert_metric``.

Every check compares an *ingredient* (see :class:`Providers`: the project's
Fokker–Planck operator, density, free energy, ∂θE, metric, H(t), sampler and
equilibrium draws, each replaceable) with a route that does not use it
(arXiv 2510.03137; Entropy 26, 112 (2024)):

``boltzmann_stationarity``  the Fokker–Planck operator applied to the
    density vanishes (sympy; 30-digit evaluation when simplify stalls).
``free_energy_gradient``  ∂θF by a Richardson difference of F against
    ⟨∂θE⟩_m by quadrature.
``fisher_information``  I against β(⟨∂²θE⟩_m − ∂²θF), the Hessian of the
    quadrature F; finite, symmetric positive definite (a degenerate metric
    fails here with the reason).
``friction_tensor``  ζ against the sparse generator (Poisson) solve of
    :func:`numeric.metric.friction_generator`, Richardson-extrapolated.
``natural_gradient_identity``  H(t) built from the ingredient (ζ, I) makes
    (1 − βHζ)⁻¹H = I⁻¹/(τ − t) with the *reference* metric.
``sampler_stationarity``  exact equilibrium draws and the sampler keep
    ⟨∂θE⟩ and ⟨E⟩ at their quadrature values (N_SIGMA standard errors).
``friction_autocorrelation``  ζ against β∫⟨δX(t)δX(0)⟩dt along sampler chains.
``slow_driving_excess_work``  ⟨W⟩ − ΔF of a slow ramp against ∫θ̇ᵀζθ̇ dt.
``jarzynski``  ΔF from ⟨e^{−βW}⟩ of a driving protocol (chains from exact
    draws) against ΔF of the free energy.
``bias_equals_excess_work``  persistent-chain training
    (:func:`numeric.langevin.train`): L − L̃ (L from F and the data) against
    β(W − ΔF) with W the Sekimoto work of the chains.

References never use a closed form: averages and F come from
:mod:`numeric.equilibrium` with ``closed_form=False`` (quadrature on the
found support, a grid in two coordinates), the metric from the generator
solve, so theory's closed forms (the default ingredients where they exist)
meet an independent route.

Symbolic β, μ and positive constants are evaluated at 7/10, 19/10 and 13/10
(values ≠ 1, so a wrong power shows; fix them with ``--set``/``beta=``),
other constants at 1/4.  Quadrature supports one or two coordinates.
The checks run with BLAS at one thread (threadpoolctl; restored after): their
linear algebra is small, and idle BLAS threads spin.

The module is also a pytest plugin (entry point ``pytest11``): the fixtures
``assert_theorems`` and ``assert_metric`` hand these helpers to tests.
"""

from __future__ import annotations

from thermolearn.theory._lazy import lazy_attributes as _lazy_attributes

# public name -> private module holding it; imported on first use (PEP 562), so
# loading the pytest plugin (``thermolearn.testing.plugin``, in every pytest
# process of any suite) imports neither sympy nor numpy.
_LAZY = {
    "N_SIGMA": "._checks",
    "TheoremCheck": "._checks",
    "Providers": "._ingredients",
    "evaluation_point": "._oracles",
    "fisher_hessian": "._oracles",
    "fisher_quadrature": "._oracles",
    "fokker_planck_rhs": "._oracles",
    "friction_reference": "._oracles",
    "learning_rate_matrix": "._oracles",
    "CHECK_NAMES": "._runner",
    "assert_metric": "._runner",
    "assert_theorems": "._runner",
    "format_failures": "._runner",
    "run_theorem_checks": "._runner",
}


__getattr__, __dir__ = _lazy_attributes(__name__, _LAZY)


__all__ = list(_LAZY)
