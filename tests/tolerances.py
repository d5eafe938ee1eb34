"""The one table of test tolerances, each with its reason (ARCHITECTURE.md).

Import from here rather than writing bare numbers in tests.
"""

#: Closed form against adaptive quadrature / a tight ODE solve: both are
#: accurate to ~1e-12 in double precision, so 1e-10 leaves headroom for
#: conditioning without hiding a wrong formula (errors are O(1) then).
QUADRATURE_RTOL = 1e-10

#: Closed form against scipy's ODE solvers run at rtol=atol=1e-12.
ODE_RTOL = 1e-8

#: Identities evaluated in double precision (sums of O(1) terms): a few ulps
#: times the number of operations.
MACHINE_RTOL = 1e-12

#: Statistical checks: accept |estimate − truth| ≤ N_SIGMA · standard error, the
#: same criterion as the reproductions and ``thermolearn verify`` (one home:
#: ``thermolearn/_report.py``).
from thermolearn import _report  # noqa: E402

N_SIGMA = _report.N_SIGMA

#: Mass after implicit solves with huge steps (dt ≫ relaxation time): each
#: sparse LU solve has a backward error ≈ cond(I − dt·L)·eps on the ~1e2-cell
#: grids of the tests, which accumulates over steps to ~1e-12 (measured
#: 1.1e-12 for a quench with dt = 10).  A non-conservative flux errs by
#: O(dt·h²) ≥ 1e-6, far above this.
SOLVE_RTOL = 1e-11

#: Scaled error for discretised solvers: error / (atol + rtol·|ref|) < 5
#: (scipy.integrate's convention).
SCALED_ERROR_MAX = 5.0

#: Fitted convergence order may differ from the theoretical one by this much.
ORDER_SLACK = 0.25

#: A float64 evaluation of an expression whose arguments reach |u| ~ 1e3
#: against mpmath at 50 digits: rounding the argument itself costs |u|·ε
#: (about 2e-13 at |u| = 1e3), which no float64 algorithm avoids; a formula
#: that overflows or cancels is off by O(1) or is non-finite.
STABLE_FLOAT64_RTOL = 1e-12

#: Below this magnitude a float64 result may underflow to 0 (subnormals).
UNDERFLOW_ATOL = 1e-300

#: The Gaussian learner's O(N) chain recursions (window moments, Kalman path entropies,
#: slice-by-slice Gaussian integrals) against the dense route (log-dets and Cholesky factors of
#: the (2N+4)-node covariance and precision): both are double precision with condition numbers
#: up to ~1e3 at the tested sizes (entries up to 1/q ~ 1e2), so ~1e-13 agreement is expected and
#: 1e-10 leaves headroom; a wrong kernel, window or elimination errs by O(κ) ≥ 1e-2.
CHAIN_VS_DENSE_RTOL = 1e-10

#: A compiled SGD trajectory against the numpy path (same formulas, another
#: summation order and fused multiply–adds): rounding grown over ~20 steps of
#: small networks, measured ≤ 2.2e-15 (float64) and ≤ 1.2e-6 (float32)
#: relative (elementwise, against atol = rtol/100).  A wrong update (bias not stepped, weights stepped before the
#: backward product, a tile edge dropped) errs at O(r·gradient) ≥ 1e-3.
SGD_KERNEL_RTOL = {"float64": 1e-10, "float32": 1e-5}

#: One compiled full-batch pass against the numpy path (gradient entries relative to the
#: array's largest entry, loss and Σ_n ||∇ℓ_n||² relative): sums over up to 300 examples in
#: another order and blocking, measured ≤ 1.6e-15 (float64) and ≤ 5.9e-7 (float32).  A dropped
#: block, row or column tail, a delta formed with the wrong weights or a missing bias term errs
#: at O(1/N) ≥ 3e-3 of the largest entry.
SGD_FULL_BATCH_RTOL = {"float64": 1e-12, "float32": 1e-5}
