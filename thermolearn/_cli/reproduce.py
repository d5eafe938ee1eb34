"""``thermolearn reproduce``: regenerate the papers' figures and checks."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ._common import Output, seed

HELP = "regenerate every figure of the papers with a report of checks (the main job)"


def configure(parser) -> None:
    from thermolearn.reproduce import PAPERS

    parser.add_argument("--paper", choices=[*PAPERS, "all"], default="all", help="which paper (default: all)")
    parser.add_argument("--out", default="thermolearn-output", help="output folder (default: thermolearn-output)")
    parser.add_argument("--quick", action="store_true", help="same pipeline at reduced sizes (for tests)")
    parser.add_argument("--seed", type=seed(), default=20251003, help="random seed (default: 20251003)")
    parser.add_argument("--mnist", metavar="DIR", default=None,
                        help="sgd-thermodynamics: the MNIST IDX files in DIR instead of the bundled digits")


def run(args) -> Output:
    from thermolearn._report import staged_output
    from thermolearn.reproduce import PAPERS, run_papers

    papers = list(PAPERS) if args.paper == "all" else [args.paper]
    options = {}
    if args.mnist is not None:
        from thermolearn.theory import ParameterError

        if "sgd-thermodynamics" not in papers:
            raise ParameterError(f"--mnist applies to --paper sgd-thermodynamics or all, got --paper {args.paper}")
        from thermolearn.numeric.sgd import load_mnist

        load_mnist(args.mnist, n_train=1, n_test=1)  # a missing or corrupt file fails now, not after an hour
        options["mnist"] = args.mnist
    out = Path(args.out)
    tty = sys.stderr.isatty()

    def progress(msg):
        if tty:
            print(f"[thermolearn] {msg}", file=sys.stderr, flush=True)

    start = time.perf_counter()
    with staged_output(out) as staged:  # figures and report appear in `out` together, at the end
        checks = run_papers(papers, staged.stage, quick=args.quick, seed=args.seed, progress=progress,
                            options=options)
        meta = {"papers": papers, "quick": args.quick, "seed": args.seed, "mnist": args.mnist,
                "seconds": round(time.perf_counter() - start, 2)}
        jpath, mpath = staged.commit(checks, meta)
    n_ok = sum(c.passed for c in checks)
    lines = [f"{n_ok}/{len(checks)} checks passed; report: {mpath}"]
    width = max((len(c.name) for c in checks), default=10)
    for c in checks:
        lines.append(f"  {'ok ' if c.passed else 'FAIL'} {c.name:<{width}}  measured {c.measured}  expected {c.expected}")
    figures = sorted(str(p) for p in out.glob("*.png"))
    data = {"checks": [c.__dict__ for c in checks], "report": str(jpath), "figures": figures, "meta": meta}
    return Output(data=data, text="\n".join(lines), exit_code=0 if n_ok == len(checks) else 1)
