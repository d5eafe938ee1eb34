"""Persistent contrastive divergence with persistent Langevin chains and full dissipation accounting.

The persistent-chain learner of arXiv 2510.03137: n chains follow the overdamped
Langevin dynamics of the *current* model, never reset,

    x ← x − μ∇ₓE(x, θ)dt + sqrt(2μdt/β) ξ     (Euler–Maruyama),

and after each chain step the parameters move by Δθ = θ̇ dt with
θ̇ = −H(t)∇̃L, ∇̃L = β(⟨∂θE⟩_d − ⟨∂θE⟩_s) (the persistent-chain gradient).

Bookkeeping at every step (Sekimoto; arXiv 2510.03137, Theorem 1):

* work W += ⟨E(x, θ + Δθ) − E(x, θ)⟩_s (exact for the parameter jump with
  the chains frozen), per chain, so its standard error is the spread over
  chains / √n;
* the learner's objective L̃ += Δθ·∇̃L (its own line integral, L̃(0) = L(θ₀));
* where Z(θ) is computable (a :class:`~numeric.ebm.GridPartition`): the
  exact L(θ) = β⟨E⟩_d + ln Z(θ), ΔF, W_ex = W − ΔF and the bias L − L̃,
  which Theorem 1 equals βW_ex (up to the O(Σ|Δθ|²) difference of the
  learner's first-order line integral and the exact jump work);
* the estimated metric along the path: action A = ∫θ̇ᵀζθ̇dt (the slow-driving
  excess work) and thermodynamic length 𝓛 = ∫sqrt(θ̇ᵀζθ̇)dt, with the bound
  W_ex ≥ 𝓛²/τ (to leading order in 1/τ).  Both are summed over the chords
  Δθ of the metric blocks (A += ΔθᵀζΔθ/T_b, 𝓛 += sqrt(ΔθᵀζΔθ)) with the
  smoothed ζ̂ at the block's end: per-step sums would add the chains'
  sampling noise in θ̇, which does not vanish as dt → 0; over a block of
  T_b ≫ τ_R that noise is averaged down by ~2τ_R/T_b.  Without Z(θ) the reported excess
  work is this slow-driving estimate A, labelled as such.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from thermolearn.theory import AccuracyWarning, DivergenceWarning, ParameterError

from ..progress import progress_reporter
from ..random import check_rng
from ._metric import MetricEstimator, MetricState
from ._result import TrainingResult

__all__ = ["PCDConfig", "PCDTrainer", "train", "estimate_metric"]


@dataclass(frozen=True)
class PCDConfig:
    """Budget and sampler of one PCD run.

    Parameters
    ----------
    steps : int
        Training chain steps; the training time is τ = steps·dt.
    dt : float
        Langevin time step (also the parameter-update interval).
    chains : int
        Persistent chains.
    beta, mu : float
        Inverse temperature and mobility.
    batch_size : int or None
        Data minibatch per step (None: all data, the exact data average).
    warmup : int
        Chain steps at θ₀ before training (equilibrium start, and the first
        metric estimate).
    record_every : int
        Steps between recorded points of the trajectory.
    metric : MetricEstimator or None
        None disables the online metric (plain PCD, no length/action).
    """

    steps: int = 1000
    dt: float = 0.01
    chains: int = 100
    beta: float = 1.0
    mu: float = 1.0
    batch_size: int | None = None
    warmup: int = 200
    record_every: int = 10
    metric: MetricEstimator | None = field(default_factory=MetricEstimator)

    def __post_init__(self):
        for name in ("steps", "chains", "record_every"):
            v = getattr(self, name)
            if not (isinstance(v, (int, np.integer)) and v >= 1):
                raise ParameterError(f"{name} must be a positive integer, got {v!r}")
        if self.chains < 2:
            raise ParameterError(f"chains must be at least 2, got {self.chains}")
        if not (isinstance(self.warmup, (int, np.integer)) and self.warmup >= 0):
            raise ParameterError(f"warmup must be a non-negative integer, got {self.warmup!r}")
        for name in ("dt", "beta", "mu"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float, np.floating)) and np.isfinite(v) and v > 0):
                raise ParameterError(f"{name} must be positive and finite, got {v!r}")
        if self.batch_size is not None and not (isinstance(self.batch_size, (int, np.integer)) and self.batch_size >= 1):
            raise ParameterError(f"batch_size must be a positive integer or None, got {self.batch_size!r}")

    @property
    def tau(self) -> float:
        return self.steps * self.dt


def mean_grad_theta(family, x, th):
    """⟨∂θE⟩ over the rows of x (the family's fast path where it has one)."""
    fast = getattr(family, "mean_grad_theta", None)
    return fast(x, th) if fast is not None else family.grad_theta(x, th).mean(axis=0)


def _data_mean_fn(family, data, batch_size, rng):
    from ._exponential import ExponentialFamily

    if batch_size is None or batch_size >= data.shape[0]:
        if isinstance(family, ExponentialFamily):  # ∂θE = φ(x) does not depend on θ
            fixed = family.grad_theta(data, np.zeros(family.dim_theta)).mean(axis=0)
            return lambda th: fixed
        return lambda th: mean_grad_theta(family, data, th)
    return lambda th: mean_grad_theta(family, data[rng.integers(0, data.shape[0], batch_size)], th)


def _langevin(family, x, th, cfg, rng):
    x -= cfg.mu * cfg.dt * family.grad_x(x, th)
    x += np.sqrt(2 * cfg.mu * cfg.dt / cfg.beta) * rng.standard_normal(x.shape)
    return x


def train(family, data, theta0, schedule, config: PCDConfig, *, rng, partition=None, heldout=None,
          x0=None, progress=None) -> TrainingResult:
    """Train ``family`` on ``data`` by PCD with ``schedule``; account for the dissipation.

    Parameters
    ----------
    family : energy family (see :mod:`numeric.ebm._families`)
    data : array (N, dim_x)
    theta0 : array (dim_theta,)
    schedule : Constant, SlowDriving, NaturalGradient or Adam
    config : PCDConfig
    rng : numpy.random.Generator
        Chains start at random data rows and equilibrate at θ₀ for
        ``config.warmup`` steps.
    partition : GridPartition, optional
        Exact Z(θ) (1-D/2-D): enables L, ΔF, W_ex, bias, log-likelihoods.
    heldout : array (M, dim_x), optional
        Held-out data for the log-likelihood (needs ``partition``).
    progress : None, bool, callable or Reporter
        One unit per chain step, warmup included (:func:`numeric.progress.progress_reporter`).

    Returns
    -------
    TrainingResult

    Examples
    --------
    >>> from thermolearn.numeric.ebm import GaussianEBM, MetricEstimator, PCDConfig, SlowDriving, train
    >>> rng = np.random.default_rng(0)
    >>> g = GaussianEBM(1)
    >>> data = rng.normal(1.0, 1.0, size=(200, 1))
    >>> cfg = PCDConfig(steps=300, dt=0.01, mu=10.0, chains=50, warmup=100, metric=MetricEstimator(block=100))
    >>> r = train(g, data, g.pack([0.0], [[1.0]]), SlowDriving(), cfg, rng=rng)
    >>> bool(abs(r.theta_final[0] - data.mean()) < 0.3), r.steps
    (True, 300)
    """
    check_rng(rng)
    data = np.asarray(data, dtype=float)
    if data.ndim != 2 or data.shape[1] != family.dim_x or data.shape[0] < 1 or not np.all(np.isfinite(data)):
        raise ParameterError(f"data must be a finite array of shape (N, {family.dim_x}), got {data.shape}")
    th = np.array(theta0, dtype=float)
    if th.shape != (family.dim_theta,) or not np.all(np.isfinite(th)):
        raise ParameterError(f"theta0 must be {family.dim_theta} finite numbers, got shape {th.shape}")
    if schedule.needs_metric and config.metric is None:
        raise ParameterError(f"schedule {schedule.name!r} needs the online metric; config.metric is None")
    if heldout is not None and partition is None:
        raise ParameterError("a held-out log-likelihood needs a partition function (partition=)")
    cfg, n = config, config.chains
    x = data[rng.integers(0, data.shape[0], n)].copy() if x0 is None else np.array(x0, float).reshape(n, family.dim_x)
    metric = (MetricState(cfg.metric, family.dim_theta, n, cfg.dt, cfg.beta) if cfg.metric is not None else None)
    t_start = time.perf_counter()
    bar = progress_reporter(progress, total=cfg.warmup + cfg.steps, desc="pcd")
    for k in range(cfg.warmup):
        bar.update()
        x = _langevin(family, x, th, cfg, rng)
        if metric is not None and (k + 1) % metric.thin == 0:
            metric.update(family.grad_theta(x, th), (k + 1 - cfg.warmup) * cfg.dt, th)
    if schedule.needs_metric and metric.friction is None:
        raise ParameterError(f"warmup ({cfg.warmup}) must cover one metric block ({cfg.metric.block} steps) "
                             f"for schedule {schedule.name!r}")
    data_mean = _data_mean_fn(family, data, cfg.batch_size, rng)
    ledger = _Ledger(family, data, partition, heldout, th, n, cfg, metric)
    state: dict = {}
    tau, diverged, message = cfg.tau, False, "completed"
    for k in range(cfg.steps):
        bar.update()
        t = k * cfg.dt
        x = _langevin(family, x, th, cfg, rng)
        if metric is not None and (cfg.warmup + k + 1) % metric.thin == 0:
            X = family.grad_theta(x, th)
            chain_mean = X.mean(axis=0)
            metric.update(X, t + cfg.dt, th, mean=chain_mean)
        else:
            chain_mean = mean_grad_theta(family, x, th)
        grad = cfg.beta * (data_mean(th) - chain_mean)
        v = schedule.velocity(t, tau, grad, metric, state, cfg.dt)
        dth = v * cfg.dt
        new = th + dth
        if not (np.isfinite(new).all() and np.isfinite(x).all()):
            diverged, message = True, f"non-finite parameters or chains at step {k}; stopped"
            warnings.warn(f"PCD ({schedule.name}) diverged at step {k}", DivergenceWarning, stacklevel=2)
            break
        ledger.step(x, th, new, dth, grad)
        th = new
        if (k + 1) % cfg.record_every == 0 or k + 1 == cfg.steps:
            ledger.record((k + 1) * cfg.dt, th)
    bar.close()
    if metric is not None and metric.blocks and not metric.blocks[-1].resolved:
        b = metric.blocks[-1]
        warnings.warn(f"metric blocks of {b.steps} steps do not resolve the chains' relaxation time "
                      f"(r = {b.resolution:.2f} ± {b.resolution_se:.2f}, resolved at <= 2.3): the friction is "
                      "underestimated; use longer blocks (MetricEstimator.block or max_block; thermolearn train "
                      "--block and --warmup) or more steps", AccuracyWarning, stacklevel=2)
    return ledger.result(schedule.name, th, time.perf_counter() - t_start, diverged, message)


class _Ledger:
    """Per-step dissipation accounting (module docstring)."""

    def __init__(self, family, data, partition, heldout, th0, n, cfg, metric):
        self.family, self.data, self.partition, self.heldout = family, data, partition, heldout
        self.cfg, self.metric = cfg, metric
        self.w_chain = np.zeros(n)
        self.l_tilde = 0.0
        self.action = self.length = 0.0
        self.len_var = 0.0
        self._blocks_seen = len(metric.blocks) if metric is not None else 0
        self._mark, self._t_mark, self._t = th0.copy(), 0.0, 0.0
        self.theta0 = th0.copy()
        self.L0 = self._objective(th0)
        self.F0 = partition.free_energy(th0) if partition is not None else None
        self.rec = {"time": [0.0], "theta": [th0.copy()], "work": [0.0], "approx_objective": [self.L0],
                    "objective": [self.L0], "heldout": [self._heldout(th0)], "action": [0.0], "length": [0.0]}

    def _objective(self, th):
        if self.partition is None:
            return 0.0  # L unknown: L̃ is reported relative to L(θ₀) = 0
        return -self.partition.log_likelihood(self.data, th)

    def _heldout(self, th):
        return None if self.heldout is None else self.partition.log_likelihood(self.heldout, th)

    def step(self, x, th, new, dth, grad):
        f = self.family
        change = getattr(f, "energy_change", None)  # one fused evaluation where the family has it
        self.w_chain += change(x, th, new) if change is not None else f.energy(x, new) - f.energy(x, th)
        self.l_tilde += float(dth @ grad)
        self._t += self.cfg.dt
        m = self.metric
        if m is not None and len(m.blocks) > self._blocks_seen:
            self._chord(new)
            self._blocks_seen = len(m.blocks)

    def _chord(self, th):
        """Add the chord since the last block boundary to A and 𝓛 (error from the block's ζ̂ s.e.)."""
        m, T = self.metric, self._t - self._t_mark
        if m.friction is None or T <= 0:
            return
        c = th - self._mark
        q = max(m.quadratic(c), 0.0)
        self.action += q / T
        ell = np.sqrt(q)
        self.length += ell
        if ell > 0:
            se = m.blocks[-1].friction_se
            se = np.diag(se) if se.ndim == 2 else se
            dq = float(np.sqrt(np.sum((c * c * se) ** 2)))  # s.e. of q from the diagonal's (independent) errors
            # |√(q + e) − √q| ≤ min(|e|/(2√q), √|e|): the linear propagation only while the error is small
            self.len_var += min(dq / (2 * ell), np.sqrt(dq)) ** 2
        self._mark, self._t_mark = th.copy(), self._t

    def record(self, t, th):
        r = self.rec
        r["time"].append(t)
        r["theta"].append(th.copy())
        r["work"].append(float(self.w_chain.mean()))
        r["approx_objective"].append(self.L0 + self.l_tilde)
        r["objective"].append(self._objective(th) if self.partition is not None else None)
        r["heldout"].append(self._heldout(th))
        r["action"].append(self.action)
        r["length"].append(self.length)

    def result(self, name, th, wall, diverged, message) -> TrainingResult:
        cfg, r, n = self.cfg, self.rec, self.cfg.chains
        if self.metric is not None:  # the last, partial chord
            self._chord(th)
            r["action"][-1], r["length"][-1] = self.action, self.length
        work = float(self.w_chain.mean())
        work_se = float(self.w_chain.std(ddof=1) / np.sqrt(n))
        m = self.metric
        blocks = [] if m is None else [b for b in m.blocks]
        if self.partition is not None:
            dF = self.partition.free_energy(th) - self.F0
            wex, wex_se, method = work - dF, work_se, "W - dF (exact free energy by grid quadrature)"
            bias = -self.partition.log_likelihood(self.data, th) - (self.L0 + self.l_tilde)
        elif m is not None:
            dF = None
            wex, wex_se = self.action, None
            method = "slow-driving estimate: integral of thetadot^T zeta thetadot dt (no Z(theta) available)"
            bias = cfg.beta * wex
        else:
            dF = wex = wex_se = bias = None
            method = "unavailable (no Z(theta) and no metric estimate)"
        bias_se = None if wex_se is None else cfg.beta * wex_se
        length_se = float(np.sqrt(self.len_var)) if m is not None else None
        tau = r["time"][-1] if r["time"][-1] > 0 else cfg.tau
        return TrainingResult(
            schedule=name, steps=cfg.steps, dt=cfg.dt, tau=cfg.tau, chains=n, beta=cfg.beta, mu=cfg.mu,
            theta_dim=self.family.dim_theta, theta_final=th.copy(),
            times=np.array(r["time"]), theta=np.array(r["theta"]), work=np.array(r["work"]),
            approx_objective=np.array(r["approx_objective"]),
            objective=None if self.partition is None else np.array(r["objective"], dtype=float),
            heldout_log_likelihood=None if self.heldout is None else np.array(r["heldout"], dtype=float),
            action=np.array(r["action"]), length=np.array(r["length"]),
            final_work=work, work_se=work_se, free_energy_change=dF, excess_work=wex, excess_work_se=wex_se,
            excess_work_method=method, bias=bias, bias_se=bias_se,
            thermodynamic_length=(self.length if m is not None else None), length_se=length_se,
            length_bound=(self.length**2 / tau if m is not None else None),
            metric_times=np.array([b.time for b in blocks]),
            metric_friction=np.array([np.diag(b.friction) if b.friction.ndim == 2 else b.friction for b in blocks]),
            metric_fisher=np.array([np.diag(b.fisher) if b.fisher.ndim == 2 else b.fisher for b in blocks]),
            wall_time=wall, diverged=diverged, message=message)


def estimate_metric(family, theta, config: PCDConfig, *, rng, x0=None):
    """ζ̂ and Î at fixed θ from ``config.chains`` chains (online estimator, no training).

    ``config.warmup`` steps of burn-in, then ``config.steps`` steps feeding
    :class:`MetricState`; blocks of the final (adapted) length are averaged
    and their batch-means standard error returned.

    Returns
    -------
    (friction, friction_se, fisher, fisher_se, blocks)
    """
    from ._metric import summarise_blocks

    th = np.array(theta, dtype=float)
    if th.shape != (family.dim_theta,):
        raise ParameterError(f"theta must have {family.dim_theta} entries, got shape {th.shape}")
    if config.metric is None:
        raise ParameterError("config.metric is None: nothing to estimate")
    n = config.chains
    x = np.zeros((n, family.dim_x)) if x0 is None else np.array(x0, float).reshape(n, family.dim_x)
    for _ in range(config.warmup):
        x = _langevin(family, x, th, config, rng)
    state = MetricState(config.metric, family.dim_theta, n, config.dt, config.beta)
    for k in range(config.steps):
        x = _langevin(family, x, th, config, rng)
        if (k + 1) % state.thin == 0:
            state.update(family.grad_theta(x, th), (k + 1) * config.dt, th)
    if not state.blocks:
        raise ParameterError(f"steps ({config.steps}) must cover at least two metric blocks")
    last = state.blocks[-1].steps
    use = [b for b in state.blocks if b.steps == last]
    return (*summarise_blocks(use), use)


@dataclass(frozen=True)
class PCDTrainer:
    """Notebook face of :func:`train`: a family and a budget, then ``fit``.

    >>> from thermolearn.numeric.ebm import PCDTrainer, PCDConfig, polynomial_family, Constant
    >>> rng = np.random.default_rng(1)
    >>> fam = polynomial_family(2, 2)
    >>> tr = PCDTrainer(fam, PCDConfig(steps=50, chains=20, warmup=20, metric=None))  # plain PCD
    >>> res = tr.fit(rng.normal(size=(100, 2)), np.zeros(fam.dim_theta), Constant(0.5), rng=rng)
    >>> res.theta_dim, res.diverged
    (5, False)
    """

    family: object
    config: PCDConfig = field(default_factory=PCDConfig)

    def fit(self, data, theta0, schedule, *, rng, partition=None, heldout=None) -> TrainingResult:
        return train(self.family, data, theta0, schedule, self.config, rng=rng, partition=partition,
                     heldout=heldout)
