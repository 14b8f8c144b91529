from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from common.roles import HR_MANAGER
from people.models import Segment
from programs.models import (
    Activity,
    Finding,
    FocusArea,
    Goal,
    Instrument,
    NewsPost,
    Pillar,
    PlannedInstrument,
    Program,
    ProgramFocusArea,
    TargetSegment,
)

User = get_user_model()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def hr_managers():
    return User.objects.filter(is_active=True, groups__name=HR_MANAGER).order_by("first_name", "last_name", "username").distinct()


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


def _check_dates(form, start_field="start_date", end_field="end_date"):
    start, end = form.cleaned_data.get(start_field), form.cleaned_data.get(end_field)
    if start and end and end < start:
        form.add_error(end_field, _("The end date must not be before the start date."))


class ProgramForm(forms.ModelForm):
    owners = UserMultipleChoiceField(
        label=_("Owners"), queryset=User.objects.none(), required=False, help_text=_("HR managers who may edit this program.")
    )

    class Meta:
        model = Program
        fields = ["name", "description", "start_date", "end_date", "status", "owners"]
        widgets = {"start_date": DateInput(), "end_date": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owners"].queryset = hr_managers()

    def clean(self):
        cleaned = super().clean()
        _check_dates(self)
        return cleaned


class SummaryForm(forms.Form):
    situation_summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class EvidenceLinksField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 2})

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value


class FindingForm(forms.ModelForm):
    evidence_links = EvidenceLinksField(
        label=_("Evidence links"), required=False, help_text=_("One link or reference per line, e.g. a survey result or a KPI.")
    )

    class Meta:
        model = Finding
        fields = ["scope", "source", "swot", "description", "evidence_links"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class FocusAreaChoiceForm(forms.Form):
    focus_area = forms.ModelChoiceField(label=_("Focus area"), queryset=FocusArea.objects.all())
    priority = forms.IntegerField(label=_("Priority"), min_value=1, max_value=4, initial=1, help_text=_("1 is the highest priority."))
    rationale = forms.CharField(label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["kind", "parent", "title", "description", "due_date"]
        widgets = {"due_date": DateInput(), "description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = Goal.objects.filter(program=program)
        if self.instance.pk:
            queryset = queryset.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = queryset


class TargetSegmentForm(forms.Form):
    segment = forms.ModelChoiceField(label=_("Segment"), queryset=Segment.objects.all())
    note = forms.CharField(label=_("Note"), required=False)


RATING_CHOICES = [("", "–")] + [(str(i), str(i)) for i in range(1, 6)]


class SuitabilityForm(forms.Form):
    """One rating field per chosen focus area, for one target segment."""

    def __init__(self, *args, chosen: list[ProgramFocusArea], initial_ratings: dict[int, int | None] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_ratings = initial_ratings or {}
        for area in chosen:
            self.fields[f"area_{area.pk}"] = forms.TypedChoiceField(
                label=str(area), choices=RATING_CHOICES, coerce=int, empty_value=None, required=False, initial=initial_ratings.get(area.pk)
            )

    def ratings(self) -> dict[int, int | None]:
        return {int(name.removeprefix("area_")): value for name, value in self.cleaned_data.items()}


class CatalogueEntryForm(forms.ModelForm):
    class Meta:
        model = Instrument
        fields = ["group", "name_en", "name_de"]


class PlannedInstrumentForm(forms.ModelForm):
    owner = UserChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    budget = forms.DecimalField(
        label=_("Budget (EUR)"),
        max_digits=12,
        decimal_places=2,
        initial=0,
        min_value=0,
        error_messages={"min_value": _("The budget cannot be negative.")},
    )

    class Meta:
        model = PlannedInstrument
        fields = ["instrument", "focus_areas", "target_segments", "owner", "budget", "start_date", "end_date", "status", "description"]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 2}),
            "focus_areas": forms.CheckboxSelectMultiple,
            "target_segments": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = hr_managers()
        self.fields["focus_areas"].queryset = ProgramFocusArea.objects.filter(program=program).select_related("focus_area")
        self.fields["target_segments"].queryset = TargetSegment.objects.filter(program=program).select_related("segment")

    def clean(self):
        cleaned = super().clean()
        _check_dates(self)
        return cleaned


class ActivityForm(forms.ModelForm):
    owner = UserChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    completion = forms.IntegerField(label=_("Completion (%)"), min_value=0, max_value=100, initial=0)

    class Meta:
        model = Activity
        fields = [
            "title",
            "description",
            "owner",
            "due_date",
            "status",
            "completion",
            "is_seminar",
            "planned_attendance",
            "actual_attendance",
            "participants",
        ]
        widgets = {"due_date": DateInput(), "description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
        self.fields["participants"].queryset = Segment.objects.order_by("name")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("participants") and not cleaned.get("is_seminar"):
            self.add_error("participants", _("Only a seminar has participants: tick “seminar” or leave the segment empty."))
        return cleaned


class CriterionForm(forms.Form):
    text = forms.CharField(label=_("New exit criterion"), max_length=300)


class PhaseCompleteForm(forms.Form):
    override_reason = forms.CharField(
        label=_("Reason for completing by override"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Needed only when the criteria are not met or the previous phase is still open. It is recorded."),
    )


SCORE_CHOICES = [(str(i), str(i)) for i in range(1, 6)]


class SelfAssessmentForm(forms.Form):
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for pillar, label in Pillar.choices:
            self.fields[f"score_{pillar}"] = forms.TypedChoiceField(
                label=label, choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect(attrs={"class": "btn-check"})
            )
            self.fields[f"note_{pillar}"] = forms.CharField(
                label=_("Note"),
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "placeholder": _("Note")}),
            )

    def pillar_fields(self):
        return [(self[f"score_{p}"], self[f"note_{p}"]) for p in Pillar.values]

    def scores(self) -> dict[int, tuple[int, str]]:
        return {p: (self.cleaned_data[f"score_{p}"], self.cleaned_data[f"note_{p}"]) for p in Pillar.values}


class NewsPostForm(forms.ModelForm):
    class Meta:
        model = NewsPost
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}
