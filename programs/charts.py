"""The program pages' charts as Vega-Lite specs (see common.charts)."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from common import charts
from programs.selectors import AssessmentView


def pillars(view: AssessmentView) -> dict:
    """The six pillars as grouped bars: the latest assessment beside the previous one (when
    there is one), each named with its date."""

    def series(name: str, assessment) -> str:
        return f"{name} ({formats.date_format(assessment.assessed_on, 'SHORT_DATE_FORMAT')})"

    latest = series(pgettext("self-assessment", "Latest"), view.latest)
    previous = series(pgettext("self-assessment", "Previous"), view.previous) if view.previous is not None else None
    rows = []
    for label, latest_score, previous_score in view.rows:
        rows.append((label, latest, latest_score.score if latest_score else None))
        if previous is not None:
            rows.append((label, previous, previous_score.score if previous_score else None))
    return charts.bars(rows, _("Score from 1 (weak) to 5 (strong)"), domain=(0, 5), tick_step=1, value_format="d")
