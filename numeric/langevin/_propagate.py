"""The sampler alone: run Langevin chains at frozen θ with any registered stepper."""

from __future__ import annotations

import numpy as np

from thermolearn.theory import EnergyModel, NumericalError, ParameterError

from ..random import check_rng
from ._ledger import as_vec, check_int, model_callables
from ._steppers import float32_advance, get_stepper

__all__ = ["propagate"]


def propagate(model: EnergyModel, theta, X, *, steps: int, dt: float, method: str = "exact",
              rng: np.random.Generator, mean_every: int = 0):
    """Run the Langevin chains ``X`` (N, d) in place for ``steps`` steps of ``dt`` at frozen θ.

    The sampler alone, without the learning bookkeeping of :func:`train`
    (the kernel benchmarked against the numpy floor and sdeint).

    Parameters
    ----------
    model : theory.EnergyModel
        With numeric β, μ and constants.
    theta : float or sequence
    X : ndarray (N, d), float64 (or float32), C-contiguous
        Chains, overwritten.  float32 chains (methods ``"exact"`` and
        ``"euler"``, 1-D energies quadratic in x) use the float32 steps of
        :mod:`thermolearn.numeric.langevin32` with the fast Box–Muller
        normals (tails cut at |ξ| ≤ 5.77); the means are accumulated in float64.
    steps : int
    dt : float
    method : str
        A name of :data:`STEPPERS` (``"exact"`` needs an energy quadratic in x).
    rng : numpy.random.Generator
    mean_every : int
        If > 0, also return the chain mean every that many steps.

    Returns
    -------
    ndarray or None
        The recorded means, shape (steps // mean_every, d), or None.

    Raises
    ------
    ParameterError, NumericalError
        Bad arguments; an explicit stepper at μ·λmax·dt ≥ 2 (quadratic energies).

    Examples
    --------
    >>> import numpy as np
    >>> from thermolearn.theory.models import harmonic_trap
    >>> X = np.full((100_000, 1), 5.0)
    >>> _ = propagate(harmonic_trap(k=1, beta=1, mu=1), 0.0, X, steps=10, dt=1.0, rng=np.random.default_rng(1))
    >>> bool(abs(X.mean()) < 0.02), bool(abs(X.var() - 1) < 0.02)
    (True, True)
    """
    if not isinstance(model, EnergyModel):
        raise ParameterError(f"model must be a theory.EnergyModel, got {type(model).__name__}")
    check_rng(rng)
    stepper = get_stepper(method)
    steps = check_int("steps", steps, 0)
    mean_every = check_int("mean_every", mean_every, 0)
    if not (np.isfinite(dt) and dt > 0):
        raise ParameterError(f"dt must be positive and finite, got {dt!r}")
    d = len(model.x)
    f32 = isinstance(X, np.ndarray) and X.dtype == np.float32
    if f32 and not (X.ndim == 2 and X.shape[1] == 1 and X.flags.c_contiguous):
        raise ParameterError(f"float32 chains must be a C-contiguous (N, 1) array; got shape {X.shape}")
    if not f32 and not (isinstance(X, np.ndarray) and X.dtype == np.float64 and X.ndim == 2 and X.shape[1] == d
                        and X.flags.c_contiguous):
        raise ParameterError(f"X must be a C-contiguous float64 array of shape (N, {d})")
    th_vec = as_vec("theta", theta, len(model.theta))
    th = model_callables(model, th_vec)
    if f32:
        advance = float32_advance(stepper, th)
    elif stepper.needs_quadratic and not th.quadratic:
        raise ParameterError(f"method={stepper.name!r} needs an energy quadratic in x; {model.energy} is not: "
                             "use 'euler', 'heun' or 'mala'")
    else:
        noise = np.empty_like(X)

        def advance(X, th_vec, dt, k, rng):
            stepper.advance(X, th_vec, th, dt, k, rng, noise)

    if stepper.explicit and th.quadratic:  # (float32 chains: quadratic energies only)
        c = th.mu * th.curvature(X, th_vec) * dt
        if c >= 2.0:
            raise NumericalError(f"{stepper.name} is unstable: mu*k*dt = {c:.3g} >= 2; use method='exact' or smaller dt")
    if mean_every == 0:  # θ is frozen: one call, the Gaussian (m, A) is computed once
        advance(X, th_vec, dt, steps, rng)
        return None
    means = []
    for _ in range(steps // mean_every):
        advance(X, th_vec, dt, mean_every, rng)
        means.append(X.mean(axis=0, dtype=np.float64))
    advance(X, th_vec, dt, steps % mean_every, rng)
    return np.asarray(means)
