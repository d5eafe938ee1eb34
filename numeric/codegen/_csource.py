"""Standalone C99 code for an energy model: a header, a source file, safe names.

:func:`generate_c` writes ``<math.h>``-only C99 that compiles with
``-std=c99 -Wall -Werror``:

* every exported symbol carries a prefix (default ``tl_``): ``tl_energy``,
  ``tl_drift``, … and the vectorised entry points ``tl_energy_n`` that loop
  over n points given as ``const double *restrict`` arrays, writing into
  ``double *restrict out`` (row-major, ``size`` numbers per point);
* a header declares them (with an include guard and ``extern "C"`` for
  C++, where ``restrict`` is spelled ``__restrict``);
* symbol names that would collide with a C keyword, a name or macro of
  ``<math.h>`` (``NAN``, ``INFINITY``, ``HUGE_VAL``, ``exp``, …), an
  identifier reserved to the implementation (leading underscore), a local
  of the generated code or a generated function are renamed by appending
  ``_`` until unique; the header lists every renaming;
* overflow-prone subexpressions are rewritten by
  :func:`~thermolearn.numeric.codegen._stable.stabilise` (log-cosh,
  log-sum-exp, sigmoid, tanh ratios, log1p/expm1), evaluated by static
  helpers emitted in the source;
* compiled with ``-D`` :data:`VECTOR_MATH_MACRO` and ``-fopenmp-simd``, the
  ``_n`` loops are ``omp simd`` loops and the ``<math.h>`` functions they
  call are declared ``omp declare simd``, so gcc calls glibc's vector math
  library (libmvec, documented accuracy ≤ 4 ulp per call) on 2–8 points at
  once; without the macro the source is plain C99 (the scalar entry points
  never use vector math).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from thermolearn.theory import ParameterError

from ._printers import C_HELPERS, CPrinter
from ._stable import stabilise

__all__ = ["CModule", "generate_c", "C_RESERVED", "DEFAULT_PREFIX", "VECTOR_MATH_MACRO", "VECTOR_MATH_FUNCTIONS"]

#: Prefix of every exported C symbol unless another is given.
DEFAULT_PREFIX = "tl_"

_MATH_FUNCS = (
    "acos asin atan atan2 cos sin tan acosh asinh atanh cosh sinh tanh exp exp2 expm1 frexp ilogb ldexp "
    "log log10 log1p log2 logb modf scalbn scalbln cbrt fabs hypot pow sqrt erf erfc lgamma tgamma ceil "
    "floor nearbyint rint lrint llrint round lround llround trunc fmod remainder remquo copysign nan "
    "nextafter nexttoward fdim fmax fmin fma j0 j1 jn y0 y1 yn gamma drem finite significand"
).split()
#: Names the generated C must not use for variables: C99/C11 keywords, <math.h> functions
#: (with their f/l variants) and macros, common <stddef.h>/<errno.h> names.
C_RESERVED = frozenset(
    "auto break case char const continue default do double else enum extern float for goto if inline int "
    "long register restrict return short signed sizeof static struct switch typedef union unsigned void "
    "volatile while _Bool _Complex _Imaginary _Alignas _Alignof _Atomic _Generic _Noreturn _Static_assert "
    "_Thread_local bool true false complex imaginary I main NULL size_t errno EDOM ERANGE EILSEQ "
    "HUGE_VAL HUGE_VALF HUGE_VALL INFINITY NAN FP_INFINITE FP_NAN FP_NORMAL FP_SUBNORMAL FP_ZERO "
    "FP_FAST_FMA FP_FAST_FMAF FP_FAST_FMAL FP_ILOGB0 FP_ILOGBNAN MATH_ERRNO MATH_ERREXCEPT "
    "math_errhandling float_t double_t fpclassify isfinite isinf isnan isnormal signbit isgreater "
    "isgreaterequal isless islessequal islessgreater isunordered M_E M_LOG2E M_LOG10E M_LN2 M_LN10 M_PI "
    "M_PI_2 M_PI_4 M_1_PI M_2_PI M_2_SQRTPI M_SQRT2 M_SQRT1_2 out n i".split()
    + _MATH_FUNCS + [f + "f" for f in _MATH_FUNCS] + [f + "l" for f in _MATH_FUNCS]
)
#: Defining this macro turns the ``_n`` loops into ``omp simd`` loops over libmvec's vector math.
VECTOR_MATH_MACRO = "THERMOLEARN_VECTOR_MATH"
#: <math.h> functions with a vector variant in glibc's libmvec on x86-64 (glibc ≥ 2.35; sin, cos,
#: exp, log, pow since 2.22).  Only those the source calls are declared ``omp declare simd``; an
#: older libmvec that lacks one leaves a symbol unresolved, and the builder falls back to the plain
#: build (see :func:`~thermolearn.numeric.codegen.build_c_library`).
VECTOR_MATH_FUNCTIONS = tuple(
    "acos acosh asin asinh atan atan2 atanh cbrt cos cosh erf erfc exp exp10 exp2 expm1 hypot log log10 "
    "log1p log2 pow sin sinh tan tanh".split()
)
_TWO_ARGS = frozenset({"atan2", "hypot", "pow"})
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class CModule:
    """A generated C module: ``header`` (declarations), ``source`` (definitions).

    ``source`` includes ``header_name`` when one was given, else it repeats
    the declarations and stands alone.  ``renamed`` lists (symbol, C name)
    for every symbol renamed to avoid a collision.
    """

    header: str
    source: str
    prefix: str
    renamed: tuple[tuple[str, str], ...]
    functions: tuple


def _check_prefix(prefix: str) -> str:
    if not isinstance(prefix, str) or (prefix and not _IDENT.match(prefix)):
        raise ParameterError(f"prefix must be empty or a C identifier, got {prefix!r}")
    if prefix.startswith("__") or re.match(r"_[A-Z]", prefix):
        raise ParameterError(f"prefix {prefix!r} is reserved to the C implementation (leading _ + capital or __)")
    return prefix


def _rename(names, taken) -> dict[str, str]:
    """Map each symbol name to a C identifier outside ``taken`` (and distinct from each other)."""
    out, used = {}, set(taken)
    for name in names:
        new = name if _IDENT.match(name) else re.sub(r"\W", "_", name)
        if new.startswith("_"):
            new = "v" + new
        while new in used or new in C_RESERVED or re.match(r"_s\d+\Z", new):
            new += "_"
        used.add(new)
        out[name] = new
    return out


def _signature(f, prefix, c_args, c_kws, restrict):
    params = [f"double {a}" for a in c_args + c_kws]
    if f.shape:
        params.append(f"double *{restrict}out")
    ret = "void" if f.shape else "double"
    arr = ([f"const double *{restrict}{a}" for a in c_args] + [f"double {k}" for k in c_kws]
           + [f"double *{restrict}out"])
    return (f"{ret} {prefix}{f.name}({', '.join(params)})",
            f"void {prefix}{f.name}_n(long n, {', '.join(arr)})")


#: Suffix of the file-local (``static``) kernel that both exported entry points call.
KERNEL_SUFFIX = "_kernel"


def _body(f, printer, prefix, c_args, c_kws, subs):
    """The kernel, the exported scalar function calling it, and the ``_n`` loop calling it.

    The loop calls the ``static`` kernel, not the exported scalar function:
    in a shared library (``-fPIC``) an exported function may be interposed
    at load time, so the compiler must call it through the PLT and cannot
    inline it, which cost 4.5 ns per point for the double well (numpy's
    whole expression: 2.8).  A ``static inline`` kernel is inlined into the
    loop (``inline``: gcc -O2 otherwise keeps a kernel with three libm calls
    out of line, and a loop with a call in it is not vectorised).
    """
    comps = [stabilise(c.xreplace(subs)) for c in f.components]
    reps, reduced = sp.cse(comps, symbols=sp.numbered_symbols("_s"), optimizations="basic")
    scalar, vector = _signature(f, prefix, c_args, c_kws, "restrict ")
    name = f"{prefix}{f.name}"
    kernel = "static inline " + scalar.replace(f" {name}(", f" {name}{KERNEL_SUFFIX}(", 1)
    lines = [f"/* Kernel of {name} and {name}_n (file-local, so the compiler inlines it). */", kernel, "{"]
    used = {s.name for c in comps for s in c.free_symbols}
    lines += [f"    (void){a};" for a in c_args + c_kws if a not in used]  # clean under -Wextra
    for sym, expr in reps:
        lines.append(f"    const double {sym} = {printer.doprint(expr)};")
    if f.shape:
        lines += [f"    out[{i}] = {printer.doprint(e)};" for i, e in enumerate(reduced)]
    else:
        lines.append(f"    return {printer.doprint(reduced[0])};")
    args = ", ".join(list(c_args) + list(c_kws))
    lines += ["}", "", f"/* {f.doc} */", scalar, "{",
              f"    {name}{KERNEL_SUFFIX}({args}, out);" if f.shape else f"    return {name}{KERNEL_SUFFIX}({args});",
              "}"]
    call = ", ".join([f"{a}[i]" for a in c_args] + list(c_kws))
    lines += ["", f"/* {name} at n points: coordinates and parameters are arrays of length n. */",
              vector, "{", "    long i;", f"    {_simd_loop(prefix)}", "    for (i = 0; i < n; ++i) {"]
    lines.append(f"        {name}{KERNEL_SUFFIX}({call}, out + i * {f.size});" if f.shape
                 else f"        out[i] = {name}{KERNEL_SUFFIX}({call});")
    lines += ["    }", "}"]
    return lines


def _simd_loop(prefix: str) -> str:
    return (prefix.upper() or "THERMOLEARN_") + "SIMD_LOOP"


def _vector_math_block(prefix: str, code: str) -> str:
    """Declarations that let ``-fopenmp-simd`` vectorise the ``_n`` loops (empty without the macro).

    Redeclaring a ``<math.h>`` function under ``#pragma omp declare simd
    notinbranch`` tells gcc that the vector variants of the x86-64 vector
    function ABI exist (glibc's libmvec exports them as ``_ZGV*_sin`` …);
    glibc's own header declares them only under ``-ffast-math``, which this
    build does not use (IEEE semantics are kept; only the accuracy of the
    vectorised functions, ≤ 4 ulp, differs from the scalar libm).
    """
    used = [f for f in VECTOR_MATH_FUNCTIONS if re.search(rf"(?<![\w.]){f}\(", code)]
    decls = []
    for f in used:
        decls += ["#pragma omp declare simd notinbranch",
                  f"double {f}(double, double);" if f in _TWO_ARGS else f"double {f}(double);"]
    loop = _simd_loop(prefix)
    return "\n".join([f"#if defined({VECTOR_MATH_MACRO})", *decls, f'#define {loop} _Pragma("omp simd")',
                      "#else", f"#define {loop}", "#endif"]) + "\n\n"


def generate_c(model, funcs, header_lines, *, prefix: str = DEFAULT_PREFIX, header_name: str | None = None) -> CModule:
    """C99 header and source for ``funcs`` (see :func:`~thermolearn.numeric.codegen.module_functions`).

    Parameters
    ----------
    model : theory.EnergyModel
    funcs : sequence of GeneratedFunction
    header_lines : list of str
        The provenance lines of the module comment.
    prefix : str
        Prefix of every exported symbol (a C identifier or empty).
    header_name : str, optional
        File name the source ``#include``\\ s; without it the source repeats
        the declarations and compiles alone.
    """
    prefix = _check_prefix(prefix)
    symbols = sorted({s for f in funcs for c in f.components for s in c.free_symbols}, key=lambda s: s.name)
    arg_names = list(dict.fromkeys([a for f in funcs for a in f.args + f.keywords]))
    generated = {f"{prefix}{f.name}{suffix}" for f in funcs for suffix in ("", "_n", KERNEL_SUFFIX)}
    generated |= {f"{prefix}{h}" for h in C_HELPERS}
    generated |= {_simd_loop(prefix), (prefix.upper() or "THERMOLEARN_") + "RESTRICT", VECTOR_MATH_MACRO}
    cmap = _rename(arg_names, generated)
    subs = {s: sp.Symbol(cmap[s.name], **s.assumptions0) for s in symbols if cmap.get(s.name, s.name) != s.name}
    renamed = tuple((k, v) for k, v in cmap.items() if k != v)
    printer = CPrinter({"helper_prefix": prefix})
    bodies, decls = [], []
    for f in funcs:
        c_args, c_kws = tuple(cmap[a] for a in f.args), tuple(cmap[k] for k in f.keywords)
        bodies.append("\n".join(_body(f, printer, prefix, c_args, c_kws, subs)))
        scalar, vector = _signature(f, prefix, c_args, c_kws, "PREFIX_RESTRICT ")
        decls += [scalar + ";", vector + ";"]
    macro = (prefix.upper() or "THERMOLEARN_") + "RESTRICT"
    decls = [d.replace("PREFIX_RESTRICT", macro) for d in decls]
    notes = header_lines + ["", "Vector/matrix results are written row-major into `out`; the *_n entry",
                            "points evaluate n points (arrays of length n, results n*size).",
                            f"Exported symbols carry the prefix '{prefix}'.",
                            f"Built with -D{VECTOR_MATH_MACRO} -fopenmp-simd (x86-64 glibc, -lmvec), the *_n",
                            "loops call glibc's vector math functions (libmvec, <= 4 ulp per call)."]
    if renamed:
        notes.append("Renamed symbols (collisions with C keywords, <math.h> names or macros, or")
        notes.append("generated names): " + ", ".join(f"{k} -> {v}" for k, v in renamed) + ".")
    comment = "/*\n" + "\n".join((" * " + line).rstrip() for line in notes) + "\n */\n"
    guard = re.sub(r"\W", "_", (header_name or f"{prefix}generated.h")).upper().lstrip("_") + "_INCLUDED"
    header = (comment + f"#ifndef {guard}\n#define {guard}\n\n"
              f"#if defined(__cplusplus)\n#define {macro} __restrict\nextern \"C\" {{\n#else\n"
              f"#define {macro} restrict\n#endif\n\n" + "\n".join(decls) + "\n\n"
              "#if defined(__cplusplus)\n}\n#endif\n\n#endif\n")
    body = "\n\n".join(bodies)
    helpers = [C_HELPERS[h].replace("PREFIX", prefix) for h in C_HELPERS
               if f"{prefix}{h}(" in body]
    if header_name:
        top = comment + f'\n#include <math.h>\n\n#include "{header_name}"\n\n'
    else:
        top = comment + f"\n#include <math.h>\n\n#define {macro} restrict\n\n" + "\n".join(decls) + "\n\n"
    code = ("\n\n".join(helpers) + "\n\n" if helpers else "") + body + "\n"
    source = top + _vector_math_block(prefix, code) + code
    return CModule(header, source, prefix, renamed, tuple(funcs))
