"""The X–Θ learner of Entropy 26, 112 (2024) drawn: Bayesian networks, information, entropy production, FTs.

"Stochastic thermodynamics of learning parametric probabilistic models"
models learning as a bipartite process of the parameters Θ and the model
output X on a Bayesian network (its Fig. 3.2).  This section draws, for the
discrete two-state learner of :mod:`thermolearn.infoflow` (every quantity
exact, by forward recursion over the chain):

a. the network of each learner variant — A (no feedback) and B (feedback
   x_n → θ_{n+1}), each with fresh re-sampling of X or with X memory
   (networkx, nodes labelled Y, B, Θ_n, X_n);
b. memorised information M = I(Θ_n; B) and the output informations
   I(X_n; B), I(X_n; Y) over training time;
c. the entropy-production decomposition per move, Σ^Θ + Σ^X with
   Σ^X_n = ΔH(X|B) + ⟨Q_n⟩ − ΔI^X_n (heat plus information flow), cumulated;
d. the fluctuation theorem: the exact distribution of the total entropy
   production σ given B (all paths enumerated), P(σ) against P̃(−σ)e^{σ}.

Checks: the identities (decomposition, telescoping of the flows, first law,
I(Θ_N,X_N;B) = Σ^app − Σ_{|B}) to rounding; every per-move Σ ≥ 0; the
memorised information below the apparent entropy production; the
data-processing inequalities that d-separation makes theorems; the mean
entropy production equal along three independent paths (forward
recursion, tilted transfer matrices, path enumeration); ⟨e^{−σ}⟩ = 1 and
ln P[Γ]/P̃[Γ̃] = σ on every path; the linear-Gaussian learner's M_n and
I(X_n;B) by covariance propagation against their closed forms.  Seconds in total.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from thermolearn._report import bound_check, close_check

__all__ = ["run", "VARIANTS", "FIGURE_NAMES"]

#: name -> (feedback c, X relaxation λ): λ = 1 is fresh re-sampling, λ < 1 keeps memory.
VARIANTS = {"A, fresh X": (0.0, 1.0), "B, fresh X": (1.0, 1.0), "A, X memory": (0.0, 0.5), "B, X memory": (1.0, 0.5)}
FIGURE_NAMES = ("infoflow",)
#: Identities are sums of O(1) terms in double precision.
IDENTITY_TOL = 1e-10


def _labels(G):
    out = {}
    for n in G.nodes:
        if n in ("Y", "B"):
            out[n] = f"${n}$"
        else:
            head, idx = n.rstrip("0123456789"), n[len(n.rstrip("0123456789")):]
            out[n] = {"th": f"$\\Theta_{idx}$", "x": f"$X_{idx}$", "b": f"$b_{idx}$"}[head]
    return out


def _layout(G, N):
    pos = {}
    for n, d in G.nodes(data=True):
        role, t = d["role"], d["time"] or 0
        pos[n] = {"task": (-1.3, 2.2), "data": (-0.3, 2.2), "batch": (t + 0.5, 1.6),
                  "theta": (t, 1.0), "x": (t, 0.0)}[role]
    return pos


def draw_network(ax, learner, N=3, *, title=""):
    """The learner's Bayesian network on ``ax`` (time to the right; Θ row above the X row)."""
    import networkx as nx

    from thermolearn.numeric.plotting import PALETTE

    G = learner.network(N, explicit_batches=False)
    pos = _layout(G, N)
    colours = {"task": PALETTE["yellow"], "data": PALETTE["orange"], "batch": PALETTE["orange"],
               "theta": PALETTE["sky"], "x": PALETTE["green"]}
    nx.draw_networkx_nodes(G, pos, ax=ax, node_size=520, node_color=[colours[G.nodes[n]["role"]] for n in G],
                           edgecolors="k", linewidths=0.6)
    fb = [(u, v) for u, v in G.edges if u.startswith("x") and v.startswith("th")]
    rest = [e for e in G.edges if e not in fb]
    nx.draw_networkx_edges(G, pos, edgelist=rest, ax=ax, node_size=520, arrowsize=10, width=0.9,
                           connectionstyle="arc3,rad=0.08")
    nx.draw_networkx_edges(G, pos, edgelist=fb, ax=ax, node_size=520, arrowsize=10, width=1.3,
                           edge_color=PALETTE["vermillion"], style="dashed", connectionstyle="arc3,rad=-0.15")
    nx.draw_networkx_labels(G, pos, labels=_labels(G), ax=ax, font_size=8)
    ax.set_title(title)
    ax.set_axis_off()
    ax.set_xlim(-1.8, N + 0.5)
    ax.set_ylim(-0.5, 2.6)
    return G


def run(out: Path, *, quick: bool, seed: int, dpi=200, formats=("png", "pdf"), only=None) -> list:
    """Write ``infoflow_learning`` (+ vector file and ``.npz``) into ``out``; return the checks."""
    from thermolearn.infoflow import TwoStateLearner, dpi_theorems, enumerate_paths, fluctuation_check
    from thermolearn.numeric.plotting import CYCLE, figure, save

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    N = 20 if quick else 40
    n_enum = 5 if quick else 6
    tag = "infoflow"
    checks, data, analyses = [], {}, {}
    for name, (c, lam) in VARIANTS.items():
        learner = TwoStateLearner(c=c, lam=lam)
        r = learner.analyse(N)
        analyses[name] = (learner, r)
        key = name.replace(", ", "_").replace(" ", "_")
        worst = max(abs(r.identity_residual), abs(r.decomposition_residual), abs(r.telescoping_residual),
                    abs(r.first_law_residual))
        checks.append(close_check(f"{tag}/{key}/identities", 0.0, worst, IDENTITY_TOL,
                                  reason="max |residual| of Sigma = sum(Sigma^Theta + Sigma^X), flow telescoping, "
                                         "first law for X, I(Theta_N,X_N;B) = Sigma^app - Sigma|B (exact; rounding)",
                                  figure=tag))
        checks.append(bound_check(f"{tag}/{key}/min_per_move_entropy_production", -IDENTITY_TOL,
                                  float(min(r.sigma_theta.min(), r.sigma_x.min())), upper=False,
                                  reason="second law per move: Sigma^Theta_n >= 0 and Sigma^X_n >= 0 (exact values)",
                                  figure=tag))
        checks.append(bound_check(f"{tag}/{key}/memorised_below_apparent_EP", r.sigma_apparent + IDENTITY_TOL,
                                  float(r.M[-1]), reason="M = I(Theta_N;B) <= I(Theta_N,X_N;B) <= Sigma^app",
                                  figure=tag))
        for st in dpi_theorems(learner.network(3)):
            if not st.holds:
                continue
            ok = _dpi_value(st.name, r)
            if ok is not None:
                checks.append(bound_check(f"{tag}/{key}/dpi_{st.name}", IDENTITY_TOL, ok,
                                          reason="a data-processing inequality that d-separation makes a theorem "
                                                 "for this network; max over n of (left - right)", figure=tag))
        fc = fluctuation_check(learner, N)
        checks.append(close_check(f"{tag}/{key}/ift_transfer_matrix", 0.0, fc.ift_residual, IDENTITY_TOL,
                                  reason="<exp(-sigma)> = 1 by exact tilted transfer matrices", figure=tag))
        checks.append(close_check(f"{tag}/{key}/mean_EP_recursion_vs_transfer_matrix", r.sigma_given_B,
                                  fc.mean_sigma, 1e-7 * max(1.0, abs(r.sigma_given_B)),
                                  reason="two independent exact paths; the CGF slope is a central difference "
                                         "(step 1e-5: error ~1e-10 relative, 1e-7 allowed)", figure=tag))
        data |= {f"{key}_{f}": np.asarray(getattr(r, f)) for f in
                 ("M", "L1", "L2", "I_theta_task", "dI_theta", "dI_x", "sigma_theta", "sigma_x", "heat",
                  "medium_theta")}
    # fluctuation theorem by enumeration (variant B with memory: the hardest case)
    learner, r = analyses["B, X memory"]
    e = enumerate_paths(learner, n_enum)
    pos = e.prob > 0
    dft = float(np.max(np.abs(np.log(e.prob[pos]) - np.log(e.prob_reversed[pos]) - e.sigma[pos])))
    checks.append(close_check(f"{tag}/enumeration_dft_pointwise", 0.0, dft, 1e-9,
                              reason=f"ln P[path|B]/P~[reversed path|B] = sigma on every one of the "
                                     f"{e.prob.shape[1]} paths of N = {n_enum} (exact; rounding of logs)", figure=tag))
    ift = float(np.max(np.abs((e.prob * np.exp(-e.sigma)).sum(axis=1) - 1)))
    checks.append(close_check(f"{tag}/enumeration_ift", 0.0, ift, IDENTITY_TOL,
                              reason="sum over paths of P exp(-sigma) = 1 for each training set", figure=tag))
    r_small = learner.analyse(n_enum)
    mean_enum = float(e.pB @ (e.prob * e.sigma).sum(axis=1))
    checks.append(close_check(f"{tag}/mean_EP_enumeration_vs_recursion", r_small.sigma_given_B, mean_enum,
                              IDENTITY_TOL * max(1.0, abs(mean_enum)),
                              reason="path enumeration against the forward recursion (exact)", figure=tag))
    data |= {"enum_sigma": e.sigma, "enum_prob": e.prob, "enum_pB": e.pB}
    # the linear-Gaussian learner (variant A): covariance propagation against its closed forms
    from thermolearn.infoflow import GaussianLearner, gaussian_closed_forms

    g = GaussianLearner()
    rg, cf = g.analyse(N), gaussian_closed_forms(g, N)
    dev = max(float(np.max(np.abs(rg.M - cf["M"]))), float(np.max(np.abs(rg.L1 - cf["L1"]))))
    checks.append(close_check(f"{tag}/gaussian_A_information_closed_form", 0.0, dev, IDENTITY_TOL,
                              reason="M_n and I(X_n;B) of the linear-Gaussian learner by covariance propagation "
                                     "against the closed forms (exact; rounding)", figure=tag))
    data |= {"gaussian_A_M": rg.M, "gaussian_A_M_closed": cf["M"], "gaussian_A_L1": rg.L1}
    with figure(2, 4, figsize=(15.5, 7.4), height_ratios=(1.0, 1.25)) as (fig, axes):
        # fixed margins: a regular 2 x 4 grid with its legends inside the axes needs no constrained-layout solve
        # (which measured every text box of the figure: ~0.6 of its ~3 CPU-s)
        fig.set_layout_engine(None)
        fig.subplots_adjust(left=0.045, right=0.99, bottom=0.065, top=0.92, wspace=0.3, hspace=0.12)
        for ax, (name, (lrn, _)) in zip(axes[0], analyses.items()):
            draw_network(ax, lrn, 3, title=f"variant {name}")
        _draw_information(axes[1, 0], analyses, CYCLE)
        _draw_flows(axes[1, 1], analyses["B, X memory"][1], CYCLE)
        _draw_decomposition(axes[1, 2], analyses, CYCLE)
        _draw_ft(axes[1, 3], e, n_enum, CYCLE)
        fig.suptitle("Learning as a bipartite X-$\\Theta$ process (Entropy 26, 112 (2024)): "
                     "two-state learner, exact")
        save(fig, out / "infoflow_learning", dpi=dpi, formats=formats)
    np.savez_compressed(out / "infoflow_learning.npz", **data)
    return checks


def _dpi_value(name, r):
    """max_n (left − right) of a DPI statement, from the analysis arrays (None if not tabulated)."""
    if name == "L1<=M":
        return float(np.max(r.L1 - r.M))
    if name == "L2<=M":
        return float(np.max(r.L2 - r.M))
    if name == "dI_theta<=0":
        return float(np.max(r.dI_theta))
    if name == "L3<=trajectory-M" and np.isfinite(r.L3) and np.isfinite(r.M_trajectory):
        return float(r.L3 - r.M_trajectory)  # tabulated only for short chains
    return None


def _draw_information(ax, analyses, cyc):
    for i, (name, (_, r)) in enumerate(analyses.items()):
        if "memory" in name:
            continue
        n = np.arange(r.M.size)
        ax.plot(n, r.M, color=cyc[i], label=f"{name}: $M=I(\\Theta_n;B)$")
        ax.plot(n, r.L1, color=cyc[i], ls="--", label=f"{name}: $I(X_n;B)$")
        ax.plot(n, r.L2, color=cyc[i], ls=":", label=f"{name}: $I(X_n;Y)$")
    ax.set_xlabel("training step $n$")
    ax.set_ylabel("information [nats]")
    ax.set_title("memorised and output information")
    ax.legend(fontsize=6.5)


def _draw_flows(ax, r, cyc):
    n = np.arange(r.dI_x.size)
    ax.plot(n, r.dI_theta, color=cyc[0], marker="o", ms=2.5, label="$\\Delta I^\\Theta_n$ ($\\Theta$ move)")
    ax.plot(n, r.dI_x, color=cyc[1], marker="s", ms=2.5, label="$\\Delta I^X_n$ ($X$ move)")
    ax.plot(n, r.heat, color=cyc[2], ls="--", label="heat $\\langle Q_n\\rangle$")
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_xlabel("training step $n$")
    ax.set_ylabel("per move [nats]")
    ax.set_title("information flows, variant B with X memory")
    ax.legend(fontsize=7)


def _draw_decomposition(ax, analyses, cyc):
    for i, (name, (_, r)) in enumerate(analyses.items()):
        n = np.arange(1, r.sigma_x.size + 1)
        total = np.cumsum(r.sigma_theta + r.sigma_x)
        ax.plot(n, total, color=cyc[i], label=f"{name}: $\\Sigma_{{|B}}$")
        ax.plot(n, np.cumsum(r.sigma_x), color=cyc[i], ls="--", lw=1.0)
    ax.plot([], [], color="0.3", ls="--", lw=1.0, label="$\\sum\\Sigma^X_n$, "
            "$\\Sigma^X_n=\\Delta H(X|B)+\\langle Q_n\\rangle-\\Delta I^X_n$")
    ax.set_xlabel("training step $n$")
    ax.set_ylabel("cumulative entropy production [nats]")
    ax.set_title("$\\Sigma=\\sum_n(\\Sigma^\\Theta_n+\\Sigma^X_n)$")
    ax.legend(fontsize=6.5)


def _draw_ft(ax, e, n_enum, cyc):
    s = e.sigma.ravel()
    w = (e.pB[:, None] * e.prob).ravel()
    wr = (e.pB[:, None] * e.prob_reversed).ravel()
    edges = np.linspace(np.percentile(s[w > 0], 0.5), np.percentile(s[w > 0], 99.5), 41)
    hp, _ = np.histogram(s, bins=edges, weights=w)
    # reversed path of each forward path carries sigma~ = -sigma: P~(sigma~ = -s) is the wr-weighted histogram
    # at s, and the DFT says P~(-s) e^{s} = P(s); the per-path factor e^{sigma} is applied before binning
    hr, _ = np.histogram(s, bins=edges, weights=wr)
    hre, _ = np.histogram(s, bins=edges, weights=wr * np.exp(s))
    ctr = 0.5 * (edges[1:] + edges[:-1])
    nz = lambda h: np.where(h > 0, h, np.nan)  # noqa: E731
    ax.semilogy(ctr, nz(hp), "o", ms=3.5, color=cyc[0], label="$P(\\sigma)$ (forward)")
    ax.semilogy(ctr, nz(hre), "-", color=cyc[1], label="$\\tilde P(\\tilde\\sigma=-\\sigma)\\,e^{\\sigma}$")
    ax.semilogy(ctr, nz(hr), ":", color=cyc[2], label="$\\tilde P(\\tilde\\sigma=-\\sigma)$ (reversed)")
    ax.set_xlabel("total entropy production $\\sigma$ given $B$")
    ax.set_ylabel("probability per bin")
    ax.set_title(f"fluctuation theorem, all paths of $N={n_enum}$ (variant B, memory)")
    ax.legend(fontsize=7)
