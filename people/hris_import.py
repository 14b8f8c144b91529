"""HRIS import: the employees of an HR system's export, as a ``common.tabular`` import.

Reading, the two passes, dry run and all-or-nothing commit are ``common.tabular``'s; this module
knows the columns, one row's checks, the checks across rows (employee numbers, emails,
managers, unknown departments and locations) and the writes (employees, their accounts,
managers, absent employees marked as exited).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import tabular
from common.roles import EMPLOYEE
from common.tabular import ImportResult, ImportSpec, OpenBinary, TableRow, cell_text, reason
from people.models import Department, Employee, Location

REQUIRED_COLUMNS = ("employee_number", "first_name", "last_name", "department", "location", "hire_date")
OPTIONAL_COLUMNS = (
    "email",
    "preferred_language",
    "job_family",
    "manager_number",
    "customer_facing",
    "exit_date",
    "department_name",
    "location_type",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# (column, meaning, example) for the page, the README and the template.
COLUMN_HELP = [
    ("employee_number", _("Unique employee number from the HR system. Required."), "10001"),
    ("first_name", _("First name. Required."), "Anna"),
    ("last_name", _("Last name. Required."), "Müller"),
    ("department", _("Department code as shown on the org chart (e.g. sales). Required."), "sales"),
    ("location", _("Location name. Required."), "Headquarters Hamburg"),
    ("hire_date", _("Hire date, YYYY-MM-DD or DD.MM.YYYY. Required."), "2021-04-01"),
    ("email", _("Work email. Employees with an email get a portal account (role Employee)."), "anna.mueller@example.com"),
    ("preferred_language", _("de or en; empty means German."), "de"),
    ("job_family", _("Job family, free text (e.g. Sales, IT)."), "Sales"),
    ("manager_number", _("Employee number of the manager; must be in the file or already in the portal."), ""),
    ("customer_facing", _("yes or no (also ja/nein, 1/0)."), "yes"),
    ("exit_date", _("Exit date, empty while employed; not before the hire date."), ""),
    ("department_name", _("Only used when an unknown department is created: its name."), ""),
    ("location_type", _("Only used when an unknown location is created: on-site or off-site."), ""),
]

TEMPLATE_EXAMPLE_ROWS = [
    [
        10001,
        "Anna",
        "Müller",
        "sales",
        "Headquarters Hamburg",
        date(2021, 4, 1),
        "anna.mueller@example.com",
        "de",
        "Sales",
        "",
        "yes",
        "",
        "",
        "",
    ],
    [
        10002,
        "Ben",
        "Schmidt",
        "sales",
        "Headquarters Hamburg",
        "15.09.2019",
        "ben.schmidt@example.com",
        "en",
        "Sales",
        10001,
        "ja",
        "",
        "",
        "",
    ],
]

MESSAGES = {
    "duplicate_number": _("Employee number %(number)s appears more than once in the file (first in row %(first_row)s)."),
    "duplicate_email": _("The email %(email)s is also used in row %(first_row)s."),
    "email_taken": _("The email %(email)s already belongs to another employee (%(number)s)."),
    "invalid_email": _("“%(value)s” is not a valid email address."),
    "invalid_date": _("%(column)s “%(value)s” is not a valid date (use YYYY-MM-DD or DD.MM.YYYY)."),
    "invalid_language": _("Preferred language “%(value)s” is neither de nor en."),
    "invalid_yes_no": _("%(column)s “%(value)s” must be yes or no."),
    "invalid_location_type": _("Location type “%(value)s” must be on-site or off-site."),
    "unknown_department": _("Unknown department “%(code)s”. Create it first, or choose to create unknown departments and locations."),
    "unknown_location": _("Unknown location “%(name)s”. Create it first, or choose to create unknown departments and locations."),
    "manager_not_found": _("Manager %(number)s is neither in the file nor in the portal."),
    "own_manager": _("An employee cannot be their own manager."),
    "exit_before_hire": _("The exit date %(exit)s is before the hire date %(hire)s."),
}

FIELD_LABELS = {
    "first_name": _("first name"),
    "last_name": _("last name"),
    "email": _("email"),
    "preferred_language": _("preferred language"),
    "department": _("department"),
    "location": _("location"),
    "job_family": _("job family"),
    "manager": _("manager"),
    "customer_facing": _("customer-facing"),
    "hire_date": _("hire date"),
    "exit_date": _("exit date"),
    "user": _("user account"),
}

# --- Parsing one row ----------------------------------------------------------------------

YES = {"yes", "y", "ja", "j", "true", "wahr", "1", "x"}
NO = {"no", "n", "nein", "false", "falsch", "0", ""}
LANGUAGES = {"de": "de", "deutsch": "de", "german": "de", "en": "en", "english": "en", "englisch": "en"}
LOCATION_TYPES = {
    "on_site": Location.Kind.ON_SITE,
    "on-site": Location.Kind.ON_SITE,
    "onsite": Location.Kind.ON_SITE,
    "vor ort": Location.Kind.ON_SITE,
    "off_site": Location.Kind.OFF_SITE,
    "off-site": Location.Kind.OFF_SITE,
    "offsite": Location.Kind.OFF_SITE,
    "außendienst": Location.Kind.OFF_SITE,
    "mobil": Location.Kind.OFF_SITE,
    "remote": Location.Kind.OFF_SITE,
}
MAX_LENGTHS = {"employee_number": 40, "first_name": 100, "last_name": 100, "job_family": 80, "department": 40, "location": 120}


def parse_date(value: str) -> date | None:
    """ISO (2024-03-01) or German (01.03.2024, 01.03.24) dates; None when it is neither."""
    try:
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            return date.fromisoformat(value)
        parts = value.split(".")
        if len(parts) == 3 and len(parts[2]) == 4 and all(part.isdigit() for part in parts):
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return None
    try:
        return datetime.strptime(value, "%d.%m.%y").date()  # noqa: DTZ007 (a calendar date, no time zone)
    except ValueError:
        return None


@dataclass
class ParsedRow:
    row: int
    number: str
    values: dict  # only the columns present in the file; department/location as keys, not ids
    manager_number: str | None
    errors: list[dict] = field(default_factory=list)


def parse_row(row: TableRow) -> ParsedRow:
    cell = row.cell
    errors = row.errors
    values: dict = {}
    number = cell("employee_number") or ""
    values["first_name"] = cell("first_name") or ""
    values["last_name"] = cell("last_name") or ""
    values["department"] = (cell("department") or "").lower()
    values["location"] = cell("location") or ""

    dates = {}
    for name in ("hire_date", "exit_date"):
        text = cell(name)
        if text is None:
            continue
        if not text:
            dates[name] = None
            continue
        parsed = parse_date(text)
        if parsed is None:
            errors.append(reason("invalid_date", column=name, value=text))
        dates[name] = parsed
    if dates.get("hire_date"):
        values["hire_date"] = dates["hire_date"]
    if "exit_date" in dates and not any(e["code"] == "invalid_date" and e["params"]["column"] == "exit_date" for e in errors):
        values["exit_date"] = dates["exit_date"]
    if dates.get("hire_date") and dates.get("exit_date") and dates["exit_date"] < dates["hire_date"]:
        errors.append(reason("exit_before_hire", exit=dates["exit_date"].isoformat(), hire=dates["hire_date"].isoformat()))

    email = cell("email")
    if email is not None:
        email = email.lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(reason("invalid_email", value=email))
        values["email"] = email

    language = cell("preferred_language")
    if language:
        if language.lower() in LANGUAGES:
            values["preferred_language"] = LANGUAGES[language.lower()]
        else:
            errors.append(reason("invalid_language", value=language))

    job_family = cell("job_family")
    if job_family is not None:
        values["job_family"] = job_family

    facing = cell("customer_facing")
    if facing is not None:
        if facing.lower() in YES:
            values["customer_facing"] = True
        elif facing.lower() in NO:
            values["customer_facing"] = False
        else:
            errors.append(reason("invalid_yes_no", column="customer_facing", value=facing))

    location_type = cell("location_type")
    if location_type:
        if location_type.lower() in LOCATION_TYPES:
            values["location_type"] = LOCATION_TYPES[location_type.lower()]
        else:
            errors.append(reason("invalid_location_type", value=location_type))
    values["department_name"] = cell("department_name") or ""

    manager_number = cell("manager_number")
    if manager_number and manager_number == number:
        errors.append(reason("own_manager"))
    return ParsedRow(row=row.number, number=number, values=values, manager_number=manager_number, errors=errors)


# --- The import ---------------------------------------------------------------------------


@dataclass
class ImportOptions:
    create_missing: bool = False
    mark_absent_exited_on: date | None = None


@dataclass
class EmployeeImportResult(ImportResult):
    marked_exited: int = 0
    new_departments: list[str] = field(default_factory=list)
    new_locations: list[str] = field(default_factory=list)

    def report(self) -> dict:
        return {**super().report(), "new_departments": self.new_departments, "new_locations": self.new_locations}

    def run_fields(self) -> dict:
        return {**super().run_fields(), "marked_exited": self.marked_exited}


COMPARED_FIELDS = ("first_name", "last_name", "email", "preferred_language", "job_family", "customer_facing", "hire_date", "exit_date")


class EmployeeImportSpec(ImportSpec):
    required_columns = REQUIRED_COLUMNS
    optional_columns = OPTIONAL_COLUMNS
    max_lengths = MAX_LENGTHS
    column_help = COLUMN_HELP
    template_rows = TEMPLATE_EXAMPLE_ROWS
    messages = MESSAGES
    field_labels = FIELD_LABELS
    key_column = "employee_number"
    options_class = ImportOptions
    result_class = EmployeeImportResult
    result: EmployeeImportResult

    def prepare(self) -> None:
        self.departments = {code.lower(): pk for code, pk in Department.objects.values_list("code", "pk")}
        self.locations = {name.lower(): pk for name, pk in Location.objects.values_list("name", "pk")}
        self.db_numbers = dict(Employee.objects.values_list("employee_number", "pk"))
        self.db_emails = {
            email.lower(): number for email, number in Employee.objects.exclude(email="").values_list("email", "employee_number")
        }
        self.seen_numbers: dict[str, tuple[int, str | None]] = {}  # number -> (row, email in file or None)
        self.seen_emails: dict[str, int] = {}
        self.manager_refs: list[tuple[int, str]] = []
        self.new_departments: dict[str, str] = {}
        self.new_locations: dict[str, tuple[str, str]] = {}

    def parse_row(self, row: TableRow) -> ParsedRow:
        return parse_row(row)

    def check_row(self, parsed: ParsedRow) -> None:
        errors, row_number = parsed.errors, parsed.row
        if parsed.number:
            if parsed.number in self.seen_numbers:
                errors.append(reason("duplicate_number", number=parsed.number, first_row=self.seen_numbers[parsed.number][0]))
            else:
                self.seen_numbers[parsed.number] = (row_number, parsed.values.get("email"))
        email = parsed.values.get("email")
        if email:
            if email in self.seen_emails:
                errors.append(reason("duplicate_email", email=email, first_row=self.seen_emails[email]))
            else:
                self.seen_emails[email] = row_number
        code = parsed.values["department"]
        if code and code not in self.departments:
            if self.options.create_missing:
                self.new_departments.setdefault(code, parsed.values["department_name"] or code)
            else:
                errors.append(reason("unknown_department", code=code))
        location = parsed.values["location"]
        if location and location.lower() not in self.locations:
            if self.options.create_missing:
                kind = parsed.values.get("location_type") or Location.Kind.ON_SITE
                self.new_locations.setdefault(location.lower(), (location, kind))
            else:
                errors.append(reason("unknown_location", name=location))
        if parsed.manager_number and parsed.manager_number != parsed.number:
            self.manager_refs.append((row_number, parsed.manager_number))

    def check_across_rows(self, row_errors: dict[int, list[dict]]) -> None:
        seen_numbers, db_emails = self.seen_numbers, self.db_emails
        for row_number, manager_number in self.manager_refs:
            if manager_number not in seen_numbers and manager_number not in self.db_numbers:
                row_errors.setdefault(row_number, []).append(reason("manager_not_found", number=manager_number))
        for email, row_number in self.seen_emails.items():
            owner = db_emails.get(email)
            if owner is None or seen_numbers.get(owner, (None,))[0] == row_number:
                continue
            owner_in_file = seen_numbers.get(owner)
            if owner_in_file and owner_in_file[1] is not None and owner_in_file[1] != email:
                continue  # the owner's row in this file moves them to another email
            row_errors.setdefault(row_number, []).append(reason("email_taken", email=email, number=owner))
        del self.manager_refs, self.seen_emails, self.db_emails
        self.result.new_departments = sorted(self.new_departments)
        self.result.new_locations = sorted(name for name, _kind in self.new_locations.values())

    def begin(self, writing: bool) -> None:
        if writing:
            for code, name in self.new_departments.items():
                self.departments[code] = Department.objects.create(code=code, name_en=name, name_de=name).pk
            for key, (name, kind) in self.new_locations.items():
                self.locations[key] = Location.objects.create(name=name, kind=kind).pk
        else:
            # Placeholders that never equal a real id, so rows pointing at them count as changes.
            for offset, code in enumerate(self.new_departments, start=1):
                self.departments[code] = -offset
            for offset, key in enumerate(self.new_locations, start=1):
                self.locations[key] = -offset
        self.pending_managers: list[tuple[str, str | None]] = []
        # What a report shows for the ids an employee points at (old -> new of a changed row).
        self.shown = {
            "department_id": {pk: code for code, pk in self.departments.items()},
            "location_id": dict(Location.objects.values_list("pk", "name")),
            "manager_id": {pk: number for number, pk in self.db_numbers.items()},
        }
        self.employee_group = Group.objects.get_or_create(name=EMPLOYEE)[0] if writing else None

    def flush(self, batch: list[ParsedRow], writing: bool) -> None:
        _flush(
            batch,
            self.result,
            self.departments,
            self.locations,
            self.db_numbers,
            self.pending_managers,
            writing,
            self.employee_group,
            self.shown,
        )

    def finish(self, writing: bool) -> None:
        if writing:
            _assign_managers(self.pending_managers, self.db_numbers)
        absent = set(self.db_numbers) - set(self.seen_numbers)
        self.result.marked_exited = _mark_absent_exited(self.options.mark_absent_exited_on, absent, self.db_numbers, writing)
        if writing:
            _deactivate_exited_accounts()

    @classmethod
    def report_for_display(cls, report: dict) -> dict:
        return {
            **super().report_for_display(report),
            "new_departments": report.get("new_departments", []),
            "new_locations": report.get("new_locations", []),
        }


def _flush(batch, result, departments, locations, db_numbers, pending_managers, writing, employee_group, shown) -> None:
    """Compare one batch of valid rows with the database; when writing, create and update them."""
    User = get_user_model()
    existing = {e.employee_number: e for e in Employee.objects.filter(employee_number__in=[p.number for p in batch])}
    emails = [p.values.get("email", getattr(existing.get(p.number), "email", "")) for p in batch]
    emails = [email for email in emails if email]
    users = {u.username: u for u in User.objects.filter(username__in=emails).only("pk", "username")} if emails else {}
    linked_user_ids = set(Employee.objects.filter(user_id__in=[u.pk for u in users.values()]).values_list("user_id", flat=True))

    to_create: list[tuple[ParsedRow, Employee]] = []
    to_update: list[Employee] = []
    update_fields: set[str] = set()
    needs_user: list[tuple[ParsedRow, Employee]] = []
    now = timezone.now()
    for parsed in batch:
        values = parsed.values
        desired = {key: values[key] for key in COMPARED_FIELDS if key in values}
        desired["department_id"] = departments[values["department"]]
        desired["location_id"] = locations[values["location"].lower()]
        employee = existing.get(parsed.number)
        if employee is None:
            employee = Employee(employee_number=parsed.number, **desired)
            if not writing:
                employee.pk = None
            to_create.append((parsed, employee))
            result.record(parsed.row, parsed.number, "created")
            if values.get("email"):
                needs_user.append((parsed, employee))
            if parsed.manager_number:
                pending_managers.append((parsed.number, parsed.manager_number))
            continue
        changes = [key for key, value in desired.items() if getattr(employee, key) != value]
        if parsed.manager_number is not None:
            manager_id = db_numbers.get(parsed.manager_number) if parsed.manager_number else None
            if employee.manager_id != manager_id or (parsed.manager_number and manager_id is None):
                changes.append("manager_id")
                pending_managers.append((parsed.number, parsed.manager_number or None))
        email = values.get("email", employee.email)
        if email and employee.user_id is None:
            user = users.get(email)
            if user is None or user.pk not in linked_user_ids:
                changes.append("user_id")
                needs_user.append((parsed, employee))
        if changes:
            shown_changes = [_change(key, employee, parsed, desired, shown) for key in changes]  # before the new values are set
            for key in changes:
                if key in desired:
                    setattr(employee, key, desired[key])
                    update_fields.add(key.removesuffix("_id"))
            employee.modified = now
            to_update.append(employee)
            result.record(parsed.row, parsed.number, "updated", changes=shown_changes)
        else:
            result.record(parsed.row, parsed.number, "unchanged")

    if not writing:
        return
    _attach_users(needs_user, users, linked_user_ids, employee_group)
    if to_update:
        if any(e.user_id for e in to_update):
            update_fields.add("user")
        # Small batches: bulk_update's CASE per row grows quadratically with the batch.
        Employee.objects.bulk_update(to_update, sorted(update_fields | {"modified"}), batch_size=200)
    if to_create:
        created = Employee.objects.bulk_create([employee for _parsed, employee in to_create])
        for employee in created:
            db_numbers[employee.employee_number] = employee.pk


def _change(key: str, employee: Employee, parsed: ParsedRow, desired: dict, shown: dict):
    """A changed field for the report: its name and, where they say something, old and new."""
    name = key.removesuffix("_id")
    if key == "user_id":
        return name
    if key == "manager_id":
        return name, shown[key].get(employee.manager_id), parsed.manager_number or None
    old = getattr(employee, key)
    if key in ("department_id", "location_id"):
        return name, shown[key].get(old), parsed.values[name]
    return name, old, desired[key]


def _attach_users(needs_user, users, linked_user_ids, employee_group) -> None:
    """Give every imported employee with an email an account in the Employee group (username =
    email, no usable password: they sign in through an invitation link or a password reset)."""
    if not needs_user:
        return
    User = get_user_model()
    new_users = []
    unusable_password = make_password(None)  # one per batch: generating it is the slow part, and it never matches
    for parsed, employee in needs_user:
        email = parsed.values.get("email") or employee.email
        if email not in users:
            user = User(
                username=email,
                email=email,
                first_name=parsed.values["first_name"][:150],
                last_name=parsed.values["last_name"][:150],
                password=unusable_password,
            )
            users[email] = user
            new_users.append(user)
    if new_users:
        User.objects.bulk_create(new_users)
    memberships = []
    for parsed, employee in needs_user:
        user = users[parsed.values.get("email") or employee.email]
        if user.pk in linked_user_ids:
            continue  # the account already belongs to another employee; leave both alone
        employee.user_id = user.pk
        linked_user_ids.add(user.pk)
        memberships.append(User.groups.through(user_id=user.pk, group_id=employee_group.pk))
    User.groups.through.objects.bulk_create(memberships, ignore_conflicts=True)


def _assign_managers(pending: list[tuple[str, str | None]], db_numbers: dict[str, int]) -> None:
    """Set managers once every employee of the file has an id. One UPDATE ... FROM unnest() per
    chunk: Django's bulk_update builds a CASE per row, which costs quadratic time at this size."""
    table = Employee._meta.db_table
    # The table name comes from the model, never from input; values are bound parameters.
    sql = (
        f"UPDATE {table} AS e SET manager_id = v.manager_id "  # noqa: S608
        "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::bigint[]) AS manager_id) AS v WHERE e.id = v.id"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(pending), 5000):
            chunk = pending[start : start + 5000]
            ids = [db_numbers[number] for number, _manager in chunk]
            managers = [db_numbers.get(manager) if manager else None for _number, manager in chunk]
            cursor.execute(sql, [ids, managers])


def _mark_absent_exited(on: date | None, absent_numbers: set[str], db_numbers: dict[str, int], writing: bool) -> int:
    """Employees missing from the file get an exit date, but only when the person asked for it."""
    if on is None or not absent_numbers:
        return 0
    ids = [db_numbers[number] for number in absent_numbers]
    count = 0
    for start in range(0, len(ids), 5000):
        queryset = Employee.objects.filter(pk__in=ids[start : start + 5000], hire_date__lte=on).filter(
            Q(exit_date__isnull=True) | Q(exit_date__gt=on)
        )
        count += queryset.update(exit_date=on, modified=timezone.now()) if writing else queryset.count()
    return count


def _deactivate_exited_accounts() -> None:
    """People who have left cannot sign in any more (staff accounts are left to the admins)."""
    get_user_model().objects.filter(employee__exit_date__lte=timezone.localdate(), is_active=True, is_staff=False).update(is_active=False)


# The names the rest of the app, the command and the tests use.


def message_text(stored: dict) -> str:
    """A stored reason (code and parameters) in the reader's language."""
    return EmployeeImportSpec.message_text(stored)


def run_import(*, open_binary: OpenBinary, options: ImportOptions, commit: bool) -> EmployeeImportResult:
    return tabular.run_import(EmployeeImportSpec(options), open_binary=open_binary, commit=commit)


def run_import_atomically(*, open_binary: OpenBinary, options: ImportOptions, commit: bool) -> EmployeeImportResult:
    return tabular.run_import_atomically(EmployeeImportSpec(options), open_binary=open_binary, commit=commit)


template_csv = EmployeeImportSpec.template_csv
template_xlsx = EmployeeImportSpec.template_xlsx
report_for_display = EmployeeImportSpec.report_for_display
_cell_text = cell_text  # tests/people/test_xlsx_rows.py compares the lean reader with openpyxl through it
