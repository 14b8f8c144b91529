"""The life of a tabular import run: upload, dry run by a worker, commit by a worker, failure,
forgetting old uploads, and the command-line run. One ``TabularImport`` per kind of import
binds its run model (a ``common.models.TabularImportRun``) to its spec
(a ``common.tabular.ImportSpec``); the app's services create it once, by the dotted path the
Celery tasks (``common.tasks.tabular_import_check`` / ``tabular_import_commit``) receive.

A run is handed to the workers after the transaction that saved it commits. If the broker
cannot be reached then, the request still succeeds and the run notes it (``queue_unreachable``
in its report, which the run page explains); a beat job (``requeue_stuck``) hands such runs,
and runs whose worker died, back to the workers a few minutes later.
"""

from __future__ import annotations

import dataclasses
import io
import logging
from datetime import timedelta
from functools import partial
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from common import tabular
from common.models import TabularImportRun
from common.tabular import ImportResult, ImportSpec, OpenBinary

PREVIEW_KEPT_FOR = timedelta(days=2)
# A run in "checking" or "committing" that no worker holds and that has not moved for this long
# (doubled for each retry) is handed to the workers again; a worker at work holds its run locked.
STUCK_AFTER = timedelta(minutes=5)
MAX_REQUEUES = 3  # then the run fails: a file that kills its worker must not do so forever
# What publishing a task raises when the broker is down (kombu wraps the client's errors).
BROKER_UNREACHABLE = (BrokerError, OSError)

logger = logging.getLogger(__name__)


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

    # Handing runs to the workers.
    def _enqueue_on_commit(self, task, run_id: int) -> None:
        transaction.on_commit(partial(self._enqueue, task, run_id))

    def _enqueue(self, task, run_id: int) -> bool:
        """Publish a run's task. With the broker down the run notes it for its page and waits for
        ``requeue_stuck``: the upload or commit request itself must not fail once its run is saved."""
        try:
            task.delay(self.path, run_id)
        except BROKER_UNREACHABLE:
            logger.warning("Import run %s (%s) could not be queued: the broker is unreachable", run_id, self.path, exc_info=True)
            with transaction.atomic():
                run = self._in_progress().select_for_update().filter(pk=run_id).first()
                if run is not None:
                    run.report = {**run.report, "queue_unreachable": True}
                    run.save(update_fields=["report"])
            return False
        return True

    def _in_progress(self):
        Status = self.run_model.Status
        return self.run_model.objects.defer("content").filter(status__in=[Status.CHECKING, Status.COMMITTING])

    def requeue_stuck(self, *, now=None) -> int:
        """Hand back to the workers the runs in "checking" or "committing" that no worker holds and
        that have not moved for ``STUCK_AFTER`` (doubled after each retry): their task was never
        queued (the broker was down) or their worker died. Returns how many were handed back.

        A check or commit at work holds its run locked (``_claimed``), so it is skipped however long
        it takes; two beats claim different runs (``skip_locked``), and a claimed run is touched, so
        the next beat waits again. Running a task twice is harmless (it claims by status). Re-running
        is safe: a check writes nothing but its run, and a commit is one transaction, so a worker
        that died left nothing written. After ``MAX_REQUEUES`` retries the run fails instead."""
        from common.tasks import tabular_import_check, tabular_import_commit

        now = now or timezone.now()
        Status = self.run_model.Status
        tasks = {Status.CHECKING: tabular_import_check, Status.COMMITTING: tabular_import_commit}
        handed_back = 0
        with transaction.atomic():
            candidates = self._in_progress().select_for_update(skip_locked=True).filter(modified__lt=now - STUCK_AFTER).order_by("pk")
            for run in candidates[:100]:
                retries = run.report.get("requeued", 0)
                if run.modified >= now - STUCK_AFTER * 2**retries:
                    continue
                if retries >= MAX_REQUEUES:
                    logger.error("Import run %s (%s) failed: retried %s times without finishing", run.pk, self.path, retries)
                    run.status = Status.FAILED
                    run.save(update_fields=["status", "modified"])
                    continue
                report = {key: value for key, value in run.report.items() if key != "queue_unreachable"}
                run.report = {**report, "requeued": retries + 1}
                run.save(update_fields=["report", "modified"])
                self._enqueue_on_commit(tasks[run.status], run.pk)
                handed_back += 1
        return handed_back

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
        self._enqueue_on_commit(tabular_import_check, run.pk)
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

        self._enqueue_on_commit(tabular_import_commit, run.pk)

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
