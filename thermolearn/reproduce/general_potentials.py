"""Minimal-dissipation paper, general potentials (arXiv 2510.03137, general potentials): geodesic protocols.

For the quartic x⁴/4 − θx and the tilted double well x⁴/4 − x²/2 − θx
(β = μ = 1), measured by simulation: prescribed protocols θ(t) by
independent Langevin trajectories (``numeric.fluctuation.langevin_work``,
stochastic Heun, per-trajectory work, equilibrium start), training by the
persistent-chain trainer of Figures 1–6 (``numeric.langevin.train_replicas``,
MALA stepper, independent replicas for the standard error), compared with
the geodesic to the point it reached by the Fokker–Planck solver (noise
free):

1. the constant-speed ζ-geodesic protocol has less excess work than the
   linear protocol between the same end points in the same time τ (paired
   runs with common random numbers, the difference is tested at N_SIGMA);
2. it also beats training with a constant learning rate η: the geodesic
   protocol to the end point the constant-η run reached, in the same τ,
   costs less;
3. W_ex·τ → 𝓛² (squared thermodynamic length) as τ grows.

Writes ``general_potentials.png``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from thermolearn._report import bound_check, close_check

__all__ = ["run"]

N_SIGMA = 4.0
REPLICAS = 8  # independent persistent-chain runs for the constant-eta standard error


def _prescribed(model, proto, *, particles, per_unit, seed):
    """Work of a prescribed protocol θ(t) over independent equilibrated Langevin trajectories.

    Returns (per-trajectory work, W_ex = ⟨W⟩ − ΔF, its standard error).
    """
    from types import SimpleNamespace

    from thermolearn.numeric.equilibrium import free_energy
    from thermolearn.numeric.fluctuation import langevin_work
    from thermolearn.numeric.fokker_planck import Protocol
    from thermolearn.numeric.model import numeric_twin

    tw = numeric_twin(model)
    ws = langevin_work(model, Protocol(lambda t: proto.theta(t)[0], proto.tau, (), proto.kind), particles=particles,
                       steps=int(proto.tau * per_unit), rng=np.random.default_rng(seed))
    dF = free_energy(tw, proto.theta(proto.tau)[0]) - free_energy(tw, proto.theta(0.0)[0])
    return SimpleNamespace(work_per_particle=ws.work, excess_work=ws.mean - dF, excess_work_stderr=ws.stderr)


def _density(model, proto, *, per_unit):
    """W_ex of a prescribed protocol by the Fokker–Planck solver (noise free, exact up to the grid)."""
    from types import SimpleNamespace

    from thermolearn.numeric.fokker_planck import Protocol, propagate

    r = propagate(model, Protocol(lambda t: proto.theta(t)[0], proto.tau, (), proto.kind),
                  steps=int(proto.tau * per_unit))
    return SimpleNamespace(excess_work=float(r.excess_work[-1]), excess_work_stderr=0.0)


def _trained(model, schedule, *, theta0, target, particles, per_unit, seed):
    """Persistent-chain training (the trainer of Figures 1–6, MALA chains): (θ(τ), W_ex, s.e.) over replicas."""
    from thermolearn.numeric.langevin import replica_summary, train_replicas

    steps = int(schedule.tau * per_unit)
    runs = train_replicas(model, schedule, replicas=REPLICAS, rng=np.random.default_rng(seed), theta0=theta0,
                          target=target, particles=particles, steps=steps, method="mala", record_every=steps)
    s = replica_summary(runs)
    return s["theta_final"][0], s["excess_work"][0], s["excess_work"][1]
_CASES = (("quartic", 0.0, 8.0), ("double_well", -1.5, 1.5))


def _model(name):
    from thermolearn.theory import models

    return getattr(models, name)(beta=1, mu=1)


def run(out: Path, *, quick: bool, seed: int) -> list:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from thermolearn.numeric.metric import geodesic_protocol, linear_protocol, metric_field, moments_quadrature
    from thermolearn.numeric.schedule import build_schedule

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    particles = 3000 if quick else 20000
    per_unit = 50 if quick else 100  # steps per unit time
    tau_mid = 4.0
    taus = (1.0, 2.0, 4.0, 8.0) if quick else (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
    eta = 0.5
    checks = []
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
    for ci, (name, a, b) in enumerate(_CASES):
        model = _model(name)
        field = metric_field(model)  # cached metric shared by every protocol below
        fig_tag = f"general/{name}"

        def sim(proto, k):
            return _prescribed(model, proto, particles=particles, per_unit=per_unit, seed=seed + k)

        geo = geodesic_protocol(field, a, b, tau_mid)
        lin = linear_protocol(field, a, b, tau_mid)
        rg, rl = sim(geo, 1), sim(lin, 1)
        diff = rl.work_per_particle - rg.work_per_particle
        se = float(diff.std(ddof=1) / np.sqrt(len(diff)))
        checks.append(bound_check(
            f"{fig_tag}/geodesic_over_linear_excess_work", 1.0, rg.excess_work / rl.excess_work,
            reason=f"tau={tau_mid}, W_geo={rg.excess_work:.4f}, W_lin={rl.excess_work:.4f}", figure=fig_tag))
        checks.append(bound_check(
            f"{fig_tag}/linear_minus_geodesic_excess_work", N_SIGMA * se, float(diff.mean()), upper=False,
            reason=f"paired runs (common random numbers), {particles} particles: difference must exceed {N_SIGMA} s.e.",
            figure=fig_tag))
        # constant learning rate, then the geodesic to the end point it reached
        const = build_schedule("constant", model, tau=tau_mid, theta0=[a], target=[b], eta=eta)
        reached, w_c, se_c = _trained(model, const, theta0=a, target=b, particles=particles, per_unit=per_unit,
                                      seed=seed + 2)
        geo_c = geodesic_protocol(field, a, reached, tau_mid)
        rgc = _density(model, geo_c, per_unit=per_unit)  # noise free: the difference's s.e. is the training's
        se_d = float(np.hypot(se_c, rgc.excess_work_stderr))
        checks.append(bound_check(
            f"{fig_tag}/geodesic_over_constant_eta_excess_work", 1.0, rgc.excess_work / w_c,
            reason=f"constant eta={eta} reached theta={reached:.3f} with W_ex={w_c:.4f} "
                   f"(s.e. {se_c:.4f}, {REPLICAS} replicas); geodesic to the same point {rgc.excess_work:.4f}",
            figure=fig_tag))
        checks.append(bound_check(
            f"{fig_tag}/constant_minus_geodesic_excess_work", N_SIGMA * se_d, w_c - rgc.excess_work,
            upper=False, reason=f"geodesic by the Fokker-Planck solver (noise free): difference must exceed {N_SIGMA} s.e. "
                   "of the trained W_ex",
            figure=fig_tag))
        # W_ex * tau -> L^2
        L2 = geo.length**2
        nodes = np.linspace(a, b, 41)
        zs = np.array([moments_quadrature(model, t).friction[0, 0] for t in nodes])
        lin_limit = (b - a) * float(np.sum((zs[1:] + zs[:-1]) / 2 * np.diff(nodes)))  # τ·∫θ̇ζθ̇ of the ramp
        wt, wl, st = [], [], []
        for k, tau in enumerate(taus):
            r = sim(geodesic_protocol(field, a, b, tau), 10 + k)
            r_lin = sim(linear_protocol(field, a, b, tau), 10 + k)
            wt.append(r.excess_work * tau)
            st.append(r.excess_work_stderr * tau)
            wl.append(r_lin.excess_work * tau)
        wt, st = np.array(wt), np.array(st)
        dev = np.abs(wt / L2 - 1)
        tau_r = max(  # largest integral relaxation time βζ/I along the path
            float(q.friction[0, 0] / q.fisher[0, 0]) for q in (moments_quadrature(model, t) for t in np.linspace(a, b, 9))
        )
        tol = L2 * 2 * tau_r / taus[-1] + N_SIGMA * st[-1]
        checks.append(close_check(
            f"{fig_tag}/excess_work_times_tau_at_tau{taus[-1]:g}", L2, wt[-1], tol,
            reason=f"leading correction O(tau_R/tau), bound 2*tau_R/tau*L^2 with tau_R={tau_r:.3f}, plus {N_SIGMA} s.e.",
            figure=fig_tag))
        checks.append(bound_check(
            f"{fig_tag}/relative_gap_to_L2_shrinks", dev[0], dev[-1],
            reason=f"|W_ex*tau/L^2 - 1| at tau={taus[-1]:g} must be below its value at tau={taus[0]:g}", figure=fig_tag))
        ax = axes[ci]
        ax.errorbar(taus, wt / L2, yerr=N_SIGMA * st / L2, marker="o", label="geodesic  $W_{ex}\\tau/\\mathcal{L}^2$ (±4 s.e.)")
        ax.plot(taus, np.array(wl) / L2, "s--", label="linear  $W_{ex}\\tau/\\mathcal{L}^2$")
        ax.axhline(1.0, color="k", lw=0.8, ls=":", label="geodesic slow-driving limit $\\mathcal{L}^2$")
        ax.axhline(lin_limit / L2, color="C1", lw=0.8, ls=":", label="linear slow-driving limit $\\Delta\\int\\zeta d\\theta$")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("protocol duration $\\tau$")
        ax.set_ylabel("$W_{ex}\\,\\tau / \\mathcal{L}^2$")
        ax.set_title(f"{name.replace('_', ' ')}: $\\theta$ {a:g} → {b:g}, $\\mathcal{{L}}$ = {geo.length:.3f}")
        ax.legend(fontsize=8)
        if ci == 0:
            ts = np.linspace(0, tau_mid, 200)
        axes[2].plot(ts, geo.theta(ts)[:, 0], label=f"{name} geodesic")
        axes[2].plot(ts, lin.theta(ts)[:, 0], ls="--", label=f"{name} linear")
    axes[2].set_xlabel("t")
    axes[2].set_ylabel(r"$\theta(t)$")
    axes[2].set_title(f"protocols, $\\tau$ = {tau_mid:g} (geodesic slows where $\\zeta$ is large)")
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "general_potentials.png", dpi=110)
    plt.close(fig)
    return checks
