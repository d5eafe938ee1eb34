"""The linear-Gaussian lagged bipartite learner and its exact analysis (docs/theory.md).

Model (scalar; β = 1 so E(x;θ) = (x−θ)²/(2σ²) + const):

* task μ* ~ N(μ_0, τ²); data statistic D = B̄ = μ* + √(s²/N_tr) ξ  (nodes ``Y``, ``B``);
* θ_0 ~ N(m_0, v_0); x_0 ~ N(θ_0, σ²);
* Θ move θ_{n+1} = a θ_n + κD − κc x_n + κ√(s²/m) ζ_n, a = 1 − κ + κc
  (c = 0 variant A, c = 1 variant B = contrastive feedback);
* X move x_{n+1} = ρ x_n + (1−ρ) θ_{n+1} + √(1−ρ²) σ ξ_{n+1} (detailed balance with N(θ_{n+1}, σ²)).

The learner builds the Bayesian network with linear-Gaussian kernels; every
quantity is then computed from :func:`gaussian_joint` of that same graph
(covariance propagation and log-determinants) and the simulator is ancestral
sampling of that graph, so model, network and simulation cannot drift apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np

from thermolearn.theory._errors import ParameterError

from ._bayesnet import sample_network
from ._dag import learning_dag
from ._result import InfoflowAnalysis


__all__ = ["GaussianLearner", "gaussian_closed_forms", "quasi_static_slope"]


def _pos(name, v):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
        raise ParameterError(f"{name} must be a positive finite number, got {v!r}")


@dataclass(frozen=True)
class GaussianLearner:
    """Linear-Gaussian X–Θ learner; defaults as in docs/theory.md (tractable learners).

    Parameters
    ----------
    kappa : float
        Dimensionless step κ = r × curvature.
    sigma : float
        Output noise σ of the PPM p(x|θ) = N(θ, σ²).
    s2, n_train, batch : float, int, int
        Per-sample data variance s², training-set size N_tr, minibatch size m.
    tau2, mu0 : float
        Task prior μ* ~ N(μ_0, τ²).
    v0, m0 : float
        Initialisation θ_0 ~ N(m_0, v_0).
    c : float
        Feedback strength (0: variant A, 1: variant B).
    rho : float
        X memory, 0 ≤ ρ < 1 (0: fresh re-sampling).
    theta_temperature : float or None
        If given, Langevin-scaled Θ noise q = 2κT_Θ instead of the SGD
        minibatch noise q = κ²s²/m (then ⟨σ_X|Θ⟩ does not vanish
        in the quasi-static limit but tends to T·T_Θ/σ²).

    >>> GaussianLearner().q
    0.010000000000000002
    """

    kappa: float = 0.1
    sigma: float = 1.0
    s2: float = 1.0
    n_train: int = 10
    batch: int = 1
    tau2: float = 1.0
    mu0: float = 0.0
    v0: float = 1.0
    m0: float = 0.0
    c: float = 0.0
    rho: float = 0.0
    theta_temperature: float | None = None

    def __post_init__(self):
        if self.theta_temperature is not None:
            _pos("theta_temperature", self.theta_temperature)
        for name in ("kappa", "sigma", "s2", "tau2", "v0", "n_train", "batch"):
            _pos(name, getattr(self, name))
        for name in ("mu0", "m0", "c", "rho"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ParameterError(f"{name} must be a finite number, got {v!r}")
        if not 0 <= self.rho < 1:
            raise ParameterError(f"rho must satisfy 0 <= rho < 1, got {self.rho!r}")

    @property
    def a(self) -> float:
        """Contraction a = 1 − κ + κc of the Θ move."""
        return 1.0 - self.kappa + self.kappa * self.c

    @property
    def q(self) -> float:
        """Θ noise variance per step: q = κ² s²/m (SGD) or 2κT_Θ (Langevin-scaled)."""
        if self.theta_temperature is not None:
            return 2 * self.kappa * self.theta_temperature
        return self.kappa ** 2 * self.s2 / self.batch

    @property
    def var_d(self) -> float:
        """Var(D) = τ² + s²/N_tr."""
        return self.tau2 + self.s2 / self.n_train

    def network(self, N: int, *, explicit_batches: bool = False, task_node: bool = True) -> nx.DiGraph:
        """The Bayesian network of N steps with linear-Gaussian kernels on its nodes.

        >>> G = GaussianLearner(c=1.0).network(2)
        >>> G.nodes["th1"]["coef"]
        {'th0': 1.0, 'B': 0.1, 'x0': -0.1}
        """
        k, s = self.kappa, self
        G = learning_dag(N, feedback=self.c != 0, x_memory=self.rho != 0,
                         explicit_batches=explicit_batches, task_node=task_node)
        if task_node:
            G.nodes["Y"].update(coef={}, intercept=s.mu0, noise_var=s.tau2)
            G.nodes["B"].update(coef={"Y": 1.0}, intercept=0.0, noise_var=s.s2 / s.n_train)
        else:
            G.nodes["B"].update(coef={}, intercept=s.mu0, noise_var=s.var_d)
        G.nodes["th0"].update(coef={}, intercept=s.m0, noise_var=s.v0)
        G.nodes["x0"].update(coef={"th0": 1.0}, intercept=0.0, noise_var=s.sigma ** 2)
        for n in range(N):
            coef = {f"th{n}": self.a}
            if explicit_batches:
                G.nodes[f"b{n}"].update(coef={"B": 1.0}, intercept=0.0, noise_var=self.q / k ** 2)
                coef[f"b{n}"] = k
                noise = 0.0
            else:
                coef["B"] = k
                noise = self.q
            if self.c != 0:
                coef[f"x{n}"] = -k * self.c
            G.nodes[f"th{n + 1}"].update(coef=coef, intercept=0.0, noise_var=noise)
            xc = {f"th{n + 1}": 1.0 - self.rho}
            if self.rho != 0:
                xc[f"x{n}"] = self.rho
            G.nodes[f"x{n + 1}"].update(coef=xc, intercept=0.0, noise_var=(1 - self.rho ** 2) * s.sigma ** 2)
        return G

    def simulate(self, N: int, n: int, rng: np.random.Generator) -> dict:
        """Ancestral samples of every node of :meth:`network` (the simulator)."""
        return sample_network(self.network(N), n, rng)

    def analyse(self, N: int, progress=None) -> InfoflowAnalysis:
        """Exact information and entropy-production bookkeeping for N steps (``progress``: one unit per step)."""
        from ._gaussian_analysis import analyse_gaussian

        return analyse_gaussian(self, N, progress)


def gaussian_closed_forms(learner: GaussianLearner, N: int) -> dict:
    """Closed forms of the linear-Gaussian learner (variant A, ρ = 0), for n = 0..N.

    V_n = a^{2n} v_0 + q(1 − a^{2n})/(1 − a²);
    M_n = I(Θ_n;D) = ½ ln(1 + (1−a^n)² Var(D)/V_n);
    L1_n = I(X_n;D) = ½ ln(1 + (1−a^n)² Var(D)/(V_n + σ²));
    I(Θ_n;μ*) = ½ ln(1 + (1−a^n)² τ²/(V_n + (1−a^n)² s²/N_tr));
    ⟨σ_{X|Θ}⟩ = Σ_n (κ² e_n + q)/(2σ²), e_{n+1} = a² e_n + q,
    e_0 = v_0 + (m_0−μ_0)² + Var(D).

    >>> round(float(gaussian_closed_forms(GaussianLearner(), 60)["M"][-1]), 4)
    1.5415
    """
    if learner.c != 0 or learner.rho != 0:
        raise ParameterError(f"closed forms hold for variant A with rho = 0, got c={learner.c}, rho={learner.rho}")
    a, q, L = learner.a, learner.q, learner
    n = np.arange(N + 1)
    an = a ** n
    V = an ** 2 * L.v0 + q * (1 - an ** 2) / (1 - a ** 2)
    g = (1 - an) ** 2
    e = np.empty(N + 1)
    e[0] = L.v0 + (L.m0 - L.mu0) ** 2 + L.var_d
    for k in range(N):
        e[k + 1] = a * a * e[k] + q
    steps = (L.kappa ** 2 * e[:N] + q) / (2 * L.sigma ** 2)
    return {
        "V": V,
        "M": 0.5 * np.log1p(g * L.var_d / V),
        "L1": 0.5 * np.log1p(g * L.var_d / (V + L.sigma ** 2)),
        "I_theta_task": 0.5 * np.log1p(g * L.tau2 / (V + g * L.s2 / L.n_train)),
        "sigma_x_given_theta_path": float(steps.sum()),
    }


def quasi_static_slope(learner: GaussianLearner, T: float) -> float:
    """lim_{κ→0} ⟨σ_{X|Θ}⟩/κ at fixed learning time T = Nκ (variant A, ρ = 0).

    slope = e_0 (1 − e^{−2T})/(4σ²) + T s²/(2mσ²).

    >>> round(quasi_static_slope(GaussianLearner(), 6.0), 3)
    3.525
    """
    _pos("T", T)
    L = learner
    if L.theta_temperature is not None:
        raise ParameterError("the quasi-static slope needs SGD-scaled noise (q ∝ κ²); "
                             f"theta_temperature={L.theta_temperature} gives q ∝ κ and a nonzero limit T·T_Θ/σ²")
    e0 = L.v0 + (L.m0 - L.mu0) ** 2 + L.var_d
    return e0 * (1 - math.exp(-2 * T)) / (4 * L.sigma ** 2) + T * L.s2 / (2 * L.batch * L.sigma ** 2)


