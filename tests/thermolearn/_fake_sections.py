"""Two stand-in reproduction sections for the scheduler tests (no physics)."""

import os

from thermolearn._report import close_check


def _square(x):
    return x * x


class whole:  # noqa: N801 - a namespace standing in for a section module
    @staticmethod
    def run(out, *, quick, seed, mnist=None):
        return [close_check(f"whole/pid_differs={os.getpid() != int((out / 'parent').read_text())}", 0, 0, 0),
                close_check(f"whole/mnist={mnist}", 0, 0, 0)]


class split:  # noqa: N801
    @staticmethod
    def run(out, *, quick, seed, executor=None):
        vals = list(executor.map(_square, range(4))) if executor is not None else [_square(i) for i in range(4)]
        return [close_check(f"split/executor={executor is not None}", 14, sum(vals), 0)]


class split2:  # noqa: N801
    @staticmethod
    def run(out, *, quick, seed, executor=None):
        return [close_check(f"split2/executor={executor is not None}", 0, 0, 0),
                close_check(f"split2/pid_differs={os.getpid() != int((out / 'parent').read_text())}", 0, 0, 0)]
