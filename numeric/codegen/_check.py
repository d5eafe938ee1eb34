"""``codegen --check``: generated code and internal callables against mpmath.

:func:`check_generated` evaluates every quantity of a model's generated
module — the numpy module, the C library (when a compiler is found) and the
internal :func:`~thermolearn.numeric.codegen.model_callable` — at random
points and at extreme ones (|x| up to 10³ with |θx| ≤ 10³, x near 0 down to
10⁻¹²) and compares with mpmath at 100 digits evaluating the expression as
written (no rewriting).

The error is reported in *ulp-scale* units: |got − exact| / (ε · s), with
ε = 2⁻⁵² and s the larger of (a) the largest magnitude among the top-level
additive terms of the exact value (|exact| for a non-sum) and (b) the
largest sensitivity |v ∂f/∂v| to a relative perturbation of one input v —
ε·s is the error of an evaluation that rounds each input and each top-level
term once, which no float64 code can avoid (cancellation between terms, or
exp(x − θ) amplifying the rounding of x − θ by |x − θ|, is not counted
against the code).  The reference runs at 100 digits (enough for the
cancellation of log(cosh(u)) at u = 10⁻¹⁸).  An exact value beyond the
float64 range must come out as the infinity of its sign; one below the
smallest normal number is compared on the absolute scale of that number.
"""

from __future__ import annotations

import ctypes
import shutil
import sys
import tempfile
from dataclasses import dataclass

import numpy as np
import sympy as sp

__all__ = ["CheckResult", "check_generated", "check_points"]

_EPS = float(np.finfo(float).eps)
_MAX = float(np.finfo(float).max)
_TINY = float(np.finfo(float).tiny)


@dataclass(frozen=True)
class CheckResult:
    """Max ulp-scale error per (language, quantity), and where it occurred."""

    errors: dict            # {language: {quantity: max ulp-scale error}}
    worst_points: dict      # {language: {quantity: {symbol: value}}}
    points: int
    skipped: tuple          # (language, reason) pairs

    @property
    def max_error(self) -> float:
        return max((e for q in self.errors.values() for e in q.values()), default=0.0)


def check_points(model, rng, n_random: int = 40) -> list[dict]:
    """Random and extreme evaluation points (dicts symbol name → float).

    Coordinates: random in [−3, 3] and the extremes ±10³, ±800, ±30, ±10⁻⁶,
    ±10⁻¹², 0; parameters: random in [−2, 2] (positive ones in (0.1, 2]),
    and 0.7, −1.3, 10⁻⁶ scaled so that |θx| ≤ 10³; β, μ, constants random
    in [0.5, 2].
    """
    xs = [s.name for s in model.x]
    ths = list(model.theta)
    rest = sorted({s.name for s in model.symbols.values()} - set(xs) - {t.name for t in ths}
                  | {s.name for s in (sp.sympify(model.beta).free_symbols | sp.sympify(model.mu).free_symbols)})
    rest += [n for n in ("t", "tau") if n not in rest]
    pts = []

    def theta_value(t, v):
        return abs(v) if t.is_positive else v

    for _ in range(n_random):
        p = {x: float(rng.uniform(-3, 3)) for x in xs}
        p.update({t.name: theta_value(t, float(rng.uniform(-2, 2)) or 0.3) for t in ths})
        p.update({k: float(rng.uniform(0.5, 2.0)) for k in rest})
        pts.append(p)
    for xv in (1e3, -1e3, 800.0, -800.0, 30.0, -30.0, 1e-6, -1e-6, 1e-12, 0.0):
        for tv in (0.7, -1.3, 1e-6, 1.0):
            p = {x: xv for x in xs}
            p.update({t.name: theta_value(t, tv) for t in ths})
            p.update({k: 1.3 for k in rest})
            pts.append(p)
    return [p for p in pts if all(abs(p[t.name] * p[x]) <= 1e3 + 1e-9 for t in ths for x in xs)]


def _exact(f, names, comps_mp, point):
    import mpmath

    args = [mpmath.mpf(point[n]) for n in names]
    out = []
    for value_fn, terms_fn, sens_fn in comps_mp:
        v = value_fn(*args)
        terms = [abs(t) for t in terms_fn(*args)] or [abs(v)]
        sens = [abs(d * a) for d, a in zip(sens_fn(*args), args)]
        out.append((v, max(terms + sens)))
    return out


def _ulps(got: float, exact, scale) -> float:
    import mpmath

    if not np.isfinite(got) and np.isnan(got):
        return float("inf")
    if abs(exact) > _MAX:
        return 0.0 if (np.isinf(got) and (got > 0) == (exact > 0)) else float("inf")
    s = max(float(scale), _TINY)
    return float(abs(mpmath.mpf(got) - exact) / (_EPS * s))


#: Copies of each point in one call of a ``_n`` entry point ("c_n"): a whole number of vectors of
#: every x86-64 vector width (2, 4, 8 doubles), so the vectorised loop body evaluates it.
_LANES = 8


def check_generated(model, *, rng=None, langs=("numpy", "c", "internal"), n_random: int = 40, cc: str = "cc"):
    """Max ulp-scale error of every generated quantity, per language (see module docstring).

    ``langs`` may also name ``"c_n"``: the C library's array entry points
    (``tl_energy_n`` …), each point evaluated as a block of 8 copies so that
    the vector-math build (:func:`build_c_library`) runs its vectorised loop
    body on it; the worst copy counts.

    >>> from thermolearn.theory import energy_model
    >>> r = check_generated(energy_model("log(cosh(theta*x)) + x**4/4"), langs=("numpy", "internal"),
    ...                     rng=np.random.default_rng(0), n_random=5)
    >>> r.max_error <= 4
    True
    """
    import mpmath

    from ._build import build_c_library, load_python_module
    from ._lambdify import lambdify
    from ._source import generate_c_module, generate_source, module_functions

    rng = np.random.default_rng(0) if rng is None else rng
    funcs = module_functions(model)
    pts = check_points(model, rng, n_random)
    errors, worst, skipped = {}, {}, []
    impls = {}
    if "numpy" in langs:
        mod = load_python_module(generate_source(model, "numpy"))
        impls["numpy"] = lambda f, pos, kw: np.ravel(getattr(mod, f.name)(*pos, **kw))
    if "internal" in langs:
        def sym(f):
            known = {s.name: s for c in f.components for s in c.free_symbols}
            return lambda name: known.get(name, sp.Symbol(name))

        calls = {f.name: lambdify(f.components if f.shape else f.components[0],
                                  [sym(f)(a) for a in f.args], keywords=[sym(f)(k) for k in f.keywords])
                 for f in funcs}
        impls["internal"] = lambda f, pos, kw: np.ravel(calls[f.name](*pos, **kw))
    tmp = None
    if "c" in langs or "c_n" in langs:
        if shutil.which(cc) is None:
            skipped += [(lang, f"no C compiler {cc!r}") for lang in ("c", "c_n") if lang in langs]
        else:
            tmp = tempfile.TemporaryDirectory()
            cmod = generate_c_module(model, prefix="tl_")
            lib = build_c_library(cmod.source, tmp.name, funcs, cc=cc, name="tl_check")
            def c_call(f, pos, kw):
                scalars = [float(v) for v in pos] + [float(kw[k]) for k in f.keywords]
                if f.shape:
                    buf = (ctypes.c_double * f.size)()
                    getattr(lib, "tl_" + f.name)(*scalars, buf)
                    return np.array(buf[:])
                return np.array([getattr(lib, "tl_" + f.name)(*scalars)])
            def c_n_call(f, pos, kw):
                ptr = ctypes.POINTER(ctypes.c_double)
                arrays = [np.full(_LANES, float(v)) for v in pos]
                out = np.empty(_LANES * f.size)
                getattr(lib, "tl_" + f.name + "_n")(_LANES, *[a.ctypes.data_as(ptr) for a in arrays],
                                                    *[float(kw[k]) for k in f.keywords], out.ctypes.data_as(ptr))
                return out.reshape(_LANES, f.size)
            if "c" in langs:
                impls["c"] = c_call
            if "c_n" in langs:
                impls["c_n"] = c_n_call
    try:
        with mpmath.workdps(100):
            for f in funcs:
                names = list(f.args + f.keywords)
                syms = [sp.Symbol(n) for n in names]
                plain = [c.xreplace({s: sp.Symbol(s.name) for s in c.free_symbols}) for c in f.components]
                comps_mp = [(sp.lambdify(syms, c, modules="mpmath"),
                             sp.lambdify(syms, list(sp.Add.make_args(sp.expand(c) if c.is_Add else c)),
                                         modules="mpmath"),
                             sp.lambdify(syms, [sp.diff(c, s) for s in syms], modules="mpmath")) for c in plain]
                for p in pts:
                    ex = _exact(f, names, comps_mp, p)
                    pos = [p[a] for a in f.args]
                    kw = {k: p[k] for k in f.keywords}
                    for lang, impl in impls.items():
                        with np.errstate(all="ignore"):
                            got = impl(f, pos, kw)
                        e = max(_ulps(float(g), v, s) for r in np.reshape(got, (-1, len(ex)))
                                for g, (v, s) in zip(r, ex))
                        if e >= errors.setdefault(lang, {}).get(f.name, -1.0):
                            errors[lang][f.name] = e
                            worst.setdefault(lang, {})[f.name] = p
    finally:
        if tmp is not None and sys.platform != "win32":
            tmp.cleanup()
    return CheckResult(errors, worst, len(pts), tuple(skipped))
