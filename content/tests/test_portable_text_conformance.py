"""Our Portable Text renderers against the official ones, document by document.

tests/portabletext/corpus/*.json holds ``{"description", "blocks"}`` documents; render.mjs runs
``@portabletext/to-html``, ``@portabletext/markdown`` and ``@portabletext/toolkit`` (versions pinned
in package-lock.json, installed by ``make test`` through ``npm ci``) with the same custom component
definitions as ``content.portable_text``. Node runs once per session for the whole corpus.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from content.portable_text import to_html, to_markdown, to_plain_text

PT_DIR = Path(__file__).resolve().parents[2] / "tests" / "portabletext"
CORPUS = sorted((PT_DIR / "corpus").glob("*.json"))

pytestmark = pytest.mark.node


def _normalise(value: str) -> str:
    # Only line endings and the ends of the document: inner whitespace (hard breaks are two
    # trailing spaces in Markdown, &nbsp; runs in HTML) has to match exactly.
    return value.replace("\r\n", "\n").strip()


@pytest.fixture(scope="module")
def official() -> dict[str, dict]:
    """``{corpus file name: {"html", "markdown", "text"}}`` from the official renderers."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the Portable Text conformance test needs node >= 20.19.")
    for package in ("to-html", "markdown", "toolkit"):
        if not (PT_DIR / "node_modules" / "@portabletext" / package / "package.json").exists():
            pytest.fail(
                f"{PT_DIR}/node_modules lacks @portabletext/{package}: run `make test` "
                "(it runs `npm ci` in tests/portabletext) before this test."
            )
    documents = [json.loads(path.read_text(encoding="utf-8"))["blocks"] for path in CORPUS]
    completed = subprocess.run(  # noqa: S603 (fixed script, our own corpus)
        [node, "render.mjs"],
        cwd=PT_DIR,
        input=json.dumps(documents),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(f"render.mjs failed ({completed.returncode}):\n{completed.stderr}")
    results = json.loads(completed.stdout)
    assert len(results) == len(CORPUS)
    return {path.name: result for path, result in zip(CORPUS, results, strict=True)}


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 35


@pytest.mark.parametrize("path", CORPUS, ids=[path.stem for path in CORPUS])
def test_html_matches_official(path, official):
    blocks = json.loads(path.read_text(encoding="utf-8"))["blocks"]
    assert _normalise(to_html(blocks)) == _normalise(official[path.name]["html"])


@pytest.mark.parametrize("path", CORPUS, ids=[path.stem for path in CORPUS])
def test_markdown_matches_official(path, official):
    blocks = json.loads(path.read_text(encoding="utf-8"))["blocks"]
    assert _normalise(to_markdown(blocks)) == _normalise(official[path.name]["markdown"])


@pytest.mark.parametrize("path", CORPUS, ids=[path.stem for path in CORPUS])
def test_plain_text_matches_official(path, official):
    blocks = json.loads(path.read_text(encoding="utf-8"))["blocks"]
    assert _normalise(to_plain_text(blocks)) == _normalise(official[path.name]["text"])
