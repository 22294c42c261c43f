"""Accessibility checks of the browser tests: axe-core (pinned in ``tests/browser/package.json``,
installed by ``make install-dev``) run in the page a Playwright test has open.

axe is injected with ``page.evaluate`` (through the DevTools protocol, so the page's
Content-Security-Policy, which refuses inline scripts, does not apply) and run over the whole
document with the WCAG 2.1 A/AA rules and axe's best practices (colour contrast and heading order
included). Any violation fails the test with its rule, impact, help text and the offending nodes.
"""

from functools import cache
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
#: The rule sets run: WCAG 2.0/2.1 levels A and AA plus axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@cache
def axe_source() -> str:
    """axe-core's script; a clear error when ``npm ci`` in tests/browser has not run."""
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} is missing: run `make install-dev` (npm ci in tests/browser).")
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """Run axe over ``page``'s document; returns its violations (``id``, ``impact``, ``help``,
    ``nodes`` with their ``target`` and ``failureSummary``), ``[]`` when none."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source() + "\n;undefined")
    return page.evaluate(
        "async (tags) => (await window.axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations",
        TAGS,
    )


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    """Fail with a readable list unless axe finds no violation on ``page``'s current document."""
    violations = axe_violations(page)
    assert not violations, f"axe found {len(violations)} violation(s) on {page.url}:\n" + format_violations(violations)
