"""Shared fixtures: a seeded numpy Generator for every stochastic test."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    """Fresh, fixed-seed Generator (same numbers in every run)."""
    return np.random.default_rng(20251003)
