"""``thermolearn train``: minimal-dissipation PCD training of a multi-parameter EBM.

JSON keys (docs/cli.md): ``schedule``, ``steps``, ``theta_dim``, ``work``,
``excess_work``, ``excess_work_se``, ``bias``, ``bias_se``,
``thermodynamic_length``, ``heldout_log_likelihood`` (null where no
estimator applies), plus ``data``, ``model``, ``work_se``,
``free_energy_change``, ``excess_work_method``, ``length_bound``,
``train_objective``, ``quadrature_edge_mass``, ``wall_time``, ``diverged``,
``message``, ``saved``, ``figure``.  Exit 1 when the run diverged, 2 on bad
input.
"""

from __future__ import annotations

import math

from ._common import Output, integer, real, seed

HELP = "train a multi-parameter energy-based model by persistent contrastive divergence, with dissipation accounting"

MODELS = ("exponential", "gaussian", "rbm", "mlp")

#: Largest (warmup + steps) x chains x parameters of a run: measured 70-180 ns of CPU per unit on
#: the shared 2-core machine (rbm, 2-D data, 26 and 602 parameters), so the largest accepted run
#: takes about 1-3 minutes (progress bar with ETA on a terminal).
MAX_WORK = 10**9


def configure(parser) -> None:
    from thermolearn.numeric.ebm import BUNDLED, SCHEDULES

    parser.add_argument("--data", required=True, metavar="FILE|NAME",
                        help=f"a .csv/.npy file (rows = samples) or a bundled set: {', '.join(BUNDLED)}")
    parser.add_argument("--model", choices=MODELS, default="rbm",
                        help="exponential: monomials up to --degree with a quartic confinement; gaussian: learnable "
                             "mean and precision; rbm: Gaussian-Bernoulli RBM free energy; mlp: one hidden layer "
                             "(default rbm)")
    parser.add_argument("--schedule", choices=sorted(SCHEDULES), default="slow-driving")
    parser.add_argument("--steps", type=integer(1, 10**7), default=2000, help="training chain steps (default 2000)")
    parser.add_argument("--dt", type=real(0, 1e3, lo_open=True), default=0.01, help="Langevin time step (default 0.01)")
    parser.add_argument("--chains", type=integer(2, 10**7), default=100, help="persistent chains (default 100)")
    parser.add_argument("--beta", type=real(0, 1e6, lo_open=True), default=1.0)
    parser.add_argument("--mu", type=real(0, 1e6, lo_open=True), default=1.0)
    parser.add_argument("--eta", type=real(0, 1e6, lo_open=True), default=1.0, help="constant learning rate (default 1)")
    parser.add_argument("--lr", type=real(0, 1e3, lo_open=True), default=0.01, help="adaptive (Adam) step size (default 0.01)")
    parser.add_argument("--hidden", type=integer(1, 10**5), default=8, help="hidden units of rbm/mlp (default 8)")
    parser.add_argument("--degree", type=integer(1, 3), default=3, help="exponential-family degree 1..3 (default 3)")
    parser.add_argument("--batch-size", type=integer(1, 10**9), default=None, help="data minibatch per step (default: all)")
    parser.add_argument("--warmup", type=integer(0, 10**7), default=200, help="equilibration steps at theta0 (default 200)")
    parser.add_argument("--block", type=integer(2, 10**7), default=20, help="initial metric block in steps, even (default 20)")
    parser.add_argument("--metric", choices=("auto", "full", "diagonal", "lowrank", "block"), default="auto",
                        help="metric estimate: block = full within the model's parameter groups (rbm: per hidden unit)")
    parser.add_argument("--rank", type=integer(1, 10**5), default=8, help="directions kept by --metric lowrank (default 8)")
    parser.add_argument("--heldout-fraction", type=real(0, 1, hi_open=True), default=0.2)
    parser.add_argument("--grid", type=integer(0, 4097), default=161,
                        help="quadrature points per axis for exact Z(theta) when the data are 1-D/2-D (0: off)")
    parser.add_argument("--ais", type=integer(0, 10**6), default=0, metavar="TEMPS",
                        help="above 2-D: held-out log-likelihood by annealed importance sampling with TEMPS "
                             "annealing steps (default 0: none, the key is null)")
    parser.add_argument("--ais-particles", type=integer(1, 10**7), default=100)
    parser.add_argument("--seed", type=seed(), default=20251003)
    parser.add_argument("--save", metavar="PATH", default=None, help="write PATH.npz and PATH.json")
    parser.add_argument("--plot", metavar="PNG", default=None, help="write the run's figure")


def _check(args):
    from thermolearn.theory import ParameterError

    for name in ("steps", "chains", "hidden", "rank"):
        v = getattr(args, name)
        if v < 1:
            raise ParameterError(f"--{name} must be a positive integer, got {v}")
    if args.chains < 2:
        raise ParameterError(f"--chains must be at least 2, got {args.chains}")
    for name in ("dt", "beta", "mu", "eta", "lr"):
        v = getattr(args, name)
        if not (math.isfinite(v) and v > 0):
            raise ParameterError(f"--{name} must be positive and finite, got {v}")
    if args.batch_size is not None and args.batch_size < 1:
        raise ParameterError(f"--batch-size must be a positive integer, got {args.batch_size}")
    if args.warmup < 0:
        raise ParameterError(f"--warmup must be non-negative, got {args.warmup}")
    if args.block < 2 or args.block % 2:
        raise ParameterError(f"--block must be an even integer >= 2, got {args.block}")
    if args.ais != 0 and args.ais < 2:
        raise ParameterError(f"--ais must be 0 (off) or at least 2 annealing steps, got {args.ais}")
    if args.ais_particles < 2:
        raise ParameterError(f"--ais-particles must be at least 2, got {args.ais_particles}")
    if not 1 <= args.degree <= 3:
        raise ParameterError(f"--degree must be 1, 2 or 3, got {args.degree}")
    if args.grid != 0 and args.grid < 5:
        raise ParameterError(f"--grid must be 0 (off) or at least 5, got {args.grid}")
    if not (math.isfinite(args.heldout_fraction) and 0 <= args.heldout_fraction < 1):
        raise ParameterError(f"--heldout-fraction must lie in [0, 1), got {args.heldout_fraction}")
    if args.schedule in ("slow-driving", "natural-gradient") and args.warmup < args.block:
        raise ParameterError(f"--warmup ({args.warmup}) must cover one metric block (--block {args.block}) "
                             f"for --schedule {args.schedule}")


def check_cost(args, family) -> None:
    """Refuse, before any chain step and in one line, runs that would not finish or not fit in memory."""
    from thermolearn.numeric.ebm import MetricEstimator
    from thermolearn.theory import ParameterError

    from ._common import check_memory

    p = family.dim_theta
    work = (args.warmup + args.steps) * args.chains * p
    if work > MAX_WORK:
        raise ParameterError(f"(--warmup + --steps) x --chains x {p} parameters = {work:.3g} exceeds {MAX_WORK:.0e} "
                             "(a few minutes of CPU); reduce --steps, --chains or --hidden")
    full = args.metric == "full" or (args.metric == "auto" and p <= MetricEstimator().full_max)
    # chains and their parameter gradients (8 bytes each, a few live copies), plus the metric's
    # accumulators (p x p when full, p x rank otherwise)
    need = 8 * args.chains * (family.dim_x + 3 * p) + 8 * 4 * p * (p if full else args.rank + 4)
    check_memory(need, f"--chains {args.chains} with {p} parameters (--model {args.model}, --hidden {args.hidden}, "
                       f"--metric {args.metric})")


def build_family(model: str, dim: int, *, hidden: int = 8, degree: int = 3):
    """The family named by ``--model`` for ``dim``-dimensional data."""
    from thermolearn.numeric.ebm import GaussianEBM, MLPEnergy, RBMEnergy, polynomial_family

    if model == "exponential":
        return polynomial_family(dim, degree)
    if model == "gaussian":
        return GaussianEBM(dim)
    if model == "rbm":
        return RBMEnergy(dim, hidden)
    return MLPEnergy(dim, hidden)


def initial_theta(family, data, rng):
    """Sensible start: Gaussian at the data mean with unit precision; rbm/mlp their own init; 0 otherwise."""
    import numpy as np

    from thermolearn.numeric.ebm import GaussianEBM

    if isinstance(family, GaussianEBM):
        return family.pack(data.mean(axis=0), np.eye(family.dim_x))
    if hasattr(family, "init"):
        return family.init(rng, data)
    return np.zeros(family.dim_theta)


def heldout_ais(family, theta, data, beta, *, temps, particles, rng):
    """Mean held-out log-likelihood −(β⟨E⟩ + ln Ẑ) with ln Ẑ from AIS; returns (value, s.e.)."""
    import numpy as np

    from thermolearn.numeric.ebm import RBMEnergy, ais_log_partition

    base = family.unpack(theta)[0] if isinstance(family, RBMEnergy) else data.train.mean(axis=0)
    r = ais_log_partition(family, theta, beta, rng=rng, base_mean=base, particles=particles, temps=temps)
    ll = -(beta * float(np.mean(family.energy(data.heldout, theta))) + r.log_partition)
    return ll, r.stderr


def quadrature_box(data):
    """Data range widened by 4 standard deviations per axis: where the quadrature grid starts (it widens while
    the model's density reaches its edge; the final edge mass is reported)."""
    lo, hi, sd = data.min(axis=0), data.max(axis=0), data.std(axis=0)
    return tuple((float(a - 4 * s), float(b + 4 * s)) for a, b, s in zip(lo, hi, sd))


def run(args) -> Output:
    import warnings

    import numpy as np

    from thermolearn.numeric.ebm import (MetricEstimator, PCDConfig, grid_partition, load_ebm_data, make_schedule,
                                         train)
    from thermolearn.theory import ThermolearnWarning

    _check(args)
    data = load_ebm_data(args.data, heldout_fraction=args.heldout_fraction, seed=args.seed)
    family = build_family(args.model, data.dim, hidden=args.hidden, degree=args.degree)
    check_cost(args, family)
    rng = np.random.default_rng(args.seed)
    theta0 = initial_theta(family, data.train, rng)
    partition = None
    if args.model == "gaussian":
        from thermolearn.numeric.ebm import GaussianPartition

        partition = GaussianPartition(family, args.beta)  # closed form, any dimension
    elif data.dim <= 2 and args.grid:
        partition = grid_partition(family, args.beta, quadrature_box(np.vstack([data.train, data.heldout])), n=args.grid)
    groups = ()
    if args.metric == "block":
        if not hasattr(family, "parameter_groups"):
            from thermolearn.theory import ParameterError

            raise ParameterError(f"--metric block needs parameter groups; --model {args.model} has none (use rbm)")
        groups = family.parameter_groups()
    cfg = PCDConfig(steps=args.steps, dt=args.dt, chains=args.chains, beta=args.beta, mu=args.mu,
                    batch_size=args.batch_size, warmup=args.warmup, record_every=max(1, args.steps // 50),
                    metric=MetricEstimator(block=args.block, mode=args.metric, rank=args.rank, groups=groups))
    schedule = make_schedule(args.schedule, eta=args.eta, lr=args.lr)
    from thermolearn.numeric.progress import progress_reporter

    # reported in the output, never printed; percentage and ETA on a terminal only
    with warnings.catch_warnings(record=True) as caught, \
            progress_reporter(True, total=args.warmup + args.steps, desc="train") as bar:
        warnings.simplefilter("always")
        res = train(family, data.train, theta0, schedule, cfg, rng=rng, partition=partition,
                    heldout=data.heldout if (partition is not None and data.heldout.shape[0]) else None,
                    progress=bar)
    out = res.summary()
    edge = partition.edge_mass(res.theta_final) if partition is not None else None
    exact = "exact (closed-form Z)" if args.model == "gaussian" else "exact (grid quadrature of Z)"
    out["heldout_log_likelihood_method"] = exact if out["heldout_log_likelihood"] is not None else None
    out["heldout_log_likelihood_se"] = None
    if partition is None and args.ais and data.heldout.shape[0] and not res.diverged:
        ll, se = heldout_ais(family, res.theta_final, data, args.beta, temps=args.ais,
                             particles=args.ais_particles, rng=np.random.default_rng(args.seed + 1))
        out.update(heldout_log_likelihood=ll, heldout_log_likelihood_se=se,
                   heldout_log_likelihood_method=f"AIS ({args.ais} steps, {args.ais_particles} particles; "
                                                 "biased high in expectation)")
    out.update({"data": data.name, "model": args.model, "quadrature_edge_mass": edge,
                "warnings": sorted({" ".join(str(w.message).split()) for w in caught
                                     if issubclass(w.category, ThermolearnWarning)})})
    if args.save:
        out["saved"] = str(res.save(args.save))
    if args.plot:
        res.plot(args.plot)
        out["figure"] = args.plot
    return Output(data=out, text=_text(out), exit_code=1 if res.diverged else 0)


def _fmt(v, se=None):
    if v is None:
        return "n/a"
    return f"{v:.6g}" + (f" ± {se:.2g}" if se is not None else "")


def _text(o) -> str:
    lines = [f"PCD on {o['data']} ({o['model']}, d_theta = {o['theta_dim']}), schedule {o['schedule']}, "
             f"{o['steps']} steps of dt = {o['dt']:g} (tau = {o['tau']:g}), {o['chains']} chains",
             f"  work                  {_fmt(o['work'], o['work_se'])}",
             f"  free-energy change    {_fmt(o['free_energy_change'])}",
             f"  excess work           {_fmt(o['excess_work'], o['excess_work_se'])}   [{o['excess_work_method']}]",
             f"  bias L - L~           {_fmt(o['bias'], o['bias_se'])}   (Theorem 1: = beta * W_ex)",
             f"  thermodynamic length  {_fmt(o['thermodynamic_length'], o['thermodynamic_length_se'])}   "
             f"bound L^2/tau = {_fmt(o['length_bound'])}",
             f"  held-out log-lik.     {_fmt(o['heldout_log_likelihood'], o['heldout_log_likelihood_se'])} per sample"
             f"{' (standardised data)' if o['heldout_log_likelihood'] is not None else ''}"
             f"   [{o['heldout_log_likelihood_method'] or 'no estimator: pass --ais TEMPS above 2-D'}]",
             f"  wall time             {o['wall_time']:.2f} s"]
    from thermolearn.numeric.ebm._partition import EDGE_TOL

    if o.get("quadrature_edge_mass") is not None and o["quadrature_edge_mass"] > EDGE_TOL:
        lines.append(f"warning: probability {o['quadrature_edge_mass']:.2g} on the edge of the widest quadrature "
                     "box at the final theta; likelihoods are approximate (the model's confinement is weak)")
    lines += [f"warning: {w}" for w in o["warnings"]]
    if o["diverged"]:
        lines.append(f"warning: {o['message']}")
    return "\n".join(lines)
