"""``thermolearn reproduce``: regenerate the papers' figures and checks.

``--only`` selects sections (``minimal-dissipation``, ``general-potentials``,
``sgd-thermodynamics``, ``infoflow-learning``) or figures inside one
(``fig4``, ``fig6``, ...); ``--set NAME=VALUE`` redraws the figures of the
sections that take parameters (the minimal-dissipation figures: beta, k, mu,
tau, eta, theta0, u0, target) at other values; ``--dpi`` and ``--figure-format``
choose the raster resolution and the vector format written beside each PNG
(defaults: PNG + PDF at 200 dpi; with ``--quick``: PNG alone at 100 dpi).
"""

from __future__ import annotations

import importlib
import inspect
import sys
import time
from pathlib import Path

from ._common import Output, seed

HELP = "regenerate every figure of the papers with a report of checks (the main job)"

FIGURE_FORMATS = ("png", "pdf", "svg")


def configure(parser) -> None:
    from thermolearn.reproduce import PAPERS

    parser.add_argument("--paper", choices=[*PAPERS, "all"], default="all", help="which paper (default: all)")
    parser.add_argument("--out", default="thermolearn-output", help="output folder (default: thermolearn-output)")
    parser.add_argument("--quick", action="store_true",
                        help="same pipeline at reduced sizes (for tests); figures as PNG at 100 dpi unless "
                             "--dpi/--figure-format say otherwise")
    parser.add_argument("--seed", type=seed(), default=20251003, help="random seed (default: 20251003)")
    parser.add_argument("--mnist", metavar="DIR", default=None,
                        help="sgd-thermodynamics: the MNIST IDX files in DIR instead of the bundled digits")
    parser.add_argument("--only", action="append", default=[], metavar="NAME[,NAME]",
                        help="run only these sections or figures (e.g. fig4,fig6 or general-potentials)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="parameter override for the figures that take it (e.g. mu=5)")
    parser.add_argument("--dpi", type=int, default=None,
                        help="raster resolution of the PNG files (default 200; 100 with --quick)")
    parser.add_argument("--figure-format", default=None, metavar="FMT[,FMT]",
                        help="figure files to write, among png, pdf, svg (default: png,pdf; png with --quick)")


def _sections(papers):
    from thermolearn.reproduce import PAPERS, section_name

    return {section_name(m): (paper, m) for paper in papers for m in PAPERS[paper]}


def _select(args, papers):
    """(sections per paper or None, figure names or None) from ``--only``."""
    from thermolearn.theory import ParameterError

    names = [n.strip() for item in args.only for n in item.split(",") if n.strip()]
    if not names:
        return None, None
    table = _sections(papers)
    if all(n in table for n in names):  # sections only: their modules are imported when they run, not here
        return set(names), None
    figures = {}
    # figure names live in the section modules: import them (seconds of imports) only when a name is no section
    for sec, (_, modname) in table.items() if any(n not in table for n in names) else ():
        for fig in getattr(importlib.import_module(modname), "FIGURE_NAMES", ()):
            figures.setdefault(fig, sec)
    chosen, figs = set(), set()
    for n in names:
        if n in table:
            chosen.add(n)
        elif n in figures:
            chosen.add(figures[n])
            figs.add(n)
        else:
            raise ParameterError(f"--only {n}: not a section or figure of {', '.join(papers)}; "
                                 f"sections: {', '.join(table)}; figures: {', '.join(figures)}")
    return chosen, (figs or None)


def _formats(text):
    from thermolearn.theory import ParameterError

    fmts = tuple(f.strip().lower() for f in str(text).split(",") if f.strip())
    if not fmts or set(fmts) - set(FIGURE_FORMATS) or "png" not in fmts:
        raise ParameterError(f"--figure-format expects png plus any of pdf, svg (comma-separated), got {text!r}")
    return fmts


def run(args) -> Output:
    from thermolearn._report import staged_output
    from thermolearn.reproduce import FIGURE_DEFAULTS, PAPERS, run_papers
    from thermolearn.theory import ParameterError

    from ._common import parse_assignments

    papers = list(PAPERS) if args.paper == "all" else [args.paper]
    default = FIGURE_DEFAULTS[bool(args.quick)]
    dpi = default["dpi"] if args.dpi is None else args.dpi
    if not 20 <= dpi <= 2000:
        raise ParameterError(f"--dpi must be between 20 and 2000, got {dpi}")
    formats = default["formats"] if args.figure_format is None else _formats(args.figure_format)
    overrides = parse_assignments(args.set, "--set")
    sections, figures = _select(args, papers)
    if sections is not None:
        papers = [p for p in papers if any(sec in sections for sec, (pp, _) in _sections([p]).items())]
    options = {"dpi": dpi, "formats": formats}
    if overrides:
        options["overrides"] = overrides
        takers = [sec for sec, (_, m) in _sections(papers).items() if (sections is None or sec in sections)
                  and "overrides" in inspect.signature(importlib.import_module(m).run).parameters]
        if not takers:
            raise ParameterError("--set: none of the selected sections takes parameters "
                                 "(the minimal-dissipation figures do: --only minimal-dissipation or fig4, ...)")
    if figures is not None:
        options["only"] = figures
    if args.mnist is not None:
        if "sgd-thermodynamics" not in papers:
            raise ParameterError(f"--mnist applies to --paper sgd-thermodynamics or all, got --paper {args.paper}")
        from thermolearn.numeric.sgd import load_mnist

        load_mnist(args.mnist, n_train=1, n_test=1)  # a missing or corrupt file fails now, not after an hour
        options["mnist"] = args.mnist
    out = Path(args.out)
    tty = sys.stderr.isatty()
    from thermolearn.numeric.progress import status

    started, total = [], sum(len(PAPERS[p]) for p in papers)

    def progress(msg):  # a section starts: the ones before it are done (percentage and ETA by section)
        if tty:
            line = status(len(started), total, time.perf_counter() - start)
            print(f"[thermolearn] {line}  {msg}", file=sys.stderr, flush=True)
        started.append(msg)

    start = time.perf_counter()
    with staged_output(out) as staged:  # figures and report appear in `out` together, at the end
        checks = run_papers(papers, staged.stage, quick=args.quick, seed=args.seed, progress=progress,
                            options=options, sections=sections)
        meta = {"papers": papers, "quick": args.quick, "seed": args.seed, "mnist": args.mnist,
                "only": sorted(sections) + sorted(figures or ()) if sections else None,
                "overrides": overrides or None, "dpi": dpi, "formats": list(formats),
                "seconds": round(time.perf_counter() - start, 2)}
        jpath, mpath = staged.commit(checks, meta)
    n_ok = sum(c.passed for c in checks)
    lines = [f"{n_ok}/{len(checks)} checks passed; report: {mpath}"]
    width = max((len(c.name) for c in checks), default=10)
    for c in checks:
        lines.append(f"  {'ok ' if c.passed else 'FAIL'} {c.name:<{width}}  measured {c.measured}  expected {c.expected}")
    figures_out = sorted(str(p) for p in out.glob("*.png"))
    data = {"checks": [c.__dict__ for c in checks], "report": str(jpath), "figures": figures_out, "meta": meta}
    return Output(data=data, text="\n".join(lines), exit_code=0 if n_ok == len(checks) else 1)
