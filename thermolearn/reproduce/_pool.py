"""Independent reproduction sections on both cores.

The first section whose ``run`` accepts an ``executor`` keyword splits its
own work into tasks: it runs in this process and submits them to the
shared pool, behind the other sections, which are submitted whole (the
longest-first order of a two-worker schedule, since whole sections are the
long tasks).  A second splitting section is submitted whole too: run here
after the first, its serial parts would overlap with nothing.  The pool's workers are pinned to
one BLAS thread each, so two workers use the two cores without
oversubscription.  Where a pool must not start (one core, or inside a
pytest-xdist worker, itself one of a pool), everything runs serially in
this process; the checks do not depend on it.

Before the workers fork, this process imports the figure stack and every
module the sections import inside their functions (found in their source):
a forked worker starts with its parent's modules, so a module that two
processes need (the splitting section's, needed by its tasks everywhere) is
imported once instead of once per process.  The imports run with the cyclic
garbage collector paused, and their objects are then frozen
(:func:`gc.freeze`) until the sections are done: the collections of this
process and of every worker skip the ~10^5 objects of sympy, scipy and
matplotlib, which live as long as the process anyway.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import importlib
import importlib.util
import inspect
import os
import sys
from pathlib import Path

__all__ = ["workers", "run_sections"]

_LIMITS = []  # the worker's BLAS limit, kept alive for the worker's lifetime


def workers(max_workers: int | None = None) -> int:
    """Processes for independent work: min(2, CPUs, ``max_workers``); 1 inside a pytest-xdist worker.

    >>> workers(1)
    1
    """
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return 1
    n = min(2, os.cpu_count() or 1)
    return max(1, n if max_workers is None else min(n, int(max_workers)))


def _one_blas_thread():
    from threadpoolctl import threadpool_limits

    _LIMITS.append(threadpool_limits(limits=1, user_api="blas"))


def deferred_imports(modname: str) -> list[str]:
    """The modules that ``modname``'s functions import when they run, found in its source (no import runs).

    ``from X import a`` lists ``X`` and ``X.a`` (``a`` may be a submodule); a
    module of this package imported that way (``from ._ridge import ...``) adds
    its own deferred imports.  Module-level imports are not listed (importing
    ``modname`` runs them).

    >>> "thermolearn.numeric.sgd" in deferred_imports("thermolearn.reproduce.sgd_thermodynamics")
    True
    """
    found: list[str] = []
    _scan(modname, found, {modname})
    return found


def _scan(modname, found, seen):
    try:
        tree = ast.parse(inspect.getsource(sys.modules.get(modname) or importlib.import_module(modname)))
    except (OSError, TypeError, ImportError):  # no source (a stand-in object, a compiled module): nothing deferred
        return
    package = modname.rpartition(".")[0]
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
                names = [base, *(f"{base}.{a.name}" for a in node.names)]
            else:
                continue
            for name in names:
                if name not in found:
                    found.append(name)
                if name.startswith(__package__ + ".") and name not in seen:
                    seen.add(name)
                    _scan(name, found, seen)


def _shared_imports(modules) -> None:
    """Import the figure stack and the sections' deferred imports before the workers fork.

    Every section draws with matplotlib through :mod:`thermolearn.numeric.plotting` (about 1.6 CPU-s of
    imports per process) and imports its numerics inside ``run``; a forked worker starts with the
    parent's modules, so each of them is imported once, not once per process that needs it.  A name
    that is no module (``from X import a`` of a function ``a``) or does not import is skipped: the
    section reports it itself when it runs.  Under another start method this costs nothing extra: the
    parent runs the splitting section itself.
    """
    names = ["matplotlib.backends.backend_agg", "matplotlib.figure", "thermolearn.numeric.plotting"]
    for modname in modules:
        names += deferred_imports(modname)
    for name in dict.fromkeys(names):
        parent, _, attr = name.rpartition(".")
        if parent in sys.modules and attr and hasattr(sys.modules[parent], attr):
            continue  # an attribute (function, class) or a submodule already imported
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def _keywords(mod, options: dict) -> dict:
    accepted = inspect.signature(mod.run).parameters
    return {k: v for k, v in options.items() if k in accepted}


def _run_whole(modname: str, out: Path, quick: bool, seed: int, options: dict) -> list:
    mod = importlib.import_module(modname)
    return mod.run(out, quick=quick, seed=seed, **_keywords(mod, options))


@contextlib.contextmanager
def _imported(modules, *, shared: bool):
    """Import the section modules (with ``shared``, also :func:`_shared_imports`) with the cyclic GC paused,
    then keep every object that exists by then out of the collections (:func:`gc.freeze`) until the block
    ends; yields ``{name: module}``.

    A process that froze objects itself (``gc.get_freeze_count() > 0``) is left as it is.
    """
    mine = gc.get_freeze_count() == 0
    enabled = gc.isenabled()
    gc.disable()
    try:
        mods = {m: importlib.import_module(m) for m in modules}
        if shared:
            _shared_imports(modules)
    finally:
        if mine:
            gc.freeze()
        if enabled:
            gc.enable()
    try:
        yield mods
    finally:
        if mine:
            gc.unfreeze()


def run_sections(modules, out: Path, *, quick: bool, seed: int, options: dict, progress=None,
                 max_workers: int | None = None) -> list:
    """Run the section modules ``modules``; return their checks concatenated in that order."""
    n = workers(max_workers)
    if n == 1:
        checks = []
        with _imported(modules, shared=False):
            for modname in modules:
                if progress is not None:
                    progress(modname)
                checks.extend(_run_whole(modname, out, quick, seed, options))
        return checks
    from concurrent.futures import ProcessPoolExecutor

    results = {}
    with (_imported(modules, shared=True) as mods,
          ProcessPoolExecutor(max_workers=n, initializer=_one_blas_thread) as pool):
        splits = [m for m in modules if "executor" in inspect.signature(mods[m].run).parameters][:1]
        whole = {m: pool.submit(_run_whole, m, out, quick, seed, options) for m in modules if m not in splits}
        for m in splits:  # these submit their own tasks behind the whole sections and wait here
            if progress is not None:
                progress(m)
            results[m] = mods[m].run(out, quick=quick, seed=seed, executor=pool, **_keywords(mods[m], options))
        for m, fut in whole.items():
            if progress is not None:
                progress(m)
            results[m] = fut.result()
    return [c for m in modules for c in results[m]]
