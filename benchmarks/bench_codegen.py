"""Generated code against hand-written numpy, and generated C against numpy.

Rows (``ratio`` = peer cost / thermolearn cost):

* ``codegen/numpy-vs-hand/<formula>`` — hand-written numpy expression of the
  same formula / the generated numpy module's ``energy`` (target ≥ 1/1.5:
  generated code within 1.5× of hand-written);
* ``codegen/numpy-vs-hand/<formula>-drift`` — the same for the drift
  (the generated one returns shape (n, 1), so it pays one stacking copy);
* ``codegen/c-vs-numpy/<formula>`` — generated numpy / generated C
  (``energy_n`` through ctypes, compiled ``-O2``; where glibc's libmvec is
  installed its loop calls the vector ``sin``/``exp``, ≤ 4 ulp, see
  ``build_c_library``; ``details.vector_math`` says which), target ≥ 1
  (C faster).

* ``codegen/catalogue/<model>/<quantity>`` — every catalogue model's
  energy, drift and ∂θE from ``model_callable`` against the best
  hand-written numpy (products, no pow); target within 1.3×.

Every row also checks that the three implementations agree (max relative
difference in ``details``).  Sizes: tiny 10³ points, quick 10⁵, full 10⁶.

Timing: the contenders of a row are timed in turn, the order reversed every
other round, and the ratio is that of the *minimum* CPU time over the
rounds (``ratio_median`` in ``details`` is the ratio of the medians): a call
of 10⁵ points takes 0.1–4 ms, and on a shared machine a neighbour's cache
traffic or a preemption only ever adds time to a round, so the median of a
few rounds moved a 1.0 ratio to 0.73 in one run (see ``_harness``).
"""

from __future__ import annotations

import ctypes
import tempfile

import numpy as np

import statistics

from benchmarks._harness import measure_interleaved, row

__all__ = ["run", "FORMULAS"]

_SIZES = {"tiny": 1_000, "quick": 100_000, "full": 1_000_000}

#: name -> (energy string, hand-written numpy energy, hand-written numpy drift at μ = 1)
FORMULAS = {
    "double_well": ("x**4/4 - x**2/2 - theta*x", lambda x, th: x**4 / 4 - x**2 / 2 - th * x,
                    lambda x, th: -(x**3 - x - th)),
    "damped_sine": ("x**4/4 + exp(-theta*x)*sin(x)", lambda x, th: x**4 / 4 + np.exp(-th * x) * np.sin(x),
                    lambda x, th: -(x**3 + np.exp(-th * x) * (np.cos(x) - th * np.sin(x)))),
}


def _batch(fn, k):
    """``fn`` called ``k`` times per timing: one call on 10⁵ points is ~0.1 ms, too short to time alone
    on a loaded machine."""
    def many():
        for _ in range(k):
            fn()
    return many


_BATCH = {"tiny": 1, "quick": 5, "full": 1}
_REPEATS = {"tiny": 1, "quick": 31, "full": 15}


def _timed(fns: dict, size: str) -> tuple[dict, dict]:
    """(minimum, median) CPU seconds per batch of each contender, timed in turn (order alternating)."""
    t = measure_interleaved({k: _batch(fn, _BATCH[size]) for k, fn in fns.items()}, repeats=_REPEATS[size],
                            alternate=True, stat=lambda v: (min(v), statistics.median(v)))
    return {k: v[0] for k, v in t.items()}, {k: v[1] for k, v in t.items()}


def run(size: str = "quick") -> list[dict]:
    """Time the generated numpy and C ``energy`` on ``size`` points."""
    from thermolearn.numeric.codegen import build_c_library, generate_source, load_python_module, module_functions
    from thermolearn.theory import energy_model

    n = _SIZES[size]
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    th = rng.normal(size=n)
    out = np.empty(n)
    ptr = ctypes.POINTER(ctypes.c_double)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (text, hand, hand_drift) in FORMULAS.items():
            model = energy_model(text, beta=1, mu=1)
            gen = load_python_module(generate_source(model, "numpy"))
            lib = build_c_library(generate_source(model, "c"), tmp, module_functions(model), name=f"bench_{name}")

            def c_energy():
                lib.tl_energy_n(n, x.ctypes.data_as(ptr), th.ctypes.data_as(ptr), out.ctypes.data_as(ptr))
                return out

            ref = hand(x, th)
            scale = np.maximum(np.abs(ref), 1.0)
            err_np = float(np.max(np.abs(gen.energy(x, th) - ref) / scale))
            err_c = float(np.max(np.abs(c_energy() - ref) / scale))
            k = _BATCH[size]
            t, med = _timed({"hand": lambda: hand(x, th), "gen": lambda: gen.energy(x, th), "c": c_energy}, size)
            common = dict(points=n, calls_per_timing=k, formula=text, max_rel_diff_numpy=err_np, max_rel_diff_c=err_c,
                          agree=bool(err_np < 1e-12 and err_c < 1e-12), vector_math=bool(lib.vector_math),
                          timing="interleaved, min over rounds")
            rows.append(row(f"codegen/numpy-vs-hand/{name}", t["hand"] / t["gen"], 1 / 1.5,
                            hand_s=t["hand"] / k, generated_s=t["gen"] / k, ratio_median=med["hand"] / med["gen"], **common))
            rows.append(row(f"codegen/c-vs-numpy/{name}", t["gen"] / t["c"], 1.0,
                            numpy_s=t["gen"] / k, c_s=t["c"] / k, ratio_median=med["gen"] / med["c"], **common))
            # drift: the generated module returns shape (n, 1) (CLI.md: vectors are arrays)
            ref_d = hand_drift(x, th)
            err_d = float(np.max(np.abs(gen.drift(x, th)[:, 0] - ref_d) / np.maximum(np.abs(ref_d), 1.0)))
            t, med = _timed({"hand": lambda: hand_drift(x, th), "gen": lambda: gen.drift(x, th)}, size)
            rows.append(row(f"codegen/numpy-vs-hand/{name}-drift", t["hand"] / t["gen"], 1 / 1.5,
                            hand_s=t["hand"] / k, generated_s=t["gen"] / k, ratio_median=med["hand"] / med["gen"], points=n,
                            calls_per_timing=k, formula=f"drift of {text}", max_rel_diff_numpy=err_d,
                            agree=bool(err_d < 1e-12), timing="interleaved, min over rounds"))
    return rows + catalogue_rows(size)


# --- every catalogue model: generated numpy callables against the best hand-written numpy --------------
#
# ``codegen/catalogue/<model>/<quantity>``: ``numeric.codegen.model_callable``'s energy, drift and ∂θE
# (what the simulators evaluate) against hand-written numpy with products for powers and the fewest
# passes; ratio = hand / generated, target ≥ 1/1.3 (within 1.3×).  β = 2, μ = 0.5 (μ ≠ 1 so the
# drift's factor is real work), θ scalars, x arrays; the generated drift and ∂θE return (n, d) arrays,
# so the hand-written versions also write one (n, d) array.
_B, _M = 2.0, 0.5


def _col(*cols):
    out = np.empty((cols[0].size, len(cols)))
    for j, c in enumerate(cols):
        out[:, j] = c
    return out


def _hand_catalogue():
    """model name -> (factory kwargs, θ values, {quantity: hand-written f(*xs, *thetas)})."""
    K = ((2.0, 1.0), (1.0, 3.0))

    def dw_e(x, th):
        x2 = x * x
        return x2 * (0.25 * x2 - 0.5) - th * x

    def dw_d(x, th):
        return _col(_M * (th + x - x * x * x))

    def q_e(x, th):
        x2 = x * x
        return 0.25 * x2 * x2 - th * x

    def q2_e(x1, x2, t1, t2):
        d1, d2 = x1 - t1, x2 - t2
        return d1 * (K[0][0] / 2 * d1 + K[0][1] * d2) + K[1][1] / 2 * d2 * d2

    def q2_d(x1, x2, t1, t2):
        d1, d2 = x1 - t1, x2 - t2
        return _col(-_M * (K[0][0] * d1 + K[0][1] * d2), -_M * (K[0][1] * d1 + K[1][1] * d2))

    def q2_t(x1, x2, t1, t2):
        d1, d2 = x1 - t1, x2 - t2
        return _col(-(K[0][0] * d1 + K[0][1] * d2), -(K[0][1] * d1 + K[1][1] * d2))

    return {
        "harmonic_trap": ({"k": 2}, (0.3,), {
            "energy": lambda x, th: (x - th) * (x - th),
            "drift": lambda x, th: _col(-2 * _M * (x - th)),
            "dE_dtheta": lambda x, th: _col(-2 * (x - th))}),
        "learnable_stiffness": ({}, (1.7,), {
            "energy": lambda x, th: th / 2 * x * x,
            "drift": lambda x, th: _col(-_M * th * x),
            "dE_dtheta": lambda x, th: _col(0.5 * x * x)}),
        "gaussian_mean_variance": ({}, (0.3, 1.4), {
            "energy": lambda x, m, s: (x - m) * (x - m) / (2 * s),
            "drift": lambda x, m, s: _col(-_M / s * (x - m)),
            "dE_dtheta": lambda x, m, s: _col(-(x - m) / s, -0.5 / (s * s) * (x - m) * (x - m))}),
        "quartic": ({}, (0.3,), {
            "energy": q_e,
            "drift": lambda x, th: _col(_M * (th - x * x * x)),
            "dE_dtheta": lambda x, th: _col(-x)}),
        "double_well": ({}, (0.3,), {"energy": dw_e, "drift": dw_d, "dE_dtheta": lambda x, th: _col(-x)}),
        "quadratic_2d": ({"K": K}, (0.3, -0.2), {"energy": q2_e, "drift": q2_d, "dE_dtheta": q2_t}),
    }


def catalogue_rows(size: str) -> list[dict]:
    from thermolearn.numeric.codegen import model_callable
    from thermolearn.theory import models

    n = _SIZES[size]
    rng = np.random.default_rng(1)
    rows = []
    for name, (kw, thetas, hands) in _hand_catalogue().items():
        model = getattr(models, name)(beta=_B, mu=_M, **kw)
        xs = tuple(rng.normal(size=n) for _ in model.x)
        for q, hand in hands.items():
            gen = model_callable(model, q)
            ref = np.asarray(hand(*xs, *thetas))
            got = np.asarray(gen(*xs, *thetas)).reshape(ref.shape)
            err = float(np.max(np.abs(got - ref) / np.maximum(np.abs(ref), 1.0)))
            k = _BATCH[size]
            t, med = _timed({"hand": lambda: hand(*xs, *thetas), "gen": lambda: gen(*xs, *thetas)}, size)
            rows.append(row(f"codegen/catalogue/{name}/{q}", t["hand"] / t["gen"], 1 / 1.3,
                            hand_s=t["hand"] / k, generated_s=t["gen"] / k, points=n,
                            ns_per_point_generated=1e9 * t["gen"] / (k * n), max_rel_diff=err,
                            agree=bool(err < 1e-12), ratio_median=med["hand"] / med["gen"],
                            timing="interleaved, min over rounds"))
    return rows
