"""An ensemble of K feed-forward classifiers evaluated with batched matmuls.

Every array carries the trial axis first: weights ``W_l`` of shape
``(K, n_in, n_out)``, biases ``b_l`` of shape ``(K, n_out)``, activations
``(K, n, width)``.  One ``np.matmul`` per layer advances all K networks, so
the ensemble costs no Python loop over networks.

Loss: softmax cross-entropy averaged over the examples used,
U_b(θ) = (1/|b|) Σ_{n∈b} ℓ_n(θ), ℓ_n = logsumexp(z_n) − z_{n,y_n}.

Per-sample gradient norms (for tr Σ₁, stochastic-thermodynamics digest
Result 7(c)) use the layer-wise factorisation of an MLP: the per-sample
gradient of ``W_l`` is the outer product a_{l−1,n} δ_{l,n}ᵀ, so

    ||∇ℓ_n||² = Σ_l (||a_{l−1,n}||² + 1) · ||δ_{l,n}||²

(the ``+ 1`` is the bias), computed without forming any per-sample gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory import ParameterError

__all__ = ["MLPSpec", "init_ensemble", "ensemble_gradient", "ensemble_predict", "GradientStats"]

_ACTIVATIONS = ("relu", "tanh")


@dataclass(frozen=True)
class MLPSpec:
    """Architecture of one network of the ensemble.

    ``depth`` counts affine (weight) layers, so ``depth=4`` is
    input → 200 → 200 → 200 → output: three hidden layers of ``width`` plus
    the output layer.  This is our reading of the paper's "four-layer
    feed-forward network with a uniform width of 200" (digest Result 7 lists
    it as an open choice; ``depth=5`` gives the other reading).

    >>> MLPSpec(64, 10).dim_theta
    95410
    >>> MLPSpec(784, 10).dim_theta    # MNIST: the digest's 239,410
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


def _act(h, kind):
    if kind == "relu":
        return np.maximum(h, 0.0)
    return np.tanh(h)


def _dact(a, kind):
    """Derivative of the activation expressed through its output a."""
    if kind == "relu":
        return (a > 0.0).astype(a.dtype)
    return 1.0 - a * a


def _first_layer(x, W, b):
    # x shared (n, d) -> broadcast against (K, d, h); x per trial (K, n, d).
    return np.matmul(x, W) + b[:, None, :]


def _forward(params, x, kind):
    acts = [x]
    L = len(params) // 2
    a = x
    for i in range(L):
        W, b = params[2 * i], params[2 * i + 1]
        h = _first_layer(a, W, b) if i == 0 else np.matmul(a, W) + b[:, None, :]
        a = _act(h, kind) if i < L - 1 else h
        acts.append(a)
    return acts  # acts[-1] are the logits (K, n, C)


def _log_softmax(z):
    zmax = z.max(axis=-1, keepdims=True)
    s = z - zmax
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def ensemble_predict(params, x, kind="relu") -> np.ndarray:
    """Predicted class of every example for every trial, shape (K, n)."""
    return _forward(params, x, kind)[-1].argmax(axis=-1)


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


def _backward(params, acts, y, kind, scale, per_sample):
    """Gradient of scale·Σ_n ℓ_n; optionally Σ_n ||∇ℓ_n||² (unscaled)."""
    L = len(params) // 2
    z = acts[-1]
    logp = _log_softmax(z)
    yy = y if y.ndim == 2 else np.broadcast_to(y, z.shape[:2])
    picked = np.take_along_axis(logp, yy[..., None], axis=-1)[..., 0]
    loss_sum = -picked.sum(axis=-1)
    delta = np.exp(logp)
    np.put_along_axis(delta, yy[..., None], np.take_along_axis(delta, yy[..., None], axis=-1) - 1.0, axis=-1)
    grads = [None] * (2 * L)
    sq = np.zeros(z.shape[0]) if per_sample else None
    for i in range(L - 1, -1, -1):
        a_prev = acts[i]
        if per_sample:
            d2 = np.einsum("knj,knj->kn", delta, delta)
            a2 = np.einsum("...nj,...nj->...n", a_prev, a_prev) + 1.0
            sq += (d2 * a2).sum(axis=-1)
        if a_prev.ndim == 2:  # shared input (n, d)
            gW = np.matmul(a_prev.T, delta)
        else:
            gW = np.matmul(a_prev.transpose(0, 2, 1), delta)
        grads[2 * i] = gW * scale
        grads[2 * i + 1] = delta.sum(axis=1) * scale
        if i > 0:
            delta = np.matmul(delta, params[2 * i].transpose(0, 2, 1)) * _dact(acts[i], kind)
    return grads, loss_sum, sq


def ensemble_gradient(params, x, y, kind="relu", *, per_sample=False, block=None) -> GradientStats:
    """∇U(θ) = (1/n) Σ_n ∇ℓ_n for every trial, optionally Σ_n ||∇ℓ_n||².

    ``x`` is either shared by all trials, shape (n, d) with ``y`` (n,), or
    per trial, shape (K, n, d) with ``y`` (K, n) (a minibatch of each
    trial).  A shared ``x`` is processed in blocks of ``block`` examples to
    bound memory; the result does not depend on ``block``.

    >>> import numpy as np
    >>> spec = MLPSpec(3, 2, width=4, depth=2)
    >>> rngs = [np.random.default_rng(i) for i in range(2)]
    >>> p = init_ensemble(spec, rngs)
    >>> x = np.random.default_rng(9).random((5, 3)); y = np.array([0, 1, 1, 0, 1])
    >>> g = ensemble_gradient(p, x, y, per_sample=True)
    >>> g.loss.shape, g.grads[0].shape, g.sq_norm_sum.shape
    ((2,), (2, 3, 4), (2,))
    """
    n = x.shape[-2]
    if x.ndim == 3 or block is None or block >= n:
        acts = _forward(params, x, kind)
        grads, loss_sum, sq = _backward(params, acts, np.asarray(y), kind, 1.0 / n, per_sample)
        return GradientStats(grads, loss_sum / n, sq, n)
    total = None
    loss = 0.0
    sq = 0.0 if per_sample else None
    for s in range(0, n, int(block)):
        xb, yb = x[s:s + block], y[s:s + block]
        acts = _forward(params, xb, kind)
        g, l, q = _backward(params, acts, yb, kind, 1.0 / n, per_sample)
        total = g if total is None else [t + u for t, u in zip(total, g)]
        loss = loss + l
        if per_sample:
            sq = sq + q
    return GradientStats(total, loss / n, sq, n)
