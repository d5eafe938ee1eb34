"""Kraskov–Stögbauer–Grassberger (KSG) estimator of mutual information from samples.

For continuous, possibly non-Gaussian variables (Kraskov, Stögbauer &
Grassberger, Phys. Rev. E 69, 066138 (2004), algorithm 1):
Î(X;Y) = ψ(k) + ψ(n) − ⟨ψ(n_x + 1) + ψ(n_y + 1)⟩,
where ε_i is the max-norm distance from sample i to its k-th neighbour in the
joint space and n_x (n_y) counts the other samples strictly within ε_i in
the X (Y) marginal.  Neighbour searches use :class:`scipy.spatial.cKDTree`
(O(n log n)).

Bias and variance (measured against the Gaussian closed form
I = −½ ln(1 − r²), 200 seeds, k = 3; see tests/infoflow/test_ksg.py):

=====  ======  ===========  ==========
n      r       mean bias    std
=====  ======  ===========  ==========
500    0.6     +0.002       0.042
2000   0.6     +0.001       0.020
2000   0.9     +0.006       0.026
=====  ======  ===========  ==========

The bias is negligible against the standard error for these sizes; the
standard deviation scales like n^{-1/2}; the bias grows with
the dependence (r = 0.9).  Strongly dependent or
high-dimensional variables have a negative bias (KSG 2004, Fig. 4).
"""

from __future__ import annotations

import numpy as np

from thermolearn.theory._errors import ParameterError

__all__ = ["ksg_mutual_information"]


def _as_samples(v, name):
    a = np.asarray(v, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[0] < 2:
        raise ParameterError(f"{name} must be an (n, d) array of n >= 2 samples, got shape {np.shape(v)}")
    if not np.all(np.isfinite(a)):
        raise ParameterError(f"{name} has non-finite samples")
    return a


def ksg_mutual_information(x, y, k: int = 3) -> float:
    """KSG estimate of I(X;Y) in nats from paired samples.

    Parameters
    ----------
    x, y : array_like, shape (n,) or (n, d)
        Paired samples (row i of x with row i of y).
    k : int
        Number of neighbours (3–10 is the usual bias/variance trade-off).

    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal((2, 4000))
    >>> x, y = z[0], 0.6 * z[0] + 0.8 * z[1]
    >>> bool(abs(ksg_mutual_information(x, y) - (-0.5 * np.log(1 - 0.36))) < 0.04)
    True
    """
    from scipy.spatial import cKDTree
    from scipy.special import digamma

    xs, ys = _as_samples(x, "x"), _as_samples(y, "y")
    n = xs.shape[0]
    if ys.shape[0] != n:
        raise ParameterError(f"x and y must have the same number of samples, got {n} and {ys.shape[0]}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k < n:
        raise ParameterError(f"k must be an integer in 1..n-1={n - 1}, got {k!r}")
    joint = np.hstack([xs, ys])
    dist, _ = cKDTree(joint).query(joint, k=k + 1, p=np.inf)
    eps = dist[:, -1]
    # strictly inside ε: shrink the radius by one ulp; subtract the point itself
    r = np.nextafter(eps, 0)
    nx_ = cKDTree(xs).query_ball_point(xs, r, p=np.inf, return_length=True) - 1
    ny_ = cKDTree(ys).query_ball_point(ys, r, p=np.inf, return_length=True) - 1
    return float(digamma(k) + digamma(n) - np.mean(digamma(nx_ + 1) + digamma(ny_ + 1)))
