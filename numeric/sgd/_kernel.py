"""Compiled one-example SGD step (m = 1) for an ensemble of MLPs, through ctypes.

With one example per trial the step is a matrix–vector forward pass and a
rank-1 update per layer; batched over trials in numpy or BLAS these products
are too small to reach the machine's speed (the Python and call overhead per
layer and trial dominates).  This C kernel does one trial's forward pass,
softmax cross-entropy delta, backward pass and in-place update in one sweep,
trial after trial, and fuses the backward product with the update: row p of
W_l is read once for δ_{l−1,p} = Σ_j W_l[p, j] δ_{l,j} (old weights) and
written once as W_l[p, :] ← W_l[p, :] − a_{l−1,p} δ_lᵀ (the learning rate
folded into δ).  A row whose input a_{l−1,p} is exactly 0 (an inactive
ReLU unit, a blank pixel) contributes nothing to the forward product, gets a
zero step and, for ReLU, a zero δ_{l−1,p}: it is skipped, not read.  The
arithmetic is that of :func:`._mlp.sgd_step` (same formulas, same
precision); only the summation order of the products differs, so results
agree to rounding for finite weights (with non-finite weights a skipped
row would give 0 where numpy gives 0·inf = NaN; a run stops at the step
whose gradient exceeds ``max_grad``, long before).

:func:`steps_rank1` runs S consecutive steps of each trial in one call,
trial after trial, so a trial's weights stay in the core's cache across
its steps (each step the same compiled function as :func:`step_rank1`'s:
bitwise the same trajectory).

The numpy path stays the reference and the fallback: the library is built
at first use with the system C compiler (``cc``) and cached per user; when
no compiler is present (or the build fails) :func:`rank1_kernel` returns
None and :func:`._mlp.sgd_step` takes the numpy path.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["rank1_kernel", "step_rank1", "steps_rank1", "numpy_only", "load_library", "kernels_enabled", "bind_steps", "step_function",
           "call_steps"]

_DISABLED = [bool(os.environ.get("THERMOLEARN_NO_KERNEL"))]

_FLAGS = ("-O3", "-march=native", "-fopenmp-simd")
#: ``codegen._build.SHARED_LIB_SUFFIX`` (checked equal in the tests), known here without importing codegen
LIB_SUFFIX = ".dylib" if sys.platform == "darwin" else ".so"

_BODY = r"""
#include <math.h>
#include <stdint.h>

#define MAXLAYERS 64
/* NaN-propagating maximum (as numpy's max), for the divergence bound */
#define NMAX(m, v) do { if ((v) > (m) || (v) != (v)) (m) = (v); } while (0)

/* One SGD step of one trial with one example: Wk[i] (n[i], n[i+1]) and bk[i] (n[i+1]) updated in place;
   xk (n[0],), label yk; work holds sum(n[1..L]) + 2 max(n) numbers.
   *loss = logsumexp(z) - z[y]; returns max_l max(max|a_{l-1}|, 1) max|delta_l|. */
static __attribute__((noinline)) REAL rank1_one_SUFFIX(int64_t L, const int64_t *n, REAL *const *Wk, REAL *const *bk,
                                                      const REAL *xk, int64_t yk, int relu, REAL scale, REAL *work,
                                                      REAL *loss)
{
    int64_t off[MAXLAYERS + 1], tot = 0, wmax = 0;
    for (int64_t i = 1; i <= L; i++) { off[i] = tot; tot += n[i]; }
    for (int64_t i = 0; i <= L; i++) if (n[i] > wmax) wmax = n[i];
    REAL *acts = work, *buf0 = work + tot, *buf1 = work + tot + wmax;
    const REAL *a = xk;
    for (int64_t i = 0; i < L; i++) {
        int64_t ni = n[i], no = n[i + 1];
        const REAL *Wi = Wk[i], *bi = bk[i];
        REAL *h = acts + off[i + 1];
        for (int64_t j = 0; j < no; j++) h[j] = 0;
        for (int64_t p = 0; p < ni; p++) {
            const REAL ap = a[p], *row = Wi + p * no;
            if (ap == 0) continue;  /* inactive unit or zero pixel: adds exactly nothing */
            #pragma omp simd
            for (int64_t j = 0; j < no; j++) h[j] += ap * row[j];
        }
        for (int64_t j = 0; j < no; j++) h[j] += bi[j];
        if (i < L - 1) {
            if (relu) { for (int64_t j = 0; j < no; j++) h[j] = h[j] * (REAL)(h[j] > 0); }
            else { for (int64_t j = 0; j < no; j++) h[j] = TANH(h[j]); }
        }
        a = h;
    }
    int64_t C = n[L];
    const REAL *z = acts + off[L];
    REAL *d = buf0;
    *loss = softmax_delta_SUFFIX(C, z, yk, scale, d);
    REAL g = 0;
    for (int64_t i = L - 1; i >= 0; i--) {
        int64_t ni = n[i], no = n[i + 1];
        const REAL *ap = i ? acts + off[i] : xk;
        REAL *Wi = Wk[i], *bi = bk[i], *dn = (d == buf0) ? buf1 : buf0;
        REAL am = 0, dm = 0;
        for (int64_t p = 0; p < ni; p++) NMAX(am, FABS(ap[p]));
        for (int64_t j = 0; j < no; j++) NMAX(dm, FABS(d[j]));
        const REAL f = (am > 1 || am != am) ? am : 1;  /* the 1 is the bias */
        NMAX(g, dm * f);
        for (int64_t p = 0; p < ni; p++) {
            REAL *row = Wi + p * no;
            if (ap[p] == 0 && (relu || i == 0)) {  /* ReLU' = 0 and a zero step: row untouched */
                if (i > 0) dn[p] = 0;
                continue;
            }
            if (i > 0) {
                REAL acc = 0;
                #pragma omp simd reduction(+:acc)
                for (int64_t j = 0; j < no; j++) acc += d[j] * row[j];
                dn[p] = relu ? acc * (REAL)(ap[p] > 0) : acc * (1 - ap[p] * ap[p]);
            }
            const REAL na = -ap[p];
            #pragma omp simd
            for (int64_t j = 0; j < no; j++) row[j] += d[j] * na;
        }
        for (int64_t j = 0; j < no; j++) bi[j] -= d[j];
        d = dn;
    }
    return g;
}

/* trial k's weight and bias pointers */
static void trial_SUFFIX(int64_t L, int64_t k, const int64_t *n, REAL *const *W, REAL *const *b, REAL **Wk, REAL **bk)
{
    for (int64_t i = 0; i < L; i++) { Wk[i] = W[i] + k * n[i] * n[i + 1]; bk[i] = b[i] + k * n[i + 1]; }
}

/* One SGD step with one example per trial for K trials of an L-layer MLP.
   W[i] (K, n[i], n[i+1]) and b[i] (K, n[i+1]) C-contiguous, updated in place;
   x (K, n[0]); y (K,); work holds sum(n[1..L]) + 2 max(n) numbers.
   loss[k] = logsumexp(z) - z[y]; gmax[k] = max_l max(max|a_{l-1}|, 1) max|delta_l|. */
int tl_sgd_rank1_SUFFIX(int64_t K, int64_t L, const int64_t *n, REAL *const *W, REAL *const *b, const REAL *x,
                        const int64_t *y, int relu, REAL scale, REAL *work, REAL *loss, REAL *gmax)
{
    REAL *Wk[MAXLAYERS], *bk[MAXLAYERS];
    if (L < 1 || L > MAXLAYERS) return -1;
    for (int64_t k = 0; k < K; k++) {
        trial_SUFFIX(L, k, n, W, b, Wk, bk);
        gmax[k] = rank1_one_SUFFIX(L, n, Wk, bk, x + k * n[0], y[k], relu, scale, work, loss + k);
    }
    return 0;
}

/* S consecutive steps of each of K trials, trial after trial (a trial's weights stay in the core's cache
   across its S steps): step s of trial k uses the training example xtrain[idx[s, k]] (xtrain (N, n[0]))
   with label y[s, k]; loss and gmax (S, K) as tl_sgd_rank1's.  Each step is rank1_one on the same
   numbers as a call of tl_sgd_rank1: bitwise the same trajectory. */
int tl_sgd_rank1_multi_SUFFIX(int64_t K, int64_t S, int64_t L, const int64_t *n, REAL *const *W, REAL *const *b,
                              const REAL *xtrain, const int64_t *idx, const int64_t *y, int relu, REAL scale,
                              REAL *work, REAL *loss, REAL *gmax)
{
    REAL *Wk[MAXLAYERS], *bk[MAXLAYERS];
    if (L < 1 || L > MAXLAYERS) return -1;
    for (int64_t k = 0; k < K; k++) {
        trial_SUFFIX(L, k, n, W, b, Wk, bk);
        for (int64_t s = 0; s < S; s++)
            gmax[s * K + k] = rank1_one_SUFFIX(L, n, Wk, bk, xtrain + idx[s * K + k] * n[0], y[s * K + k], relu,
                                               scale, work, loss + s * K + k);
    }
    return 0;
}
"""

#: C, templated on SUFFIX, REAL, EXP, LOG: the softmax cross-entropy of one example, loss = logsumexp(z) - z[y],
#: and its output delta d = scale (softmax(z) - onehot(y)); NaN-propagating maximum.  Shared by this kernel
#: and the tiled one (:mod:`._tiled`), so both steps give the same bits for the same logits.
SOFTMAX_DELTA = r"""
static inline REAL softmax_delta_SUFFIX(int64_t C, const REAL *z, int64_t y, REAL scale, REAL *d)
{
    REAL zmax = z[0], total = 0;
    for (int64_t j = 1; j < C; j++) if (z[j] > zmax || z[j] != z[j]) zmax = z[j];
    for (int64_t j = 0; j < C; j++) { d[j] = EXP(z[j] - zmax); total += d[j]; }
    const REAL s = scale / total;
    for (int64_t j = 0; j < C; j++) d[j] *= s;
    d[y] -= scale;
    return LOG(total) + zmax - z[y];
}
"""

_TYPES = {np.dtype(np.float32): ("f32", "float", "expf", "logf", "tanhf", "fabsf"),
          np.dtype(np.float64): ("f64", "double", "exp", "log", "tanh", "fabs")}


def _source() -> str:
    parts = []
    for suffix, real, exp, log, tanh, fabs in _TYPES.values():
        body = _BODY.replace("#define MAXLAYERS", SOFTMAX_DELTA + "\n#define MAXLAYERS", 1).replace("SUFFIX", suffix)
        parts.append(f"#define REAL {real}\n#define EXP {exp}\n#define LOG {log}\n#define TANH {tanh}\n"
                     f"#define FABS {fabs}\n{body}\n#undef REAL\n#undef EXP\n#undef LOG\n#undef TANH\n#undef FABS\n"
                     "#undef MAXLAYERS\n#undef NMAX\n")
    return "\n".join(parts)


def _cache_dir() -> Path | None:
    """A per-user cache directory that only this user can write, or None."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # no POSIX user ids: no shared cache
        return None
    d = Path(tempfile.gettempdir()) / f"thermolearn-kernels-{getuid()}"
    try:
        d.mkdir(mode=0o700, exist_ok=True)
        st = d.stat()
    except OSError:
        return None
    if st.st_uid != getuid() or st.st_mode & 0o022:
        return None
    return d


def load_library(prefix: str, source: str, flags=_FLAGS):
    """Build ``source`` (once per user, source and flags: cached) and load it, or None without a compiler.

    The library is named ``prefix`` plus a hash of source and flags, so a
    stale build is never reused; it is written to the per-user cache
    atomically, so concurrent builders leave one complete file.
    """
    key = hashlib.sha256((source + " ".join(flags)).encode()).hexdigest()[:16]
    name = f"{prefix}_{key}"
    cache = _cache_dir()
    lib_path = None if cache is None else cache / f"lib{name}{LIB_SUFFIX}"
    try:
        if lib_path is not None and lib_path.is_file():
            return ctypes.CDLL(str(lib_path))
        # imported only to build: the codegen package loads sympy (~0.4 CPU-s in a process that has no other use for it)
        from thermolearn.numeric.codegen._build import SHARED_LIB_SUFFIX, build_c_library

        with tempfile.TemporaryDirectory() as tmp:
            build_c_library(source, tmp, name=name, flags=tuple(flags), vector_math=False)
            built = Path(tmp) / f"lib{name}{SHARED_LIB_SUFFIX}"
            if lib_path is not None:
                staged = cache / f".{name}.{os.getpid()}{SHARED_LIB_SUFFIX}"
                staged.write_bytes(built.read_bytes())
                os.replace(staged, lib_path)  # atomic: concurrent builders leave one complete file
                built = lib_path
            return ctypes.CDLL(str(built))
    except OSError:
        return None


def kernels_enabled() -> bool:
    """False inside :func:`numpy_only` (or with ``THERMOLEARN_NO_KERNEL`` set)."""
    return not _DISABLED[-1]


def bind_steps(lib, prefix: str, argtypes) -> None:
    """Declare a library's step functions ``{prefix}_f32`` and ``{prefix}_f64`` to ctypes.

    ``argtypes(scalar)`` gives the argument types, ``scalar`` being the
    function's floating type (``c_float`` or ``c_double``); each returns an
    int status (0: done).
    """
    for dt, (suffix, *_) in _TYPES.items():
        fn = getattr(lib, f"{prefix}_{suffix}")
        fn.argtypes = argtypes(ctypes.c_float if dt == np.float32 else ctypes.c_double)
        fn.restype = ctypes.c_int


def step_function(library, prefix: str, dtype):
    """``{prefix}_f32`` or ``{prefix}_f64`` of ``library()`` for ``dtype``; None for another dtype, inside
    :func:`numpy_only`, or when ``library()`` is None (no compiler)."""
    spec = _TYPES.get(np.dtype(dtype))
    if spec is None or not kernels_enabled():
        return None
    lib = library()
    return None if lib is None else getattr(lib, f"{prefix}_{spec[0]}")


@functools.lru_cache(maxsize=1)
def _library():
    """The compiled kernel library (built once per user and source), or None without a compiler."""
    lib = load_library("tl_sgd_rank1", _source())
    if lib is not None:
        vp, lp = ctypes.c_void_p, ctypes.c_int64
        bind_steps(lib, "tl_sgd_rank1", lambda scalar: [lp, lp, vp, vp, vp, vp, vp, ctypes.c_int, scalar, vp, vp, vp])
        bind_steps(lib, "tl_sgd_rank1_multi",
                   lambda scalar: [lp, lp, lp, vp, vp, vp, vp, vp, vp, ctypes.c_int, scalar, vp, vp, vp])
    return lib


def rank1_kernel(dtype, multi=False):
    """The compiled step for ``dtype`` (float32 or float64), or None when unavailable.

    ``multi``: the S-step function (:func:`steps_rank1`) instead of the one-step one.
    """
    return step_function(_library, "tl_sgd_rank1_multi" if multi else "tl_sgd_rank1", dtype)


@contextlib.contextmanager
def numpy_only():
    """Within this block every step takes the numpy reference path (the kernel is not used).

    Also set for a whole process by the environment variable ``THERMOLEARN_NO_KERNEL``.
    """
    _DISABLED.append(True)
    try:
        yield
    finally:
        _DISABLED.pop()


def step_rank1(params, x, y, kind, scale, ws):
    """One in-place step θ ← θ − a δᵀ per layer (``scale`` = r/m folded into δ), m = 1, compiled.

    Returns ``(loss, gmax)`` per trial as :func:`._mlp._backward_rank1` does
    (``gmax`` in units of δ), or None when the kernel or the array layout is
    unavailable (the caller then takes the numpy path).  The argument
    pointers of ``params`` are prepared once per workspace and parameter list.
    """
    prepared = _prepared(params, x.shape[0], ws, False)
    if prepared is None:
        return None
    (_, shape, args, loss, gmax, _), fn = prepared
    if not (x.dtype == params[0].dtype and x.flags.c_contiguous and x.shape == shape):
        return None
    yk = np.ascontiguousarray(y, dtype=np.int64)
    if fn(*args[:5], x.ctypes.data, yk.ctypes.data, int(kind == "relu"), scale, *args[5:]) != 0:
        return None
    return loss.copy(), gmax.astype(np.float64)


def steps_rank1(params, x_train, idx, labels, kind, scale, ws):
    """S consecutive in-place steps of every trial with one example each, in one compiled call.

    Step s of trial k uses the example ``x_train[idx[s, k, 0]]`` with label
    ``labels[s, k, 0]`` (``idx``, ``labels``: (S, K, 1)).  Trial after
    trial, each runs its S steps back to back, so its weights stay in the
    core's cache; every step is the arithmetic of :func:`step_rank1`, so the
    trajectory is bitwise that of S calls of it.  Returns ``(loss, gmax)``
    of shape (S, K), or None when the kernel or the layout is unavailable.
    """
    if idx.ndim != 3 or idx.shape[2] != 1 or x_train.ndim != 2:
        return None
    prepared = _prepared(params, idx.shape[1], ws, True)
    if prepared is None:
        return None
    (_, shape, args, _, _, (sizes, *_)), fn = prepared
    if not (x_train.dtype == params[0].dtype and x_train.flags.c_contiguous and x_train.shape[1] == shape[2]):
        return None
    return call_steps(fn, args[1:5], args[5], x_train, idx, labels, sizes[-1], kind, scale)


def call_steps(fn, head, work, x_train, idx, labels, n_classes, kind, scale):
    """Call a compiled S-step function ``fn(K, S, *head, x_train, idx, labels, relu, scale, work, loss, gmax)``.

    Returns ``(loss, gmax)`` (S, K), or None when an index or label lies
    outside the training set or the classes (the kernel would read out of
    bounds; numpy's indexing reports them) or the kernel refuses.
    """
    ix = np.ascontiguousarray(idx, dtype=np.int64)
    yk = np.ascontiguousarray(labels, dtype=np.int64)
    if (yk.shape != ix.shape or ix.min() < 0 or ix.max() >= x_train.shape[0]
            or yk.min() < 0 or yk.max() >= n_classes):
        return None
    S, K = ix.shape[:2]
    loss, gmax = np.empty((S, K), x_train.dtype), np.empty((S, K), x_train.dtype)
    if fn(K, S, *head, x_train.ctypes.data, ix.ctypes.data, yk.ctypes.data, int(kind == "relu"), scale, work,
          loss.ctypes.data, gmax.ctypes.data) != 0:
        return None
    return loss, gmax.astype(np.float64)


def _prepared(params, K, ws, multi):
    """(plan, compiled function) for ``params`` of K trials, or None (no kernel, other layout).

    The plan (pointer arguments, work space) is made once per workspace and parameter list.
    """
    fn = rank1_kernel(params[0].dtype, multi)
    if fn is None:
        return None
    plan = ws.plans.get("rank1")
    if plan is None or len(plan[0]) != len(params) or any(a is not b for a, b in zip(plan[0], params)):
        if not (_ready(params) and params[0].shape[0] == K):
            return None
        plan = ws.plans["rank1"] = _plan(params, K, ws)
    return plan, fn


def _ready(params) -> bool:
    """Parameters in the layout the kernel updates in place: C-contiguous, one dtype, writeable."""
    dt = params[0].dtype
    return all(p.dtype == dt and p.flags.c_contiguous and p.flags.writeable for p in params)


def _plan(params, K, ws):
    """(params, x shape, pointer arguments, loss and gmax buffers, the arrays the pointers point into)."""
    L, dt = len(params) // 2, params[0].dtype
    sizes = np.array([params[0].shape[1]] + [params[2 * i].shape[2] for i in range(L)], dtype=np.int64)
    W = np.array([params[2 * i].ctypes.data for i in range(L)], dtype=np.uintp)
    b = np.array([params[2 * i + 1].ctypes.data for i in range(L)], dtype=np.uintp)
    work = np.empty(int(sizes[1:].sum() + 2 * sizes.max()), dt)
    loss, gmax = np.empty(K, dt), np.empty(K, dt)
    args = (K, L, sizes.ctypes.data, W.ctypes.data, b.ctypes.data, work.ctypes.data, loss.ctypes.data,
            gmax.ctypes.data)
    # the plan holds every array its pointers point into (and params), so the pointers stay valid
    return list(params), (K, 1, int(sizes[0])), args, loss, gmax, (sizes, W, b, work)
