"""Load generated code: Python modules in memory, C through the system compiler."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import platform
import subprocess
import sys
import types
from pathlib import Path

from ._csource import VECTOR_MATH_MACRO

__all__ = ["load_python_module", "build_c_library", "C_FLAGS", "VECTOR_FLAGS", "SHARED_LIB_SUFFIX",
           "vector_math_available"]

#: File suffix of the shared libraries :func:`build_c_library` writes (``lib{name}{suffix}``).
SHARED_LIB_SUFFIX = ".dylib" if sys.platform == "darwin" else ".so"
#: Flags the generated C must compile cleanly with (warnings are errors).
C_FLAGS = ("-std=c99", "-Wall", "-Werror", "-O2")
#: Added for the vector-math build: ``omp simd`` loops (no OpenMP runtime), the host's vector ISA,
#: no fusing of sin and cos into sincos (which has no vector declaration here), and no errno
#: bookkeeping around math calls (libmvec's functions do not set errno anyway; with it gcc may
#: guard a call by a domain test, a branch, which kept e.g. a blend of log1p and exp unvectorised).
#: No ``-ffast-math``:
#: arithmetic keeps IEEE semantics (and ``-std=c99`` keeps ``-ffp-contract=off``).
VECTOR_FLAGS = ("-fopenmp-simd", "-march=native", "-fno-builtin-sin", "-fno-builtin-cos", "-fno-math-errno",
                f"-D{VECTOR_MATH_MACRO}")


@functools.lru_cache(maxsize=None)
def vector_math_available() -> bool:
    """True on x86-64 Linux with glibc's vector math library (libmvec) installed.

    The vector build links ``-lmvec``; elsewhere (macOS, musl, other
    architectures) the generated C is built plain.
    """
    if not sys.platform.startswith("linux") or platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        ctypes.CDLL("libmvec.so.1")
    except OSError:
        return ctypes.util.find_library("mvec") is not None
    return True


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


def _compile(cc, flags, libs, lib_path, csrc):
    cmd = [cc, *C_FLAGS, *flags, "-shared", "-fPIC", "-o", str(lib_path), str(csrc), *libs, "-lm"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise OSError(f"C compiler {cc!r} not found") from None
    if proc.returncode != 0:
        raise OSError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return ctypes.CDLL(str(lib_path))  # RTLD_NOW: a vector variant libmvec lacks fails here


def build_c_library(source: str, workdir, functions=(), *, cc: str = "cc", name: str = "thermolearn_generated",
                    prefix: str = "tl_", header: str | None = None, header_name: str | None = None,
                    flags: tuple = (), vector_math: bool | None = None):
    """Compile C source into a shared library and load it with :mod:`ctypes`.

    The compiler runs with :data:`C_FLAGS` plus ``-shared -fPIC``.  With
    ``vector_math`` (default: where :func:`vector_math_available`) it also
    gets :data:`VECTOR_FLAGS` and ``-lmvec``: the generated ``_n`` loops then
    evaluate ``sin``, ``exp``, … with glibc's vector functions (accuracy
    ≤ 4 ulp per call, against < 1 ulp for the scalar libm; the scalar entry
    points are unchanged).  When that build fails (another compiler, an
    older libmvec lacking a variant) and ``vector_math`` was not asked for
    explicitly, the plain build is used.  The returned library's attribute
    ``vector_math`` says which build was loaded.  For each
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
    suffix = SHARED_LIB_SUFFIX
    lib_path = workdir / f"lib{name}{suffix}"
    csrc.write_text(source)
    if header is not None:
        (workdir / (header_name or f"{name}.h")).write_text(header)
    want = vector_math_available() if vector_math is None else bool(vector_math)
    lib = None
    if want:
        vec_path = workdir / f"lib{name}_vec{suffix}"
        try:
            lib = _compile(cc, (*VECTOR_FLAGS, *flags), ["-lmvec"], vec_path, csrc)
        except OSError:
            if vector_math:
                raise
    vectorised = lib is not None
    if lib is None:
        lib = _compile(cc, tuple(flags), [], lib_path, csrc)
    lib.vector_math = vectorised
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
