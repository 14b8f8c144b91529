"""The pages of a tabular import (see ``common.imports``), for an app's thin views: the start
page, the template download, the run page that htmx polls while a worker runs, and the commit.

``urls`` names the app's routes: {"start": ..., "detail": ..., "commit": ..., "template": ...}
(``detail`` and ``commit`` take the run's pk, ``template`` takes "csv" or "xlsx").
"""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from common import exports
from common.imports import TabularImport

# A run that has waited this long for a worker says so (the worker may only be busy).
WORKER_PATIENCE = timedelta(minutes=1)


def render_start(request, flow: TabularImport, *, form, runs, title, urls: dict, template: str = "common/import_start.html"):
    context = {"form": form, "columns": flow.spec_class.column_help, "runs": runs, "title": title, "urls": urls}
    return render(request, template, context)


def template_download(flow: TabularImport, kind: str, *, file_stem: str) -> HttpResponse:
    if kind == "xlsx":
        response = HttpResponse(flow.spec_class.template_xlsx(), content_type=exports.XLSX_CONTENT_TYPE)
    elif kind == "csv":
        response = HttpResponse(flow.spec_class.template_csv(), content_type="text/csv; charset=utf-8")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{file_stem}-template.{kind}"'
    return response


def render_run(request, flow: TabularImport, pk: int, *, title, key_label, urls: dict, template: str = "common/import_run_detail.html"):
    run = get_object_or_404(flow.run_model.objects.select_related("created_by").defer("content"), pk=pk)
    report = flow.spec_class.report_for_display(run.report)
    waiting = run.in_progress and timezone.now() - run.modified > WORKER_PATIENCE
    context = {
        "run": run,
        "report": report,
        "title": title,
        "key_label": key_label,
        "urls": urls,
        "worker_waiting": waiting,
        # Notes of a run in progress (see common.imports): its task could not be queued, or it is retried.
        "queue_unreachable": run.in_progress and bool(run.report.get("queue_unreachable")),
        "retries": run.report.get("requeued", 0) if run.in_progress else 0,
    }
    return render(request, template, context)


def commit(request, flow: TabularImport, pk: int, *, urls: dict):
    run = get_object_or_404(flow.run_model.objects.defer("content"), pk=pk)
    try:
        flow.commit_request(run=run, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(urls["detail"], pk=pk)
