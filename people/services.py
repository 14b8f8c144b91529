"""Writes to the organisation: HRIS imports, segments and the privacy actions."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from people.hris_import import ImportOptions, ImportResult, run_import_atomically
from people.models import Department, Employee, ImportRun, PrivacyLogEntry, Segment
from people.selectors import employee_personal_data

MAX_UPLOAD_BYTES = 30 * 1024 * 1024


def _apply_result(run: ImportRun, result: ImportResult) -> None:
    run.rows_total = result.rows_total
    run.rows_created = result.created
    run.rows_updated = result.updated
    run.rows_unchanged = result.unchanged
    run.rows_error = result.errors
    run.marked_exited = result.marked_exited
    run.report = result.report()


@transaction.atomic
def import_run_create(*, file_name: str, content: bytes, create_missing: bool, mark_absent_exited_on: date | None, user) -> ImportRun:
    """Keep an upload in the database and have a worker check it: a 50,000-row file takes longer
    than a web request should."""
    from people.tasks import import_run_check as check_task

    run = ImportRun.objects.create(
        file_name=file_name[:255],
        content=content,
        status=ImportRun.Status.CHECKING,
        create_missing=create_missing,
        mark_absent_exited_on=mark_absent_exited_on,
        created_by=user,
        source=ImportRun.Source.WEB,
    )
    check_task.delay_on_commit(run.pk)
    return run


def _claimed(run_id: int, status: str) -> ImportRun | None:
    return ImportRun.objects.select_for_update().filter(pk=run_id, status=status).first()


@transaction.atomic
def import_run_check(*, run_id: int) -> None:
    """The dry run of an upload; does nothing unless the run still waits for it."""
    run = _claimed(run_id, ImportRun.Status.CHECKING)
    if run is None:
        return
    content = bytes(run.content)
    options = ImportOptions(create_missing=run.create_missing, mark_absent_exited_on=run.mark_absent_exited_on)
    _apply_result(run, run_import_atomically(open_binary=lambda: io.BytesIO(content), options=options, commit=False))
    run.status = ImportRun.Status.PREVIEWED
    run.save()


@transaction.atomic
def import_run_commit_request(*, run: ImportRun, user) -> None:
    if run.has_errors:
        raise ValidationError(_("Nothing can be written while any row has an error."))
    claimed = ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.PREVIEWED).update(
        status=ImportRun.Status.COMMITTING, created_by=user
    )
    if not claimed:
        raise ValidationError(_("This import has already been committed."))
    from people.tasks import import_run_commit as commit_task

    commit_task.delay_on_commit(run.pk)


@transaction.atomic
def import_run_commit(*, run_id: int) -> None:
    """Write a previewed import. The file is checked again (the portal may have changed since the
    dry run); if any row now has an error nothing is written and the run shows the new report.
    A worker that dies half-way leaves nothing behind, and the redelivered task starts over."""
    run = _claimed(run_id, ImportRun.Status.COMMITTING)
    if run is None:
        return
    content = bytes(run.content)
    options = ImportOptions(create_missing=run.create_missing, mark_absent_exited_on=run.mark_absent_exited_on)
    result = run_import_atomically(open_binary=lambda: io.BytesIO(content), options=options, commit=True)
    _apply_result(run, result)
    if result.committed:
        run.status = ImportRun.Status.COMMITTED
        run.committed_at = timezone.now()
        run.content = b""  # personal data is not kept longer than the import needs it
    else:
        run.status = ImportRun.Status.PREVIEWED
    run.save()


@transaction.atomic
def import_run_fail(*, run_id: int) -> None:
    """A run whose job failed for good: shown as failed instead of working forever."""
    ImportRun.objects.filter(pk=run_id, status__in=[ImportRun.Status.CHECKING, ImportRun.Status.COMMITTING]).update(
        status=ImportRun.Status.FAILED
    )


@transaction.atomic
def import_run_from_path(*, path: Path, commit: bool, create_missing: bool, mark_absent_exited_on: date | None) -> ImportRun:
    """The command-line import (scheduled HRIS syncs): the file is streamed from disk."""
    options = ImportOptions(create_missing=create_missing, mark_absent_exited_on=mark_absent_exited_on)
    result = run_import_atomically(open_binary=lambda: path.open("rb"), options=options, commit=commit)
    run = ImportRun(
        file_name=path.name[:255],
        create_missing=create_missing,
        mark_absent_exited_on=mark_absent_exited_on,
        source=ImportRun.Source.COMMAND,
    )
    _apply_result(run, result)
    if result.committed:
        run.status = ImportRun.Status.COMMITTED
        run.committed_at = timezone.now()
    run.save()
    return run


@transaction.atomic
def segment_create(*, name: str, description: str, rules: dict, user) -> Segment:
    segment = Segment(name=name, description=description, rules=rules, created_by=user)
    segment.full_clean()
    segment.save()
    return segment


@transaction.atomic
def segment_update(*, segment: Segment, name: str, description: str, rules: dict) -> Segment:
    segment.name, segment.description, segment.rules = name, description, rules
    segment.full_clean()
    segment.save()
    return segment


@transaction.atomic
def segment_delete(*, segment: Segment) -> None:
    try:
        segment.delete()
    except ProtectedError as error:
        raise ValidationError(
            _("This segment is still used by: %(things)s. Remove it there first.") % {"things": _blockers(error)}
        ) from error


def _log(action: str, employee: Employee, actor) -> PrivacyLogEntry:
    return PrivacyLogEntry.objects.create(action=action, subject_id=employee.pk, actor=actor, actor_username=actor.get_username())


@transaction.atomic
def employee_export(*, employee: Employee, actor) -> dict:
    """Everything stored about one employee; the export itself is logged."""
    data = employee_personal_data(employee=employee)
    _log(PrivacyLogEntry.Action.EXPORT, employee, actor)
    return data


@transaction.atomic
def employee_erase(*, employee: Employee, actor) -> PrivacyLogEntry:
    """Remove an employee's personal data and user account.

    Survey responses are untouched: they have no link to any person (DESIGN: anonymity rules),
    and rows of other apps that point at the employee follow their own on-delete rules
    (invitations go with the person). Reports keep working: their manager link is cleared.
    """
    if actor.pk and employee.user_id == actor.pk:
        raise ValidationError(_("You cannot erase your own record."))
    entry = _log(PrivacyLogEntry.Action.ERASE, employee, actor)
    user = employee.user
    try:
        employee.delete()
        if user is not None:
            user.delete()
    except ProtectedError as error:
        raise ValidationError(
            _("This employee is still referenced by: %(things)s. Reassign those first.") % {"things": _blockers(error)}
        ) from error
    return entry


def _blockers(error: ProtectedError) -> str:
    return ", ".join(sorted({str(obj._meta.verbose_name) for obj in error.protected_objects}))


PREVIEW_KEPT_FOR = timedelta(days=2)


@transaction.atomic
def import_runs_purge(*, now=None) -> int:
    """Drop the uploaded files of dry runs nobody committed within two days: they hold personal
    data. The run record and its report stay. Safe to run twice (a conditional update)."""
    cutoff = (now or timezone.now()) - PREVIEW_KEPT_FOR
    stale = ImportRun.objects.filter(created__lt=cutoff).exclude(status=ImportRun.Status.COMMITTED).exclude(content=b"")
    return stale.update(content=b"")


@transaction.atomic
def department_update(*, department: Department, data: dict, head: Employee | None) -> Department:
    for name in ("name_en", "name_de", "parent", "services_en", "services_de", "contact"):
        setattr(department, name, data[name])
    department.head = head
    department.full_clean()
    department.save()
    return department
