"""Load generated code: Python modules in memory, C through the system compiler."""

from __future__ import annotations

import ctypes
import subprocess
import sys
import types
from pathlib import Path

__all__ = ["load_python_module", "build_c_library", "C_FLAGS"]

#: Flags the generated C must compile cleanly with (warnings are errors).
C_FLAGS = ("-std=c99", "-Wall", "-Werror", "-O2")


def load_python_module(source: str, name: str = "thermolearn_generated") -> types.ModuleType:
    """Execute generated Python source as a fresh module (not registered in sys.modules).

    >>> mod = load_python_module("y = 1 + 1")
    >>> mod.y
    2
    """
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def build_c_library(source: str, workdir, functions=(), *, cc: str = "cc", name: str = "thermolearn_generated",
                    prefix: str = "tl_", header: str | None = None, header_name: str | None = None,
                    flags: tuple = ()):
    """Compile C source into a shared library and load it with :mod:`ctypes`.

    The compiler runs with :data:`C_FLAGS` plus ``-shared -fPIC``.  For each
    :class:`~numeric.codegen.GeneratedFunction` in ``functions`` the ctypes
    argument and return types of ``prefix + name`` and ``prefix + name + "_n"``
    are set (``prefix`` as given to the generator).  ``header`` is written
    next to the source as ``header_name`` when the source includes one.
    ``flags`` are appended to :data:`C_FLAGS` (e.g. ``("-O3", "-march=native")``).

    Raises
    ------
    OSError
        When the compiler is missing or rejects the source (its stderr is
        in the message).
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    csrc = workdir / f"{name}.c"
    suffix = ".dylib" if sys.platform == "darwin" else ".so"
    lib_path = workdir / f"lib{name}{suffix}"
    csrc.write_text(source)
    if header is not None:
        (workdir / (header_name or f"{name}.h")).write_text(header)
    cmd = [cc, *C_FLAGS, *flags, "-shared", "-fPIC", "-o", str(lib_path), str(csrc), "-lm"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise OSError(f"C compiler {cc!r} not found") from None
    if proc.returncode != 0:
        raise OSError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    lib = ctypes.CDLL(str(lib_path))
    dbl, ptr = ctypes.c_double, ctypes.POINTER(ctypes.c_double)
    for f in functions:
        scalar = [dbl] * (len(f.args) + len(f.keywords))
        fn = getattr(lib, prefix + f.name)
        fn.argtypes = scalar + ([ptr] if f.shape else [])
        fn.restype = None if f.shape else dbl
        fn_n = getattr(lib, prefix + f.name + "_n")
        fn_n.argtypes = [ctypes.c_long] + [ptr] * len(f.args) + [dbl] * len(f.keywords) + [ptr]
        fn_n.restype = None
    return lib
