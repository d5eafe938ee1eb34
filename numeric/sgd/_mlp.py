"""An ensemble of K feed-forward classifiers evaluated with batched matmuls.

Every array carries the trial axis first: weights ``W_l`` of shape
``(K, n_in, n_out)``, biases ``b_l`` of shape ``(K, n_out)``, activations
``(K, n, width)``.  One ``np.matmul`` per layer advances all K networks, so
the ensemble costs no Python loop over networks.

Loss: softmax cross-entropy averaged over the examples used,
U_b(θ) = (1/|b|) Σ_{n∈b} ℓ_n(θ), ℓ_n = logsumexp(z_n) − z_{n,y_n}.

Per-sample gradient norms (for tr Σ₁, the trace of the
per-sample gradient covariance) use the layer-wise factorisation of an MLP: the per-sample
gradient of ``W_l`` is the outer product a_{l−1,n} δ_{l,n}ᵀ, so

    ||∇ℓ_n||² = Σ_l (||a_{l−1,n}||² + 1) · ||δ_{l,n}||²

(the ``+ 1`` is the bias), computed without forming any per-sample gradient.

The training step (:func:`sgd_step`) is written for speed: activations,
deltas and gradients live in a :class:`Workspace` reused at every step, the
learning rate is folded into the output delta, and each layer is updated
in place as soon as the backward pass has used its weights.  Measured in
``benchmarks/bench_sgd.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermolearn.theory import ParameterError

from ._kernel import step_rank1, steps_rank1
from ._tiled import (TILED_BATCH_SIZES, TILED_MULTI_BATCH_SIZES, full_gradient_tiled, predict_tiled, step_tiled,
                     steps_tiled)

__all__ = ["MLPSpec", "init_ensemble", "ensemble_gradient", "ensemble_predict", "GradientStats", "Workspace", "sgd_step",
           "sgd_steps"]

_ACTIVATIONS = ("relu", "tanh")


@dataclass(frozen=True)
class MLPSpec:
    """Architecture of one network of the ensemble.

    ``depth`` counts affine (weight) layers, so ``depth=4`` is
    input → 200 → 200 → 200 → output: three hidden layers of ``width`` plus
    the output layer.  This is our reading of the paper's "four-layer
    feed-forward network with a uniform width of 200" (Entropy 26, 112
    (2024), Sec. 4; the depth is an open choice of that wording: ``depth=5`` gives the other reading).

    >>> MLPSpec(64, 10).dim_theta
    95410
    >>> MLPSpec(784, 10).dim_theta    # MNIST
    239410
    """

    n_in: int
    n_out: int
    width: int = 200
    depth: int = 4
    activation: str = "relu"

    def __post_init__(self):
        for name in ("n_in", "n_out", "width", "depth"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ParameterError(f"MLPSpec.{name} must be a positive integer, got {v!r}")
        if self.n_out < 2:
            raise ParameterError(f"MLPSpec.n_out must be at least 2 classes, got {self.n_out}")
        if self.activation not in _ACTIVATIONS:
            raise ParameterError(f"MLPSpec.activation must be one of {_ACTIVATIONS}, got {self.activation!r}")

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.n_in,) + (self.width,) * (self.depth - 1) + (self.n_out,)

    @property
    def dim_theta(self) -> int:
        s = self.sizes
        return int(sum(s[i] * s[i + 1] + s[i + 1] for i in range(self.depth)))


def init_ensemble(spec: MLPSpec, rngs) -> list[np.ndarray]:
    """Independent initialisations, one Generator per trial.

    He-normal weights (std √(2/n_in)) for ReLU, LeCun-normal (std √(1/n_in))
    for tanh; zero biases.  Returns ``[W_1, b_1, ..., W_L, b_L]`` with the
    trial axis first.  Trial k's weights depend only on ``rngs[k]``, so any
    split of the ensemble into chunks gives the same networks.
    """
    gain = 2.0 if spec.activation == "relu" else 1.0
    s = spec.sizes
    params = []
    for i in range(spec.depth):
        W = np.stack([r.standard_normal((s[i], s[i + 1])) for r in rngs]) * np.sqrt(gain / s[i])
        params += [W, np.zeros((len(rngs), s[i + 1]))]
    return params


def _act_(h, kind, keep=None):
    """Apply the hidden activation to ``h`` in place; return the ReLU mask h > 0.

    ReLU as a product with the boolean mask h > 0 (faster than numpy's
    ``maximum``, and the mask is reused by the backward pass).
    """
    if kind == "relu":
        keep = np.greater(h, 0.0, out=keep)
        np.multiply(h, keep, out=h)
        return keep
    np.tanh(h, out=h)
    return None


def _dact_(delta, a, keep, kind):
    """delta ← delta · σ'(h): zero where h ≤ 0 (ReLU), times 1 − a² (tanh, a = σ(h))."""
    if kind == "relu":
        np.multiply(delta, keep, out=delta)
    else:
        delta *= 1.0 - a * a


def _ones(n, dtype, ws=None):
    return np.ones(n, dtype) if ws is None else ws.ones(n, dtype)


def _rowmax(z):
    """max over the last (short) axis.

    numpy's reduction over a short contiguous axis is slow on many rows;
    a running maximum over the columns is several times faster there, and
    slower only on a few rows, where the plain reduction is kept.
    """
    if z[..., 0].size < 1024:
        return z.max(axis=-1)
    m = z[..., 0].copy()
    for j in range(1, z.shape[-1]):
        np.maximum(m, z[..., j], out=m)
    return m


class Workspace:
    """Arrays reused from step to step, keyed by name (allocated on first use).

    Fresh multi-megabyte temporaries at every step cost page faults and
    cache misses that dominate a wide ensemble; reusing them does not.
    Mutable by design: one workspace belongs to one training run.
    """

    def __init__(self):
        self._a = {}
        self.plans = {}  # non-array state keyed by name (e.g. the compiled step's argument pointers)

    def get(self, key, shape, dtype):
        """An uninitialised array of this shape and dtype, the same one on every call."""
        a = self._a.get(key)
        if a is None or a.shape != shape or a.dtype != dtype:
            a = self._a[key] = np.empty(shape, dtype)
        return a

    def ones(self, n, dtype):
        """A vector of n ones (never written to by its users)."""
        key = ("ones", n, np.dtype(dtype).str)
        if key not in self._a:
            self._a[key] = np.ones(n, dtype)
        return self._a[key]


def _forward(params, x, kind, ws=None):
    """Activations [x, a_1, ..., a_{L-1}, logits] of every trial, and the ReLU masks.

    ``x`` is shared (n, d) or per trial (K, n, d); with a workspace ``ws``
    the activations are written into its reused buffers.  ``masks[i]`` marks
    h > 0 in hidden layer i + 1 (None for tanh).
    """
    acts, masks = [x], []
    L = len(params) // 2
    a = x
    K, n = params[0].shape[0], x.shape[-2]
    for i in range(L):
        W, b = params[2 * i], params[2 * i + 1]
        shape = (K, n, W.shape[2])
        out = None if ws is None else ws.get(("act", i), shape, W.dtype)
        h = np.matmul(a, W, out=out)  # shared x (n, d) broadcasts against (K, d, h)
        h += b[:, None, :]
        if i < L - 1:
            mask = None if ws is None or kind != "relu" else ws.get(("mask", i), shape, bool)
            masks.append(_act_(h, kind, mask))
        acts.append(h)
        a = h
    return acts, masks  # acts[-1] are the logits (K, n, C)


def ensemble_predict(params, x, kind="relu", *, ws=None) -> np.ndarray:
    """Predicted class of every example for every trial, shape (K, n).

    A shared ``x`` (n, d) takes the compiled forward tiles of
    :func:`._tiled.predict_tiled` where a C compiler is present (logits
    equal to rounding; ``ws`` keeps its work space between calls).
    """
    if x.ndim == 2:
        pred = predict_tiled(params, x, kind, Workspace() if ws is None else ws)
        if pred is not None:
            return pred
    return _forward(params, x, kind)[0][-1].argmax(axis=-1)


@dataclass(frozen=True)
class GradientStats:
    """Mean-loss gradient of a set of examples, per trial.

    ``grads`` matches the parameter list; ``loss`` (K,) is the mean
    cross-entropy; ``sq_norm_sum`` (K,) is Σ_n ||∇ℓ_n||² over the examples
    (only when requested, else None); ``n`` the number of examples.
    """

    grads: list
    loss: np.ndarray
    sq_norm_sum: np.ndarray | None
    n: int


def _output_delta(z, y, scale, ws=None):
    """δ_L = scale·(softmax(z) − onehot(y)) and the per-example losses ℓ_n (K, n).

    ℓ_n = log Σ_j e^{z_nj} − z_{n,y_n}, computed with the max shifted out.
    """
    K, n, C = z.shape
    flat = np.arange(K * n) * C + (y if y.ndim == 2 else np.broadcast_to(y, (K, n))).ravel()
    zmax = _rowmax(z)
    e = np.subtract(z, zmax[..., None], out=None if ws is None else ws.get("out", z.shape, z.dtype))
    np.exp(e, out=e)
    total = np.matmul(e, _ones(C, e.dtype, ws))  # row sums as a matvec: fast for few classes
    loss = np.log(total) + zmax - z.reshape(-1)[flat].reshape(K, n)
    e *= (scale / total)[..., None]
    e.reshape(-1)[flat] -= scale
    return e, loss


def _backward(params, acts, masks, delta, kind, *, per_sample=False, ws=None, update=False):
    """Back-propagate the (scaled) output delta through every layer.

    Returns the gradient list (the loss gradient times the scale folded
    into ``delta``) and, if ``per_sample``, the per-example squared norms
    Σ_l (||a_{l−1,n}||² + 1)·||δ_{l,n}||² of the *scaled* per-example
    gradients, shape (K, n).

    With ``update`` (and the learning rate folded into ``delta``), every layer
    is updated in place, W_l ← W_l − G_l, right after its last use, so the
    weights are read while still in cache; the returned gradients then
    hold the applied steps.
    """
    L = len(params) // 2
    K, n = delta.shape[:2]
    grads = [None] * (2 * L)
    sq = np.zeros((K, n)) if per_sample else None
    for i in range(L - 1, -1, -1):
        W, b = params[2 * i], params[2 * i + 1]
        a_prev = acts[i]
        if per_sample:
            a2 = np.einsum("...nj,...nj->...n", a_prev, a_prev) + 1.0
            sq += np.einsum("knj,knj->kn", delta, delta) * a2
        gW = None if ws is None else ws.get(("gW", i), W.shape, W.dtype)
        if n == 1 and a_prev.ndim == 3:
            gW = _outer(a_prev, delta, gW, ws, i)
        elif a_prev.ndim == 2:  # shared input (n, d)
            gW = np.matmul(a_prev.T, delta, out=gW)
        else:
            gW = np.matmul(a_prev.transpose(0, 2, 1), delta, out=gW)
        # bias gradient Σ_n δ_n as a matvec with ones (numpy's middle-axis sum is slower)
        gb = np.matmul(_ones(n, delta.dtype, ws), delta,
                       out=None if ws is None else ws.get(("gb", i), b.shape, b.dtype))
        grads[2 * i], grads[2 * i + 1] = gW, gb
        if i > 0:
            out = None if ws is None else ws.get(("delta", i - 1), acts[i].shape, delta.dtype)
            delta = np.matmul(delta, W.transpose(0, 2, 1), out=out)
            _dact_(delta, acts[i], masks[i - 1], kind)
        if update:
            W -= gW
            b -= gb
    return grads, sq


def _outer(a, delta, out, ws, layer):
    """Per-trial outer products a_k δ_kᵀ for one example (m = 1).

    numpy's matmul leaves BLAS for an inner dimension of 1, and a
    broadcast multiply is slower than a GEMM; so the single example is
    padded with a zero row and the product taken with inner dimension 2.
    """
    K, _, d = a.shape
    if ws is None:
        ap, dp = np.zeros((K, 2, d), a.dtype), np.zeros((K, 2, delta.shape[2]), delta.dtype)
    else:
        ap, dp = ws.get(("pad_a", layer), (K, 2, d), a.dtype), ws.get(("pad_d", layer), (K, 2, delta.shape[2]), delta.dtype)
        ap[:, 1] = 0.0  # both pad rows zero: uninitialised memory may hold NaN, and 0·NaN = NaN
        dp[:, 1] = 0.0
    ap[:, 0] = a[:, 0]
    dp[:, 0] = delta[:, 0]
    return np.matmul(ap.transpose(0, 2, 1), dp, out=out)


_GER_TYPES = ("float32", "float64")


def scipy_ger():
    """scipy's BLAS ``?ger`` by dtype (imports scipy.linalg, ~0.7 CPU-s: only the fallback m = 1 path needs it).

    Call it before a BLAS thread limit is taken (:func:`._experiment.run_trials`
    does): a BLAS library loaded after threadpoolctl looked runs
    multi-threaded inside a one-thread chunk (measured 10x slower on 2 cores).
    """
    from scipy.linalg.blas import dger, sger

    return {np.dtype(np.float32): sger, np.dtype(np.float64): dger}


def _rank1_ready(params, x) -> bool:
    """True when the in-place rank-1 update applies: one example per trial, BLAS-typed weights.

    BLAS ``?ger`` updates ``W_k`` in place only when ``W_k`` is C-contiguous
    (its transpose then is Fortran-ordered), aligned and writeable (f2py
    would otherwise update a copy); otherwise the general path is taken.
    """
    if x.ndim != 3 or x.shape[-2] != 1:
        return False
    W0 = params[0]
    return all(W.dtype == W0.dtype and W.dtype in _GER_TYPES and W.flags.writeable and W.flags.aligned and W.ndim == 3
               and W.strides[2] == W.itemsize and W.strides[1] == W.shape[2] * W.itemsize
               for W in params[::2])


def _backward_rank1(params, acts, masks, delta, kind, ws):
    """Back-propagate one example per trial and apply θ ← θ − δ-scaled outer products in place.

    With one example the weight step of layer l is the rank-1 matrix
    a_{l−1} δ_lᵀ (the learning rate folded into δ), applied by BLAS
    ``?ger`` directly onto W_l: no gradient array is formed, each weight is
    read and written once.  Returns the exact largest gradient component
    per trial (in units of δ), max_l max(max|a_{l−1}|, 1)·max|δ_l|, since
    |a_i δ_j| ≤ max|a|·max|δ| with equality at the arg-maxima (the ``1`` is
    the bias, whose gradient is δ).
    """
    L = len(params) // 2
    K = delta.shape[0]
    gmax = np.zeros(K)
    ger = scipy_ger()[params[0].dtype]
    for i in range(L - 1, -1, -1):
        W, b = params[2 * i], params[2 * i + 1]
        d, a = delta[:, 0], acts[i][:, 0]  # (K, n_out), (K, n_in)
        amax = np.abs(a).max(axis=1)
        np.maximum(gmax, np.abs(d).max(axis=1) * np.maximum(amax, 1.0), out=gmax)
        if i > 0:  # δ of the layer below, with W_l before its update
            delta = np.matmul(delta, W.transpose(0, 2, 1), out=ws.get(("delta", i - 1), acts[i].shape, delta.dtype))
            _dact_(delta, acts[i], masks[i - 1], kind)
        for k in range(K):  # Fortran view: W_kᵀ ← W_kᵀ − δ_k a_kᵀ
            ger(-1.0, d[k], a[k], a=W[k].T, overwrite_a=1)
        b -= d
    return gmax


def ensemble_gradient(params, x, y, kind="relu", *, per_sample=False, block=None) -> GradientStats:
    """∇U(θ) = (1/n) Σ_n ∇ℓ_n for every trial, optionally Σ_n ||∇ℓ_n||².

    ``x`` is either shared by all trials, shape (n, d) with ``y`` (n,), or
    per trial, shape (K, n, d) with ``y`` (K, n) (a minibatch of each
    trial).  A shared ``x`` is processed in blocks of ``block`` examples to
    bound memory; the result does not depend on ``block``.  Where a C
    compiler is present a shared ``x`` takes the compiled pass of
    :func:`._tiled.full_gradient_tiled` (its own cache-sized blocks; the
    same sums in another order, so equal to rounding; ``block`` then
    plays no part), trial after trial.

    >>> import numpy as np
    >>> spec = MLPSpec(3, 2, width=4, depth=2)
    >>> rngs = [np.random.default_rng(i) for i in range(2)]
    >>> p = init_ensemble(spec, rngs)
    >>> x = np.random.default_rng(9).random((5, 3)); y = np.array([0, 1, 1, 0, 1])
    >>> g = ensemble_gradient(p, x, y, per_sample=True)
    >>> g.loss.shape, g.grads[0].shape, g.sq_norm_sum.shape
    ((2,), (2, 3, 4), (2,))
    """
    return _gradient(params, x, y, kind, per_sample=per_sample, block=block)


def _gradient(params, x, y, kind, *, per_sample=False, block=None, ws=None) -> GradientStats:
    """:func:`ensemble_gradient`, optionally computed in a reused workspace.

    Returned arrays are fresh (never workspace buffers), so they survive the
    next use of ``ws``.
    """
    n = x.shape[-2]
    y = np.asarray(y)
    if x.ndim == 2:  # shared examples: the compiled full-batch pass where a C compiler is present
        done = full_gradient_tiled(params, x, y, kind, Workspace() if ws is None else ws)
        if done is not None:
            grads, loss, sq = done
            return GradientStats(grads, loss, sq if per_sample else None, n)
    step = n if block is None else max(1, min(int(block), n))
    total, loss, sq = None, 0.0, (0.0 if per_sample else None)
    for s in range(0, n, step):
        xb, yb = x[..., s:s + step, :], y[..., s:s + step]
        acts, masks = _forward(params, xb, kind, ws)
        delta, l = _output_delta(acts[-1], yb, 1.0 / n, ws)
        g, q = _backward(params, acts, masks, delta, kind, per_sample=per_sample, ws=ws)
        if total is None:
            total = [a.copy() for a in g] if ws is not None else g
        else:
            for t, u in zip(total, g):
                t += u
        loss = loss + l.sum(axis=1)
        if per_sample:
            sq = sq + q.sum(axis=1) * float(n) ** 2  # undo the 1/n folded into delta
    return GradientStats(total, loss / n, sq, n)


def sgd_step(params, x, y, kind, learning_rate, ws, *, apply=True):
    """Minibatch gradient ∇U_b of every trial, and the step θ ← θ − r∇U_b in place.

    ``x`` (K, m, d), ``y`` (K, m): each trial's own minibatch.  With
    ``apply`` (requires r > 0) the learning rate is folded into the output
    delta and each layer is updated right after its last use, so one step
    makes the fewest passes over the weights; otherwise θ is left unchanged.

    Returns ``(grads, loss, bound, to_gradient)``: the workspace arrays
    holding c·∇U_b with c = ``to_gradient``⁻¹ (c = r when applied, 1
    otherwise), the minibatch loss (K,), and an upper bound on the
    largest gradient component,

        max_i |∂_i U_b| ≤ ||∇U_b||₂ ≤ (1/m) Σ_n ||∇ℓ_n||₂,

    from the per-example norms of the layer-wise factorisation (cheap: no
    pass over the weights).  The caller checks divergence with the bound
    and computes the exact maximum only when the bound is exceeded.

    One example per trial (m = 1) with ``apply``: the step is a rank-1
    update a δᵀ per layer, applied in place with no gradient array (two
    fewer passes over the weights) by the compiled kernel of
    :mod:`._kernel` where a C compiler is present, else by BLAS ``?ger``;
    ``grads`` is then None and ``bound`` is the exact largest component
    max|a|·max|δ|.  With m in ``TILED_BATCH_SIZES`` (2..50) and ``apply``
    the step is the compiled register-tiled kernel of :mod:`._tiled` where
    a C compiler is present (faster than the batched ``matmul`` there,
    measured in ``benchmarks/bench_sgd.py``): ``grads`` is None and
    ``bound`` the exact largest component of ∇U_b, taken from the update.

    Examples
    --------
    >>> import numpy as np
    >>> spec = MLPSpec(3, 2, width=4, depth=2)
    >>> p = init_ensemble(spec, [np.random.default_rng(i) for i in range(2)])
    >>> x = np.random.default_rng(9).random((2, 5, 3)); y = np.zeros((2, 5), dtype=int)
    >>> before = p[0].copy()
    >>> grads, loss, bound, to_grad = sgd_step(p, x, y, "relu", 0.1, Workspace(), apply=False)
    >>> to_grad, bool(np.array_equal(p[0], before))  # grads hold ∇U_b itself; θ unchanged
    (1.0, True)
    >>> _ = sgd_step(p, x, y, "relu", 0.1, Workspace())  # the step θ ← θ − r∇U_b, in place
    >>> bool(np.allclose(p[0], before - 0.1 * grads[0]))
    True
    """
    m = x.shape[-2]
    if apply and not learning_rate > 0:
        raise ParameterError(f"sgd_step: apply=True needs learning_rate > 0, got {learning_rate!r}")
    scale = (learning_rate if apply else 1.0) / m
    if apply and m == 1:
        done = step_rank1(params, x, y, kind, scale, ws)  # compiled, where a C compiler is present
        if done is not None:
            loss, gmax = done
            return None, loss, gmax / scale, 1.0 / scale
    if apply and m in TILED_BATCH_SIZES:
        done = step_tiled(params, x, y, kind, scale, ws)  # compiled, register-tiled
        if done is not None:
            loss, gmax = done
            return None, loss, gmax / (scale * m), 1.0 / (scale * m)
    acts, masks = _forward(params, x, kind, ws)
    delta, loss = _output_delta(acts[-1], y, scale, ws)
    if apply and _rank1_ready(params, x):
        gmax = _backward_rank1(params, acts, masks, delta, kind, ws)
        return None, loss.mean(axis=1), gmax / scale, 1.0 / scale
    grads, sq = _backward(params, acts, masks, delta, kind, per_sample=True, ws=ws, update=apply)
    bound = np.sqrt(sq).sum(axis=1) / (m * scale)
    return grads, loss.mean(axis=1), bound, 1.0 / (scale * m)


def max_abs(grads) -> np.ndarray:
    """Largest |component| of each trial's gradient list, shape (K,) (NaN-propagating)."""
    return np.max([np.abs(g.reshape(g.shape[0], -1)).max(axis=1) for g in grads], axis=0)


def sgd_steps(params, x_train, y_train, idx, kind, learning_rate, ws, *, max_grad=None):
    """S consecutive in-place SGD steps θ ← θ − r∇U_b of every trial; step s uses the examples ``idx[s]``.

    ``x_train`` (N, d) and ``y_train`` (N,) are the training set, ``idx``
    (S, K, m) the indices of each trial's minibatch at each step.  The
    result is that of S calls of :func:`sgd_step` (``apply=True``) on the
    minibatches ``x_train[idx[s]]``.  Where a C compiler is present and m
    is 1 or in ``TILED_MULTI_BATCH_SIZES`` (2..100) the S steps run as one
    compiled call, trial after trial, so each trial's weights stay in the
    core's cache across its S steps instead of coming back from the outer
    cache at every step; each step is then the compiled single step's
    arithmetic (bitwise its trajectory).  Otherwise S calls of
    :func:`sgd_step`.

    Returns ``(loss, bound)``, each (S, K): the minibatch losses and the
    largest gradient component max_i |∂_i U_b| of every step, exact on the
    compiled path; on the numpy path the cheap bound of :func:`sgd_step`,
    replaced by the exact maximum at every step where some trial's bound
    reaches ``max_grad`` or its loss is not finite (so divergence tests
    against ``max_grad`` are exact either way).

    Examples
    --------
    >>> import numpy as np
    >>> spec = MLPSpec(3, 2, width=4, depth=2)
    >>> p = init_ensemble(spec, [np.random.default_rng(i) for i in range(2)])
    >>> q = [a.copy() for a in p]
    >>> g = np.random.default_rng(9); x = g.random((20, 3)); y = g.integers(0, 2, 20)
    >>> idx = g.integers(0, 20, (3, 2, 5))  # 3 steps, 2 trials, 5 examples each
    >>> loss, bound = sgd_steps(p, x, y, idx, "relu", 0.1, Workspace())
    >>> loss.shape, bound.shape
    ((3, 2), (3, 2))
    >>> ws = Workspace()
    >>> for s in range(3):
    ...     _ = sgd_step(q, x[idx[s]], y[idx[s]], "relu", 0.1, ws)
    >>> all(np.allclose(a, b) for a, b in zip(p, q))  # the same steps, one call
    True
    """
    if not learning_rate > 0:
        raise ParameterError(f"sgd_steps: learning_rate must be > 0, got {learning_rate!r}")
    idx = np.asarray(idx)
    if idx.ndim != 3:
        raise ParameterError(f"sgd_steps: idx must have shape (steps, trials, batch size), got {idx.shape}")
    S, K, m = idx.shape
    labels = np.asarray(y_train)[idx]
    done = None
    if m == 1:
        done = steps_rank1(params, x_train, idx, labels, kind, learning_rate, ws)
    elif m in TILED_MULTI_BATCH_SIZES:
        done = steps_tiled(params, x_train, idx, labels, kind, learning_rate / m, ws)
    if done is not None:
        loss, gmax = done
        return loss, gmax / learning_rate
    losses, bounds = [], []
    for s in range(S):
        xb = np.take(x_train, idx[s], axis=0, out=ws.get("x", idx.shape[1:] + x_train.shape[1:], x_train.dtype))
        grads, loss, bound, to_grad = sgd_step(params, xb, labels[s], kind, learning_rate, ws)
        if (max_grad is not None and grads is not None
                and not (np.all(np.isfinite(loss)) and np.all(bound < max_grad))):
            bound = max_abs(grads) * to_grad  # exact, only when the cheap bound is exceeded
        losses.append(loss)
        bounds.append(bound)
    return np.stack(losses), np.stack(bounds)
