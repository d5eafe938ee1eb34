"""Hypothesis strategies for the infoflow tests: random joint tables and kernels."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


@st.composite
def joint_tables(draw, min_vars=2, max_vars=4, max_card=3):
    """A random strictly-positive-or-sparse joint pmf with 2..4 axes."""
    shape = tuple(draw(st.lists(st.integers(2, max_card), min_size=min_vars, max_size=max_vars)))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    p = rng.random(shape) ** draw(st.sampled_from([1.0, 4.0]))  # 4.0: peaked tables
    if draw(st.booleans()):
        p[rng.random(shape) < 0.2] = 0.0
    if p.sum() == 0:
        p.flat[0] = 1.0
    return p / p.sum()


@st.composite
def markov_chain_tables(draw, length=3, max_card=3):
    """Joint pmf of a Markov chain X_0 → X_1 → ... (length variables)."""
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    cards = [int(c) for c in rng.integers(2, max_card + 1, size=length)]
    p = rng.random(cards[0])
    p /= p.sum()
    for a, b in zip(cards[:-1], cards[1:]):
        K = rng.random((a, b)) ** 3
        K /= K.sum(axis=1, keepdims=True)
        p = p[..., None] * K.reshape((1,) * (p.ndim - 1) + (a, b))
    return p


def random_tables(G, rng, card=2):
    """Attach random conditional tables (each variable binary) to every node of G."""
    for v in G:
        parents = tuple(G.predecessors(v))
        t = rng.random((card,) * (len(parents) + 1)) ** 2 + 1e-3
        G.nodes[v]["parents"] = parents
        G.nodes[v]["table"] = t / t.sum(axis=-1, keepdims=True)
    return G
