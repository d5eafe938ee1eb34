"""Energetics of persistent-chain learning and the bias = excess-work theorem.

Sekimoto bookkeeping (arXiv 2510.03137, set-up):

* work rate        Ẇ = θ̇·⟨∂θE⟩_s,
* heat rate        Q̇ = Ẇ − d⟨E⟩_s/dt = μ⟨|∇ₓE|²⟩_s − (μ/β)⟨ΔₓE⟩_s
  (the second form follows from the Fokker–Planck equation by parts),
* excess work rate Ẇ_ex = Ẇ − dF/dt = θ̇·(⟨∂θE⟩_s − ⟨∂θE⟩_m), using
  ∂θF = ⟨∂θE⟩_m.

Theorem 1 of arXiv 2510.03137: with L(θ) = β(⟨E⟩_d − F(θ)) and the approximate
objective L̃(t) = L(θ₀) + ∫₀ᵗ θ̇·∇̃L ds,

    L(θ_t) − L̃(t) = β W_ex(t).

Both sides vanish at t = 0, so the theorem is the identity of their time
derivatives, which :func:`bias_theorem` proves by simplification — in
general (moments as undefined functions) and explicitly for quadratic
energies (data drawn from p_m(θ*), Gaussian chains N(m, C)).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from .._errors import ModelError
from ._closure import gaussian_closure, gaussian_expectation
from ._free_energy import free_energy, quadratic_form
from ._gradients import moment_symbols, rate_symbols
from ._result import Derivation, fresh_symbol, reduce_to_zero, tidy

__all__ = ["Energetics", "BiasTheorem", "energetics", "bias_theorem", "model_moments"]


@dataclass(frozen=True)
class Energetics(Derivation):
    """Work, heat and excess-work rates in named moment symbols.

    Attributes
    ----------
    work_rate : sympy.Expr
        θ̇·⟨∂θE⟩_s.
    heat_rate : sympy.Expr
        μ⟨|∇ₓE|²⟩_s − (μ/β)⟨ΔₓE⟩_s (heat released to the bath).
    heat_statistics : tuple of sympy.Expr
        (|∇ₓE|², ΔₓE), the functions whose chain averages ``heat_rate`` uses.
    excess_work_rate : sympy.Expr
        θ̇·(⟨∂θE⟩_s − ∂θF); ∂θF is the closed form when F has one, else
        the model moment ⟨∂θE⟩_m.
    free_energy_gradient : tuple of sympy.Expr
        ∂θF (closed form) or ⟨∂θE⟩_m symbols.
    excess_work : sympy.Expr
        W − ΔF = W − (F(θ) − F(θ₀)), with the work ``W`` and the initial
        parameters ``<θ>_0`` as symbols (F as in :func:`free_energy`).
    """

    work_rate: sp.Expr
    heat_rate: sp.Expr
    heat_statistics: tuple[sp.Expr, ...]
    excess_work_rate: sp.Expr
    free_energy_gradient: tuple[sp.Expr, ...]
    excess_work: sp.Expr

    def latex_items(self):
        return [(r"\dot W", self.work_rate), (r"\dot Q", self.heat_rate), (r"\dot W_{\mathrm{ex}}", self.excess_work_rate),
                (r"W_{\mathrm{ex}}", self.excess_work)]


@lru_cache(maxsize=128)
def energetics(model) -> Energetics:
    """Work, heat and excess-work rates of persistent-chain learning.

    >>> from thermolearn.theory import energy_model
    >>> en = energetics(energy_model("(x - theta)**2/2"))
    >>> en.work_rate, en.excess_work_rate
    (avg_s_dE_dtheta*theta_dot, avg_s_dE_dtheta*theta_dot)
    """
    rates = rate_symbols(model)
    s_mom = moment_symbols(model, "s")
    work = sum((r * s for r, s in zip(rates, s_mom)), sp.S.Zero)
    grad2 = sum((sp.diff(model.energy, xi) ** 2 for xi in model.x), sp.S.Zero)
    lap = sum((sp.diff(model.energy, xi, 2) for xi in model.x), sp.S.Zero)
    g2 = fresh_symbol(model, "avg_s_grad_E_sq", r"\langle |\nabla_x E|^2 \rangle_s")
    lp = fresh_symbol(model, "avg_s_laplacian_E", r"\langle \Delta_x E \rangle_s")
    heat = model.mu * g2 - model.mu / model.beta * lp
    dF = model_moments(model) if free_energy(model).closed_form else moment_symbols(model, "m")
    excess = sum((r * (s - f) for r, s, f in zip(rates, s_mom, dF)), sp.S.Zero)
    W = fresh_symbol(model, "W", "W")
    initial = {t: fresh_symbol(model, f"{t.name}_0", rf"{sp.latex(t)}_0", **t.assumptions0) for t in model.theta}
    F = free_energy(model).free_energy
    excess_work = W - tidy(F - F.xreplace(initial))
    return Energetics(work, heat, (sp.expand(grad2), sp.expand(lap)), sp.expand(excess), dF, excess_work)


@lru_cache(maxsize=128)
def model_moments(model) -> tuple[sp.Expr, ...]:
    """⟨∂θE⟩_m = ∂θF: the closed form where F has one, else a ratio of integrals.

    The general form ∫∂θE e^{−βE}dx / ∫e^{−βE}dx evaluates numerically
    (``sympy.N`` runs mpmath quadrature) once θ, β and constants are numbers.

    >>> from thermolearn.theory import energy_model
    >>> model_moments(energy_model("theta*x**2/2", positive_theta=True))
    (1/(2*beta*theta),)
    >>> model_moments(energy_model("x**4/4 - theta*x"))[0].has(sp.Integral)
    True
    """
    fe = free_energy(model)
    if fe.closed_form:
        return tuple(tidy(sp.expand_log(sp.diff(fe.free_energy, th))) for th in model.theta)
    weight = sp.exp(-model.beta * model.energy)
    limits = [(xi, -sp.oo, sp.oo) for xi in model.x]
    Z = sp.Integral(weight, *limits)
    return tuple(sp.Integral(sp.diff(model.energy, th) * weight, *limits) / Z for th in model.theta)


@dataclass(frozen=True)
class BiasTheorem(Derivation):
    """Proof that d/dt[L(θ_t) − L̃(t)] = β dW_ex/dt (Theorem 1).

    Attributes
    ----------
    case : str
        ``"general"`` or ``"quadratic"`` (explicit Gaussian moments).
    bias_rate : sympy.Expr
        d/dt[L(θ_t) − L̃(t)].
    excess_work_rate : sympy.Expr
        dW_ex/dt.
    residual : sympy.Expr
        bias_rate − β·excess_work_rate, simplified (0 proves the theorem;
        both sides vanish at t = 0).
    """

    case: str
    bias_rate: sp.Expr
    excess_work_rate: sp.Expr
    residual: sp.Expr

    @property
    def proved(self) -> bool:
        """True when the residual simplified to exactly 0."""
        return self.residual == 0

    def latex_items(self):
        return [(r"\frac{d}{dt}(L - \tilde L)", self.bias_rate), (r"\dot W_{\mathrm{ex}}", self.excess_work_rate),
                (r"\mathrm{residual}", self.residual)]


def _general(model) -> BiasTheorem:
    th, rates = model.theta, rate_symbols(model)
    s_mom = moment_symbols(model, "s")
    data_energy = sp.Function("avg_d_E")(*th)  # ⟨E⟩_d(θ); p_d does not depend on θ
    F = sp.Function("F")(*th)
    beta = model.beta
    L = beta * (data_energy - F)
    dL = sum((r * sp.diff(L, t) for r, t in zip(rates, th)), sp.S.Zero)
    # ⟨∂θE⟩_d = ∂θ⟨E⟩_d, and the approximate gradient uses the chain moments
    approx = sum((r * beta * (sp.diff(data_energy, t) - s) for r, t, s in zip(rates, th, s_mom)), sp.S.Zero)
    dF = sum((r * sp.diff(F, t) for r, t in zip(rates, th)), sp.S.Zero)
    w_ex = sum((r * s for r, s in zip(rates, s_mom)), sp.S.Zero) - dF
    bias = dL - approx
    return BiasTheorem("general", sp.expand(bias), sp.expand(w_ex), reduce_to_zero(bias - beta * w_ex))


def _quadratic(model) -> BiasTheorem:
    A, b, c = quadratic_form(model)
    rates = rate_symbols(model)
    star = {t: fresh_symbol(model, f"{t.name}_star", rf"{sp.latex(t)}^*", **t.assumptions0) for t in model.theta}
    K_star, b_star = A.subs(star, simultaneous=True), b.subs(star, simultaneous=True)
    data_mean, data_cov = K_star.inv() * b_star, K_star.inv() / model.beta
    model_mean, model_cov = A.inv() * b, A.inv() / model.beta
    closure = gaussian_closure(model)
    m, C = closure.mean, closure.covariance
    beta, x = model.beta, model.x
    avg_d = lambda f: gaussian_expectation(f, x, data_mean, data_cov)  # noqa: E731
    dE = [sp.diff(model.energy, t) for t in model.theta]
    F = free_energy(model).free_energy
    L = beta * (avg_d(model.energy) - F)
    dL = sum((r * sp.diff(L, t) for r, t in zip(rates, model.theta)), sp.S.Zero)
    s_mom = [gaussian_expectation(f, x, m, C) for f in dE]
    approx = sum((r * beta * (avg_d(f) - s) for r, f, s in zip(rates, dE, s_mom)), sp.S.Zero)
    m_mom = [gaussian_expectation(f, x, model_mean, model_cov) for f in dE]
    w_ex = sum((r * (s - mm) for r, s, mm in zip(rates, s_mom, m_mom)), sp.S.Zero)
    bias = dL - approx
    return BiasTheorem("quadratic", sp.simplify(bias), sp.simplify(w_ex), reduce_to_zero(bias - beta * w_ex))


@lru_cache(maxsize=128)
def bias_theorem(model, case: str = "general") -> BiasTheorem:
    """Prove "true minus approximate objective = β·excess work" (Theorem 1).

    Parameters
    ----------
    model : theory.EnergyModel
    case : {"general", "quadratic"}
        ``"general"``: moments are undefined functions, using only
        ⟨∂θE⟩_d = ∂θ⟨E⟩_d and ⟨∂θE⟩_m = ∂θF.  ``"quadratic"``: explicit for
        quadratic energies with data ~ p_m(θ*) and chains ~ N(m, C); every
        average is computed as a Gaussian expectation, independently of F.

    Examples
    --------
    >>> from thermolearn.theory import energy_model
    >>> trap = energy_model("(x - theta)**2/2")
    >>> bias_theorem(trap).proved, bias_theorem(trap, "quadratic").proved
    (True, True)
    >>> bias_theorem(trap, "quadratic").bias_rate
    beta*theta_dot*(-m_s + theta)
    """
    if case == "general":
        return _general(model)
    if case == "quadratic":
        if quadratic_form(model) is None:
            raise ModelError(f"case='quadratic' needs an energy quadratic in x, got {model.energy}")
        return _quadratic(model)
    raise ValueError(f"case must be 'general' or 'quadratic', got {case!r}")
