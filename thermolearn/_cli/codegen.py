"""``thermolearn codegen``: a standalone numpy, mpmath or C module for an energy.

``--lang c -o model.c`` also writes the header ``model.h`` (which the source
includes); ``--prefix`` sets the C symbol prefix (default ``tl_``).
``--check`` evaluates the generated numpy and C code and the internal
callables against mpmath at random and extreme points and reports the max
ulp-scale error (exit 1 when it exceeds ``--max-ulp``).  ``--target`` is the
deprecated spelling of ``--lang``.
"""

from __future__ import annotations

import argparse

from ._common import Output, add_energy_arguments, model_from_args, real, seed

HELP = "write a standalone numpy, mpmath or C module (energy, drift, dE/dtheta, metric, schedules)"


def configure(parser) -> None:
    add_energy_arguments(parser)
    parser.add_argument("--lang", choices=("numpy", "mpmath", "c"), default=None,
                        help="language of the generated module (default: numpy)")
    parser.add_argument("--target", dest="target_deprecated", choices=("numpy", "mpmath", "c"), default=None,
                        help=argparse.SUPPRESS)
    parser.add_argument("--prefix", default="tl_", help="C only: prefix of every exported symbol (default: tl_)")
    parser.add_argument("-o", "--output", metavar="FILE", default=None,
                        help="write the module to FILE (C: also FILE's .h header) (default: print it)")
    parser.add_argument("--check", action="store_true",
                        help="compare generated numpy, C and internal callables with mpmath; report max ulp error")
    parser.add_argument("--max-ulp", type=real(0, 1e300), default=4.0,
                        help="--check fails (exit 1) above this ulp-scale error (default: 4)")
    parser.add_argument("--seed", type=seed(), default=0, help="--check: seed of the random points (default: 0)")


def _lang(args) -> tuple[str, list[str]]:
    import sys

    warnings = []
    if args.target_deprecated is not None:
        if args.lang is not None and args.lang != args.target_deprecated:
            from thermolearn.theory import ParameterError

            raise ParameterError(f"--lang {args.lang} and --target {args.target_deprecated} disagree")
        warnings.append("--target is deprecated; use --lang")
        print("thermolearn codegen: warning: --target is deprecated; use --lang", file=sys.stderr)
    return args.lang or args.target_deprecated or "numpy", warnings


def _check(model, args) -> Output:
    import numpy as np

    from thermolearn.numeric.codegen import check_generated

    r = check_generated(model, rng=np.random.default_rng(args.seed))
    ok = r.max_error <= args.max_ulp
    lines = [f"generated code vs mpmath (100 digits) at {r.points} points for E = {model.energy}: "
             f"max error {r.max_error:.3g} ulp-scale (limit {args.max_ulp:g})"]
    for lang, per in r.errors.items():
        cells = ", ".join(f"{q} {e:.3g}" for q, e in per.items())
        lines.append(f"  {lang:<8} {cells}")
    lines += [f"  {lang:<8} skipped: {why}" for lang, why in r.skipped]
    worst = {lang: {q: r.worst_points[lang][q] for q, e in per.items() if e > args.max_ulp}
             for lang, per in r.errors.items()}
    for lang, per in worst.items():
        for q, p in per.items():
            lines.append(f"  FAIL {lang} {q} at {p}")
    data = {"energy": model.energy, "check": {"errors": r.errors, "max_error": r.max_error, "max_ulp": args.max_ulp,
                                               "points": r.points, "skipped": [list(s) for s in r.skipped],
                                               "worst_points": r.worst_points, "passed": ok}}
    return Output(data=data, text="\n".join(lines), exit_code=0 if ok else 1)


def run(args) -> Output:
    from pathlib import Path

    from thermolearn.numeric.codegen import generate_c_module, generate_source, module_functions

    model = model_from_args(args)
    lang, warnings = _lang(args)
    if args.check:
        return _check(model, args)
    funcs = module_functions(model)
    renamed: list = []
    header_path = None
    if lang == "c":
        if args.output:
            header_path = Path(args.output).with_suffix(".h")
            if header_path == Path(args.output):
                from thermolearn.theory import ParameterError

                raise ParameterError(f"-o names the C source (e.g. model.c), got the header name {args.output!r}")
        cmod = generate_c_module(model, prefix=args.prefix,
                                 header_name=header_path.name if header_path else None)
        source, renamed = cmod.source, [list(p) for p in cmod.renamed]
    else:
        source = generate_source(model, lang)
    data = {
        "target": lang,
        "lang": lang,
        "energy": model.energy,
        "x": [s.name for s in model.x],
        "theta": [s.name for s in model.theta],
        "constants": [s.name for s in model.constants],
        "functions": [
            {"name": f.name, "args": list(f.args), "keywords": list(f.keywords), "shape": list(f.shape)}
            for f in funcs
        ],
        "prefix": args.prefix if lang == "c" else None,
        "renamed": renamed,
        "file": None,
        "header": None,
        "source": None,
        "warnings": warnings,
    }
    if args.output:
        path = Path(args.output)
        path.write_text(source)
        data["file"] = str(path)
        text = f"wrote {lang} module with {', '.join(f.name for f in funcs)} to {path}"
        if header_path is not None:
            header_path.write_text(cmod.header)
            data["header"] = str(header_path)
            text += f" (header {header_path})"
    else:
        data["source"] = source
        text = source
    return Output(data=data, text=text)
