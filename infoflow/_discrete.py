"""A general discrete lagged bipartite learner from user-supplied kernels.

Any finite Θ, X, training-set and task alphabets: give the task prior, the
data likelihood P(B|Y), the initial law of Θ, the PPM energy E(x;θ) (so
p(x|θ) = e^{−E}/Z_θ, β = 1), the Θ kernel T(θ'|θ,x;B) and the X kernel
K_θ(x'|x).  Local detailed balance of K with p(·|θ) is checked on
construction (local detailed balance, Entropy 26, 112 (2024): ln K_θ(x'|x)/K_θ(x|x') = E(x;θ) − E(x';θ)),
so the heat bookkeeping and the fluctuation theorems apply.  The analysis,
fluctuation theorems and enumeration of the two-state learner accept it
unchanged (they only read :meth:`kernels`).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from thermolearn.theory._errors import GraphError, ModelError

from ._bayesnet import sample_network
from ._dag import learning_dag
from ._twostate import TwoStateKernels

__all__ = ["DiscreteLearner"]


def _table(name, arr, ndim):
    t = np.asarray(arr, dtype=float)
    if t.ndim != ndim:
        raise GraphError(f"{name} must have {ndim} axes, got shape {t.shape}")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise GraphError(f"{name} has a negative or non-finite entry")
    sums = t.sum(axis=-1)
    if np.any(np.abs(sums - 1) > 1e-9):
        bad = tuple(int(i) for i in np.argwhere(np.abs(sums - 1) > 1e-9)[0])
        raise GraphError(f"{name}: row {bad} sums to {sums[bad]:.12g}, expected 1")
    return t


@dataclass(frozen=True, eq=False)
class DiscreteLearner:
    """General discrete X–Θ learner (variant B whenever T depends on x; X memory unless K = p).

    Parameters
    ----------
    pY : (nY,) task prior.   pB_Y : (nY, nB) data likelihood.   p0 : (Sθ,) initial Θ law.
    energy : (Sθ, Sx) E(x;θ).   TB : (nB, Sθ, Sx, Sθ) Θ kernel, strictly positive.
    K : (Sθ, Sx, Sx) X kernel in detailed balance with e^{−E(·;θ)}.
    target : (nY, Sx) p*(x|y) for the L4 log-likelihood gain (default: p(x|θ=y) is not assumed;
             uniform if omitted).

    >>> from thermolearn.infoflow import TwoStateLearner
    >>> k = TwoStateLearner(lam=0.5).kernels()
    >>> L = DiscreteLearner(k.pY, k.pB_Y, k.p0, k.energy, k.TB, k.K)
    >>> round(L.analyse(4).sigma_given_B, 6) == round(TwoStateLearner(lam=0.5).analyse(4).sigma_given_B, 6)
    True
    """

    pY: np.ndarray
    pB_Y: np.ndarray
    p0: np.ndarray
    energy: np.ndarray
    TB: np.ndarray
    K: np.ndarray
    target: np.ndarray | None = None

    def __post_init__(self):
        pY = _table("pY", self.pY, 1)
        pB_Y = _table("pB_Y", self.pB_Y, 2)
        p0 = _table("p0", self.p0, 1)
        E = np.asarray(self.energy, dtype=float)
        if E.ndim != 2 or not np.all(np.isfinite(E)):
            raise ModelError(f"energy must be a finite (S_theta, S_x) array, got shape {E.shape}")
        St, Sx = E.shape
        TB = _table("TB", self.TB, 4)
        K = _table("K", self.K, 3)
        shapes = {"pB_Y": (pB_Y.shape[0] == pY.size), "p0": p0.size == St,
                  "TB": TB.shape == (pB_Y.shape[1], St, Sx, St), "K": K.shape == (St, Sx, Sx)}
        for name, ok in shapes.items():
            if not ok:
                raise GraphError(f"{name} has a shape inconsistent with pY {pY.shape}, energy {E.shape}")
        if np.any(TB <= 0):
            raise ModelError("TB must be strictly positive (the Θ medium entropy ln T/T̃ must be finite)")
        ppm = np.exp(-E) / np.exp(-E).sum(axis=1, keepdims=True)
        flux = ppm[:, :, None] * K
        if not np.allclose(flux, np.transpose(flux, (0, 2, 1)), rtol=0, atol=1e-12):
            th = int(np.argmax(np.abs(flux - np.transpose(flux, (0, 2, 1))).max(axis=(1, 2))))
            raise ModelError(f"K violates local detailed balance with p(x|theta) = exp(-E)/Z at theta={th}")
        target = np.full((pY.size, Sx), 1.0 / Sx) if self.target is None else _table("target", self.target, 2)
        for name, v in (("pY", pY), ("pB_Y", pB_Y), ("p0", p0), ("energy", E), ("TB", TB), ("K", K),
                        ("target", target)):
            object.__setattr__(self, name, v)

    def kernels(self) -> TwoStateKernels:
        """The kernel arrays (same container as the two-state learner)."""
        E = self.energy
        ppm = np.exp(-E) / np.exp(-E).sum(axis=1, keepdims=True)
        return TwoStateKernels(pY=self.pY, pB_Y=self.pB_Y, pb_B=np.ones((self.pB_Y.shape[1], 1)),
                               p0=self.p0, ppm=ppm, energy=-np.log(ppm), Tb=self.TB,
                               TB=self.TB, K=self.K, target=self.target)

    def network(self, N: int) -> nx.DiGraph:
        """Bayesian network (B → θ_{n+1} directly; x_n → θ_{n+1} and x_n → x_{n+1} always drawn)."""
        k = self.kernels()
        G = learning_dag(N, feedback=True, x_memory=True, explicit_batches=False, task_node=True)
        G.nodes["Y"].update(parents=(), table=k.pY)
        G.nodes["B"].update(parents=("Y",), table=k.pB_Y)
        G.nodes["th0"].update(parents=(), table=k.p0)
        G.nodes["x0"].update(parents=("th0",), table=k.ppm)
        for n in range(N):
            G.nodes[f"th{n + 1}"].update(parents=(f"th{n}", "B", f"x{n}"), table=np.transpose(k.TB, (1, 0, 2, 3)))
            G.nodes[f"x{n + 1}"].update(parents=(f"th{n + 1}", f"x{n}"), table=k.K)
        return G

    def simulate(self, N: int, n: int, rng: np.random.Generator) -> dict:
        """Ancestral samples of :meth:`network`."""
        return sample_network(self.network(N), n, rng)

    def analyse(self, N: int, progress=None):
        """Exact forward-recursion analysis (as for the two-state learner; ``progress`` per move)."""
        from ._twostate_analysis import analyse_two_state

        return analyse_two_state(self, N, progress)
