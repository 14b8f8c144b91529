"""The life of a tabular import run: upload, dry run by a worker, commit by a worker, failure,
forgetting old uploads, and the command-line run. One ``TabularImport`` per kind of import
binds its run model (a ``common.models.TabularImportRun``) to its spec
(a ``common.tabular.ImportSpec``); the app's services create it once, by the dotted path the
Celery tasks (``common.tasks.tabular_import_check`` / ``tabular_import_commit``) receive.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common import tabular
from common.models import TabularImportRun
from common.tabular import ImportResult, ImportSpec, OpenBinary

PREVIEW_KEPT_FOR = timedelta(days=2)


class TabularImport:
    def __init__(self, *, path: str, run_model: type[TabularImportRun], spec_class: type[ImportSpec]):
        """``path``: where this object is found, e.g. "people.services.EMPLOYEE_IMPORT"; the
        Celery tasks take it (primitives only) and import it."""
        self.path = path
        self.run_model = run_model
        self.spec_class = spec_class

    # Hooks.
    def spec_for(self, run: TabularImportRun) -> ImportSpec:
        """The spec with the options stored on the run (fields named as the options dataclass's)."""
        options_class = self.spec_class.options_class
        if options_class is None:
            return self.spec_class()
        return self.spec_class(options_class(**{f.name: getattr(run, f.name) for f in dataclasses.fields(options_class)}))

    def execute(self, spec: ImportSpec, *, open_binary: OpenBinary, commit: bool) -> ImportResult:
        return tabular.run_import_atomically(spec, open_binary=open_binary, commit=commit)

    # Reads.
    def recent_runs(self, limit: int = 10):
        """The latest runs for the start page, without their files or reports (whether a run
        had file errors is read in the same query)."""
        return (
            self.run_model.objects.select_related("created_by")
            .defer("content", "report")
            .annotate(has_file_errors=ExpressionWrapper(Q(report__file_errors__0__isnull=False), output_field=BooleanField()))
            .order_by("-created")[:limit]
        )

    # Use cases.
    def _run(self, run: TabularImportRun, open_binary: OpenBinary, commit: bool) -> ImportResult:
        result = self.execute(self.spec_for(run), open_binary=open_binary, commit=commit)
        for name, value in result.run_fields().items():
            setattr(run, name, value)
        if result.committed:
            run.status = run.Status.COMMITTED
            run.committed_at = timezone.now()
        return result

    @transaction.atomic
    def create(self, *, file_name: str, content: bytes, user, **options) -> TabularImportRun:
        """Keep an upload in the database and have a worker check it: a 50,000-row file takes
        longer than a web request should."""
        from common.tasks import tabular_import_check

        run = self.run_model.objects.create(
            file_name=file_name[:255],
            content=content,
            status=self.run_model.Status.CHECKING,
            created_by=user,
            source=self.run_model.Source.WEB,
            **options,
        )
        tabular_import_check.delay_on_commit(self.path, run.pk)
        return run

    def _claimed(self, run_id: int, status: str) -> TabularImportRun | None:
        return self.run_model.objects.select_for_update().filter(pk=run_id, status=status).first()

    @transaction.atomic
    def check(self, *, run_id: int) -> None:
        """The dry run of an upload; does nothing unless the run still waits for it."""
        run = self._claimed(run_id, self.run_model.Status.CHECKING)
        if run is None:
            return
        content = bytes(run.content)
        self._run(run, lambda: io.BytesIO(content), commit=False)
        run.status = run.Status.PREVIEWED
        run.save()

    @transaction.atomic
    def commit_request(self, *, run: TabularImportRun, user) -> None:
        """Claim a previewed run for writing (a conditional update, so a double click or two
        web hosts enqueue one commit) and have a worker write it."""
        if run.has_errors:
            raise ValidationError(_("Nothing can be written while any row has an error."))
        claimed = self.run_model.objects.filter(pk=run.pk, status=run.Status.PREVIEWED).update(
            status=run.Status.COMMITTING, created_by=user, modified=timezone.now()
        )
        if not claimed:
            raise ValidationError(_("This import has already been committed."))
        from common.tasks import tabular_import_commit

        tabular_import_commit.delay_on_commit(self.path, run.pk)

    @transaction.atomic
    def commit(self, *, run_id: int) -> None:
        """Write a previewed run. The file is checked again (the portal may have changed since the
        dry run); if any row now has an error nothing is written and the run shows the new report.
        A worker that dies half-way leaves nothing behind, and the redelivered task starts over."""
        run = self._claimed(run_id, self.run_model.Status.COMMITTING)
        if run is None:
            return
        content = bytes(run.content)
        result = self._run(run, lambda: io.BytesIO(content), commit=True)
        if result.committed:
            run.content = b""  # uploads may hold personal data: not kept longer than the import needs them
        else:
            run.status = run.Status.PREVIEWED
        run.save()

    @transaction.atomic
    def fail(self, *, run_id: int) -> None:
        """A run whose job failed for good: shown as failed instead of working forever."""
        Status = self.run_model.Status
        self.run_model.objects.filter(pk=run_id, status__in=[Status.CHECKING, Status.COMMITTING]).update(status=Status.FAILED)

    @transaction.atomic
    def purge(self, *, now=None) -> int:
        """Drop the uploaded files of dry runs nobody committed within two days. The run record
        and its report stay. Safe to run twice (a conditional update)."""
        cutoff = (now or timezone.now()) - PREVIEW_KEPT_FOR
        stale = self.run_model.objects.filter(created__lt=cutoff).exclude(status=self.run_model.Status.COMMITTED).exclude(content=b"")
        return stale.update(content=b"")

    @transaction.atomic
    def from_path(self, *, path: Path, commit: bool, **options) -> TabularImportRun:
        """The command-line run (scheduled syncs): the file is streamed from disk, not stored."""
        run = self.run_model(file_name=path.name[:255], source=self.run_model.Source.COMMAND, **options)
        self._run(run, lambda: path.open("rb"), commit=commit)
        run.save()
        return run
