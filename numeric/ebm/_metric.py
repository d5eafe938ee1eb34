"""Online estimates of the Fisher information and the friction from persistent chains.

Definitions (arXiv 2510.03137; Sivak & Crooks, PRL 108, 190602
(2012)), with X = ∂θE evaluated on the chains:

* I = β² Cov(X) (Fisher information);
* ζ = β ∫₀^∞ ⟨δX(s) δX(0)⟩ ds (friction: integrated autocorrelation under
  the chains' own Langevin dynamics).

Estimator (batch means over blocks, with the half-block bias correction).
At every chain step X is centred across the chains (this removes the slow
drift of ⟨X⟩ while θ moves).  Within a block of B steps of length T = B·dt
each chain c accumulates S_c = Σ δX dt, and S_c^½ over the first B/2 steps.
For a stationary process Cov(S_T) = 2T∫C − 2∫sC + o(1), so the difference

    ζ̂ = β [Cov_c(S_T) − Cov_c(S_{T/2})] / T

is free of the O(τ_R/T) truncation bias of Cov(S_T)/(2T) (it leaves an
exponentially small error once T/2 ≫ τ_R).  With the rectangle sum S the
discrete version is exactly twice the trapezoid rule of ∫C.  I is the
cross-chain covariance of X averaged over the block's steps.  Standard
errors come from the independence of the chains: each chain gives its own
products (S_c S_cᵀ − S_c^½ S_c^½ᵀ, δX δXᵀ), their spread over chains / √n.

Resolution: the correction needs T/2 ≫ τ_R.  For one relaxation time
r = tr Cov(S_T)/tr Cov(S_{T/2}) = (u − 1 + e⁻ᵘ)/(u/2 − 1 + e^{−u/2}),
u = T/τ_R, falls from 4 (T ≪ τ_R) to 2 (T ≫ τ_R); r ≤ 2.3 means T ≳ 10τ_R.
With ``adaptive`` (default) the block length doubles after every block with
r > 2.3, up to ``max_block`` steps; each block records its r, and the
trainer warns (``AccuracyWarning``) when the last block is unresolved.

Cost per chain step: O(n·d_θ) in ``"diagonal"`` mode (variances only),
O(n·d_θ²) in ``"full"`` mode (default only for d_θ ≤ ``full_max``).
``"lowrank"`` keeps the diagonal estimates and adds, from the newest block,
the ``rank`` leading directions: for ζ the top right-singular vectors v_k of
the chain sums S (the plain estimator's eigenvectors, by an O(n²d_θ) SVD
once per block) with magnitudes re-estimated by the corrected estimator
λ_k = vₖᵀζ̂vₖ (clipped at 0); for I those of the last centred snapshot δX.
The diagonal remainder keeps diag(ζ̂) exact.  The preconditioner
[aβζ + cI]⁻¹g is then a Woodbury solve, O(d_θ·rank) per step.

``"block"`` keeps full matrices within parameter groups (``groups``, e.g.
the weights and bias of one hidden unit; ``RBMEnergy.parameter_groups()``)
and the diagonal elsewhere: per block, ζ̂_g from the chain sums (corrected
estimator) and Î_g with the off-diagonal from the block's last snapshot and
the block-averaged diagonal, then the generalised eigenproblem
Vᵀ(βζ̂_g)V = diag(w), VᵀÎ_gV = 1 (scipy.linalg.eigh), after which
[aβζ + cI]⁻¹ = V diag(1/(a·w + c)) Vᵀ on the group for *every* a, c: the
slow-driving H(t) costs O(Σ|g|²) per step for all t.

Between blocks the estimates of the preconditioner are smoothed by an
exponential moving average (weight ``memory`` for the newest block), made
positive definite by clipping at ``ridge`` times their mean eigenvalue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermolearn.theory import ParameterError

__all__ = ["MetricEstimator", "MetricBlock", "MetricState", "summarise_blocks", "woodbury_solve", "RESOLVED_RATIO"]

#: r = tr Cov(S_T)/tr Cov(S_{T/2}) at T = 10 τ_R for one relaxation time (≈ 2.25), rounded up.
RESOLVED_RATIO = 2.3


@dataclass(frozen=True)
class MetricEstimator:
    """Settings of the online metric estimate.

    Parameters
    ----------
    block : int
        Chain steps per batch (even); block·dt should exceed ~10 τ_R.
    mode : {"auto", "full", "diagonal", "lowrank", "block"}
        ``auto``: full up to ``full_max`` parameters, diagonal above;
        ``lowrank``: diagonal plus the ``rank`` leading directions;
        ``block``: full within ``groups``, diagonal elsewhere (module docstring).
    memory : float
        Weight of the newest block in the moving average used by schedules.
    ridge : float
        Eigenvalues are clipped at ridge × (mean eigenvalue).
    full_max : int
    adaptive : bool
        Double the block while it does not resolve τ_R (module docstring).
    max_block : int
        Upper limit of the adaptive block length.
    thin : int or None
        Feed every ``thin``-th chain step to the estimator (the sums then use
        the spacing thin·dt, which must stay ≪ τ_R).  None: 1 in full mode,
        4 otherwise (large d_θ: keeps the estimate's cost below the cost of
        the PCD step itself).
    rank : int
        Directions kept by ``lowrank``.
    groups : tuple of index sequences
        Parameter groups of ``block`` mode (disjoint).
    """

    block: int = 20
    mode: str = "auto"
    memory: float = 0.3
    ridge: float = 1e-3
    full_max: int = 64
    adaptive: bool = True
    max_block: int = 4096
    thin: int | None = None
    rank: int = 8
    groups: tuple = ()

    def __post_init__(self):
        if not (isinstance(self.block, (int, np.integer)) and self.block >= 2 and self.block % 2 == 0):
            raise ParameterError(f"block must be an even integer >= 2, got {self.block!r}")
        if self.mode not in ("auto", "full", "diagonal", "lowrank", "block"):
            raise ParameterError(f"mode must be 'auto', 'full', 'diagonal', 'lowrank' or 'block', got {self.mode!r}")
        if self.mode == "block" and not self.groups:
            raise ParameterError("mode 'block' needs groups (sequences of parameter indices)")
        if not (isinstance(self.rank, (int, np.integer)) and self.rank >= 1):
            raise ParameterError(f"rank must be a positive integer, got {self.rank!r}")
        if not (0 < self.memory <= 1):
            raise ParameterError(f"memory must lie in (0, 1], got {self.memory!r}")
        if not (0 < self.ridge < 1):
            raise ParameterError(f"ridge must lie in (0, 1), got {self.ridge!r}")
        if self.thin is not None and not (isinstance(self.thin, (int, np.integer)) and self.thin >= 1):
            raise ParameterError(f"thin must be a positive integer or None, got {self.thin!r}")

    def is_full(self, dim_theta: int) -> bool:
        return self.mode == "full" or (self.mode == "auto" and dim_theta <= self.full_max)

    def thinning(self, dim_theta: int) -> int:
        return self.thin if self.thin is not None else (1 if self.is_full(dim_theta) else 4)


@dataclass(frozen=True)
class MetricBlock:
    """One block's estimates: ζ̂, Î and their standard errors (matrices or diagonals)."""

    time: float
    theta: np.ndarray
    friction: np.ndarray
    friction_se: np.ndarray
    fisher: np.ndarray
    fisher_se: np.ndarray
    steps: int = 0
    resolution: float = float("nan")

    @property
    def resolved(self) -> bool:
        """r = tr Cov(S_T)/tr Cov(S_{T/2}) ≤ 2.3, i.e. T ≳ 10 τ_R (module docstring)."""
        return bool(self.resolution <= RESOLVED_RATIO)


def _psd(M, ridge):
    if M.ndim == 1:
        floor = ridge * max(float(np.mean(np.abs(M))), 1e-300)
        return np.maximum(M, floor)
    M = (M + M.T) / 2
    w, V = np.linalg.eigh(M)
    floor = ridge * max(float(np.mean(np.abs(w))), 1e-300)
    return (V * np.maximum(w, floor)) @ V.T


class MetricState:
    """Running accumulators of :class:`MetricEstimator` (owned by one training run).

    ``update(X, t, theta)`` once every ``thin`` chain steps (the attribute)
    with X = ∂θE on the chains, shape (n, d_θ); completed blocks are appended to ``blocks``; ``friction``
    and ``fisher`` are the smoothed positive-definite estimates (None until
    the first block is complete).
    """

    def __init__(self, config: MetricEstimator, dim_theta: int, chains: int, dt: float, beta: float):
        if chains < 2:
            raise ParameterError(f"the metric estimate needs at least 2 chains, got {chains}")
        self.config, self.d, self.n, self.beta = config, dim_theta, chains, float(beta)
        self.full = config.is_full(dim_theta)
        self.lowrank = config.mode == "lowrank"
        self.grouped = config.mode == "block"
        self._factors = None
        self._groups = None
        if self.grouped:
            gs = [np.asarray(g, dtype=int) for g in config.groups]
            flat = np.concatenate(gs)
            if flat.size != np.unique(flat).size or flat.min() < 0 or flat.max() >= dim_theta:
                raise ParameterError(f"groups must be disjoint indices in 0..{dim_theta - 1}")
            self._group_index = gs
            self._group_avg = None
        self._last = None
        self._outer = None
        self.thin = config.thinning(dim_theta)
        self.dt = float(dt) * self.thin  # spacing of the updates
        self.block = max(2, 2 * (int(config.block) // (2 * self.thin)))  # in updates, even
        self.blocks: list[MetricBlock] = []
        self.friction = None
        self.fisher = None
        self._reset()

    def _reset(self):
        n, d = self.n, self.d
        self._k = 0
        self._S = np.zeros((n, d))
        self._H = None
        self._Q = np.zeros((n, d, d)) if self.full else np.zeros((n, d))

    def update(self, X, t: float, theta) -> MetricBlock | None:
        """Add one chain step; return the block when it completes."""
        dX = np.subtract(X, X.mean(axis=0), out=X if X.flags.writeable else None)  # X is not reused
        self._S += dX
        if self.full:
            if self._outer is None:  # one (n, d, d) buffer per run, not a fresh temporary per step
                self._outer = np.empty((self.n, self.d, self.d))
            self._Q += np.multiply(dX[:, :, None], dX[:, None, :], out=self._outer)
        else:
            if (self.lowrank or self.grouped) and self._k + 1 == self.block:
                self._last = dX.copy()  # Fisher directions from the block's last snapshot
            dX *= dX
            self._Q += dX
        self._k += 1
        if self._k == self.block // 2:
            self._H = self._S.copy()
        if self._k < self.block:
            return None
        blk = self._finish(t, theta)
        self._reset()
        return blk

    def _finish(self, t, theta) -> MetricBlock:
        n, b, T = self.n, self.beta, self.block * self.dt
        S, H, Q = self._S * self.dt, self._H * self.dt, self._Q / self._k  # S: rectangle sums of δX dt
        if self.full:
            u = S[:, :, None] * S[:, None, :] - H[:, :, None] * H[:, None, :]
        else:
            u = S * S - H * H
        scale = n / (n - 1)  # S is centred across chains at every step
        zeta = b * u.mean(axis=0) * scale / T
        zeta_se = b * u.std(axis=0, ddof=1) / np.sqrt(n) / T
        fisher = b * b * Q.mean(axis=0) * scale
        fisher_se = b * b * Q.std(axis=0, ddof=1) / np.sqrt(n)
        if self.full:
            zeta, fisher = (zeta + zeta.T) / 2, (fisher + fisher.T) / 2
        ratio = float(np.sum(S * S)) / max(float(np.sum(H * H)), 1e-300)
        blk = MetricBlock(float(t), np.array(theta, float), zeta, zeta_se, fisher, fisher_se,
                          self.block * self.thin, ratio)
        self.blocks.append(blk)
        if self.config.adaptive and ratio > RESOLVED_RATIO and 2 * self.block * self.thin <= self.config.max_block:
            self.block *= 2
        w, r = self.config.memory, self.config.ridge
        if self.friction is None:
            self._zeta_avg, self._fisher_avg = zeta, fisher
        else:
            self._zeta_avg = (1 - w) * self._zeta_avg + w * zeta
            self._fisher_avg = (1 - w) * self._fisher_avg + w * fisher
        self.friction, self.fisher = _psd(self._zeta_avg, r), _psd(self._fisher_avg, r)
        if self.lowrank:
            self._factors = self._low_rank(S, H, T)
        if self.grouped:
            self._groups = self._grouped(S, H, T, Q)
        return blk

    def _grouped(self, S, H, T, Q):
        """Per group (index, V, w, I_g) of the generalised eigenproblem (module docstring)."""
        from scipy.linalg import eigh

        n, b, w_new, r = self.n, self.beta, self.config.memory, self.config.ridge
        new = []
        for g in self._group_index:
            Z = b * (S[:, g].T @ S[:, g] - H[:, g].T @ H[:, g]) / ((n - 1) * T)
            L = self._last[:, g]
            G = L.T @ L
            s = np.sqrt(np.maximum(np.diag(G), 1e-300))
            var = b * b * Q[:, g].mean(axis=0) * n / (n - 1)  # block-averaged diagonal
            sd = np.sqrt(var)
            I = G / np.outer(s, s) * np.outer(sd, sd)  # snapshot correlations, accurate variances: PSD
            new.append((Z, I))
        if self._group_avg is None:
            self._group_avg = new
        else:
            self._group_avg = [((1 - w_new) * Za + w_new * Z, (1 - w_new) * Ia + w_new * I)
                               for (Za, Ia), (Z, I) in zip(self._group_avg, new)]
        out = []
        for g, (Z, I) in zip(self._group_index, self._group_avg):
            Ip = I + r * max(float(np.mean(np.diag(I))), 1e-300) * np.eye(len(g))  # positive definite
            w, V = eigh(b * (Z + Z.T) / 2, Ip)  # ζ̂ may be indefinite: its negative modes are clipped below
            out.append((g, V, np.maximum(w, 0.0), Ip))
        return out

    def _low_rank(self, S, H, T):
        """(D_ζ, V_ζ, λ_ζ, D_I, V_I, λ_I): diagonal remainders and leading directions (module docstring)."""
        k, n, b = min(self.config.rank, self.n - 1, self.d), self.n, self.beta
        Vz, _ = _top_right_singular(S, k)
        lz = np.maximum(b * (np.sum((S @ Vz) ** 2, axis=0) - np.sum((H @ Vz) ** 2, axis=0)) / ((n - 1) * T), 0.0)
        Vi, sv2 = _top_right_singular(self._last, k)
        li = b * b * sv2 / (n - 1)
        floor = self.config.ridge
        Dz = np.maximum(self.friction - (Vz * Vz) @ lz, floor * np.mean(self.friction))
        Di = np.maximum(self.fisher - (Vi * Vi) @ li, floor * np.mean(self.fisher))
        return Dz, Vz, lz, Di, Vi, li

    def relaxation_time(self) -> float:
        """Scalar τ_R = β tr ζ / tr I (the single-relaxation-time reading of ζ = τ_R I/β)."""
        tr = (lambda M: float(np.trace(M)) if M.ndim == 2 else float(np.sum(M)))
        return self.beta * tr(self.friction) / tr(self.fisher)

    def solve(self, weight_friction: float, weight_fisher: float, g) -> np.ndarray:
        """[a·βζ + c·I]⁻¹ g with the current estimates (full, diagonal or diagonal + low rank)."""
        a, c = weight_friction * self.beta, weight_fisher
        if self._groups is not None:
            y = g / (a * self.friction + c * self.fisher)
            for idx, V, w, _ in self._groups:  # Vᵀ(βζ)V = diag(w), VᵀIV = 1
                y[idx] = V @ ((V.T @ g[idx]) / (weight_friction * w + c))
            return y
        if self._factors is not None:
            Dz, Vz, lz, Di, Vi, li = self._factors
            return woodbury_solve(a * Dz + c * Di, np.hstack([Vz * np.sqrt(a * lz), Vi * np.sqrt(c * li)]), g)
        M = a * self.friction + c * self.fisher
        if M.ndim == 1:
            return g / M
        return np.linalg.solve(M, g)

    def quadratic(self, v) -> float:
        """vᵀ ζ v with the current estimate."""
        if self._groups is not None:
            rest = np.ones(v.size, dtype=bool)
            q = 0.0
            for idx, V, w, Ip in self._groups:
                u = V.T @ (Ip @ v[idx])  # = V⁻¹v
                q += float(np.sum(w * u * u)) / self.beta
                rest[idx] = False
            return q + float(np.sum(self.friction[rest] * v[rest] ** 2))
        if self._factors is not None:
            Dz, Vz, lz = self._factors[:3]
            return float(np.sum(Dz * v * v) + np.sum(lz * (v @ Vz) ** 2))
        Z = self.friction
        return float(v @ (Z @ v) if Z.ndim == 2 else np.sum(Z * v * v))


def _top_right_singular(A, k):
    """Top-k right singular vectors (d, k) of A (n, d), n ≪ d, and the squared singular values,
    through the n×n Gram matrix (one BLAS product and a small eigh)."""
    w, u = np.linalg.eigh(A @ A.T)
    idx = np.argsort(w)[::-1][:k]
    w = np.maximum(w[idx], 1e-300)
    return (A.T @ u[:, idx]) / np.sqrt(w), w


def woodbury_solve(D, U, g) -> np.ndarray:
    """(diag(D) + UUᵀ)⁻¹g in O(d·r + r³) (Woodbury identity); D > 0, U of shape (d, r).

    >>> rng = np.random.default_rng(0)
    >>> D, U, g = rng.random(6) + 1, rng.standard_normal((6, 2)), rng.standard_normal(6)
    >>> bool(np.allclose(woodbury_solve(D, U, g), np.linalg.solve(np.diag(D) + U @ U.T, g)))
    True
    """
    Dg, DU = g / D, U / D[:, None]
    core = np.eye(U.shape[1]) + U.T @ DU
    return Dg - DU @ np.linalg.solve(core, U.T @ Dg)


def summarise_blocks(blocks, *, skip: int = 0):
    """Mean of the block estimates and its standard error (batch means over blocks).

    Returns (friction, friction_se, fisher, fisher_se).  The spread over
    blocks is the batch-means error of a stationary run (blocks ≫ τ_R are
    nearly independent); it is combined with nothing else.
    """
    use = blocks[skip:]
    if len(use) < 2:
        raise ParameterError(f"need at least 2 completed blocks after skipping {skip}, got {len(use)}")
    Z = np.stack([b.friction for b in use])
    F = np.stack([b.fisher for b in use])
    k = len(use)
    return Z.mean(0), Z.std(0, ddof=1) / np.sqrt(k), F.mean(0), F.std(0, ddof=1) / np.sqrt(k)
