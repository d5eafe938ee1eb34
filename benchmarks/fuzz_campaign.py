"""Adversarial input campaign for the command line (run: ``python -m benchmarks.fuzz_campaign N``).

Generates N inputs (default 1000) from an explicit seed, in four families,
and runs each in-process through :func:`thermolearn.cli.main`:

* **expressions** — the grammar: well-formed random trees (symbols,
  numbers, + - * / **, whitelisted functions), malformed text, and the
  pathological shapes of the review (nested powers, deep exponentials,
  huge literals, injection payloads).  Most go through ``codegen`` (the
  input path up to a model, cheap); a tenth through ``derive`` (symbolic
  work under the budget).
* **options** — every numeric option of every subcommand with random values
  (negative, zero, huge, non-finite, garbage, repeated), other sizes tiny.
* **files** — corrupt IDX files (random headers, truncated, gzip) for
  ``sgd-noise --mnist``; corrupt CSV/NPY files for ``train --data``;
  energies read from ``@FILE``.
* **combinations** — ``--set``/``--at`` in every order.

The contract checked for each input: exit 0, 1 or 2; on 2 exactly one stderr
line; no traceback; exit 1 never silent; CPU time within the budget
(:data:`BUDGET`); no payload executed (a sentinel file).  Prints one line of
counts and returns them.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import random
import struct
import sys
import tempfile
import time
from pathlib import Path

#: CPU seconds allowed per case (derive: a few closed-form attempts of 3 s each).
BUDGET = {"derive": 40.0, "default": 15.0}

SYMBOLS = ("x", "theta", "k", "a", "x2", "gamma", "beta", "mu")
FUNCS = ("exp", "log", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "atan", "abs", "erf")


def _number(rng: random.Random) -> str:
    return rng.choice(["0", "1", "2", "0.5", "3", "1e-3", "10", "7/2", "1e5", "0.1", "2**10"])


def expression(rng: random.Random, depth: int = 0) -> str:
    """A random well-formed expression of the whitelisted grammar."""
    r = rng.random()
    if depth > 4 or r < 0.25:
        return rng.choice(SYMBOLS[:4]) if rng.random() < 0.6 else _number(rng)
    if r < 0.65:
        op = rng.choice(["+", "-", "*", "/", "**"])
        left = expression(rng, depth + 1)
        right = _number(rng) if op == "**" and rng.random() < 0.7 else expression(rng, depth + 1)
        return f"({left}) {op} ({right})"
    if r < 0.85:
        return f"{rng.choice(FUNCS)}({expression(rng, depth + 1)})"
    return f"-({expression(rng, depth + 1)})"


def malformed(rng: random.Random) -> str:
    alphabet = "x theta()+-*/^.,;:'\"[]{}_=<>!@#$%&|~`0123456789eE \t\n\\λθ"
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
    if rng.random() < 0.5:  # a valid prefix with junk
        text = expression(rng) + text
    return text


def pathological(rng: random.Random, sentinel: str) -> str:
    n = rng.randint(2, 80)
    shapes = [
        f"((x-theta)**{rng.randint(2, 40)})**{rng.randint(10, 1000)}",
        f"(x + theta + 1)**{rng.randint(10, 400)}",
        "exp(" * n + "x" + ")" * n + " + theta*x",
        f"(theta*2**{rng.randint(100, 999)})**{rng.randint(10, 1000)}",
        "x**2 + theta*" + "9" * rng.randint(50, 6000),
        "x" + "**x" * rng.randint(1, 30) + " + theta*x",
        "(" * n + "x" + ")" * n + "**2 + theta*x",
        f"x**{rng.randint(1001, 10**9)} + theta*x",
        f"__import__('pathlib').Path({sentinel!r}).touch()",
        "x + theta*().__class__.__mro__[1].__subclasses__()",
        f"(lambda: __import__('pathlib').Path({sentinel!r}).touch())()",
        "cosh(x) + theta*x",
        "log(x**2) + x**2 + theta*x",
        "theta*(-x)**tanh(x) + x**2",
        "nan*x**2 + theta*x",
        "x**2 - 1/x**2 + theta*x",
        "1/(x - theta) + x**2",
        "x**2 + theta*x + " + "+".join(f"x**{i}" for i in range(rng.randint(10, 300))),
    ]
    return rng.choice(shapes)


def _expr_case(rng, sentinel):
    kind = rng.random()
    text = expression(rng) if kind < 0.5 else (malformed(rng) if kind < 0.75 else pathological(rng, sentinel))
    if rng.random() < 0.5:  # make it depend on x and theta more often
        text = f"({text}) + (x - theta)**2"
    command = "derive" if rng.random() < 0.1 else "codegen"
    return [command, "--", text] if text.startswith("-") else [command, text]


_VALUES = ["-1", "0", "1", "2", "-0", "1e308", "-1e308", "1e-320", "nan", "inf", "-inf", "abc", "", "1.5",
           "3e9", "2**3", "0x10", "1_000", "--", "-1,2", "9" * 400, "1e15", "-1e16", "0.0001"]

_OPTIONS = {
    "simulate": ["--tau", "--eta", "--mu", "--beta", "--particles", "--steps", "--seed", "--substeps",
                 "--target", "--theta0", "--u0"],
    "infoflow": ["--kappa", "--sigma", "--s2", "--n-train", "--batch", "--tau2", "--v0", "--rho", "--steps",
                 "--theta-temperature", "--h", "--gamma", "--J", "--Jx", "--lam", "--n-bits", "--p"],
    "sgd-noise": ["--n-train", "--n-test", "--trials", "--steps", "--lr", "--width", "--depth", "--measure-every",
                  "--t0", "--max-lag", "--workers", "--group-size", "--seed", "--batch-sizes"],
    "derive": ["--at", "--set"],
    "verify": ["--seed"],
    "reproduce": ["--seed"],
}


def _option_case(rng, tmp: Path):
    command = rng.choice(list(_OPTIONS))
    option = rng.choice(_OPTIONS[command])
    value = rng.choice(_VALUES)
    if command == "simulate":
        base = ["simulate", "(x-theta)**2/2", "--target", "1", "--theta0", "0", "--particles", "20", "--steps", "5"]
    elif command == "infoflow":
        model = "two-state" if option in ("--h", "--gamma", "--J", "--Jx", "--lam", "--n-bits", "--p") else "gaussian"
        base = ["infoflow", model, "--steps", "2"]
    elif command == "sgd-noise":
        base = ["sgd-noise", "--steps", "3", "--trials", "2", "--width", "4", "--batch-sizes", "1",
                "--measure-every", "1", "--max-lag", "1"]
    elif command == "derive":
        name = rng.choice(["theta", "beta", "mu", "x", "k", "nope", "", "theta=1"])
        base = ["derive", "k*(x-theta)**2/2"]
        value = f"{name}={value}"
    elif command == "verify":
        return ["verify", "--seed", value, "(x-theta)**2/2", "--help"]  # validation only, no run
    else:
        return ["reproduce", "--seed", value, "--help"]
    extra = [option, value] if option != "--p" else [option, value, rng.choice(_VALUES)]
    if rng.random() < 0.2:  # the same option twice
        extra += extra
    return base + extra


def _set_at_case(rng):
    parts = [["--set", "beta=1"], ["--set", "mu=2"], ["--at", "theta=0.5"], ["--at", "k=2"]]
    rng.shuffle(parts)
    return ["derive", "k*(x-theta)**2/2", *[p for part in parts for p in part]]


def _idx(dims, payload: bytes, code=0x08) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + payload


def _file_case(rng, tmp: Path, index: int):
    if rng.random() < 0.3:  # an energy read from a file
        path = tmp / f"energy{index}.txt"
        data = rng.choice([expression(rng), malformed(rng), "", "\x00\x01", "x" * 5000])
        path.write_bytes(data.encode("utf-8", "surrogatepass") if rng.random() < 0.8 else os.urandom(30))
        return ["codegen", f"@{path}"]
    if rng.random() < 0.3:  # a corrupt CSV/NPY data file for `train`
        return ["train", "--data", str(_data_file(rng, tmp, index)), "--model", "gaussian", "--steps", "4",
                "--chains", "2", "--warmup", "2", "--block", "2", "--grid", "0"]
    folder = tmp / f"mnist{index}"
    folder.mkdir(exist_ok=True)
    good = {"train-images-idx3-ubyte": _idx((3, 2, 2), bytes(12)), "train-labels-idx1-ubyte": _idx((3,), bytes(3)),
            "t10k-images-idx3-ubyte": _idx((3, 2, 2), bytes(12)), "t10k-labels-idx1-ubyte": _idx((3,), bytes(3))}
    victim = rng.choice(list(good))
    mutation = rng.randrange(6)
    raw = good[victim]
    if mutation == 0:
        raw = os.urandom(rng.randint(0, 64))
    elif mutation == 1:
        raw = raw[: rng.randint(0, len(raw) - 1)]
    elif mutation == 2:
        dims = tuple(rng.choice([0, 1, 3, 2**21, 2**31, 2**32 - 1]) for _ in range(rng.randint(1, 4)))
        raw = _idx(dims, os.urandom(rng.randint(0, 64)), rng.choice([0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E]))
    elif mutation == 3:
        raw = _idx((3, 2, 2), struct.pack(">12d", *([float("nan")] * 12)), 0x0E)
    elif mutation == 4:
        raw = gzip.compress(raw)[: rng.randint(5, 30)]
    else:
        pos = rng.randrange(len(raw))
        raw = raw[:pos] + bytes([rng.randrange(256)]) + raw[pos + 1:]
    good[victim] = raw
    for name, data in good.items():
        (folder / name).write_bytes(data)
    return ["sgd-noise", "--mnist", str(folder), "--steps", "2", "--trials", "2", "--width", "4",
            "--batch-sizes", "1", "--n-train", "3", "--n-test", "3", "--measure-every", "1", "--max-lag", "0"]


def _data_file(rng, tmp: Path, index: int) -> Path:
    import numpy as np

    good = np.random.default_rng(index).normal(size=(30, 2))
    if rng.random() < 0.5:
        path = tmp / f"data{index}.npy"
        buf = io.BytesIO()
        np.save(buf, good if rng.random() < 0.5 else good.astype(rng.choice(["f4", "i2", "U3", "c16"])))
        raw = buf.getvalue()
        mutation = rng.randrange(4)
        if mutation == 0:
            raw = raw.replace(b"(30, 2)", rng.choice([b"(9999999999, 2)", b"(30, 9999)", b"(-1, 2)", b"(30,)"]))
        elif mutation == 1:
            raw = raw[: rng.randint(0, len(raw) - 1)]
        elif mutation == 2:
            raw = os.urandom(rng.randint(0, 200))
        path.write_bytes(raw)
        return path
    path = tmp / f"data{index}.csv"
    rows = [",".join(f"{v:.3f}" for v in row) for row in good]
    mutation = rng.randrange(5)
    if mutation == 0:
        rows[rng.randrange(len(rows))] = rng.choice(["nan,1", "inf,2", "a,b", "1", "1,2,3", ""])
    elif mutation == 1:
        rows = rows[: rng.randint(0, 9)]
    elif mutation == 2:
        rows = ["\x00\xff" * 5]
    path.write_text("\n".join(rows))
    return path


def generate(n: int, seed: int, tmp: Path, sentinel: str):
    """``n`` (family, argv) cases from ``seed``."""
    rng = random.Random(seed)
    cases = []
    for i in range(n):
        r = rng.random()
        if r < 0.55:
            cases.append(("expression", _expr_case(rng, sentinel)))
        elif r < 0.8:
            cases.append(("option", _option_case(rng, tmp)))
        elif r < 0.95:
            cases.append(("file", _file_case(rng, tmp, i)))
        else:
            cases.append(("set/at", _set_at_case(rng)))
    return cases


def run_case(argv):
    """``(code, stdout, stderr, cpu_seconds)`` of one in-process run."""
    from thermolearn.cli import main

    out, err = io.StringIO(), io.StringIO()
    start = _cpu()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException as exc:  # noqa: BLE001 - counted as an escape
            code = f"escaped {type(exc).__name__}: {exc}"
    return code, out.getvalue(), err.getvalue(), _cpu() - start


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (budgeted sympy attempts run in children)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def violation(argv, code, stdout, stderr, seconds) -> str | None:
    """What broke the contract, or ``None``."""
    if code not in (0, 1, 2):
        return f"exit status {code!r}"
    if "Traceback" in stderr or "Traceback" in stdout:
        return "traceback"
    if code == 2 and len(stderr.strip().splitlines()) != 1:
        return f"{len(stderr.strip().splitlines())} stderr lines on exit 2"
    if code == 1 and not stderr.strip():
        return "silent exit 1"
    budget = BUDGET["derive"] if argv and argv[0] == "derive" else BUDGET["default"]
    if seconds > budget:
        return f"took {seconds:.1f} CPU-s (budget {budget:g})"
    return None


def campaign(n: int = 1000, seed: int = 20251003, log=None, trace=None) -> dict:
    """Run ``n`` cases; return counts by family and outcome, and the failures."""
    counts = {"cases": 0, "exit0": 0, "exit1": 0, "exit2": 0, "tracebacks": 0, "hangs": 0,
              "silent": 0, "executions": 0, "other": 0}
    families: dict[str, int] = {}
    failures = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        sentinel = str(tmp / "pwned")
        for i, (family, argv) in enumerate(generate(n, seed, tmp, sentinel)):
            if trace is not None:
                trace.write(f"{i} {family} {argv!r}\n")
                trace.flush()
            code, out, err, seconds = run_case(argv)
            counts["cases"] += 1
            families[family] = families.get(family, 0) + 1
            if code in (0, 1, 2):
                counts[f"exit{code}"] += 1
            why = violation(argv, code, out, err, seconds)
            if Path(sentinel).exists():
                why = "payload executed"
                counts["executions"] += 1
                Path(sentinel).unlink()
            elif why == "traceback":
                counts["tracebacks"] += 1
            elif why and why.startswith("took"):
                counts["hangs"] += 1
            elif why == "silent exit 1":
                counts["silent"] += 1
            elif why:
                counts["other"] += 1
            if "out of memory" in err:
                counts["out_of_memory"] = counts.get("out_of_memory", 0) + 1
                if log:
                    log(f"NOTE out of memory (one line, exit {code}): {argv!r}")
            if why:
                failures.append((family, argv, why, err[-500:]))
                if log:
                    log(f"FAIL {family} {why}: {argv!r}\n{err[-500:]}")
    counts["families"] = families
    counts["failures"] = failures
    return counts


#: Address-space cap of the campaign process (bytes): a case that tries to allocate more gets a
#: MemoryError (which the CLI must report on one line) instead of inviting the OOM killer.
MEMORY_CAP = 6 * 2**30


def _cap_memory() -> None:
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = MEMORY_CAP if hard == resource.RLIM_INFINITY else min(MEMORY_CAP, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not POSIX
        pass


def main(argv=None) -> int:
    _cap_memory()
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 1000
    seed = int(args[1]) if len(args) > 1 else 20251003
    start = time.perf_counter()
    trace = open(os.environ["FUZZ_TRACE"], "w") if os.environ.get("FUZZ_TRACE") else None
    result = campaign(n, seed, log=lambda m: print(m, file=sys.stderr), trace=trace)
    failures = result.pop("failures")
    print(f"fuzz campaign: {result} in {time.perf_counter() - start:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
