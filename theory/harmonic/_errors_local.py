"""Validation helpers of :mod:`theory.harmonic` (raise the package errors)."""

from __future__ import annotations

import sympy as sp

from .._errors import ParameterError

__all__ = ["check_square_symmetric"]


def check_square_symmetric(K) -> sp.Matrix:
    """Return ``K`` as a sympy Matrix, or raise ParameterError if not square symmetric.

    >>> check_square_symmetric([[1, 2], [3, 4]])
    Traceback (most recent call last):
    ...
    thermolearn.theory._errors.ParameterError: K must be a symmetric square matrix, got Matrix([[1, 2], [3, 4]])
    """
    M = sp.Matrix(K)
    if M.rows != M.cols or M.rows == 0 or sp.simplify(M - M.T) != sp.zeros(M.rows):
        raise ParameterError(f"K must be a symmetric square matrix, got {M}")
    return M
