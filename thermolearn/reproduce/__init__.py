"""Paper reproductions: each section module exposes

``run(out: pathlib.Path, *, quick: bool, seed: int) -> list[thermolearn._report.Check]``

writing its figures (PNG, plus vector files where the section takes
``formats``) into ``out`` and returning its checks.  Optional keywords a
section may accept: ``only`` (figure names), ``overrides`` (``--set``
parameters), ``dpi``, ``formats``.  ``PAPERS``
maps the ``--paper`` names of the CLI to the section modules that make up
that paper's reproduction, run in order.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

__all__ = ["PAPERS", "run_paper", "section_name"]

#: --paper name -> section modules (imported lazily).
PAPERS: dict[str, tuple[str, ...]] = {
    "minimal-dissipation": (
        "thermolearn.reproduce.minimal_dissipation",
        "thermolearn.reproduce.general_potentials",
    ),
    "sgd-thermodynamics": ("thermolearn.reproduce.sgd_thermodynamics", "thermolearn.reproduce.infoflow_learning"),
}


def section_name(modname: str) -> str:
    """The ``--only`` name of a section module: ``thermolearn.reproduce.general_potentials`` → ``general-potentials``."""
    return modname.rsplit(".", 1)[-1].replace("_", "-")


def run_paper(name: str, out: Path, *, quick: bool, seed: int, progress=None, options=None, sections=None) -> list:
    """Run every section of paper ``name`` (or those in ``sections``); return the concatenated checks.

    ``options`` (e.g. ``{"mnist": DIR}``) are passed to the sections whose
    ``run`` takes a keyword of that name, and to no other.
    """
    checks = []
    for modname in PAPERS[name]:
        if sections is not None and section_name(modname) not in sections:
            continue
        if progress is not None:
            progress(f"{name}: {modname.rsplit('.', 1)[-1]}")
        mod = importlib.import_module(modname)
        accepted = inspect.signature(mod.run).parameters
        extra = {k: v for k, v in (options or {}).items() if k in accepted}
        checks.extend(mod.run(Path(out), quick=quick, seed=seed, **extra))
    return checks
