from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        abstract = True


class Heartbeat(models.Model):
    """When a periodic liveness task last ran, one row per source (e.g. the Celery worker)."""

    name = models.CharField(max_length=50, unique=True)
    last_seen = models.DateTimeField()

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class TabularImportRun(TimeStampedModel):
    """One run of a tabular import (see ``common.tabular`` and ``common.imports``): the uploaded
    file (kept in the database between dry run and commit, so any web host and any worker can
    reach it), who ran it, the counts and the report.

    A concrete run adds the fields of its spec's options (same names as the options dataclass)
    and, where its result reports more, the fields of ``ImportResult.run_fields``.
    The file content is cleared once the run is committed; the report stays.
    """

    class Status(models.TextChoices):
        CHECKING = "checking", _("checking the file")
        PREVIEWED = "previewed", _("dry run")
        COMMITTING = "committing", _("writing")
        COMMITTED = "committed", _("committed")
        FAILED = "failed", _("failed")

    class Source(models.TextChoices):
        WEB = "web", _("upload in the browser")
        COMMAND = "command", _("command line")

    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("file content"), blank=True, default=b"", editable=False)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.WEB)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("run by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_created = models.PositiveIntegerField(_("created"), default=0)
    rows_updated = models.PositiveIntegerField(_("updated"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rows_error = models.PositiveIntegerField(_("errors"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()}, {self.created:%Y-%m-%d %H:%M})"

    @property
    def has_errors(self) -> bool:
        return self.rows_error > 0 or bool(self.report.get("file_errors"))

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.COMMITTING)
