"""The persistent-chain ledger: Sekimoto work, F, L and L̃ booked step by step.

Energetics (Sekimoto; arXiv 2510.03137, work and heat of the sampler):
heat is the energy change while the chains move at frozen θ, work the
energy change while θ moves at frozen chains,

    W ← W + ⟨E(x, θ') − E(x, θ)⟩_s.

The approximate objective is the line integral of the estimated gradient
∇̃L = β(⟨∂θE⟩_d − ⟨∂θE⟩_s) along the actual (chains-frozen) parameter path,

    L̃ ← L̃ + β[⟨E⟩_d(θ') − ⟨E⟩_d(θ)] − β⟨E(x, θ') − E(x, θ)⟩_s,

with L̃(0) = L(θ₀) and L(θ) = β(⟨E⟩_d(θ) − F(θ)); hence the bias
L − L̃ = β(W − ΔF) = βW_ex holds move by move, kicks included, up to
rounding (arXiv 2510.03137, bias equals excess work).

The "chains" may carry weights (``Ledger.weights``): the Fokker–Planck
trainer books a density on grid points this way.  Its continuous moves
integrate L̃ instead along the path with the trapezoid rule in the measured
gradient, L̃ ← L̃ + (θ' − θ)·½(∇̃L + ∇̃L'), independently of the work, so that
L − L̃ = βW_ex becomes a check of the time step.

The model's numeric callables come from :func:`model_callables` and the
initial chains from :func:`initial_chains`: one call site each, so the
adapter and the equilibrium sampler can be swapped in one line.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import sympy as sp

from thermolearn.theory import EnergyModel, ParameterError

from ..equilibrium import free_energy, sample_equilibrium
from ._thermo import Thermo, thermo_for

__all__ = ["Ledger", "as_vec", "check_int", "model_callables", "initial_chains", "F_INTERP_ATOL",
           "F_FIT_MIN_ROWS"]


def as_vec(name, value, size):
    """``value`` as a finite float vector of length ``size`` (ParameterError otherwise)."""
    try:
        arr = np.atleast_1d(np.asarray(value, dtype=float)).reshape(-1)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number or a sequence of {size} numbers, got {value!r}") from None
    if arr.size != size:
        raise ParameterError(f"{name} must have {size} component(s), got {arr.size}: {value!r}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} must be finite, got {value!r}")
    return arr


def check_int(name, value, low):
    """``value`` as an int ≥ ``low`` (ParameterError otherwise)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ParameterError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


#: F(θ) of a one-parameter run in two coordinates (:func:`model_callables`, ``span``): the Chebyshev interpolant
#: must reproduce the grid free energy at its check points to this absolute error in βF.  The grid rule itself
#: converges ln Z to 1e-9 (``numeric.equilibrium``), and the ledger uses F only through βΔF in βW_ex, whose
#: statistical error is ~1e-3 or more: 1e-8 is far below both.
F_INTERP_ATOL = 1e-8
#: ... fitted only for runs that record at least this many rows: the fit costs 17 grid free energies or more
#: (then shared by every run of the same model and span), a row one.
F_FIT_MIN_ROWS = 33


def model_callables(model: EnergyModel, target, span=None, rows=None) -> Thermo:
    """One run's view of ``model`` with data from p_m(θ* = ``target``) (:func:`._thermo.thermo_for`).

    ``span`` = (θ0, θ*) of a run with one parameter, two coordinates and no
    closed form (and ``rows``, when given, at least :data:`F_FIT_MIN_ROWS`):
    F(θ) and the data moments (a two-dimensional grid sum each) are then
    served on the padded span by validated Chebyshev interpolants
    (:func:`numeric.metric._chebyshev.served`; F to :data:`F_INTERP_ATOL` in
    βF, the moments by :func:`numeric.metric._data.data_moments_fit`, shared
    with the run's geodesic schedule), and computed exactly outside it.
    """
    th = thermo_for(model, target)
    if span is None or th.n != 1 or th.d != 2 or th.quadratic or (rows is not None and rows < F_FIT_MIN_ROWS):
        return th
    from ..metric._chebyshev import served
    from ..metric._data import data_moments_fit  # numeric.metric imports this module (no import cycle at load)
    from ..metric._schedules import padded_span

    interval = padded_span(*span)
    if interval is None:
        return th
    d = data_moments_fit(th.twin, tuple(np.ravel(target).tolist()), *interval)
    return dataclasses.replace(th, free_energy=served(_free_energy_fit(th.twin, *interval), th.free_energy, 0),
                               data_energy=served(d, th.data_energy, 0),
                               data_gradient=served(d, th.data_gradient, slice(1, None)))


@functools.lru_cache(maxsize=8)
def _free_energy_fit(twin, lo, hi):
    """The validated Chebyshev interpolant of F on [lo, hi] (grid free energy at its nodes), or None."""
    from ..metric._chebyshev import chebyshev_fit

    return chebyshev_fit(lambda x: [free_energy(twin, np.array([x]))], lo, hi,
                         lambda v: [F_INTERP_ATOL / twin.beta], start=9, max_points=65)


def initial_chains(th: Thermo, theta0, u0, samples0, particles, rng):
    """Chains at t = 0: ``samples0``, else exact samples of p_m(θ₀), shifted to mean ``u0`` if given."""
    if samples0 is not None:
        X = np.array(samples0, dtype=float)
        if X.ndim == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != th.d or X.shape[0] < 2:
            raise ParameterError(f"samples0 must have shape (particles >= 2, {th.d}), got {np.shape(samples0)}")
        if not np.all(np.isfinite(X)):
            raise ParameterError("samples0 contains NaN or infinite values")
        return X
    X = sample_equilibrium(th.twin, theta0, particles, rng)  # exact, or inverse CDF
    m = th.gaussian(theta0)[0] if th.quadratic else X.mean(axis=0)
    if u0 is not None:
        X += u0 - m
    return X


@functools.lru_cache(maxsize=32)
def _theta_force_affine_in_x(model: EnergyModel) -> bool:
    """True when ∂θE is affine in x (∇ₓ²∂θE = 0): then ⟨∂θE(x, θ)⟩_s = ∂θE(⟨x⟩_s, θ) exactly."""
    return all(sp.diff(f, a, b) == 0 for f in model.dE_dtheta for a in model.x for b in model.x)


@functools.lru_cache(maxsize=32)
def _constant_theta_hessian(model: EnergyModel):
    """∇θ²E as a float array when it involves neither x nor θ (E at most quadratic in θ), else None."""
    H = sp.hessian(model.energy, model.theta)
    if any(h.free_symbols for h in H):
        return None
    return np.array(H.tolist(), dtype=float)


class Ledger:
    """Running totals and recorded rows of one training run (private, mutable).

    ``move(X, new)`` books a parameter move at frozen chains; ``record(t, X)``
    appends a row; :meth:`arrays` returns the recorded columns.  Averages
    over the chains are plain means, or ``weights``-weighted sums (weights
    of the rows of X summing to 1) when ``weights`` is set.
    """

    def __init__(self, th: Thermo, theta, weights=None):
        self.th = th
        self.weights = weights
        self._H = _constant_theta_hessian(th.twin.model)  # once per run: the cache lookup hashes the model
        # ⟨∂θE⟩_s from the chain mean when ∂θE is affine in x (one reduction instead of ∂θE over every chain)
        self._affine = weights is None and _theta_force_affine_in_x(th.twin.model)
        # one parameter with a constant ∇θ²E = h: the Taylor forms of move() in Python floats (the same
        # operations in the same order as the vector forms, so the same roundings; a dozen numpy calls fewer)
        self._h1 = float(self._H[0, 0]) if self._H is not None and th.n == 1 and weights is None else None
        self.theta = np.array(theta, dtype=float)
        self.W = 0.0
        self.Ed = th.data_energy(self.theta)
        # ⟨∂θE⟩_d at the current θ, carried from move to move by the exact Taylor form when ∇θ²E is constant
        # (chains unweighted; the data rule is normalised): no data quadrature per step
        self.dEd = th.data_gradient(self.theta) if self._H is not None and weights is None else None
        self.Lt = th.beta * (self.Ed - th.free_energy(self.theta))
        self.rows = {k: [] for k in ("t", "theta", "mean", "var", "W", "F", "L", "Lt")}

    def grad_tilde(self, X, theta=None):
        """∇̃L = β(⟨∂θE⟩_d − ⟨∂θE⟩_s) at ``theta`` (default: the current θ); keeps ⟨∂θE⟩_s in ``sample_dE``."""
        dEd = self.dEd if theta is None and self.dEd is not None else None
        theta = self.theta if theta is None else theta
        if self._affine:  # linearity of the average: ∂θE at the chain mean (equal up to rounding)
            self.sample_dE = self.th.dE_dtheta(self.mean(X)[None, :], theta)[0]
        else:
            self.sample_dE = self.mean(self.th.dE_dtheta(X, theta))
        return self.th.beta * ((self.th.data_gradient(theta) if dEd is None else dEd) - self.sample_dE)

    def mean(self, values):
        """Average over the chains (axis 0): plain, or with ``self.weights``."""
        if self.weights is None:  # the ufunc reduction itself (ndarray.mean adds ~10 us of Python a call)
            return np.add.reduce(values, axis=0) / values.shape[0]
        return np.tensordot(self.weights, values, axes=1)

    def move(self, X, new, line=None, sample_dE=None):
        """θ ← ``new`` at frozen chains: Sekimoto work and L̃ (module docstring).

        ``line`` = (∇̃L at θ, ∇̃L at ``new``) books L̃ by the trapezoidal line
        integral instead (the density trainer's independent route).
        ``sample_dE`` = ⟨∂θE(X, θ)⟩_s at the current θ over these X: for an
        energy at most quadratic in θ with a constant θ-Hessian H the work is
        then exactly Δθ·⟨∂θE⟩_s + ½ΔθᵀHΔθ (no energy evaluation over the chains).
        With such an H (and unweighted chains) the data averages move by the same exact form,
        ⟨E⟩_d ← ⟨E⟩_d + Δθ·⟨∂θE⟩_d + ½ΔθᵀHΔθ and ⟨∂θE⟩_d ← ⟨∂θE⟩_d + HΔθ (rounding grows with the
        number of moves: ~1e-13 relative after 10⁴; ``tests/numeric/test_langevin.py`` bounds it).
        """
        th = self.th
        if self._h1 is not None and line is None and sample_dE is not None and self.dEd is not None:
            step = float(new[0]) - float(self.theta[0])
            hstep = self._h1 * step
            dW = step * float(sample_dE[0]) + 0.5 * step * hstep
            Ed_new = self.Ed + (step * float(self.dEd[0]) + 0.5 * step * hstep)
            self.dEd = self.dEd + hstep
            self.W += dW
            self.Lt += th.beta * (Ed_new - self.Ed) - th.beta * dW
            self.Ed = Ed_new
            self.theta = np.array(new, dtype=float)
            return
        H = self._H if sample_dE is not None or self.dEd is not None else None
        if H is not None:
            step = np.asarray(new, dtype=float) - self.theta
            Hstep = H @ step
        if sample_dE is not None and H is not None:
            dW = float(step @ sample_dE + 0.5 * step @ Hstep)
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                dW = float(self.mean(th.energy(X, new) - th.energy(X, self.theta)))
        if self.dEd is not None:  # the same Taylor form for the data averages (exact: ∇θ²E is constant)
            Ed_new = self.Ed + float(step @ self.dEd + 0.5 * step @ Hstep)
            self.dEd = self.dEd + Hstep
        else:
            Ed_new = th.data_energy(new)
        self.W += dW
        if line is None:
            self.Lt += th.beta * (Ed_new - self.Ed) - th.beta * dW
        else:
            self.Lt += float((np.asarray(new) - self.theta) @ (0.5 * (line[0] + line[1])))
        self.Ed = Ed_new
        self.theta = np.array(new, dtype=float)

    def record(self, t, X):
        th, r = self.th, self.rows
        F = th.free_energy(self.theta)
        m = self.mean(X)
        r["t"].append(t)
        r["theta"].append(self.theta.copy())
        r["mean"].append(m)
        r["var"].append(self.mean((X - m) ** 2))
        r["W"].append(self.W)
        r["F"].append(F)
        r["L"].append(th.beta * (self.Ed - F))
        r["Lt"].append(self.Lt)

    def arrays(self) -> dict:
        """The recorded columns as the array fields of :class:`TrainingResult`."""
        r = {k: np.asarray(v) for k, v in self.rows.items()}
        return dict(times=r["t"], theta=r["theta"], sample_mean=r["mean"], sample_var=r["var"], work=r["W"],
                    free_energy=r["F"], excess_work=r["W"] - (r["F"] - r["F"][0]), bias=r["L"] - r["Lt"],
                    loss=r["L"], approx_loss=r["Lt"])
