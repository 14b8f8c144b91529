"""The KPI pages' charts as Vega-Lite specs (see common.charts), built from what the
selectors return."""

from __future__ import annotations

from django.utils.translation import gettext as _

from common import charts
from kpis.selectors import CorrelationResult, KpiPage

UNIT_SYMBOLS = {"percent": "%", "hours": "h", "eur": "€"}


def kpi_history(page: KpiPage) -> dict:
    """The chosen scope's values in time order, with the baseline and target as rules."""
    kpi = page.kpi
    symbol = UNIT_SYMBOLS.get(kpi.unit)
    y_title = f"{kpi.name} ({symbol})" if symbol else str(kpi.name)
    return charts.line(
        [(row.short_label, row.measurement.value) for row in page.history],
        _("Period"),
        y_title,
        baseline=(page.baseline.value, _("Baseline")) if page.baseline else None,
        target=(page.target.value, _("Target")) if page.target else None,
    )


def correlation(item: CorrelationResult) -> dict:
    """One dot per department and month; coloured by department while the palette has a
    colour for each (beyond that, colours would repeat and mislead)."""
    points = [{"x": p.x, "y": p.y, "department": p.department, "month": p.period} for p in item.points]
    departments = {p.department for p in item.points}
    by_department = 1 < len(departments) <= len(charts.PALETTE)
    return charts.scatter(
        points,
        str(item.row.x.name),
        str(item.row.y.name),
        colour_by="department" if by_department else None,
        colour_title=_("Department"),
        tooltip=[("department", _("Department")), ("month", _("Month"))],
    )
