"""Run every docstring example of the installed package under its real name.

The repository's ``theory/``, ``numeric/`` and ``infoflow/`` folders are
installed as ``thermolearn.theory`` etc., so the examples are collected by
importing each module by that name (pytest's ``--doctest-modules`` would
import them a second time under their folder names).
"""

import doctest
import importlib
import pkgutil

import pytest



LAYERS = ("thermolearn", "thermolearn.theory", "thermolearn.numeric", "thermolearn.infoflow")


def _module_names():
    # Each layer is walked from its own folder: an editable install maps the
    # layers to separate folders, which thermolearn.__path__ does not list.
    names = set(LAYERS)
    for layer in LAYERS:
        package = importlib.import_module(layer)
        for info in pkgutil.walk_packages(package.__path__, layer + "."):
            if not info.name.endswith(".__main__"):  # running it would start the CLI
                names.add(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _module_names())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(verbose=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures = []
    for test in finder.find(module, name):
        if test.examples and test.name.split(".")[0] == "thermolearn":
            runner.run(test, out=failures.append)
    assert not failures, "".join(failures)
