"""Safe parsing of user expression strings into sympy expressions.

The string is parsed by Python's :mod:`ast` module and the tree is walked
against a whitelist: numbers, names, ``+ - * / **``, unary minus/plus,
parentheses and calls of a fixed set of elementary functions (and of the
spellings ``softplus``, ``logcosh``, ``sigmoid``, ``log1p``, ``expm1``,
expanded at parse time into the elementary forms they stand for).  Nothing is
ever passed to ``eval``, ``exec``, ``sympify`` or ``parse_expr``; any other
node type (attribute access, subscripts, lambdas, comprehensions, strings,
keyword arguments, ...) raises :class:`~theory._errors.ParseError` naming
what was found.

Decimal literals are converted to exact rationals from their source text
(``0.1`` becomes ``1/10``), so parsing never introduces floating-point error.
"""

from __future__ import annotations

import ast
import re
from typing import Callable, Mapping

import sympy as sp

from ._errors import ParameterError, ParseError

__all__ = ["parse_expression", "as_expression", "check_size", "FUNCTIONS", "SPELLINGS", "MAX_LENGTH", "MAX_DEPTH", "MAX_NODES"]

#: Longest accepted input, in characters.
MAX_LENGTH = 2000
#: Deepest accepted nesting of the syntax tree.
MAX_DEPTH = 60
#: Largest accepted number of syntax-tree nodes.
MAX_NODES = 2000
#: Largest |integer exponent| accepted on a numeric base (guards 2**10**10).
MAX_NUMERIC_EXPONENT = 1000
#: Longest integer literal, in digits.
MAX_INTEGER_DIGITS = 60
#: Largest exact number an expression may build, in bits (guards (2**1000)**1000 and huge products;
#: 12000 bits stay below Python's 4300-digit int-to-str limit, so every accepted number prints).
MAX_NUMBER_BITS = 12000
#: Largest polynomial degree of the whole expression (nested powers multiply: ((x-a)**2)**600 has 1200).
MAX_DEGREE = 1000
#: Largest number of terms the expression would have when expanded (multinomial count);
#: derive expands energies, and sympy needs seconds for a few hundred terms.
MAX_EXPANDED_TERMS = 300
#: Deepest nesting of whitelisted function calls (exp(exp(exp(...)))).
MAX_FUNCTION_DEPTH = 8

#: Whitelisted functions: name -> (sympy callable, number of arguments).
FUNCTIONS: Mapping[str, tuple[Callable[..., sp.Expr], int]] = {
    "exp": (sp.exp, 1),
    "log": (sp.log, 1),
    "sqrt": (sp.sqrt, 1),
    "sin": (sp.sin, 1),
    "cos": (sp.cos, 1),
    "tan": (sp.tan, 1),
    "sinh": (sp.sinh, 1),
    "cosh": (sp.cosh, 1),
    "tanh": (sp.tanh, 1),
    "atan": (sp.atan, 1),
    "abs": (sp.Abs, 1),
    "Abs": (sp.Abs, 1),
    "erf": (sp.erf, 1),
}

#: Spellings machine-learning code uses, accepted at parse time and expanded into the
#: elementary expressions they stand for (outputs print the expansion, which parses back);
#: numeric evaluation rewrites those forms overflow-safe again (logaddexp, log-cosh, sigmoid,
#: log1p, expm1), so softplus(1e3) is 1e3, not inf.
SPELLINGS: Mapping[str, tuple[Callable[..., sp.Expr], int]] = {
    "softplus": (lambda u: sp.log(1 + sp.exp(u)), 1),
    "logcosh": (lambda u: sp.log(sp.cosh(u)), 1),
    "sigmoid": (lambda u: 1 / (1 + sp.exp(-u)), 1),
    "log1p": (lambda u: sp.log(1 + u), 1),
    "expm1": (lambda u: sp.exp(u) - 1, 1),
}
_CALLABLE = {**FUNCTIONS, **SPELLINGS}

#: Whitelisted named numbers.
NAMED_NUMBERS: Mapping[str, sp.Expr] = {"pi": sp.pi}

#: Names sympy reads back as special values or objects (so an output containing them would not
#: round-trip); refused as symbol names.  Other sympy function names (gamma, beta, ...) are fine:
#: docs/cli.md says how outputs parse back with a local dictionary of symbol names.
SPECIAL_NAMES = frozenset({"nan", "NaN", "inf", "Infinity", "infinity", "oo", "zoo", "I", "E", "S", "N", "O", "Q"})

_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: None,  # handled separately (exponent guard)
}


def _short(text: str, limit: int = 80) -> str:
    """``repr`` of ``text``, cut to ``limit`` characters for one-line messages."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} characters)"


def _describe(node: ast.AST) -> str:
    kind = type(node).__name__
    hints = {
        "BitXor": "'^' is not a power; use '**'",
        "Attribute": "attribute access is not allowed",
        "Subscript": "subscripts are not allowed",
        "Lambda": "lambdas are not allowed",
        "Constant": "only numeric literals are allowed",
        "ListComp": "comprehensions are not allowed",
        "GeneratorExp": "comprehensions are not allowed",
        "Call": "only calls of whitelisted functions are allowed",
    }
    return hints.get(kind, f"{kind} is not allowed")


class _Builder:
    def __init__(self, text: str, symbol_for: Callable[[str], sp.Symbol]):
        self.text = text
        self.symbol_for = symbol_for

    def fail(self, node: ast.AST, why: str) -> ParseError:
        col = getattr(node, "col_offset", None)
        where = f" at column {col + 1}" if col is not None else ""
        return ParseError(f"expression {_short(self.text)}: {why}{where}")

    def build(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.Expression):
            return self.build(node.body)
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand)
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return operand
            raise self.fail(node, f"unary operator {type(node.op).__name__} is not allowed")
        if isinstance(node, ast.BinOp):
            op = type(node.op)
            if op not in _BINOPS:
                raise self.fail(node, _describe(node.op))
            left = self.build(node.left)
            right = self.build(node.right)
            if op is ast.Pow:
                return self.power(node, left, right)
            if op is ast.Div and right == 0:
                raise self.fail(node, "division by zero")
            return self.checked(node, _BINOPS[op](left, right))
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self.fail(node, _describe(node))

    def checked(self, node: ast.AST, result: sp.Expr) -> sp.Expr:
        """Reject results that are not finite or are exact numbers too large to handle."""
        if result.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise self.fail(node, "expression is not finite (division by zero)")
        if isinstance(result, sp.Rational):
            bits = max(abs(result.p).bit_length(), abs(result.q).bit_length())
            if bits > MAX_NUMBER_BITS:
                raise self.fail(node, f"exact number with {bits} bits exceeds {MAX_NUMBER_BITS}")
        return result

    def number(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(node, f"only numeric literals are allowed, found {type(value).__name__}")
        source = ast.get_source_segment(self.text, node) or repr(value)
        source = source.replace("_", "")
        if isinstance(value, int):
            if len(source.lstrip("0")) > MAX_INTEGER_DIGITS:
                raise self.fail(node, f"integer literal longer than {MAX_INTEGER_DIGITS} digits")
            return sp.Integer(value)
        if value != value or value in (float("inf"), float("-inf")):
            raise self.fail(node, "literal is not finite")
        try:
            return sp.Rational(source)
        except (TypeError, ValueError):  # pragma: no cover - ast gave a float literal
            raise self.fail(node, f"cannot read number {source!r}") from None

    def name(self, node: ast.Name) -> sp.Expr:
        ident = node.id
        if ident in NAMED_NUMBERS:
            return NAMED_NUMBERS[ident]
        if ident in _CALLABLE:
            raise self.fail(node, f"function {ident!r} used without a call")
        if ident in SPECIAL_NAMES:
            raise self.fail(node, f"name {ident!r} is a special value or object in sympy; choose another name")
        if not _NAME_RE.match(ident):
            raise self.fail(node, f"name {ident!r} is not allowed (letters, digits, '_'; no leading '_')")
        return self.symbol_for(ident)

    def power(self, node: ast.BinOp, base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
        if exponent.is_number and not exponent.is_real:
            raise self.fail(node, f"exponent {exponent} is not real")
        if exponent.is_number and abs(exponent) > MAX_NUMERIC_EXPONENT:
            raise self.fail(node, f"power with exponent {exponent} is too large (at most {MAX_NUMERIC_EXPONENT})")
        if exponent.is_Integer and not base.is_number:  # (c*theta)**n builds c**n
            coeff = base.as_coeff_Mul()[0]
            if isinstance(coeff, sp.Rational) and coeff != 0:
                size = abs(int(exponent)) * max(abs(coeff.p).bit_length(), abs(coeff.q).bit_length())
                if size > MAX_NUMBER_BITS:
                    raise self.fail(node, f"power would build an exact number of ~{size} bits (at most {MAX_NUMBER_BITS})")
        if base.is_number and exponent.is_number:
            if base == 0 and exponent.is_negative:
                raise self.fail(node, "division by zero (0 to a negative power)")
            if isinstance(base, sp.Rational) and isinstance(exponent, sp.Integer) and base != 0:
                size = abs(int(exponent)) * max(abs(base.p).bit_length(), abs(base.q).bit_length())
                if size > MAX_NUMBER_BITS:
                    raise self.fail(node, f"power would build an exact number of ~{size} bits (at most {MAX_NUMBER_BITS})")
        return self.checked(node, sp.Pow(base, exponent))

    def call(self, node: ast.Call) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            if isinstance(node.func, ast.Attribute):
                raise self.fail(node, "attribute access is not allowed")
            raise self.fail(node, "only calls of whitelisted functions by name are allowed")
        fname = node.func.id
        if fname not in _CALLABLE:
            allowed = ", ".join(sorted(_CALLABLE))
            raise self.fail(node, f"function {fname!r} is not whitelisted (allowed: {allowed})")
        if node.keywords:
            raise self.fail(node, f"keyword arguments are not allowed in {fname}()")
        func, nargs = _CALLABLE[fname]
        if len(node.args) != nargs or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(node, f"{fname}() takes exactly {nargs} argument(s)")
        return self.checked(node, func(*(self.build(a) for a in node.args)))


def _check_shape(text: str, tree: ast.AST) -> None:
    count = 0
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise ParseError(f"expression nests deeper than {MAX_DEPTH} levels")
        if count > MAX_NODES:
            raise ParseError(f"expression has more than {MAX_NODES} syntax nodes")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def parse_expression(
    text: str,
    symbols: Mapping[str, sp.Symbol] | None = None,
    *,
    default_assumptions: Mapping[str, bool] | None = None,
) -> sp.Expr:
    """Parse ``text`` into a sympy expression through an AST whitelist.

    Parameters
    ----------
    text : str
        The expression, in Python/sympy syntax, e.g. ``"(x - theta)**2/2"``.
    symbols : mapping, optional
        Symbols to use for given names (so that assumptions such as
        ``positive=True`` are attached).  Other names become new symbols.
    default_assumptions : mapping, optional
        Assumptions for names not in ``symbols`` (default: ``real=True``).

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ParseError
        For anything outside the grammar, with what was found and where.

    Examples
    --------
    >>> parse_expression("(x - theta)**2/2")
    (-theta + x)**2/2
    >>> parse_expression("0.1*x")
    x/10
    >>> parse_expression("softplus(x - theta)")
    log(exp(-theta + x) + 1)
    >>> parse_expression("__import__('os').system('true')")
    Traceback (most recent call last):
    ...
    thermolearn.theory._errors.ParseError: expression "__import__('os').system('true')": attribute access is not allowed at column 1
    """
    if not isinstance(text, str):
        raise ParseError(f"expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"expression is {len(text)} characters long; at most {MAX_LENGTH} are accepted")
    if not text.strip():
        raise ParseError("expression is empty")
    if "\x00" in text:
        raise ParseError("expression contains a NUL character")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ParseError(f"expression {_short(text)} is not valid syntax: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ParseError(f"expression {_short(text)} cannot be parsed") from None
    _check_shape(text, tree)
    known = dict(symbols or {})
    assumptions = dict(default_assumptions or {"real": True})

    def symbol_for(name: str) -> sp.Symbol:
        if name not in known:
            known[name] = sp.Symbol(name, **assumptions)
        return known[name]

    builder = _Builder(text.strip(), symbol_for)
    try:
        expr = builder.build(tree)
    except RecursionError:
        raise ParseError(f"expression nests deeper than {MAX_DEPTH} levels") from None
    check_size(expr, text)
    return expr


def _binomial(n: int, k: int, cap: int) -> int:
    """C(n, k), stopping early once it exceeds ``cap``."""
    k = min(k, n - k)
    out = 1
    for i in range(1, k + 1):
        out = out * (n - k + i) // i
        if out > cap:
            return cap + 1
    return out


def check_size(expr: sp.Expr, text: str | None = None) -> None:
    """Reject an expression whose *whole* size is pathological, before any work.

    Bounds the polynomial degree (nested powers multiply), the number of
    terms after expansion (multinomial count, capped by the number of
    monomials of that degree), and the nesting of function calls.

    Raises
    ------
    ParseError
        One line naming the bound and its limit.

    Examples
    --------
    >>> check_size(parse_expression("(x - theta)**4"))
    >>> check_size(sp.Symbol("x")**600 * sp.Symbol("y")**600)
    Traceback (most recent call last):
    ...
    thermolearn.theory._errors.ParseError: expression x**600*y**600: polynomial degree 1200 exceeds 1000
    """
    label = _short(text) if text is not None else str(expr)[:80]
    memo: dict = {}

    def size(e) -> tuple[int, int, int]:
        """(degree, expanded terms, function depth), each capped."""
        if e in memo:
            return memo[e]
        if e.is_Symbol:
            out = (1, 1, 0)
        elif e.is_Number or e.is_NumberSymbol or not e.free_symbols:
            if isinstance(e, sp.Rational) and max(abs(e.p).bit_length(), abs(e.q).bit_length()) > MAX_NUMBER_BITS:
                raise ParseError(f"expression {label}: contains an exact number of more than {MAX_NUMBER_BITS} bits")
            out = (0, 1, 0)
        elif e.is_Add:
            parts = [size(a) for a in e.args]
            out = (max(p[0] for p in parts), sum(p[1] for p in parts), max(p[2] for p in parts))
        elif e.is_Mul:
            parts = [size(a) for a in e.args]
            terms = 1
            for p in parts:
                terms = min(terms * p[1], MAX_EXPANDED_TERMS + 1)
            out = (sum(p[0] for p in parts), terms, max(p[2] for p in parts))
        elif e.is_Pow:
            deg, terms, depth = size(e.base)
            n = e.exp
            if n.is_Integer:
                k = abs(int(n))
                nsyms = len(e.base.free_symbols)
                count = _binomial(terms + k - 1, k, MAX_EXPANDED_TERMS) if n > 0 else 1
                count = min(count, _binomial(deg * k + nsyms, nsyms, MAX_EXPANDED_TERMS)) if n > 0 else 1
                out = (deg * k, count, depth)
            else:
                edeg, _, edepth = size(n)
                out = (max(deg, edeg), 1, max(depth, edepth) + (1 if n.free_symbols else 0))
        else:  # a function call
            parts = [size(a) for a in e.args]
            out = (1, 1, max(p[2] for p in parts) + 1)
        if out[0] > MAX_DEGREE:
            raise ParseError(f"expression {label}: polynomial degree {out[0]} exceeds {MAX_DEGREE}")
        if out[1] > MAX_EXPANDED_TERMS:
            raise ParseError(
                f"expression {label}: expands to more than {MAX_EXPANDED_TERMS} terms (too large to derive in budget)"
            )
        if out[2] > MAX_FUNCTION_DEPTH:
            raise ParseError(f"expression {label}: function calls nest deeper than {MAX_FUNCTION_DEPTH}")
        memo[e] = out
        return out

    size(expr)


def as_expression(
    value,
    what: str = "expression",
    symbols: Mapping[str, sp.Symbol] | None = None,
    *,
    finite: bool = False,
) -> sp.Expr:
    """Turn a public argument into a sympy object without evaluating text.

    The one home of "user value -> exact sympy value": strings go through
    :func:`parse_expression` (the AST whitelist), never ``sympify``; sympy
    objects pass unchanged; Python/numpy integers become ``Integer`` and
    floats the exact ``Rational`` of their shortest repr (``0.1`` -> ``1/10``).
    Anything else is refused.

    Parameters
    ----------
    value : str, sympy.Basic, int or float
    what : str
        Name of the argument, for the error message.
    symbols : mapping, optional
        Symbols to use for names in a string (so that assumptions match
        the caller's symbols).
    finite : bool
        Also refuse sympy values containing ``oo``, ``zoo`` or ``nan``
        (for numeric parameters such as β, μ and constants).

    Raises
    ------
    ParseError
        A string outside the grammar.
    ParameterError
        A value of another type, or a non-finite number.

    Examples
    --------
    >>> as_expression("2*x + 1")
    2*x + 1
    >>> as_expression(0.5)
    1/2
    >>> as_expression(sp.oo, "beta", finite=True)
    Traceback (most recent call last):
    ...
    thermolearn.theory._errors.ParameterError: beta must be finite, got oo
    >>> as_expression("__import__('os')")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    thermolearn.theory._errors.ParseError: expression "__import__('os')": function '__import__' is not whitelisted ...
    """
    import numbers

    if isinstance(value, sp.Basic):
        if finite and value.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
            raise ParameterError(f"{what} must be finite, got {value}")
        return value
    if isinstance(value, str):
        return parse_expression(value, symbols)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(
            f"{what} must be a number, a sympy expression or an expression string, got {type(value).__name__} {value!r}"
        )
    if isinstance(value, numbers.Integral):
        return sp.Integer(int(value))
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ParameterError(f"{what} must be finite, got {value!r}")
    return sp.Rational(repr(value))
