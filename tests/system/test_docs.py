"""The docs hold together: a short README, links that resolve, one quality table, and the commands CI really runs.

Links are checked in ``README.md`` and ``docs/*.md``: every relative target must be an existing file (or folder), and
an ``#anchor`` into a Markdown file must name one of its headings (GitHub's heading slugs). Code blocks and inline
code are not links.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
CI = ROOT / ".ci" / "run"
DOCS = sorted((ROOT / "docs").glob("*.md"))
MAX_README_LINES = 200
RUN_COMMAND = "python -m pip install -r requirements.txt && streamlit run app.py"

_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"(`+).*?\1", re.DOTALL)
_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:, ...


def _prose(text: str) -> str:
    """The Markdown without fenced code blocks and inline code spans."""
    return _INLINE_CODE.sub("", _FENCE.sub("", text))


def links(text: str) -> list[str]:
    """Every link and image target of a Markdown text, in order (code blocks and inline code left out)."""
    prose = _prose(text)
    return _INLINE_LINK.findall(prose) + _REFERENCE_LINK.findall(prose)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = text.replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """The anchors of a Markdown text's headings (a repeated heading gets -1, -2, ... as on GitHub)."""
    found: set[str] = set()
    for heading in _HEADING.findall(_FENCE.sub("", text)):
        base = slug(heading)
        name, count = base, 0
        while name in found:
            count += 1
            name = f"{base}-{count}"
        found.add(name)
    return found


def broken_links(path: Path) -> list[str]:
    """The relative links of the Markdown file ``path`` that do not resolve, each as "target (why)"."""
    text = path.read_text(encoding="utf-8")
    broken = []
    for target in links(text):
        if _EXTERNAL.match(target):
            continue
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path
        if not resolved.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved.read_text(encoding="utf-8")):
            broken.append(f"{target} (no heading #{anchor})")
    return broken


def _bash_blocks_after(text: str, heading: str) -> list[str]:
    """The bodies of the ```bash blocks in the section under ``heading`` (up to the next heading of any level)."""
    start = re.search(rf"^#+[ \t]+{re.escape(heading)}[ \t]*$", text, re.MULTILINE)
    assert start is not None, f"the README has no heading {heading!r}"
    rest = text[start.end():]
    following = re.search(r"^#+[ \t]", rest, re.MULTILINE)
    section = rest[: following.start()] if following else rest
    return [body.strip() for body in re.findall(r"^```bash\n(.*?)^```", section, re.MULTILINE | re.DOTALL)]


def readme_test_command() -> str:
    blocks = _bash_blocks_after(README.read_text(encoding="utf-8"), "Test it")
    assert len(blocks) == 1 and "\n" not in blocks[0], f"'Test it' should show one one-line command: {blocks}"
    return blocks[0]


def _normalised(command: str) -> list[str]:
    """A command as words, without pip's ``-q``/``--quiet`` (CI may keep pip quiet; it installs the same)."""
    words = shlex.split(command)
    if words[:4] == ["python", "-m", "pip", "install"]:
        words = [word for word in words if word not in ("-q", "--quiet")]
    return words


def ci_commands(script: str) -> list[list[str]]:
    """The pip and pytest commands a shell script runs, in order, each as words (see :func:`_normalised`)."""
    commands = []
    for line in script.splitlines():
        line = line.split(" #")[0].strip()
        for part in (piece.strip() for piece in line.split("&&")):
            words = _normalised(part) if part and not part.startswith("#") else []
            if words[:3] in (["python", "-m", "pip"], ["python", "-m", "pytest"]):
                commands.append(words)
    return commands


def test_readme_is_at_most_200_lines() -> None:
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_README_LINES, f"README.md has {lines} lines; the depth belongs in docs/"


@pytest.mark.parametrize("path", [README, *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path: Path) -> None:
    assert links(path.read_text(encoding="utf-8")), f"{path.name} links nowhere: is the link pattern still right?"
    assert broken_links(path) == []


def test_the_docs_pages_exist_and_the_readme_links_each_of_them() -> None:
    names = {path.name for path in DOCS}
    assert {"architecture.md", "forecast-quality.md", "performance.md", "cli.md", "user-guide.md"} <= names
    targets = {target.partition("#")[0] for target in links(README.read_text(encoding="utf-8"))}
    assert {f"docs/{name}" for name in names} <= targets


def test_a_broken_link_or_anchor_is_found(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other page\n\n## The tutorial's setup\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n[ok](other.md#the-tutorials-setup) [self](#page) [web](https://example.org/x.md)\n"
        "[gone](missing.md) ![img](pics/none.png) [bad anchor](other.md#nowhere)\n\n"
        "```bash\n[not a link](nowhere.md)\n```\n`[not a link either](nowhere.md)`\n",
        encoding="utf-8",
    )
    assert broken_links(page) == [
        "missing.md (no such file)", "pics/none.png (no such file)", "other.md#nowhere (no heading #nowhere)"]


def _quality_rows(text: str) -> list[str]:
    """The rows of the forecast-quality table of the test span (the one whose header starts with
    "| series | n (test) |")."""
    lines = text.splitlines()
    start = next((k for k, line in enumerate(lines) if line.startswith("| series | n (test) |")), None)
    assert start is not None, "no forecast-quality table"
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def test_the_readme_quality_table_is_the_one_in_docs() -> None:
    readme = _quality_rows(README.read_text(encoding="utf-8"))
    assert len(readme) > 2
    assert readme == _quality_rows((ROOT / "docs" / "forecast-quality.md").read_text(encoding="utf-8"))


def test_the_readme_shows_the_run_command() -> None:
    assert RUN_COMMAND in _bash_blocks_after(README.read_text(encoding="utf-8"), "Run it")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    steps = [_normalised(step) for step in readme_test_command().split("&&")]
    assert [words[:3] for words in steps] == [["python", "-m", "pip"], ["python", "-m", "pytest"]]
    ran = ci_commands(CI.read_text(encoding="utf-8"))
    assert steps[0] in ran, f"{CI} does not install what the README installs"
    pytest_runs = [words for words in ran if words[:3] == ["python", "-m", "pytest"]]
    assert pytest_runs == [steps[1]], f"{CI} should run the README's pytest command exactly once, as it is"
    assert ran.index(steps[0]) < ran.index(steps[1]), "CI installs before it tests"


def test_a_ci_script_that_drifts_from_the_readme_is_caught() -> None:
    readme = [_normalised(step) for step in readme_test_command().split("&&")]
    same = "python -m pip install -q -r requirements.txt -r requirements-dev.txt\npython -m pytest\n"
    assert ci_commands(same) == readme
    assert ci_commands("python -m pip install -r requirements.txt\npython -m pytest -x tests/core\n") != readme
