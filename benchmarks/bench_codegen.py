"""Generated code against hand-written numpy, and generated C against numpy.

Rows (``ratio`` = peer cost / thermolearn cost):

* ``codegen/numpy-vs-hand/<formula>`` — hand-written numpy expression of the
  same formula / the generated numpy module's ``energy`` (target ≥ 1/1.5:
  generated code within 1.5× of hand-written);
* ``codegen/numpy-vs-hand/<formula>-drift`` — the same for the drift
  (the generated one returns shape (n, 1), so it pays one stacking copy);
* ``codegen/c-vs-numpy/<formula>`` — generated numpy / generated C
  (``energy_n`` through ctypes, compiled ``-O2``), target ≥ 1 (C faster).

Every row also checks that the three implementations agree (max relative
difference in ``details``).  Sizes: tiny 10³ points, quick 10⁵, full 10⁶.
"""

from __future__ import annotations

import ctypes
import tempfile

import numpy as np

from benchmarks._harness import measure, row

__all__ = ["run", "FORMULAS"]

_SIZES = {"tiny": 1_000, "quick": 100_000, "full": 1_000_000}

#: name -> (energy string, hand-written numpy energy, hand-written numpy drift at μ = 1)
FORMULAS = {
    "double_well": ("x**4/4 - x**2/2 - theta*x", lambda x, th: x**4 / 4 - x**2 / 2 - th * x,
                    lambda x, th: -(x**3 - x - th)),
    "damped_sine": ("x**4/4 + exp(-theta*x)*sin(x)", lambda x, th: x**4 / 4 + np.exp(-th * x) * np.sin(x),
                    lambda x, th: -(x**3 + np.exp(-th * x) * (np.cos(x) - th * np.sin(x)))),
}


def run(size: str = "quick") -> list[dict]:
    """Time the generated numpy and C ``energy`` on ``size`` points."""
    from thermolearn.numeric.codegen import build_c_library, generate_source, load_python_module, module_functions
    from thermolearn.theory import energy_model

    n = _SIZES[size]
    repeats = 1 if size == "tiny" else 7
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
            t_hand = measure(lambda: hand(x, th), repeats=repeats, memory=False)
            t_gen = measure(lambda: gen.energy(x, th), repeats=repeats, memory=False)
            t_c = measure(c_energy, repeats=repeats, memory=False)
            common = dict(points=n, formula=text, max_rel_diff_numpy=err_np, max_rel_diff_c=err_c,
                          agree=bool(err_np < 1e-12 and err_c < 1e-12))
            rows.append(row(f"codegen/numpy-vs-hand/{name}", t_hand.median_s / t_gen.median_s, 1 / 1.5,
                            hand_s=t_hand.median_s, generated_s=t_gen.median_s, **common))
            rows.append(row(f"codegen/c-vs-numpy/{name}", t_gen.median_s / t_c.median_s, 1.0,
                            numpy_s=t_gen.median_s, c_s=t_c.median_s, **common))
            # drift: the generated module returns shape (n, 1) (CLI.md: vectors are arrays)
            ref_d = hand_drift(x, th)
            err_d = float(np.max(np.abs(gen.drift(x, th)[:, 0] - ref_d) / np.maximum(np.abs(ref_d), 1.0)))
            t_hd = measure(lambda: hand_drift(x, th), repeats=repeats, memory=False)
            t_gd = measure(lambda: gen.drift(x, th), repeats=repeats, memory=False)
            rows.append(row(f"codegen/numpy-vs-hand/{name}-drift", t_hd.median_s / t_gd.median_s, 1 / 1.5,
                            hand_s=t_hd.median_s, generated_s=t_gd.median_s, points=n, formula=f"drift of {text}",
                            max_rel_diff_numpy=err_d, agree=bool(err_d < 1e-12)))
    return rows
