"""Propagate a density under a prescribed protocol θ(t) and book its energetics."""

from __future__ import annotations

import numpy as np

from thermolearn.theory import ParameterError

from ..model import numeric_twin

from ._energetics import boltzmann
from ._engine import Engine, time_nodes
from ._grid import Grid, auto_grid, check_grid
from ._result import FokkerPlanckResult

__all__ = ["propagate", "prepare_grid", "initial_density"]


def prepare_grid(tw, thetas, grid, *, mass_tol, boundary="reflecting"):
    """The automatic grid, or the user's grid after :func:`check_grid`, for the *distinct* θ in ``thetas``.

    Both criteria are maxima over θ, so a repeated θ (a static protocol probes the same θ a dozen
    times) changes nothing and is checked once.
    """
    distinct = {}
    for t in thetas:
        t = np.atleast_1d(np.asarray(t, float))
        tw.theta_vector(t)
        distinct.setdefault(t.tobytes(), t)
    thetas = list(distinct.values())
    if grid is None:
        g = auto_grid(tw, thetas, mass_tol=mass_tol)
        return g if boundary == "reflecting" else Grid(g.lower, g.upper, g.cells, boundary)
    if not isinstance(grid, Grid):
        raise ParameterError(f"grid must be a numeric.fokker_planck.Grid or None, got {type(grid).__name__}")
    if grid.dim != tw.d:
        raise ParameterError(f"grid is {grid.dim}-D but the energy has {tw.d} coordinate(s)")
    check_grid(tw, grid, thetas, mass_tol=mass_tol)
    return grid


def initial_density(tw, grid, theta0, p0=None, u0=None):
    """Cell probabilities at t = 0.

    ``p0`` (array of cell probabilities or densities, normalised here) wins;
    else the Boltzmann density at θ₀, translated so that its mean is ``u0``
    when given (the chains "start at u0", arXiv 2510.03137).
    """
    if p0 is not None:
        P = np.array(p0, dtype=float)
        if P.shape != grid.shape:
            raise ParameterError(f"p0 must have the grid shape {grid.shape}, got {P.shape}")
        if not np.all(np.isfinite(P)) or np.any(P < 0) or P.sum() <= 0:
            raise ParameterError("p0 must be finite, non-negative and not all zero")
        return P / P.sum()
    if u0 is None:
        return boltzmann(tw, grid, theta0)
    u0 = np.atleast_1d(np.asarray(u0, float))
    if u0.shape != (tw.d,) or not np.all(np.isfinite(u0)):
        raise ParameterError(f"u0 must be {tw.d} finite number(s), got {u0.tolist()}")
    P = boltzmann(tw, grid, theta0)
    shift = u0 - np.tensordot(P, grid.points, axes=P.ndim)
    return boltzmann(tw, grid, theta0, energy=tw.energy(grid.points - shift, theta0))  # the density at x − shift


def propagate(model, protocol, *, steps=200, grid=None, p0=None, u0=None, method="auto",
              boundary="reflecting", mass_tol=1e-8) -> FokkerPlanckResult:
    """Solve the Fokker–Planck equation under θ(t) = ``protocol`` on [0, τ].

    ∂p/∂t = μ∇·(p∇E(x, θ(t))) + (μ/β)Δp (arXiv 2510.03137, the sampler's Fokker–Planck equation),
    discretised with Scharfetter–Gummel fluxes (see ``_operator``) and
    stepped with TR-BDF2 or backward Euler (``method``; the default ``"auto"``
    is TR-BDF2 with the steps at frozen θ of a 1-D reflecting grid exact in
    time, by the spectral propagator of ``_operator``); the density starts in the
    Boltzmann state at θ(0⁻) unless ``p0``/``u0`` are given.

    Parameters
    ----------
    model : theory.EnergyModel
        With numeric β, μ and constants; 1 or 2 coordinates.
    protocol : Protocol
    steps : int
        Uniform steps on [0, τ] (jump times are added as nodes).
    grid : Grid, optional
        Default: :func:`auto_grid` for the θ values the protocol visits.
        A user grid is checked (mass cut off, resolution) first.

    Returns
    -------
    FokkerPlanckResult
        ``bias`` is None (no learning objective).

    Examples
    --------
    >>> from thermolearn.theory.models import harmonic_trap
    >>> from thermolearn.numeric.fokker_planck import Protocol
    >>> r = propagate(harmonic_trap(k=1, beta=1, mu=1), Protocol.linear(0, 1, 1.0), steps=50)
    >>> bool(abs(r.mass[-1] - 1) < 1e-12), bool(r.work[-1] > 0)
    (True, True)
    """
    from ._protocol import Protocol

    if not isinstance(protocol, Protocol):
        raise ParameterError(f"protocol must be a numeric.fokker_planck.Protocol, got {type(protocol).__name__}")
    tw = numeric_twin(model)
    nodes = time_nodes(protocol.tau, steps, [t for t, _, _ in protocol.jumps])
    jumps = {t: (l, r) for t, l, r in protocol.jumps}
    start = jumps[0.0][0] if 0.0 in jumps else protocol(0.0)
    probe = [start] + [protocol(t) for t in np.linspace(0, protocol.tau, 11)] + [l for l, _ in jumps.values()]
    g = prepare_grid(tw, probe, grid, mass_tol=mass_tol, boundary=boundary)
    eng = Engine(tw, g, initial_density(tw, g, start, p0, u0), start, method=method)
    for k in range(len(nodes) - 1):
        t0, t1 = nodes[k], nodes[k + 1]
        if t0 in jumps:
            eng.jump(jumps[t0][1])
        th0 = eng.theta
        th1 = jumps[t1][0] if t1 in jumps else protocol(t1)
        P1, stages = eng.advance(eng.P, th0, th1, t1 - t0)
        eng.commit(P1, th1, t1 - t0, stages)
    if nodes[-1] in jumps:
        eng.jump(jumps[nodes[-1]][1])
    a = eng.arrays()
    return FokkerPlanckResult(**a, bias=None, loss=None, approx_loss=None, density=eng.P, grid=g, beta=tw.beta,
                              method="fokker-planck", schedule=protocol.name, dt=float(protocol.tau / steps))
