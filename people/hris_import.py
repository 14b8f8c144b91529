"""HRIS import: read a CSV (UTF-8 or Windows-1252, comma or semicolon) or XLSX export of the HR
system, check every row, and either report what would change (dry run) or write it.

The file is streamed twice rather than held in memory: pass 1 checks each row on its own and
collects only the keys needed for checks across rows (employee numbers, emails, managers);
pass 2 compares rows with the database and writes, a batch at a time, with bulk queries.
Nothing is written while any row has an error.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl.utils.exceptions import InvalidFileException

from common import exports
from common.roles import EMPLOYEE
from people.models import Department, Employee, Location
from people.xlsx_rows import UnsupportedWorkbook, iter_xlsx_rows

BATCH_SIZE = 1000
REPORT_ROW_LIMIT = 1000  # rows of each kind listed in a report; the counts always cover every row

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
        "10001",
        "Anna",
        "Müller",
        "sales",
        "Headquarters Hamburg",
        "2021-04-01",
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
        "10002",
        "Ben",
        "Schmidt",
        "sales",
        "Headquarters Hamburg",
        "15.09.2019",
        "ben.schmidt@example.com",
        "en",
        "Sales",
        "10001",
        "ja",
        "",
        "",
        "",
    ],
]

MESSAGES = {
    "unreadable": _("The file could not be read. Upload a CSV file (UTF-8 or Windows-1252) or an XLSX workbook."),
    "empty_file": _("The file has no header row. The first row must name the columns, as in the template."),
    "missing_column": _("The column “%(column)s” is missing. The first row must name the columns, as in the template."),
    "missing_value": _("%(column)s is empty."),
    "too_long": _("%(column)s is longer than %(max)s characters."),
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
    "database_refused": _("The database refused the import: %(detail)s"),
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


def message_text(reason: dict) -> str:
    """A stored reason (code and parameters) in the reader's language."""
    template = MESSAGES.get(reason.get("code"))
    if template is None:
        return str(reason.get("code"))
    return gettext(str(template)) % reason.get("params", {}) if reason.get("params") else gettext(str(template))


def _reason(code: str, /, **params) -> dict:
    return {"code": code, "params": {k: str(v) for k, v in params.items()}}


# --- Reading ------------------------------------------------------------------------------

OpenBinary = Callable[[], io.BufferedIOBase]
# What a broken or foreign file raises while being read (openpyxl raises KeyError/ValueError on
# damaged workbooks); anything else is a bug and is not hidden.
UNREADABLE = (csv.Error, UnicodeDecodeError, ValueError, KeyError, OSError, zipfile.BadZipFile, InvalidFileException)


def _normalise_header(value: str) -> str:
    return value.strip().lstrip("\ufeff").lower().replace(" ", "_").replace("-", "_")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _detect_encoding(open_binary: OpenBinary) -> str:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open_binary() as stream:
        try:
            while chunk := stream.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _is_xlsx(open_binary: OpenBinary) -> bool:
    with open_binary() as stream:
        return stream.read(4) == b"PK\x03\x04"


@dataclass
class FileFormat:
    kind: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""


def detect_format(open_binary: OpenBinary) -> FileFormat:
    if _is_xlsx(open_binary):
        return FileFormat(kind="xlsx")
    encoding = _detect_encoding(open_binary)
    with open_binary() as stream:
        first_line = io.TextIOWrapper(stream, encoding=encoding, newline="").readline()
    delimiter = max(";,\t", key=first_line.count) if first_line else ","
    return FileFormat(kind="csv", encoding=encoding, delimiter=delimiter)


def iter_table(open_binary: OpenBinary, file_format: FileFormat) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts) for every non-empty row, header included; streams the file."""
    if file_format.kind == "xlsx":
        try:
            with open_binary() as stream:
                yield from iter_xlsx_rows(stream)
            return
        except UnsupportedWorkbook:
            pass
        from openpyxl import load_workbook

        with open_binary() as stream:
            workbook = load_workbook(stream, read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    cells = [_cell_text(v) for v in values]
                    if any(cells):
                        yield number, cells
            finally:
                workbook.close()
        return
    with open_binary() as stream:
        text = io.TextIOWrapper(stream, encoding=file_format.encoding, newline="")
        for number, cells in enumerate(csv.reader(text, delimiter=file_format.delimiter), start=1):
            cells = [c.strip() for c in cells]
            if any(cells):
                yield number, cells


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


def parse_row(row_number: int, cells: list[str], columns: dict[str, int]) -> ParsedRow:
    def cell(name: str) -> str | None:
        index = columns.get(name)
        if index is None:
            return None
        return cells[index].strip() if index < len(cells) else ""

    errors: list[dict] = []
    values: dict = {}
    for name in REQUIRED_COLUMNS:
        if not cell(name):
            errors.append(_reason("missing_value", column=name))
    for name, limit in MAX_LENGTHS.items():
        text = cell(name)
        if text and len(text) > limit:
            errors.append(_reason("too_long", column=name, max=limit))

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
            errors.append(_reason("invalid_date", column=name, value=text))
        dates[name] = parsed
    if dates.get("hire_date"):
        values["hire_date"] = dates["hire_date"]
    if "exit_date" in dates and not any(e["code"] == "invalid_date" and e["params"]["column"] == "exit_date" for e in errors):
        values["exit_date"] = dates["exit_date"]
    if dates.get("hire_date") and dates.get("exit_date") and dates["exit_date"] < dates["hire_date"]:
        errors.append(_reason("exit_before_hire", exit=dates["exit_date"].isoformat(), hire=dates["hire_date"].isoformat()))

    email = cell("email")
    if email is not None:
        email = email.lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(_reason("invalid_email", value=email))
        values["email"] = email

    language = cell("preferred_language")
    if language:
        if language.lower() in LANGUAGES:
            values["preferred_language"] = LANGUAGES[language.lower()]
        else:
            errors.append(_reason("invalid_language", value=language))

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
            errors.append(_reason("invalid_yes_no", column="customer_facing", value=facing))

    location_type = cell("location_type")
    if location_type:
        if location_type.lower() in LOCATION_TYPES:
            values["location_type"] = LOCATION_TYPES[location_type.lower()]
        else:
            errors.append(_reason("invalid_location_type", value=location_type))
    values["department_name"] = cell("department_name") or ""

    manager_number = cell("manager_number")
    if manager_number and manager_number == number:
        errors.append(_reason("own_manager"))
    return ParsedRow(row=row_number, number=number, values=values, manager_number=manager_number, errors=errors)


# --- The import ---------------------------------------------------------------------------


@dataclass
class ImportOptions:
    create_missing: bool = False
    mark_absent_exited_on: date | None = None


@dataclass
class ImportResult:
    committed: bool = False
    rows_total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0
    marked_exited: int = 0
    file_errors: list[dict] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    rows_truncated: bool = False
    new_departments: list[str] = field(default_factory=list)
    new_locations: list[str] = field(default_factory=list)
    file_format: dict = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.file_errors)

    def report(self) -> dict:
        return {
            "file_errors": self.file_errors,
            "rows": self.rows,
            "rows_truncated": self.rows_truncated,
            "new_departments": self.new_departments,
            "new_locations": self.new_locations,
            "file_format": self.file_format,
        }


class _Listing:
    """Collects report rows in file order, at most REPORT_ROW_LIMIT errors and as many others."""

    def __init__(self, result: ImportResult):
        self.result = result
        self.counts = {"error": 0, "other": 0}

    def add(self, row: int, number: str, status: str, reasons=None, changes=None) -> None:
        kind = "error" if status == "error" else "other"
        if self.counts[kind] >= REPORT_ROW_LIMIT:
            self.result.rows_truncated = True
            return
        self.counts[kind] += 1
        entry = {"row": row, "employee_number": number, "status": status}
        if reasons:
            entry["reasons"] = reasons
        if changes:
            entry["changes"] = changes
        self.result.rows.append(entry)


COMPARED_FIELDS = ("first_name", "last_name", "email", "preferred_language", "job_family", "customer_facing", "hire_date", "exit_date")


def run_import(*, open_binary: OpenBinary, options: ImportOptions, commit: bool) -> ImportResult:
    """Check a file and, when ``commit`` is true and no row has an error, write it.

    The caller provides the transaction (see ``people.services``); a failed write raises.
    """
    result = ImportResult()
    with ExitStack() as cleanup:
        try:
            file_format = detect_format(open_binary)
            result.file_format = {"kind": file_format.kind, "encoding": file_format.encoding, "delimiter": file_format.delimiter}
            if file_format.kind == "xlsx":
                # Parsing XLSX is the slow part: do it once, into a temporary CSV both passes read.
                converted = cleanup.enter_context(tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024))
                open_binary, file_format = _xlsx_to_csv(open_binary, file_format, converted)
            header = next(iter_table(open_binary, file_format), None)
        except UNREADABLE:
            result.file_errors.append(_reason("unreadable"))
            return result
        return _run_checked(open_binary, file_format, header, options, commit, result)


class _Rewound:
    """The converted file, handed out again for each pass without being closed by it."""

    def __init__(self, handle):
        self._handle = handle

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def close(self):
        pass

    @property
    def closed(self):
        return False


def _xlsx_to_csv(open_binary: OpenBinary, file_format: FileFormat, target) -> tuple[OpenBinary, FileFormat]:
    text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    written = 0
    for number, cells in iter_table(open_binary, file_format):
        while written < number - 1:  # blank lines keep the sheet's row numbers
            writer.writerow([])
            written += 1
        writer.writerow(cells)
        written += 1
    text.flush()
    text.detach()

    def reopen():
        target.seek(0)
        return _Rewound(target)

    return reopen, FileFormat(kind="csv", encoding="utf-8", delimiter=",")


def _run_checked(open_binary, file_format, header, options, commit, result) -> ImportResult:
    if header is None:
        result.file_errors.append(_reason("empty_file"))
        return result
    columns: dict[str, int] = {}
    for index, name in enumerate(header[1]):
        key = _normalise_header(name)
        if key in COLUMNS and key not in columns:
            columns[key] = index
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            result.file_errors.append(_reason("missing_column", column=name))
    if result.file_errors:
        return result

    departments = {code.lower(): pk for code, pk in Department.objects.values_list("code", "pk")}
    locations = {name.lower(): pk for name, pk in Location.objects.values_list("name", "pk")}
    db_numbers = dict(Employee.objects.values_list("employee_number", "pk"))
    db_emails = {email.lower(): number for email, number in Employee.objects.exclude(email="").values_list("email", "employee_number")}

    # Pass 1: each row on its own, and the keys for checks across rows.
    row_errors: dict[int, list[dict]] = {}
    seen_numbers: dict[str, tuple[int, str | None]] = {}  # number -> (row, email in file or None)
    seen_emails: dict[str, int] = {}
    manager_refs: list[tuple[int, str]] = []
    new_departments: dict[str, str] = {}
    new_locations: dict[str, tuple[str, str]] = {}
    try:
        for row_number, cells in _data_rows(open_binary, file_format):
            parsed = parse_row(row_number, cells, columns)
            result.rows_total += 1
            errors = parsed.errors
            if parsed.number:
                if parsed.number in seen_numbers:
                    errors.append(_reason("duplicate_number", number=parsed.number, first_row=seen_numbers[parsed.number][0]))
                else:
                    seen_numbers[parsed.number] = (row_number, parsed.values.get("email"))
            email = parsed.values.get("email")
            if email:
                if email in seen_emails:
                    errors.append(_reason("duplicate_email", email=email, first_row=seen_emails[email]))
                else:
                    seen_emails[email] = row_number
            code = parsed.values["department"]
            if code and code not in departments:
                if options.create_missing:
                    new_departments.setdefault(code, parsed.values["department_name"] or code)
                else:
                    errors.append(_reason("unknown_department", code=code))
            location = parsed.values["location"]
            if location and location.lower() not in locations:
                if options.create_missing:
                    new_locations.setdefault(location.lower(), (location, parsed.values.get("location_type") or Location.Kind.ON_SITE))
                else:
                    errors.append(_reason("unknown_location", name=location))
            if parsed.manager_number and parsed.manager_number != parsed.number:
                manager_refs.append((row_number, parsed.manager_number))
            if errors:
                row_errors[row_number] = errors
    except UNREADABLE:  # a file that breaks half-way is as unreadable as one that breaks at once
        result.file_errors.append(_reason("unreadable"))
        return result

    for row_number, manager_number in manager_refs:
        if manager_number not in seen_numbers and manager_number not in db_numbers:
            row_errors.setdefault(row_number, []).append(_reason("manager_not_found", number=manager_number))
    del manager_refs
    for email, row_number in seen_emails.items():
        owner = db_emails.get(email)
        if owner is None or seen_numbers.get(owner, (None,))[0] == row_number:
            continue
        owner_in_file = seen_numbers.get(owner)
        if owner_in_file and owner_in_file[1] is not None and owner_in_file[1] != email:
            continue  # the owner's row in this file moves them to another email
        row_errors.setdefault(row_number, []).append(_reason("email_taken", email=email, number=owner))
    del seen_emails, db_emails

    result.errors = len(row_errors)
    result.new_departments = sorted(new_departments)
    result.new_locations = sorted(name for name, _kind in new_locations.values())
    writing = commit and not result.has_errors

    if writing:
        for code, name in new_departments.items():
            departments[code] = Department.objects.create(code=code, name_en=name, name_de=name).pk
        for key, (name, kind) in new_locations.items():
            locations[key] = Location.objects.create(name=name, kind=kind).pk
    else:
        # Placeholders that never equal a real id, so rows pointing at them count as changes.
        for offset, code in enumerate(new_departments, start=1):
            departments[code] = -offset
        for offset, key in enumerate(new_locations, start=1):
            locations[key] = -offset

    # Pass 2: compare with the database and write, a batch at a time.
    listing = _Listing(result)
    batch: list[ParsedRow] = []
    pending_managers: list[tuple[str, str | None]] = []
    employee_group = Group.objects.get_or_create(name=EMPLOYEE)[0] if writing else None
    for row_number, cells in _data_rows(open_binary, file_format):
        if row_number in row_errors:
            number = cells[columns["employee_number"]] if columns["employee_number"] < len(cells) else ""
            listing.add(row_number, number.strip(), "error", reasons=row_errors[row_number])
            continue
        batch.append(parse_row(row_number, cells, columns))
        if len(batch) >= BATCH_SIZE:
            _flush(batch, result, listing, departments, locations, db_numbers, pending_managers, writing, employee_group)
            batch = []
    _flush(batch, result, listing, departments, locations, db_numbers, pending_managers, writing, employee_group)

    result.rows.sort(key=lambda entry: entry["row"])
    if writing:
        _assign_managers(pending_managers, db_numbers)
    result.marked_exited = _mark_absent_exited(options.mark_absent_exited_on, set(db_numbers) - set(seen_numbers), db_numbers, writing)
    if writing:
        _deactivate_exited_accounts()
    result.committed = writing
    return result


def _data_rows(open_binary: OpenBinary, file_format: FileFormat) -> Iterator[tuple[int, list[str]]]:
    rows = iter_table(open_binary, file_format)
    next(rows, None)  # the header
    yield from rows


def _flush(batch, result, listing, departments, locations, db_numbers, pending_managers, writing, employee_group) -> None:
    """Compare one batch of valid rows with the database; when writing, create and update them."""
    if not batch:
        return
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
            result.created += 1
            listing.add(parsed.row, parsed.number, "created")
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
            for key in changes:
                if key in desired:
                    setattr(employee, key, desired[key])
                    update_fields.add(key.removesuffix("_id"))
            employee.modified = now
            to_update.append(employee)
            result.updated += 1
            labels = [key.removesuffix("_id") for key in changes]
            listing.add(parsed.row, parsed.number, "updated", changes=labels)
        else:
            result.unchanged += 1
            listing.add(parsed.row, parsed.number, "unchanged")

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


def run_import_atomically(*, open_binary: OpenBinary, options: ImportOptions, commit: bool) -> ImportResult:
    """``run_import`` inside a savepoint: a write the database refuses undoes the whole import and
    is reported as a file error instead of failing the request."""
    try:
        with transaction.atomic() if commit else nullcontext():
            return run_import(open_binary=open_binary, options=options, commit=commit)
    except IntegrityError as error:
        result = ImportResult(file_errors=[_reason("database_refused", detail=str(error).splitlines()[0])])
        return result


def template_csv() -> bytes:
    return exports.csv_text([COLUMNS, *TEMPLATE_EXAMPLE_ROWS], delimiter=";").encode("utf-8-sig")


def template_xlsx() -> bytes:
    return exports.xlsx_bytes([COLUMNS, *TEMPLATE_EXAMPLE_ROWS], title="employees")


def report_for_display(report: dict) -> dict:
    """A stored report with every reason and changed field in the reader's language."""
    rows = []
    for entry in report.get("rows", []):
        rows.append(
            {
                "row": entry["row"],
                "employee_number": entry.get("employee_number", ""),
                "status": entry["status"],
                "reasons": [message_text(reason) for reason in entry.get("reasons", [])],
                "changes": [str(FIELD_LABELS.get(name, name)) for name in entry.get("changes", [])],
            }
        )
    file_format = report.get("file_format") or {}
    return {
        "file_errors": [message_text(reason) for reason in report.get("file_errors", [])],
        "rows": rows,
        "rows_truncated": report.get("rows_truncated", False),
        "new_departments": report.get("new_departments", []),
        "new_locations": report.get("new_locations", []),
        "file_format": file_format,
    }
