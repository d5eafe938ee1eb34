"""``thermolearn derive ENERGY``: closed forms of an energy model (CLI.md).

The JSON object is assembled from *sections*: functions ``(model, at) ->
(keys, not_closed_form)`` listed in :data:`SECTIONS`.  Another layer's keys
(e.g. the thermodynamic metric) are added by appending one function there.
With ``--at NAME=VALUE`` a ``"numeric"`` object evaluates every quantity at
that point; the unevaluated integrals over x are evaluated by the numeric
equilibrium path (:mod:`thermolearn.numeric.equilibrium`: quadrature on the
found support of p_m), never by sympy ``evalf``.

Without ``--at`` only sympy is imported: no numpy/scipy/matplotlib on that path.
"""

from __future__ import annotations

from ._common import Output, add_energy_arguments, model_from_args, parse_assignments

HELP = "exact closed forms: drift, Fokker-Planck equation, stationary density, free energy, gradients, energetics"
FORMATS = ("text", "latex", "json")

#: Keys of CLI.md this command always emits, in order.
KEYS = (
    "energy", "x", "theta", "constants", "drift", "fokker_planck", "probability_current",
    "stationary_density", "free_energy", "mle_gradient", "persistent_chain_gradient",
    "excess_work_rate",
)


def configure(parser) -> None:
    add_energy_arguments(parser)
    parser.add_argument(
        "--at", action="append", default=[], metavar="NAME=VALUE",
        help="evaluate every quantity numerically with NAME=VALUE (repeatable; x, theta, beta, mu, constants, moments)",
    )


def _core_keys(model, at):
    """The symbolic core (theory.derive): the core keys of docs/cli.md."""
    from thermolearn.theory import derive

    fp = derive.fokker_planck(model)
    st = derive.stationary_density(model)
    fe = derive.free_energy(model)
    en = derive.energetics(model)
    density = st.density.subs(st.partition_symbol, fe.partition_function)
    keys = {
        "drift": list(fp.drift),
        "fokker_planck": fp.rhs,
        "probability_current": list(fp.current),
        "stationary_density": density,
        "stationarity_residual": st.residual,
        "stationary_current": list(st.current_residual),
        "partition_function": fe.partition_function,
        "free_energy": fe.free_energy,
        "free_energy_method": fe.method,
        "mle_gradient": list(derive.mle_gradient(model).components),
        "persistent_chain_gradient": list(derive.persistent_chain_gradient(model).components),
        "moments": dict(derive.persistent_chain_gradient(model).moments + derive.mle_gradient(model).moments),
        "model_moments": {s.name: v for s, v in zip(derive.moment_symbols(model, "m"), derive.model_moments(model))},
        "work_rate": en.work_rate,
        "heat_rate": en.heat_rate,
        "excess_work_rate": en.excess_work_rate,
        "excess_work": en.excess_work,
        "bias_theorem_residual": derive.bias_theorem(model).residual,
    }
    not_closed = [] if fe.closed_form else ["stationary_density", "partition_function", "free_energy", "excess_work"]
    if not fe.closed_form:
        keys["not_closed_form_reasons"] = {k: fe.reason for k in not_closed}
    if derive.quadratic_form(model) is not None:
        g = derive.gaussian_closure(model)
        keys["gaussian_closure"] = {
            "mean": list(g.mean), "covariance": g.covariance,
            "mean_rhs": list(g.mean_rhs), "covariance_rhs": g.covariance_rhs,
            "stationary_mean": list(g.stationary_mean), "stationary_covariance": g.stationary_covariance,
        }
    return keys, not_closed


def _metric_keys(model, at):
    """The metric keys: thermodynamic metric, learning-rate matrix, natural gradient (arXiv 2510.03137).

    Closed forms where they exist (energies quadratic in x); otherwise the
    general expressions (unevaluated integrals, one coordinate) listed under
    ``not_closed_form``; with ``--at`` these are evaluated by
    :func:`numeric.metric.metric_at` (quadrature or a generator solve).
    """
    from thermolearn.theory.metric import metric_closed_forms_within_budget, metric_general_forms

    found = metric_closed_forms_within_budget(model)
    keys = dict(found.value) if found.ok else {k: None for k in _METRIC_KEYS}
    missing = [k for k, v in keys.items() if v is None]
    if missing:
        general = metric_general_forms(model) or {}
        for k in missing:
            keys[k] = general.get(k)
    if not found.ok:
        keys["not_closed_form_reasons"] = {k: found.reason for k in missing}
    return keys, missing


#: Sections of the output, each ``(model, at) -> (dict of keys, list of not-closed keys)``.
SECTIONS = [_core_keys, _metric_keys]

#: Keys whose --at value comes from thermolearn.numeric.metric when there is no closed form.
_METRIC_KEYS = ("fisher_information", "friction_tensor", "relaxation_time", "learning_rate_matrix",
                "natural_gradient_flow", "thermodynamic_length_element")


class _Integrals:
    """Numbers for the definite integrals ∫ h(x) dx over all of x-space at one point.

    ∫ h dx = Z(θ)·⟨h e^{βE}⟩_{p_m(θ)}: the average is taken with the
    quadrature rule of :func:`numeric.equilibrium.equilibrium_rule` (found
    support), after sympy cancels the Boltzmann factor of h against e^{βE}.
    The float result is checked at the heaviest node against an mpmath
    evaluation of h·e^{βE} (catches an uncancelled product that overflowed
    or underflowed); an integral it cannot do is left as it is.  Values are
    sympy Floats, so Z beyond the float range stays exact in its exponent.
    """

    def __init__(self, model, values):
        self.model, self.at, self.memo, self._rule = model, values, {}, None
        self.error = None  # why p_m could not be resolved, if it could not

    def rule(self):
        if self._rule is None:
            from thermolearn.numeric.equilibrium import equilibrium_rule
            from thermolearn.numeric.model import numeric_twin
            from thermolearn.theory import NumericalError

            tw = numeric_twin(self.model, self.at)
            try:
                self._rule = (tw, equilibrium_rule(tw, [self.at[t.name] for t in self.model.theta]))
            except NumericalError as exc:
                self.error, self._rule = str(exc), (tw, None)
        return self._rule

    def __call__(self, integral):
        if integral not in self.memo:
            self.memo[integral] = self._evaluate(integral)
        return self.memo[integral]

    def _evaluate(self, integral):
        import mpmath
        import numpy as np
        import sympy as sp

        from thermolearn.numeric.codegen import lambdify

        xs = {s.name: s for s in self.model.x}
        limits = integral.limits
        if (any(len(lim) != 3 or lim[1] != -sp.oo or lim[2] != sp.oo for lim in limits)
                or sorted(lim[0].name for lim in limits) != sorted(xs)
                or any(t.name not in self.at for t in self.model.theta)):
            return integral
        tw, rule = self.rule()
        if rule is None:
            return integral
        own = {lim[0]: xs[lim[0].name] for lim in limits}
        bE = tw.model.beta * tw.model.energy.subs({t: sp.Rational(repr(float(self.at[t.name])))
                                                   for t in tw.model.theta})
        q = sp.powsimp(integral.function.xreplace(own) * sp.exp(bE), combine="exp")
        if q.free_symbols - set(tw.model.x):
            return integral
        vals = np.asarray(lambdify(q, tw.model.x)(*rule.x.T), dtype=float)
        k = int(np.argmax(rule.w))
        point = dict(zip(tw.model.x, rule.x[k].tolist()))
        with mpmath.workdps(30):
            exact = (integral.function.xreplace(own) * sp.exp(bE)).evalf(30, subs=point)
        if not (np.all(np.isfinite(vals)) and exact.is_number
                and abs(float(exact) - vals[k]) <= 1e-8 * max(abs(float(exact)), 1e-300)):
            return integral
        return sp.Float(float(rule.expect(vals)), 15) * sp.exp(sp.Float(rule.log_z, 17))


def _numeric(value, subs, integrals=None):
    """Evaluate ``value`` (expression, list, matrix, dict) at ``subs``.

    Definite integrals without free symbols are replaced by ``integrals``
    (an :class:`_Integrals`, memoised) when given.
    """
    import sympy as sp

    if isinstance(value, dict):
        return {k: _numeric(v, subs, integrals) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_numeric(v, subs, integrals) for v in value]
    if isinstance(value, sp.MatrixBase):
        return [[_numeric(v, subs, integrals) for v in value.row(i)] for i in range(value.rows)]
    if not isinstance(value, sp.Basic):
        return value
    expr = value.subs(subs)
    if integrals is not None:
        expr = expr.replace(lambda e: isinstance(e, sp.Integral) and not e.free_symbols, integrals)
    if expr.free_symbols or expr.has(sp.Integral):
        return expr
    number = sp.N(expr, 15)
    if number.is_real:
        value = float(number)
        return value if value not in (float("inf"), float("-inf")) else str(number)
    if number.is_number:
        return complex(number).real if abs(complex(number).imag) < 1e-300 else str(number)
    return number


def _check_at_values(model, at):
    """Before any derivation: β, μ and constants given with --at must be positive."""
    from thermolearn.theory import check_positive

    for name, value in at.items():
        if name in ("beta", "mu") or any(c.name == name for c in model.constants):
            check_positive(f"--at {name}", value)


def _check_at_names(at, lookup):
    from thermolearn.theory import ParameterError

    unknown = sorted(set(at) - set(lookup))
    if unknown:
        raise ParameterError(
            f"--at {unknown[0]}: unknown name; expected one of {', '.join(sorted(lookup))}"
        )


def run(args) -> Output:
    import sympy as sp

    from thermolearn.theory import ParameterError

    at = parse_assignments(args.at, "--at")
    both = sorted(set(at) & set(parse_assignments(args.set, "--set")))
    if both:
        raise ParameterError(f"--at {both[0]} and --set {both[0]} both give {both[0]}; use one of them")
    model = model_from_args(args)
    _check_at_values(model, at)
    data = {
        "energy": model.energy,
        "x": [s.name for s in model.x],
        "theta": [s.name for s in model.theta],
        "constants": [s.name for s in model.constants],
        "beta": model.beta,
        "mu": model.mu,
    }
    not_closed: list[str] = []
    for section in SECTIONS:
        keys, missing = section(model, at)
        reasons = keys.pop("not_closed_form_reasons", None)
        if reasons:
            data.setdefault("not_closed_form_reasons", {}).update(reasons)
        data.update(keys)
        not_closed.extend(missing)
    data["not_closed_form"] = not_closed
    data["warnings"] = list(model.warnings)
    if at:
        lookup = {s.name: s for s in _symbols_of(data)} | model.symbols
        _check_at_names(at, lookup)
        subs = {lookup[n]: sp.Rational(repr(v)) for n, v in at.items()}
        values = {}
        for name, sym in (("beta", model.beta), ("mu", model.mu)):
            if name not in at and sym.is_number:
                values[name] = float(sym)
        model_names = {t.name for t in model.theta} | {"beta", "mu"} | {c.name for c in model.constants}
        values.update({n: v for n, v in at.items() if n in model_names})
        absent = sorted(model_names - set(values))
        # integrals over x: the numeric equilibrium path, once every number of p_m is known
        # (μ does not enter p_m: any positive value builds the twin)
        integrals = None if set(absent) - {"mu"} else _Integrals(model, {"mu": 1.0, **values})
        # ⟨∂θE⟩_m is known once θ, β, constants are numbers: put it into the gradients
        for name, expr in data["model_moments"].items():
            value = _numeric(expr, subs, integrals)
            if isinstance(value, float) and name in lookup and lookup[name] not in subs:
                subs[lookup[name]] = sp.Float(value, 15)
        numeric_metric = [k for k in _METRIC_KEYS if k in not_closed]
        data["numeric"] = {k: _numeric(data[k], subs, integrals) for k in data if k not in
                           ("x", "theta", "constants", "not_closed_form", "warnings", "moments", "free_energy_method",
                            *numeric_metric)}
        if not absent:
            # numbers for the keys without closed form, and in every case the check that the
            # metric is symmetric positive definite at the requested point (else SingularMetricError)
            from thermolearn.numeric.metric import metric_at

            result = metric_at(model, {**values, **{k: at[k] for k in ("t", "tau") if k in at}})
            for k in numeric_metric:
                data["numeric"][k] = result.get(k)
            data["numeric"]["metric_method"] = result.get("method")
        elif numeric_metric:
            data["warnings"].append(
                f"numeric: the metric keys need values for {', '.join(absent)} (--at NAME=VALUE)"
            )
        left = sorted(k for k, v in data["numeric"].items() if _has_integral(v))
        if integrals is not None and integrals.error:
            data["warnings"].append(f"numeric: integrals over x not evaluated: {integrals.error}")
        if left:
            data["warnings"].append(
                f"numeric: {', '.join(left)} left as integrals (integrals over all x are evaluated once "
                "every parameter, beta, mu and constant has a value; others are left symbolic)"
            )
    # every symbol name in the output, to parse expressions back with plain sympy (docs/cli.md)
    data["symbols"] = sorted({s.name for s in _symbols_of({k: v for k, v in data.items() if k != "numeric"})})
    fmt = getattr(args, "format", "text")
    return Output(data=data, text=_text(data) if fmt == "text" else "",
                  latex=_latex(data) if fmt == "latex" else None)


def _has_integral(value) -> bool:
    import sympy as sp

    if isinstance(value, dict):
        return any(_has_integral(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_integral(v) for v in value)
    return isinstance(value, sp.Basic) and value.has(sp.Integral)


def _symbols_of(data):
    import sympy as sp

    found = set()

    def walk(v):
        if isinstance(v, dict):
            for w in v.values():
                walk(w)
        elif isinstance(v, (list, tuple)):
            for w in v:
                walk(w)
        elif isinstance(v, (sp.Basic, sp.MatrixBase)):
            found.update(s for s in v.free_symbols if isinstance(s, sp.Symbol))

    walk(data)
    return found


_SKIP_TEXT = {"moments", "gaussian_closure", "numeric", "not_closed_form_reasons", "symbols"}


def _fmt(value) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


def _pretty(value) -> str:
    """sympy's pretty printer (unicode where stdout can show it) for maths; str otherwise."""
    import sys

    import sympy as sp

    if isinstance(value, str) or value is None or isinstance(value, (bool, int, float)):
        return str(value)
    if isinstance(value, (list, tuple)) and not any(isinstance(v, (sp.Basic, sp.MatrixBase)) for v in value):
        return _fmt(value)
    unicode = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "").startswith("utf")
    try:
        return sp.pretty(list(value) if isinstance(value, tuple) else value, use_unicode=unicode)
    except Exception:  # noqa: BLE001 - printing must never fail the command
        return _fmt(value)


def _row(key: str, value, width: int, indent: str = "") -> list[str]:
    block = _pretty(value).splitlines() or [""]
    if len(block) == 1:
        return [f"{indent}{key:<{width}}  {block[0]}"]
    return [f"{indent}{key}:"] + [f"{indent}    {line}" for line in block]


def _text(data) -> str:
    keys = [k for k in data if k not in _SKIP_TEXT]
    width = max(len(k) for k in keys)
    lines = []
    for k in keys:
        lines.extend(_row(k, data[k], width))
    if "gaussian_closure" in data:
        g = data["gaussian_closure"]
        lines.extend(_row("dm/dt", g["mean_rhs"], width))
        lines.extend(_row("dC/dt", g["covariance_rhs"], width))
    for k, why in (data.get("not_closed_form_reasons") or {}).items():
        lines.append(f"{'':<{width}}  {k}: no closed form ({why})")
    lines.append("moments:")
    for name, what in data["moments"].items():
        lines.extend(_row(name, what, 0, "  "))
    if "numeric" in data:
        lines.append("numeric:")
        lines.extend(f"  {k:<{width}}  {_fmt(v)}" for k, v in data["numeric"].items())
    return "\n".join(lines)


def _latex(data) -> str:
    from thermolearn.theory.derive import latex

    rows = []
    for k, v in data.items():
        if k in _SKIP_TEXT or k in ("x", "theta", "constants", "not_closed_form", "warnings", "free_energy_method"):
            continue
        name = k.replace("_", r"\_")
        body = latex(v) if v is not None else r"\text{(no closed form)}"
        rows.append(rf"\text{{{name}}} &: {body}")
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"
