"""``thermolearn simulate``: persistent-chain training of an EBM (CLI.md).

JSON keys (contract): ``theta_final``, ``sample_mean_final``, ``work``,
``free_energy_change``, ``excess_work``, ``bias``, ``predicted_excess_work``,
``minimal_excess_work``, ``trajectory`` (plus extras: ``method``,
``schedule``, ``warnings``, ``prediction_source``, ...).

Closed forms (arXiv 2510.03137, Figs. 1–6; theory.harmonic) fill the predictions
for the quadratic trap E = ½(x−θ)ᵀK(x−θ); other energies get ``null``.
"""

from __future__ import annotations

from ._common import MAX_MAGNITUDE, Output, add_energy_arguments, integer, model_from_args, number_list, real, seed

HELP = "train an EBM with persistent chains under a learning-rate schedule; work, excess work, bias"

SCHEDULES = ("constant", "continuous", "discontinuous", "slow-driving", "geodesic")

#: Size limits (each alone); the product particles x steps x substeps is bounded by
#: :data:`MAX_WORK` (about a minute of CPU at ~10 ns per particle-step) and the memory estimate.
MAX_PARTICLES = 10**7
MAX_STEPS = 10**7
MAX_SUBSTEPS = 10**4
MAX_WORK = 10**10


def configure(parser) -> None:
    add_energy_arguments(parser)
    parser.add_argument("--schedule", choices=SCHEDULES, default="discontinuous", help="learning-rate schedule")
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
    parser.add_argument("--method", choices=("exact", "euler", "fokker-planck"), default=None,
                        help="exact OU steps (quadratic energies; default there), euler, or fokker-planck")
    parser.add_argument("--substeps", default="1", help="Euler sub-steps per parameter step, or 'auto'")
    parser.add_argument("--plot", metavar="FILE", default=None,
                        help="draw the ridge plot of the chains and the cumulative work into FILE (.png, .pdf, .svg)")


def _vector(text, name):
    return number_list(f"--{name}", text, limit=MAX_MAGNITUDE)


def trap_stiffness(model):
    """K if E = ½(x−θ)ᵀK(x−θ) + const with constant K and dim x = dim θ, else None."""
    import sympy as sp

    if len(model.x) != len(model.theta) or not model.is_quadratic():
        return None
    K = sp.hessian(model.energy, model.x)
    if any(e.free_symbols for e in K):
        return None
    d = sp.Matrix(model.x) - sp.Matrix(model.theta)
    rest = sp.expand(model.energy - (d.T * K * d)[0, 0] / 2)
    if rest.has(*model.x, *model.theta):
        return None
    import numpy as np

    return np.array(K.tolist(), dtype=float)


def _schedule(name, model, K, args, beta, mu):
    from thermolearn.numeric import langevin as L
    from thermolearn.theory import ParameterError

    if name == "constant":
        return L.constant_schedule(args.eta, args.tau)
    if K is not None:
        if name == "continuous":
            return L.continuous_schedule(beta=beta, mu=mu, k=K, tau=args.tau)
        if name == "discontinuous":  # the first kick re-centres on the chain mean when u0 is given
            u0 = None if args.u0 is None else _vector(args.u0, "u0")
            return L.discontinuous_schedule(beta=beta, mu=mu, k=K, tau=args.tau, u0=u0,
                                            theta0=_vector(args.theta0, "theta0"), target=_vector(args.target, "target"))
        s = L.slow_driving_schedule(beta=beta, mu=mu, k=K, tau=args.tau)
        if name == "geodesic":  # flat metric (zeta = 1/mu): the geodesic schedule is the slow-driving one
            from thermolearn.numeric.schedule import Schedule

            s = Schedule("geodesic", s.rate, s.tau, (), s.description + " (flat metric: geodesic = straight line)")
        return s
    if name in ("continuous", "discontinuous"):
        raise ParameterError(
            f"--schedule {name} has a closed form only for the quadratic trap 1/2 (x-theta)^T K (x-theta); "
            f"energy {model.energy} is not of that form (use slow-driving, geodesic or constant)"
        )
    try:
        from thermolearn.numeric import metric
    except ImportError:
        raise ParameterError(
            f"--schedule {name} for the non-trap energy {model.energy} needs numeric.metric "
            "(slow_driving_schedule / geodesic_schedule), which is not available in this build"
        ) from None
    theta0, target = _vector(args.theta0, "theta0"), _vector(args.target, "target")
    if name == "slow-driving":
        return metric.slow_driving_schedule(model, tau=args.tau)
    return metric.geodesic_schedule(model, theta0, target, args.tau)


def _predictions(name, sched, K, beta, mu, tau, theta0, target, u0):
    """(predicted, minimal, source) from the closed forms / moment equations."""
    import numpy as np

    from thermolearn.numeric.langevin import trap_moments

    if K is None:
        return None, None, None
    th0, tg = np.asarray(theta0), np.asarray(target)
    uu = th0 if u0 is None else np.asarray(u0, dtype=float)
    eq = np.allclose(uu, th0)
    wmin = _minimal_work(K, mu, tau, th0, uu, tg)
    if name == "discontinuous":
        if eq:
            return wmin, wmin, "closed form W_min = Delta^T K (mu tau K + 2)^-1 Delta"
        return wmin, wmin, "closed form W_min = D^T K (mu tau K + 2)^-1 D - (theta0-u0)^T K (theta0-u0)/2, D = theta* - u0"
    if name == "continuous" and len(th0) == 1 and u0 is not None:
        import thermolearn.theory.harmonic as H

        sub = {H.k: float(K[0, 0]), H.mu: mu, H.tau: tau, H.u0: float(u0[0]), H.target: float(tg[0])}
        if abs(float(H.continuous_initial_lag().subs(sub)) - th0[0]) <= 1e-9 * max(1.0, abs(th0[0])):
            return float(H.continuous_work().subs(sub)), wmin, "closed form W = c^2 tau / mu (pre-lagged start)"
    ref = trap_moments(sched, beta=beta, mu=mu, k=K, theta0=th0, target=tg, u0=u0)
    return float(ref.work[-1]), wmin, "exact moment equations of the trap (noise-free ODE solve)"


def _minimal_work(K, mu, tau, th0, u0, tg):
    """W_min of the Schmiedl–Seifert optimum from any chain mean u0 (theory.harmonic, lambdified)."""
    import sympy as sp

    import thermolearn.theory.harmonic as H

    f = sp.lambdify((H.mu, H.tau), H.matrix_nonequilibrium_minimal_excess_work(
        sp.Matrix(K.tolist()), th0.tolist(), u0.tolist(), tg.tolist()), "math")
    return float(f(mu, tau))


def run(args) -> Output:
    import numpy as np

    from thermolearn.numeric.langevin import train
    from thermolearn.theory import ParameterError

    check_cost(args.particles, args.steps, args.substeps if args.substeps == "auto" else _int(args.substeps))
    from ._common import parse_assignments

    sets = parse_assignments(args.set, "--set")
    beta = args.beta if args.beta is not None else sets.get("beta", 1.0)
    mu = args.mu if args.mu is not None else sets.get("mu", 1.0)
    model = model_from_args(args, beta=beta, mu=mu)
    theta0, target = _vector(args.theta0, "theta0"), _vector(args.target, "target")
    u0 = None if args.u0 is None else _vector(args.u0, "u0")
    method = args.method or ("exact" if model.is_quadratic() else "euler")
    if args.plot and not str(args.plot).lower().endswith((".png", ".pdf", ".svg")):
        raise ParameterError(f"--plot FILE must end in .png, .pdf or .svg, got {args.plot!r}")
    trainer = train
    if method == "fokker-planck":
        try:  # same signature as numeric.langevin.train
            from thermolearn.numeric.fokker_planck import train as trainer
        except ImportError:
            raise ParameterError(
                "--method fokker-planck needs numeric.fokker_planck, which is not available in this build; "
                "use --method exact or euler"
            ) from None
    substeps = args.substeps if args.substeps == "auto" else _int(args.substeps)
    K = trap_stiffness(model)
    sched = _schedule(args.schedule, model, K, args, float(beta), float(mu))
    res = trainer(model, sched, theta0=theta0, target=target, u0=u0, particles=args.particles, steps=args.steps,
                  method=method, rng=np.random.default_rng(args.seed), substeps=substeps,
                  snapshots=min(101, args.steps + 1) if args.plot else 0)
    pred, wmin, source = _predictions(args.schedule, sched, K, float(beta), float(mu), args.tau, theta0, target,
                                      None if u0 is None else np.asarray(u0))
    data = res.to_cli_dict()
    data.update({"predicted_excess_work": pred, "minimal_excess_work": wmin, "prediction_source": source,
                 "particles": args.particles, "steps": args.steps, "seed": args.seed,
                 "beta": float(beta), "mu": float(mu), "tau": args.tau})
    if args.schedule == "constant" and K is not None and len(theta0) == 1 and (u0 is None or u0 == theta0):
        data["predicted_excess_work_infinity"] = float(beta) * args.eta * K[0, 0] * (target[0] - theta0[0]) ** 2 / (2 * float(mu))
    if args.plot:  # one figure for any energy: ridges of the chains, theta(t), u(t), kicks, cumulative work
        from thermolearn.numeric.plotting import model_density, save_training_figure

        data["plot"] = str(save_training_figure(args.plot, res, target=target, theta0=theta0,
                                                density=model_density(model),
                                                title=f"{args.schedule} schedule, E = {model.energy}"))
    return Output(data=data, text=_text(data))


def _int(text):
    from thermolearn.theory import ParameterError

    try:
        return integer(1, MAX_SUBSTEPS)(text)
    except Exception:  # argparse.ArgumentTypeError
        raise ParameterError(f"--substeps expects an integer in 1..{MAX_SUBSTEPS} or 'auto', got {text!r}") from None


def check_cost(particles: int, steps: int, substeps) -> None:
    """Refuse, before any work, runs that would not finish or not fit in memory."""
    from thermolearn.theory import ParameterError

    from ._common import available_memory

    subs = 1 if substeps == "auto" else int(substeps)
    work = particles * steps * subs
    if work > MAX_WORK:
        raise ParameterError(
            f"--particles x --steps x --substeps = {work:.3g} particle-steps exceeds {MAX_WORK:.0e} "
            "(about a minute of CPU); reduce one of them"
        )
    need = 8 * particles * 8 + 8 * 16 * steps  # chain state and work buffers + trajectory
    have = available_memory()
    if have is not None and need > have // 2:
        raise ParameterError(
            f"--particles {particles} with --steps {steps} needs ~{need / 2**30:.1f} GiB; "
            f"this machine has ~{have / 2**30:.1f} GiB available"
        )


def _fmt(v):
    if v is None:
        return "n/a"
    if isinstance(v, list):
        return "[" + ", ".join(f"{x:.6g}" for x in v) + "]"
    return f"{v:.6g}"


def _text(d) -> str:
    rows = [
        ("schedule / method", f"{d['schedule']} / {d['method']}"),
        ("theta(tau)", _fmt(d["theta_final"])),
        ("sample mean(tau)", _fmt(d["sample_mean_final"])),
        ("work W", _fmt(d["work"])),
        ("free-energy change", _fmt(d["free_energy_change"])),
        ("excess work W_ex", _fmt(d["excess_work"])),
        ("bias L - L~", _fmt(d["bias"])),
        ("predicted W_ex", _fmt(d["predicted_excess_work"])),
        ("minimal W_ex", _fmt(d["minimal_excess_work"])),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{a:<{width}}  {b}" for a, b in rows]
    lines += [f"warning: {w}" for w in d["warnings"]]
    return "\n".join(lines)
