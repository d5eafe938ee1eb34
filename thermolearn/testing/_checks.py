"""The theorem checks: each compares an ingredient with an independent route.

Every function takes a :class:`_Context` and returns a :class:`TheoremCheck`;
:func:`thermolearn.testing.run_theorem_checks` runs them and turns any
exception into a failed check that names the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from thermolearn.numeric.metric import check_positive_definite
from thermolearn.theory import NumericalError, SingularMetricError
from thermolearn.theory._budget import attempt
from thermolearn._report import N_SIGMA

from . import _oracles as orc

__all__ = ["TheoremCheck", "N_SIGMA", "CHECKS_STATIC"]

_EXACT = "exact (sympy simplify == 0)"


@dataclass(frozen=True)
class TheoremCheck:
    """One theorem check: ``passed`` iff ``value`` is within ``tolerance``.

    ``method`` names the two routes compared; ``reason`` says why a check
    failed or could not run (empty when it passed).
    """

    name: str
    passed: bool
    value: object
    tolerance: object
    method: str = ""
    reason: str = ""
    expected: object = None
    measured: object = None


@dataclass
class _Context:
    """What the checks share: the model with numbers, θ points, ingredients, rng, cached references."""

    model: object
    num: object
    points: list
    prov: object
    rng: np.random.Generator
    particles: int
    cache: dict = field(default_factory=dict)

    def ref(self, key, fn):
        if key not in self.cache:
            try:
                self.cache[key] = (True, fn())
            except Exception as exc:  # a reference that cannot be computed fails every check needing it
                self.cache[key] = (False, exc)
        ok, value = self.cache[key]
        if not ok:
            raise value
        return value

    def fisher_ref(self, i):
        return self.ref(("fisher", i), lambda: orc.fisher_hessian(self.num, self.points[i]))

    def friction_ref(self, i):
        if i == 0:
            self.modes()  # the first point's coarse solve with its modes, so it is solved once (see modes)
        return self.ref(("friction", i), lambda: orc.friction_reference(self.num, self.points[i]))

    def modes(self):
        """(times, shares) of the coordinates' slowest modes at the first θ point (coarse generator grid).

        Asked for before any other coarse solve at that point: the modes' solve serves them too, and
        :func:`orc.relaxation_modes` alone costs the eigensolve (other θ are solved without it).
        """
        return self.ref("modes", lambda: orc.relaxation_modes(self.num, self.points[0]))

    def X(self):
        return self.prov.dE_dtheta(self.num)

    def x_time(self):
        """βVar(x)/μ: the relaxation time of the coordinates (exact for a harmonic well)."""
        def compute():
            x1, x2 = orc.expect(self.num, self.points[0], lambda x: np.stack([x, x * x], axis=1))
            t_x = self.num.beta * float(np.min(x2 - x1**2)) / self.num.mu
            if not (t_x > 0 and math.isfinite(t_x)):
                raise NumericalError(f"the coordinates have no finite relaxation time ({t_x:.3g})")
            return t_x
        return self.ref("x_time", compute)

    def timescales(self):
        """(τ_R, dt): the slowest parameter relaxation time max eig(βI⁻¹ζ) and a Langevin step."""
        def compute():
            self.modes()  # see modes
            tau_r = relaxation_time(self.num, self.points[0])
            return tau_r, min(tau_r, self.x_time()) / 50
        return self.ref("timescales", compute)

    def window(self):
        """T for ∫⟨δX(t)δX(0)⟩dt: 10 τ_R, and long enough that each mode of the coordinates slower than
        1.25 τ_R leaves ≤ 0.5 % of ζ (mode k of time τ_k and share q_k of ζ: T ≥ 2τ_k ln(q_k/0.005); see
        the autocorrelation check).  τ_R integrates over all modes; a slow mode (a tilted valley, a barrier)
        can carry much of ζ while τ_R stays short."""
        def compute():
            tau_r = self.timescales()[0]
            need = [2 * t * math.log(q / 0.005) for t, q in zip(*self._slow_modes()) if q > 0.005]
            return max([10 * tau_r] + need)
        return self.ref("window", compute)

    def _slow_modes(self):
        """(times, shares) of the modes slower than 1.25 τ_R (the 10 τ_R window covers the others)."""
        times, shares = self.modes()
        slow = np.isfinite(times) & (times > 1.25 * self.timescales()[0])
        return times[slow], shares[slow]

    def response_time(self):
        """max(τ_R, Σ_k q_k τ_k + (1 − Σ_k q_k) τ_R) over the slow modes: the ζ-weighted mean relaxation
        time, which sets the O(τ/τ_protocol) correction to slow driving (other modes counted at τ_R)."""
        def compute():
            times, shares = self._slow_modes()
            tau_r = self.timescales()[0]
            return max(tau_r, float(np.sum(shares * times)) + max(0.0, 1.0 - float(np.sum(shares))) * tau_r)
        return self.ref("response_time", compute)


def relaxation_time(num, theta) -> float:
    """max eig(βI⁻¹ζ) with the reference metric (generator grid: β² Cov_m(∂θE) and the Poisson solve)."""
    fisher = _require_spd(orc.fisher_quadrature(num, theta), "reference Fisher information", theta)
    zeta = orc.friction_reference(num, theta)
    tau_r = float(np.max(np.linalg.eigvals(np.linalg.solve(fisher, num.beta * zeta)).real))
    if not (tau_r > 0 and math.isfinite(tau_r)):
        raise NumericalError(f"no finite parameter relaxation time (tau_R = {tau_r:.3g})")
    return tau_r


def _require_spd(A, name, theta):
    """:func:`numeric.metric.check_positive_definite` (finite, positive definite), and symmetric."""
    A = check_positive_definite(A, name, theta)
    if np.linalg.norm(A - A.T) > 1e-10 * np.linalg.norm(A):
        raise SingularMetricError(f"{name} at theta = {np.asarray(theta).tolist()} is not symmetric: {A.tolist()}")
    return A


def _rel(a, b):
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / max(np.linalg.norm(b), 1e-300))


# ------------------------------------------------------------------ exact / quadrature checks
def _exact_residual(r):
    """expand, powsimp, cancel, then simplify where that did not reach 0 (exact rewrites of ``r``)."""
    r = sp.cancel(sp.powsimp(sp.expand(r)))
    return r if r == 0 else sp.simplify(r)


def boltzmann_stationarity(ctx):
    """∂p/∂t = 0 for the claimed density under the Fokker–Planck operator (symbolic)."""
    model = ctx.model
    p = ctx.prov.density(model)
    raw = ctx.prov.fokker_planck(model, p) / p
    # exact rewrites (0 is a proof), within the symbolic budget (THERMOLEARN_SYMBOLIC_BUDGET): on a pair of steep
    # softplus walls expand/cancel alone ran for minutes
    tried = attempt(_exact_residual, raw, what="exact rewrites", quantities=2)
    residual = tried.value if tried.ok else raw
    method = "Fokker-Planck right-hand side (ingredient) applied to the claimed density, divided by it"
    if residual == 0:
        return TheoremCheck("boltzmann_stationarity", True, 0, _EXACT, method)
    # simplify may not reach 0 (log-cosh, softplus), or the budget ran out: evaluate the residual at numbers instead
    left = "simplify left a residual" if tried.ok else f"no exact rewrite ({tried.reason})"
    values = orc.evaluation_point(model)["values"]
    r = residual.subs({model.symbols[k]: v for k, v in values.items()})
    args = (*model.x, *model.theta)
    rng = np.random.default_rng(0)
    pts = rng.uniform(-2, 2, size=(8, len(args)))
    pts[:, len(model.x):] = np.abs(pts[:, len(model.x):]) + 0.5
    # exact rationals at the points (15-digit Floats would cap the accuracy of a residual whose terms cancel
    # over many orders of magnitude, e.g. exp(±6(x ∓ 2)) walls): evalf then reaches 30 correct digits
    vals = [abs(complex(sp.N(r.subs(dict(zip(args, map(sp.Rational, pt)))), 30))) for pt in pts]
    worst, at = max(vals), pts[int(np.argmax(vals))]
    tol = 1e-20
    text = str(residual)
    return TheoremCheck("boltzmann_stationarity", worst <= tol, float(worst), tol,
                        method + f"; {left}, evaluated at 8 points with 30 digits",
                        "" if worst <= tol else f"residual {text if len(text) <= 200 else text[:200] + ' ...'} is "
                        f"not zero ({worst:.3g} at {dict(zip(map(str, args), np.round(at, 6).tolist()))})")


def free_energy_gradient(ctx):
    """∂θF (Richardson difference of the ingredient F) = ⟨∂θE⟩_m (numeric quadrature of the ingredient X)."""
    num, theta = ctx.num, ctx.points[0]
    X, h, n = ctx.X(), 2e-3, len(theta)
    mean = orc.expect(num, theta, lambda x: X(x, theta))
    grad = np.empty(n)
    for j in range(n):
        def D(step):
            e = np.eye(n)[j] * step
            return (ctx.prov.free_energy(num, theta + e) - ctx.prov.free_energy(num, theta - e)) / (2 * step)
        grad[j] = (4 * D(h / 2) - D(h)) / 3  # error O(h^4)
    err = float(np.max(np.abs(grad - mean) / (1 + np.abs(mean))))
    tol = 1e-7
    return TheoremCheck("free_energy_gradient", err <= tol, err, tol,
                        "Richardson difference of F vs <dE/dtheta>_m by quadrature without closed forms "
                        "(numeric.equilibrium; relative; step 1e-3)",
                        "" if err <= tol else "dF/dtheta differs from <dE/dtheta>_m", mean.tolist(), grad.tolist())


def _metric_check(ctx, name, provided, reference, tol, method):
    worst, exp_, meas = 0.0, None, None
    for i, th in enumerate(ctx.points):
        A = _require_spd(np.atleast_2d(provided(ctx.num, th)), name, th)
        R = reference(i)
        if A.shape != R.shape:
            raise SingularMetricError(f"{name} has shape {A.shape}, expected {R.shape}")
        e = _rel(A, R)
        if e >= worst:
            worst, exp_, meas = e, R.tolist(), A.tolist()
    ok = worst <= tol
    return TheoremCheck(name, ok, worst, tol, method, "" if ok else f"{name} differs from the independent route",
                        exp_, meas)


def fisher_information(ctx):
    """I (ingredient) vs β(⟨∂²θE⟩_m − ∂²θF) (Hessian of the quadrature F, no closed form) at both θ points."""
    tol = 1e-5 if ctx.num.d == 1 else 1e-4
    return _metric_check(ctx, "fisher_information", ctx.prov.fisher, ctx.fisher_ref, tol,
                         "ingredient I vs beta*(<d2E/dtheta2>_m - Hessian of F) (Richardson difference of "
                         "quadrature F; relative Frobenius error; difference error ~ rtol/h^2)")


def friction_tensor(ctx):
    """ζ (ingredient) vs the generator (Poisson) solve of numeric.metric, Richardson-extrapolated."""
    tol = 1e-6 if ctx.num.d == 1 else (1e-4 if ctx.num.model.is_quadratic() else 2e-2)
    return _metric_check(ctx, "friction_tensor", ctx.prov.friction, ctx.friction_ref, tol,
                         "ingredient zeta vs the sparse generator solve (numeric.metric.friction_generator, "
                         "1-D: 2001/4001 points, 2-D: 101^2/201^2, Richardson O(h^4)); relative Frobenius error; "
                         "2-D non-quadratic: the ingredient's own grid error")


def natural_gradient_identity(ctx):
    """H(t) built from the ingredient metric satisfies (1 − βHζ)⁻¹H = I⁻¹/(τ − t) with the reference metric."""
    b, tau, worst = ctx.num.beta, 1.0, 0.0
    for i, th in enumerate(ctx.points):
        Z, I = np.atleast_2d(ctx.prov.friction(ctx.num, th)), np.atleast_2d(ctx.prov.fisher(ctx.num, th))
        Zr, Ir = ctx.friction_ref(i), ctx.fisher_ref(i)
        for t in (0.0, 0.3, 0.9):
            H = np.atleast_2d(ctx.prov.learning_rate_matrix(Z, I, b, t, tau))
            if not np.all(np.isfinite(H)):
                raise SingularMetricError(f"H(t = {t}) is not finite: {H.tolist()}")
            lhs = np.linalg.solve(np.eye(len(H)) - b * H @ Zr, H)
            rhs = np.linalg.inv(Ir) / (tau - t)
            worst = max(worst, _rel(lhs, rhs))
    tol = 1e-4 if (ctx.num.d == 1 or ctx.num.model.is_quadratic()) else 5e-2
    ok = worst <= tol
    return TheoremCheck("natural_gradient_identity", ok, worst, tol,
                        "H(t) from the ingredient (zeta, I) vs I_ref^-1/(tau - t) through (1 - beta H zeta_ref)^-1 H, "
                        "reference metric by the Hessian of F and the generator solve; t = 0, 0.3, 0.9, tau = 1 "
                        "(relative; reference accuracy)", "" if ok else "H(t) does not give the natural-gradient flow")


CHECKS_STATIC = (boltzmann_stationarity, free_energy_gradient, fisher_information, friction_tensor,
                 natural_gradient_identity)
