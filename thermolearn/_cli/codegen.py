"""``thermolearn codegen``: a standalone numpy, mpmath or C module for an energy."""

from __future__ import annotations

from ._common import Output, add_energy_arguments, model_from_args

HELP = "write a standalone numpy, mpmath or C module (energy, drift, dE/dtheta, metric, schedules)"


def configure(parser) -> None:
    add_energy_arguments(parser)
    parser.add_argument("--target", choices=("numpy", "mpmath", "c"), default="numpy",
                        help="language of the generated module (default: numpy)")
    parser.add_argument("-o", "--output", metavar="FILE", default=None,
                        help="write the module to FILE (default: print it)")


def run(args) -> Output:
    from pathlib import Path

    from thermolearn.numeric.codegen import generate_source, module_functions

    model = model_from_args(args)
    source = generate_source(model, args.target)
    funcs = module_functions(model)
    data = {
        "target": args.target,
        "energy": model.energy,
        "x": [s.name for s in model.x],
        "theta": [s.name for s in model.theta],
        "constants": [s.name for s in model.constants],
        "functions": [
            {"name": f.name, "args": list(f.args), "keywords": list(f.keywords), "shape": list(f.shape)}
            for f in funcs
        ],
        "file": None,
        "source": None,
    }
    if args.output:
        path = Path(args.output)
        path.write_text(source)
        data["file"] = str(path)
        text = f"wrote {args.target} module with {', '.join(f.name for f in funcs)} to {path}"
    else:
        data["source"] = source
        text = source
    return Output(data=data, text=text)
