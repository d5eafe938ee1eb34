"""The ``progress=`` option of long calls, in one place.

A long computation takes ``progress=None`` and reports through
:func:`progress_reporter`::

    with progress_reporter(progress, total=steps, desc="fokker-planck") as bar:
        for i in range(steps):
            ...
            bar.update()

What the user passes:

* ``None`` or ``False`` (default): silent.
* ``True``: a bar on stderr with percentage and ETA, only when stderr is a
  terminal (tqdm's bar when tqdm is installed, else a one-line built-in
  bar); silent otherwise, so logs and pipes stay clean.
* a callable ``f(done, total, desc)``: called after every update (e.g. to
  feed a notebook widget or a log).
* a :class:`Reporter` (the one a longer computation is drawing): the inner
  call's units are counted into it, so one bar covers several calls (e.g.
  the replicas of a run); the inner ``total`` is ignored and closing the
  inner reporter leaves the outer one open.

>>> seen = []
>>> with progress_reporter(lambda d, t, s: seen.append((d, t, s)), total=3, desc="demo") as bar:
...     for _ in range(3):
...         bar.update()
>>> seen
[(1, 3, 'demo'), (2, 3, 'demo'), (3, 3, 'demo')]
>>> seen.clear()
>>> with progress_reporter(lambda d, t, s: seen.append(d), total=4) as outer:
...     for _ in range(2):  # two inner calls of two units each
...         with progress_reporter(outer, total=2) as inner:
...             inner.update(); inner.update()
>>> seen
[1, 2, 3, 4]
"""

from __future__ import annotations

import sys
import time

from thermolearn.theory import ParameterError

__all__ = ["progress_reporter", "Reporter", "format_eta", "status"]


def format_eta(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a non-negative number of seconds.

    >>> format_eta(75.2), format_eta(3725)
    ('1:15', '1:02:05')
    """
    s = int(round(max(0.0, seconds)))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def status(done: int, total: int, elapsed: float) -> str:
    """``42%  21/50  ETA 0:13``: share done and the time left at the pace so far.

    >>> status(1, 4, 10.0), status(0, 4, 3.0)
    (' 25%  1/4  ETA 0:30', '  0%  0/4  ETA ?')
    """
    frac = min(1.0, done / total) if total else 1.0
    eta = format_eta(elapsed * (1 - frac) / frac) if frac > 0 else "?"
    return f"{100 * frac:3.0f}%  {done}/{total}  ETA {eta}"


class Reporter:
    """Counts units of work and forwards them to a callback, a bar, or nowhere."""

    def __init__(self, callback=None, total: int | None = None, desc: str = "", *, stream=None, clock=time.monotonic):
        self.callback, self.total, self.desc = callback, total, desc
        self.done = 0
        self._stream, self._clock = stream, clock
        self._start = clock()
        self._drawn = -float("inf")
        self._bar = None
        if stream is not None:
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(total=total, desc=desc or None, file=stream, leave=False, dynamic_ncols=True)

    def set_description(self, desc: str) -> None:
        """Name the current stage (shown on the bar and passed to the callback)."""
        self.desc = desc
        if self._bar is not None:
            self._bar.set_description(desc)

    def update(self, n: int = 1) -> None:
        """Record ``n`` more units of work.

        The built-in bar redraws at most every :attr:`REDRAW` seconds (and at the
        end), so a loop of millions of cheap steps does not flood the terminal.
        """
        self.done += n
        if self.callback is not None:
            self.callback(self.done, self.total, self.desc)
        if self._bar is not None:
            self._bar.update(n)
        elif self._stream is not None:
            now = self._clock()
            if now - self._drawn >= self.REDRAW or (self.total and self.done >= self.total):
                self._drawn = now
                self._stream.write("\r" + self.line(now))
                self._stream.flush()

    #: Seconds between two redraws of the built-in bar.
    REDRAW = 0.2

    def line(self, now: float | None = None) -> str:
        """``desc  42%  21/50  ETA 0:13`` (the built-in bar's text)."""
        elapsed = (self._clock() if now is None else now) - self._start
        if not self.total:
            return f"{self.desc}  {self.done}  {format_eta(elapsed)}"
        return f"{self.desc}  {status(self.done, self.total, elapsed)}"

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._stream is not None and self.done:
            self._stream.write("\r" + " " * len(self.line()) + "\r")
            self._stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class _Nested:
    """Forwards the units of an inner call to the caller's :class:`Reporter`."""

    def __init__(self, outer: Reporter):
        self.outer = outer

    def update(self, n: int = 1) -> None:
        self.outer.update(n)

    def set_description(self, desc: str) -> None:
        self.outer.set_description(desc)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def progress_reporter(progress, total: int | None = None, desc: str = "", *, stream=None) -> Reporter:
    """A :class:`Reporter` for the ``progress=`` value a user passed.

    ``stream`` defaults to ``sys.stderr``; a bar is drawn only if it is a
    terminal.
    """
    if progress is None or progress is False:
        return Reporter(None, total, desc)
    if isinstance(progress, Reporter):
        return _Nested(progress)
    if progress is True:
        stream = sys.stderr if stream is None else stream
        isatty = getattr(stream, "isatty", None)
        return Reporter(None, total, desc, stream=stream if isatty is not None and isatty() else None)
    if callable(progress):
        return Reporter(progress, total, desc)
    raise ParameterError("progress must be None, True, False, a callable f(done, total, desc) or a Reporter, "
                         f"got {progress!r}")
