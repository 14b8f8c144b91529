"""The board report download (kept apart from ``views.py`` while the dashboard pages change)."""

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language

from common.roles import EXECUTIVE, HR_MANAGER, role_required
from dashboards import selectors
from dashboards.report import board_report_pdf, report_filename


@role_required(EXECUTIVE, HR_MANAGER)
def board_report(request):
    """The executive dashboard as a PDF in the reader's language, within the same filters."""
    filters = selectors.filters_from(request.GET)
    if filters.errors:  # the dashboard says what is wrong with the filters
        return redirect(f"{reverse('executive_dashboard')}?{request.GET.urlencode()}")
    language = "de" if (get_language() or "").startswith("de") else "en"
    response = HttpResponse(board_report_pdf(filters=filters, language=language), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report_filename(filters, language)}"'
    return response
