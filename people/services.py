"""Writes to the organisation: HRIS imports, segments and the privacy actions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from common.imports import TabularImport
from people.hris_import import EmployeeImportSpec, run_import_atomically
from people.models import Department, Employee, ImportRun, PrivacyLogEntry, Segment
from people.selectors import employee_personal_data

MAX_UPLOAD_BYTES = 30 * 1024 * 1024


class EmployeeImport(TabularImport):
    def execute(self, spec, *, open_binary, commit):
        # Through this module's name, the seam the tests replace to make a job fail.
        return run_import_atomically(open_binary=open_binary, options=spec.options, commit=commit)


EMPLOYEE_IMPORT = EmployeeImport(path="people.services.EMPLOYEE_IMPORT", run_model=ImportRun, spec_class=EmployeeImportSpec)


def import_run_create(*, file_name: str, content: bytes, create_missing: bool, mark_absent_exited_on: date | None, user) -> ImportRun:
    """Keep an upload in the database and have a worker check it (see ``common.imports``)."""
    return EMPLOYEE_IMPORT.create(
        file_name=file_name, content=content, user=user, create_missing=create_missing, mark_absent_exited_on=mark_absent_exited_on
    )


def import_run_check(*, run_id: int) -> None:
    EMPLOYEE_IMPORT.check(run_id=run_id)


def import_run_commit_request(*, run: ImportRun, user) -> None:
    EMPLOYEE_IMPORT.commit_request(run=run, user=user)


def import_run_commit(*, run_id: int) -> None:
    EMPLOYEE_IMPORT.commit(run_id=run_id)


def import_run_fail(*, run_id: int) -> None:
    EMPLOYEE_IMPORT.fail(run_id=run_id)


def import_run_from_path(*, path: Path, commit: bool, create_missing: bool, mark_absent_exited_on: date | None) -> ImportRun:
    """The command-line import (scheduled HRIS syncs): the file is streamed from disk."""
    return EMPLOYEE_IMPORT.from_path(path=path, commit=commit, create_missing=create_missing, mark_absent_exited_on=mark_absent_exited_on)


def import_runs_purge(*, now=None) -> int:
    """Drop the uploaded files of dry runs nobody committed within two days: they hold personal data."""
    return EMPLOYEE_IMPORT.purge(now=now)


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


@transaction.atomic
def department_update(*, department: Department, data: dict, head: Employee | None) -> Department:
    for name in ("name_en", "name_de", "parent", "services_en", "services_de", "contact"):
        setattr(department, name, data[name])
    department.head = head
    department.full_clean()
    department.save()
    return department
