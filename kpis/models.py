"""KPIs: the catalogue, measurements per period and scope, baselines, targets, alerts, phase
gates, and the stored results of the weekly correlation and the per-wave driver analysis.

Survey-based values are written only from figures that ``surveys.figures`` publishes, so a
group the disclosure-control layer hides never has a measurement row at all.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import TabularImportRun, TimeStampedModel
from common.translation import localized


class Category(models.TextChoices):
    ENGAGEMENT = "engagement", _("Engagement")
    BEHAVIOURAL = "behavioural", _("Behaviour")
    EXTERNAL = "external", _("External impact")


class Unit(models.TextChoices):
    PERCENT = "percent", _("percent")
    POINTS = "points", _("points (-100 to 100)")
    COUNT = "count", _("count")
    HOURS = "hours", _("hours")
    EUR = "eur", _("euro")
    NUMBER = "number", _("number")


class Direction(models.TextChoices):
    HIGHER = "higher", _("higher is better")
    LOWER = "lower", _("lower is better")
    NEUTRAL = "neutral", _("neither (context)")


class Frequency(models.TextChoices):
    WAVE = "wave", _("per survey wave")
    MONTHLY = "monthly", _("monthly")
    QUARTERLY = "quarterly", _("quarterly")


class Source(models.TextChoices):
    SURVEY = "survey", _("computed from surveys")
    HR = "hr", _("computed from HR data")
    IMPORTED = "imported", _("imported or entered")
    PORTAL = "portal", _("computed from the portal (phase KPI)")
    DERIVED = "derived", _("derived from other KPIs")


class Scope(models.TextChoices):
    COMPANY = "company", _("company")
    DEPARTMENT = "department", _("department")
    LOCATION = "location", _("location")


class Kpi(TimeStampedModel):
    """A KPI of the catalogue. Seeded ones have a stable code that the computations use; HR
    managers add their own of the imported kind."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=160)
    name_de = models.CharField(_("name (German)"), max_length=160)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_de = models.TextField(_("description (German)"), blank=True)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.HIGHER)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    scopes = models.JSONField(_("scopes"), default=list, help_text=_("Where the KPI exists: company, department, location."))
    source = models.CharField(_("how values arrive"), max_length=10, choices=Source.choices, default=Source.IMPORTED)
    seeded = models.BooleanField(_("from the catalogue"), default=False, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_kpis"
    )
    tolerance = models.DecimalField(
        _("alert tolerance"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Alert when a new value is worse than the previous one by more than this (in the KPI's unit)."),
    )
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["category", "position", "code"]
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        constraints = [
            models.CheckConstraint(condition=Q(tolerance__isnull=True) | Q(tolerance__gte=0), name="kpi_tolerance_not_negative"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def description(self) -> str:
        return localized(self, "description")

    def better(self, new, old) -> bool | None:
        """Whether ``new`` is better than ``old`` for this KPI (None when it has no direction)."""
        if self.direction == Direction.NEUTRAL or new is None or old is None:
            return None
        return new > old if self.direction == Direction.HIGHER else new < old


class ScopedModel(models.Model):
    """Company, one department or one location."""

    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.COMPANY)
    department = models.ForeignKey("people.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.CASCADE)
    location = models.ForeignKey("people.Location", verbose_name=_("location"), null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        abstract = True

    @classmethod
    def scope_constraint(cls, name: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=(
                Q(scope=Scope.COMPANY, department__isnull=True, location__isnull=True)
                | Q(scope=Scope.DEPARTMENT, department__isnull=False, location__isnull=True)
                | Q(scope=Scope.LOCATION, department__isnull=True, location__isnull=False)
            ),
            name=name,
        )

    @property
    def scope_label(self) -> str:
        if self.scope == Scope.DEPARTMENT and self.department_id:
            return self.department.name
        if self.scope == Scope.LOCATION and self.location_id:
            return self.location.name
        return str(_("Whole company"))

    @property
    def scope_key(self) -> tuple[str, int | None]:
        return (self.scope, self.department_id or self.location_id)


class Measurement(ScopedModel):
    """One value of a KPI for one period and scope (a database constraint keeps it one)."""

    class Origin(models.TextChoices):
        COMPUTED = "computed", _("computed")
        IMPORTED = "imported", _("imported")
        ENTERED = "entered", _("entered")

    kpi = models.ForeignKey(Kpi, verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="measurements")
    period = models.CharField(_("period"), max_length=20, help_text=_("2026-03 (month), 2026-Q1 (quarter) or a survey wave."))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    wave = models.ForeignKey("surveys.Wave", verbose_name=_("wave"), null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    sample_size = models.PositiveIntegerField(_("sample size"), null=True, blank=True)
    origin = models.CharField(_("source"), max_length=10, choices=Origin.choices)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    import_run = models.ForeignKey(
        "kpis.MeasurementImportRun", verbose_name=_("imported by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kpi", "period_start", "period"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "period", "scope", "department", "location"], nulls_distinct=False, name="measurement_once_per_period_scope"
            ),
            ScopedModel.scope_constraint("measurement_scope_consistent"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="measurement_period_ordered"),
        ]
        indexes = [models.Index(fields=["kpi", "scope", "period_start"])]

    def __str__(self):
        return f"{self.kpi.code} {self.period} {self.scope_label}: {self.value}"


class MeasurementImportRun(TabularImportRun):
    """One import of KPI values from a file (see ``kpis.imports``)."""

    class Meta(TabularImportRun.Meta):
        verbose_name = _("KPI value import")
        verbose_name_plural = _("KPI value imports")


class Baseline(ScopedModel):
    """The value a KPI starts from, and where it came from."""

    kpi = models.ForeignKey(Kpi, verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="baselines")
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    from_period = models.CharField(_("from period"), max_length=20, blank=True)
    from_wave = models.ForeignKey(
        "surveys.Wave", verbose_name=_("from pre-measurement wave"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("baseline")
        verbose_name_plural = _("baselines")
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "scope", "department", "location"], nulls_distinct=False, name="baseline_once_per_scope"
            ),
            ScopedModel.scope_constraint("baseline_scope_consistent"),
        ]

    def __str__(self):
        return f"{self.kpi} {self.scope_label}: {self.value}"


class Target(ScopedModel):
    """Where a KPI should be by a date; it may measure a goal of a program's goal tree."""

    kpi = models.ForeignKey(Kpi, verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="targets")
    value = models.DecimalField(_("target value"), max_digits=16, decimal_places=4)
    due_date = models.DateField(_("by"))
    goal = models.ForeignKey(
        "programs.Goal",
        verbose_name=_("measures the goal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kpi_targets",
    )
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)
    # Computed by the KPI job from the baseline and the latest value (never typed); the goal
    # tree in programs reads them through ``goal.kpi_targets``.
    progress = models.FloatField(_("progress from baseline to target (%)"), null=True, blank=True, editable=False)
    latest_value = models.DecimalField(_("latest value"), max_digits=16, decimal_places=4, null=True, blank=True, editable=False)
    latest_period = models.CharField(_("latest period"), max_length=20, blank=True, editable=False)
    latest_label = models.CharField(_("latest period (as shown)"), max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["kpi", "scope", "department", "location"], nulls_distinct=False, name="target_once_per_scope"),
            ScopedModel.scope_constraint("target_scope_consistent"),
        ]

    def __str__(self):
        return f"{self.kpi} {self.scope_label}: {self.value} ({self.due_date})"


class Alert(ScopedModel):
    """A measurement that missed its target or worsened beyond the tolerance: one per KPI x
    period x scope x kind, mailed to the KPI's owner and shown in the portal."""

    class Kind(models.TextChoices):
        MISSED_TARGET = "missed", _("misses its target")
        WORSENED = "worsened", _("worsened beyond the tolerance")

    kpi = models.ForeignKey(Kpi, verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="alerts")
    period = models.CharField(_("period"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    compared_with = models.DecimalField(_("compared with"), max_digits=16, decimal_places=4)
    created = models.DateTimeField(_("raised"), default=timezone.now)
    mailed_at = models.DateTimeField(_("mailed"), null=True, blank=True)
    seen_at = models.DateTimeField(_("seen"), null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("KPI alert")
        verbose_name_plural = _("KPI alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "period", "scope", "department", "location", "kind"], nulls_distinct=False, name="alert_once"
            ),
            ScopedModel.scope_constraint("alert_scope_consistent"),
        ]

    def __str__(self):
        return f"{self.kpi} {self.period} {self.scope_label}: {self.get_kind_display()}"


class PhaseGate(ScopedModel):
    """An exit criterion of a program phase that names a KPI threshold. ``met`` is evaluated
    from the latest measurement by the KPI job; the programs app reads it back through
    ``phase.kpi_gates``."""

    class Comparison(models.TextChoices):
        AT_LEAST = "gte", _("at least")
        AT_MOST = "lte", _("at most")

    phase = models.ForeignKey("programs.Phase", verbose_name=_("phase"), on_delete=models.CASCADE, related_name="kpi_gates")
    kpi = models.ForeignKey(Kpi, verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="gates")
    comparison = models.CharField(_("comparison"), max_length=3, choices=Comparison.choices, default=Comparison.AT_LEAST)
    threshold = models.DecimalField(_("threshold"), max_digits=16, decimal_places=4)
    met = models.BooleanField(_("met"), default=False)
    latest_value = models.DecimalField(_("latest value"), max_digits=16, decimal_places=4, null=True, blank=True)
    latest_period = models.CharField(_("latest period"), max_length=20, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("KPI exit criterion")
        verbose_name_plural = _("KPI exit criteria")
        constraints = [ScopedModel.scope_constraint("phase_gate_scope_consistent")]

    def __str__(self):
        return f"{self.kpi.name} {self.get_comparison_display()} {self.threshold.normalize():f}"

    def passes(self, value) -> bool:
        if value is None:
            return False
        return value >= self.threshold if self.comparison == self.Comparison.AT_LEAST else value <= self.threshold


class Correlation(models.Model):
    """The latest weekly correlation between two KPIs across departments x periods."""

    x = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="+")
    y = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="+")
    lag = models.PositiveSmallIntegerField(default=0, help_text=_("periods by which x leads y"))
    n = models.PositiveIntegerField(default=0)
    pearson_r = models.FloatField(null=True)
    pearson_p = models.FloatField(null=True)
    spearman_rho = models.FloatField(null=True)
    spearman_p = models.FloatField(null=True)
    points = models.JSONField(default=list)  # [[department id, period, x, y], ...]
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["x", "y", "lag"], name="correlation_once_per_pair_lag")]

    def __str__(self):
        return f"{self.x} ~ {self.y} (lag {self.lag})"


class Driver(models.Model):
    """How strongly one item of a closed wave relates to the outcome across its respondents."""

    wave = models.ForeignKey("surveys.Wave", on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=20)  # "engagement" or "enps"
    question = models.ForeignKey("surveys.Question", on_delete=models.CASCADE, related_name="+")
    impact = models.FloatField(null=True)
    n = models.PositiveIntegerField(default=0)
    score = models.FloatField(null=True)  # share favourable, as published
    rank = models.PositiveSmallIntegerField(default=0)
    priority = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["rank"]
        constraints = [models.UniqueConstraint(fields=["wave", "outcome", "question"], name="driver_once_per_wave_item")]

    def __str__(self):
        return f"{self.wave_id} {self.outcome} {self.question_id}"


class ProgramMeasurement(models.Model):
    """The pre- and post-measurement waves of a program, and an optional untargeted segment
    as control group."""

    program = models.OneToOneField("programs.Program", on_delete=models.CASCADE, related_name="measurement_plan")
    pre_wave = models.ForeignKey(
        "surveys.Wave", verbose_name=_("pre-measurement wave"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    post_wave = models.ForeignKey(
        "surveys.Wave", verbose_name=_("post-measurement wave"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_segment = models.ForeignKey(
        "people.Segment", verbose_name=_("targeted segment"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    control_segment = models.ForeignKey(
        "people.Segment",
        verbose_name=_("control segment (not targeted)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The engagement index before and after, computed by the KPI job for the program's page
    # (programs reads it through ``program.measurement_plan``): {"en": reading, "de": reading, ...}.
    summary = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("pre/post measurement")
        verbose_name_plural = _("pre/post measurements")

    def __str__(self):
        return str(self.program)


class ComputedWave(models.Model):
    """That a wave's KPIs and drivers were computed from its results up to a batch."""

    wave = models.OneToOneField("surveys.Wave", primary_key=True, on_delete=models.CASCADE, related_name="+")
    results_batch = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.wave_id}@{self.results_batch}"
