"""The lower bounds that setup.cfg declares are the versions CI tests.

``.ci/run`` installs the pins of ``.ci/oldest-constraints.txt`` in a fresh venv
and runs the core tests against them; these checks keep the pins and the
declared lower bounds from drifting apart. Pure text: nothing is installed or
imported but the two files.
"""

import configparser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def declared(section, key):
    """The requirements of one multi-line setup.cfg entry, one per line."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config[section][key].splitlines()
    return [Requirement(line) for line in lines if line.strip()]


def lower_bound(requirement):
    """The version of the requirement's ``>=`` clause, or None."""
    bounds = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
    assert len(bounds) <= 1, requirement
    return bounds[0] if bounds else None


def pins():
    """The constraints file's pins, by canonical package name."""
    text = (ROOT / ".ci" / "oldest-constraints.txt").read_text()
    out = {}
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        [spec] = requirement.specifier
        assert spec.operator == "==", f"not an exact pin: {line}"
        name = canonicalize_name(requirement.name)
        assert name not in out, f"pinned twice: {name}"
        out[name] = Version(spec.version)
    return out


def test_every_install_requirement_is_pinned_at_its_lower_bound():
    pinned = pins()
    requirements = declared("options", "install_requires")
    assert requirements
    for requirement in requirements:
        bound = lower_bound(requirement)
        assert bound is not None, f"{requirement} declares no lower bound"
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is not in .ci/oldest-constraints.txt"
        assert pinned[name] == bound, (
            f"setup.cfg says {requirement}, .ci/oldest-constraints.txt pins "
            f"{name}=={pinned[name]}"
        )


def test_every_pin_is_a_declared_lower_bound():
    """A pin for an extra's package (pandas) equals that package's lower bound
    in every extra that names it, and no pin is for an undeclared package."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    extras = config["options.extras_require"]
    requirements = declared("options", "install_requires") + [
        requirement
        for extra in extras
        for requirement in declared("options.extras_require", extra)
    ]
    for name, version in pins().items():
        bounds = {
            lower_bound(r)
            for r in requirements
            if canonicalize_name(r.name) == name and lower_bound(r) is not None
        }
        assert bounds == {version}, f"{name}=={version} pinned, setup.cfg: {bounds}"
