"""The SGD-noise measurement of Figure 4.1 (Entropy 26, 112 (2024), Sec. 4).

K networks are trained with vanilla SGD, θ_{t+1} = θ_t − r ∇U_{b_t}(θ_t).  At
every *measured* step t each trial also computes the full-batch gradient at
the same θ_t and the noise

    η_t = ∇U_{b_t}(θ_t) − ∇U_B(θ_t),

and records only scalars per trial (never the η vectors of all steps):
v_k(t) = ||η_t||²/P, the prediction p_k(t) = tr Σ₁(θ_t)/(P m) (times
(N−m)/(N−1) with epoch shuffling), the largest |∇U_B| component, and at a
chosen origin t₀ the lag products x_k(ℓ) = η_{t₀}·η_{t₀+ℓ}/P (η_{t₀} is
kept per trial).  Σ₁ is the per-sample gradient covariance over the
training set, tr Σ₁ = (1/N) Σ_n ||∇ℓ_n||² − ||∇U_B||².  Ensemble averages
(1/K) Σ_k of these give C_ii(t, 0) and C_ii(t₀, ℓ) averaged over i.

Trial k draws its initialisation and its minibatch sequence from its own
Generator, spawned from one seed (``SeedSequence(seed).spawn(K)``), so a run
split into chunks on any executor gives exactly the numbers of the
in-process run.
"""

from __future__ import annotations

import bisect
import functools
import sys
from dataclasses import dataclass, replace

import numpy as np

from thermolearn.theory import ParameterError

from ._data import Dataset
from ._kernel import rank1_kernel
from ._mlp import (MLPSpec, Workspace, _backward, _dact_, _forward, _gradient, _output_delta, ensemble_predict,
                   init_ensemble, max_abs, scipy_ger, sgd_step, sgd_steps)
from thermolearn.numeric.results import ResultMixin

__all__ = ["SGDNoiseConfig", "SGDNoiseResult", "run_trials", "merge_results", "initial_state", "group_size"]


@dataclass(frozen=True)
class SGDNoiseConfig:
    """Settings of one SGD-noise run (one batch size).

    Parameters
    ----------
    batch_size : int
        m, examples per minibatch (≤ the number of training examples).
    learning_rate : float
        r ≥ 0 (r = 0 measures the noise at frozen initial parameters).
    steps : int
        Number of SGD steps.
    trials : int
        K, ensemble size (≥ 2).
    width, depth, activation : network, see :class:`MLPSpec`.
    replacement : bool
        True: each minibatch is m indices drawn uniformly with replacement
        (independently at every step).  False: epoch shuffling, consecutive
        slices of a fresh permutation (a final partial batch is dropped).
    measure_every : int
        Measure η at steps t ≡ 0 (mod measure_every); the lag window below
        is always measured at every step.
    t0, max_lag : int
        Origin and length of the autocorrelation window (t₀ … t₀+max_lag).
    eval_every : int
        Test accuracy and tracked parameter are recorded every so many steps
        and after the last step.
    tracked : tuple
        (hidden unit, class) index of the last-layer weight whose trajectory
        is recorded (panel a).
    max_grad : float
        Divergence threshold on any gradient component (NaN/inf losses are
        always divergence).
    block : int
        Examples per block of the full-batch gradient on the numpy path
        (memory bound only; the compiled pass of ``numeric/sgd/_tiled.py``
        uses its own cache-sized blocks).
    dtype : {"float64", "float32"}
        Floating type of parameters, data and gradients.  float32 halves the
        cost of the full-batch gradients (the BLAS-bound part); its relative
        rounding, ~1e-7, is far below the statistical errors of the noise
        measurement.
    blas_threads : int or None
        BLAS threads inside one chunk of trials (None: the library default).
        One thread per chunk is fastest for the many small batched products
        and never oversubscribes; parallelism comes from the executor.
    group_size : int or None
        Trials advanced together by one batched product (None: automatic,
        as many as keep a group's weights, gradients and activations
        within about 8 MiB, i.e. in cache).  Groups are trained one
        after another; the results do not depend on it, only the speed.
    draws : int
        J, independent minibatches whose noise ||η||² is measured at every
        measured step (J ≥ 1).  The first is the minibatch that drives the
        step; the other J − 1 are drawn from a separate per-trial stream
        (the trajectory does not depend on J) and reuse the one full-batch
        gradient of that step.  Given θ_t the J draws are i.i.d. with
        E[||η||²/P | θ_t] = tr Σ₁(θ_t)/(P m) (Entropy 26, 112 (2024),
        Cov η = Σ₁/m), so ``noise_var`` (their mean) is an unbiased estimate
        with conditional variance Var(||η||²/P | θ_t)/J: J draws at each of
        T/J measured steps carry the statistical power of one draw at each of
        T steps, for 1/J of the full-batch passes (the cost of the
        measurement).  The lag window's products use the first draw only.
    """

    batch_size: int = 10
    learning_rate: float = 0.02
    steps: int = 2000
    trials: int = 50
    width: int = 200
    depth: int = 4
    activation: str = "relu"
    replacement: bool = True
    measure_every: int = 20
    t0: int = 1000
    max_lag: int = 20
    eval_every: int = 50
    tracked: tuple = (0, 0)
    max_grad: float = 1e6
    block: int = 512
    dtype: str = "float64"
    blas_threads: int | None = 1
    group_size: int | None = None
    draws: int = 1

    def __post_init__(self):
        for name in ("batch_size", "steps", "trials", "measure_every", "eval_every", "block", "draws"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ParameterError(f"{name} must be a positive integer, got {v!r}")
        if self.trials < 2:
            raise ParameterError(f"trials must be at least 2 (an ensemble), got {self.trials}")
        for name in ("t0", "max_lag"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ParameterError(f"{name} must be a non-negative integer, got {v!r}")
        if self.t0 + self.max_lag >= self.steps:
            raise ParameterError(
                f"t0 + max_lag must be < steps, got t0={self.t0}, max_lag={self.max_lag}, steps={self.steps}"
            )
        r = self.learning_rate
        if isinstance(r, bool) or not np.isfinite(r) or r < 0:
            raise ParameterError(f"learning_rate must be a finite number >= 0, got {r!r}")
        if not (np.isfinite(self.max_grad) and self.max_grad > 0):
            raise ParameterError(f"max_grad must be positive and finite, got {self.max_grad!r}")
        if self.blas_threads is not None and (isinstance(self.blas_threads, bool) or self.blas_threads < 1):
            raise ParameterError(f"blas_threads must be a positive integer or None, got {self.blas_threads!r}")
        g = self.group_size
        if g is not None and (isinstance(g, bool) or not isinstance(g, (int, np.integer)) or g < 1):
            raise ParameterError(f"group_size must be a positive integer or None, got {g!r}")
        if self.dtype not in ("float64", "float32"):
            raise ParameterError(f"dtype must be 'float64' or 'float32', got {self.dtype!r}")
        if len(self.tracked) != 2 or min(self.tracked) < 0 or self.tracked[0] >= self.width:
            raise ParameterError(f"tracked must be (hidden unit < width, class), got {self.tracked!r}")

    def spec(self, data: Dataset) -> MLPSpec:
        return MLPSpec(data.n_features, data.n_classes, self.width, self.depth, self.activation)

    def measured_steps(self) -> np.ndarray:
        """Steps at which η is measured (sorted)."""
        every = np.arange(0, self.steps, self.measure_every)
        window = np.arange(self.t0, self.t0 + self.max_lag + 1)
        return np.union1d(every, window)


@dataclass(frozen=True)
class SGDNoiseResult(ResultMixin):
    """Per-trial records of one run; ensemble statistics as methods.

    Arrays have the trial axis first (K, ...).  ``steps`` are the measured
    steps (T,); ``noise_var`` v_k(t) = ||η||²/P; ``predicted_var`` the
    prediction tr Σ₁/(P m) (·(N−m)/(N−1) without replacement);
    ``max_full_grad`` max_i |∇U_B,i|; ``full_loss`` U_B(θ_t);
    ``lag_products`` (K, L+1) η_{t₀}·η_{t₀+ℓ}/P and ``lag_var`` (K, L+1)
    ||η_{t₀+ℓ}||²/P of the same (driving) minibatches, its normaliser
    (``noise_var`` is the mean over ``config.draws`` draws); ``eval_steps`` (E,),
    ``test_accuracy`` (K, E), ``tracked_param`` (K, E).  ``diverged`` and
    ``message`` report a stopped run; arrays then hold what was measured
    before the divergence.
    """

    config: SGDNoiseConfig
    dim_theta: int
    n_train: int
    trial_ids: np.ndarray
    steps: np.ndarray
    noise_var: np.ndarray
    predicted_var: np.ndarray
    max_full_grad: np.ndarray
    full_loss: np.ndarray
    lag_products: np.ndarray
    eval_steps: np.ndarray
    test_accuracy: np.ndarray
    tracked_param: np.ndarray
    diverged: bool = False
    message: str = ""
    completed_steps: int = 0
    lag_var: np.ndarray | None = None

    @property
    def trials(self) -> int:
        return int(self.noise_var.shape[0])

    # --- ensemble statistics -------------------------------------------------
    def variance(self) -> np.ndarray:
        """(1/P) Σ_i C_ii(t, 0) = (1/K) Σ_k ||η_k(t)||²/P at the measured steps."""
        return self.noise_var.mean(axis=0)

    def predicted(self) -> np.ndarray:
        """Ensemble mean of tr Σ₁(θ_t)/(P m) at the measured steps."""
        return self.predicted_var.mean(axis=0)

    def temperature(self) -> np.ndarray:
        """Effective temperature T_Θ(t) = r tr Σ₁/(2 m P) (Entropy 26, 112 (2024), SGD as a noisy dynamics), ensemble mean."""
        return 0.5 * self.config.learning_rate * self.predicted()

    def autocorrelation(self) -> np.ndarray:
        """(1/P) Σ_i C_ii(t₀, ℓ), ℓ = 0 … (available lags)."""
        return self.lag_products.mean(axis=0)

    def _lag_variance(self) -> np.ndarray:
        L = self.lag_products.shape[1]
        if self.lag_var is not None:
            return self.lag_var[:, :L].sum(axis=0)
        pos = np.searchsorted(self.steps, self.config.t0 + np.arange(L))
        return self.noise_var[:, pos].sum(axis=0)

    def normalised_autocorrelation(self) -> tuple[np.ndarray, np.ndarray]:
        """ρ(ℓ) = C(t₀, t₀+ℓ)/√(C(t₀,t₀) C(t₀+ℓ,t₀+ℓ)) and its standard error.

        The error treats the K per-trial products x_k(ℓ) as independent
        (trials are): se = √(Σ_k (x_k − x̄)²·K/(K−1)) / √(Σ_k x_k(0) Σ_k v_k(t₀+ℓ)).
        """
        x = self.lag_products
        K = x.shape[0]
        if x.shape[1] == 0:  # the run stopped (diverged) before t₀: nothing measured
            return np.zeros(0), np.zeros(0)
        denom = np.sqrt(x[:, 0].sum() * self._lag_variance())
        rho = x.sum(axis=0) / denom
        se = np.sqrt(K / (K - 1) * ((x - x.mean(axis=0)) ** 2).sum(axis=0)) / denom
        return rho, se

    def accuracy(self) -> tuple[np.ndarray, np.ndarray]:
        """Ensemble mean and variance of the test accuracy at ``eval_steps``."""
        return self.test_accuracy.mean(axis=0), self.test_accuracy.var(axis=0)

    def variance_ratio(self) -> tuple[float, float]:
        """Measured over predicted mean variance, and its standard error.

        Per trial, d_k = Σ_t v_k(t) / Σ_t p_k(t); the ratio of ensemble sums
        and the spread of d_k over trials give the estimate and its error.
        """
        num = self.noise_var.sum(axis=1)
        den = self.predicted_var.sum(axis=1)
        ratio = num.sum() / den.sum()
        K = num.size
        se = np.std(num / den, ddof=1) / np.sqrt(K)
        return float(ratio), float(se)


def _batches(rngs, n, m, steps, replacement):
    """Generator of (K, m) index arrays, one row per trial's own Generator."""
    if replacement:
        chunk = 64
        for s in range(0, steps, chunk):
            c = min(chunk, steps - s)
            block = np.stack([r.integers(0, n, size=(c, m)) for r in rngs], axis=1)
            yield from block
        return
    per_epoch = n // m
    perms = None
    for t in range(steps):
        j = t % per_epoch
        if j == 0:
            perms = np.stack([r.permutation(n) for r in rngs])
        yield perms[:, j * m:(j + 1) * m]


def _extra_batches(rngs, n, m, draws, replacement):
    """(draws, K, m) indices of independent extra minibatches, one row per trial's own stream.

    With replacement m uniform indices; without, m distinct ones (the law of
    one slice of a random permutation).
    """
    if replacement:
        return np.stack([r.integers(0, n, size=(draws, m)) for r in rngs], axis=1)
    return np.stack([np.stack([r.choice(n, m, replace=False) for _ in range(draws)]) for r in rngs], axis=1)


def _dot(a, b):
    """Per-trial inner product of two gradient lists, accumulated in float64."""
    return sum(np.einsum("ki,ki->k", u.reshape(u.shape[0], -1), v.reshape(v.shape[0], -1),
                         dtype=np.float64) for u, v in zip(a, b))


_GROUP_BYTES = 8 * 2**20


@functools.lru_cache(maxsize=2)
def _blas_controller(with_scipy: bool = False):
    """threadpoolctl's view of the loaded BLAS libraries, built once per process (and once more after scipy's).

    Building it scans every loaded shared library (about 10 ms); a per-trial
    loop of ``run_trials`` calls would pay that at every call.  ``with_scipy``
    says whether scipy's BLAS is loaded (it then must be under the limit).
    """
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def group_size(config: SGDNoiseConfig, spec: MLPSpec) -> int:
    """Trials per batched group: ``config.group_size`` or the automatic choice.

    The automatic size keeps one group's working set, weights and gradients
    (2·dim θ numbers per trial) plus activations and deltas (2·m·Σ widths),
    within about 8 MiB: beyond that every step streams the weights from
    memory instead of cache, and the batched products lose to smaller
    groups (benchmarks/bench_sgd.py measures it).

    >>> from thermolearn.numeric.sgd import SGDNoiseConfig, MLPSpec
    >>> group_size(SGDNoiseConfig(trials=50, dtype="float32"), MLPSpec(64, 10))
    10
    >>> group_size(SGDNoiseConfig(trials=50, width=32, dtype="float32"), MLPSpec(64, 10, width=32))
    50
    """
    if config.group_size is not None:
        return min(int(config.group_size), config.trials)
    per_trial = np.dtype(config.dtype).itemsize * (2 * spec.dim_theta + 2 * config.batch_size * sum(spec.sizes[1:]))
    return int(np.clip(_GROUP_BYTES // per_trial, 1, config.trials))


def run_trials(data: Dataset, config: SGDNoiseConfig, seed: int, trial_ids=None) -> SGDNoiseResult:
    """Train the trials ``trial_ids`` of the ensemble, vectorised over trials.

    ``trial_ids`` defaults to ``range(config.trials)``; trial k uses the
    k-th child of ``SeedSequence(seed)``.  The trials are advanced in
    groups of :func:`group_size` by batched matrix products; a group that
    diverges stops the later groups at the same step (the merged result is
    cut there anyway, see :func:`merge_results`).  The training steps
    between consecutive measured or evaluated steps run as one
    :func:`sgd_steps` call (each trial's steps back to back on the compiled
    path); divergence is still checked at every step and reported at the
    first one.
    """
    m, n = config.batch_size, data.n_train
    if m > n:
        raise ParameterError(f"batch_size must not exceed the {n} training examples, got {m}")
    ids = np.arange(config.trials) if trial_ids is None else np.asarray(trial_ids, dtype=int)
    spec = config.spec(data)
    size = group_size(config, spec)
    parts, stop = [], config.steps
    if config.batch_size == 1 and rank1_kernel(config.dtype) is None:
        scipy_ger()  # the fallback rank-1 step's BLAS, loaded before the thread limit is taken
    with_scipy = "scipy.linalg.blas" in sys.modules
    limits = None if config.blas_threads is None else _blas_controller(with_scipy).limit(
        limits=config.blas_threads, user_api="blas")
    try:
        for s in range(0, ids.size, size):
            group = ids[s:s + size]
            params, batch_rngs = initial_state(data, config, seed, group)
            draw_rngs = _draw_rngs(config, seed, group)
            # overflow on the way to a divergence is detected and reported explicitly, not warned about
            with np.errstate(over="ignore", invalid="ignore"):
                part = _train(data, config, spec, params, batch_rngs, group, stop, draw_rngs)
            parts.append(part)
            if part.diverged:
                stop = min(stop, part.completed_steps)
    finally:
        if limits is not None:
            limits.restore_original_limits()
    return merge_results(parts)


def initial_state(data: Dataset, config: SGDNoiseConfig, seed: int, trial_ids=None):
    """θ₀ of the trials ``trial_ids`` and their minibatch Generators.

    Trial k uses child k of ``SeedSequence(seed)``, itself split into an
    initialisation stream and a minibatch stream.
    """
    ids = np.arange(config.trials) if trial_ids is None else np.asarray(trial_ids, dtype=int)
    if ids.size == 0 or ids.min() < 0 or ids.max() >= config.trials:
        raise ParameterError(f"trial_ids must be non-empty and lie in 0..{config.trials - 1}, got {ids.tolist()}")
    children = np.random.SeedSequence(int(seed)).spawn(config.trials)
    pairs = [children[k].spawn(2) for k in ids]  # (initialisation, minibatches) per trial
    params = init_ensemble(config.spec(data), [np.random.default_rng(a) for a, _ in pairs])
    params = [p.astype(config.dtype, copy=False) for p in params]
    return params, [np.random.default_rng(b) for _, b in pairs]


def _draw_rngs(config: SGDNoiseConfig, seed: int, ids) -> list:
    """Per-trial Generators of the extra noise draws: the third child of trial k's seed.

    ``spawn`` numbers children consecutively, so the initialisation and
    minibatch streams of :func:`initial_state` are unchanged by this one.
    """
    children = np.random.SeedSequence(int(seed)).spawn(config.trials)
    return [np.random.default_rng(children[k].spawn(3)[2]) for k in ids]


def _noise_draws(params, full, data, config, x_train, rngs, ws):
    """Σ_j ||∇U_{b_j}(θ) − ∇U_B(θ)||² over ``config.draws`` − 1 extra minibatches b_j (per trial).

    Every draw reuses the full-batch gradient ``full`` of the same θ; only
    the m examples of each draw are forwarded and back-propagated.
    """
    idx = _extra_batches(rngs, data.n_train, config.batch_size, config.draws - 1, config.replacement)
    if config.batch_size == 1:
        return _single_example_draws(params, full, data, config, x_train, idx[:, :, 0].T, ws)
    kind, total = config.activation, 0.0
    for b in idx:
        xb = np.take(x_train, b, axis=0, out=ws.get("x", b.shape + x_train.shape[1:], x_train.dtype))
        # the arithmetic of _gradient on one block, left in the workspace's buffers (no copies)
        acts, masks = _forward(params, xb, kind, ws)
        delta, _ = _output_delta(acts[-1], data.y_train[b], 1.0 / config.batch_size, ws)
        grads, _ = _backward(params, acts, masks, delta, kind, ws=ws)
        for u, v in zip(grads, full.grads):
            np.subtract(u, v, out=u)  # η = ∇U_b − ∇U_B in place
        total = total + _dot(grads, grads)
    return total


def _single_example_draws(params, full, data, config, x_train, b, ws):
    """Σ_j ||∇ℓ_{b_j}(θ) − ∇U_B(θ)||² over single-example draws ``b`` (K, J), all J in one batched pass.

    With one example the minibatch gradient is the per-example gradient,
    whose layer-l weight block is the outer product a_{l−1} δ_lᵀ, so

        ||∇ℓ − g||² = Σ_l (||a_{l−1}||² + 1)·||δ_l||² − 2 Σ_l (a_{l−1}ᵀ G_l δ_l + g_{b,l}·δ_l) + ||g||²

    (g = ∇U_B with blocks G_l, g_{b,l}): no per-draw gradient is formed, and
    the J draws share one forward and backward pass.  Accumulated in float64.
    """
    kind, L = config.activation, len(params) // 2
    xb = np.take(x_train, b, axis=0, out=ws.get("x1", b.shape + x_train.shape[1:], x_train.dtype))
    acts, masks = _forward(params, xb, kind, ws)
    delta, _ = _output_delta(acts[-1], data.y_train[b], 1.0, ws)
    sq, cross = np.zeros(b.shape), np.zeros(b.shape)
    for i in range(L - 1, -1, -1):
        a, G, gb = acts[i], full.grads[2 * i], full.grads[2 * i + 1]
        sq += ((np.einsum("kjn,kjn->kj", a, a, dtype=np.float64) + 1.0)
               * np.einsum("kjo,kjo->kj", delta, delta, dtype=np.float64))
        aG = np.matmul(a, G.astype(a.dtype, copy=False), out=ws.get(("aG", i), delta.shape, delta.dtype))
        cross += (np.einsum("kjo,kjo->kj", aG, delta, dtype=np.float64)
                  + np.einsum("kjo,ko->kj", delta, gb, dtype=np.float64))
        if i > 0:
            delta = np.matmul(delta, params[2 * i].transpose(0, 2, 1),
                              out=ws.get(("delta", i - 1), acts[i].shape, delta.dtype))
            _dact_(delta, acts[i], masks[i - 1], kind)
    return (sq - 2.0 * cross).sum(axis=1) + b.shape[1] * _dot(full.grads, full.grads)


def _diverged(t, trial, loss, gmax, config) -> str:
    """The message of a run stopped at step ``t`` by a minibatch loss or gradient component."""
    return (f"SGD diverged at step {t} in trial {int(trial)}: minibatch loss {loss:.3g}, "
            f"max |gradient| {gmax:.3g} (threshold {config.max_grad:g}); "
            f"learning_rate={config.learning_rate} is too large")


#: Steps per compiled multi-step call at most (bounds the index arrays; chunks end earlier at measured and
#: evaluated steps anyway).
_CHUNK_STEPS = 64


def _train(data, config, spec, params, batch_rngs, ids, stop, draw_rngs=None):
    m, n, K, P = config.batch_size, data.n_train, len(ids), spec.dim_theta
    x_train, y_train = data.x_train.astype(config.dtype, copy=False), data.y_train
    x_test = data.x_test.astype(config.dtype, copy=False)
    r, kind = config.learning_rate, config.activation
    factor = 1.0 if config.replacement else (n - m) / max(n - 1, 1)
    measured = set(config.measured_steps().tolist())
    lag_end = config.t0 + config.max_lag
    rec = {k: [] for k in ("steps", "v", "p", "gmax", "loss")}
    lags = np.zeros((K, config.max_lag + 1))
    lag_var = np.zeros((K, config.max_lag + 1))
    ev = {k: [] for k in ("steps", "acc", "param")}
    eta0 = None
    hu, cls = config.tracked
    diverged, message, done = False, "", 0

    def evaluate(t):
        pred = ensemble_predict(params, x_test, kind, ws=ws_full)
        ev["steps"].append(t)
        ev["acc"].append((pred == data.y_test).mean(axis=1))
        ev["param"].append(params[-2][:, hu, cls].copy())

    ws, ws_full, ws_draw = Workspace(), Workspace(), Workspace()
    batches = _batches(batch_rngs, n, m, stop, config.replacement)
    stops = sorted(measured | set(range(0, stop, config.eval_every)) | {stop})  # steps a chunk must end before
    t = 0
    while t < stop:
        if t % config.eval_every == 0:
            evaluate(t)
        measure = t in measured
        if r > 0 and not measure:
            # the steps up to the next measured or evaluated step, in one call: each trial's weights stay
            # in cache across them; divergence is checked at every step of the chunk
            end = min(stops[bisect.bisect_right(stops, t)], t + _CHUNK_STEPS)
            idx = np.stack([next(batches) for _ in range(end - t)])
            loss, gmax = sgd_steps(params, x_train, y_train, idx, kind, r, ws, max_grad=config.max_grad)
            bad = ~np.isfinite(loss) | ~(gmax < config.max_grad)
            if np.any(bad):
                s_, k = np.unravel_index(int(np.argmax(bad)), bad.shape)  # the first step, then the first trial
                diverged, done = True, t + int(s_)
                message = _diverged(done, ids[k], loss[s_, k], gmax[s_, k], config)
                break
            t = done = end
            continue
        idx = next(batches)
        xb = np.take(x_train, idx, axis=0, out=ws.get("x", idx.shape + x_train.shape[1:], x_train.dtype))
        grads, loss, bound, to_grad = sgd_step(params, xb, y_train[idx], kind, r, ws, apply=False)
        if not (np.all(np.isfinite(loss)) and np.all(bound < config.max_grad)):
            # exact, only when the cheap bound is exceeded
            gmax = max_abs(grads) * to_grad
            bad = ~np.isfinite(loss) | ~(gmax < config.max_grad)
            if np.any(bad):
                k = int(np.argmax(bad))
                diverged, message = True, _diverged(t, ids[k], loss[k], gmax[k], config)
                break
        if measure:
            full = _gradient(params, x_train, y_train, kind, per_sample=True, block=config.block, ws=ws_full)
            if not np.all(np.isfinite(full.loss) & np.isfinite(full.sq_norm_sum)):
                k = int(np.argmax(~np.isfinite(full.loss) | ~np.isfinite(full.sq_norm_sum)))
                diverged = True
                message = (f"SGD diverged at step {t} in trial {int(ids[k])}: full-batch loss "
                           f"{full.loss[k]:.3g}; learning_rate={r} is too large")
                break
            eta = [g_mb - g_full for g_mb, g_full in zip(grads, full.grads)]
            tr_sigma = full.sq_norm_sum / n - _dot(full.grads, full.grads)
            v = _dot(eta, eta) / P
            if config.draws > 1:
                extra = _noise_draws(params, full, data, config, x_train, draw_rngs, ws_draw)
                rec["v"].append((v + extra / P) / config.draws)
            else:
                rec["v"].append(v)
            rec["steps"].append(t)
            rec["p"].append(tr_sigma / (P * m) * factor)
            rec["gmax"].append(max_abs(full.grads))
            rec["loss"].append(full.loss)
            if t == config.t0:
                eta0 = eta
            if config.t0 <= t <= lag_end:
                lags[:, t - config.t0] = _dot(eta0, eta) / P
                lag_var[:, t - config.t0] = v
            if r > 0:
                for p_, g in zip(params, grads):
                    g *= r
                    p_ -= g
        t = done = t + 1
    if not diverged and done == config.steps:
        evaluate(config.steps)  # the final accuracy is always recorded
    n_lag = int(np.clip(done - config.t0, 0, config.max_lag + 1))

    def arr(key, d=rec):
        return np.array(d[key], dtype=np.float64).T if d[key] else np.zeros((K, 0))

    return SGDNoiseResult(
        config=config, dim_theta=P, n_train=n, trial_ids=np.asarray(ids),
        steps=np.array(rec["steps"], dtype=int), noise_var=arr("v"), predicted_var=arr("p"),
        max_full_grad=arr("gmax"), full_loss=arr("loss"), lag_products=lags[:, :n_lag],
        eval_steps=np.array(ev["steps"], dtype=int), test_accuracy=arr("acc", ev), tracked_param=arr("param", ev),
        diverged=diverged, message=message, completed_steps=done, lag_var=lag_var[:, :n_lag],
    )


def merge_results(parts) -> SGDNoiseResult:
    """Concatenate chunk results along the trial axis (ordered by trial id).

    Chunks stopped at different steps (a divergence) are cut to the
    shortest, so every statistic uses the same steps for all trials.
    """
    parts = sorted(parts, key=lambda p: int(p.trial_ids[0]))
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    T = min(p.steps.size for p in parts)
    E = min(p.eval_steps.size for p in parts)
    L = min(p.lag_products.shape[1] for p in parts)

    def cat(name, n):
        return np.concatenate([getattr(p, name)[:, :n] for p in parts], axis=0)

    bad = [p for p in parts if p.diverged]
    return replace(
        first, trial_ids=np.concatenate([p.trial_ids for p in parts]), steps=first.steps[:T],
        noise_var=cat("noise_var", T), predicted_var=cat("predicted_var", T), max_full_grad=cat("max_full_grad", T),
        full_loss=cat("full_loss", T), lag_products=cat("lag_products", L), eval_steps=first.eval_steps[:E],
        test_accuracy=cat("test_accuracy", E), tracked_param=cat("tracked_param", E),
        diverged=bool(bad), message="; ".join(p.message for p in bad),
        completed_steps=min(p.completed_steps for p in parts),
        lag_var=None if any(p.lag_var is None for p in parts) else cat("lag_var", L),
    )
