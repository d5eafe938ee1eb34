"""Persistent-chain Langevin ensembles: thermolearn's kernel and trainer vs the floor and sdeint.

Problem: N independent chains in the harmonic trap E = (x − θ)²/2 at
β = μ = 1, dt = 0.01.

Rows (targets from issue 9):

* ``kernel(exact|euler) / floor`` at N = 10⁴, 10⁵, 10⁶ — cost per
  particle-step of ``numeric.langevin.propagate``'s in-place kernels against
  the floor "one Gaussian draw into a buffer with numpy's default Generator
  plus one in-place pass over the chains" (no kernel can do less).
  Target ≤ 1.5.
* ``exact / euler`` per-step cost: the exact OU step must cost what an Euler
  step costs (target ≤ 1.15); details hold the exact step's z-scores of mean
  and variance against the closed-form OU law after one step of dt = 1
  (no time-step error).
* ``sdeint / thermolearn`` on 10³ particles × 10³ Euler steps of the same SDE
  (same scheme and dt, hence the same accuracy; both final variances are
  given in the details against the Euler-discrete stationary value).
  Target ≥ 50.  sdeint is run as a user writes it (G returns the diagonal
  noise matrix); its best case (matrix built once) and thermolearn's ratio
  to the floor at this size are in the details: at N = 10³ thermolearn sits
  at the floor, so the ratio is bounded by sdeint's own cost.
* ``train / floor``: the full persistent-chain trainer with its exact
  Sekimoto bookkeeping every step (project target ≤ 4: a few extra array
  passes for the work and the chain moments).
* peak memory / (8 bytes × N) of ``propagate`` (target ≤ 3: the chains and
  one noise buffer) and of ``train`` (target ≤ 40, O(particles), no per-step
  particle history).

With ``figures``, writes ``langevin_scaling.png`` (cost per particle-step vs N
and wall time vs steps, log-log).
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks._harness import measure, row

SIZES = {
    "tiny": {"kernel_N": (2_000,), "budget": 2e5, "sde": (100, 50), "train": (500, 20)},
    "quick": {"kernel_N": (10_000, 100_000, 1_000_000), "budget": 2e7, "sde": (1000, 1000), "train": (10_000, 200)},
    "full": {"kernel_N": (10_000, 100_000, 1_000_000), "budget": 1e8, "sde": (1000, 1000), "train": (100_000, 1000)},
}
DT = 0.01


def _model():
    from thermolearn.theory.models import harmonic_trap

    return harmonic_trap(k=1, beta=1, mu=1)


def _kernel(N, S, method):
    from thermolearn.numeric.langevin import propagate

    model = _model()
    X = np.zeros((N, 1))
    rng = np.random.default_rng(0)
    return lambda: propagate(model, 0.0, X, steps=S, dt=DT, method=method, rng=rng)


def _floor(N, S):
    rng = np.random.default_rng(0)
    x = np.zeros((N, 1))
    buf = np.empty_like(x)

    def fn():
        for _ in range(S):
            rng.standard_normal(out=buf)
            np.add(x, buf, out=x)
    return fn


def _train(N, S):
    from thermolearn.numeric.langevin import train
    from thermolearn.numeric.schedule import Schedule

    model = _model()
    sched = Schedule("frozen", lambda t, th: 0.0, DT * S)
    return lambda: train(model, sched, theta0=0.0, target=0.0, particles=N, steps=S, rng=np.random.default_rng(0))


def _sdeint(N, S, precomputed=False):
    """sdeint's Euler on the ensemble as one N-dim SDE.

    As a user writes it, G(x, t) returns the diagonal noise matrix
    sqrt(2μ/β)·1 on each call; ``precomputed=True`` is sdeint's best case
    (the matrix built once and closed over).
    """
    import sdeint

    tspan = np.linspace(0.0, DT * S, S + 1)
    B = math.sqrt(2.0) * np.eye(N)
    G = (lambda x, t: B) if precomputed else (lambda x, t: math.sqrt(2.0) * np.eye(N))
    return lambda: sdeint.itoEuler(lambda x, t: -x, G, np.zeros(N), tspan, generator=np.random.default_rng(0))


def _exact_z_scores(N=200_000):
    """One exact step of dt = 1 from x = 3: mean 3e^{-1}, variance 1 − e^{-2} (closed form)."""
    from thermolearn.numeric.langevin import propagate

    X = np.full((N, 1), 3.0)
    propagate(_model(), 0.0, X, steps=1, dt=1.0, method="exact", rng=np.random.default_rng(5))
    v = 1 - math.exp(-2.0)
    z_mean = (X.mean() - 3 * math.exp(-1.0)) / math.sqrt(v / N)
    z_var = (X.var() - v) / (v * math.sqrt(2.0 / N))
    return float(z_mean), float(z_var)


def run(size: str, figures=None) -> list[dict]:
    cfg = SIZES[size]
    reps = 1 if size == "tiny" else 5
    rows = []
    per_ps = {"exact": [], "euler": [], "floor": []}
    for N in cfg["kernel_N"]:
        S = max(5, int(cfg["budget"] // N))
        floor = measure(_floor(N, S), repeats=reps, memory=False)
        per_ps["floor"].append(floor.median_s / (N * S))
        for method in ("exact", "euler"):
            t = measure(_kernel(N, S, method), repeats=reps, memory=False)
            per_ps[method].append(t.median_s / (N * S))
            rows.append(row(f"langevin kernel ({method}) / floor, N={N:.0e}", t.median_s / floor.median_s, 1.5,
                            higher_is_better=False, particles=N, steps=S,
                            ns_per_particle_step=1e9 * t.median_s / (N * S),
                            floor_ns_per_particle_step=1e9 * floor.median_s / (N * S)))
    zm, zv = _exact_z_scores(20_000 if size == "tiny" else 200_000)
    ratio = float(np.median(np.array(per_ps["exact"]) / np.array(per_ps["euler"])))
    rows.append(row("exact OU step / Euler step (per-step cost)", ratio, 1.15, higher_is_better=False,
                    exact_step_z_mean=zm, exact_step_z_var=zv, no_timestep_error=bool(abs(zm) < 4 and abs(zv) < 4)))
    N = cfg["kernel_N"][0]
    mem = measure(_kernel(N, 10, "exact"), repeats=1, warmup=1)
    rows.append(row("propagate peak memory / (8 bytes x particles)", mem.peak_bytes / (8.0 * N), 3.0,
                    higher_is_better=False, particles=N, peak_bytes=mem.peak_bytes))
    Nt, St = cfg["train"]
    tr = measure(_train(Nt, St), repeats=max(1, reps // 2))
    fl = measure(_floor(Nt, St), repeats=reps, memory=False)
    rows.append(row("train (with bookkeeping) / floor", tr.median_s / fl.median_s, 4.0, higher_is_better=False,
                    particles=Nt, steps=St, train_s=tr.median_s, floor_s=fl.median_s))
    rows.append(row("train peak memory / (8 bytes x particles)", tr.peak_bytes / (8.0 * Nt), 40.0,
                    higher_is_better=False, particles=Nt, peak_bytes=tr.peak_bytes))
    Ns, Ss = cfg["sde"]
    ours = measure(_kernel(Ns, Ss, "euler"), repeats=reps, memory=False)
    try:
        peer = measure(_sdeint(Ns, Ss), repeats=1, warmup=0, memory=False)
        best = measure(_sdeint(Ns, Ss, precomputed=True), repeats=1, warmup=0, memory=False)
        floor_sde = measure(_floor(Ns, Ss), repeats=reps, memory=False)
    except ImportError as exc:
        rows.append({"name": "sdeint / thermolearn (Euler, same SDE)", "ratio": float("nan"), "target": 50.0,
                     "met": False, "details": {"error": f"{exc}; pip install -e '.[bench]'"}})
    else:
        y = _sdeint(Ns, Ss)()[-1]
        X = np.zeros((Ns, 1))
        from thermolearn.numeric.langevin import propagate

        propagate(_model(), 0.0, X, steps=Ss, dt=DT, method="euler", rng=np.random.default_rng(1))
        v_euler = 1.0 / (1.0 - DT / 2)  # stationary variance of the Euler chain
        rows.append(row("sdeint / thermolearn (Euler, same SDE)", peer.median_s / ours.median_s, 50.0,
                        particles=Ns, steps=Ss, sdeint_s=peer.median_s, thermolearn_s=ours.median_s,
                        sdeint_precomputed_G_s=best.median_s, ratio_vs_precomputed_G=best.median_s / ours.median_s,
                        thermolearn_over_floor=ours.median_s / floor_sde.median_s,
                        var_sdeint=float(np.var(y)), var_thermolearn=float(X.var()),
                        var_target=v_euler * (1 - (1 - DT) ** (2 * Ss))))
    if figures is not None:
        _figure(figures, cfg["kernel_N"], per_ps)
    return rows


def _figure(folder, Ns, per_ps):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(9, 3.6))
    for k, style in (("exact", "o-"), ("euler", "s--"), ("floor", "k:")):
        ax[0].loglog(Ns, 1e9 * np.array(per_ps[k]), style, label=k)
    ax[0].set(xlabel="particles N", ylabel="ns per particle-step", title="Langevin kernel cost")
    ax[0].legend()
    steps = np.array([10, 30, 100, 300])
    times = [measure(_kernel(10_000, int(s), "exact"), repeats=3, memory=False).median_s for s in steps]
    ax[1].loglog(steps, times, "o-", label="exact, N=1e4")
    ax[1].loglog(steps, times[0] * steps / steps[0], "k:", label="linear")
    ax[1].set(xlabel="steps", ylabel="seconds", title="cost vs steps")
    ax[1].legend()
    fig.tight_layout()
    fig.savefig(f"{folder}/langevin_scaling.png", dpi=110)
    plt.close(fig)
