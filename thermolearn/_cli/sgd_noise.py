"""``thermolearn sgd-noise``: measure minibatch SGD noise on an ensemble (Figure 4.1).

JSON: ``{"data", "dim_theta", "n_train", "trials", "steps", "learning_rate",
"replacement", "executor", "batch_sizes": {m: {...}}, "diverged"}`` where each
batch size holds ``variance_mean`` (measured (1/P)Σ_i C_ii(t,t) averaged over
the measured steps), ``predicted_mean`` (tr Σ₁/(P m)), ``ratio``, ``ratio_se``,
``variance`` / ``predicted`` / ``temperature`` / ``measured_steps`` (series),
``autocorrelation`` and ``autocorrelation_se`` (normalised, lags 0…L),
``accuracy_final``, ``accuracy_std_final``, ``max_full_gradient``,
``diverged``, ``message``.  Exit status 1 when a run diverged (it stops
cleanly and reports what it measured), 2 on bad input.
"""

from __future__ import annotations

from ._common import Output, integer, real, seed

HELP = "measure SGD minibatch noise (variance, autocorrelation, temperature) on a network ensemble"


def _sizes(text: str):
    from thermolearn.theory import ParameterError

    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ParameterError(f"--batch-sizes expects comma-separated integers, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise ParameterError(f"--batch-sizes expects positive integers, got {text!r}")
    return sizes


def configure(parser) -> None:
    parser.add_argument("--mnist", metavar="DIR", help="folder with the MNIST IDX files (default: bundled digits)")
    parser.add_argument("--n-train", type=integer(1, 60000), default=2000, help="MNIST training examples used (default 2000)")
    parser.add_argument("--n-test", type=integer(1, 10000), default=1000, help="MNIST test examples used (default 1000)")
    parser.add_argument("--batch-sizes", default="1,10,100", help="comma-separated m (default 1,10,100)")
    parser.add_argument("--trials", type=integer(2, 10000), default=50, help="ensemble size K (default 50)")
    parser.add_argument("--steps", type=integer(1, 10**7), default=2000, help="SGD steps (default 2000)")
    parser.add_argument("--lr", type=real(0, 100, lo_open=True), default=0.02, help="learning rate r (default 0.02)")
    parser.add_argument("--width", type=integer(1, 4096), default=200, help="hidden width (default 200)")
    parser.add_argument("--depth", type=integer(1, 64), default=4, help="affine layers (default 4 = 3 hidden + output)")
    parser.add_argument("--activation", choices=("relu", "tanh"), default="relu")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32",
                        help="floating type (default float32: half the cost, rounding far below the statistics)")
    parser.add_argument("--epoch-shuffling", action="store_true", help="sample without replacement, per epoch")
    parser.add_argument("--measure-every", type=integer(1, 10**7), default=20, help="measure eta every so many steps (default 20)")
    parser.add_argument("--t0", type=integer(0, 10**7), default=None, help="autocorrelation origin (default steps/2)")
    parser.add_argument("--max-lag", type=integer(0, 10**6), default=20, help="autocorrelation lags (default 20)")
    parser.add_argument("--executor", choices=("inline", "process", "dask"), default="inline",
                        help="inline: one vectorised block; process: a process pool; dask: a local dask cluster")
    parser.add_argument("--workers", type=integer(1, 256), default=2, help="workers of the process pool / dask cluster")
    parser.add_argument("--group-size", type=integer(1, 10**6), default=None,
                        help="trials per batched product (default: automatic, a group's arrays within ~8 MiB); "
                             "speed only, the numbers do not change")
    parser.add_argument("--seed", type=seed(), default=20251003, help="random seed (default 20251003)")


def _executor(kind: str, workers: int):
    from contextlib import nullcontext

    from thermolearn.theory import ParameterError

    if workers < 1:
        raise ParameterError(f"--workers must be a positive integer, got {workers}")
    if kind == "inline":
        return nullcontext(None)
    if kind == "process":
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(max_workers=workers)
    try:
        import distributed
    except ImportError:
        raise ParameterError("--executor dask needs the optional extra: pip install 'thermolearn[dask]'") from None
    from contextlib import ExitStack

    stack = ExitStack()
    cluster = stack.enter_context(distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                                           dashboard_address=None))
    client = stack.enter_context(distributed.Client(cluster))

    class _Ctx:
        def __enter__(self):
            return client

        def __exit__(self, *exc):
            return stack.__exit__(*exc)

    return _Ctx()


def _summary(res) -> dict:
    import numpy as np

    ratio, se = res.variance_ratio() if res.steps.size else (float("nan"), float("nan"))
    rho, rho_se = res.normalised_autocorrelation() if res.lag_products.shape[1] else (np.array([]), np.array([]))
    acc, var = res.accuracy()
    return {
        "variance_mean": float(res.variance().mean()) if res.steps.size else None,
        "predicted_mean": float(res.predicted().mean()) if res.steps.size else None,
        "ratio": ratio, "ratio_se": se,
        "measured_steps": res.steps, "variance": res.variance(), "predicted": res.predicted(),
        "temperature": res.temperature(),
        "autocorrelation": rho, "autocorrelation_se": rho_se,
        "accuracy_final": float(acc[-1]), "accuracy_std_final": float(np.sqrt(var[-1])),
        "max_full_gradient": float(res.max_full_grad.max()) if res.max_full_grad.size else None,
        "completed_steps": res.completed_steps, "diverged": res.diverged, "message": res.message,
    }


#: Largest trials x steps x parameters x (batch-size weight) -- the multiply-adds of the forward and
#: backward passes dominate; a batch of m costs like max(1, m/10) single examples (vectorised).
#: The default run scores 1.1e11; the limit is about 20 times that.
MAX_WORK = 2 * 10**12


def check_cost(args, sizes, data) -> None:
    """Refuse, before any training, runs that would not finish or would not fit in memory."""
    from thermolearn.numeric.sgd._mlp import MLPSpec
    from thermolearn.theory import ParameterError

    from ._common import available_memory

    P = MLPSpec(data.n_features, data.n_classes, args.width, args.depth, args.activation).dim_theta
    work = args.trials * args.steps * P * sum(max(1, min(m, data.n_train) // 10) for m in sizes)
    if work > MAX_WORK:
        raise ParameterError(
            f"--trials {args.trials} x --steps {args.steps} x {P} parameters x batch sizes {sizes} is "
            f"~{work:.2g} operations (at most {MAX_WORK:.0e}, about 20 times the default run); reduce --trials, --steps or --width"
        )
    itemsize = 4 if args.dtype == "float32" else 8
    need = 8 * args.trials * P * itemsize + 3 * data.n_train * data.n_features * 8
    have = available_memory()
    if have is not None and need > have // 2:
        raise ParameterError(
            f"--trials {args.trials} with {P} parameters each needs ~{need / 2**30:.1f} GiB; "
            f"this machine has ~{have / 2**30:.1f} GiB available"
        )


def run(args) -> Output:
    from thermolearn.numeric.sgd import SGDNoiseConfig, load_digits, load_mnist, run_batch_sizes

    sizes = _sizes(args.batch_sizes)
    data = (load_mnist(args.mnist, n_train=args.n_train, n_test=args.n_test) if args.mnist
            else load_digits(seed=args.seed))
    check_cost(args, sizes, data)
    t0 = args.steps // 2 if args.t0 is None else args.t0
    cfg = SGDNoiseConfig(batch_size=sizes[0], learning_rate=args.lr, steps=args.steps, trials=args.trials,
                         width=args.width, depth=args.depth, activation=args.activation,
                         replacement=not args.epoch_shuffling, measure_every=args.measure_every,
                         t0=min(t0, max(args.steps - args.max_lag - 1, 0)), max_lag=args.max_lag,
                         eval_every=max(1, args.steps // 20), dtype=args.dtype, group_size=args.group_size)
    with _executor(args.executor, args.workers) as ex:
        results = run_batch_sizes(data, cfg, sizes, seed=args.seed, executor=ex, progress=True)  # bar on a terminal only
    first = next(iter(results.values()))
    per = {str(m): _summary(r) for m, r in results.items()}
    diverged = any(r.diverged for r in results.values())
    data_out = {"data": data.name, "dim_theta": first.dim_theta, "n_train": data.n_train,
                "trials": args.trials, "steps": args.steps, "learning_rate": args.lr,
                "replacement": not args.epoch_shuffling, "executor": args.executor,
                "batch_sizes": per, "diverged": diverged}
    lines = [f"SGD noise on {data.name}: N={data.n_train}, P={first.dim_theta}, K={args.trials}, "
             f"r={args.lr}, {'epoch shuffling' if args.epoch_shuffling else 'with replacement'}",
             f"{'m':>5} {'C(t,t) measured':>16} {'trS1/(P m)':>12} {'ratio':>14} {'T_Theta(end)':>13} "
             f"{'rho(1)':>8} {'accuracy':>9}"]
    for m, s in per.items():
        if s["variance_mean"] is None:
            lines.append(f"{m:>5}  (no measurement before divergence)")
            continue
        rho1 = s["autocorrelation"][1] if len(s["autocorrelation"]) > 1 else float("nan")
        lines.append(f"{m:>5} {s['variance_mean']:16.4e} {s['predicted_mean']:12.4e} "
                     f"{s['ratio']:7.3f}±{s['ratio_se']:.3f} {s['temperature'][-1]:13.3e} "
                     f"{rho1:8.3f} {s['accuracy_final']:9.3f}")
    for m, s in per.items():
        if s["diverged"]:
            lines.append(f"warning (m={m}): {s['message']}")
    message = None
    if diverged:
        m, s = next((m, s) for m, s in per.items() if s["diverged"])
        message = (f"run diverged (batch size {m}, after {s['completed_steps']} steps): {s['message']}; "
                   "lower --lr")
    return Output(data=data_out, text="\n".join(lines), exit_code=1 if diverged else 0, message=message)
