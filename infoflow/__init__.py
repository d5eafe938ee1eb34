"""The X–Θ learner on a Bayesian network: information flows and fluctuation theorems."""
