"""Learning-rate matrix and the natural-gradient flow it induces.

Slow-driving closure (arXiv 2510.03137, general potentials; the closure
itself derived here): the chain average lags the model average by the
friction, ⟨∂θE⟩_s ≈ ∂θF + ζθ̇.  The persistent-chain flow θ̇ = −H∇̃L,
∇̃L = ∇L − βζθ̇, then reads (1 − βHζ)θ̇ = −H∇L, and the choice

    H(t) = [βζ(θ) + (τ − t) I(θ)]⁻¹

turns it exactly (matrix algebra, ζ and I need not commute) into the
natural-gradient flow θ̇ = −I⁻¹∇L/(τ − t).  Assumptions: the linear-response
closure (exact for quadratic energies with a single relaxation time, to
leading order in 1/τ otherwise) and equilibrium-like chains.
"""

from __future__ import annotations

import sympy as sp

from .._errors import ModelError

__all__ = [
    "T_SYMBOL",
    "TAU_SYMBOL",
    "learning_rate_matrix",
    "natural_gradient_identity",
    "natural_gradient_flow",
    "thermodynamic_length_element",
    "target_symbols",
    "differential_symbols",
]

#: Time t and duration τ of the protocol.
T_SYMBOL = sp.Symbol("t", nonnegative=True)
TAU_SYMBOL = sp.Symbol("tau", positive=True)


def learning_rate_matrix(friction: sp.Matrix, fisher: sp.Matrix, beta, *, t=T_SYMBOL, tau=TAU_SYMBOL) -> sp.Matrix:
    """H(t) = [βζ + (τ − t) I]⁻¹ (arXiv 2510.03137, general potentials).

    For the trap (ζ = 1/μ, I = βk) this is the continuous schedule of Sec. 6b:

    >>> b, mu, k = sp.symbols("beta mu k", positive=True)
    >>> sp.simplify(learning_rate_matrix(sp.Matrix([[1/mu]]), sp.Matrix([[b*k]]), b)[0, 0]
    ...   - 1/(b*(1/mu + k*(TAU_SYMBOL - T_SYMBOL))))
    0
    """
    if friction.shape != fisher.shape or friction.shape[0] != friction.shape[1]:
        raise ModelError(f"friction {friction.shape} and Fisher {fisher.shape} must be square of equal size")
    return (beta * friction + (tau - t) * fisher).inv()


def natural_gradient_identity(
    friction: sp.Matrix, fisher: sp.Matrix, beta, *, t=T_SYMBOL, tau=TAU_SYMBOL, direct: bool = False
) -> sp.Matrix:
    """Residual of (1 − βHζ)⁻¹H = I⁻¹/(τ − t); it simplifies to the zero matrix.

    Proof: with K = H⁻¹ = βζ + (τ − t)I, K(1 − βHζ) = K − βζ = (τ − t)I, so
    (1 − βHζ)⁻¹H = [K(1 − βHζ)]⁻¹ = I⁻¹/(τ − t).  No commutation of ζ and I
    is used.  By default the residual is returned in the cleared,
    polynomial form (K − βζ)·adj(I) − (τ − t)·det(I)·1 (equivalent whenever
    K and I are invertible; it expands to zero quickly even for fully
    symbolic matrices); ``direct=True`` returns (1 − βHζ)⁻¹H − I⁻¹/(τ − t)
    itself (fast to simplify for numeric or small symbolic matrices).

    >>> z = sp.Matrix(2, 2, sp.symbols("z11 z12 z21 z22"))
    >>> f = sp.Matrix(2, 2, sp.symbols("f11 f12 f21 f22"))
    >>> natural_gradient_identity(z, f, sp.Symbol("beta")).expand()
    Matrix([
    [0, 0],
    [0, 0]])
    """
    n = friction.shape[0]
    s = tau - t
    if direct:
        H = learning_rate_matrix(friction, fisher, beta, t=t, tau=tau)
        return (sp.eye(n) - beta * H * friction).inv() * H - fisher.inv() / s
    if friction.shape != fisher.shape or friction.shape[0] != friction.shape[1]:
        raise ModelError(f"friction {friction.shape} and Fisher {fisher.shape} must be square of equal size")
    K = beta * friction + s * fisher
    return (K - beta * friction) * fisher.adjugate() - s * fisher.det() * sp.eye(n)


def target_symbols(model) -> tuple[sp.Symbol, ...]:
    """θ* symbols named ``<theta>_target`` (data drawn from p_m(θ*))."""
    return tuple(sp.Symbol(f"{s.name}_target", **s.assumptions0) for s in model.theta)


def differential_symbols(model) -> tuple[sp.Symbol, ...]:
    """dθ symbols named ``d<theta>`` for the length element."""
    return tuple(sp.Symbol(f"d{s.name}", real=True) for s in model.theta)


def natural_gradient_flow(model, fisher: sp.Matrix, mean_dE: sp.Matrix, *, t=T_SYMBOL, tau=TAU_SYMBOL) -> sp.Matrix:
    """θ̇ = −I⁻¹∇L/(τ − t) with ∇L = β(⟨∂θE⟩_d − ⟨∂θE⟩_m), quadratic energies.

    Assumption: the data are drawn from p_m(θ*) (as in ``thermolearn
    simulate``): ⟨∂θE(x, θ)⟩_d is the Gaussian average over x ~ p_m(θ*)
    (symbols ``<theta>_target``), exact for degree ≤ 2 in x;
    ``mean_dE`` is ⟨∂θE⟩_m(θ) as a column.

    >>> from thermolearn.theory.models import harmonic_trap
    >>> from thermolearn.theory.metric import fisher_information, mean_dE_dtheta
    >>> m = harmonic_trap()
    >>> natural_gradient_flow(m, fisher_information(m), mean_dE_dtheta(m))
    Matrix([[(theta - theta_target)/(t - tau)]])
    """
    from ._gaussian import gaussian_structure, simplify_rational

    star = dict(zip(model.theta, target_symbols(model)))
    _, m_star, S_star, _, _, _ = gaussian_structure(model)
    m_star, S_star = m_star.xreplace(star), S_star.xreplace(star)
    at = dict(zip(model.x, m_star))
    data = sp.Matrix(
        [Xi.subs(at) + sp.Rational(1, 2) * (sp.hessian(Xi, model.x) * S_star).trace() for Xi in model.dE_dtheta]
    )
    grad = model.beta * (data - mean_dE)
    return simplify_rational(-fisher.inv() * grad / (tau - t), "factor")


def thermodynamic_length_element(model, friction: sp.Matrix) -> sp.Expr:
    """d𝓛 = sqrt(dθᵀ ζ(θ) dθ) with symbols ``d<theta>`` (arXiv 2510.03137, general potentials).

    >>> from thermolearn.theory.models import harmonic_trap
    >>> from thermolearn.theory.metric import friction_tensor
    >>> m = harmonic_trap()
    >>> thermodynamic_length_element(m, friction_tensor(m))
    Abs(dtheta)/sqrt(mu)
    """
    from ._gaussian import simplify_rational

    d = sp.Matrix(differential_symbols(model))
    return sp.sqrt(simplify_rational((d.T * friction * d)[0, 0], "terms"))
