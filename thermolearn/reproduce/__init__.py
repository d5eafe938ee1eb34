"""Paper reproductions: each section module exposes

``run(out: pathlib.Path, *, quick: bool, seed: int) -> list[thermolearn._report.Check]``

writing its figures (PNG, plus vector files where the section takes
``formats``) into ``out`` and returning its checks.  Optional keywords a
section may accept: ``only`` (figure names), ``overrides`` (``--set``
parameters), ``dpi``, ``formats``.  ``PAPERS``
maps the ``--paper`` names of the CLI to the section modules that make up
that paper's reproduction.  :func:`run_papers` runs independent sections on
both cores (see :mod:`thermolearn.reproduce._pool`); the checks come back in
the order of ``PAPERS``.
"""

from __future__ import annotations

from pathlib import Path

from ._pool import run_sections, workers

__all__ = ["PAPERS", "FIGURE_DEFAULTS", "run_paper", "run_papers", "workers", "section_name"]

#: --paper name -> section modules (imported lazily).
PAPERS: dict[str, tuple[str, ...]] = {
    "minimal-dissipation": (
        "thermolearn.reproduce.minimal_dissipation",
        "thermolearn.reproduce.general_potentials",
    ),
    "sgd-thermodynamics": ("thermolearn.reproduce.sgd_thermodynamics", "thermolearn.reproduce.infoflow_learning"),
    "ebm-training": ("thermolearn.reproduce.ebm_training",),
}


#: Figure options of a run when the caller gives none: the full run writes PNG + PDF at 200 dpi; a quick run
#: one PNG at 100 dpi (writing a figure's PDF costs about as much CPU as drawing its PNG).
FIGURE_DEFAULTS = {False: {"dpi": 200, "formats": ("png", "pdf")}, True: {"dpi": 100, "formats": ("png",)}}


def section_name(modname: str) -> str:
    """The ``--only`` name of a section module: ``thermolearn.reproduce.general_potentials`` → ``general-potentials``."""
    return modname.rsplit(".", 1)[-1].replace("_", "-")


def run_papers(names, out: Path, *, quick: bool, seed: int, progress=None, options=None,
               max_workers: int | None = None, sections=None) -> list:
    """Run every section of the papers ``names`` (or those named in ``sections``); return the concatenated checks.

    ``options`` (e.g. ``{"mnist": DIR}``) are passed to the sections whose
    ``run`` takes a keyword of that name, and to no other; ``dpi`` and
    ``formats`` default to :data:`FIGURE_DEFAULTS` of ``quick``.  Sections run in
    a process pool of :func:`workers` processes (serially where a pool must
    not start, e.g. inside a pytest-xdist worker); the checks are the same.
    """
    modules = [m for name in names for m in PAPERS[name] if sections is None or section_name(m) in sections]
    labels = {m: f"{name}: {m.rsplit('.', 1)[-1]}" for name in names for m in PAPERS[name]}
    options = FIGURE_DEFAULTS[bool(quick)] | dict(options or {})
    return run_sections(modules, Path(out), quick=quick, seed=seed, options=options,
                        progress=(lambda m: progress(labels[m])) if progress is not None else None,
                        max_workers=max_workers)


def run_paper(name: str, out: Path, *, quick: bool, seed: int, progress=None, options=None) -> list:
    """Run every section of paper ``name``; return the concatenated checks."""
    return run_papers([name], out, quick=quick, seed=seed, progress=progress, options=options)
