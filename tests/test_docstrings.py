"""Run every docstring example of the package, and require one on the public API.

Each docstring with examples is its own test, named after the object it documents,
so a failure points at the docstring to fix.
"""

import doctest
import importlib
import inspect
import pkgutil

import pytest

import gamo_sampler

OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

# Modules whose public names (``__all__``) form the documented API.
PUBLIC_MODULES = (
    "gamo_sampler",
    "gamo_sampler.datasets",
    "gamo_sampler.peers",
    "gamo_sampler.plotting",
)


def package_modules():
    names = [gamo_sampler.__name__]
    for info in pkgutil.walk_packages(gamo_sampler.__path__, prefix="gamo_sampler."):
        names.append(info.name)
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ImportError:  # an optional dependency is missing
            continue
    return modules


def collect_doctests():
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = {}
    for module in package_modules():
        for test in finder.find(module):
            if test.examples:
                tests[test.name] = test
    return [tests[name] for name in sorted(tests)]


DOCTESTS = collect_doctests()


@pytest.mark.parametrize("test", DOCTESTS, ids=[test.name for test in DOCTESTS])
def test_docstring_examples_run(test):
    if test.name.startswith("gamo_sampler.plotting"):
        pytest.importorskip("matplotlib")
    report = []
    runner = doctest.DocTestRunner(optionflags=OPTIONFLAGS)
    # Each docstring starts from its own copy of its module's globals.
    test.globs = dict(test.globs)
    result = runner.run(test, out=report.append)
    assert result.failed == 0, "".join(report)


def public_callables():
    for module_name in PUBLIC_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                yield f"{module_name}.{name}", obj


PUBLIC = sorted(public_callables())


@pytest.mark.parametrize("name, obj", PUBLIC, ids=[name for name, _ in PUBLIC])
def test_public_api_has_examples_section(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert "\nExamples\n--------\n" in doc, f"{name} has no numpydoc Examples section"
