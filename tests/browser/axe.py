"""axe-core in the browser tests: run it on the page as it stands and report what a person using a
screen reader, a keyboard or low vision would hit hardest (impact serious or critical)."""

from __future__ import annotations

from functools import cache

from playwright.sync_api import Page

from tests.conftest import REPO

AXE_JS = REPO / "tests" / "support" / "axe" / "axe.min.js"
BLOCKING = ("serious", "critical")

# Every rule axe runs by default (WCAG 2.0–2.2 A and AA, and its best practices). The page's own
# Content-Security-Policy forbids inline scripts, so axe goes in through Playwright's evaluate
# (the DevTools protocol), never as a <script> element the policy would block.
_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 160),
                              summary: n.failureSummary}))
  }));
}"""


@cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict]:
    """The serious and critical axe violations of the page as it is shown now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    return [v for v in page.evaluate(_RUN) if v["impact"] in BLOCKING]


def axe_report(violations: list[dict], *, where: str) -> list[str]:
    """One readable line per violation and element, for an assertion message."""
    return [
        f"{where}: {v['id']} ({v['impact']}): {v['help']} -> {node['target']} {node['html']}"
        for v in violations
        for node in v["nodes"]
    ]


def assert_accessible(page: Page, *, where: str = "") -> None:
    problems = axe_report(axe_violations(page), where=where or page.url)
    assert problems == [], "\n".join(problems)
