"""The licence and the citation: CITATION.cff is Citation File Format 1.2 with
the paper as its preferred citation, and the version it and the BibTeX of the
README and the user guide name is the package's."""

import re
from pathlib import Path

import pytest

import gamo_sampler

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
# CFF 1.2.0's required keys, of the file and of a reference (the schema's
# "required" lists); the types a reference may have that fit a paper.
CFF_REQUIRED = {"cff-version", "message", "title", "authors"}
REFERENCE_REQUIRED = {"type", "title", "authors"}
PAPER_TYPES = {"conference-paper", "article", "proceedings"}


def citation():
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def is_person_or_entity(author):
    """A CFF person has family-names; an entity has a name."""
    return isinstance(author, dict) and bool(
        author.get("family-names") or author.get("name")
    )


def test_citation_file_has_the_required_keys_of_cff_1_2():
    cff = citation()
    assert CFF_REQUIRED <= set(cff), CFF_REQUIRED - set(cff)
    assert cff["cff-version"] == "1.2.0"
    assert cff["type"] == "software"
    assert cff["authors"] and all(map(is_person_or_entity, cff["authors"]))
    assert cff["license"] == "MIT"
    assert str(cff["version"]) == gamo_sampler.__version__


def test_preferred_citation_is_the_paper():
    paper = citation()["preferred-citation"]
    assert REFERENCE_REQUIRED <= set(paper), REFERENCE_REQUIRED - set(paper)
    assert paper["type"] in PAPER_TYPES
    assert paper["title"] == "Generative Adversarial Minority Oversampling"
    names = [author["family-names"] for author in paper["authors"]]
    assert names == ["Mullick", "Datta", "Das"]
    assert paper["year"] == 2019 and "ICCV" in paper["collection-title"]
    assert "1903.09730" in paper["url"]
    assert any("1903.09730" in i["value"] for i in paper["identifiers"])


@pytest.mark.parametrize("page", ["README.md", "docs/user_guide.rst"])
def test_citing_sections_give_the_paper_and_this_version(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    assert "@inproceedings{mullick2019gamo," in text
    assert "eprint        = {1903.09730}" in text
    versions = re.findall(r"version = \{([^}]*)\}", text)
    assert versions == [gamo_sampler.__version__]


def test_licence_file_is_the_declared_licence():
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License")
    assert "gamo_sampler developers" in licence
    setup = (ROOT / "setup.cfg").read_text(encoding="utf-8")
    assert re.search(r"^license = MIT$", setup, re.M)
    assert re.search(r"^license_files = LICENSE$", setup, re.M)
