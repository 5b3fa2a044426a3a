"""Every Python code block of README.md, docs/index.rst and docs/user_guide.rst
runs as written.

The blocks are found afresh at each run, so a block added later is tested too:
every fenced block marked ```python in README.md and every
``.. code-block:: python`` directive in docs/index.rst and docs/user_guide.rst.
Other blocks are not run: the ```bash set-up commands (CI runs those), the
```text output and the ``.. code-block:: bibtex`` citation.

Each block runs on its own, in a fresh namespace and in a temporary working
directory, so it must import and define everything it uses. Blocks that fit
GAMO keep themselves cheap in plain sight (a small ``max_iter``, with a note
beside the block saying so); the test changes nothing in them. It only limits
BLAS and OpenMP to one thread, as GAMO's own fits already do for torch
(``n_threads=1``): on a busy 2-core machine, two OpenMP threads made one
HistGradientBoostingClassifier fit about 50 times slower than one thread. All
the blocks together take about 20 to 30 s on such a machine.
"""

import re
import textwrap
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
USER_GUIDE = ROOT / "docs" / "user_guide.rst"
INDEX = ROOT / "docs" / "index.rst"

MARKDOWN_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
RST_DIRECTIVE = re.compile(r"^(\s*)\.\. code-block:: python\s*$")


def markdown_blocks(path):
    """(first line number, code) of each ```python block of a Markdown file."""
    text = path.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, match.start(1)) + 1, match.group(1))
        for match in MARKDOWN_BLOCK.finditer(text)
    ]


def rst_blocks(path):
    """(first line number, code) of each ``.. code-block:: python`` of an rst file.

    The block is the indented text after the directive and its options, up to
    the first non-blank line indented no deeper than the directive.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    for number, line in enumerate(lines):
        match = RST_DIRECTIVE.match(line)
        if not match:
            continue
        indent = len(match.group(1))
        body = number + 1
        while body < len(lines) and (
            not lines[body].strip() or lines[body].strip().startswith(":")
        ):
            body += 1  # blank lines and options such as :caption:
        end = body
        while end < len(lines) and (
            not lines[end].strip()
            or len(lines[end]) - len(lines[end].lstrip()) > indent
        ):
            end += 1
        code = textwrap.dedent("\n".join(lines[body:end])).strip("\n") + "\n"
        blocks.append((body + 1, code))
    return blocks


SNIPPETS = [
    pytest.param(path, line, code, id=f"{path.name}:{line}")
    for path, blocks in [
        (README, markdown_blocks(README)),
        (INDEX, rst_blocks(INDEX)),
        (USER_GUIDE, rst_blocks(USER_GUIDE)),
    ]
    for line, code in blocks
]


def test_snippets_are_found():
    """The extraction finds the blocks known today (more may be added)."""
    found = {path.name: 0 for path in (README, INDEX, USER_GUIDE)}
    for param in SNIPPETS:
        found[param.values[0].name] += 1
    assert found["README.md"] >= 1
    assert found["index.rst"] >= 1
    assert found["user_guide.rst"] >= 2


@pytest.mark.parametrize(("path", "line", "code"), SNIPPETS)
def test_snippet_runs(path, line, code, tmp_path, monkeypatch):
    """Run one block as written; a traceback gives the line in the document."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # Pad with blank lines so that line numbers in a traceback are the file's.
    compiled = compile("\n" * (line - 1) + code, str(path), "exec")
    with threadpool_limits(limits=1):
        exec(compiled, {"__name__": "__main__"})
