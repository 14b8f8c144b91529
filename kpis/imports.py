"""Import of KPI values (measurements) from a CSV or XLSX file, on the shared tabular import
facility (``common.tabular`` reads and checks, ``common.imports`` runs it as a job).

This module knows the columns, one row's checks (KPI, period, scope and place, number), the
check across rows (a KPI, period and scope twice in the file) and the writes: imported values
replace whatever is stored for the same KPI, period and scope (computed values included), and
once written raise alerts, re-evaluate the phase gates and recompute the derived KPIs of the
periods touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.imports import TabularImport
from common.tabular import ImportSpec, TableRow, reason
from kpis import periods, services
from kpis.models import Kpi, Measurement, MeasurementImportRun, Scope, Source, Unit
from kpis.periods import Period
from people.models import Department, Location

PLACES = Decimal("0.0001")
LARGEST = Decimal("1e12")  # Measurement.value has 16 digits, 4 of them decimals

# What the scope column may say (case-insensitive), in English or German.
SCOPE_WORDS = {
    "company": Scope.COMPANY,
    "whole company": Scope.COMPANY,
    "unternehmen": Scope.COMPANY,
    "gesamtunternehmen": Scope.COMPANY,
    "department": Scope.DEPARTMENT,
    "abteilung": Scope.DEPARTMENT,
    "location": Scope.LOCATION,
    "standort": Scope.LOCATION,
}

# A number with optional thousands separators: 1234,5 / 1.234,5 / 1,234.5 / 1 234,5 / -4,5.
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)*$")


def parse_number(text: str) -> Decimal | None:
    """A number as people type it in German or English spreadsheets; None when it is not one.

    With both a dot and a comma, the last of them is the decimal separator and the other
    groups thousands (1.234,5 and 1,234.5). With one kind only, a single separator is the
    decimal one (4,5 and 4.5), several group thousands (1.234.567)."""
    value = text.strip().replace("\u2212", "-").replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    value = value.removesuffix("%").removesuffix("€")
    if not _NUMBER.match(value):
        try:  # what a spreadsheet cell holds, e.g. 1e-05
            number = Decimal(value)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    last = max(value.rfind("."), value.rfind(","))
    if last < 0:
        return Decimal(value)
    decimal_mark = value[last]
    grouping = "," if decimal_mark == "." else "."
    if value.count(decimal_mark) > 1:  # only one kind, several times: thousands
        grouping, decimal_mark = decimal_mark, ""
    integer, _sep, fraction = value.rpartition(decimal_mark) if decimal_mark else (value, "", "")
    groups = integer.lstrip("+-").split(grouping)
    if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
        return None
    digits = integer.replace(grouping, "")
    return Decimal(f"{digits}.{fraction}" if fraction else digits)


@dataclass
class MeasurementRow:
    row: int
    label: str
    kpi: Kpi | None = None
    period: Period | None = None
    scope: str = Scope.COMPANY
    department: Department | None = None
    location: Location | None = None
    value: Decimal | None = None
    sample_size: int | None = None
    errors: list = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return (self.kpi.pk, self.period.key, self.scope, self.department and self.department.pk, self.location and self.location.pk)


class MeasurementSpec(ImportSpec):
    required_columns = ("kpi", "period", "value")
    optional_columns = ("scope", "department", "location", "sample_size")
    column_help = [
        (
            "kpi",
            _("The KPI's code (e.g. absenteeism-rate) or its English or German name. Only KPIs whose values are imported. Required."),
            "absenteeism-rate",
        ),
        ("period", _("A month as 2026-03 or 03.2026, a quarter as 2026-Q1 or Q1 2026; a date stands for its month. Required."), "2026-03"),
        (
            "value",
            _("The value in the KPI's unit; 4,5 and 4.5 both work, as do 1.234,5 and 1,234.5. Percentages 0 to 100. Required."),
            "4,5",
        ),
        (
            "scope",
            _("company, department or location (also Unternehmen, Abteilung, Standort); empty means the whole company."),
            "department",
        ),
        ("department", _("The department's code, for the department scope; the org chart shows each department's code."), "sales"),
        ("location", _("The location's name, for the location scope."), ""),
        ("sample_size", _("How many people or cases the value is based on (optional)."), "42"),
    ]
    template_rows = [
        ["absenteeism-rate", "2026-03", 4.5, "department", "sales", "", 42],
        ["revenue", "2026-03", 1250000, "company", "", "", ""],
    ]
    key_column = "kpi"
    run: MeasurementImportRun | None = None  # set by MeasurementImport; the values name it
    field_labels = {"value": _("value"), "sample_size": _("sample size"), "origin": _("source")}
    messages = {
        "unknown_kpi": _("There is no KPI “%(value)s”. Use its code (e.g. absenteeism-rate) or its name as in the catalogue."),
        "computed_kpi": _("The values of “%(kpi)s” are computed by the portal and cannot be imported."),
        "unknown_period": _("“%(value)s” is not a period. Write a month as 2026-03 or 03.2026, a quarter as 2026-Q1."),
        "unknown_scope": _("“%(value)s” is not a scope. Write company, department or location (or leave it empty)."),
        "no_company_value": _("“%(kpi)s” has no value for the whole company."),
        "no_department_values": _("“%(kpi)s” has no values per department."),
        "no_location_values": _("“%(kpi)s” has no values per location."),
        "missing_department": _("The department scope needs the department's code in the column department."),
        "missing_location": _("The location scope needs the location's name in the column location."),
        "unknown_department": _("There is no department with the code “%(value)s”."),
        "unknown_location": _("There is no location named “%(value)s”."),
        "place_not_in_scope": _("The column %(column)s must stay empty for this row's scope."),
        "invalid_number": _("“%(value)s” is not a number."),
        "too_large": _("“%(value)s” is too large."),
        "percent_out_of_range": _("“%(value)s” is a percentage and must lie between 0 and 100."),
        "invalid_sample_size": _("The sample size “%(value)s” is not a whole number of at least 0."),
        "duplicate": _("The same KPI, period and scope are already in row %(row)s."),
    }

    def prepare(self) -> None:
        self.kpis: dict[str, Kpi] = {}
        for kpi in Kpi.objects.all():
            for name in (kpi.name_de, kpi.name_en, kpi.code):  # the code wins over a name that happens to equal it
                if name:
                    self.kpis[name.strip().lower()] = kpi
        self.departments = {d.code.lower(): d for d in Department.objects.all()}
        self.locations = {loc.name.strip().lower(): loc for loc in Location.objects.all()}
        self.first_row_of: dict[tuple, int] = {}

    def parse_row(self, row: TableRow) -> MeasurementRow:
        parsed = MeasurementRow(row=row.number, label=row.cell("kpi"), errors=row.errors)
        self._parse_kpi(row, parsed)
        if text := row.cell("period"):
            parsed.period = periods.parse(text)
            if parsed.period is None:
                parsed.errors.append(reason("unknown_period", value=text))
        self._parse_place(row, parsed)
        self._parse_value(row, parsed)
        if text := row.cell("sample_size"):
            number = parse_number(text)
            if number is None or number < 0 or number != number.to_integral_value() or number > 2**31 - 1:
                parsed.errors.append(reason("invalid_sample_size", value=text))
            else:
                parsed.sample_size = int(number)
        return parsed

    def _parse_kpi(self, row: TableRow, parsed: MeasurementRow) -> None:
        text = row.cell("kpi")
        if not text:
            return
        kpi = self.kpis.get(text.lower())
        if kpi is None:
            parsed.errors.append(reason("unknown_kpi", value=text))
        elif kpi.source != Source.IMPORTED:
            parsed.errors.append(reason("computed_kpi", kpi=kpi.code))
        else:
            parsed.kpi = kpi

    def _parse_place(self, row: TableRow, parsed: MeasurementRow) -> None:
        department_code, location_name = row.cell("department") or "", row.cell("location") or ""
        text = row.cell("scope") or ""
        if text:
            scope = SCOPE_WORDS.get(" ".join(text.lower().split()))
            if scope is None:
                parsed.errors.append(reason("unknown_scope", value=text))
                return
        else:  # a department or location named without a scope says which one is meant
            scope = Scope.DEPARTMENT if department_code else Scope.LOCATION if location_name else Scope.COMPANY
        parsed.scope = scope
        if parsed.kpi is not None and scope not in parsed.kpi.scopes:
            code = {Scope.COMPANY: "no_company_value", Scope.DEPARTMENT: "no_department_values", Scope.LOCATION: "no_location_values"}
            parsed.errors.append(reason(code[scope], kpi=parsed.kpi.code))
        if department_code and scope != Scope.DEPARTMENT:
            parsed.errors.append(reason("place_not_in_scope", column="department"))
        if location_name and scope != Scope.LOCATION:
            parsed.errors.append(reason("place_not_in_scope", column="location"))
        if scope == Scope.DEPARTMENT:
            parsed.department = self.departments.get(department_code.lower())
            if not department_code:
                parsed.errors.append(reason("missing_department"))
            elif parsed.department is None:
                parsed.errors.append(reason("unknown_department", value=department_code))
        elif scope == Scope.LOCATION:
            parsed.location = self.locations.get(" ".join(location_name.lower().split()))
            if not location_name:
                parsed.errors.append(reason("missing_location"))
            elif parsed.location is None:
                parsed.errors.append(reason("unknown_location", value=location_name))

    def _parse_value(self, row: TableRow, parsed: MeasurementRow) -> None:
        text = row.cell("value")
        if not text:
            return
        number = parse_number(text)
        if number is None:
            parsed.errors.append(reason("invalid_number", value=text))
        elif abs(number) >= LARGEST:
            parsed.errors.append(reason("too_large", value=text))
        elif parsed.kpi is not None and parsed.kpi.unit == Unit.PERCENT and not 0 <= number <= 100:
            parsed.errors.append(reason("percent_out_of_range", value=text))
        else:
            parsed.value = number.quantize(PLACES)

    @staticmethod
    def _key(parsed: MeasurementRow) -> dict:
        """The row's key as the report keeps it: its parts, shown in the reader's language by
        ``display_keys``."""
        key = {"kpi": parsed.kpi.code, "period": parsed.period.key, "scope": str(parsed.scope)}
        if parsed.department is not None:
            key["department"] = parsed.department.code
        if parsed.location is not None:
            key["location"] = parsed.location.name
        return key

    @classmethod
    def display_keys(cls, keys: list) -> list[str]:
        codes = {key["department"] for key in keys if isinstance(key, dict) and key.get("department")}
        names = {d.code: d.name for d in Department.objects.filter(code__in=codes)} if codes else {}
        texts = []
        for key in keys:
            if not isinstance(key, dict):  # an error row: the KPI as the file names it
                texts.append(key or "")
                continue
            if key.get("department"):
                place = names.get(key["department"], key["department"])
            elif key.get("location"):
                place = key["location"]
            else:
                place = gettext("Whole company")
            texts.append(f"{key['kpi']} \u00b7 {key['period']} \u00b7 {place}")
        return texts

    @classmethod
    def display_value(cls, name: str, value) -> str:
        if name == "origin" and value in Measurement.Origin.values:
            return str(Measurement.Origin(value).label)
        if name in ("value", "sample_size") and value not in (None, ""):
            number = Decimal(str(value))
            number = number.quantize(Decimal(1)) if number == number.to_integral() else number.normalize()
            return formats.number_format(number, use_l10n=True, force_grouping=abs(number) >= 10000)
        return super().display_value(name, value)

    def check_row(self, parsed: MeasurementRow) -> None:
        if parsed.errors:
            return
        first = self.first_row_of.setdefault(parsed.key, parsed.row)
        if first != parsed.row:
            parsed.errors.append(reason("duplicate", row=first))

    def begin(self, writing: bool) -> None:
        self.now = timezone.now()
        self.run_id = self.run.pk if self.run else None
        self.entered_by_id = self.run.created_by_id if self.run else None
        self.written: list[Measurement] = []
        self.periods_touched: dict[str, Period] = {}

    def flush(self, batch: list[MeasurementRow], writing: bool) -> None:
        stored = Measurement.objects.filter(kpi__in={r.kpi.pk for r in batch}, period__in={r.period.key for r in batch})
        existing = {(m.kpi_id, m.period, m.scope, m.department_id, m.location_id): m for m in stored}
        new, changed = [], []
        for parsed in batch:
            current = existing.get(parsed.key)
            key = self._key(parsed)
            if current is None:
                new.append(self._measurement(parsed))
                self.result.record(parsed.row, key, "created")
                continue
            changes = [
                (name, old, wanted)
                for name, old, wanted in (
                    ("value", current.value, parsed.value),
                    ("sample_size", current.sample_size, parsed.sample_size),
                    ("origin", current.origin, Measurement.Origin.IMPORTED),
                )
                if old != wanted
            ]
            if not changes:
                self.result.record(parsed.row, key, "unchanged")
                continue
            self.result.record(parsed.row, key, "updated", changes=changes)
            changed.append(self._imported(current, parsed))
        if not writing:
            return
        Measurement.objects.bulk_create(new)
        Measurement.objects.bulk_update(changed, ["value", "sample_size", "origin", "computed_at", "import_run", "entered_by"])
        self.written += new + changed
        for parsed in batch:
            self.periods_touched[parsed.period.key] = parsed.period

    def _measurement(self, parsed: MeasurementRow) -> Measurement:
        period = parsed.period
        measurement = Measurement(period=period.key, period_start=period.start, period_end=period.end, scope=parsed.scope)
        measurement.department, measurement.location = parsed.department, parsed.location
        return self._imported(measurement, parsed)

    def _imported(self, measurement: Measurement, parsed: MeasurementRow) -> Measurement:
        """The row's value on a new or stored measurement, as imported by this run."""
        measurement.kpi = parsed.kpi  # alerts_raise reads it: no query per row
        measurement.value, measurement.sample_size, measurement.origin = parsed.value, parsed.sample_size, Measurement.Origin.IMPORTED
        measurement.computed_at, measurement.import_run_id, measurement.entered_by_id = self.now, self.run_id, self.entered_by_id
        return measurement

    def finish(self, writing: bool) -> None:
        if not writing or not self.written:
            return
        derived = services.store_computed(services.derived_values(months=list(self.periods_touched.values())))
        services.alerts_raise(measurements=self.written + derived.changed)
        services.gates_evaluate()


class MeasurementImport(TabularImport):
    def spec_for(self, run: MeasurementImportRun) -> MeasurementSpec:
        if run.pk is None:  # a command-line run is saved at the end; its values need it now
            run.save()
        spec = super().spec_for(run)
        spec.run = run
        return spec


MEASUREMENT_IMPORT = MeasurementImport(path="kpis.imports.MEASUREMENT_IMPORT", run_model=MeasurementImportRun, spec_class=MeasurementSpec)
