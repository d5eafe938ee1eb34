"""Scharfetter–Gummel finite-volume generator of the Fokker–Planck equation.

For ∂p/∂t = μ∇·(p∇E) + (μ/β)Δp (arXiv 2510.03137, set-up) on a
uniform tensor grid of cells with probabilities P_i (P_i = p_i h^d), the
flux through the face between neighbours i → j along one axis is

    J_ij = (D/h²) [B(Δu) P_i − B(−Δu) P_j],   Δu = β(E_j − E_i),  D = μ/β,

with the Bernoulli function B(z) = z/(eᶻ − 1), and dP_i/dt = −Σ_faces J.

Why Scharfetter–Gummel (rather than central or upwind fluxes):

* the flux is the exact 1-D flux for a linear potential inside the face,
  so B(Δu)e^{−u_i} = B(−Δu)e^{−u_j}: the discrete Boltzmann density
  P_i ∝ e^{−βE_i} is an *exact* fixed point (to round-off) at frozen θ;
* every flux leaves one cell and enters another, so the columns of the
  generator sum to zero and mass is conserved to round-off;
* the off-diagonal entries (D/h²)B(±Δu) are non-negative for every Δu, so
  I − cΔt·A is an M-matrix and implicit (backward-Euler) steps keep P ≥ 0
  for any Δt;
* it is a detailed-balance master equation with rates w₊/w₋ = e^{−Δu}, so
  the discrete entropy production is non-negative and the identity
  βW_ex = Σ + ΔKL holds on the grid (arXiv 2510.03137, Theorem 1).

It is second order in h for smooth problems (Chang–Cooper is equivalent
up to the choice of weights).

At frozen θ on a 1-D reflecting grid the generator is tridiagonal, and
detailed balance (w₊_i π_i = w₋_i π_{i+1}, π_i ∝ e^{−u_i}) makes
S = Π^{−1/2} A Π^{1/2} symmetric, with off-diagonals sqrt(w₊w₋):
e^{AΔt}P = Π^{1/2} V e^{ΛΔt} Vᵀ Π^{−1/2} P (S = VΛVᵀ) is exact in time
(:meth:`Generator.evolve`).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sps
import scipy.sparse.linalg as spla

from thermolearn.theory import NumericalError

_GTSV = sla.lapack.dgtsv

__all__ = ["bernoulli", "Generator", "SPECTRAL_DROP", "SPECTRAL_ROUNDOFF", "SPECTRAL_MAX_CELLS"]

#: Modes with e^{λΔt} below SPECTRAL_DROP are left out of an exact step (their
#: share of the result is at most SPECTRAL_DROP·‖Π^{−1/2}P‖, below the round-off bound).
SPECTRAL_DROP = 1e-17
#: The exact step is refused (None) when its round-off, ε·‖Π^{−1/2}P‖₂ with
#: max Π^{1/2} = 1, would exceed this (mass where the Boltzmann weight is tiny).
SPECTRAL_ROUNDOFF = 1e-13
#: Largest 1-D grid stepped exactly (the eigenvectors take cells × modes floats).
SPECTRAL_MAX_CELLS = 4000


def bernoulli(z):
    """B(z) = z/(eᶻ − 1), with B(0) = 1, stable for all real z.

    >>> float(bernoulli(0.0)), round(float(bernoulli(1.0)), 6)
    (1.0, 0.581977)
    """
    z = np.asarray(z, dtype=float)
    small = np.abs(z) < 1e-8
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = z / np.expm1(np.where(small, 1.0, z))
    return np.where(small, 1.0 - z / 2.0, out)


class Generator:
    """The SG generator A (dP/dt = A P) for one potential on one grid.

    Parameters
    ----------
    u : ndarray
        βE at the cell centres, shape ``grid.shape``.
    grid : Grid
        The grid (spacing, boundary).
    diffusion : float
        D = μ/β.
    """

    def __init__(self, u, grid, diffusion):
        self.grid = grid
        self.shape = grid.shape
        self.n = int(np.prod(self.shape))
        self.faces = []  # (i_flat, j_flat, w_plus, w_minus)
        self._tridiag = len(self.shape) == 1 and grid.boundary == "reflecting"
        for ax, h in enumerate(grid.spacing):
            if self._tridiag:  # the common case: slices, no index arrays
                i, j, du = slice(0, self.n - 1), slice(1, self.n), np.diff(u)
            else:
                i = idx = np.arange(self.n).reshape(self.shape)
                j = np.roll(idx, -1, axis=ax)
                du = np.roll(u, -1, axis=ax) - u
                if grid.boundary == "reflecting":
                    sl = [slice(None)] * len(self.shape)
                    sl[ax] = slice(0, self.shape[ax] - 1)
                    i, j, du = i[tuple(sl)], j[tuple(sl)], du[tuple(sl)]
            du = du.ravel()
            # one Bernoulli evaluation for both directions: B(−z) = z + B(z), taken at |z| (no cancellation)
            a = np.abs(du)
            small = bernoulli(a)
            large = a + small
            up = du >= 0
            c = diffusion / h**2
            if not isinstance(i, slice):
                i, j = i.ravel(), j.ravel()
            self.faces.append((i, j, c * np.where(up, small, large), c * np.where(up, large, small)))
        self._lu = {}
        self._modes = (np.inf, None, None)  # (lowest λ kept, λ, V) of the symmetrised generator
        self._u = u
        self._half = None  # Π^{1/2} (max 1), formed on the first exact step
        if self._tridiag:
            _, _, wp, wm = self.faces[0]
            self.lower, self.upper = wp, wm  # A[i+1, i] = w+, A[i, i+1] = w-
            self.diag = np.zeros(self.n)
            self.diag[:-1] -= wp
            self.diag[1:] -= wm
        else:
            rows, cols, vals = [], [], []
            diag = np.zeros(self.n)
            for i, j, wp, wm in self.faces:
                rows += [j, i]
                cols += [i, j]
                vals += [wp, wm]
                np.subtract.at(diag, i, wp)
                np.subtract.at(diag, j, wm)
            rows.append(np.arange(self.n))
            cols.append(np.arange(self.n))
            vals.append(diag)
            self.matrix = sps.csc_matrix(
                (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(self.n, self.n)
            )
            self.diag = diag

    def matvec(self, P):
        """A P for P of shape ``grid.shape``."""
        p = P.ravel()
        if self._tridiag:
            out = self.diag * p
            out[1:] += self.lower * p[:-1]
            out[:-1] += self.upper * p[1:]
            return out.reshape(self.shape)
        return (self.matrix @ p).reshape(self.shape)

    def solve(self, c, rhs):
        """Solve (I − c A) X = rhs (an M-matrix for c > 0)."""
        r = rhs.ravel()
        if self._tridiag:  # LAPACK's tridiagonal solver directly (solve_banded's checks cost ~5x the solve here)
            *_, x, info = _GTSV(-c * self.lower, 1.0 - c * self.diag, -c * self.upper, r,
                                overwrite_dl=True, overwrite_d=True, overwrite_du=True)
            if info != 0:
                raise NumericalError(f"tridiagonal solve failed (LAPACK gtsv info={info}); expected a non-singular "
                                     "I - cA (c > 0)")
            return x.reshape(self.shape)
        lu = self._lu.get(c)
        if lu is None:
            if len(self._lu) > 4:
                self._lu.clear()
            lu = self._lu[c] = spla.splu(sps.identity(self.n, format="csc") - c * self.matrix)
        return lu.solve(r).reshape(self.shape)

    def evolve(self, P, dt):
        """e^{AΔt}P, exact in time (module docstring), or None where that route does not apply.

        None: not a 1-D reflecting grid, more than :data:`SPECTRAL_MAX_CELLS`
        cells, or round-off above :data:`SPECTRAL_ROUNDOFF`.  The eigenpairs
        with λΔt ≥ ln :data:`SPECTRAL_DROP` are computed once per generator
        (``scipy.linalg.eigh_tridiagonal``, recomputed only for a smaller Δt); the
        mass of P is kept exactly (the eigenpairs' ~1e-13 errors would drift it).

        >>> from thermolearn.numeric.fokker_planck import Grid
        >>> g = Generator(np.zeros(4), Grid((0.0,), (4.0,), (4,)), 1.0)
        >>> np.round(g.evolve(np.array([1.0, 0, 0, 0]), 50.0), 12).tolist()
        [0.25, 0.25, 0.25, 0.25]
        """
        if not self._tridiag or self.n > SPECTRAL_MAX_CELLS:
            return None
        if self._half is None:
            self._half = np.exp(-0.5 * (self._u - self._u.min()))
        half = self._half
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            q = P / half
        norm = np.linalg.norm(q)
        if not np.isfinite(norm) or np.finfo(float).eps * norm > SPECTRAL_ROUNDOFF:
            return None
        cut = np.log(SPECTRAL_DROP) / dt
        low, lam, V = self._modes
        if cut < low:
            # the range reaches 1e-6 below the cut: steps whose Δt differs in the last bits (t1 - t0 along a
            # protocol) reuse the eigenpairs instead of solving again
            cut *= 1.0 + 1e-6
            kw = {} if cut <= 2.0 * self.diag.min() else dict(select="v", select_range=(cut, 1.0))
            # MRRR (stemr) for the selected range: ~25 % cheaper than the default bisection + inverse iteration
            lam, V = sla.eigh_tridiagonal(self.diag, np.sqrt(self.lower * self.upper), **kw, lapack_driver="stemr",
                                          check_finite=False)
            self._modes = (cut if kw else -np.inf, lam, V)
        P1 = half * (V @ (np.exp(lam * dt) * (V.T @ q)))
        return P1 * (P.sum() / P1.sum())  # e^{AΔt} conserves mass: only the eigensolver's round-off is removed

    def fluxes(self, P):
        """Face fluxes J_ij (one array per axis) for probabilities P."""
        p = P.ravel()
        return [wp * p[i] - wm * p[j] for i, j, wp, wm in self.faces]

    def entropy_production_rate(self, P):
        """Σ̇ = Σ_faces (w₊P_i − w₋P_j) ln(w₊P_i / w₋P_j) ≥ 0 (units of k_B)."""
        p = P.ravel()
        total = 0.0
        for i, j, wp, wm in self.faces:
            a, b = wp * p[i], wm * p[j]
            ok = (a > 0) & (b > 0)
            if ok.all():  # the common case: no masking (two logs: a/b can overflow where P is subnormal)
                total += float(np.dot(a - b, np.log(a) - np.log(b)))
            else:
                total += float(np.sum(np.where(ok, (a - b) * (np.log(np.where(ok, a, 1.0)) - np.log(np.where(ok, b, 1.0))), 0.0)))
        return total

    def heat_rate(self, P, E):
        """Q̇ = −Σ_faces J_ij (E_j − E_i): heat released to the bath (arXiv 2510.03137, set-up)."""
        e = E.ravel()
        return float(-sum(np.sum(J * (e[j] - e[i])) for J, (i, j, _, _) in zip(self.fluxes(P), self.faces)))
