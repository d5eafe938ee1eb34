"""``python -m benchmarks [--quick] [--format json] [--figures DIR] [--only NAME]``.

Discovers every ``benchmarks/bench_<topic>.py`` module, runs its
``run(size)`` (``size`` = ``"quick"`` with ``--quick``, else ``"full"``) and
prints one line per comparison: the ratio, its target, whether the target is
met, plus the medians and peak memory in the details.  With
``--format json`` the output is ``{"benchmarks": [{"name", "ratio",
"target", "met", "details"}...], "summary": {"met", "missed", "skipped"}}``.
A row that needs a peer library that is not installed is *skipped*: ``ratio``
and ``met`` are ``null`` and ``details.skipped`` gives the reason (install the
``bench`` extra); it is neither met nor missed, and is never dropped silently.  The process keeps
freed memory (:func:`benchmarks._harness.steady_allocator`), so repeated
calls time arithmetic, not the page faults of fresh temporaries.  Warnings a
module raises (e.g. the reproduction's ``SlowDrivingWarning``) are counted
by category into each of its rows' ``details.module_warnings`` instead of
being printed.
"""

from __future__ import annotations

import argparse
import warnings
from collections import Counter
import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

import benchmarks
from benchmarks._harness import skipped, steady_allocator, summary


def discover() -> list[str]:
    """Names of the benchmark modules, sorted."""
    return sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
    )


def run_all(size: str, only: list[str] | None = None, figures: Path | None = None, log=None) -> list[dict]:
    """Run the selected modules at ``size``; return all rows."""
    rows: list[dict] = []
    for name in discover():
        if only and not any(o in name for o in only):
            continue
        t0 = time.perf_counter()
        try:
            mod = importlib.import_module(f"benchmarks.{name}")
        except ImportError as exc:  # a peer library is missing
            rows.append(skipped(name, None, f"cannot import: {exc}; pip install -e '.[bench]'", module=name))
            continue
        kwargs = {}
        if figures is not None and "figures" in mod.run.__code__.co_varnames:
            kwargs["figures"] = figures
        with warnings.catch_warnings(record=True) as caught:  # counted into the rows, not printed to stderr
            warnings.simplefilter("always")
            result = mod.run(size, **kwargs)
        counts = dict(Counter(w.category.__name__ for w in caught))
        for r in result:
            r.setdefault("details", {})["module"] = name
            if counts:
                r["details"]["module_warnings"] = counts
        rows.extend(result)
        if log:
            log(f"{name}: {len(result)} rows in {time.perf_counter() - t0:.1f} s")
    return rows


def _fmt(r: dict) -> str:
    d = r.get("details", {})
    cmp_ = ">=" if d.get("target_is", "minimum") == "minimum" else "<="
    keep = {k: v for k, v in d.items() if k not in ("target_is", "module")}
    extra = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in keep.items())
    tag = {True: "MET ", False: "MISS", None: "SKIP"}[r["met"]]
    ratio = "skipped" if r["ratio"] is None else f"{r['ratio']:.3g}"
    target = "?" if r["target"] is None else f"{r['target']:.3g}"
    return f"{tag} {r['name']:<44} ratio {ratio:>9} (target {cmp_} {target})  {extra}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="reduced sizes (under 3 minutes on 2 cores)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--figures", type=Path, default=None, help="write scaling figures (PNG) into this folder")
    p.add_argument("--only", action="append", default=None, help="run only modules whose name contains this")
    args = p.parse_args(argv)
    log = (lambda m: print(m, file=sys.stderr, flush=True)) if args.format == "text" else None
    if args.figures is not None:
        args.figures.mkdir(parents=True, exist_ok=True)
    steady = steady_allocator()  # every contender reuses its memory: no page faults in the timings
    rows = run_all("quick" if args.quick else "full", args.only, args.figures, log)
    for r in rows:
        r["details"]["steady_allocator"] = steady
    counts = summary(rows)
    if args.format == "json":
        print(json.dumps({"benchmarks": rows, "summary": counts}, indent=2, default=float))
    else:
        for r in rows:
            print(_fmt(r))
        print(f"{counts['met']} met, {counts['missed']} missed, {counts['skipped']} skipped"
              + (" (a peer is not installed or not timed at this size)" if counts["skipped"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
