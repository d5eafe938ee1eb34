"""thermolearn: stochastic thermodynamics of learning.

The layers are ``thermolearn.theory`` (symbolic, sympy only),
``thermolearn.numeric`` (numbers) and ``thermolearn.infoflow`` (X–Θ
learners); this package adds the command line, the paper reproductions and
``thermolearn.testing``.
"""

__version__ = "0.1.0"
