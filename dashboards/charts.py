"""Chart specifications of the dashboards and the board report (Vega-Lite, see common.charts),
built from the same overview so that the page and the PDF show the same figures."""

from __future__ import annotations

from django.utils.translation import gettext as _

from common import charts
from dashboards.selectors import ExecutiveOverview


def executive_charts(overview: ExecutiveOverview) -> dict:
    """Chart specs by name: "trend", "scatter" and "spark-<KPI code>"."""
    out = {}
    trend = [s for s in overview.trend if s.engagement is not None]
    if len(trend) > 1:
        out["trend"] = charts.line(
            [(s.wave.closes_on, s.engagement) for s in trend],
            _("Wave (closing date)"),
            _("Engagement index (% favourable)"),
            description=_("Engagement index per wave"),
        )
    for family in overview.kpis:
        for tile in family.tiles:
            if len(tile.trend) > 1:
                out[f"spark-{tile.kpi.code}"] = charts.sparkline(tile.trend, description=_("Trend of %(kpi)s") % {"kpi": tile.kpi.name})
    scatter = overview.scatter
    if scatter is not None and scatter.points:
        out["scatter"] = charts.scatter(
            scatter.points,
            scatter.correlation.x.name,
            scatter.correlation.y.name,
            tooltip=[("department", _("Department")), ("month", _("Month"))],
            description=scatter.reading,
        )
    return out
