"""The internal-marketing management process for one program.

Situation analysis (findings) -> strategic planning (focus areas, goal tree, target segments)
-> operational planning (planned instruments from the catalogue) -> implementation (four
phases with activities and exit criteria) -> six-pillar self-assessment, plus program news and
an audit trail of every change.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel
from common.translation import localized


class Program(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("active")
        COMPLETED = "completed", _("completed")
        ARCHIVED = "archived", _("archived")

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owners = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("owners"), related_name="owned_programs")
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    situation_summary = models.TextField(_("summary of the situation analysis"), blank=True)

    class Meta:
        ordering = ["-start_date", "name"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        constraints = [models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="program_end_not_before_start")]

    def __str__(self):
        return self.name


class Finding(TimeStampedModel):
    """One result of the situation analysis.

    Evidence from surveys, ideas and KPIs is linked from those apps (the right-hand app holds
    the link); until then ``evidence_links`` keeps free URLs or references.
    """

    class Scope(models.TextChoices):
        INTERNAL = "internal", _("internal")
        EXTERNAL = "external", _("external")

    class Source(models.TextChoices):
        EMPLOYEE_SURVEY = "employee_survey", _("employee survey")
        IDEAS = "improvement_ideas", _("improvement ideas")
        CUSTOMER_SURVEY = "customer_survey", _("customer survey")
        INTERVIEWS = "interviews", _("interviews")
        KPI = "kpi", _("KPI")
        OTHER = "other", _("other")

    class Swot(models.TextChoices):
        STRENGTH = "strength", _("strength")
        WEAKNESS = "weakness", _("weakness")
        OPPORTUNITY = "opportunity", _("opportunity")
        THREAT = "threat", _("threat")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="findings", verbose_name=_("program"))
    scope = models.CharField(_("internal or external"), max_length=10, choices=Scope.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    swot = models.CharField(_("SWOT quadrant"), max_length=12, choices=Swot.choices)
    description = models.TextField(_("description"))
    evidence_links = models.JSONField(_("evidence links"), default=list, blank=True)

    class Meta:
        ordering = ["swot", "created"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self):
        return self.description[:60]


class FocusArea(models.Model):
    """One of the four standard program focus areas (Programmschwerpunkte); seeded."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_de = models.CharField(_("name (German)"), max_length=200)

    class Meta:
        ordering = ["order"]
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class ProgramFocusArea(TimeStampedModel):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="focus_areas", verbose_name=_("program"))
    focus_area = models.ForeignKey(FocusArea, on_delete=models.PROTECT, related_name="+", verbose_name=_("focus area"))
    priority = models.PositiveSmallIntegerField(_("priority"), help_text=_("1 is the highest priority."))
    rationale = models.TextField(_("rationale"), blank=True)

    class Meta:
        ordering = ["priority", "focus_area__order"]
        verbose_name = _("chosen focus area")
        verbose_name_plural = _("chosen focus areas")
        constraints = [
            models.UniqueConstraint(fields=["program", "focus_area"], name="program_focus_area_once"),
            models.CheckConstraint(condition=Q(priority__gte=1), name="program_focus_area_priority_positive"),
        ]

    def __str__(self):
        return str(self.focus_area)


class Goal(TimeStampedModel):
    """A node of the goal tree: the general goal of customer orientation, sub-goals under it,
    and goals reached indirectly. KPIs attach to goals from the kpis app."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("general goal (customer orientation)")
        SUB = "sub", _("sub-goal")
        INDIRECT = "indirect", _("indirect goal")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="goals", verbose_name=_("program"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("parent goal")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "due_date", "title"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.UniqueConstraint(fields=["program"], condition=Q(kind="general"), name="goal_one_general_per_program"),
        ]

    def __str__(self):
        return self.title


class TargetSegment(TimeStampedModel):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="target_segments", verbose_name=_("program"))
    segment = models.ForeignKey("people.Segment", on_delete=models.PROTECT, related_name="program_targets", verbose_name=_("segment"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["segment__name"]
        verbose_name = _("target segment")
        verbose_name_plural = _("target segments")
        constraints = [models.UniqueConstraint(fields=["program", "segment"], name="target_segment_once")]

    def __str__(self):
        return str(self.segment)


class Suitability(models.Model):
    """How suitable a target segment is for one chosen focus area (1 low to 5 high)."""

    target_segment = models.ForeignKey(TargetSegment, on_delete=models.CASCADE, related_name="suitabilities")
    program_focus_area = models.ForeignKey(ProgramFocusArea, on_delete=models.CASCADE, related_name="suitabilities")
    rating = models.PositiveSmallIntegerField(_("suitability"))

    class Meta:
        verbose_name = _("suitability")
        verbose_name_plural = _("suitabilities")
        constraints = [
            models.UniqueConstraint(fields=["target_segment", "program_focus_area"], name="suitability_once"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="suitability_rating_1_to_5"),
        ]

    def __str__(self):
        return f"{self.target_segment} / {self.program_focus_area}: {self.rating}"


class Instrument(models.Model):
    """The instrument catalogue: seeded standard entries plus HR managers' own."""

    class Group(models.TextChoices):
        INTERNAL_COMMUNICATION = "internal_communication", _("Marketing: internal communication")
        EXTERNAL_COMMUNICATION = "external_communication", _("Marketing: external communication acting inward")
        HR = "hr", _("HR management")
        COORDINATION = "coordination", _("Formal coordination")
        FEEDBACK = "feedback", _("Feedback")
        CULTURE = "culture", _("Culture")

    code = models.SlugField(_("code"), max_length=60, unique=True, null=True, blank=True)
    group = models.CharField(_("group"), max_length=30, choices=Group.choices)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_de = models.CharField(_("name (German)"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        ordering = ["group", "name_en"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def is_standard(self) -> bool:
        return self.created_by_id is None


class PlannedInstrument(TimeStampedModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="planned_instruments", verbose_name=_("program"))
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+", verbose_name=_("instrument"))
    focus_areas = models.ManyToManyField(ProgramFocusArea, blank=True, related_name="instruments", verbose_name=_("focus areas"))
    target_segments = models.ManyToManyField(TargetSegment, blank=True, related_name="instruments", verbose_name=_("target segments"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("owner")
    )
    budget = models.DecimalField(_("budget (EUR)"), max_digits=12, decimal_places=2, default=0)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name = _("planned instrument")
        verbose_name_plural = _("planned instruments")
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0), name="planned_instrument_budget_not_negative"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="planned_instrument_end_not_before_start"),
        ]

    def __str__(self):
        return str(self.instrument)


class Phase(TimeStampedModel):
    """One of the four implementation phases, created with every program."""

    class Number(models.IntegerChoices):
        MANAGEMENT_COMMITMENT = 1, _("Management commitment")
        COMMUNICATION = 2, _("Communication with employees")
        KNOW_HOW = 3, _("Know-how transfer")
        EMPLOYEE_COMMITMENT = 4, _("Employee commitment")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        COMPLETED = "completed", _("completed")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="phases", verbose_name=_("program"))
    number = models.PositiveSmallIntegerField(_("phase"), choices=Number.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("completed by")
    )
    override_reason = models.TextField(_("override reason"), blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("implementation phase")
        verbose_name_plural = _("implementation phases")
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="phase_once_per_program"),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=4), name="phase_number_1_to_4"),
        ]

    def __str__(self):
        return f"{self.number}. {self.get_number_display()}"

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED

    @property
    def completed_by_override(self) -> bool:
        return self.is_completed and bool(self.override_reason)


class Activity(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="activities", verbose_name=_("phase"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("owner")
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    completion = models.PositiveSmallIntegerField(_("completion (%)"), default=0)
    is_seminar = models.BooleanField(_("seminar"), default=False)
    planned_attendance = models.PositiveIntegerField(_("planned attendance"), null=True, blank=True)
    actual_attendance = models.PositiveIntegerField(_("actual attendance"), null=True, blank=True)
    # A segment rather than a list of people: segments are how the portal addresses groups.
    # PROTECT, like target segments: deleting a segment a seminar still names is refused with
    # the reason, instead of silently losing who attended.
    participants = models.ForeignKey(
        "people.Segment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="seminars",
        verbose_name=_("participants (segment)"),
        help_text=_("The employees who attend the seminar; they get a short pulse a week after it."),
    )

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [models.CheckConstraint(condition=Q(completion__lte=100), name="activity_completion_at_most_100")]

    def __str__(self):
        return self.title

    @property
    def effective_completion(self) -> int:
        return 100 if self.status == self.Status.DONE else self.completion


class ExitCriterion(TimeStampedModel):
    """A checklist item that must be met before a phase completes without override.

    Extension point: KPI thresholds (e.g. "participation rate at least 70%") will be stored in
    the kpis app pointing at a phase, and read back here through the reverse relation.
    """

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("phase"))
    text = models.CharField(_("criterion"), max_length=300)
    met = models.BooleanField(_("met"), default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("exit criterion")
        verbose_name_plural = _("exit criteria")

    def __str__(self):
        return self.text


class Pillar(models.IntegerChoices):
    SENIOR_MANAGEMENT = 1, _("Senior management participation")
    ORGANISATION = 2, _("Integrated organisational structure")
    STRATEGIC_MARKETING = 3, _("Strategic marketing approach")
    HR_PARTNERSHIP = 4, _("Human resources partnership")
    ENGAGEMENT = 5, _("Focus on employee engagement")
    BRAND_COMMUNICATION = 6, _("Internal brand communication")


class SelfAssessment(TimeStampedModel):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("program"))
    assessed_on = models.DateField(_("assessed on"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("author"))

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("six-pillar self-assessment")
        verbose_name_plural = _("six-pillar self-assessments")

    def __str__(self):
        return f"{self.program} {self.assessed_on}"


class PillarScore(models.Model):
    assessment = models.ForeignKey(SelfAssessment, on_delete=models.CASCADE, related_name="scores")
    pillar = models.PositiveSmallIntegerField(_("pillar"), choices=Pillar.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["pillar"]
        verbose_name = _("pillar score")
        verbose_name_plural = _("pillar scores")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "pillar"], name="pillar_score_once"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="pillar_score_1_to_5"),
        ]

    def __str__(self):
        return f"{self.get_pillar_display()}: {self.score}"


class NewsPost(TimeStampedModel):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="news", verbose_name=_("program"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("author"))

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("program news")
        verbose_name_plural = _("program news")

    def __str__(self):
        return self.title


class ChangeRecord(models.Model):
    """Who changed what and when, for a program and everything in it. Written by services only."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("updated")
        DELETED = "deleted", _("deleted")
        COMPLETED = "completed", _("completed")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="changes", verbose_name=_("program"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("who"))
    at = models.DateTimeField(_("when"), auto_now_add=True)
    target_model = models.CharField(_("object type"), max_length=40)
    target_id = models.PositiveBigIntegerField(_("object id"))
    target_label = models.CharField(_("object"), max_length=300)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    # {"field name": [old, new]} with values rendered as text when recorded
    changes = models.JSONField(_("what changed"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        indexes = [models.Index(fields=["program", "-at"])]

    def __str__(self):
        return f"{self.target_model} {self.target_id} {self.action}"


class NewsRead(models.Model):
    """That an employee saw a program news post, and on which day (for the communication-reach
    KPI). One row per post and user."""

    post = models.ForeignKey(NewsPost, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_on = models.DateField(default=timezone.localdate)

    class Meta:
        verbose_name = _("news read")
        verbose_name_plural = _("news reads")
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="news_read_once_per_user")]

    def __str__(self):
        return f"{self.post_id} / {self.user_id}"
