"""Run the theorem checks; assertion helpers for users' test suites."""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache

import numpy as np

from thermolearn.theory import EnergyModel, ModelError, ParameterError, energy_model

from . import _oracles as orc
from ._checks import CHECKS_STATIC, TheoremCheck, _Context
from ._dynamics import CHECKS_DYNAMIC
from ._ingredients import Providers

__all__ = ["CHECK_NAMES", "run_theorem_checks", "assert_theorems", "assert_metric", "format_failures"]

#: The checks, in the order they run and report.
CHECK_NAMES = tuple(f.__name__ for f in CHECKS_STATIC + CHECKS_DYNAMIC)


@contextmanager
def _one_blas_thread():
    """BLAS at one thread while the checks run (threadpoolctl; the caller's setting is restored after).

    Their linear algebra is small (2 × 2 rotations of grid points, n × n metrics, sparse
    solves), and OpenBLAS's threads synchronise and spin on every such call:
    ``thermolearn verify`` on ``(x1 - theta)**2/2 + (x2 - x1)**2/2 + x2**4/4`` took 9.1 CPU-s
    (9.5 s wall) with the default threads on two cores, 3.9 CPU-s (4.3 s wall) with one.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@lru_cache(maxsize=32)
def _parsed(energy, x, theta, model_kw):  # parsing + normalisability check: ~1 CPU-s, once per arguments
    return energy_model(energy, x=x, theta=theta, **dict(model_kw))


def _model(energy, x, theta, model_kw) -> EnergyModel:
    key = tuple(sorted(model_kw.items()))
    try:
        hash((energy, x, theta, key))
    except TypeError:  # unhashable arguments (a dict of values, a list of names): built afresh, not cached
        key = None
    if isinstance(energy, EnergyModel):
        model = energy
    else:
        model = _parsed(energy, x, theta, key) if key is not None else energy_model(energy, x=x, theta=theta, **model_kw)
    if not isinstance(model, EnergyModel):
        raise ModelError(f"energy must be a string or theory.EnergyModel, got {type(energy).__name__}")
    if len(model.x) > 2:
        raise ParameterError(f"verify supports 1 or 2 coordinates, got {len(model.x)}")
    return model


def run_theorem_checks(energy, *, x="x", theta="theta", seed: int = 0, quick: bool = True,
                       providers: Providers | None = None, only=None, **model_kw) -> list[TheoremCheck]:
    """Run every theorem check for an energy (string or :class:`theory.EnergyModel`).

    A check that cannot run (a singular metric, a diverging sampler, a
    quadrature that fails) is returned as failed with the reason; only bad
    input (an energy that cannot be parsed or has more than two
    coordinates) raises.

    Parameters
    ----------
    energy : str or theory.EnergyModel
    x, theta : str
        Coordinate and parameter names when ``energy`` is a string.
    seed : int
        Seed of the simulations (same seed, same numbers).
    quick : bool
        Fewer particles (2000 vs 20000) in the simulations.
    providers : Providers, optional
        Replace an ingredient (see :class:`Providers`).
    only : iterable of str, optional
        Run only the named checks.

    Examples
    --------
    >>> [c.name for c in run_theorem_checks("(x - theta)**2/2", only=["friction_tensor"])]
    ['friction_tensor']
    """
    model = _model(energy, x, theta, model_kw)
    wanted = CHECK_NAMES if only is None else tuple(only)
    unknown = sorted(set(wanted) - set(CHECK_NAMES))
    if unknown:
        raise ParameterError(f"unknown check(s) {unknown}; available: {list(CHECK_NAMES)}")
    out = []
    with _one_blas_thread():  # the check points' rules too (where p_m resolves decides the points)
        ctx = _Context(model, orc.twin(model), orc._theta_points(model), providers or Providers(),
                       np.random.default_rng(seed), 2000 if quick else 20000)
        for fn in CHECKS_STATIC + CHECKS_DYNAMIC:
            if fn.__name__ not in wanted:
                continue
            try:
                with np.errstate(all="ignore"):
                    out.append(fn(ctx))
            except Exception as exc:  # a check that cannot run is a failed check, with its reason
                reason = f"could not run: {type(exc).__name__}: {exc}"
                out.append(TheoremCheck(fn.__name__, False, None, None, (fn.__doc__ or "").split("\n")[0], reason))
    return out


def format_failures(checks) -> str:
    """One readable block per failed check: expected, measured, value, tolerance, reason, method."""
    lines = []
    for c in checks:
        if c.passed:
            continue
        lines.append(f"{c.name}: FAILED — {c.reason or 'value outside tolerance'}")
        if c.expected is not None or c.measured is not None:
            lines.append(f"    expected  {c.expected}")
            lines.append(f"    measured  {c.measured}")
        lines.append(f"    value     {c.value}   tolerance {c.tolerance}")
        lines.append(f"    how       {c.method}")
    return "\n".join(lines)


def assert_theorems(energy, **kwargs) -> list[TheoremCheck]:
    """``assert`` every theorem check for ``energy`` (for users' pytest suites).

    Raises ``AssertionError`` with, for each failing check, the expected and
    measured values, the tolerance, the reason and the two routes compared;
    returns the checks otherwise.  Keywords as :func:`run_theorem_checks`.

    >>> checks = assert_theorems("x**4/4 - theta*x", only=["fisher_information", "friction_tensor"])
    >>> all(c.passed for c in checks)
    True
    """
    checks = run_theorem_checks(energy, **kwargs)
    if not all(c.passed for c in checks):
        raise AssertionError("theorem check(s) failed:\n" + format_failures(checks))
    return checks


def assert_metric(energy, *, at, reference=None, fisher=None, friction=None, rtol: float = 1e-6,
                  x="x", theta="theta", **model_kw) -> dict:
    """Assert the thermodynamic metric of ``energy`` at θ = ``at``.

    Computes the Fisher information (β² Cov_m(∂θE) and, independently, the
    Hessian route β(⟨∂²θE⟩_m − ∂²θF)) and the friction tensor (generator
    solve), at the verifier's numbers for symbolic β, μ, constants (see
    :func:`evaluation_point`; pass ``beta=``, ``mu=``, ``values=`` to fix
    them).  Compares with ``reference`` (a dict with keys ``"fisher"``,
    ``"friction"``) or the ``fisher=``/``friction=`` matrices, to relative
    Frobenius error ``rtol``.  Raises ``AssertionError`` showing expected,
    measured, tolerance and reason; returns the computed matrices.

    >>> out = assert_metric("(x - theta)**2/2", at=0.3, beta=2, mu=4, fisher=[[2.0]], friction=[[0.25]])
    >>> round(out["friction"][0][0], 9)  # generator solve, Richardson-extrapolated
    0.25
    """
    model = _model(energy, x, theta, model_kw)
    num = orc.twin(model)
    th = np.atleast_1d(np.asarray(at, dtype=float))
    if th.shape != (len(model.theta),):
        raise ParameterError(f"at must give {len(model.theta)} parameter value(s), got {at!r}")
    with _one_blas_thread():
        cov, hess = orc.fisher_quadrature(num, th), orc.fisher_hessian(num, th)
        got = {"fisher": cov, "friction": orc.friction_reference(num, th)}
    wanted = dict(reference or {})
    wanted.update({k: v for k, v in (("fisher", fisher), ("friction", friction)) if v is not None})
    rel = lambda a, e: float(np.linalg.norm(a - e) / max(np.linalg.norm(e), 1e-300)) if a.shape == e.shape else None  # noqa: E731
    problems = []
    if rel(cov, hess) > 1e-5:
        problems.append(TheoremCheck("fisher (two routes)", False, rel(cov, hess), 1e-5, "relative Frobenius",
                                     "beta^2 Cov(dE/dtheta) and the Hessian of F disagree: the energy's numbers "
                                     "are unreliable", hess.tolist(), cov.tolist()))
    for key, value in wanted.items():
        if key not in got:
            raise ParameterError(f"reference keys must be 'fisher' or 'friction', got {key!r}")
        exp_ = np.atleast_2d(np.asarray(value, dtype=float))
        if rel(got[key], exp_) is None or rel(got[key], exp_) > rtol:
            problems.append(TheoremCheck(key, False, rel(got[key], exp_), rtol, "relative Frobenius", f"{key} at "
                                         f"theta = {th.tolist()} differs from the reference", exp_.tolist(),
                                         got[key].tolist()))
    if problems:
        raise AssertionError(f"metric check(s) failed for E = {model.energy}:\n" + format_failures(problems))
    return {k: v.tolist() for k, v in got.items()}
