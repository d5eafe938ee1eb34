"""``thermolearn verify``: the theorem checks of docs/cli.md for one energy.

Exit status 0 when every check passes, 1 when a check fails (a check that
cannot run — a singular metric, a diverging sampler — fails by name with its
reason), 2 on bad input (one line on stderr).
"""

from __future__ import annotations

from ._common import Output, add_energy_arguments, model_from_args, seed

HELP = ("run the theorem checks (stationarity, Fisher information, friction, natural gradient, sampler, "
        "slow-driving work, Jarzynski, bias = excess work)")


def configure(parser) -> None:
    add_energy_arguments(parser)
    parser.add_argument("--seed", type=seed(), default=20251003, help="random seed (default: 20251003)")
    parser.add_argument("--full", action="store_true", help="10x more particles in the simulations")


def _fmt(v) -> str:
    if v is None:
        return "-"
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def run(args) -> Output:
    from dataclasses import asdict

    from thermolearn.testing import evaluation_point, run_theorem_checks

    model = model_from_args(args)
    checks = run_theorem_checks(model, seed=args.seed, quick=not args.full)
    ok = all(c.passed for c in checks)
    width = max(len(c.name) for c in checks)
    point = evaluation_point(model)
    at = ", ".join(f"{k} = {v}" for k, v in point["values"].items())
    lines = [f"{sum(c.passed for c in checks)}/{len(checks)} theorem checks passed for E = {model.energy}",
             f"  evaluated at {at or 'the given numbers'}; theta points {point['theta_points']}"]
    for c in checks:
        lines.append(f"  {'ok  ' if c.passed else 'FAIL'} {c.name:<{width}}  value {_fmt(c.value)}  "
                     f"tolerance {_fmt(c.tolerance)}")
        if not c.passed:
            lines.append(f"       {'':<{width}}  {c.reason}")
    data = {"energy": model.energy, "checks": [asdict(c) for c in checks], "passed": ok,
            "evaluated_at": {"values": {k: float(v) for k, v in point["values"].items()},
                             "theta_points": point["theta_points"]}}
    return Output(data=data, text="\n".join(lines), exit_code=0 if ok else 1)
