"""The executor argument of the parallel runners: a ``concurrent.futures`` executor, a dask client, or None."""

from __future__ import annotations

from thermolearn.theory import ParameterError

__all__ = ["as_executor"]


def as_executor(executor):
    """``executor`` as an object with ``submit``: executors and None as given, a dask Client's executor.

    >>> as_executor(None) is None
    True
    """
    if executor is None or hasattr(executor, "submit") and not hasattr(executor, "get_executor"):
        return executor
    if hasattr(executor, "get_executor"):  # dask.distributed.Client
        return executor.get_executor()
    raise ParameterError(
        f"executor must be a concurrent.futures.Executor, a dask Client or None, got {type(executor).__name__}"
    )
