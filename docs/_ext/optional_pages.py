"""Let the docs list and link pages that other work adds to docs/ later.

``performance``, ``robustness`` and ``results`` are written separately. Until
such a page exists:

- the ``optional-toctree`` directive (a ``toctree`` that skips the optional
  pages that are missing) leaves it out of the navigation;
- a ``:doc:`` link to it renders as plain text instead of failing the ``-W``
  build.

Once the page is there, both behave as usual.
"""

from sphinx.directives.other import TocTree

OPTIONAL_PAGES = frozenset({"performance", "robustness", "results"})


class OptionalTocTree(TocTree):
    """A toctree whose entries from ``OPTIONAL_PAGES`` are dropped if missing."""

    def run(self):
        found = self.env.found_docs
        kept = [
            (line, source, offset)
            for line, (source, offset) in zip(
                self.content, self.content.items, strict=True
            )
            if line.strip() not in OPTIONAL_PAGES or line.strip() in found
        ]
        self.content = type(self.content)(
            [line for line, _, _ in kept], items=[(s, o) for _, s, o in kept]
        )
        return super().run()


def keep_text_of_missing_optional_page(app, env, node, contnode):
    if node.get("reftype") == "doc" and node.get("reftarget") in OPTIONAL_PAGES:
        return contnode
    return None


def reread_all_when_optional_pages_change(app, env, added, changed, removed):
    """In an incremental build, re-read every page once the optional set changes.

    The toctree and links that mention optional pages live in pages that did
    not change themselves, so Sphinx would not re-read them.
    """
    present = sorted(OPTIONAL_PAGES & env.found_docs)
    previous = getattr(env, "gamo_optional_pages", None)
    env.gamo_optional_pages = present
    if previous is not None and previous != present:
        return sorted(env.found_docs)
    return []


def setup(app):
    app.add_directive("optional-toctree", OptionalTocTree)
    app.connect("env-get-outdated", reread_all_when_optional_pages_change)
    app.connect("missing-reference", keep_text_of_missing_optional_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
