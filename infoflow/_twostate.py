"""The two-state lagged bipartite learner and its network (docs/theory.md).

* Task Y uniform on {0,1}; data bits B = (d_1..d_k) i.i.d. Bernoulli(p_Y);
* θ, x ∈ {0,1}; PPM p(x|θ) ∝ e^{h[x=θ]}, energy E(x;θ) = −ln p(x|θ) (β = 1);
* Θ kernel T_b(θ'|θ,x) = (1−γ)δ_{θθ'} + γ π(θ'|x,b), π ∝ exp(J[θ'=b] − cJ_x[θ'=x]),
  minibatch b a uniformly chosen bit of B (marginalised: T(θ'|θ,x;B));
* X kernel K_θ(x'|x) = (1−λ)δ_{xx'} + λ p(x'|θ) (detailed balance with p(·|θ)).

The kernel arrays are built once (:meth:`TwoStateLearner.kernels`); the
Bayesian network (:meth:`network`), the exact forward recursion and the
simulator all read them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np

from thermolearn.theory._errors import ParameterError

from ._bayesnet import sample_network
from ._dag import learning_dag

__all__ = ["TwoStateLearner", "TwoStateKernels"]


@dataclass(frozen=True)
class TwoStateKernels:
    """Kernel arrays of the two-state learner (axes named in each docstring line).

    pY[y]; pB_Y[y, B]; pb_B[B, b]; p0[θ]; ppm[θ, x] = p(x|θ); energy[θ, x];
    Tb[b, θ, x, θ']; TB[B, θ, x, θ'] (minibatch marginalised); K[θ', x, x'];
    target[y, x*] = p*(x*|y).
    """

    pY: np.ndarray
    pB_Y: np.ndarray
    pb_B: np.ndarray
    p0: np.ndarray
    ppm: np.ndarray
    energy: np.ndarray
    Tb: np.ndarray
    TB: np.ndarray
    K: np.ndarray
    target: np.ndarray


def _finite(name, v):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ParameterError(f"{name} must be a finite number, got {v!r}")


@dataclass(frozen=True)
class TwoStateLearner:
    """The two-state X–Θ learner of docs/theory.md (defaults: h=1.5, γ=0.5, J=2, J_x=1, p=(0.2,0.8), 2 bits).

    Parameters
    ----------
    h : float
        Field of the PPM p(x|θ) ∝ e^{h[x=θ]}.
    gamma : float
        Θ update probability, 0 < γ ≤ 1.
    J, Jx : float
        Data pull and model-sample push of the Θ proposal π.
    c : float
        Feedback switch (0: variant A; 1: variant B, x_n → θ_{n+1}).
    lam : float
        X relaxation, 0 < λ ≤ 1 (1: fresh re-sampling, no memory).
    p : tuple of float
        Bernoulli parameter of the data bits for Y = 0 and Y = 1.
    n_bits : int
        Size of the training set B.

    >>> TwoStateLearner().kernels().TB.shape
    (4, 2, 2, 2)
    """

    h: float = 1.5
    gamma: float = 0.5
    J: float = 2.0
    Jx: float = 1.0
    c: float = 0.0
    lam: float = 1.0
    p: tuple = (0.2, 0.8)
    n_bits: int = 2

    def __post_init__(self):
        for name in ("h", "J", "Jx", "c"):
            _finite(name, getattr(self, name))
        for name in ("gamma", "lam"):
            v = getattr(self, name)
            _finite(name, v)
            if not 0 < v <= 1:
                raise ParameterError(f"{name} must satisfy 0 < {name} <= 1, got {v!r}")
        if len(self.p) != 2 or not all(isinstance(v, (int, float)) and 0 <= v <= 1 for v in self.p):
            raise ParameterError(f"p must be two probabilities in [0, 1], got {self.p!r}")
        if isinstance(self.n_bits, bool) or not isinstance(self.n_bits, int) or not 1 <= self.n_bits <= 10:
            raise ParameterError(f"n_bits must be an integer in 1..10, got {self.n_bits!r}")

    @property
    def feedback(self) -> bool:
        """Variant B (model sample in the gradient)."""
        return self.c != 0

    def kernels(self) -> TwoStateKernels:
        """Build every kernel array once (the single source of the model)."""
        k = self.n_bits
        bits = (np.arange(2 ** k)[:, None] >> np.arange(k)[::-1]) & 1          # [B, bit]
        pY = np.array([0.5, 0.5])
        pr = np.array(self.p, dtype=float)[:, None, None]
        pB_Y = np.prod(np.where(bits[None] == 1, pr, 1 - pr), axis=-1)          # [y, B]
        pb_B = np.stack([(bits == 0).mean(axis=1), (bits == 1).mean(axis=1)], axis=1)
        eye = np.eye(2)
        w = np.exp(self.h * eye)
        ppm = w / w.sum(axis=1, keepdims=True)
        logit = self.J * eye[:, None, :] - self.c * self.Jx * eye[None, :, :]   # [b, x, θ']
        pi = np.exp(logit - logit.max(axis=-1, keepdims=True))
        pi /= pi.sum(axis=-1, keepdims=True)
        Tb = (1 - self.gamma) * eye[None, :, None, :] + self.gamma * pi[:, None, :, :]
        TB = np.einsum("Bb,btxs->Btxs", pb_B, Tb)
        K = (1 - self.lam) * eye[None, :, :] + self.lam * ppm[:, None, :]
        target = np.stack([1 - np.array(self.p, float), np.array(self.p, float)], axis=1)
        return TwoStateKernels(pY=pY, pB_Y=pB_Y, pb_B=pb_B, p0=np.array([0.5, 0.5]), ppm=ppm,
                               energy=-np.log(ppm), Tb=Tb, TB=TB, K=K, target=target)

    def network(self, N: int, *, explicit_batches: bool = True, task_node: bool = True) -> nx.DiGraph:
        """The Bayesian network of N steps; node attributes carry the conditional tables.

        >>> G = TwoStateLearner(c=1.0).network(2)
        >>> G.nodes["th1"]["parents"], G.nodes["th1"]["table"].shape
        (('th0', 'b0', 'x0'), (2, 2, 2, 2))
        """
        k = self.kernels()
        G = learning_dag(N, feedback=self.feedback, x_memory=self.lam != 1,
                         explicit_batches=explicit_batches, task_node=task_node)
        if task_node:
            G.nodes["Y"].update(parents=(), table=k.pY)
            G.nodes["B"].update(parents=("Y",), table=k.pB_Y)
        else:
            G.nodes["B"].update(parents=(), table=k.pY @ k.pB_Y)
        G.nodes["th0"].update(parents=(), table=k.p0)
        G.nodes["x0"].update(parents=("th0",), table=k.ppm)
        for n in range(N):
            th, th1, x, x1 = f"th{n}", f"th{n + 1}", f"x{n}", f"x{n + 1}"
            data, T = (f"b{n}", k.Tb) if explicit_batches else ("B", k.TB)
            if explicit_batches:
                G.nodes[data].update(parents=("B",), table=k.pb_B)
            if self.feedback:
                G.nodes[th1].update(parents=(th, data, x), table=np.transpose(T, (1, 0, 2, 3)))
            else:  # without feedback the kernel does not depend on x (c = 0)
                G.nodes[th1].update(parents=(th, data), table=np.transpose(T[:, :, 0, :], (1, 0, 2)))
            if self.lam != 1:
                G.nodes[x1].update(parents=(th1, x), table=k.K)
            else:
                G.nodes[x1].update(parents=(th1,), table=k.ppm)
        return G

    def simulate(self, N: int, n: int, rng: np.random.Generator) -> dict:
        """Ancestral samples of every node of :meth:`network` (the simulator)."""
        return sample_network(self.network(N), n, rng)

    def analyse(self, N: int, progress=None):
        """Exact information flows and entropy productions (forward recursion, O(N); ``progress`` per move)."""
        from ._twostate_analysis import analyse_two_state

        return analyse_two_state(self, N, progress)
