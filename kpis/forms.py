"""Forms of the KPI pages. They validate what was typed; the services write."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from kpis import periods
from kpis.models import Category, Direction, Frequency, Kpi, PhaseGate, Scope, Unit
from people.models import Segment
from people.services import MAX_UPLOAD_BYTES
from programs.forms import DateInput, UserChoiceField, hr_managers
from programs.models import Goal, Program
from surveys.models import Wave

User = get_user_model()

# Words the URLs use after /kpis/; a KPI code must not shadow them.
RESERVED_CODES = {"new", "alerts", "correlation", "drivers", "prepost", "gates", "import"}


def closed_waves():
    return Wave.objects.filter(status=Wave.Status.CLOSED, results_batch__gt=0).order_by("-closes_on", "-pk")


class WaveChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.closes_on:%Y-%m-%d})"


class GoalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.program.name}: {obj.title}"


class Places:
    """The departments and locations a scope can name, read once per page and shared by its forms."""

    def __init__(self, departments, locations):
        self.departments = {d.pk: d for d in departments}
        self.locations = {loc.pk: loc for loc in locations}

    def choices(self, scopes) -> list:
        out = []
        if Scope.COMPANY in scopes:
            out.append((Scope.COMPANY.value, _("Whole company")))
        if Scope.DEPARTMENT in scopes and self.departments:
            out.append((_("Departments"), [(f"department-{pk}", d.name) for pk, d in self.departments.items()]))
        if Scope.LOCATION in scopes and self.locations:
            out.append((_("Locations"), [(f"location-{pk}", loc.name) for pk, loc in self.locations.items()]))
        return out

    def resolve(self, key: str) -> dict | None:
        """``company``, ``department-<id>`` or ``location-<id>`` as service keyword arguments."""
        if key == Scope.COMPANY:
            return {"scope": Scope.COMPANY, "department": None, "location": None}
        kind, _sep, pk = key.partition("-")
        if not pk.isdigit():
            return None
        if kind == Scope.DEPARTMENT and int(pk) in self.departments:
            return {"scope": Scope.DEPARTMENT, "department": self.departments[int(pk)], "location": None}
        if kind == Scope.LOCATION and int(pk) in self.locations:
            return {"scope": Scope.LOCATION, "department": None, "location": self.locations[int(pk)]}
        return None


class ScopedFormMixin:
    """A ``scope_key`` select (company, a department, a location) cleaned into the keyword
    arguments ``scope``, ``department`` and ``location``."""

    def _setup_scope(self, places: Places, scopes) -> None:
        self.places = places
        self.fields["scope_key"] = forms.ChoiceField(label=_("Scope"), choices=places.choices(scopes), initial=Scope.COMPANY)
        self.order_fields(["scope_key"])

    def clean_scope_key(self):
        resolved = self.places.resolve(self.cleaned_data["scope_key"])
        if resolved is None:
            raise forms.ValidationError(_("Choose the whole company, a department or a location."))
        return resolved


def value_field(label, required=True, help_text=""):
    return forms.DecimalField(label=label, max_digits=16, decimal_places=4, localize=True, required=required, help_text=help_text)


class PeriodField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", _("A month as 2026-03 (or 03.2026) or a quarter as 2026-Q1."))
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        period = periods.parse(text)
        if period is None:
            raise forms.ValidationError(
                _("“%(text)s” is not a period. Type a month as 2026-03 or a quarter as 2026-Q1."), params={"text": text}
            )
        return period


class MeasurementForm(ScopedFormMixin, forms.Form):
    period = PeriodField(label=_("Period"))
    value = value_field(_("Value"))

    def __init__(self, *args, kpi: Kpi, places: Places, **kwargs):
        super().__init__(*args, prefix="value", **kwargs)
        self._setup_scope(places, kpi.scopes)


class BaselineForm(ScopedFormMixin, forms.Form):
    value = value_field(_("Value"), required=False, help_text=_("Type the baseline, or take it from a wave or a period below."))
    from_wave = WaveChoiceField(label=_("or from the pre-measurement wave"), queryset=Wave.objects.none(), required=False)
    from_period = PeriodField(label=_("or from the period"), required=False, help_text=_("The value stored for that month or quarter."))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, kpi: Kpi, places: Places, **kwargs):
        super().__init__(*args, prefix="baseline", **kwargs)
        self._setup_scope(places, kpi.scopes)
        if kpi.frequency == Frequency.WAVE:
            self.fields["from_wave"].queryset = closed_waves()
        else:  # only survey KPIs have values per wave
            del self.fields["from_wave"]
            self.fields["value"].help_text = _("Type the baseline, or take it from a period below.")

    def clean(self):
        data = super().clean()
        given = [name for name in ("value", "from_wave", "from_period") if data.get(name) not in (None, "")]
        if len(given) != 1 and not self.errors:
            raise forms.ValidationError(
                _("Type a value, or choose a pre-measurement wave or a period to take it from: exactly one of them.")
            )
        if data.get("from_period") is not None:
            data["from_period"] = data["from_period"].key
        else:
            data["from_period"] = ""
        return data


class TargetForm(ScopedFormMixin, forms.Form):
    value = value_field(_("Target value"))
    due_date = forms.DateField(label=_("By"), widget=DateInput())
    goal = GoalChoiceField(label=_("Measures the program goal"), queryset=Goal.objects.none(), required=False)

    def __init__(self, *args, kpi: Kpi, places: Places, **kwargs):
        super().__init__(*args, prefix="target", **kwargs)
        self._setup_scope(places, kpi.scopes)
        self.fields["goal"].queryset = Goal.objects.select_related("program").order_by("program__name", "kind", "title")


class KpiUpdateForm(forms.ModelForm):
    owner = UserChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False, help_text=_("Gets the KPI's alerts by email."))

    class Meta:
        model = Kpi
        fields = ["owner", "tolerance"]
        localized_fields = ["tolerance"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="settings", **kwargs)
        self.fields["owner"].queryset = hr_managers()
        self.fields["tolerance"].validators.append(MinValueValidator(0))


class KpiForm(forms.ModelForm):
    """An HR manager's own KPI: always of the imported kind."""

    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple, initial=[Scope.COMPANY.value]
    )

    class Meta:
        model = Kpi
        fields = [
            "code",
            "name_en",
            "name_de",
            "description_en",
            "description_de",
            "category",
            "unit",
            "direction",
            "frequency",
            "scopes",
            "tolerance",
        ]
        localized_fields = ["tolerance"]
        widgets = {"description_en": forms.Textarea(attrs={"rows": 2}), "description_de": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"code": _("Lower-case letters, digits and hyphens, e.g. complaint-rate. Used in links and imports.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = Category.choices
        self.fields["unit"].choices = Unit.choices
        self.fields["direction"].choices = Direction.choices
        self.fields["tolerance"].validators.append(MinValueValidator(0))
        self.fields["frequency"].choices = [
            (Frequency.MONTHLY.value, Frequency.MONTHLY.label),
            (Frequency.QUARTERLY.value, Frequency.QUARTERLY.label),
        ]

    def clean_code(self):
        code = self.cleaned_data["code"].lower()
        if code in RESERVED_CODES:
            raise forms.ValidationError(_("“%(code)s” is reserved by the portal; choose another code."), params={"code": code})
        if Kpi.objects.filter(code=code).exists():
            raise forms.ValidationError(_("A KPI with this code exists already."))
        return code


class PhaseGateForm(ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = PhaseGate
        fields = ["kpi", "comparison", "threshold"]
        localized_fields = ["threshold"]

    def __init__(self, *args, phase, places: Places, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.phase = phase
        self.fields["kpi"].queryset = Kpi.objects.order_by("category", "position", "code")
        self._setup_scope(places, [Scope.COMPANY, Scope.DEPARTMENT, Scope.LOCATION])
        self.order_fields(["kpi", "scope_key", "comparison", "threshold"])

    def clean(self):
        data = super().clean()
        kpi, where = data.get("kpi"), data.get("scope_key")
        if kpi is not None and where is not None:
            if where["scope"] not in kpi.scopes:
                self.add_error("scope_key", _("This KPI is not measured for that scope."))
            else:
                self.instance.scope, self.instance.department, self.instance.location = (
                    where["scope"],
                    where["department"],
                    where["location"],
                )
        return data


class ProgramMeasurementForm(forms.Form):
    """Which waves measure a program before and after, and an optional control group."""

    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.none())
    pre_wave = WaveChoiceField(label=_("Pre-measurement wave"), queryset=Wave.objects.none())
    post_wave = WaveChoiceField(label=_("Post-measurement wave"), queryset=Wave.objects.none())
    target_segment = forms.ModelChoiceField(label=_("Targeted segment"), queryset=Segment.objects.none(), required=False)
    control_segment = forms.ModelChoiceField(label=_("Control segment (not targeted)"), queryset=Segment.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="plan", **kwargs)
        self.fields["program"].queryset = Program.objects.order_by("name")
        self.fields["pre_wave"].queryset = self.fields["post_wave"].queryset = closed_waves()
        self.fields["target_segment"].queryset = self.fields["control_segment"].queryset = Segment.objects.order_by("name")

    def clean(self):
        data = super().clean()
        _check_waves(self, data.get("pre_wave"), data.get("post_wave"), "post_wave")
        target, control = data.get("target_segment"), data.get("control_segment")
        if control is not None and target is None:
            self.add_error("target_segment", _("A control group needs a targeted segment to compare with."))
        if control is not None and control == target:
            self.add_error("control_segment", _("The control segment must differ from the targeted one."))
        return data


def _check_waves(form, before, after, field):
    if before is not None and after is not None:
        if before == after:
            form.add_error(field, _("Choose two different waves."))
        elif before.closes_on > after.opens_on:
            form.add_error(field, _("The second wave must open after the first one closed."))


class PrePostForm(forms.Form):
    """Two waves to compare, read from the query string."""

    before = WaveChoiceField(label=_("Before"), queryset=Wave.objects.none())
    after = WaveChoiceField(label=_("After"), queryset=Wave.objects.none())
    target_segment = forms.ModelChoiceField(label=_("Targeted segment"), queryset=Segment.objects.none(), required=False)
    control_segment = forms.ModelChoiceField(label=_("Control segment (not targeted)"), queryset=Segment.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["before"].queryset = self.fields["after"].queryset = closed_waves()
        self.fields["target_segment"].queryset = self.fields["control_segment"].queryset = Segment.objects.order_by("name")

    def clean(self):
        data = super().clean()
        _check_waves(self, data.get("before"), data.get("after"), "after")
        if data.get("control_segment") is not None and data.get("target_segment") is None:
            self.add_error("target_segment", _("A control group needs a targeted segment to compare with."))
        return data


class MeasurementUploadForm(forms.Form):
    """A file of KPI values for ``kpis.imports``; the import checks what is in it."""

    file = forms.FileField(label=_("File of KPI values (CSV or XLSX)"), validators=[FileExtensionValidator(["csv", "txt", "xlsx"])])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB."), params={"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
        return upload
