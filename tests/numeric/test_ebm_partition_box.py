"""Grid quadrature of ln Z finds its box (numeric/ebm/_partition.py): the data's box is only where it starts.

The Gaussian EBM has ln Z in closed form at any θ (``GaussianEBM.log_partition``),
the independent reference; the trapezoid rule on a box holding the density
converges spectrally, so a resolved grid agrees to 1e-9 (the box drops less
than ``EDGE_TOL`` = 1e-10 of the mass).
"""

import numpy as np
import pytest

from thermolearn.numeric.ebm import GaussianEBM, grid_partition
from thermolearn.numeric.ebm._partition import EDGE_TOL
from thermolearn.theory import AccuracyWarning

G = GaussianEBM(2)
START = ((-2.0, 2.0), (-2.0, 2.0))  # a data box around the origin


@pytest.mark.parametrize("mean, precision, beta", [
    ([3.0, -1.0], [[0.5, 0.1], [0.1, 2.0]], 1.0),   # shifted out of the box, wide in x1
    ([0.0, 0.0], [[0.05, 0.0], [0.0, 0.05]], 1.3),  # centred but 4.5x wider than the box (beta != 1)
    ([-6.0, 5.0], [[4.0, -1.0], [-1.0, 1.0]], 0.7),  # far off, steep
])
def test_log_partition_is_exact_where_the_density_leaves_the_starting_box(mean, precision, beta):
    th = G.pack(mean, precision)
    gp = grid_partition(G, beta, START, n=81)
    assert abs(gp.log_partition(th) - G.log_partition(th, beta)) < 1e-9
    assert gp.edge_mass(th) <= EDGE_TOL
    used = gp._levels[-1]
    assert used is not gp and used.points.shape == gp.points.shape  # found a box, same node count


def test_a_density_inside_the_box_keeps_the_starting_grid():
    th = G.pack([0.2, -0.1], [[30.0, 0.0], [0.0, 30.0]])
    gp = grid_partition(G, 1.0, START, n=81)
    assert abs(gp.log_partition(th) - G.log_partition(th, 1.0)) < 1e-9
    assert gp._levels == [gp]


def test_an_unresolvable_density_warns():
    th = G.pack([0.0, 0.0], [[1e-9, 0.0], [0.0, 1e-9]])  # sd ~ 3e4: beyond six doublings of a box of 4
    gp = grid_partition(G, 1.0, START, n=21)
    with pytest.warns(AccuracyWarning, match="not resolved"):
        gp.log_partition(th)
    assert gp.edge_mass(th) > EDGE_TOL


def test_a_density_that_narrows_after_a_widening_is_resolved_again():
    gp = grid_partition(G, 1.0, START, n=41)
    wide = G.pack([0.0, 0.0], [[1e-2, 0.0], [0.0, 1e-2]])  # sd 10: the found box spans ~±90
    narrow = G.pack([1.0, -1.0], [[50.0, 0.0], [0.0, 50.0]])  # sd 0.14: ~0.03 node spacings of that box
    for th in (wide, narrow):
        assert abs(gp.log_partition(th) - G.log_partition(th, 1.0)) < 1e-9
