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

Where the prose after a block says that it prints the next ```text block (or
``.. code-block:: text``), the printed lines must match it: the same words, and
each number within ``OUTPUT_TOLERANCE``. The tolerance comes from what varies
between machines. Another CPU or PyTorch build rounds differently, and training
turns those last bits into other networks (Adam moves a parameter whose
gradient is rounding noise by up to a step), so a fit there is another draw of
the training noise, like another seed on the same data. Over seeds 0 to 9
(``python benchmarks/readme_use_spread.py``), README's "Use" block printed
GAMOSampler + network from 0.879 to 0.914 (mean 0.908, sd 0.010), SMOTE +
network from 0.903 to 0.911, GAMOClassifier from 0.911 to 0.915 and the
probabilities within 0.01. Three standard deviations around the widest mean
reach 0.878 and 0.938: 0.06 covers them from any documented draw, and still
tells a working over-sampler (about 0.9) from a broken one (0.5, the network
alone). Newer library versions change the numbers through the same kernels;
a change of algorithm beyond that is a change the test should report.
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
MARKDOWN_OUTPUT = re.compile(r"(.*?)^```text[ \t]*\n(.*?)^```", re.M | re.DOTALL)
RST_DIRECTIVE = re.compile(r"^(\s*)\.\. code-block:: python\s*$")
RST_OUTPUT = re.compile(r"(.*?)^(\s*)\.\. code-block:: text\s*\n", re.M | re.DOTALL)


def printed_output(prose, output):
    """``output`` if ``prose``, the text between a block and the next text
    block, says that the block prints it (and holds no other code block)."""
    if "prints" in prose and ".. code-block::" not in prose and "```" not in prose:
        return output
    return None


def markdown_blocks(path):
    """(first line number, code, documented output or None) of each ```python
    block of a Markdown file. The output is the next ```text block, when the
    prose before it says that the block prints it."""
    text = path.read_text(encoding="utf-8")
    blocks = []
    for match in MARKDOWN_BLOCK.finditer(text):
        after = MARKDOWN_OUTPUT.match(text, match.end())
        output = after and printed_output(after.group(1), after.group(2))
        blocks.append((text.count("\n", 0, match.start(1)) + 1, match.group(1), output))
    return blocks


def rst_body(lines, number, indent):
    """The dedented text of the directive on line ``number`` (indented by
    ``indent``), and the index of the line after it: the indented text after
    the directive and its options, up to the first non-blank line indented no
    deeper than the directive."""
    body = number + 1
    while body < len(lines) and (
        not lines[body].strip() or lines[body].strip().startswith(":")
    ):
        body += 1  # blank lines and options such as :caption:
    end = body
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
    ):
        end += 1
    return body, end, textwrap.dedent("\n".join(lines[body:end])).strip("\n") + "\n"


def rst_blocks(path):
    """(first line number, code, documented output or None) of each ``..
    code-block:: python`` of an rst file; the output is the next ``..
    code-block:: text``, when the prose before it says the block prints it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    for number, line in enumerate(lines):
        match = RST_DIRECTIVE.match(line)
        if not match:
            continue
        body, end, code = rst_body(lines, number, len(match.group(1)))
        output = None
        after = RST_OUTPUT.match("\n".join(lines[end:]) + "\n")
        if after and printed_output(after.group(1), ""):
            start = end + after.group(1).count("\n")
            output = rst_body(lines, start, len(after.group(2)))[2]
        blocks.append((body + 1, code, output))
    return blocks


SNIPPETS = [
    pytest.param(path, line, code, output, id=f"{path.name}:{line}")
    for path, blocks in [
        (README, markdown_blocks(README)),
        (INDEX, rst_blocks(INDEX)),
        (USER_GUIDE, rst_blocks(USER_GUIDE)),
    ]
    for line, code, output in blocks
]


def test_snippets_are_found():
    """The extraction finds the blocks known today (more may be added)."""
    found = {path.name: 0 for path in (README, INDEX, USER_GUIDE)}
    for param in SNIPPETS:
        found[param.values[0].name] += 1
    assert found["README.md"] >= 1
    assert found["index.rst"] >= 1
    assert found["user_guide.rst"] >= 2
    # README's "Use" block, with its printed lines.
    assert any(p.values[0] == README and p.values[3] for p in SNIPPETS)


NUMBER = re.compile(r"-?\d+(?:\.\d*)?")
# How far a printed number may be from the documented one (module docstring).
OUTPUT_TOLERANCE = 0.06


def check_printed(printed, documented, tolerance=OUTPUT_TOLERANCE):
    """Say where ``printed`` departs from ``documented``: each line's words must
    be the same, and each number within ``tolerance``; spacing may differ (NumPy
    pads arrays to their widest number)."""
    printed_lines = printed.strip("\n").splitlines()
    documented_lines = documented.strip("\n").splitlines()
    assert len(printed_lines) == len(documented_lines), (printed, documented)
    for out, doc in zip(printed_lines, documented_lines, strict=True):
        words = [" ".join(NUMBER.sub("#", text).split()) for text in (out, doc)]
        assert words[0] == words[1], f"printed {out!r}, documented {doc!r}"
        for got, shown in zip(NUMBER.findall(out), NUMBER.findall(doc), strict=True):
            assert abs(float(got) - float(shown)) <= tolerance, (
                f"printed {out!r}, documented {doc!r}: {got} is more than "
                f"{tolerance} from {shown}"
            )


@pytest.mark.parametrize(("path", "line", "code", "output"), SNIPPETS)
def test_snippet_runs(path, line, code, output, tmp_path, monkeypatch, capsys):
    """Run one block as written; a traceback gives the line in the document.
    Where the document shows what the block prints, the printed lines match it
    within ``OUTPUT_TOLERANCE``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # Pad with blank lines so that line numbers in a traceback are the file's.
    compiled = compile("\n" * (line - 1) + code, str(path), "exec")
    with threadpool_limits(limits=1):
        exec(compiled, {"__name__": "__main__"})
    if output is not None:
        check_printed(capsys.readouterr().out, output)


def test_printed_output_check_sees_a_changed_number_or_word():
    documented = "    SMOTE + network: 0.904\nP: [0.98 0.   0.  ]\n"
    check_printed("SMOTE + network: 0.924\nP: [0.97 0.01 0.  ]", documented)
    with pytest.raises(AssertionError, match="0.804 is more than"):
        check_printed("SMOTE + network: 0.804\nP: [0.98 0. 0.]", documented)
    with pytest.raises(AssertionError, match="documented"):
        check_printed("GAMO + network: 0.904\nP: [0.98 0. 0.]", documented)
