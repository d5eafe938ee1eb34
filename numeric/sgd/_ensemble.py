"""Run an SGD-noise ensemble on any ``concurrent.futures.Executor``.

The K trials are split into chunks; each chunk is one vectorised
:func:`run_trials` call submitted to the executor, and the chunk results are
concatenated by :func:`merge_results`.  Because every trial owns a
Generator spawned from the one seed, the merged result equals the
in-process run exactly, whatever the executor and the chunking.

A ``dask.distributed.Client`` is accepted directly (its
``get_executor()`` is a ``concurrent.futures.Executor``); install the
``dask`` extra for it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from thermolearn.numeric._executor import as_executor
from thermolearn.numeric.progress import progress_reporter
from thermolearn.theory import ParameterError

from ._data import Dataset
from ._experiment import SGDNoiseConfig, SGDNoiseResult, merge_results, run_trials

__all__ = ["run_ensemble", "run_batch_sizes"]


def _validate(data, config):
    if config.batch_size > data.n_train:
        raise ParameterError(
            f"batch_size must not exceed the {data.n_train} training examples, got {config.batch_size}"
        )


def _groups(config, chunks):
    n_chunks = 2 if chunks is None else chunks
    if isinstance(n_chunks, bool) or not isinstance(n_chunks, (int, np.integer)) or n_chunks < 1:
        raise ParameterError(f"chunks must be a positive integer, got {chunks!r}")
    return [g for g in np.array_split(np.arange(config.trials), min(int(n_chunks), config.trials)) if g.size]


def run_ensemble(data: Dataset, config: SGDNoiseConfig, *, seed: int, executor=None,
                 chunks: int | None = None, progress=None) -> SGDNoiseResult:
    """Train the ensemble of ``config.trials`` networks and measure the SGD noise.

    Parameters
    ----------
    data : Dataset
    config : SGDNoiseConfig
    seed : int
        Trial k uses child k of ``numpy.random.SeedSequence(seed)``.
    executor : concurrent.futures.Executor, dask Client or None
        None runs all trials in-process as one vectorised block.
    chunks : int, optional
        Number of chunks of trials to submit (default: 2 with an executor).
    progress : None, bool or callable
        Report finished chunks: ``True`` draws a bar with percentage and ETA
        on a terminal, a callable gets ``(done, total, desc)``; see
        :func:`thermolearn.numeric.progress.progress_reporter`.

    Returns
    -------
    SGDNoiseResult
        Identical for every executor and chunking at the same seed.

    Examples
    --------
    >>> from thermolearn.numeric.sgd import SGDNoiseConfig, load_digits, run_ensemble
    >>> cfg = SGDNoiseConfig(batch_size=10, steps=6, trials=3, width=8, measure_every=2, t0=0, max_lag=2)
    >>> res = run_ensemble(load_digits(), cfg, seed=1)
    >>> res.noise_var.shape, res.diverged
    ((3, 4), False)
    """
    return run_batch_sizes(data, config, (config.batch_size,), seed=seed, executor=executor,
                           chunks=chunks, progress=progress)[config.batch_size]


def run_batch_sizes(data: Dataset, config: SGDNoiseConfig, batch_sizes=(1, 10, 100), *, seed: int,
                    executor=None, chunks=None, progress=None) -> dict[int, SGDNoiseResult]:
    """One ensemble per batch size (same seed: same initialisations), keyed by m.

    ``config`` is one :class:`SGDNoiseConfig` (its ``batch_size`` replaced by
    each m) or a mapping m -> config (then ``batch_sizes`` is its keys), for
    settings that differ between batch sizes such as ``measure_every``.
    With an executor, every (batch size, chunk of trials) task is submitted
    before any result is awaited, so all workers stay busy.  ``progress`` as
    in :func:`run_ensemble` (one unit per batch size, or per submitted chunk).
    """
    if isinstance(config, dict):
        batch_sizes = list(config)
    sizes = [int(m) for m in batch_sizes]
    if not sizes:
        raise ParameterError("batch_sizes must name at least one batch size")
    for m in sizes:
        if m < 1 or m > data.n_train:
            raise ParameterError(
                f"batch size {m} must lie in 1..{data.n_train} (the number of training examples)"
            )
    base = config if isinstance(config, dict) else {m: config for m in sizes}
    configs = {m: replace(base[m], batch_size=m) for m in sizes}
    for cfg in configs.values():
        _validate(data, cfg)
    ex = as_executor(executor)
    if ex is None:
        results = {}
        with progress_reporter(progress, total=len(configs), desc="sgd-noise") as bar:
            for m, cfg in configs.items():
                results[m] = run_trials(data, cfg, seed)
                bar.update()
        return results
    futures = {m: [ex.submit(run_trials, data, cfg, int(seed), g) for g in _groups(cfg, chunks)]
               for m, cfg in configs.items()}
    with progress_reporter(progress, total=sum(map(len, futures.values())), desc="sgd-noise") as bar:
        results = {}
        for m, fs in futures.items():
            parts = []
            for f in fs:
                parts.append(f.result())
                bar.update()
            results[m] = merge_results(parts)
    return results
