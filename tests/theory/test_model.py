"""EnergyModel construction and validation (bad input gets a clear error)."""

import pytest
import sympy as sp

from thermolearn.theory import (
    BETA,
    MU,
    EnergyModel,
    ModelError,
    NotNormalisableError,
    ParameterError,
    ParseError,
    energy_model,
    models,
)
from thermolearn.theory._normalisable import normalisability


def test_string_and_sympy_builders_agree():
    x, th = sp.symbols("x theta")  # plain symbols: the builder attaches assumptions
    a = energy_model("(x - theta)**2/2")
    b = energy_model((x - th) ** 2 / 2)
    assert a == b
    assert a.x[0].is_real and a.theta[0].is_real
    assert a.beta is BETA and a.mu is MU


def test_multi_dimensional_with_constants():
    m = energy_model("k*(x1 - a)**2/2 + (x2 - b)**2*c", x="x1,x2", theta="a,b")
    assert [s.name for s in m.x] == ["x1", "x2"]
    assert [s.name for s in m.theta] == ["a", "b"]
    assert [s.name for s in m.constants] == ["c", "k"]
    assert all(c.is_positive for c in m.constants)


def test_numeric_beta_mu_and_values():
    m = energy_model("k*(x - theta)**2/2", beta=2, mu=0.5, values={"k": 3})
    assert m.beta == 2 and m.mu == sp.Rational(1, 2)
    assert m.energy == sp.Rational(3, 2) * (m.x[0] - m.theta[0]) ** 2
    assert m.constants == ()


def test_beta_inside_energy_takes_given_value():
    m = energy_model("beta*(x - theta)**2", beta=2)
    assert not m.energy.has(BETA)
    assert sp.simplify(m.energy - 2 * (m.x[0] - m.theta[0]) ** 2) == 0


def test_catalogue_models_build_and_are_hashable():
    for name, factory in models.CATALOGUE.items():
        m = factory()
        assert hash(m) == hash(factory()), name


@pytest.mark.parametrize("kwargs", [{"beta": 0}, {"beta": -1}, {"mu": 0}, {"mu": -2.5}, {"beta": float("nan")},
                                    {"mu": float("inf")}, {"beta": True}, {"beta": sp.oo}])
def test_non_positive_beta_mu_rejected(kwargs):
    with pytest.raises(ParameterError) as info:
        energy_model("(x - theta)**2/2", **kwargs)
    name = next(iter(kwargs))
    assert name in str(info.value)


def test_negative_constant_value_rejected():
    with pytest.raises(ParameterError, match="k"):
        energy_model("k*(x - theta)**2/2", values={"k": -1})


def test_parameter_equal_to_coordinate_rejected():
    with pytest.raises(ModelError, match="x and theta must differ"):
        energy_model("(x - theta)**2/2", x="x", theta="x")


def test_energy_without_theta_rejected():
    with pytest.raises(ModelError, match="does not depend on theta"):
        energy_model("x**2/2")
    with pytest.raises(ModelError, match=r"parameter\(s\) \['b'\]"):
        energy_model("(x - a)**2", theta="a,b")


@pytest.mark.parametrize("name", ["beta", "mu", "t", "_x", "1x", "x y"])
def test_bad_names_rejected(name):
    with pytest.raises(ModelError):
        energy_model("(x - theta)**2/2", theta=name)


def test_repeated_or_empty_names_rejected():
    with pytest.raises(ModelError, match="repeated"):
        energy_model("(x - theta)**2", theta="theta,theta")
    with pytest.raises(ModelError, match="at least one"):
        energy_model("(x - theta)**2", theta="")


@pytest.mark.parametrize(
    "energy, why",
    [("-x**2 + theta*x", "not positive"), ("x**3 + theta*x", "odd degree 3"), ("theta*x", "odd degree 1"),
     ("theta", "does not depend on x"), ("-x**4 + theta*x", "negative leading"),
     ("exp(x) + theta", "finite value"), ("(x1 + x2)**2 + theta*x1", "not positive definite")],
)
def test_not_normalisable_rejected_with_reason(energy, why):
    xs = "x1,x2" if "x1" in energy else "x"
    with pytest.raises(NotNormalisableError, match=why):
        energy_model(energy, x=xs)


def test_undecidable_normalisability_warns():
    m = energy_model("theta*x**2")  # normalisable only for theta > 0
    assert any("theta > 0" in w for w in m.warnings)
    assert energy_model("theta*x**2", positive_theta=True).warnings == ()
    assert energy_model("cosh(x - theta)").warnings  # +oo at both ends: not proved


def test_normalisability_positive_cases():
    assert normalisability(models.quadratic_2d([[2, 1], [1, 3]]))[0] is True
    assert normalisability(energy_model("x1**4 + x2**6 + theta*x1*x2", x="x1,x2"))[0] is True
    assert normalisability(models.double_well())[0] is True


def test_undeclared_symbol_and_wrong_types():
    x, th, z = sp.symbols("x theta z", real=True)
    with pytest.raises(ModelError, match="undeclared"):
        EnergyModel((x - th) ** 2 + z, (x,), (th,))
    with pytest.raises(ModelError, match="string or sympy"):
        energy_model(3)
    with pytest.raises(ParseError):
        energy_model("x.real + theta")


def test_substitute():
    m = energy_model("k*(x - theta)**2/2").substitute({"k": 2, "beta": 0.5})
    assert m.beta == sp.Rational(1, 2) and m.constants == ()
    with pytest.raises(ModelError, match="coordinate or parameter"):
        m.substitute({"theta": 1})
    with pytest.raises(ModelError, match="no symbol"):
        m.substitute({"q": 1})
    with pytest.raises(ParameterError, match="must be set to a number"):
        energy_model("k*(x - theta)**2/2").substitute({"k": "x"})


def test_repr_latex():
    assert energy_model("(x - theta)**2/2")._repr_latex_().startswith("$E(x; \\theta)")


@pytest.mark.parametrize("energy", ["t*(x - theta)**2", "(x - theta)**2/tau"])
def test_time_names_reserved_in_energy(energy):
    with pytest.raises(ModelError, match="reserved"):
        energy_model(energy)


def test_found_limits_are_reused_per_energy_only(monkeypatch):
    """A model and its twin (β, μ substituted, same energy) ask sympy for E(±∞) once; the cache is
    keyed by the energy, so a different energy is decided afresh (exp(x) + θ stays rejected)."""
    from thermolearn.theory import _normalisable

    calls = []
    real = _normalisable.attempt
    monkeypatch.setattr(_normalisable, "_FOUND_LIMITS", {})
    monkeypatch.setattr(_normalisable, "attempt", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    m = energy_model("exp(x**2) + theta*x")
    assert len(calls) == 2  # +oo and -oo
    assert m.substitute({"beta": 2, "mu": 3}).warnings == m.warnings and len(calls) == 2
    with pytest.raises(NotNormalisableError, match="finite value"):
        energy_model("exp(x) + theta")
    assert len(calls) == 4  # the new energy is asked afresh (+oo, then its finite limit at -oo)


# ---- E -> +oo at both ends without sympy.limit: an even power dominating a bounded-growth rest
_X, _TH = sp.Symbol("x", real=True), sp.Symbol("theta", real=True)


@pytest.mark.parametrize("energy", [
    _TH * _X + _X**2 + sp.sin(_X**2),
    _TH * _X + _X**2 + 2 * _X * sp.cos(_X),
    (_X - _TH) ** 2 / 2 + sp.log(_X**2 + 1),
    _TH * sp.sqrt(_X**2 + 1) + _X**2,
    (_X - _TH) ** 2 / 2 - 1 + sp.exp(-_X**2),
    _X**2 / 2 + sp.log(sp.exp(_X - _TH) + 1),
    _X**4 / 4 - _TH * _X**3 + _X / (1 + sp.exp(-_X)),
])
def test_even_power_dominance_is_what_sympy_limit_finds(energy):
    """The structural bound answers +oo at both ends exactly where sympy.limit (when it decides) does."""
    from thermolearn.theory._normalisable import _even_power_dominates

    assert _even_power_dominates(energy, _X)
    assert sp.limit(energy, _X, sp.oo) == sp.oo and sp.limit(energy, _X, -sp.oo) == sp.oo


@pytest.mark.parametrize("energy", [
    _X**2 - sp.sqrt(_X**4 + 1),  # the rest as large as the power: E -> 0 (not normalisable)
    _X**2 + _X**2 * sp.sin(_X),  # E = 0 at points of every size: no limit
    _X**2 - _X**2 * sp.cos(_X) ** 2,
    _X**2 - sp.log(sp.cosh(_X**2)),  # log cosh as large as the power: E -> log 2
    _X**2 - sp.log(sp.exp(_X**2) + 1),  # softplus as large as the power: E -> 0
    -_X**2 + sp.sin(_X),  # negative leading coefficient
    _X**3 + sp.atan(_X),  # odd degree
    _TH * _X**2 + sp.sin(_X),  # leading coefficient of unknown sign (theta real)
    _X**2 + sp.exp(_X),  # exponential growth is not bounded by a power (sympy decides it)
    _X**2 + _X**2 * sp.log(_X**2 + 1),  # x^2 log: order above 2
    _X**2 + sp.log(_X**2),  # log of an argument reaching 0
    _X**2 - 1 / (1 / (_X**2 + 1) + 1 / (_X**4 + 1)),  # a negative power of a base tending to 0: E -> 0
    _X**2 + sp.I * sp.sin(_X),  # not real
])
def test_even_power_dominance_declines_what_it_cannot_show(energy):
    from thermolearn.theory._normalisable import _even_power_dominates

    assert not _even_power_dominates(energy, _X)


def test_dominated_energy_builds_without_sympy_limit(monkeypatch):
    """log-cosh and softplus on a quadratic: the verdict (a warning, E -> +oo at both ends) without a fork."""
    from thermolearn.theory import _normalisable

    calls = []
    monkeypatch.setattr(_normalisable, "_FOUND_LIMITS", {})
    monkeypatch.setattr(_normalisable, "attempt", lambda *a, **k: calls.append(a[1]))
    for text in ("x**2/8 + log(cosh(x - theta))", "x**4/4 + softplus(theta*x)", "(x - theta)**2 + tanh(x)"):
        m = energy_model(text)
        assert any("+oo at both ends" in w for w in m.warnings), (text, m.warnings)
    assert calls == []


@pytest.mark.parametrize("energy", [
    sp.exp(_X - _TH) - _X,
    _TH * _X + sp.cosh(_X),
    sp.cosh(_X - _TH),
    sp.exp(_X) - _X**3 + _TH * _X,
])
def test_exponential_dominance_is_what_sympy_limit_finds(energy):
    from thermolearn.theory._normalisable import _exponentials_or_powers_dominate

    assert _exponentials_or_powers_dominate(energy, _X)
    assert sp.limit(energy, _X, sp.oo) == sp.oo and sp.limit(energy, _X, -sp.oo) == sp.oo


@pytest.mark.parametrize("energy", [
    _TH + sp.exp(_X),  # finite at -oo (not normalisable)
    sp.exp(_X) - _X**2,  # -oo at -oo
    sp.exp(_X) + _X**3,  # -oo at -oo
    _X**2 - sp.cosh(_X),  # a negative exponential
    sp.cosh(_X) - sp.exp(2 * _X),  # a faster negative exponential beside the growing one
    sp.exp(_TH * _X) + sp.exp(-_X),  # the sign of theta decides
    sp.exp(_X**2) + _TH * _X,  # a non-linear argument (not examined here)
])
def test_exponential_dominance_declines_what_it_cannot_show(energy):
    from thermolearn.theory._normalisable import _exponentials_or_powers_dominate

    assert not _exponentials_or_powers_dominate(energy, _X)
