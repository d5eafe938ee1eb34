"""Linear-time exact computations on the Gaussian learner's Markov chain.

With the static task and data nodes (Y, B) carried along, the X–Θ process of the
linear-Gaussian learner is Markov in the state s_n = (Y, B, θ_n, x_n) (the lagged
bipartite process of Entropy 26, 112 (2024)):

    s_{n+1} = F s_n + c + ε_n,   ε_n ~ N(0, Q),

with F, c, Q read off the kernels of the learner's own Bayesian network.  Hence every
exact quantity costs O(N) in the number of steps N:

* per-step quantities need only the joint of the *window*
  (Y, B, θ_n, x_n, θ_{n+1}, x_{n+1}), propagated by m_{n+1} = F m_n + c,
  S_{n+1} = F S_n Fᵀ + Q (:func:`windows`);
* a trajectory entropy H(o_0, …, o_N) of observed state components is the chain-rule sum
  Σ_n H(o_n | o_{<n}) of a Kalman filter's predictive covariances (:func:`path_entropy`);
* a Gaussian integral ln ∫ exp(−Σ_f [vᵀA_f v + b_fᵀv + c_f]) dv whose quadratic
  factors each touch two adjacent time slices and (Y, B) is done by eliminating the
  slices in time order, each a Schur complement of a block of at most six variables
  (:func:`log_integral`): ∫ exp(−uᵀAu − bᵀu) du = π^{k/2} det(A)^{−1/2} exp(¼ bᵀA⁻¹b).

The dense route (the covariance of all 2N + 4 nodes, :func:`infoflow.gaussian_joint`)
gives the same numbers at O(N³) cost; the tests compare both.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from thermolearn.theory._errors import GraphError, SingularMetricError

from ._bayesnet import gaussian_joint
from ._measures import _block, _gaussian_entropy, _gaussian_mi, _logdet_small

__all__ = ["GaussianChain", "gaussian_chain", "windows", "Window", "path_entropy", "Factor", "log_integral",
           "square", "neg_log_kernel", "neg_log_density", "window_of", "STATE", "log_integrals"]

#: Components of the Markov state s_n, in order (``th``/``x`` stand for θ_n, x_n).
STATE = ("Y", "B", "th", "x")
_LOG_2PIE = math.log(2 * math.pi * math.e)


@dataclass(frozen=True)
class GaussianChain:
    """s_{n+1} = F s_n + c + N(0, Q) on s = (Y, B, θ, x), and s_0 ~ N(m0, S0)."""

    F: np.ndarray
    c: np.ndarray
    Q: np.ndarray
    m0: np.ndarray
    S0: np.ndarray


def gaussian_chain(learner) -> GaussianChain:
    """The Markov chain of a learner whose ``network(1)`` has nodes Y, B, th0, x0, th1, x1.

    Each step node v = intercept + Σ_p coef_p·p + √noise·ξ_v is written over
    (s_0, ξ_θ, ξ_x) in topological order, so F, c and Q = G Gᵀ are exact (no regression).

    >>> from thermolearn.infoflow import GaussianLearner
    >>> ch = gaussian_chain(GaussianLearner(kappa=0.5))
    >>> ch.F[2].tolist(), float(ch.Q[2, 2])
    ([0.0, 0.5, 0.5, 0.0], 0.25)
    """
    G = learner.network(1)
    expected = {"Y", "B", "th0", "x0", "th1", "x1"}
    if set(G.nodes) != expected:
        raise GraphError(f"the chain recursion needs a network with nodes {sorted(expected)}, got {sorted(G.nodes)}")
    names, mean, cov = gaussian_joint(G)
    now = [names.index(v) for v in ("Y", "B", "th0", "x0")]
    rows = {v: np.eye(6)[i] for i, v in enumerate(("Y", "B", "th0", "x0"))}  # over (s_0, ξ_θ, ξ_x)
    offset = {v: 0.0 for v in rows}
    for v, noise_col in (("th1", 4), ("x1", 5)):
        d = G.nodes[v]
        row = np.zeros(6)
        off = float(d.get("intercept", 0.0))
        for p, a in d["coef"].items():
            row += float(a) * rows[p]
            off += float(a) * offset[p]
        row[noise_col] += math.sqrt(float(d.get("noise_var", 0.0)))
        rows[v], offset[v] = row, off
    nxt = ("Y", "B", "th1", "x1")
    M = np.array([rows[v] for v in nxt])
    F, Gn = M[:, :4], M[:, 4:]
    return GaussianChain(F=F, c=np.array([offset[v] for v in nxt]), Q=Gn @ Gn.T,
                         m0=mean[now], S0=_block(cov, now))


class Window:
    """Mean and covariance of a few named nodes, with the log-det measures on them."""

    def __init__(self, names, mean, cov):
        self.names, self.mean, self.cov = tuple(names), mean, cov
        self.idx = {v: i for i, v in enumerate(self.names)}

    def ix(self, nodes):
        return [self.idx[v] for v in ([nodes] if isinstance(nodes, str) else nodes)]

    def H(self, a, given=()):
        """H(A | G) (nats)."""
        return _gaussian_entropy(self.cov, self.ix(a), self.ix(given))

    def I(self, a, b, given=()):
        """I(A; B | G) (nats)."""
        return _gaussian_mi(self.cov, self.ix(a), self.ix(b), self.ix(given))

    def esq(self, terms: dict) -> float:
        """E[(Σ_k w_k v_k)²] (second moment of a linear form of the window's nodes)."""
        w = np.zeros(len(self.names))
        for k, v in terms.items():
            w[self.idx[k]] += v
        m = w @ self.mean
        return float(w @ self.cov @ w + m * m)

    def expect(self, f: "Factor") -> float:
        """E[vᵀAv + bᵀv + c] of a factor over nodes of this window."""
        i = self.ix(f.names)
        m, C = self.mean[i], _block(self.cov, i)
        return float(np.sum(f.A * C) + m @ f.A @ m + f.b @ m + f.c)


def windows(chain: GaussianChain, N: int) -> list[Window]:
    """The N windows (Y, B, θ_n, x_n, θ_{n+1}, x_{n+1}), n = 0..N−1, by forward propagation."""
    T = np.vstack([np.eye(4), chain.F[2:]])
    Qw = np.zeros((6, 6))
    Qw[4:, 4:] = chain.Q[2:, 2:]
    cw = np.concatenate([np.zeros(4), chain.c[2:]])
    m, S = chain.m0, chain.S0
    out = []
    for n in range(N):
        out.append(Window(("Y", "B", f"th{n}", f"x{n}", f"th{n + 1}", f"x{n + 1}"), T @ m + cw, T @ S @ T.T + Qw))
        m, S = chain.F @ m + chain.c, chain.F @ S @ chain.F.T + chain.Q
    return out


def window_of(win: list, names) -> Window:
    """The window holding ``names`` (nodes of at most two adjacent slices, and Y, B)."""
    N = len(win)
    return win[min(min(_slice(v, N) for v in names), N - 1)]


def path_entropy(chain: GaussianChain, N: int, observe) -> float:
    """H(o_0, …, o_N) = Σ_n H(o_n | o_{<n}), o_n the state components ``observe(n)`` (indices into STATE).

    A Kalman filter on covariances only (entropies do not depend on the observed values):
    condition on o_n (S ← S − S_{·o} S_{oo}⁻¹ S_{o·}), then predict (S ← F S Fᵀ + Q).

    >>> from thermolearn.infoflow import GaussianLearner
    >>> ch = gaussian_chain(GaussianLearner())
    >>> h = path_entropy(ch, 0, lambda n: [1])  # H(B) = ½ ln(2πe Var B)
    >>> abs(h - 0.5 * math.log(2 * math.pi * math.e * 1.1)) < 1e-15
    True
    """
    S = chain.S0.copy()
    h = 0.0
    for n in range(N + 1):
        o = list(observe(n))
        if o:
            logdet = _logdet_small(S, o) if len(o) <= 3 else None
            if logdet is None:  # more components, or a pivot not positive: LU decides
                sign, logdet = np.linalg.slogdet(_block(S, o))
                if sign <= 0:
                    raise SingularMetricError(f"step {n}: the observed components {[STATE[i] for i in o]} are "
                                              "determined by the earlier ones; the path entropy is -inf")
            h += 0.5 * (len(o) * _LOG_2PIE + float(logdet))
            if len(o) == 1:  # rank-one conditioning: S − S_{·o} S_{o·} / S_oo
                col = S[:, o[0]]
                S = S - np.multiply.outer(col, col / col[o[0]])
            else:
                S = S - S[:, o] @ np.linalg.solve(_block(S, o), S[o, :])
            S = 0.5 * (S + S.T)
        if n < N:
            S = chain.F @ S @ chain.F.T + chain.Q
    return h


@dataclass(frozen=True)
class Factor:
    """The quadratic vᵀAv + bᵀv + c in the nodes ``names``."""

    names: tuple
    A: np.ndarray
    b: np.ndarray
    c: float

    def scaled(self, s: float) -> "Factor":
        return Factor(self.names, s * self.A, s * self.b, s * self.c)


def square(coef: float, terms: dict, const: float = 0.0) -> Factor:
    """coef·(Σ_k w_k v_k + const)² as a :class:`Factor`."""
    names = tuple(terms)
    w = np.array([float(terms[k]) for k in names])
    return Factor(names, coef * np.outer(w, w), 2 * coef * const * w, coef * const * const)


def neg_log_kernel(terms: dict, var: float, const: float = 0.0) -> Factor:
    """−ln N(Σ_k w_k v_k + const; 0, var) = (Σ_k w_k v_k + const)²/(2 var) + ½ ln(2π var)."""
    f = square(1 / (2 * var), terms, const)
    return Factor(f.names, f.A, f.b, f.c + 0.5 * math.log(2 * math.pi * var))


def neg_log_density(window: Window, nodes, cond=()) -> Factor:
    """−ln p(nodes | cond) as a :class:`Factor` (a Gaussian conditional from the window's moments).

    p(u | g) = N(u; m_u + K(g − m_g), S), K = C_ug C_gg⁻¹, S = C_uu − K C_gu.
    """
    u, g = window.ix(nodes), window.ix(cond)
    C, mean = window.cov, window.mean
    K = _block(C, u, g) @ np.linalg.inv(_block(C, g)) if g else np.zeros((len(u), 0))
    S = _block(C, u) - K @ _block(C, g, u)
    Sinv = np.linalg.inv(S)
    R = np.hstack([np.eye(len(u)), -K])  # residual r = R (u, g) + r0
    r0 = -(mean[u] - K @ mean[g])
    A = 0.5 * R.T @ Sinv @ R
    return Factor(tuple(nodes) + tuple(cond), 0.5 * (A + A.T), R.T @ Sinv @ r0,
                  float(0.5 * r0 @ Sinv @ r0 + 0.5 * np.linalg.slogdet(2 * math.pi * S)[1]))


@functools.lru_cache(maxsize=1 << 16)
def _slice(name: str, N: int) -> int:
    """Time slice of a node (``th{n}``, ``x{n}`` -> n; the static Y, B -> N + 1, eliminated last)."""
    for prefix in ("th", "x"):
        if name.startswith(prefix) and name[len(prefix):].isdigit():
            return int(name[len(prefix):])
    return N + 1


class _Form:
    """A batch of B quadratics v_βᵀA_βv + b_βᵀv + c_β over the nodes still to integrate.

    All B members share the nodes (at most two slices and Y, B); they differ in the
    weights their factors were added with, so the integrals at several α of a
    fluctuation theorem run as one recursion on stacked (B, n, n) blocks.  The blocks
    are addressed with integer index arrays (``A[:, i[:, None], i]``), not ``np.ix_``:
    the matrices have at most ~8 rows, so the per-call overhead of the indexing
    helpers, not the arithmetic, was the cost of the whole recursion.
    """

    def __init__(self, batch: int = 1):
        self.names: list = []
        self.pos: dict = {}
        self.A = np.zeros((batch, 0, 0))
        self.b = np.zeros((batch, 0))
        self.c = np.zeros(batch)
        self.diverged = np.zeros(batch, dtype=bool)

    def add(self, f: Factor, weight=None) -> None:
        """Add ``weight`` × ``f`` (``weight``: None for 1, or an array with one number per batch member)."""
        new = [v for v in dict.fromkeys(f.names) if v not in self.pos]
        if new:
            B, k = self.A.shape[0], len(self.names)
            n = k + len(new)
            A = np.zeros((B, n, n))
            A[:, :k, :k] = self.A
            self.A, self.b = A, np.concatenate([self.b, np.zeros((B, len(new)))], axis=1)
            for j, v in enumerate(new, start=k):
                self.pos[v] = j
            self.names += new
        i = np.array([self.pos[v] for v in f.names], dtype=np.intp)
        if weight is None:  # broadcast over the batch
            fA, fb, fc = f.A, f.b, f.c
        else:
            fA, fb, fc = weight[:, None, None] * f.A, weight[:, None] * f.b, weight * f.c
        if len(set(f.names)) == len(f.names):
            self.A[:, i[:, None], i] += fA
            self.b[:, i] += fb
        else:  # a node named twice: accumulate every entry
            B = self.A.shape[0]
            np.add.at(self.A, (slice(None), i[:, None], i), np.broadcast_to(fA, (B,) + f.A.shape))
            np.add.at(self.b, (slice(None), i), np.broadcast_to(fb, (B,) + f.b.shape))
        self.c += fc

    def integrate(self, nodes) -> None:
        """Integrate out ``nodes``; members whose block is not positive definite are marked ``diverged``."""
        u = np.array([i for i, v in enumerate(self.names) if v in nodes], dtype=np.intp)
        if not u.size:
            return
        w = np.array([i for i, v in enumerate(self.names) if v not in nodes], dtype=np.intp)
        Auu = self.A[:, u[:, None], u]
        Auu = 0.5 * (Auu + Auu.transpose(0, 2, 1))
        try:
            chol = np.linalg.cholesky(Auu)
        except np.linalg.LinAlgError:  # find the members that diverge; carry an identity block for them
            for j in range(Auu.shape[0]):
                try:
                    np.linalg.cholesky(Auu[j])
                except np.linalg.LinAlgError:
                    self.diverged[j] = True
                    Auu[j] = np.eye(u.size)
            chol = np.linalg.cholesky(Auu)
        Awu, bu = self.A[:, w[:, None], u], self.b[:, u]
        Z = np.linalg.solve(Auu, np.concatenate([Awu.transpose(0, 2, 1), bu[:, :, None]], axis=2))
        logdet_half = np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
        self.c += -0.5 * u.size * math.log(math.pi) + logdet_half - 0.25 * np.einsum("bi,bi->b", bu, Z[:, :, -1])
        self.A = self.A[:, w[:, None], w] - Awu @ Z[:, :, :-1]
        self.b = self.b[:, w] - np.einsum("bij,bj->bi", Awu, Z[:, :, -1])
        self.names = [self.names[i] for i in w]
        self.pos = {v: j for j, v in enumerate(self.names)}


def _first_slice(f: Factor, N: int) -> int:
    return min(_slice(v, N) for v in f.names)


def log_integral(factors, N: int, bar=None) -> float:
    """ln ∫ exp(−Σ_f [vᵀA_f v + b_fᵀv + c_f]) dv over every node, slice by slice; +inf if it diverges.

    Factors are added just before their earliest slice is integrated out, so the running
    form never holds more than two slices and (Y, B): O(N) work.  ``bar`` (a progress
    reporter) gets one unit per slice.

    >>> f = square(0.5, {"th0": 1.0})  # ∫ exp(−θ²/2) dθ = √(2π)
    >>> abs(log_integral([f], 0) - 0.5 * math.log(2 * math.pi)) < 1e-15
    True
    """
    return float(log_integrals([(factors, 1.0)], N, bar)[0])


def log_integrals(groups, N: int, bar=None) -> np.ndarray:
    """ln ∫ exp(−Σ_g w_g,β Σ_{f ∈ g} [vᵀA_f v + b_fᵀv + c_f]) dv for each batch member β, in one recursion.

    ``groups``: pairs (factors, weights), ``weights`` a number or an array over the
    batch (all arrays of one length B).  Equal to :func:`log_integral` of the weighted
    factors member by member (+inf where one diverges), at the cost of one recursion on
    stacked blocks.  ``bar`` gets B units per slice.

    >>> fs = [square(0.5, {"th0": 1.0})]  # ∫ exp(−w θ²/2) dθ = √(2π/w)
    >>> got = log_integrals([(fs, np.array([1.0, 4.0, -1.0]))], 0)
    >>> bool(np.allclose(got[:2], 0.5 * np.log(2 * np.pi / np.array([1.0, 4.0])))), float(got[2])
    (True, inf)
    """
    weights = [np.asarray(w, dtype=float).reshape(-1) for _, w in groups]
    B = max([w.size for w in weights] + [1])
    stages: list[list] = [[] for _ in range(N + 2)]
    for (factors, _), w in zip(groups, weights):
        wb = None if w.size == 1 and w[0] == 1.0 else np.broadcast_to(w, (B,))  # weight 1: no product
        for f in factors:
            stages[_first_slice(f, N)].append((f, wb))
    form = _Form(B)
    for k, batch in enumerate(stages):
        for f, w in batch:
            form.add(f, w)
        form.integrate(set(form.names) if k == N + 1 else {f"th{k}", f"x{k}"})
        if bar is not None:
            bar.update(B)
    return np.where(form.diverged, math.inf, -form.c)
