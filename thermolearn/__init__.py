"""thermolearn: the command line and the paper reproductions.

The libraries are the top-level packages ``theory`` (symbolic), ``numeric``
(numbers) and ``infoflow`` (X–Θ learners); this package drives them.
"""

__version__ = "0.1.0"
