"""Drawing the board report's charts and compiling its PDF, in a process of its own.

The JavaScript runtime that draws the charts (vl-convert) and Typst cost a process about
150 MB, which a web worker would otherwise keep for the rest of its life. ``render_isolated``
hands the finished Typst source and the chart specs to a new interpreter (multiprocessing
"spawn": a forked copy of a process that has run vl-convert's threads can hang) that exits
afterwards. Nothing here imports Django models or touches the database, so the child needs no
Django set-up.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

# An empty drawing stands in for a chart that cannot be drawn, so that the board still gets its
# report (the failure is logged).
BLANK_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'


def chart_svgs(specs: dict[str, tuple[dict, int]]) -> dict[str, str]:
    """The charts drawn to SVG documents by name; ``specs`` maps names to (spec, width)."""
    from common import charts

    out = {}
    for name, (spec, width) in specs.items():
        try:
            out[name] = charts.to_svg(spec, width=width)
        except Exception:
            logger.exception("board report: chart %s could not be drawn", name)
            out[name] = BLANK_SVG
    return out


def render(source: str, specs: dict[str, tuple[dict, int]]) -> bytes:
    """The PDF of the Typst ``source``, its charts passed in as ``sys.inputs`` by name."""
    import typst

    return typst.compile(source.encode(), sys_inputs=chart_svgs(specs), ignore_system_fonts=False)


def render_isolated(source: str, specs: dict[str, tuple[dict, int]], *, timeout: float = 120) -> bytes:
    """``render`` in a new process that exits afterwards. Where no child process can be made
    (inside a daemonic pool process), the PDF is rendered here."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        future = pool.submit(render, source, specs)
    except (AssertionError, OSError):
        logger.warning("board report: no child process for rendering; rendering in this process")
        return render(source, specs)
    try:
        return future.result(timeout=timeout)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
