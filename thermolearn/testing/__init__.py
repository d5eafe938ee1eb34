"""Theorem checks for any energy: ``thermolearn verify`` and ``assert_theorems``.

Each check states a law of the minimal-dissipation digest (Secs. 3–7) for the
user's energy E(x, θ), evaluates it, and reports a value and a tolerance:

``boltzmann_stationarity``  (exact, Sec. 3) the Fokker–Planck right-hand side
    ∇·[μ(p∇E + β⁻¹∇p)] vanishes for p = exp(−βE) (sympy ``simplify``).
``bias_equals_excess_work/symbolic``  (exact, Sec. 4) with the model's E,
    d/dt[L(θ_t) − L̃(t) − β(W(t) − ΔF(t))] = 0 along an arbitrary path θ(t)
    and arbitrary chain moments ⟨∂θE⟩_s(t).
``free_energy_gradient``  (Sec. 2) ∂θF = ⟨∂θE⟩_m: F by quadrature and a
    Richardson central difference against ⟨∂θE⟩_m by quadrature.
``bias_equals_excess_work/simulation``  (Sec. 4) a persistent-chain run:
    the bias L(θ_T) − L̃(T) (true objective from quadrature of F and the data
    energies, estimated objective from the gradients the optimiser used)
    against β(W − ΔF) with W = Σ Δθ·⟨∂θE⟩_s.
``metric_spd``  (Sec. 7) Fisher information I = β² Cov_m(∂θE) and friction
    tensor ζ symmetric positive definite at sample parameters.
``natural_gradient_identity``  (Sec. 7) with H = [βζ + (τ − t) I]⁻¹,
    (1 − βHζ)⁻¹ H = I⁻¹/(τ − t).
``jarzynski``  (fluctuation theorem) ⟨e^{−βW}⟩ = e^{−βΔF} for work on a
    Metropolis-adjusted Langevin (MALA) run driven along θ₀ → θ₁; MALA keeps
    p_m(θ) exactly invariant, so the equality is exact at finite step and
    the tolerance is purely statistical (N_SIGMA standard errors).

``bias_equals_excess_work/langevin``  (only when issue 3's
    :mod:`numeric.langevin` is installed) the bias its ``train`` reports
    against β·W_ex.

The quantities checked come from :class:`Providers`: by default
:mod:`theory.derive` (Fokker–Planck operator, bias theorem),
:mod:`numeric.metric` (Fisher information, friction) and
:mod:`theory.metric` (H) when installed, else this module's own reference
computations (quadrature, the 1-D generator solve in closed form, the
Ornstein–Uhlenbeck friction).  Replace one (e.g. a friction tensor with the
wrong sign) and the check that depends on it fails by name.  Equilibrium
samples come from 400 MALA burn-in steps: energies with barriers much
higher than kT may need more (a false ``jarzynski`` failure, never a false
pass of the exact checks).  Numbers for symbolic β, μ and constants default to 1 (real, not
provably positive constants to 1/4); θ points respect the parameters'
assumptions.  Quadrature supports one or two coordinates.
"""


from ._checks import N_SIGMA, TheoremCheck, assert_theorems, run_theorem_checks
from ._oracles import (
    Providers,
    evaluation_point,
    fisher_quadrature,
    fokker_planck_rhs,
    friction_reference,
    learning_rate_matrix,
)

__all__ = [
    "TheoremCheck",
    "Providers",
    "evaluation_point",
    "run_theorem_checks",
    "assert_theorems",
    "N_SIGMA",
    "fisher_quadrature",
    "friction_reference",
    "fokker_planck_rhs",
    "learning_rate_matrix",
]
