"""Persistent-chain Langevin ensembles: ``numeric.langevin.train`` vs peers.

Problem (same for every contender): N independent chains in the harmonic
trap E = (x − θ)²/2 at β = μ = 1, θ frozen (zero learning rate), S steps of
dt = 0.01.  thermolearn runs its full training loop (exact OU steps, Strang
splitting, Sekimoto work, bias and free-energy bookkeeping every step);
sdeint integrates the ensemble as one N-dimensional Itô SDE with Euler
(its only way to run an ensemble, O(N²) per step); the floor is the bare
numpy update ``x += -x*dt + s*rng.standard_normal(N)``.

Rows: sdeint / thermolearn (target ≥ 10), thermolearn / floor (target ≤ 4,
the bookkeeping costs a few array passes), peak memory / (8 N bytes)
(target ≤ 40: memory O(particles), no per-step particle history).

Known limit: thermolearn's loop has a fixed Python cost of ≈ 0.1 ms per step
(bookkeeping of F, ⟨E⟩_d, L̃ at every step), so for a few hundred chains and
short runs sdeint's dense O(N²) step is as fast or faster; the O(N²) cost
dominates from N ≈ 1000 on (the sizes measured here).
"""

from __future__ import annotations

import numpy as np

from benchmarks._harness import measure, row

SIZES = {"tiny": (200, 20, 100, 10), "quick": (10_000, 200, 1000, 1000), "full": (100_000, 1000, 2000, 1000)}


def _ours(N, S):
    from numeric.langevin import train
    from numeric.schedule import Schedule
    from theory.models import harmonic_trap

    model = harmonic_trap(k=1, beta=1, mu=1)
    sched = Schedule("frozen", lambda t, th: 0.0, 0.01 * S)

    def fn():
        return train(model, sched, theta0=0.0, target=0.0, particles=N, steps=S, rng=np.random.default_rng(0))
    return fn


def _floor(N, S):
    def fn():
        rng = np.random.default_rng(0)
        x = rng.standard_normal(N)
        dt, s = 0.01, np.sqrt(2 * 0.01)
        for _ in range(S):
            x += -x * dt + s * rng.standard_normal(N)
        return x
    return fn


def _sdeint(N, S):
    import sdeint

    tspan = np.linspace(0.0, 0.01 * S, S + 1)
    B = np.sqrt(2.0) * np.eye(N)

    def fn():
        return sdeint.itoEuler(lambda x, t: -x, lambda x, t: B, np.zeros(N), tspan,
                               generator=np.random.default_rng(0))
    return fn


def run(size: str) -> list[dict]:
    N, S, Np, Sp = SIZES[size]
    reps = 1 if size == "tiny" else 3
    rows = []
    ours = measure(_ours(N, S), repeats=reps)
    floor = measure(_floor(N, S), repeats=reps, memory=False)
    res = _ours(N, S)()
    var_ok = abs(float(np.var(res.samples)) - 1.0) < 5 * np.sqrt(2.0 / N)  # stationary N(0, 1)
    rows.append(row("langevin train / numpy floor (per particle-step)", ours.median_s / floor.median_s, 4.0,
                    higher_is_better=False, particles=N, steps=S, ours_s=ours.median_s, floor_s=floor.median_s,
                    ns_per_particle_step=1e9 * ours.median_s / (N * S), stationary_variance_ok=bool(var_ok)))
    rows.append(row("langevin peak memory / (8 bytes x particles)", ours.peak_bytes / (8.0 * N), 40.0,
                    higher_is_better=False, particles=N, peak_bytes=ours.peak_bytes))
    try:
        import sdeint  # noqa: F401
    except ImportError as exc:
        rows.append({"name": "sdeint / langevin train", "ratio": float("nan"), "target": 10.0, "met": False,
                     "details": {"error": f"{exc}; pip install -e '.[bench]'"}})
        return rows
    ours_p = measure(_ours(Np, Sp), repeats=reps, memory=False)
    peer = measure(_sdeint(Np, Sp), repeats=1, warmup=0, memory=False)
    rows.append(row("sdeint / langevin train (ensemble OU)", peer.median_s / ours_p.median_s, 10.0,
                    particles=Np, steps=Sp, sdeint_s=peer.median_s, ours_s=ours_p.median_s))
    return rows
