from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import TabularImportRun, TimeStampedModel
from common.translation import localized


class TenureBand(models.TextChoices):
    UNDER_1 = "lt1", _("under 1 year")
    Y1_3 = "1-3", _("1-3 years")
    Y3_5 = "3-5", _("3-5 years")
    Y5_10 = "5-10", _("5-10 years")
    OVER_10 = "10+", _("10+ years")


# Lower bounds in years, ascending; a hire date exactly N years ago falls in the band starting at N.
TENURE_BAND_BOUNDS = [(0, TenureBand.UNDER_1), (1, TenureBand.Y1_3), (3, TenureBand.Y3_5), (5, TenureBand.Y5_10), (10, TenureBand.OVER_10)]


def tenure_band(hire_date: date, on: date | None = None) -> str:
    """Tenure band on a given day; derived, never stored on the employee."""
    on = on or timezone.localdate()
    years = on.year - hire_date.year - ((on.month, on.day) < (hire_date.month, hire_date.day))
    band = TenureBand.UNDER_1
    for lower, candidate in TENURE_BAND_BOUNDS:
        if years >= lower:
            band = candidate
    return band.value


class Department(TimeStampedModel):
    """A department in the organisation tree, seen as an internal service provider."""

    name_en = models.CharField(_("name (English)"), max_length=120)
    name_de = models.CharField(_("name (German)"), max_length=120, blank=True)
    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Short key used by HRIS imports."))
    parent = models.ForeignKey(
        "self", verbose_name=_("parent department"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    head = models.ForeignKey(
        "people.Employee", verbose_name=_("head"), null=True, blank=True, on_delete=models.SET_NULL, related_name="headed_departments"
    )
    services_en = models.TextField(_("what we do for you (English)"), blank=True)
    services_de = models.TextField(_("what we do for you (German)"), blank=True)
    contact = models.CharField(
        _("contact for requests"), max_length=200, blank=True, help_text=_("An email address, phone number or ticket queue.")
    )

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def services(self) -> str:
        return localized(self, "services")


class Location(TimeStampedModel):
    class Kind(models.TextChoices):
        ON_SITE = "on_site", _("on-site")
        OFF_SITE = "off_site", _("off-site")

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.ON_SITE)

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self):
        return self.name


class EmployeeQuerySet(models.QuerySet):
    def active(self, on: date | None = None):
        on = on or timezone.localdate()
        return self.filter(Q(exit_date__isnull=True) | Q(exit_date__gt=on), hire_date__lte=on)


class Employee(TimeStampedModel):
    """A person in the organisation: only what segmentation and KPIs need."""

    class Language(models.TextChoices):
        EN = "en", _("English")
        DE = "de", _("German")

    employee_number = models.CharField(_("employee number"), max_length=40, unique=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("work email"), blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=2, choices=Language.choices, default=Language.DE)
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="employees")
    location = models.ForeignKey(Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="employees")
    job_family = models.CharField(_("job family"), max_length=80, blank=True)
    manager = models.ForeignKey("self", verbose_name=_("manager"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    customer_facing = models.BooleanField(_("customer-facing"), default=False)
    hire_date = models.DateField(_("hire date"))
    exit_date = models.DateField(_("exit date"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user account"), null=True, blank=True, on_delete=models.SET_NULL, related_name="employee"
    )

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        constraints = [
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True) | Q(exit_date__gte=F("hire_date")), name="employee_exit_not_before_hire"
            ),
            models.UniqueConstraint(fields=["email"], condition=~Q(email=""), name="employee_unique_email"),
        ]
        indexes = [models.Index(fields=["department", "exit_date"])]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def tenure_band(self) -> str:
        return tenure_band(self.hire_date)


class Segment(TimeStampedModel):
    """A saved rule set over HR attributes; members are computed live, never stored.

    ``rules`` is ``{"match": "all" | "any", "conditions": [{"field": ..., "values": [...]}, ...]}``;
    ``people.selectors.segment_employees`` evaluates it.
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    rules = models.JSONField(_("rules"), default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self):
        return self.name


class ImportRun(TabularImportRun):
    """One HRIS import (see ``common.models.TabularImportRun``) with the options chosen."""

    create_missing = models.BooleanField(_("create unknown departments and locations"), default=False)
    mark_absent_exited_on = models.DateField(_("mark employees absent from the file as exited on"), null=True, blank=True)
    marked_exited = models.PositiveIntegerField(_("marked as exited"), default=0)

    class Meta(TabularImportRun.Meta):
        verbose_name = _("HRIS import")
        verbose_name_plural = _("HRIS imports")


class PrivacyLogEntry(models.Model):
    """Who exported or erased which employee's personal data, and when.

    The subject is kept as the employee's internal id only: after an erasure nothing here
    names the person.
    """

    class Action(models.TextChoices):
        EXPORT = "export", _("export of personal data")
        ERASE = "erase", _("erasure")

    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    subject_id = models.BigIntegerField(_("employee id"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+")
    actor_username = models.CharField(_("by (user name)"), max_length=150)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("privacy log entry")
        verbose_name_plural = _("privacy log")

    def __str__(self):
        return f"{self.get_action_display()} #{self.subject_id} by {self.actor_username} at {self.at:%Y-%m-%d %H:%M}"
