"""Learning-rate schedules of the persistent-chain trainer.

Each schedule turns the persistent-chain gradient ∇̃L = β(⟨∂θE⟩_d − ⟨∂θE⟩_s)
into a parameter velocity θ̇ = −H(t)∇̃L (arXiv 2510.03137):

* :class:`Constant`: H = η;
* :class:`SlowDriving`: H(t) = [βζ(θ) + (τ − t)I(θ)]⁻¹ with ζ and I estimated
  online from the chains.  Under the slow-driving closure
  ⟨∂θE⟩_s ≈ ∂θF + ζθ̇ it gives the natural-gradient flow
  θ̇ = −I⁻¹∇L/(τ − t) (``theory.metric.natural_gradient_identity``);
* :class:`NaturalGradient`: its single-relaxation-time limit
  H(t) = I⁻¹/(τ − t + τ_R) with τ_R = β tr ζ / tr I;
* :class:`Adam`: the adaptive baseline (Kingma & Ba 2015) on ∇̃L, step
  Δθ = −lr·m̂/(√v̂ + ε) per chain step.

Before the first metric block completes (the warm-up of the trainer) the
metric schedules use the estimate from the equilibrium warm-up at θ₀.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermolearn.theory import ParameterError

__all__ = ["Constant", "SlowDriving", "NaturalGradient", "Adam", "SCHEDULES", "make_schedule"]


def _positive(name, v):
    if not (isinstance(v, (int, float, np.floating)) and np.isfinite(v) and v > 0):
        raise ParameterError(f"{name} must be a positive finite number, got {v!r}")


@dataclass(frozen=True)
class Constant:
    """θ̇ = −η∇̃L."""

    eta: float
    name: str = "constant"
    needs_metric: bool = False

    def __post_init__(self):
        _positive("eta", self.eta)

    def velocity(self, t, tau, grad, metric, state, dt):
        return -self.eta * grad


@dataclass(frozen=True)
class SlowDriving:
    """θ̇ = −[βζ + (τ − t)I]⁻¹∇̃L (τ = the training time)."""

    name: str = "slow-driving"
    needs_metric: bool = True

    def velocity(self, t, tau, grad, metric, state, dt):
        return -metric.solve(1.0, max(tau - t, 0.0), grad)


@dataclass(frozen=True)
class NaturalGradient:
    """θ̇ = −I⁻¹∇̃L/(τ − t + τ_R), τ_R = β tr ζ / tr I from the chains."""

    name: str = "natural-gradient"
    needs_metric: bool = True

    def velocity(self, t, tau, grad, metric, state, dt):
        return -metric.solve(0.0, 1.0, grad) / (max(tau - t, 0.0) + metric.relaxation_time())


@dataclass(frozen=True)
class Adam:
    """Adam on ∇̃L: Δθ = −lr·m̂/(√v̂ + ε) per chain step (velocity Δθ/dt)."""

    lr: float = 1e-2
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    name: str = "adaptive"
    needs_metric: bool = False

    def __post_init__(self):
        _positive("lr", self.lr)
        for nm in ("beta1", "beta2"):
            v = getattr(self, nm)
            if not (0 <= v < 1):
                raise ParameterError(f"{nm} must lie in [0, 1), got {v!r}")

    def velocity(self, t, tau, grad, metric, state, dt):
        k = state.get("k", 0) + 1
        m = self.beta1 * state.get("m", 0.0) + (1 - self.beta1) * grad
        v = self.beta2 * state.get("v", 0.0) + (1 - self.beta2) * grad * grad
        state.update(k=k, m=m, v=v)
        mh, vh = m / (1 - self.beta1**k), v / (1 - self.beta2**k)
        return -self.lr * mh / (np.sqrt(vh) + self.eps) / dt


#: CLI name -> class.
SCHEDULES = {"constant": Constant, "slow-driving": SlowDriving, "natural-gradient": NaturalGradient,
             "adaptive": Adam}


def make_schedule(name: str, *, eta: float | None = None, lr: float | None = None):
    """Schedule by CLI name (``eta`` for constant, ``lr`` for adaptive).

    >>> make_schedule("constant", eta=0.5)
    Constant(eta=0.5, name='constant', needs_metric=False)
    """
    if name not in SCHEDULES:
        raise ParameterError(f"schedule must be one of {sorted(SCHEDULES)}, got {name!r}")
    if name == "constant":
        return Constant(1.0 if eta is None else eta)
    if name == "adaptive":
        return Adam(1e-2 if lr is None else lr)
    return SCHEDULES[name]()
