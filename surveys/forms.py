from datetime import timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from people.models import Department, Location, Segment
from programs.models import Finding, Phase, Program
from surveys.models import Idea, PulseSchedule, Question, QuestionCategory, QuestionKind, SurveyTemplate, TemplateSection, WaveQuestion


class CrispyForm(forms.Form):
    submit_label = _("Save")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", self.submit_label))


class QuestionForm(CrispyForm):
    kind = forms.ChoiceField(label=_("Type"), choices=QuestionKind.choices)
    category = forms.ChoiceField(label=_("Purpose"), choices=QuestionCategory.choices, initial=QuestionCategory.CUSTOM)
    text_en = forms.CharField(label=_("Question (English)"), max_length=400)
    text_de = forms.CharField(label=_("Question (German)"), max_length=400)
    options = forms.CharField(
        label=_("Answer options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For choice questions: one option per line, English and German separated by “|”, e.g. “Intranet | Intranet”."),
    )

    def clean(self):
        data = super().clean()
        lines = [line.strip() for line in (data.get("options") or "").splitlines() if line.strip()]
        data["option_pairs"] = [tuple(part.strip() for part in (line.split("|", 1) + [""])[:2]) for line in lines]
        if data.get("kind") in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(lines) < 2:
            self.add_error("options", _("Choice questions need at least two options."))
        return data


class TemplateForm(CrispyForm):
    name = forms.CharField(label=_("Name"), max_length=160)
    kind = forms.ChoiceField(label=_("Type"), choices=SurveyTemplate.Kind.choices)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SectionForm(CrispyForm):
    submit_label = _("Add section")
    title_en = forms.CharField(label=_("Section title (English)"), max_length=160)
    title_de = forms.CharField(label=_("Section title (German)"), max_length=160, required=False)


class ItemAddForm(forms.Form):
    question = forms.ModelChoiceField(label=_("Question"), queryset=Question.objects.all())
    section = forms.ModelChoiceField(label=_("Section"), queryset=TemplateSection.objects.none(), required=False)
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)

    def __init__(self, *args, template, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = template.sections.all()


class AudienceFormMixin(forms.Form):
    whole_company = forms.BooleanField(label=_("Whole company"), required=False, initial=True)
    segments = forms.ModelMultipleChoiceField(
        label=_("Segments"),
        queryset=Segment.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Used when “Whole company” is not ticked."),
    )

    def clean(self):
        data = super().clean()
        if not data.get("whole_company") and not data.get("segments"):
            self.add_error(None, _("Choose the whole company or at least one segment."))
        return data


class WaveForm(CrispyForm, AudienceFormMixin):
    submit_label = _("Create wave")
    title = forms.CharField(label=_("Title"), max_length=160)
    opens_on = forms.DateField(label=_("Opens on"), widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(label=_("Closes on"), widget=forms.DateInput(attrs={"type": "date"}))
    reminder_days = forms.CharField(
        label=_("Reminders (days after opening)"), initial="3, 5", required=False, help_text=_("At most two, e.g. “3, 5”.")
    )

    program = forms.ModelChoiceField(label=_("Serves program (optional)"), queryset=Program.objects.all(), required=False)
    phase = forms.ModelChoiceField(
        label=_("Implementation phase (optional)"), queryset=Phase.objects.select_related("program"), required=False
    )

    field_order = ["title", "opens_on", "closes_on", "whole_company", "segments", "reminder_days", "program", "phase"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["opens_on"].initial = today
        self.fields["closes_on"].initial = today + timedelta(days=6)

    def clean_reminder_days(self):
        raw = [part.strip() for part in (self.cleaned_data.get("reminder_days") or "").replace(";", ",").split(",") if part.strip()]
        try:
            days = sorted({int(part) for part in raw})
        except ValueError:
            raise forms.ValidationError(_("Enter whole numbers of days, e.g. “3, 5”.")) from None
        if len(days) > 2 or any(day < 1 for day in days):
            raise forms.ValidationError(_("Enter at most two reminder days, each at least 1."))
        return days

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("The wave must close on or after the day it opens."))
        phase = data.get("phase")
        if phase is not None:
            if data.get("program") is None:
                data["program"] = phase.program
            elif phase.program_id != data["program"].pk:
                self.add_error("phase", _("Choose a phase of the selected program."))
        return data


class ScheduleForm(CrispyForm, AudienceFormMixin):
    submit_label = _("Start recurring pulse")
    frequency = forms.ChoiceField(label=_("Frequency"), choices=PulseSchedule.Frequency.choices)
    next_open_on = forms.DateField(label=_("First wave opens on"), widget=forms.DateInput(attrs={"type": "date"}))
    window_days = forms.IntegerField(label=_("Days open"), min_value=1, max_value=90, initial=5)
    items_per_wave = forms.IntegerField(label=_("Questions per wave"), min_value=1, max_value=50, initial=5)

    field_order = ["frequency", "next_open_on", "window_days", "items_per_wave", "whole_company", "segments"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_open_on"].initial = timezone.localdate()


class AnswerForm(forms.Form):
    """One field per wave question (and per provider on internal customer surveys)."""

    def __init__(self, *args, items: list[WaveQuestion], providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        self.providers = list(providers)
        if self.providers:
            self.fields["providers"] = forms.ModelMultipleChoiceField(
                label=_("Which departments' services did you use in the last three months?"),
                queryset=Department.objects.filter(pk__in=[p.pk for p in self.providers]),
                widget=forms.CheckboxSelectMultiple,
                required=True,
            )
            for provider in self.providers:
                for item in items:
                    self.fields[f"q{item.question_id}_p{provider.pk}"] = self._field(item, required=False)
        else:
            for item in items:
                self.fields[f"q{item.question_id}"] = self._field(item, required=item.required)

    @staticmethod
    def _field(item: WaveQuestion, required: bool):
        question = item.question
        kind = question.kind
        label = question.text
        if kind == QuestionKind.AGREEMENT:
            from surveys.models import AGREEMENT_LABELS

            choices = [(str(v), label) for v, label in AGREEMENT_LABELS.items()]
            return forms.TypedChoiceField(label=label, choices=choices, coerce=int, widget=forms.RadioSelect, required=required)
        if kind == QuestionKind.SCALE10:
            choices = [(str(v), str(v)) for v in range(11)]
            return forms.TypedChoiceField(label=label, choices=choices, coerce=int, widget=forms.RadioSelect, required=required)
        if kind == QuestionKind.YES_NO:
            choices = [("1", _("Yes")), ("0", _("No"))]
            return forms.TypedChoiceField(label=label, choices=choices, coerce=int, widget=forms.RadioSelect, required=required)
        if kind == QuestionKind.SINGLE:
            choices = [(str(o.value), o.text) for o in question.options.all()]
            return forms.TypedChoiceField(label=label, choices=choices, coerce=int, widget=forms.RadioSelect, required=required)
        if kind == QuestionKind.MULTIPLE:
            choices = [(str(o.value), o.text) for o in question.options.all()]
            return forms.TypedMultipleChoiceField(
                label=label, choices=choices, coerce=int, widget=forms.CheckboxSelectMultiple, required=required
            )
        return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": 3}), required=required, max_length=4000)

    def clean(self):
        data = super().clean()
        for provider in self.providers if "providers" in data else []:
            if provider not in data["providers"]:
                continue
            for item in self.items:
                name = f"q{item.question_id}_p{provider.pk}"
                if item.required and data.get(name) in (None, "", []):
                    self.add_error(name, _("Please answer this question."))
        return data

    def answers(self) -> list[dict]:
        data = self.cleaned_data
        rows = []
        targets = [(p.pk, f"_p{p.pk}") for p in data.get("providers", [])] if self.providers else [(None, "")]
        for provider_id, suffix in targets:
            for item in self.items:
                value = data.get(f"q{item.question_id}{suffix}")
                if value in (None, "", []):
                    continue
                row = {"question_id": item.question_id, "provider_id": provider_id}
                if item.question.kind == QuestionKind.MULTIPLE:
                    row["choices"] = sorted(value)
                elif item.question.kind == QuestionKind.TEXT:
                    row["text"] = value.strip()
                else:
                    row["value"] = value
                rows.append(row)
        return rows

    def sections(self):
        """(section title, [bound fields]) in order, for the template."""
        groups = []
        for item in self.items:
            if not groups or groups[-1][0] != item.section:
                groups.append((item.section, []))
            groups[-1][1].append((item, self[f"q{item.question_id}"]))
        return groups

    def provider_blocks(self):
        return [(p, [(item, self[f"q{item.question_id}_p{p.pk}"]) for item in self.items]) for p in self.providers]


class IdeaForm(CrispyForm):
    submit_label = _("Submit idea")
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Your idea"), widget=forms.Textarea(attrs={"rows": 5}))
    department = forms.ModelChoiceField(label=_("About department (optional)"), queryset=Department.objects.all(), required=False)
    anonymous = forms.BooleanField(
        label=_("Submit anonymously"), required=False, help_text=_("Your name is then not stored with the idea at all.")
    )


class IdeaTriageForm(CrispyForm):
    submit_label = _("Save answer")
    status = forms.ChoiceField(label=_("Status"), choices=Idea.Status.choices)
    public_answer = forms.CharField(label=_("Public answer"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    finding = forms.ModelChoiceField(
        label=_("Attach as evidence to finding (optional)"), queryset=Finding.objects.select_related("program"), required=False
    )


class FeedbackLinkForm(CrispyForm):
    submit_label = _("Create link")
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all(), required=False)
    location = forms.ModelChoiceField(label=_("Branch"), queryset=Location.objects.all(), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("department") and not data.get("location"):
            raise forms.ValidationError(_("Choose a department or a branch."))
        return data


class CustomerFeedbackForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you with our service?"),
        choices=[(str(v), str(v)) for v in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 = very dissatisfied, 5 = very satisfied"),
    )
    nps = forms.TypedChoiceField(
        label=_("How likely are you to recommend us to a friend or colleague?"),
        choices=[(str(v), str(v)) for v in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("0 = not at all likely, 10 = extremely likely"),
    )
    comment = forms.CharField(label=_("Anything you want to tell us? (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
