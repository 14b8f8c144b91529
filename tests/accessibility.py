"""axe-core (vendored in tests/vendor, MPL-2.0) run inside a Playwright page."""

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"


def serious_violations(page) -> list[str]:
    """Critical and serious axe violations of the page as "rule: selector" lines."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = [
        f"{v['id']}: {node['target']} {node.get('failureSummary', '')[:160]!r}"
        for v in result["violations"]
        if v["impact"] in ("critical", "serious")
        for node in v["nodes"]
    ]
    return found
