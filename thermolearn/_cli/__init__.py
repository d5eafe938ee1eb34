"""Subcommand implementations of the ``thermolearn`` command line."""
