"""Exact information measures with one uniform signature.

Discrete measures take a joint probability array ``pmf`` whose axes are the
variables; Gaussian measures take a covariance matrix whose rows/columns are
the variables.  Every measure is called as ``measure(dist, a, b, given=())``
(dit's ``(dist, rvs, crvs)`` convention), with ``a``, ``b``, ``given`` an
index or a sequence of indices.  Entropies are in nats.

Equations (standard definitions):
H(A|G) = H(A,G) − H(G);  I(A;B|G) = H(A|G) + H(B|G) − H(A,B|G);
Gaussian H(S) = ½ ln((2πe)^{|S|} det Σ_S).
"""

from __future__ import annotations

import math


import numpy as np

from thermolearn.theory._errors import ParameterError, SingularMetricError

__all__ = [
    "entropy",
    "mutual_information",
    "gaussian_entropy",
    "gaussian_mutual_information",
    "check_pmf",
    "check_covariance",
]

#: Probabilities must sum to one within this (a few ulps times the size).
_SUM_ATOL = 1e-9


def _as_axes(value, name: str, ndim: int) -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)):
        value = (int(value),)
    try:
        axes = tuple(int(v) for v in value)
    except TypeError:
        raise ParameterError(f"{name} must be an index or a sequence of indices, got {value!r}") from None
    for ax in axes:
        if not 0 <= ax < ndim:
            raise ParameterError(f"{name} names variable {ax}, but the distribution has {ndim} variables")
    if len(set(axes)) != len(axes):
        raise ParameterError(f"{name} repeats a variable: {value!r}")
    return axes


def _disjoint(**groups: tuple[int, ...]) -> None:
    seen: dict[int, str] = {}
    for name, axes in groups.items():
        for ax in axes:
            if ax in seen:
                raise ParameterError(f"variable {ax} appears in both {seen[ax]} and {name}; they must be disjoint")
            seen[ax] = name


def check_pmf(pmf, name: str = "pmf") -> np.ndarray:
    """Validate a joint probability array: finite, non-negative, sums to 1.

    >>> check_pmf([[0.5, 0.5], [0.0, 0.0]]).shape
    (2, 2)
    >>> check_pmf([0.5, 0.6])
    Traceback (most recent call last):
    ...
    thermolearn.theory._errors.ParameterError: pmf must sum to 1, got sum 1.1
    """
    p = np.asarray(pmf, dtype=float)
    if p.ndim == 0 or p.size == 0:
        raise ParameterError(f"{name} must be a non-empty array, got shape {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ParameterError(f"{name} has non-finite entries")
    if np.any(p < 0):
        idx = tuple(int(i) for i in np.argwhere(p < 0)[0])
        raise ParameterError(f"{name} has a negative entry {p[idx]!r} at index {idx}")
    total = float(p.sum())
    if abs(total - 1.0) > _SUM_ATOL * max(1.0, math.sqrt(p.size)):
        raise ParameterError(f"{name} must sum to 1, got sum {total:.12g}")
    return p


def _marginal_entropy(p: np.ndarray, keep: tuple[int, ...]) -> float:
    drop = tuple(ax for ax in range(p.ndim) if ax not in keep)
    m = p.sum(axis=drop) if drop else p
    m = m[m > 0]
    return float(-(m * np.log(m)).sum())


def entropy(pmf, a, given=()) -> float:
    """Conditional Shannon entropy H(A | G) of a discrete joint array (nats).

    H(A|G) = H(A,G) − H(G), with H(S) = −Σ p_S ln p_S over the marginal of S.

    Parameters
    ----------
    pmf : array_like
        Joint probabilities, one axis per variable, summing to 1.
    a, given : int or sequence of int
        Axes of A and of the conditioning set G (disjoint).

    >>> round(entropy([[0.25, 0.25], [0.25, 0.25]], 0), 12) == round(math.log(2), 12)
    True
    """
    p = check_pmf(pmf)
    a = _as_axes(a, "a", p.ndim)
    g = _as_axes(given, "given", p.ndim)
    _disjoint(a=a, given=g)
    return _marginal_entropy(p, a + g) - _marginal_entropy(p, g)


def mutual_information(pmf, a, b, given=()) -> float:
    """Conditional mutual information I(A; B | G) of a discrete joint array.

    I(A;B|G) = H(A,G) + H(B,G) − H(A,B,G) − H(G) ≥ 0 (nats).

    Parameters
    ----------
    pmf : array_like
        Joint probabilities, one axis per variable.
    a, b, given : int or sequence of int
        Disjoint sets of axes.

    >>> mutual_information([[0.5, 0.0], [0.0, 0.5]], 0, 1) == math.log(2)
    True
    >>> mutual_information(np.full((2, 2), 0.25), 0, 1)
    0.0
    """
    p = check_pmf(pmf)
    a = _as_axes(a, "a", p.ndim)
    b = _as_axes(b, "b", p.ndim)
    g = _as_axes(given, "given", p.ndim)
    _disjoint(a=a, b=b, given=g)
    val = (_marginal_entropy(p, a + g) + _marginal_entropy(p, b + g)
           - _marginal_entropy(p, a + b + g) - _marginal_entropy(p, g))
    return max(val, 0.0) if val > -1e-13 else val


def check_covariance(cov, name: str = "cov") -> np.ndarray:
    """Validate a covariance: square, finite, symmetric, positive semidefinite.

    >>> check_covariance([[1.0, 2.0], [2.0, 1.0]])
    Traceback (most recent call last):
    ...
    thermolearn.theory._errors.ParameterError: cov is not positive semidefinite: smallest eigenvalue -1 (expected >= 0)
    """
    c = np.asarray(cov, dtype=float)
    if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] == 0:
        raise ParameterError(f"{name} must be a square matrix, got shape {c.shape}")
    if not np.all(np.isfinite(c)):
        raise ParameterError(f"{name} has non-finite entries")
    scale = max(1.0, float(np.abs(c).max()))
    if not np.allclose(c, c.T, rtol=0, atol=1e-12 * scale):
        raise ParameterError(f"{name} is not symmetric (max |C - C^T| = {np.abs(c - c.T).max():.3g})")
    tol = 1e-12 * scale * c.shape[0]
    try:  # Cholesky of C + tol·I succeeds iff C has no eigenvalue below −tol (cheap O(n³/3) test)
        np.linalg.cholesky(c + tol * np.eye(c.shape[0]))
        return c
    except np.linalg.LinAlgError:
        pass
    lam = float(np.linalg.eigvalsh(c).min())
    if lam < -tol:
        raise ParameterError(f"{name} is not positive semidefinite: smallest eigenvalue {lam:.6g} (expected >= 0)")
    return c


def _block(m: np.ndarray, rows, cols=None) -> np.ndarray:
    """``m[np.ix_(rows, cols)]`` (``cols`` defaults to ``rows``) without ``np.ix_``'s per-call dtype checks.

    The Gaussian recursions index blocks of matrices with a handful of rows
    thousands of times; ``np.ix_`` cost ~6× the indexing itself there.

    >>> _block(np.arange(9.0).reshape(3, 3), [0, 2]).tolist()
    [[0.0, 2.0], [6.0, 8.0]]
    """
    r = np.asarray(rows, dtype=np.intp)
    return m[r[:, None], r if cols is None else np.asarray(cols, dtype=np.intp)]


def _logdet_small(c: np.ndarray, idx) -> float | None:
    """ln det of the block ``idx`` (1 to 3 variables) by an LDLᵀ factorisation in Python floats.

    The Gaussian recursions take thousands of determinants of such blocks; this costs
    a tenth of ``np.linalg.slogdet``'s call overhead.  Pivots are those of Cholesky
    (stable for a covariance); None when a pivot is not positive, for the caller's
    general path to decide.
    """
    i = idx[0]
    d1 = float(c[i, i])
    if not d1 > 0.0:
        return None
    if len(idx) == 1:
        return math.log(d1)
    j = idx[1]
    a21 = float(c[j, i])
    l21 = a21 / d1
    d2 = float(c[j, j]) - l21 * a21
    if not d2 > 0.0:
        return None
    if len(idx) == 2:
        return math.log(d1 * d2)
    k = idx[2]
    a31, a32 = float(c[k, i]), float(c[k, j])
    l31 = a31 / d1
    l32 = (a32 - l31 * a21) / d2
    d3 = float(c[k, k]) - l31 * a31 - l32 * l32 * d2
    if not d3 > 0.0:
        return None
    return math.log(d1 * d2 * d3)


def _logdet(c: np.ndarray, idx: tuple[int, ...]) -> float:
    if not idx:
        return 0.0
    if len(idx) <= 3:
        small = _logdet_small(c, idx)
        if small is not None:
            return small
    sub = _block(c, idx)
    sign, val = np.linalg.slogdet(sub)
    if sign <= 0:
        raise SingularMetricError(
            f"covariance block of variables {list(idx)} is singular (a variable is a deterministic function "
            f"of the others); the entropy is -inf and the information may be infinite")
    return float(val)


def gaussian_entropy(cov, a, given=()) -> float:
    """Differential entropy H(A | G) of jointly Gaussian variables (nats).

    H(S) = ½ ln((2πe)^{|S|} det Σ_S) and H(A|G) = H(A,G) − H(G).

    >>> abs(gaussian_entropy([[1.0]], 0) - 0.5 * math.log(2 * math.pi * math.e)) < 1e-15
    True
    """
    c = check_covariance(cov)
    a = _as_axes(a, "a", c.shape[0])
    g = _as_axes(given, "given", c.shape[0])
    _disjoint(a=a, given=g)
    return _gaussian_entropy(c, a, g)


def _gaussian_entropy(c: np.ndarray, a: tuple, g: tuple) -> float:
    """Unvalidated core of :func:`gaussian_entropy` (for callers that validated ``c``)."""
    return 0.5 * (len(a) * math.log(2 * math.pi * math.e) + _logdet(c, tuple(a) + tuple(g)) - _logdet(c, tuple(g)))


def gaussian_mutual_information(cov, a, b, given=()) -> float:
    """Conditional mutual information I(A; B | G) of jointly Gaussian variables.

    I(A;B|G) = ½ [ln det Σ_{AG} + ln det Σ_{BG} − ln det Σ_{ABG} − ln det Σ_G].

    >>> r = 0.6
    >>> abs(gaussian_mutual_information([[1, r], [r, 1]], 0, 1) + 0.5 * math.log(1 - r * r)) < 1e-15
    True
    """
    c = check_covariance(cov)
    n = c.shape[0]
    a = _as_axes(a, "a", n)
    b = _as_axes(b, "b", n)
    g = _as_axes(given, "given", n)
    _disjoint(a=a, b=b, given=g)
    return _gaussian_mi(c, a, b, g)


def _gaussian_mi(c: np.ndarray, a: tuple, b: tuple, g: tuple) -> float:
    """Unvalidated core of :func:`gaussian_mutual_information`."""
    a, b, g = tuple(a), tuple(b), tuple(g)
    return 0.5 * (_logdet(c, a + g) + _logdet(c, b + g) - _logdet(c, a + b + g) - _logdet(c, g))


