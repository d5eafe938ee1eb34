"""Exact fluctuation theorems of the two-state learner: transfer matrices vs enumeration.

Rows (see benchmarks/_harness.py):

* ``infoflow/ift_dft_N1000`` — wall time of the exact IFT + DFT (CGF
  symmetry at 7 values of α) check of the two-state learner (variant B,
  λ = 0.4) at N = 1000 steps, divided by the 1-s budget (target ≤ 1).
* ``infoflow/vs_enumeration`` — brute-force path enumeration (IFT and DFT
  from all 4^{N+1} paths per training set) over the transfer-matrix check at
  the same N, the largest N enumeration does in memory (target ≥ 1).
* ``infoflow/N_in_1s`` — the largest N (doubling search) whose exact check
  takes under 1 s, divided by 1000 (target ≥ 1).
* ``infoflow/gaussian_4N_over_N`` — CPU time of the Gaussian learner's exact
  analysis + IFT + DFT (4 α) at 4N steps over that at N (Markov-chain
  recursions; linear cost gives 4, the dense joint ~64; target ≤ 5).
* ``infoflow/gaussian_dense_over_chain`` — the dense route (covariance of all
  2N + 4 nodes, tests/infoflow/_dense_gaussian.py) over the chain recursions,
  same quantities, one BLAS thread, timed in turn, at 2N (target ≥ 1); the
  details give the ratio at N too and say which route is faster there (the
  dense joint wins below N ≈ 150: its O(N³) flops are few, the chain pays
  Python per step).
"""

from __future__ import annotations

from benchmarks._harness import measure, measure_interleaved, row

__all__ = ["run"]

_SIZES = {"tiny": dict(N=50, enum_N=4, search=False, repeats=1, gauss_N=10),
          "quick": dict(N=1000, enum_N=7, search=True, repeats=3, gauss_N=100),
          "full": dict(N=1000, enum_N=9, search=True, repeats=5, gauss_N=250)}

_ALPHAS = (0.25, 0.5, 0.75, 1.0)


def _gaussian_rows(n: int, repeats: int) -> list[dict]:
    """Linear scaling of the Gaussian learner's exact computations, and the dense route at the same N."""
    from thermolearn.infoflow import GaussianLearner, gaussian_dft, gaussian_ift
    from tests.infoflow import _dense_gaussian as dense

    L = GaussianLearner(c=1.0, rho=0.5)

    def chain(N):
        return L.analyse(N), gaussian_ift(L, N), gaussian_dft(L, N, _ALPHAS)

    def by_dense(N):
        return dense.analyse(L, N), dense.ift(L, N), dense.dft(L, N, _ALPHAS)

    from threadpoolctl import threadpool_limits

    # one BLAS thread (the dense route's 200-node matrices would otherwise run on every core and charge the
    # CPU time of all); chain and dense timed in turn, so that a change of load hits both alike
    with threadpool_limits(limits=1, user_api="blas"):
        small = measure_interleaved({"chain": lambda: chain(n), "dense": lambda: by_dense(n)}, repeats=repeats)
        large = measure_interleaved({"chain": lambda: chain(2 * n), "dense": lambda: by_dense(2 * n)},
                                    repeats=repeats)
        t1 = small["chain"]
        t4 = measure(lambda: chain(4 * n), repeats=repeats, memory=False).median_s
    return [row("infoflow/gaussian_4N_over_N", t4 / t1, 5.0, higher_is_better=False, N=n, seconds_N=t1,
                seconds_4N=t4, note="ratio = CPU time at 4N / at N (linear: 4)"),
            row("infoflow/gaussian_dense_over_chain", large["dense"] / large["chain"], 1.0, N=2 * n,
                dense_s=large["dense"], chain_s=large["chain"], N_small=n,
                ratio_at_N_small=small["dense"] / small["chain"], dense_s_at_N_small=small["dense"],
                chain_s_at_N_small=small["chain"],
                faster_at_N_small="chain" if small["chain"] < small["dense"] else "dense",
                note="ratio = dense joint time / chain recursion time at N, same quantities, one BLAS thread, "
                     "timed in turn.  The chain costs ~3 ms per step of Python-level small-matrix work, the dense "
                     "joint O(N^3) flops with a small constant: at N_small (ratio_at_N_small) the dense joint "
                     "may be the faster one (faster_at_N_small says which); the library has the chain only")]


def _figure(L, enum_max, figures):
    """Wall time against N, transfer matrices vs enumeration (log–log), into ``figures``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from thermolearn.infoflow import enumerate_paths, fluctuation_check

    Ns_t = [1, 2, 4, 8, 16, 64, 256, 1000, 4000]
    Ns_e = list(range(1, enum_max + 1))
    tt = [measure(lambda: fluctuation_check(L, n), repeats=3, memory=False).median_s for n in Ns_t]
    te = [measure(lambda: (lambda e: (e.ift_residual, e.dft_residual()))(enumerate_paths(L, n)),
                  repeats=1, memory=False).median_s for n in Ns_e]
    fig, ax = plt.subplots(figsize=(6, 4.2))
    ax.loglog(Ns_t, tt, "o-", label="tilted transfer matrices, O(N·S²)")
    ax.loglog(Ns_e, te, "s-", label="enumeration of all paths, O(4^N)")
    ax.axhline(1.0, color="grey", ls=":", label="1 s budget")
    ax.set_xlabel("number of steps N")
    ax.set_ylabel("wall time of the exact IFT + DFT check [s]")
    ax.set_title("two-state learner (variant B, λ = 0.4)")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(figures / "infoflow_fluctuation_scaling.png", dpi=120)
    plt.close(fig)


def run(size: str, figures=None) -> list[dict]:
    from thermolearn.infoflow import TwoStateLearner, enumerate_paths, fluctuation_check

    if size not in _SIZES:
        raise ValueError(f"size must be one of {sorted(_SIZES)}, got {size!r}")
    cfg = _SIZES[size]
    L = TwoStateLearner(c=1.0, lam=0.4)
    rows = []
    chk = fluctuation_check(L, cfg["N"])
    t = measure(lambda: fluctuation_check(L, cfg["N"]), repeats=cfg["repeats"], memory=False)
    rows.append(row(f"infoflow/ift_dft_N{cfg['N']}", t.median_s / 1.0, 1.0, higher_is_better=False,
                    seconds=t.median_s, N=cfg["N"], ift_residual=chk.ift_residual,
                    dft_residual=chk.dft_residual, mean_sigma=chk.mean_sigma,
                    note="ratio = seconds / 1 s budget"))
    n = cfg["enum_N"]

    def by_enumeration():
        e = enumerate_paths(L, n)
        return e.ift_residual, e.dft_residual()

    te = measure(by_enumeration, repeats=1, memory=False)
    tm = measure(lambda: fluctuation_check(L, n), repeats=cfg["repeats"], memory=False)
    ift_e, dft_e = by_enumeration()
    rows.append(row("infoflow/vs_enumeration", te.median_s / tm.median_s, 1.0, N=n,
                    enumeration_s=te.median_s, transfer_matrix_s=tm.median_s, paths_per_B=4 ** (n + 1),
                    enumeration_ift_residual=ift_e, enumeration_dft_residual=dft_e,
                    note="ratio = enumeration time / transfer-matrix time"))
    if cfg["search"]:
        N, last_ok = 1000, 0
        while N <= 2 ** 24:
            t = measure(lambda: fluctuation_check(L, N), repeats=1, warmup=0, memory=False).median_s
            if t >= 1.0:
                break
            last_ok, N = N, N * 2
        lo, hi = last_ok, N
        for _ in range(5):  # bisection between the last N under 1 s and the first over
            mid = (lo + hi) // 2
            if measure(lambda: fluctuation_check(L, mid), repeats=1, warmup=0, memory=False).median_s < 1.0:
                lo = mid
            else:
                hi = mid
        rows.append(row("infoflow/N_in_1s", lo / 1000, 1.0, N_reached=lo,
                        note="largest N (doubling from 1000, then 5 bisection steps) with the exact "
                             "IFT+DFT check under 1 s"))
    rows += _gaussian_rows(cfg["gauss_N"], cfg["repeats"])
    if figures is not None:
        _figure(L, cfg["enum_N"], figures)
    return rows
