"""Kernels on a Bayesian network: validation, exact joints, ancestral sampling.

A node carries either a *discrete* kernel, attributes ``parents`` (tuple of
parent names, the order of the table axes) and ``table`` (array of shape
``(*parent_cardinalities, cardinality)``, each last-axis row a probability
vector), or a *linear-Gaussian* kernel, attributes ``coef`` (dict parent →
coefficient), ``intercept`` and ``noise_var``:
v = intercept + Σ_p coef[p]·p + √noise_var·ξ.

The same attributes drive the exact back-ends (:func:`discrete_joint`,
:func:`gaussian_joint`) and the simulator (:func:`sample_network`), so the
graph and the simulation cannot drift apart.
"""

from __future__ import annotations

import string

import networkx as nx
import numpy as np

from thermolearn.theory._errors import GraphError, ParameterError

from thermolearn.numeric.random import check_rng

from ._dag import check_dag

__all__ = ["check_network", "discrete_joint", "gaussian_joint", "sample_network", "kernel_kind"]

_TABLE_ATOL = 1e-9


def kernel_kind(G: nx.DiGraph, node) -> str:
    """``"discrete"`` or ``"gaussian"``; :class:`GraphError` if the node has no kernel."""
    d = G.nodes[node]
    if "table" in d:
        return "discrete"
    if "coef" in d:
        return "gaussian"
    raise GraphError(f"node {node!r} carries no kernel (expected a 'table' or 'coef' attribute)")


def _check_node(G: nx.DiGraph, node) -> None:
    d = G.nodes[node]
    graph_parents = set(G.predecessors(node))
    kind = kernel_kind(G, node)
    if kind == "discrete":
        parents = tuple(d.get("parents", ()))
        if set(parents) != graph_parents or len(parents) != len(graph_parents):
            raise GraphError(f"node {node!r}: table parents {list(parents)} differ from graph parents "
                             f"{sorted(map(str, graph_parents))}")
        t = np.asarray(d["table"], dtype=float)
        if t.ndim != len(parents) + 1:
            raise GraphError(f"node {node!r}: table has {t.ndim} axes, expected {len(parents) + 1} "
                             f"(one per parent plus the node)")
        for ax, p in enumerate(parents):
            pt = np.asarray(G.nodes[p].get("table", ()))
            if pt.ndim and pt.shape[-1] != t.shape[ax]:
                raise GraphError(f"node {node!r}: axis {ax} has size {t.shape[ax]} but parent {p!r} "
                                 f"has {pt.shape[-1]} states")
        if not np.all(np.isfinite(t)) or np.any(t < 0):
            bad = tuple(int(i) for i in np.argwhere(~(t >= 0))[0])
            raise GraphError(f"node {node!r}: conditional table has a negative or non-finite entry "
                             f"{t[bad]!r} at {bad}")
        sums = t.sum(axis=-1)
        if np.any(np.abs(sums - 1.0) > _TABLE_ATOL):
            bad = tuple(int(i) for i in np.argwhere(np.abs(sums - 1.0) > _TABLE_ATOL)[0])
            raise GraphError(f"node {node!r}: conditional table row {bad} sums to {sums[bad]:.12g}, expected 1")
    else:
        coef = dict(d["coef"])
        unknown = set(coef) - graph_parents
        if unknown:
            raise GraphError(f"node {node!r}: coefficients on non-parents {sorted(map(str, unknown))}")
        nv = float(d.get("noise_var", 0.0))
        if not np.isfinite(nv) or nv < 0:
            raise GraphError(f"node {node!r}: noise_var must be >= 0, got {nv!r}")
        vals = [float(d.get("intercept", 0.0))] + [float(v) for v in coef.values()]
        if not all(np.isfinite(vals)):
            raise GraphError(f"node {node!r}: non-finite coefficient or intercept")


def check_network(G: nx.DiGraph) -> list:
    """Validate a kernel-carrying network; return its nodes in topological order.

    Raises :class:`GraphError` naming the offending node (cycle, missing
    kernel, table not normalised or negative, parents inconsistent).

    >>> G = nx.DiGraph(); G.add_node("a", parents=(), table=np.array([0.3, 0.8]))
    >>> check_network(G)
    Traceback (most recent call last):
    ...
    thermolearn.theory._errors.GraphError: node 'a': conditional table row () sums to 1.1, expected 1
    """
    check_dag(G)
    order = list(nx.topological_sort(G))
    for node in order:
        _check_node(G, node)
    return order


def discrete_joint(G: nx.DiGraph, nodes=None) -> tuple[list, np.ndarray]:
    """Exact joint pmf of ``nodes`` (default: all) of a discrete network.

    Product of the conditional tables contracted with :func:`numpy.einsum`
    (optimised contraction order, i.e. variable elimination), summing out the
    nodes not asked for.  Intended for small networks (≤ 52 nodes); the
    learners use linear-time forward recursions for long chains.

    >>> G = nx.DiGraph(); G.add_edge("a", "b")
    >>> G.nodes["a"].update(parents=(), table=np.array([0.5, 0.5]))
    >>> G.nodes["b"].update(parents=("a",), table=np.array([[1.0, 0.0], [0.0, 1.0]]))
    >>> discrete_joint(G)[1].tolist()
    [[0.5, 0.0], [0.0, 0.5]]
    """
    order = check_network(G)
    keep = order if nodes is None else list(nodes)
    missing = [v for v in keep if v not in G]
    if missing:
        raise GraphError(f"nodes: unknown node(s) {missing}")
    if len(order) > len(string.ascii_letters):
        raise GraphError(f"discrete_joint handles at most 52 nodes, the graph has {len(order)}")
    letter = {v: string.ascii_letters[i] for i, v in enumerate(order)}
    ops, subs = [], []
    for v in order:
        d = G.nodes[v]
        ops.append(np.asarray(d["table"], dtype=float))
        subs.append("".join(letter[p] for p in d["parents"]) + letter[v])
    spec = ",".join(subs) + "->" + "".join(letter[v] for v in keep)
    return keep, np.einsum(spec, *ops, optimize="greedy")


def gaussian_joint(G: nx.DiGraph) -> tuple[list, np.ndarray, np.ndarray]:
    """Mean and covariance of a linear-Gaussian network (covariance propagation).

    In topological order, for v = c + Σ_p a_p p + √q ξ:
    m_v = c + Σ a_p m_p, Cov(v, w) = Σ a_p Cov(p, w) for earlier w,
    Var(v) = aᵀ Σ_PP a + q.  Cost O(n²·|parents|).

    >>> G = nx.DiGraph(); G.add_edge("a", "b")
    >>> G.nodes["a"].update(coef={}, intercept=1.0, noise_var=2.0)
    >>> G.nodes["b"].update(coef={"a": 3.0}, intercept=0.0, noise_var=1.0)
    >>> names, m, c = gaussian_joint(G); m.tolist(), c.tolist()
    ([1.0, 3.0], [[2.0, 6.0], [6.0, 19.0]])
    """
    order = check_network(G)
    idx = {v: i for i, v in enumerate(order)}
    n = len(order)
    mean = np.zeros(n)
    cov = np.zeros((n, n))
    for i, v in enumerate(order):
        d = G.nodes[v]
        if kernel_kind(G, v) != "gaussian":
            raise GraphError(f"node {v!r} is not linear-Gaussian")
        pi = [idx[p] for p in d["coef"]]
        a = np.array([float(c) for c in d["coef"].values()])
        mean[i] = float(d.get("intercept", 0.0)) + (a @ mean[pi] if pi else 0.0)
        if pi:
            row = a @ cov[pi, :i]
            cov[i, :i] = row
            cov[:i, i] = row
            cov[i, i] = a @ cov[np.ix_(pi, pi)] @ a
        cov[i, i] += float(d.get("noise_var", 0.0))
    return order, mean, cov


def sample_network(G: nx.DiGraph, n: int, rng: np.random.Generator) -> dict:
    """Draw ``n`` joint samples by ancestral sampling from the node kernels.

    Returns ``{node: array of shape (n,)}`` (integers for discrete nodes).

    >>> G = nx.DiGraph(); G.add_node("a", coef={}, intercept=0.0, noise_var=1.0)
    >>> sample_network(G, 3, np.random.default_rng(0))["a"].shape
    (3,)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ParameterError(f"n must be a positive integer, got {n!r}")
    check_rng(rng)
    out: dict = {}
    for v in check_network(G):
        d = G.nodes[v]
        if kernel_kind(G, v) == "discrete":
            t = np.asarray(d["table"], dtype=float)
            rows = t[tuple(out[p] for p in d["parents"])] if d["parents"] else np.broadcast_to(t, (n, t.shape[-1]))
            cdf = np.cumsum(rows, axis=-1)
            u = rng.random(n)[:, None]
            out[v] = np.minimum((u > cdf).sum(axis=-1), t.shape[-1] - 1)
        else:
            val = np.full(n, float(d.get("intercept", 0.0)))
            for p, c in d["coef"].items():
                val = val + float(c) * out[p]
            q = float(d.get("noise_var", 0.0))
            out[v] = val + (np.sqrt(q) * rng.standard_normal(n) if q > 0 else 0.0)
    return out
