"""Surveys: question bank, templates, waves, invitations, anonymous responses and rollups.

The anonymity rules of DESIGN.md shape these tables: a submitted answer sheet first waits,
sealed, in the ``Ballot`` box; a job moves ballots into ``Response`` and ``Answer`` rows in
shuffled batches of at least the reporting threshold, with random keys, so nothing a database
reader sees links a response to the invitation that was used for it beyond its batch. Results
are read from rollups, and only through the disclosure-control layer (``surveys.figures``),
which records every group it publishes in ``PublishedGroup``.
"""

import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel
from common.translation import localized


class QuestionKind(models.TextChoices):
    AGREEMENT = "agree5", _("Agreement scale 1-5")
    SCALE10 = "scale10", _("Scale 0-10")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    YES_NO = "yesno", _("Yes / no")
    TEXT = "text", _("Free text")


class QuestionCategory(models.TextChoices):
    ENGAGEMENT = "engagement", _("Engagement index")
    ENPS = "enps", _("eNPS")
    PILLAR = "pillar", _("Six success pillars")
    CULTURE = "culture", _("Cultural alignment")
    SERVICE = "service", _("Internal service quality")
    LEADERSHIP = "leadership", _("Leadership as a service")
    KNOWHOW = "knowhow", _("Know-how readiness")
    IDEAS = "ideas", _("Improvement ideas")
    CUSTOM = "custom", _("Own questions")


AGREEMENT_LABELS = {
    1: _("Strongly disagree"),
    2: _("Disagree"),
    3: _("Neutral"),
    4: _("Agree"),
    5: _("Strongly agree"),
}


class Question(TimeStampedModel):
    """One question, in English and German. Bank questions carry a stable ``code``."""

    code = models.SlugField(_("code"), max_length=60, unique=True, null=True, blank=True)
    kind = models.CharField(_("type"), max_length=10, choices=QuestionKind.choices)
    category = models.CharField(_("purpose"), max_length=12, choices=QuestionCategory.choices, default=QuestionCategory.CUSTOM)
    text_en = models.CharField(_("text (English)"), max_length=400)
    text_de = models.CharField(_("text (German)"), max_length=400)
    in_bank = models.BooleanField(_("in the question bank"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["category", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        return localized(self, "text")

    @property
    def is_numeric(self) -> bool:
        return self.kind in (QuestionKind.AGREEMENT, QuestionKind.SCALE10, QuestionKind.YES_NO, QuestionKind.SINGLE)


class QuestionOption(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    value = models.PositiveSmallIntegerField(_("value"))
    text_en = models.CharField(_("text (English)"), max_length=200)
    text_de = models.CharField(_("text (German)"), max_length=200)

    class Meta:
        ordering = ["question", "value"]
        constraints = [models.UniqueConstraint(fields=["question", "value"], name="surveys_option_unique_value")]
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        return localized(self, "text")


class SurveyTemplate(TimeStampedModel):
    class Kind(models.TextChoices):
        PULSE = "pulse", _("Pulse survey")
        INTERNAL_CUSTOMER = "internal_customer", _("Internal customer survey")

    name = models.CharField(_("name"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.PULSE)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created"]
        verbose_name = _("survey template")
        verbose_name_plural = _("survey templates")

    def __str__(self):
        return self.name


class TemplateSection(models.Model):
    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField(default=0)
    title_en = models.CharField(_("title (English)"), max_length=160)
    title_de = models.CharField(_("title (German)"), max_length=160, blank=True)

    class Meta:
        ordering = ["template", "position", "id"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        return localized(self, "title")


class TemplateItem(models.Model):
    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(TemplateSection, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="template_items")
    position = models.PositiveIntegerField(default=0)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["section__position", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "question"], name="surveys_item_once_per_template")]
        verbose_name = _("template item")
        verbose_name_plural = _("template items")

    def __str__(self):
        return f"{self.template} · {self.question}"


class PulseSchedule(TimeStampedModel):
    """A recurring pulse: creates and opens a wave of its template at a rhythm."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("weekly")
        BIWEEKLY = "biweekly", _("every 2 weeks")
        MONTHLY = "monthly", _("monthly")
        QUARTERLY = "quarterly", _("quarterly")

    template = models.ForeignKey(SurveyTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="schedules")
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    whole_company = models.BooleanField(_("whole company"), default=True)
    segments = models.ManyToManyField("people.Segment", verbose_name=_("segments"), blank=True, related_name="+")
    window_days = models.PositiveSmallIntegerField(_("days open"), default=5)
    items_per_wave = models.PositiveSmallIntegerField(
        _("questions per wave"), default=5, help_text=_("The pulse rotates through the template's questions, this many per wave.")
    )
    next_open_on = models.DateField(_("next wave opens on"))
    rotation_offset = models.PositiveIntegerField(default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["next_open_on"]
        verbose_name = _("recurring pulse")
        verbose_name_plural = _("recurring pulses")

    def __str__(self):
        return f"{self.template} ({self.get_frequency_display()})"


def default_reminder_days() -> list[int]:
    return [3, 5]


class Wave(TimeStampedModel):
    """One run of a template for an audience during a window of dates (inclusive)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("planned")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    template = models.ForeignKey(SurveyTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="waves")
    schedule = models.ForeignKey(PulseSchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="waves")
    title = models.CharField(_("title"), max_length=160)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    whole_company = models.BooleanField(_("whole company"), default=True)
    segments = models.ManyToManyField("people.Segment", verbose_name=_("segments"), blank=True, related_name="+")
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    reminder_days = ArrayField(
        models.PositiveSmallIntegerField(), verbose_name=_("reminder days"), default=default_reminder_days, size=2, blank=True
    )
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    invited_count = models.PositiveIntegerField(default=0)
    # What the results pages show: refreshed only in steps of >= the reporting threshold.
    published_responses = models.PositiveIntegerField(default=0)
    published_invited = models.PositiveIntegerField(default=0)
    published_answered = models.PositiveIntegerField(default=0)
    published_on = models.DateTimeField(null=True, blank=True)
    # Ballot batches moved into the results so far, and late ballots that were not counted
    # (fewer than the threshold arriving after the last published step).
    results_batch = models.PositiveIntegerField(default=0)
    uncounted = models.PositiveIntegerField(default=0)
    program = models.ForeignKey(
        "programs.Program", verbose_name=_("program"), null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_waves"
    )
    phase = models.ForeignKey(
        "programs.Phase",
        verbose_name=_("implementation phase"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_waves",
    )
    # The seminar whose post-training pulse this wave is (surveys.services.seminar_follow_ups).
    seminar = models.ForeignKey(
        "programs.Activity",
        verbose_name=_("seminar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_up_waves",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-opens_on", "-id"]
        verbose_name = _("wave")
        verbose_name_plural = _("waves")
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="surveys_wave_window_ordered"),
            # One post-training pulse per seminar: the insert is the job's claim, so two beats
            # (or a redelivered task) never create two.
            models.UniqueConstraint(fields=["seminar"], condition=Q(seminar__isnull=False), name="surveys_wave_one_per_seminar"),
        ]
        indexes = [models.Index(fields=["status", "closes_on"])]

    def __str__(self):
        return self.title

    @property
    def is_internal_customer(self) -> bool:
        return self.template.kind == SurveyTemplate.Kind.INTERNAL_CUSTOMER


class WaveQuestion(models.Model):
    """The questions one wave showed, frozen when it opens (rotation picks a subset)."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    section_en = models.CharField(max_length=160, blank=True)
    section_de = models.CharField(max_length=160, blank=True)
    position = models.PositiveIntegerField(default=0)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["wave", "position"]
        constraints = [models.UniqueConstraint(fields=["wave", "question"], name="surveys_wavequestion_unique")]

    def __str__(self):
        return f"{self.wave} · {self.question}"

    @property
    def section(self) -> str:
        return localized(self, "section")


class Invitation(models.Model):
    """One invited employee. Records only whether (and on which date) it was used."""

    # The employee data export (people) shows only these: never used_on next to the snapshot.
    privacy_export_fields = ("wave", "language")

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invitations")
    employee = models.ForeignKey("people.Employee", on_delete=models.CASCADE, related_name="survey_invitations")
    language = models.CharField(max_length=2, default="de")
    segment_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    used_on = models.DateField(null=True, blank=True)
    mailed_on = models.DateField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["wave", "employee"], name="surveys_invitation_once")]
        indexes = [models.Index(fields=["wave", "used_on"])]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.wave_id}/{self.pk}"


class InvitationToken(models.Model):
    """SHA-256 of a token mailed for an invitation; the token itself is never stored.

    A reminder mails a fresh token; every token of an invitation dies when it is used.
    """

    token_hash = models.CharField(max_length=64, primary_key=True)
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="tokens")

    def __str__(self):
        return self.token_hash[:8]


class Ballot(models.Model):
    """A submitted answer sheet waiting to be counted, sealed (AES-GCM) with a key that is not
    in the database. Claiming the invitation and writing the ballot happen together; the ballot
    is opened only by the job that moves a shuffled batch into ``Response`` rows and deletes it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="ballots")
    sealed = models.BinaryField()

    def __str__(self):
        return str(self.id)


class Response(models.Model):
    """An anonymous response: wave, reporting snapshot and the batch it was counted in."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    department = models.ForeignKey("people.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    location = models.ForeignKey("people.Location", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    segment_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    tenure_band = models.CharField(max_length=5, blank=True)
    batch = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self):
        return str(self.id)


class Answer(models.Model):
    # A UUID key too: sequential ids would give away the order responses arrived in.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey("people.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    value = models.SmallIntegerField(null=True, blank=True)
    choices = ArrayField(models.SmallIntegerField(), default=list, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["response", "question"])]

    def __str__(self):
        return str(self.id)


class Dimension(models.TextChoices):
    ALL = "all", _("All respondents")
    DEPARTMENT = "department", _("Department")
    UNIT = "unit", _("Department incl. sub-departments")
    LOCATION = "location", _("Location")
    SEGMENT = "segment", _("Segment")
    TENURE = "tenure", _("Tenure")


class GroupRollup(models.Model):
    """Responses per wave x group (raw counts: only ``surveys.figures`` decides what is shown)."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="group_rollups")
    dimension = models.CharField(max_length=12, choices=Dimension.choices)
    group_key = models.CharField(max_length=40, blank=True)
    responses = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["wave", "dimension", "group_key"], name="surveys_grouprollup_unique")]

    def __str__(self):
        return f"{self.wave_id} {self.dimension}:{self.group_key}"


class QuestionRollup(models.Model):
    """Answers per wave x group x question (x provider for internal customer surveys)."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="question_rollups")
    dimension = models.CharField(max_length=12, choices=Dimension.choices)
    group_key = models.CharField(max_length=40, blank=True)
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey("people.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    n = models.PositiveIntegerField()
    total = models.BigIntegerField(default=0)
    favourable = models.PositiveIntegerField(default=0)
    promoters = models.PositiveIntegerField(default=0)
    detractors = models.PositiveIntegerField(default=0)
    distribution = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["wave", "dimension"])]

    def __str__(self):
        return f"{self.wave_id} {self.dimension}:{self.group_key} q{self.question_id}"

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None


class ParticipationRollup(models.Model):
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="participation_rollups")
    department = models.ForeignKey("people.Department", null=True, on_delete=models.CASCADE, related_name="+")
    invited = models.PositiveIntegerField()
    answered = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.wave_id} {self.department_id}"


class WaveComment(models.Model):
    """Free-text answers copied at rollup time in random order, for groups >= the comment threshold."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="comments")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    dimension = models.CharField(max_length=12, choices=Dimension.choices, default=Dimension.ALL)
    group_key = models.CharField(max_length=40, blank=True)
    sort_key = models.FloatField()
    text = models.TextField()

    class Meta:
        ordering = ["sort_key"]

    def __str__(self):
        return self.text[:40]


class DisclosureBasis(models.Model):
    """What the audit needs about a wave's respondents, rebuilt at each rollup: the reporting
    profiles (department, location, tenure band, segments, batch) with the number of
    respondents per profile for each answer set, and the department tree at that time."""

    wave = models.OneToOneField(Wave, on_delete=models.CASCADE, related_name="disclosure_basis")
    batch = models.PositiveIntegerField()
    profiles = models.JSONField(default=list)
    weights = models.JSONField(default=dict)
    tree = models.JSONField(default=dict)

    def __str__(self):
        return f"{self.wave_id} @{self.batch}"


class PublishedGroup(models.Model):
    """The ledger: every group of a wave the disclosure-control layer has decided on, in order.

    A published group stays published (its figures may have been seen); a refused one stays
    refused, so the result never depends on who looked first. ``scope`` is "" for the wave and
    "p:<department id>" for the ratings of one internal provider. ``hidden`` lists the answer
    sets (question ids) whose figures are withheld for this group although the group is shown.
    """

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="published_groups")
    scope = models.CharField(max_length=20, blank=True)
    dimension = models.CharField(max_length=12, choices=Dimension.choices)
    group_key = models.CharField(max_length=40, blank=True)
    upto_batch = models.PositiveIntegerField()
    without = ArrayField(models.IntegerField(), default=list, blank=True)
    published = models.BooleanField()
    reason = models.CharField(max_length=20, blank=True)
    hidden = ArrayField(models.CharField(max_length=30), default=list, blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["wave", "scope", "dimension", "group_key", "upto_batch"], name="surveys_published_group_once")
        ]

    def __str__(self):
        return f"{self.wave_id} {self.scope} {self.dimension}:{self.group_key}@{self.upto_batch}"


def random_id() -> int:
    """A random key for rows whose order of arrival must not show (anonymous ideas)."""
    return secrets.randbelow(2**52) + 1


class Idea(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("new")
        UNDER_REVIEW = "review", _("under review")
        ACCEPTED = "accepted", _("accepted")
        IMPLEMENTED = "implemented", _("implemented")
        DECLINED = "declined", _("declined")

    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("your idea"))
    department = models.ForeignKey(
        "people.Department", verbose_name=_("about department"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Null for anonymous ideas: the author is then never stored, nor any time finer than the day.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="ideas")
    submitted_on = models.DateField(_("submitted on"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    public_answer = models.TextField(_("public answer"), blank=True)
    answered_on = models.DateField(null=True, blank=True)
    findings = models.ManyToManyField(
        "programs.Finding", verbose_name=_("evidence for findings"), blank=True, related_name="supporting_ideas"
    )

    class Meta:
        ordering = ["-submitted_on", "-id"]
        verbose_name = _("improvement idea")
        verbose_name_plural = _("improvement ideas")

    def __str__(self):
        return self.title


class FeedbackLink(TimeStampedModel):
    """A public link external customers use to rate a department or branch."""

    slug = models.SlugField(max_length=40, unique=True)
    department = models.ForeignKey("people.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("people.Location", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("customer feedback link")
        verbose_name_plural = _("customer feedback links")
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=False) | Q(location__isnull=False), name="surveys_feedbacklink_has_target"
            )
        ]

    def __str__(self):
        return str(self.department or self.location)


class CustomerFeedback(models.Model):
    link = models.ForeignKey(FeedbackLink, on_delete=models.CASCADE, related_name="feedback")
    given_on = models.DateField()
    satisfaction = models.PositiveSmallIntegerField()
    nps = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(satisfaction__gte=1, satisfaction__lte=5), name="surveys_feedback_satisfaction_range"),
            models.CheckConstraint(condition=Q(nps__lte=10), name="surveys_feedback_nps_range"),
        ]
        indexes = [models.Index(fields=["link", "given_on"])]

    def __str__(self):
        return f"{self.link_id} {self.given_on}"
