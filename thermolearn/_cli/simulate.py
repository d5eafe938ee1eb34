"""``thermolearn simulate``: persistent-chain training of an EBM (docs/cli.md).

JSON keys (contract): ``theta_final``, ``sample_mean_final``, ``work``,
``free_energy_change``, ``excess_work``, ``bias``, ``predicted_excess_work``,
``minimal_excess_work``, ``trajectory``; for the stochastic methods every
stochastic number ``K`` also gets ``K_se`` (independent replicas) and
``z_scores`` compares the run with each closed form.  The physics lives in
``thermolearn.numeric`` (schedules: ``numeric.schedule.build_schedule``;
trainer: ``numeric.langevin.train_replicas``; predictions:
``numeric.langevin.trap_prediction``); this module only parses, runs and
renders.
"""

from __future__ import annotations

import re

from ._common import MAX_MAGNITUDE, Output, add_energy_arguments, integer, model_from_args, number_list, real, seed

HELP = "train an EBM with persistent chains under a learning-rate schedule; work, excess work, bias"

#: θ(τ) "reaches" θ* within this fraction of |θ* − θ0| (grid and time-step error; Langevin runs
#: add TARGET_N_SIGMA standard errors).
TARGET_RTOL = 1e-3

#: Size limits (each alone); the product particles x replicas x steps x substeps is bounded by
#: :data:`MAX_WORK` and the memory estimate (:func:`check_cost`).
MAX_PARTICLES = 10**7
MAX_STEPS = 10**7
MAX_SUBSTEPS = 10**4
#: Measured on the shared 2-core machine: 90 ns (exact OU step, quadratic trap) to 210 ns (Euler,
#: cosh energy) of CPU per particle-step, so the largest accepted run takes about 1.5-3.5 minutes
#: (progress bar with ETA on a terminal).
MAX_WORK = 10**9
#: Largest --steps with --method fokker-planck, by the dimension of x (measured CPU per step on the
#: automatic grid: 1-D 3.6 ms, 2-D ~190 ms), i.e. about a minute at most.
MAX_FOKKER_PLANCK_STEPS = {1: 20000, 2: 300}
MAX_REPLICAS = 1000


def configure(parser) -> None:
    from thermolearn.numeric.langevin import STEPPERS
    from thermolearn.numeric.schedule import SCHEDULE_NAMES

    add_energy_arguments(parser)
    parser.add_argument("--schedule", choices=SCHEDULE_NAMES, default="discontinuous", help="learning-rate schedule")
    parser.add_argument("--target", required=True, help="data parameters theta* (comma-separated)")
    parser.add_argument("--theta0", required=True, help="initial parameters (comma-separated)")
    parser.add_argument("--u0", default=None, help="initial chain mean (default: equilibrium at theta0)")
    parser.add_argument("--tau", type=real(0, 1e6, lo_open=True), default=1.0, help="training time (default 1)")
    parser.add_argument("--eta", type=real(0, 1e6, lo_open=True), default=1.0, help="learning rate of the constant schedule (default 1)")
    parser.add_argument("--mu", type=real(0, 1e6, lo_open=True), default=None, help="mobility (default: --set mu=..., else 1)")
    parser.add_argument("--beta", type=real(0, 1e6, lo_open=True), default=None, help="inverse temperature (default: --set beta=..., else 1)")
    parser.add_argument("--particles", type=integer(2, MAX_PARTICLES), default=1000, help="number of persistent chains (default 1000)")
    parser.add_argument("--steps", type=integer(1, MAX_STEPS), default=1000, help="parameter steps (default 1000)")
    parser.add_argument("--seed", type=seed(), default=0, help="random seed (default 0)")
    parser.add_argument("--method", choices=(*STEPPERS, "fokker-planck"), default=None,
                        help="Langevin stepper (exact OU: quadratic energies, the default there; euler elsewhere; "
                             "heun, mala) or fokker-planck (the density on a grid, noise free)")
    parser.add_argument("--substeps", default="1", help="Langevin sub-steps per parameter step, or 'auto'")
    parser.add_argument("--replicas", type=integer(2, MAX_REPLICAS), default=8,
                        help="independent replicas for the standard errors (default 8, at least 2)")
    parser.add_argument("--allow-divergence", action="store_true",
                        help="report a diverged run (exit 0) instead of the one-line error (exit 2)")
    parser.add_argument("--plot", metavar="FILE", default=None,
                        help="draw the ridge plot of the chains and the cumulative work into FILE (.png, .pdf, .svg)")


def _vector(text, name):
    return number_list(f"--{name}", text, limit=MAX_MAGNITUDE)


def _int(text):
    from thermolearn.theory import ParameterError

    try:
        return integer(1, MAX_SUBSTEPS)(text)
    except Exception:  # argparse.ArgumentTypeError
        raise ParameterError(f"--substeps expects an integer in 1..{MAX_SUBSTEPS} or 'auto', got {text!r}") from None


def check_cost(*, particles: int, replicas: int, steps: int, substeps, dim: int, method: str, plot: bool) -> None:
    """Refuse, before any work and in one line, runs that would not finish or not fit in memory."""
    from thermolearn.theory import ParameterError

    from ._common import check_memory

    if method == "fokker-planck":
        limit = MAX_FOKKER_PLANCK_STEPS.get(dim, min(MAX_FOKKER_PLANCK_STEPS.values()))
        if steps > limit:
            raise ParameterError(f"--steps {steps} with --method fokker-planck in {dim}-D exceeds {limit} "
                                 "(about a minute of CPU on the density grid); reduce --steps")
        return
    subs = 1 if substeps == "auto" else int(substeps)
    work = particles * replicas * steps * subs
    if work > MAX_WORK:
        raise ParameterError(
            f"--particles x --replicas x --steps x --substeps = {work:.3g} particle-steps exceeds {MAX_WORK:.0e} "
            "(a few minutes of CPU); reduce one of them"
        )
    # per replica: chains, noise and the kept final chains (8 bytes per coordinate), plus the per-step
    # ledger rows; with --plot up to 101 stored copies of the chains per replica
    chains = 8 * particles * dim
    need = replicas * (3 * chains + 8 * 16 * (dim + 1) * (steps + 1) + (101 * chains if plot else 0))
    check_memory(need, f"--particles {particles} x --replicas {replicas} with --steps {steps}"
                       + (" and --plot" if plot else ""))


def _plain(v):
    import numpy as np

    a = np.asarray(v, dtype=float)
    return float(a.reshape(())) if a.size == 1 else a.tolist()


def _run(args, model, sched, theta0, target, u0, method):
    """The runs (one density run, or independent Langevin replicas) and the warnings they raised."""
    import warnings

    import numpy as np

    from thermolearn.numeric.langevin import train_replicas
    from thermolearn.numeric.progress import progress_reporter
    from thermolearn.theory import ThermolearnWarning

    replicas = 1 if method == "fokker-planck" else args.replicas
    # percentage and ETA on a terminal only (nothing in a pipe); one bar over all replicas
    with warnings.catch_warnings(record=True) as caught, \
            progress_reporter(True, total=replicas * args.steps, desc=f"simulate ({method})") as bar:
        warnings.simplefilter("always")
        if method == "fokker-planck":
            from thermolearn.numeric.fokker_planck import train as fp_train

            runs = (fp_train(model, sched, theta0=theta0, target=target, u0=u0, steps=args.steps, progress=bar),)
        else:
            substeps = args.substeps if args.substeps == "auto" else _int(args.substeps)
            runs = train_replicas(model, sched, replicas=args.replicas, rng=np.random.default_rng(args.seed),
                                  theta0=theta0, target=target, u0=u0, particles=args.particles, steps=args.steps,
                                  method=method, substeps=substeps,
                                  snapshots=min(101, args.steps + 1) if args.plot else 0, progress=bar,
                                  max_work=MAX_WORK // args.replicas)  # bounds --substeps auto too
    # thermolearn's named warnings only: numpy's RuntimeWarnings (an exp overflowing to inf where a
    # weight is 0 anyway) are not messages for the user (the driver drops them likewise)
    return runs, [str(w.message) for w in caught if issubclass(w.category, ThermolearnWarning)]


def _stochastic_keys(data, runs):
    """Replica means replace the single-run numbers; each gets ``K_se``; the trajectory is the replica mean."""
    import numpy as np

    from thermolearn.numeric.langevin import replica_summary

    for key, (mean, se) in replica_summary(runs).items():
        data[key], data[f"{key}_se"] = _plain(mean), _plain(se)
    if len({len(r.times) for r in runs}) == 1:
        for key, field in (("theta", "theta"), ("sample_mean", "sample_mean"), ("work", "work")):
            avg = np.mean([getattr(r, field) for r in runs], axis=0)
            data["trajectory"][key] = avg[:, 0].tolist() if avg.ndim == 2 and avg.shape[1] == 1 else avg.tolist()


def _reached(data, target, theta0, noise_free):
    """(reached, tolerance text): θ(τ) within N_SIGMA s.e. plus TARGET_RTOL·|θ* − θ0| of θ*."""
    import numpy as np

    from thermolearn.numeric.langevin import TARGET_N_SIGMA

    th, tg = np.atleast_1d(data["theta_final"]), np.asarray(target)
    floor = TARGET_RTOL * max(1.0, float(np.max(np.abs(tg - np.asarray(theta0)))))
    if noise_free:
        return bool(np.all(np.abs(th - tg) <= floor)), f"{floor:.3g} (grid and time-step error)"
    se = np.atleast_1d(data["theta_final_se"])
    return (bool(np.all(np.abs(th - tg) <= TARGET_N_SIGMA * se + floor)),
            f"{TARGET_N_SIGMA:g} standard errors ({_fmt(_plain(se))}) + {floor:.3g} (time-step error)")


def _closed_forms(data, args, model, sched, theta0, target, u0, beta, mu):
    """Predictions, the W_min bound (null + reason where it does not apply) and z-scores."""
    import numpy as np

    from thermolearn.numeric import langevin as L

    K = L.trap_stiffness(model)
    data.update(predicted_excess_work=None, minimal_excess_work=None, prediction_source=None,
                minimal_excess_work_reason="no closed form for this energy (the bound is known for the quadratic trap)")
    if K is not None:
        p = L.trap_prediction(sched, beta=beta, mu=mu, k=K, theta0=theta0, target=target, u0=u0)
        data.update(predicted_excess_work=p.excess_work, prediction_source=p.source,
                    minimal_excess_work=p.minimal_excess_work, minimal_excess_work_reason=p.minimal_reason or None)
        if args.schedule == "constant" and len(theta0) == 1 and (u0 is None or u0 == theta0):
            data["predicted_excess_work_infinity"] = L.trap_constant_excess_work_infinity(
                beta=beta, mu=mu, k=K, eta=args.eta, theta0=theta0[0], target=target[0])
    reached, tol = _reached(data, target, theta0, "theta_final_se" not in data)
    if data["diverged"]:
        data.update(minimal_excess_work=None, minimal_excess_work_reason="the run diverged")
    elif not reached:
        miss = _plain(np.abs(np.atleast_1d(data["theta_final"]) - np.asarray(target)))
        data["warnings"].append(f"theta(tau) = {_fmt(data['theta_final'], 10)} misses the target "
                                f"{_fmt(_plain(target), 10)} by {_fmt(miss, 3)}, more than {tol}")
        if data["minimal_excess_work"] is not None:
            data.update(minimal_excess_work=None,
                        minimal_excess_work_reason="theta(tau) misses the target: W_min bounds runs that reach theta*")
    if "excess_work_se" in data:
        z = {"theta_final_vs_target": _z(data["theta_final"], target, data["theta_final_se"])}
        for key in ("predicted_excess_work", "minimal_excess_work"):
            if data[key] is not None:
                z[f"excess_work_vs_{key}"] = _z(data["excess_work"], data[key], data["excess_work_se"])
        data["z_scores"] = z


def _z(value, reference, se):
    """(value − reference)/se, None where se is 0 (deterministic) or undefined."""
    import numpy as np

    v, r, s = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (value, reference, se))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (v - r) / s
    out = [float(q) if np.isfinite(q) else None for q in z]
    return out[0] if len(out) == 1 else out


_STIFFNESS = re.compile(r"^(\w+): mu\*k\*dt = ([0-9.eE+-]+);")


def _merge_replica_warnings(messages, replicas) -> list:
    """Distinct messages in order; the per-replica stiffness notes (each replica's chains give their own
    curvature) reduced to the stiffest one."""
    stiff = [(float(m.group(2)), w) for w in messages if (m := _STIFFNESS.match(w))]
    out = list(dict.fromkeys(w for w in messages if not _STIFFNESS.match(w)))
    if stiff:
        worst = max(stiff)[1]
        out.append(worst if replicas < 2 else f"{worst} [the stiffest of {replicas} replicas]")
    return out


def run(args) -> Output:
    import numpy as np

    from thermolearn.numeric.schedule import build_schedule
    from thermolearn.theory import NumericalError, ParameterError

    from ._common import parse_assignments

    replicas = 1 if args.method == "fokker-planck" else args.replicas
    substeps = args.substeps if args.substeps == "auto" else _int(args.substeps)
    if args.method != "fokker-planck":  # the product bound needs no model: refuse before building it
        check_cost(particles=args.particles, replicas=replicas, steps=args.steps, substeps=substeps, dim=1,
                   method="langevin", plot=False)
    sets = parse_assignments(args.set, "--set")
    beta = float(args.beta if args.beta is not None else sets.get("beta", 1.0))
    mu = float(args.mu if args.mu is not None else sets.get("mu", 1.0))
    model = model_from_args(args, beta=beta, mu=mu)
    check_cost(particles=args.particles, replicas=replicas, steps=args.steps, substeps=substeps, dim=len(model.x),
               method="fokker-planck" if args.method == "fokker-planck" else "langevin", plot=bool(args.plot))
    theta0, target = _vector(args.theta0, "theta0"), _vector(args.target, "target")
    u0 = None if args.u0 is None else _vector(args.u0, "u0")
    method = args.method or ("exact" if model.is_quadratic() else "euler")
    if args.plot and not str(args.plot).lower().endswith((".png", ".pdf", ".svg")):
        raise ParameterError(f"--plot FILE must end in .png, .pdf or .svg, got {args.plot!r}")
    sched = build_schedule(args.schedule, model, tau=args.tau, theta0=theta0, target=target, eta=args.eta, u0=u0,
                           steps=args.steps)
    runs, caught = _run(args, model, sched, theta0, target, u0, method)
    bad = next((r for r in runs if r.diverged), None)
    if bad is not None and not args.allow_divergence:
        raise NumericalError(f"the run diverged ({bad.divergence}); pass --allow-divergence to report it anyway")
    data = runs[0].to_cli_dict()
    data["warnings"] = _merge_replica_warnings(caught + [w for r in runs for w in r.warnings], len(runs))
    data["diverged"] = bad is not None
    data["schedule_description"] = sched.description  # the formula, and how the metric is evaluated along the run
    if method != "fokker-planck":
        _stochastic_keys(data, runs)
        data["replicas"] = len(runs)
    else:
        data["standard_errors"] = "none: the Fokker-Planck density evolves without sampling noise"
    _closed_forms(data, args, model, sched, theta0, target, None if u0 is None else np.asarray(u0), beta, mu)
    data.update({"particles": args.particles, "steps": args.steps, "seed": args.seed, "beta": beta, "mu": mu,
                 "tau": args.tau})
    if args.plot:  # one figure for any energy (the first replica): ridges of the chains, theta(t), u(t), kicks, work
        from thermolearn.numeric.plotting import model_density, save_training_figure

        data["plot"] = str(save_training_figure(args.plot, runs[0], target=target, theta0=theta0,
                                                density=model_density(model),
                                                title=f"{args.schedule} schedule, E = {model.energy}"))
    return Output(data=data, text=_text(data))


def _fmt(v, digits: int = 6):
    if v is None:
        return "n/a"
    if isinstance(v, list):
        return "[" + ", ".join(f"{x:.{digits}g}" for x in v) + "]"
    return f"{v:.{digits}g}"


def _pm(d, key):
    se = d.get(f"{key}_se")
    return _fmt(d[key]) if se is None else f"{_fmt(d[key])} ± {_fmt(se)}"


def _text(d) -> str:
    rows = [
        ("schedule / method", f"{d['schedule']} / {d['method']}"
         + (f" ({d['replicas']} replicas, ± one standard error)" if "replicas" in d else " (noise free)")),
        ("theta(tau)", _pm(d, "theta_final")),
        ("sample mean(tau)", _pm(d, "sample_mean_final")),
        ("work W", _pm(d, "work")),
        ("free-energy change", _pm(d, "free_energy_change")),
        ("excess work W_ex", _pm(d, "excess_work")),
        ("bias L - L~", _pm(d, "bias")),
        ("predicted W_ex", _fmt(d["predicted_excess_work"])),
        ("minimal W_ex", _fmt(d["minimal_excess_work"]) if d["minimal_excess_work"] is not None
         else f"n/a ({d['minimal_excess_work_reason']})"),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{a:<{width}}  {b}" for a, b in rows]
    lines += [f"warning: {w}" for w in d["warnings"]]
    if d.get("plot"):
        lines.append(f"plot: {d['plot']}")
    return "\n".join(lines)
