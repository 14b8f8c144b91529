from django import forms
from django.utils.translation import gettext_lazy as _

from people.models import Department, Employee, Location, Segment, TenureBand
from people.selectors import department_descendant_ids, segment_choices
from people.services import MAX_UPLOAD_BYTES


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("HRIS export (CSV or XLSX)"))
    create_missing = forms.BooleanField(
        label=_("Create unknown departments and locations"),
        required=False,
        help_text=_("Otherwise rows naming an unknown department or location are rejected."),
    )
    mark_absent_exited = forms.BooleanField(
        label=_("Mark employees missing from the file as exited"),
        required=False,
        help_text=_("Only for a complete export of everyone. Without this, employees not in the file are left alone."),
    )
    exit_date = forms.DateField(
        label=_("Exit date for employees missing from the file"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mark_absent_exited") and not cleaned.get("exit_date"):
            self.add_error("exit_date", _("Give the exit date for employees missing from the file."))
        return cleaned


YES_NO_ANY = [("", _("either")), ("yes", _("yes")), ("no", _("no"))]
STATUS_CHOICES = [("active", _("active employees")), ("exited", _("exited employees")), ("all", _("active and exited"))]
RULE_FIELDS = ("department", "location", "location_type", "job_family", "tenure_band")


class SegmentForm(forms.ModelForm):
    """A segment's rules as one field per attribute: values of one attribute are alternatives
    (OR); the attributes are combined as chosen under "match"."""

    match = forms.ChoiceField(
        label=_("Combine the rules"),
        choices=[("all", _("all rules must match (AND)")), ("any", _("any rule may match (OR)"))],
        widget=forms.RadioSelect,
        initial="all",
    )
    department = forms.MultipleChoiceField(
        label=_("Department (includes its sub-departments)"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    location = forms.MultipleChoiceField(label=_("Location"), required=False, widget=forms.SelectMultiple(attrs={"size": 4}))
    location_type = forms.MultipleChoiceField(
        label=_("Location type"), required=False, choices=Location.Kind.choices, widget=forms.CheckboxSelectMultiple
    )
    job_family = forms.MultipleChoiceField(label=_("Job family"), required=False, widget=forms.SelectMultiple(attrs={"size": 4}))
    customer_facing = forms.ChoiceField(label=_("Customer-facing"), required=False, choices=YES_NO_ANY)
    is_manager = forms.ChoiceField(label=_("Manager (has direct reports)"), required=False, choices=YES_NO_ANY)
    tenure_band = forms.MultipleChoiceField(
        label=_("Tenure"), required=False, choices=TenureBand.choices, widget=forms.CheckboxSelectMultiple
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=STATUS_CHOICES,
        initial="active",
        help_text=_("Always applies; the rules above are combined inside it."),
    )

    class Meta:
        model = Segment
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = segment_choices()
        self.fields["department"].choices = choices["department"]
        self.fields["location"].choices = choices["location"]
        self.fields["job_family"].choices = choices["job_family"]
        if self.instance.pk and not self.is_bound:
            self.initial.update(initial_from_rules(self.instance.rules))

    def rules(self) -> dict:
        data = self.cleaned_data
        conditions = [{"field": name, "values": list(data[name])} for name in RULE_FIELDS if data.get(name)]
        for name in ("customer_facing", "is_manager"):
            if data.get(name):
                conditions.append({"field": name, "values": [data[name] == "yes"]})
        status = data.get("status") or "active"
        conditions.append({"field": "status", "values": ["active", "exited"] if status == "all" else [status]})
        return {"match": data.get("match") or "all", "conditions": conditions}

    def describe(self) -> list[tuple[str, str]]:
        """The saved rules in words: (rule, chosen values)."""
        described = []
        for name in (*RULE_FIELDS, "customer_facing", "is_manager", "status"):
            value = self.initial.get(name)
            if not value:
                continue
            choices = {str(key): label for key, label in self.fields[name].choices}
            values = value if isinstance(value, list) else [value]
            described.append((self.fields[name].label, ", ".join(str(choices.get(str(v), v)) for v in values)))
        return described

    def rules_for_count(self) -> dict:
        """The rules as typed so far, for the live count (the name need not be valid yet)."""
        self.is_valid()
        for name in ("name", "description"):
            self.errors.pop(name, None)
        if not hasattr(self, "cleaned_data"):
            self.cleaned_data = {}
        return self.rules()


def initial_from_rules(rules: dict) -> dict:
    initial = {"match": rules.get("match", "all"), "status": "active"}
    for condition in rules.get("conditions", []):
        name, values = condition.get("field"), condition.get("values") or []
        if name in RULE_FIELDS:
            initial[name] = [str(v) for v in values]
        elif name in ("customer_facing", "is_manager") and len(values) == 1:
            initial[name] = "yes" if values[0] in (True, "true", "1", "yes") else "no"
        elif name == "status":
            initial["status"] = "all" if len(set(values)) > 1 else values[0]
    return initial


class DepartmentForm(forms.ModelForm):
    """What the org chart shows about a department. The head is named by employee number: a
    drop-down of every employee would not scale to a large company."""

    head_number = forms.CharField(label=_("Head (employee number)"), required=False, max_length=40)

    class Meta:
        model = Department
        fields = ["name_en", "name_de", "parent", "services_en", "services_de", "contact"]
        widgets = {"services_en": forms.Textarea(attrs={"rows": 3}), "services_de": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            below = department_descendant_ids([self.instance.pk])
            self.fields["parent"].queryset = Department.objects.exclude(pk__in=below)
            if self.instance.head_id and not self.is_bound:
                self.initial["head_number"] = self.instance.head.employee_number

    def clean_head_number(self):
        number = self.cleaned_data["head_number"].strip()
        if not number:
            return None
        head = Employee.objects.active().filter(employee_number=number).first()
        if head is None:
            raise forms.ValidationError(_("No active employee has the number %(number)s.") % {"number": number})
        return head
