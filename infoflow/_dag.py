"""The joint-trajectory Bayesian network of the lagged bipartite learner.

Structure only (kernels are attached by the learner objects): nodes ``Y``
(task, optional), ``B`` (training set / its sufficient statistic), ``b{n}``
(minibatch, optional), ``th{n}`` (parameters Θ_n) and ``x{n}`` (model
output X_n).  Parent sets (the Bayesian network of Entropy 26, 112 (2024)):

* θ_{n+1} ← {θ_n, b_n (or B)} ∪ {x_n if feedback (variant B)}
* x_{n+1} ← {θ_{n+1}} ∪ {x_n if X has memory}

d-separation is delegated to :func:`networkx.is_d_separator`; the
data-processing inequalities that are theorems for a variant are derived
from it (:func:`dpi_theorems`).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from thermolearn.theory._errors import GraphError, ParameterError

__all__ = ["learning_dag", "is_d_separated", "check_dag", "dpi_theorems", "DPIStatement", "node_names"]


def node_names(prefix: str, times) -> list[str]:
    """``['th0', 'th1', ...]`` for ``prefix='th'``."""
    return [f"{prefix}{n}" for n in times]


def learning_dag(N: int, *, feedback: bool = False, x_memory: bool = False,
                 explicit_batches: bool = False, task_node: bool = True) -> nx.DiGraph:
    """Build the DAG of P[x_{0:N}, θ_{0:N} | B] (Entropy 26, 112 (2024); parent sets).

    Parameters
    ----------
    N : int
        Number of learning steps (N ≥ 1).
    feedback : bool
        Variant B: the model sample enters the gradient (edge x_n → θ_{n+1}).
    x_memory : bool
        X relaxes instead of being re-sampled fresh (edge x_n → x_{n+1}).
    explicit_batches : bool
        Minibatch nodes b_n with B → b_n → θ_{n+1}; otherwise B → θ_{n+1}.
    task_node : bool
        Random task Y → B.

    Returns
    -------
    networkx.DiGraph
        Plain graph; every node has attribute ``role`` in
        {"task", "data", "batch", "theta", "x"} and ``time`` (or None).

    >>> G = learning_dag(2, feedback=True)
    >>> sorted(G.predecessors("th1"))
    ['B', 'th0', 'x0']
    """
    if isinstance(N, bool) or not isinstance(N, int) or N < 1:
        raise ParameterError(f"N must be an integer >= 1, got {N!r}")
    G = nx.DiGraph()
    if task_node:
        G.add_node("Y", role="task", time=None)
    G.add_node("B", role="data", time=None)
    if task_node:
        G.add_edge("Y", "B")
    G.add_node("th0", role="theta", time=0)
    G.add_node("x0", role="x", time=0)
    G.add_edge("th0", "x0")
    for n in range(N):
        th, th1, x, x1 = f"th{n}", f"th{n + 1}", f"x{n}", f"x{n + 1}"
        G.add_node(th1, role="theta", time=n + 1)
        G.add_node(x1, role="x", time=n + 1)
        if explicit_batches:
            G.add_node(f"b{n}", role="batch", time=n)
            G.add_edge("B", f"b{n}")
            G.add_edge(f"b{n}", th1)
        else:
            G.add_edge("B", th1)
        G.add_edge(th, th1)
        if feedback:
            G.add_edge(x, th1)
        G.add_edge(th1, x1)
        if x_memory:
            G.add_edge(x, x1)
    return G


def check_dag(G: nx.DiGraph) -> None:
    """Raise :class:`GraphError` naming a cycle if ``G`` is not a DAG.

    >>> G = nx.DiGraph([("a", "b"), ("b", "a")])
    >>> check_dag(G)
    Traceback (most recent call last):
    ...
    thermolearn.theory._errors.GraphError: graph has a cycle: a -> b -> a (a Bayesian network must be acyclic)
    """
    if not isinstance(G, nx.DiGraph):
        raise GraphError(f"expected a networkx.DiGraph, got {type(G).__name__}")
    if nx.is_directed_acyclic_graph(G):  # O(V + E); find_cycle (slower on large DAGs) only to name a cycle
        return
    try:
        cycle = nx.find_cycle(G)
    except nx.NetworkXNoCycle:
        return
    path = " -> ".join(str(u) for u, _ in cycle) + f" -> {cycle[0][0]}"
    raise GraphError(f"graph has a cycle: {path} (a Bayesian network must be acyclic)")


def _nodeset(G: nx.DiGraph, nodes, name: str) -> set:
    if isinstance(nodes, str):
        nodes = {nodes}
    nodes = set(nodes)
    missing = sorted(str(v) for v in nodes if v not in G)
    if missing:
        raise GraphError(f"{name}: unknown node(s) {missing}; the graph has nodes like {sorted(map(str, G))[:6]}")
    return nodes


def is_d_separated(G: nx.DiGraph, a, b, given=()) -> bool:
    """True iff A ⟂ B | G holds in every distribution factorising over ``G``.

    Thin validated wrapper of :func:`networkx.is_d_separator` (unknown node
    names and cycles raise :class:`GraphError`).

    >>> G = learning_dag(3)
    >>> is_d_separated(G, "B", "x3", "th3")
    True
    >>> is_d_separated(learning_dag(3, x_memory=True), "B", "x3", "th3")
    False
    """
    check_dag(G)
    A, Bs, Z = _nodeset(G, a, "a"), _nodeset(G, b, "b"), _nodeset(G, given, "given")
    for n1, s1, n2, s2 in (("a", A, "b", Bs), ("a", A, "given", Z), ("b", Bs, "given", Z)):
        if s1 & s2:
            raise GraphError(f"{n1} and {n2} share node(s) {sorted(map(str, s1 & s2))}; they must be disjoint")
    return bool(nx.is_d_separator(G, A, Bs, Z))


@dataclass(frozen=True)
class DPIStatement:
    """One conditional independence and the inequality it would license."""

    name: str
    independence: str
    inequality: str
    holds: bool


def dpi_theorems(G: nx.DiGraph) -> list[DPIStatement]:
    """Which data-processing inequalities are theorems for this learning DAG.

    The four d-separation statements of the Bayesian network (docs/theory.md), with
    N the last time in ``G``: B ⟂ X_N | Θ_N (so L1 ≤ M);
    B ⟂ X_{0:N} | Θ_{0:N} (trajectory DPI, L3 ≤ I(Θ_{0:N};B));
    Y ⟂ Θ_N | B (relevant ≤ memorised; only with a task node);
    X_{N−1} ⟂ Θ_N | Θ_{N−1}, B (ΔI^Θ ≤ 0).

    >>> [s.holds for s in dpi_theorems(learning_dag(4, feedback=True))]
    [True, False, True, False]
    """
    check_dag(G)
    N = max(d["time"] for _, d in G.nodes(data=True) if d.get("role") == "theta")
    ths = node_names("th", range(N + 1))
    xs = node_names("x", range(N + 1))
    out = [
        DPIStatement("L1<=M", f"B _|_ x{N} | th{N}", f"I(X_{N};B) <= I(Theta_{N};B)",
                     is_d_separated(G, "B", f"x{N}", f"th{N}")),
        DPIStatement("L3<=trajectory-M", "B _|_ x_{0:N} | th_{0:N}", "I(X_{0:N};B) <= I(Theta_{0:N};B)",
                     is_d_separated(G, "B", xs, ths)),
    ]
    if "Y" in G:
        out.append(DPIStatement("L2<=M", f"Y _|_ th{N} | B", f"I(Theta_{N};Y) <= I(Theta_{N};B)",
                                is_d_separated(G, "Y", f"th{N}", "B")))
    out.append(DPIStatement("dI_theta<=0", f"x{N - 1} _|_ th{N} | th{N - 1}, B",
                            "Delta I^Theta_n <= 0 (the Theta move cannot create X-Theta information)",
                            is_d_separated(G, f"x{N - 1}", f"th{N}", {f"th{N - 1}", "B"})))
    return out
