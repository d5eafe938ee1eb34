"""Side-by-side performance comparisons (``python -m benchmarks``); not part of the tests."""
