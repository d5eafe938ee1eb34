"""thermolearn.theory.metric: closed forms against independent derivations (arXiv 2510.03137)."""

import numpy as np
import pytest
import sympy as sp
from scipy import integrate

from thermolearn.theory import SingularMetricError
from thermolearn.theory.metric import (
    check_metric,
    christoffel_symbols,
    fisher_information,
    friction_tensor,
    geodesic_equations,
    learning_rate_matrix,
    mean_dE_dtheta,
    metric_closed_forms,
    natural_gradient_flow,
    natural_gradient_identity,
    relaxation_time,
    target_symbols,
    thermodynamic_divergence,
    thermodynamic_length,
    T_SYMBOL,
    TAU_SYMBOL,
)
from thermolearn.theory import models
from thermolearn.theory.models import gaussian_mean_variance, harmonic_trap, learnable_stiffness, quadratic_2d
from tests.tolerances import QUADRATURE_RTOL, MACHINE_RTOL


def test_fisher_of_normal_family_is_fisher_rao():
    # Fisher–Rao metric of N(m, s) in (mean, variance) coordinates: diag(1/s, 1/(2 s^2)) (standard result)
    m = gaussian_mean_variance(beta=1)
    s = m.theta[1]
    assert sp.simplify(fisher_information(m) - sp.diag(1 / s, 1 / (2 * s**2))) == sp.zeros(2, 2)


def test_fisher_is_minus_hessian_of_log_likelihood_expectation():
    # independent route: I = -E[∂²ln p] with p the normal density N(m, s/β) written out by hand
    m = gaussian_mean_variance()
    x = m.x[0]
    mm, s = m.theta
    b = m.beta
    logp = -b * (x - mm) ** 2 / (2 * s) - sp.log(2 * sp.pi * s / b) / 2
    dens = sp.exp(logp)
    hess = sp.hessian(logp, (mm, s))
    expected = -hess.applyfunc(lambda e: sp.integrate(e * dens, (x, -sp.oo, sp.oo)))
    assert sp.simplify(fisher_information(m) - expected) == sp.zeros(2, 2)


def _ou_covariance(A, beta, mu):
    """Stationary covariance from the OU Lyapunov equation B Σ + Σ Bᵀ = 2 D, B = μA, D = μ/β."""
    d = A.shape[0]
    S = sp.Matrix(d, d, lambda i, j: sp.Symbol(f"s{min(i, j)}{max(i, j)}"))
    sol = sp.solve(list(mu * A * S + S * (mu * A).T - 2 * mu / beta * sp.eye(d)), list(S.free_symbols), dict=True)[0]
    return S.subs(sol)


def test_quadratic_2d_matches_ou_lyapunov_forms():
    # θ enters linearly: X = -K (x - θ), so I = β² K Σ K and ζ = β K B⁻¹ Σ K with Σ from the Lyapunov eq.
    m = quadratic_2d()
    K = sp.hessian(m.energy, m.x)
    S = _ou_covariance(K, m.beta, m.mu)
    I_ind = m.beta**2 * K * S * K
    Z_ind = m.beta * K * (m.mu * K).inv() * S * K
    assert sp.simplify(fisher_information(m) - I_ind) == sp.zeros(2, 2)
    assert sp.simplify(friction_tensor(m) - Z_ind) == sp.zeros(2, 2)
    # arXiv 2510.03137: ζ = 1/μ (identity), I = βK
    assert sp.simplify(friction_tensor(m) - sp.eye(2) / m.mu) == sp.zeros(2, 2)


def test_stiffness_friction_from_autocorrelation_integral():
    # x is OU with rate μθ and variance Σ = 1/(βθ); Isserlis: Cov(x²(t)/2, x²(0)/2) = Σ² e^{-2μθt}/2
    m = learnable_stiffness()
    th, b, mu = m.theta[0], m.beta, m.mu
    t = sp.Symbol("t", positive=True)
    Sig = 1 / (b * th)
    zeta = b * sp.integrate(Sig**2 * sp.exp(-2 * mu * th * t) / 2, (t, 0, sp.oo))
    assert sp.simplify(friction_tensor(m)[0, 0] - zeta) == 0
    assert sp.simplify(fisher_information(m)[0, 0] - b**2 * Sig**2 / 2) == 0
    assert sp.simplify(relaxation_time(m) - 1 / (2 * mu * th)) == 0


def test_trap_metric_matches_closed_forms():
    # arXiv 2510.03137: ζ = 1/μ, I = βk, τ_R = 1/(μk)
    m = harmonic_trap()
    k = m.constants[0]
    assert friction_tensor(m) == sp.Matrix([[1 / m.mu]])
    assert sp.simplify(fisher_information(m)[0, 0] - m.beta * k) == 0
    assert sp.simplify(relaxation_time(m) - 1 / (m.mu * k)) == 0


@pytest.mark.parametrize("theta", [0.4, 1.0, 3.0])
def test_stiffness_closed_forms_against_scipy_quad(theta):
    # β = 1.5, μ = 0.7: I = β²Var(x²/2) and ⟨x²/2⟩ by scipy.integrate.quad over the Boltzmann density
    b, mu = 1.5, 0.7
    m = learnable_stiffness(beta=b, mu=mu)
    w = lambda x: np.exp(-b * theta * x**2 / 2)  # noqa: E731
    Z = integrate.quad(w, -np.inf, np.inf, epsabs=0, epsrel=1e-13)[0]
    m1 = integrate.quad(lambda x: x**2 / 2 * w(x), -np.inf, np.inf, epsabs=0, epsrel=1e-13)[0] / Z
    m2 = integrate.quad(lambda x: x**4 / 4 * w(x), -np.inf, np.inf, epsabs=0, epsrel=1e-13)[0] / Z
    th = m.theta[0]
    I = float(fisher_information(m)[0, 0].subs(th, theta))
    assert I == pytest.approx(b**2 * (m2 - m1**2), rel=QUADRATURE_RTOL)
    assert float(mean_dE_dtheta(m)[0].subs(th, theta)) == pytest.approx(m1, rel=QUADRATURE_RTOL)


def test_natural_gradient_identity_non_commuting_symbolic():
    for n in (2, 3):
        z = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"z{i}{j}"))
        f = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"f{i}{j}"))
        assert (z * f - f * z).expand() != sp.zeros(n, n)  # genuinely non-commuting
        assert natural_gradient_identity(z, f, sp.Symbol("beta")).expand() == sp.zeros(n, n)


def test_natural_gradient_identity_direct_form_on_model():
    m = quadratic_2d([[2, 1], [1, 3]])
    res = natural_gradient_identity(friction_tensor(m), fisher_information(m), m.beta, direct=True)
    assert sp.simplify(res) == sp.zeros(2, 2)


def test_natural_gradient_identity_numeric_random(rng):
    for _ in range(5):
        a, c = rng.standard_normal((2, 3, 3))
        Z, I = a @ a.T + np.eye(3), c @ c.T + np.eye(3)
        beta, s = 1.7, 0.6
        H = np.linalg.inv(beta * Z + s * I)
        lhs = np.linalg.solve(np.eye(3) - beta * H @ Z, H)
        assert np.allclose(lhs, np.linalg.inv(I) / s, rtol=MACHINE_RTOL * 1e3, atol=0)


def test_learning_rate_matrix_trap_is_continuous_schedule():
    # arXiv 2510.03137: H = 1/(β(1/μ + k(τ − t)))
    m = harmonic_trap()
    k = m.constants[0]
    H = learning_rate_matrix(friction_tensor(m), fisher_information(m), m.beta)[0, 0]
    assert sp.simplify(H - 1 / (m.beta * (1 / m.mu + k * (TAU_SYMBOL - T_SYMBOL)))) == 0


def test_natural_gradient_flow_trap_solution_is_linear_path():
    # arXiv 2510.03137: θ(t) = θ0 + (θ* − θ0) t/τ solves θ̇ = −I⁻¹∇L/(τ − t)
    m = harmonic_trap()
    flow = natural_gradient_flow(m, fisher_information(m), mean_dE_dtheta(m))[0]
    th0 = sp.Symbol("theta0")
    (star,) = target_symbols(m)
    path = th0 + (star - th0) * T_SYMBOL / TAU_SYMBOL
    assert sp.simplify(sp.diff(path, T_SYMBOL) - flow.subs(m.theta[0], path)) == 0


def test_metric_closed_forms_keys_and_none():
    from thermolearn.theory.models import double_well, quartic

    for model in (quartic(), double_well()):
        assert all(v is None for v in metric_closed_forms(model).values())
    forms = metric_closed_forms(gaussian_mean_variance())
    assert set(forms) == {
        "fisher_information", "friction_tensor", "relaxation_time", "learning_rate_matrix",
        "natural_gradient_flow", "thermodynamic_length_element",
    }
    assert all(v is not None for v in forms.values())


def test_christoffel_and_geodesics_of_sphere():
    th, ph = sp.symbols("theta phi", positive=True)
    g = sp.diag(1, sp.sin(th) ** 2)
    G = christoffel_symbols(g, (th, ph))
    assert sp.simplify(G[0][1][1] + sp.sin(th) * sp.cos(th)) == 0
    assert sp.simplify(G[1][0][1] - sp.cos(th) / sp.sin(th)) == 0
    t = sp.Symbol("t")
    eqs = geodesic_equations(g, (th, ph), t)
    # the equator θ = π/2, φ = t is a geodesic
    sub = {sp.Function("theta")(t): sp.pi / 2, sp.Function("phi")(t): t}
    assert all(sp.simplify(e.lhs.subs(sub).doit()) == 0 for e in eqs)


def test_divergence_bounds_length_squared():
    # Cauchy–Schwarz: 𝒥 ≥ 𝓛², equality for the constant-speed path (flat metric 1/μ)
    mu = sp.Symbol("mu", positive=True)
    t = sp.Symbol("t", positive=True)
    g, c = sp.Matrix([[1 / mu]]), (sp.Symbol("theta"),)
    for path, equal in (((2 * t,), True), ((2 * t**3,), False)):
        L = thermodynamic_length(g, c, path, t, 0, 1)
        J = thermodynamic_divergence(g, c, path, t, 0, 1)
        assert (sp.simplify(J - L**2) == 0) is equal
        assert sp.simplify(J - L**2).is_nonnegative


def test_check_metric_rejects_singular_and_indefinite():
    with pytest.raises(SingularMetricError, match="singular"):
        check_metric(sp.Matrix([[1, 2], [2, 4]]))
    with pytest.raises(SingularMetricError, match="not positive definite"):
        check_metric(sp.Matrix([[1, 0], [0, -3]]))
    s = sp.Symbol("s", negative=True)
    with pytest.raises(SingularMetricError):
        check_metric(sp.Matrix([[1 / s]]))
    assert check_metric(sp.Matrix([[sp.Symbol("a", positive=True)]])) is not None


# --- the rational short-cut of simplify, the cached Gaussian structure -------------------------------

_b, _m, _k, _t = sp.symbols("beta mu k t", positive=True)
_a = sp.Symbol("a", real=True)
RATIONAL = [
    (_k**2 - 1) / (_b * (_k - 1)),
    1 / (_b * (1 - _k * _t)) + 1 / _b,
    _m * _k / (_b * _k * _m * (_t - 3) + _b) - _a / (2 * _m),
    (_a - 2 * _k) ** 2 / (4 * _b * _k) - _a**2 / (4 * _b * _k) + _a / _b,
    sp.Integer(3) / 7,
]
NOT_RATIONAL = [sp.exp(_a) * sp.exp(-_a) + sp.sqrt(_k) ** 2 / _k, sp.sin(_a) ** 2 + sp.cos(_a) ** 2 - _b / _b]


@pytest.mark.parametrize("form", ["cancel", "factor", "terms"])
@pytest.mark.parametrize("expr", RATIONAL + NOT_RATIONAL)
def test_simplify_rational_is_the_same_function_as_simplify(expr, form):
    from thermolearn.theory.metric import simplify_rational

    got = simplify_rational(expr, form)
    assert sp.simplify(got - expr) == 0  # an independent proof of equality
    if form == "factor":  # the canonical factorisation, exactly what factor(simplify(.)) prints
        assert got == sp.factor(sp.simplify(expr))
    values = {_b: sp.Rational(3, 2), _m: sp.Rational(1, 3), _k: sp.Rational(5, 7), _t: sp.Rational(1, 9), _a: -2}
    assert abs(sp.N(got.subs(values) - expr.subs(values), 30)) < 1e-25  # at a point with beta, mu != 1
    assert simplify_rational(sp.Matrix([[expr, 0]]), form)[0, 0] == got


def test_simplify_rational_rejects_unknown_form():
    from thermolearn.theory.metric import simplify_rational

    with pytest.raises(ValueError, match="form"):
        simplify_rational(_k, "expand")


def test_gaussian_structure_is_cached_and_returns_copies():
    from thermolearn.theory.metric import gaussian_structure

    model = quadratic_2d()
    gaussian_structure.cache_clear()
    A, m, S, X0, g, M = gaussian_structure(model)
    A[0, 0] = 99
    S[0, 1] = 99
    g[0][0] = 99
    A2, m2, S2, X02, g2, M2 = gaussian_structure(model)
    assert A2[0, 0] != 99 and S2[0, 1] != 99 and g2[0][0] != 99  # a caller's edit does not reach the cache
    from thermolearn.theory.metric._gaussian import _structure

    assert _structure.cache_info().hits == 1


def test_relaxation_time_with_given_metric_equals_recomputed():
    model = quadratic_2d()
    I, Z = fisher_information(model), friction_tensor(model)
    assert relaxation_time(model, fisher=I, friction=Z) == relaxation_time(model)


def test_metric_closed_forms_of_quadratic_models_do_not_need_simplify():
    """The closed forms of the catalogue's quadratic models are rational: no ``sympy.simplify`` call, hence
    no import of ``sympy.physics.units`` (≈0.4 s of ``thermolearn derive``'s latency)."""
    import subprocess
    import sys

    probe = ("import sys; from thermolearn.theory.metric import metric_closed_forms;"
             "from thermolearn.theory.models import harmonic_trap, quadratic_2d, gaussian_mean_variance;"
             "[metric_closed_forms(f()) for f in (harmonic_trap, quadratic_2d, gaussian_mean_variance)];"
             "print('UNITS', 'sympy.physics.units' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "UNITS False" in proc.stdout


def test_metric_closed_forms_within_budget_once_per_model_and_budget(monkeypatch):
    """Kept per (model, budget): the same model is not attempted again, a new budget is; callers get copies;
    an energy not quadratic in x is answered (every key None) without an attempt."""
    from thermolearn.theory._budget import symbolic_budget
    from thermolearn.theory.metric import METRIC_KEYS, _closed, metric_closed_forms_within_budget

    asked = []
    real = _closed.attempt
    monkeypatch.setattr(_closed, "attempt", lambda f, *a, **k: asked.append(a[0]) or real(f, *a, **k))
    metric_closed_forms_within_budget.cache_clear()
    trap = models.harmonic_trap(k=3)
    first = metric_closed_forms_within_budget(trap)
    assert first.ok and first.value == metric_closed_forms(trap) and len(asked) == 1
    first.value["fisher_information"] = None  # a caller's change stays its own
    again = metric_closed_forms_within_budget(models.harmonic_trap(k=3))  # an equal model
    assert again.value == metric_closed_forms(trap) and len(asked) == 1
    with symbolic_budget(7):
        assert metric_closed_forms_within_budget(trap).value == again.value and len(asked) == 2
    quartic = metric_closed_forms_within_budget(models.quartic())
    assert quartic.ok and quartic.value == dict.fromkeys(METRIC_KEYS) and len(asked) == 2
