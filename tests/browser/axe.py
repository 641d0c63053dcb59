"""Accessibility checks with axe-core, run inside the page the browser shows.

The pages forbid inline scripts (Content-Security-Policy `script-src 'self'`), so axe cannot be
added as a <script> element. Playwright's `evaluate` runs code through the DevTools protocol,
which the page's policy does not govern, so axe is evaluated there: the app keeps its policy,
and the test sees the page exactly as a visitor's browser does.

axe-core comes from npm (package.json, package-lock.json at the repository root); `make test`
installs it with `npm ci`. Tests never download it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

AXE_SOURCE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}


@cache
def _axe_source() -> str:
    if not AXE_SOURCE.exists():
        message = f"axe-core is not installed ({AXE_SOURCE}): run `npm ci` or `make test`"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return AXE_SOURCE.read_text(encoding="utf-8")


def violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """The serious and critical WCAG 2.0/2.1 A and AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Wrapped in a function so that Playwright evaluates the file as a body, not an expression.
        page.evaluate("() => {\n" + _axe_source() + "\n}")
    found = page.evaluate(
        """async (tags) => {
            const results = await window.axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({
                    target: n.target.join(" "), impact: n.impact, summary: n.failureSummary,
                })),
            }));
        }""",
        WCAG_TAGS,
    )
    return [v for v in found if v["impact"] in FAILING_IMPACTS]


def report(where: str, found: list[dict]) -> str:
    lines = [f"{where}: {len(found)} serious or critical accessibility violation(s)"]
    for violation in found:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    at {node['target']}")
            for detail in (node["summary"] or "").splitlines():
                lines.append(f"      {detail}")
    return "\n".join(lines)


def assert_accessible(page, where: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Fail with a readable report if the current page has serious or critical violations."""
    found = violations(page)
    assert not found, report(where or page.url, found)


def assert_paths_accessible(page, base_url: str, paths: Iterable[str]) -> None:  # type: ignore[no-untyped-def]
    """Open each path in turn and check it; report every failing page at once."""
    failures = []
    for path in paths:
        response = page.goto(base_url + path)
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        if found := violations(page):
            failures.append(report(path, found))
    assert not failures, "\n\n".join(failures)
