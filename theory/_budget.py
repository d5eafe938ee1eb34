"""A time budget for symbolic work (closed-form attempts).

``sympy.integrate``, ``simplify``, ``limit`` and ``solve`` can run for
minutes on an ordinary energy (``cosh(x) + theta*x`` spends them in the
Risch/heurisch integrator).  Every closed-form *attempt* in
:mod:`theory.derive` therefore goes through :func:`attempt`, which runs the
sympy call under a deadline and, when the deadline passes, reports the
reason instead of a result; the caller then keeps the general form (e.g. an
unevaluated ``Integral``) and lists it under ``not_closed_form``.

How the deadline is enforced
----------------------------
A Python thread cannot be killed, and sympy has no cooperative
cancellation, so a thread with a timeout would leave the computation
running (and holding the GIL) after we gave up on it.  On POSIX the call
runs in a **forked child process**: the child inherits the parent's memory
(copy-on-write, a few milliseconds), computes, and sends the pickled result
through a pipe.  The budget is **CPU time** (so a loaded machine gives the
same answers as an idle one): the child's ``RLIMIT_CPU`` ends it with
SIGXCPU when the budget is spent (whole seconds, at least one).  The parent
waits on the pipe with ``select`` and, past a wall-clock safety deadline
(:data:`WALL_FACTOR` times the budget), kills the child with SIGKILL, which
always works.  A budgeted
call inside another budgeted call runs inline (the outer deadline already
covers it).  The child's address space is capped at what the process
already maps plus :data:`CHILD_MEMORY` (Linux), so a runaway attempt ends
in ``MemoryError`` (reported as a reason) rather than exhausting the
machine.  Where ``os.fork`` does not exist (Windows) there is no safe way
to interrupt sympy, so the call runs inline without a deadline; the
expression-size guards of :func:`theory.parse_expression` still bound the
input there.

The budget is ``DEFAULT_SECONDS`` per attempt, overridden by the
environment variable ``THERMOLEARN_SYMBOLIC_BUDGET`` (seconds; ``0`` or
``inf`` disables the deadline) or, in code, by :func:`symbolic_budget`::

    with symbolic_budget(20):
        derive.free_energy(model)
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import select
import signal
import time
from typing import Any, Callable

from ._errors import ParameterError

__all__ = ["DEFAULT_SECONDS", "attempt", "symbolic_budget", "current_budget", "Attempt"]

#: Seconds each closed-form attempt may take by default.
DEFAULT_SECONDS = 3.0

_override: list[float | None] = []
_in_child = False


def _from_env() -> float | None:
    text = os.environ.get("THERMOLEARN_SYMBOLIC_BUDGET")
    if text is None or not text.strip():
        return DEFAULT_SECONDS
    try:
        value = float(text)
    except ValueError:
        raise ParameterError(
            f"THERMOLEARN_SYMBOLIC_BUDGET must be a number of seconds, got {text!r}"
        ) from None
    return _normalise(value, "THERMOLEARN_SYMBOLIC_BUDGET")


def _normalise(seconds, name: str) -> float | None:
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds != seconds or seconds < 0:
        raise ParameterError(f"{name} must be a number of seconds >= 0 (0 or inf: no deadline), got {seconds!r}")
    if seconds == 0 or math.isinf(seconds):
        return None
    return float(seconds)


def current_budget() -> float | None:
    """Seconds allowed per closed-form attempt (``None``: no deadline).

    >>> with symbolic_budget(2.5):
    ...     current_budget()
    2.5
    """
    if _override:
        return _override[-1]
    return _from_env()


@contextlib.contextmanager
def symbolic_budget(seconds: float | None):
    """Context manager: run closed-form attempts with ``seconds`` each.

    ``None``, ``0`` or ``inf`` remove the deadline.

    >>> with symbolic_budget(None):
    ...     current_budget() is None
    True
    """
    _override.append(_normalise(seconds, "symbolic budget"))
    try:
        yield
    finally:
        _override.pop()


class Attempt:
    """Outcome of :func:`attempt`: ``ok`` with ``value``, or ``reason`` why not."""

    __slots__ = ("ok", "value", "reason")

    def __init__(self, ok: bool, value: Any = None, reason: str = ""):
        self.ok, self.value, self.reason = ok, value, reason

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Attempt(ok={self.ok}, reason={self.reason!r})"


_EXPECTED = (NotImplementedError, ValueError, TypeError, RecursionError, ArithmeticError, MemoryError,
             AttributeError, IndexError, KeyError)


def attempt(func: Callable[..., Any], *args, what: str = "closed form", quantities: int = 1, **kwargs) -> Attempt:
    """Run ``func(*args, **kwargs)`` under the symbolic budget.

    ``quantities``: how many quantities the call derives at once; the budget
    is that many times the per-quantity budget.

    Returns
    -------
    Attempt
        ``ok=True`` and the value; or ``ok=False`` and a one-line reason
        (deadline exceeded, or the sympy error that ended the attempt).
        Errors a closed-form attempt can end with (``NotImplementedError``,
        ``ValueError``, ``RecursionError``, ``MemoryError``, ...) become
        reasons; anything else propagates.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> attempt(sp.integrate, sp.exp(-x**2), (x, -sp.oo, sp.oo)).value
    sqrt(pi)
    """
    global _in_child
    seconds = current_budget()
    if seconds is not None:
        seconds *= max(1, int(quantities))
    if seconds is None or _in_child or not hasattr(os, "fork"):
        try:
            return Attempt(True, func(*args, **kwargs))
        except _EXPECTED as exc:
            return Attempt(False, reason=f"{what}: sympy gave up ({type(exc).__name__})")
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child process
        status = 0
        try:
            os.close(read_fd)
            _in_child = True
            _cap_child_memory()
            _cap_child_cpu(seconds)
            try:
                payload = pickle.dumps((True, func(*args, **kwargs)), protocol=pickle.HIGHEST_PROTOCOL)
            except _EXPECTED as exc:
                payload = pickle.dumps((False, f"{what}: sympy gave up ({type(exc).__name__})"))
            except BaseException as exc:  # noqa: BLE001 - reported to the parent, re-raised there
                try:
                    payload = pickle.dumps((None, exc))
                except Exception:  # noqa: BLE001 - an exception that does not pickle
                    payload = pickle.dumps((None, RuntimeError(f"{what}: {type(exc).__name__}: {exc}")))
            view = memoryview(payload)
            while view:
                view = view[os.write(write_fd, view):]
        except BaseException:  # noqa: BLE001 - never let the child return into the caller
            status = 1
        finally:
            os._exit(status)
    os.close(write_fd)
    chunks: list[bytes] = []
    # the budget is CPU time, enforced in the child (RLIMIT_CPU), so a loaded machine does not change
    # results; the wall-clock deadline is only a safety net (the child may be waiting for a core)
    deadline = time.monotonic() + WALL_FACTOR * seconds + 5.0
    timed_out = False
    finished = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read_fd], [], [], remaining)
            if not ready:
                timed_out = True
                break
            data = os.read(read_fd, 1 << 16)
            if not data:
                break
            chunks.append(data)
        finished = not timed_out
    finally:  # also on KeyboardInterrupt: never leave the child running
        os.close(read_fd)
        if not finished:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        status = _reap(pid)
    if timed_out or (os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL)):
        return Attempt(False, reason=f"{what}: not found within the symbolic budget of {seconds:g} s")
    try:
        ok, value = pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 - child died (killed by the OS, out of memory)
        return Attempt(False, reason=f"{what}: the symbolic computation ended abnormally (out of memory?)")
    if ok is None:  # an unexpected error in the attempt: raised here as it was raised there
        raise value
    if not ok:
        return Attempt(False, reason=value)
    return Attempt(True, value)


#: Extra address space a budgeted attempt may take beyond what the process already maps.
CHILD_MEMORY = 2 * 2**30


def _cap_child_memory() -> None:  # pragma: no cover - runs in the child process
    """Bound the child's address space, so a runaway sympy call ends in MemoryError, not the OOM killer."""
    try:
        import resource

        with open("/proc/self/status") as fh:
            vm = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = vm + CHILD_MEMORY
        if soft == resource.RLIM_INFINITY or cap < soft:
            resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    except (ImportError, OSError, ValueError, StopIteration):
        pass


#: The wall-clock safety deadline is this many times the CPU budget (plus 5 s).
WALL_FACTOR = 10


def _cap_child_cpu(seconds: float) -> None:  # pragma: no cover - runs in the child process
    """SIGXCPU ends the child after ``seconds`` of CPU (whole seconds, at least 1)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        limit = max(1, math.ceil(seconds))
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))
    except (ImportError, OSError, ValueError):
        pass


def _reap(pid: int) -> int:
    """Wait for the child; its wait status (0 if it was already reaped)."""
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except ChildProcessError:
            return 0
        except InterruptedError:  # pragma: no cover - retried
            continue
