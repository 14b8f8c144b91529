"""The pages of the KPI values import (``kpis.imports``), on the shared import pages of
``common.import_pages``. HR managers only."""

from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common import import_pages
from common.roles import HR_MANAGER, role_required
from kpis.forms import MeasurementUploadForm
from kpis.imports import MEASUREMENT_IMPORT

# The url names common.import_pages links to.
IMPORT_URLS = {"start": "kpis:import_start", "detail": "kpis:import_run_detail", "commit": "kpis:import_run_commit"}
IMPORT_URLS["template"] = "kpis:import_template"


@role_required(HR_MANAGER)
def import_start(request):
    form = MeasurementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        run = MEASUREMENT_IMPORT.create(file_name=upload.name, content=upload.read(), user=request.user)
        return redirect(IMPORT_URLS["detail"], pk=run.pk)
    title = _("Import KPI values")
    context = {"form": form, "runs": MEASUREMENT_IMPORT.recent_runs(), "title": title, "urls": IMPORT_URLS}
    return import_pages.render_start(request, MEASUREMENT_IMPORT, **context, template="kpis/import_start.html")


@role_required(HR_MANAGER)
@require_GET
def import_template(request, kind: str):
    return import_pages.template_download(MEASUREMENT_IMPORT, kind, file_stem="kpi-values")


@role_required(HR_MANAGER)
@require_GET
def import_run_detail(request, pk: int):
    labels = {"title": _("Import KPI values"), "key_label": _("KPI, period and scope")}
    return import_pages.render_run(request, MEASUREMENT_IMPORT, pk, **labels, urls=IMPORT_URLS, template="kpis/import_run_detail.html")


@role_required(HR_MANAGER)
@require_POST
def import_run_commit(request, pk: int):
    return import_pages.commit(request, MEASUREMENT_IMPORT, pk, urls=IMPORT_URLS)
