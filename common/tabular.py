"""Tabular imports: read a CSV (UTF-8 or Windows-1252; comma, semicolon or tab) or XLSX file,
check every row, and either report what would change (dry run) or write it, all or nothing.

What one import knows lives in an ``ImportSpec`` subclass (columns, messages, the checks of a
row and across rows, the writes); ``run_import`` does the rest. The file is streamed twice
rather than held in memory: pass 1 checks each row on its own (``ImportSpec.parse_row`` and
``check_row``) and lets the spec keep only the keys it needs for checks across rows
(``check_across_rows``); pass 2 parses the valid rows again and hands them to
``ImportSpec.flush`` a batch at a time, which compares them with the database and, when
writing, writes them with bulk queries. Nothing is written while any row has an error.

Reasons (errors) are stored as a code and parameters, never as text, so a report reads in
the language of whoever opens it later.

What reading a file may cost is bounded before and while it is read: a CSV must be UTF-8 (or
UTF-16 with a byte order mark) or plausibly Windows-1252 text; an XLSX's parts may not unpack
to more than a limit, nor be compressed suspiciously strongly, nor hold more shared text than
a limit; no file may reach beyond the import's row limit (an XLSX's claimed dimension is
refused at once, and its rows are counted as they are read, empty ones included). Each
refusal is a file error with its own message, and nothing is written.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl.utils.exceptions import InvalidFileException

from common import exports
from common.xlsx_rows import SheetTooLong, UnsupportedWorkbook, iter_xlsx_rows

BATCH_SIZE = 1000
REPORT_ROW_LIMIT = 1000  # rows of each kind listed in a report; the counts always cover every row

# Limits on what reading a file may cost; each can be set in settings under the same name.
MIB = 1024 * 1024
# Data rows of one file (the header is one more): four times the 50,000 employees the portal is
# built for, and a year of monthly KPI values for a few hundred scopes.
TABULAR_IMPORT_MAX_ROWS = 200_000
# What an XLSX's parts may unpack to in all, as the archive declares it (Python's zipfile never
# unpacks a part beyond its declared size: a part that holds more fails its CRC check). A
# 100,000-row export of twelve columns unpacks to about 50 MB.
TABULAR_IMPORT_XLSX_MAX_BYTES = 256 * MIB
# Unpacked size over packed size of any part above 1 MiB. Real workbooks stay below about 25
# (a sheet repeating one value in every cell); zip bombs reach 1,000.
TABULAR_IMPORT_XLSX_MAX_RATIO = 100
# The shared strings part is the one part read into memory whole; about 8 MB for 100,000 rows.
TABULAR_IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES = 32 * MIB
XLSX_MAX_PARTS = 10_000  # an archive's directory is read whole; real workbooks have a few dozen parts
# The other parts read whole (the workbook, its relationships, the styles; openpyxl, when it reads
# a workbook, reads them as one tree). Excel allows 64,000 cell formats: a few MB of styles.
XLSX_MAX_WHOLE_PART_BYTES = 16 * MIB
XLSX_WHOLE_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml")
XLSX_RATIO_FROM = MIB  # smaller parts cannot cost much whatever their ratio
MAX_COLUMNS = 1024  # cells right of this are never read: no import has that many columns


def limit(name: str) -> int:
    """A reading limit: the setting of that name, or this module's default."""
    return getattr(settings, name, globals()[name])


MESSAGES = {
    "unreadable": _("The file could not be read. Upload a CSV file (UTF-8 or Windows-1252) or an XLSX workbook."),
    "encoding": _(
        "The file is not in a character encoding the import reads. Save it as CSV in UTF-8 (in Excel: “CSV UTF-8”), "
        "UTF-16 with a byte order mark or Windows-1252 (Western European), or as an XLSX workbook, and upload it again."
    ),
    "old_excel": _("This is an old Excel workbook (.xls). Save it as an XLSX workbook or as CSV and upload it again."),
    "too_many_rows": _(
        "The file reaches row %(row)s, but an import takes at most %(max)s rows. Split it into smaller files; "
        "if the rows below your data are empty, delete them or copy the data into a new workbook."
    ),
    "xlsx_too_large": _("The workbook unpacks to more than %(max)s MB. Copy the sheet to import into a new workbook, or save it as CSV."),
    "xlsx_compression": _(
        "The workbook is packed far more tightly than spreadsheets are (a part unpacks to more than %(ratio)s times its size), "
        "so it is not read. Open it in Excel and save it again, or save it as CSV."
    ),
    "xlsx_shared_strings": _(
        "The workbook's texts take more than %(max)s MB. Copy the sheet to import into a new workbook, or save it as CSV."
    ),
    "xlsx_part_too_large": _(
        "A part of the workbook (%(part)s) unpacks to more than %(max)s MB. Copy the sheet to import into a new workbook, or save it as CSV."
    ),
    "xlsx_too_many_parts": _(
        "The workbook consists of more than %(max)s parts. Copy the sheet to import into a new workbook, or save it as CSV."
    ),
    "nul_character": _(
        "%(column)s contains a NUL character (an invisible control character the database cannot store). Remove it and upload the file again."
    ),
    "empty_file": _("The file has no header row. The first row must name the columns, as in the template."),
    "no_rows": _("The file has no data rows."),
    "missing_column": _("The column “%(column)s” is missing. The first row must name the columns, as in the template."),
    "missing_value": _("%(column)s is empty."),
    "too_long": _("%(column)s is longer than %(max)s characters."),
    "database_refused": _("The database refused the import: %(detail)s"),
}


class FileRefused(Exception):
    """Reading stopped before any row was checked: the file is refused for the reason given."""

    def __init__(self, code: str, /, **params):
        super().__init__(code)
        self.reason = reason(code, **params)


def visible(text: str) -> str:
    """Text a report may keep: PostgreSQL stores no NUL in text or JSON; U+2400 shows where it was."""
    return text.replace("\x00", "\u2400")


def reason(code: str, /, **params) -> dict:
    """A reason as stored in a report: a message code and its parameters as text."""
    return {"code": code, "params": {k: visible(str(v)) for k, v in params.items()}}


def raw_value(value):
    """A field's value as a report keeps it (JSON), unformatted: numbers stay numbers (a Decimal
    as its digits, so nothing is rounded), dates become ISO text; shown by ``display_value``."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


# --- Reading ------------------------------------------------------------------------------

OpenBinary = Callable[[], io.BufferedIOBase]
# What a broken or foreign file raises while being read (openpyxl raises KeyError/ValueError on
# damaged workbooks); anything else is a bug and is not hidden.
UNREADABLE = (csv.Error, UnicodeDecodeError, ValueError, KeyError, OSError, zipfile.BadZipFile, InvalidFileException, ParseError)
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and other pre-2007 Office files


def normalise_header(value: str) -> str:
    return value.strip().lstrip("\ufeff").lower().replace(" ", "_").replace("-", "_")


def cell_text(value) -> str:
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


# Beyond ASCII, what Western European text saved as Windows-1252 holds: the Latin-1 letters,
# the letters and the quotes, dashes and signs Windows-1252 adds, and the common signs of Latin-1.
_WESTERN = frozenset("ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿŠšŽžŒœŸ€„“”‘’…–—•™‰\u00a0°§²³µ«»·´©®½¼¾£¥¢¿¡±×ªº")
# Words as the plausibility check sees them: between spaces, delimiters and quotes.
_WORD = re.compile(r"[^\s;,\"']+")


def _mostly_foreign(word: str) -> bool:
    """A word that is more than half characters beyond ASCII, at least three of them: how text
    in another alphabet looks when read as Windows-1252 ("山田太郎" in Shift-JIS reads "ŽR“c‘¾˜Y")."""
    foreign = sum(1 for char in word if not char.isascii())
    return foreign >= 3 and 2 * foreign > len(word)


def _plausibly_windows_1252(open_binary: OpenBinary) -> bool:
    """Whether a file that is not UTF-8 reads as Western European text in Windows-1252.

    Bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) fail it at once. Otherwise
    a word is suspect when it holds a control character or a character Western text hardly uses
    (ƒ, ‚, ˆ, ‹, ˜, ¤, ¬, ...: lead bytes of Shift-JIS and friends), or is mostly non-ASCII;
    the file fails when more than a fifth of its words with non-ASCII characters are suspect,
    so a stray sign in a long German file does not."""
    with open_binary() as stream:
        text = io.TextIOWrapper(stream, encoding="cp1252", newline="")
        foreign_words = suspect_words = 0
        try:
            for line in text:
                if line.isascii():
                    continue
                for word in _WORD.findall(line):
                    if word.isascii():
                        continue
                    foreign_words += 1
                    odd = any(char not in _WESTERN and not char.isascii() or "\x00" < char < " " for char in word)
                    suspect_words += odd or _mostly_foreign(word)
        except UnicodeDecodeError:
            return False
    return suspect_words * 5 <= foreign_words


def _detect_encoding(open_binary: OpenBinary) -> str:
    """UTF-16 by its byte order mark, else UTF-8 (with or without one), else Windows-1252 when
    the text is plausibly Western European; anything else is refused."""
    with open_binary() as stream:
        head = stream.read(2)
    if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = nul_bytes = 0
    with open_binary() as stream:
        try:
            while chunk := stream.read(1 << 20):
                size += len(chunk)
                nul_bytes += chunk.count(0)
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            utf8 = True
        except UnicodeDecodeError:
            utf8 = False
    # Text has at most a stray NUL; UTF-16 without a byte order mark, UTF-32 and binary files
    # are full of them (and UTF-16 of ASCII text is valid UTF-8).
    if nul_bytes * 10 > size:
        raise FileRefused("encoding")
    if utf8:
        return "utf-8-sig"
    if not _plausibly_windows_1252(open_binary):
        raise FileRefused("encoding")
    return "cp1252"


def _is_xlsx(open_binary: OpenBinary) -> bool:
    with open_binary() as stream:
        return stream.read(4) == b"PK\x03\x04"


@dataclass
class FileFormat:
    kind: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""


def detect_format(open_binary: OpenBinary) -> FileFormat:
    """What the file is; raises ``FileRefused`` for an old Excel workbook or an unknown encoding."""
    if _is_xlsx(open_binary):
        return FileFormat(kind="xlsx")
    with open_binary() as stream:
        if stream.read(len(OLE2_MAGIC)) == OLE2_MAGIC:
            raise FileRefused("old_excel")
    encoding = _detect_encoding(open_binary)
    with open_binary() as stream:
        first_line = io.TextIOWrapper(stream, encoding=encoding, newline="").readline()
    delimiter = max(";,\t", key=first_line.count) if first_line else ","
    return FileFormat(kind="csv", encoding=encoding, delimiter=delimiter)


def check_workbook(open_binary: OpenBinary) -> None:
    """Refuse an XLSX whose parts would cost too much to unpack, before any part is read."""
    with open_binary() as stream, zipfile.ZipFile(stream) as archive:
        parts = archive.infolist()
        if len(parts) > XLSX_MAX_PARTS:
            raise FileRefused("xlsx_too_many_parts", max=XLSX_MAX_PARTS)
        if sum(part.file_size for part in parts) > limit("TABULAR_IMPORT_XLSX_MAX_BYTES"):
            raise FileRefused("xlsx_too_large", max=limit("TABULAR_IMPORT_XLSX_MAX_BYTES") // MIB)
        ratio = limit("TABULAR_IMPORT_XLSX_MAX_RATIO")
        for part in parts:
            if part.file_size > XLSX_RATIO_FROM and part.file_size > ratio * max(part.compress_size, 1):
                raise FileRefused("xlsx_compression", ratio=ratio)
            if part.filename in XLSX_WHOLE_PARTS and part.file_size > XLSX_MAX_WHOLE_PART_BYTES:
                raise FileRefused("xlsx_part_too_large", part=part.filename, max=XLSX_MAX_WHOLE_PART_BYTES // MIB)
            # Where the shared strings are is the workbook's to say; every name they go by is checked.
            if part.filename.lower().endswith("sharedstrings.xml") and part.file_size > limit(
                "TABULAR_IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES"
            ):
                raise FileRefused("xlsx_shared_strings", max=limit("TABULAR_IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES") // MIB)


def iter_table(open_binary: OpenBinary, file_format: FileFormat, max_rows: int | None = None) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts) for every non-empty row, header included; streams the file.

    With ``max_rows`` (data rows), a file reaching beyond that many rows after the header raises
    ``FileRefused`` as soon as that shows (an XLSX: its claimed dimension, or its rows as counted,
    empty ones included, so a workbook naming row 3,000,000 is not walked row by row)."""
    last_row = None if max_rows is None else max_rows + 1
    if file_format.kind == "xlsx":
        try:
            with open_binary() as stream:
                yield from iter_xlsx_rows(stream, max_row=last_row, max_column=MAX_COLUMNS)
            return
        except UnsupportedWorkbook:
            pass
        except SheetTooLong as error:
            raise FileRefused("too_many_rows", row=error.row, max=max_rows) from error
        from openpyxl import load_workbook

        with open_binary() as stream:
            workbook = load_workbook(stream, read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                if last_row is not None and (sheet.max_row or 0) > last_row:  # the claim; counted below too
                    raise FileRefused("too_many_rows", row=sheet.max_row, max=max_rows)
                for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
                    if last_row is not None and number > last_row:
                        raise FileRefused("too_many_rows", row=number, max=max_rows)
                    cells = [cell_text(v) for v in values]
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
                if last_row is not None and number > last_row:
                    raise FileRefused("too_many_rows", row=number, max=max_rows)
                yield number, cells


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


def _xlsx_to_csv(open_binary: OpenBinary, file_format: FileFormat, target, max_rows: int) -> tuple[OpenBinary, FileFormat]:
    text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    written = 0
    for number, cells in iter_table(open_binary, file_format, max_rows):
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


def _data_rows(open_binary: OpenBinary, file_format: FileFormat, max_rows: int | None = None) -> Iterator[tuple[int, list[str]]]:
    rows = iter_table(open_binary, file_format, max_rows)
    next(rows, None)  # the header
    yield from rows


# --- Rows, results and reports ------------------------------------------------------------


class TableRow:
    """One data row as a spec sees it: cells by column name, and the generic errors (a required
    column empty, a value too long) already found."""

    def __init__(self, number: int, cells: list[str], columns: dict[str, int], spec: ImportSpec):
        self.number = number
        self._cells = cells
        self._columns = columns
        self.errors: list[dict] = [reason("missing_value", column=name) for name in spec.required_columns if not self.cell(name)]
        # PostgreSQL cannot store NUL in text: caught here, in the dry run, not by the commit.
        self.errors += [reason("nul_character", column=name) for name in columns if "\x00" in (self.cell(name) or "")]
        for name, limit in spec.max_lengths.items():
            text = self.cell(name)
            if text and len(text) > limit:
                self.errors.append(reason("too_long", column=name, max=limit))

    def cell(self, name: str) -> str | None:
        """The stripped text of a column; None when the file has no such column."""
        index = self._columns.get(name)
        if index is None:
            return None
        return self._cells[index].strip() if index < len(self._cells) else ""


@dataclass
class ImportResult:
    """What a run found or did. A spec that reports more subclasses it (``ImportSpec.result_class``)
    and extends ``report`` and ``run_fields``."""

    committed: bool = False
    rows_total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0
    file_errors: list[dict] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    rows_truncated: bool = False
    file_format: dict = field(default_factory=dict)
    key_name: str = field(default="key", repr=False)
    _listed: dict = field(default_factory=lambda: {"error": 0, "other": 0}, repr=False)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.file_errors)

    def record(self, row: int, key, status: str, *, reasons=None, changes=None) -> None:
        """Count a row as created, updated, unchanged (or list an error row, counted in pass 1),
        and list it in the report while fewer than REPORT_ROW_LIMIT of its kind are.

        ``key`` names the row: text, or anything JSON the spec's ``display_keys`` understands.
        ``changes``: changed fields, each a name or a (name, old value, new value) triple; the
        report keeps the names in "changes" and the raw values in "values" ({name: [old, new]})."""
        if status in ("created", "updated", "unchanged"):
            setattr(self, status, getattr(self, status) + 1)
        kind = "error" if status == "error" else "other"
        if self._listed[kind] >= REPORT_ROW_LIMIT:
            self.rows_truncated = True
            return
        self._listed[kind] += 1
        entry = {"row": row, self.key_name: visible(key) if isinstance(key, str) else key, "status": status}
        if reasons:
            entry["reasons"] = reasons
        if changes:
            entry["changes"] = [change if isinstance(change, str) else change[0] for change in changes]
            values = {change[0]: [raw_value(change[1]), raw_value(change[2])] for change in changes if not isinstance(change, str)}
            if values:
                entry["values"] = values
        self.rows.append(entry)

    def report(self) -> dict:
        """What a run model keeps (JSON)."""
        return {"file_errors": self.file_errors, "rows": self.rows, "rows_truncated": self.rows_truncated, "file_format": self.file_format}

    def run_fields(self) -> dict:
        """The run model's fields (see ``common.models.TabularImportRun``) and their new values."""
        return {
            "rows_total": self.rows_total,
            "rows_created": self.created,
            "rows_updated": self.updated,
            "rows_unchanged": self.unchanged,
            "rows_error": self.errors,
            "report": self.report(),
        }


class ImportSpec:
    """One kind of import. Subclass it, set the attributes, implement ``parse_row`` and ``flush``
    (and, where needed, the other hooks). An instance serves one run: ``run_import`` sets
    ``self.result`` and the hooks may keep state on ``self`` between the passes."""

    required_columns: ClassVar[tuple[str, ...]] = ()
    optional_columns: ClassVar[tuple[str, ...]] = ()
    max_lengths: ClassVar[dict[str, int]] = {}
    # (column, meaning, example) for the start page and the template.
    column_help: ClassVar[list[tuple[str, Any, str]]] = []
    # Example rows; numbers and dates as such (XLSX keeps their type, CSV writes them as text).
    template_rows: ClassVar[list[list]] = []
    template_title: ClassVar[str] = "import"  # the XLSX sheet's name, the same in every language
    messages: ClassVar[dict] = {}  # the spec's own reason codes; the generic MESSAGES are added
    field_labels: ClassVar[dict] = {}  # names in a report row's "changes", for display
    key_column: ClassVar[str] = ""  # the column that names a row in the report (e.g. employee_number)
    options_class: ClassVar[type | None] = None  # a dataclass of run options; the run model has fields of the same names
    result_class: ClassVar[type[ImportResult]] = ImportResult
    batch_size: ClassVar[int] = BATCH_SIZE
    max_rows: ClassVar[int | None] = None  # data rows of one file; None: TABULAR_IMPORT_MAX_ROWS

    @classmethod
    def row_limit(cls) -> int:
        return cls.max_rows or limit("TABULAR_IMPORT_MAX_ROWS")

    def __init__(self, options=None):
        self.options = options if options is not None else (self.options_class() if self.options_class else None)
        self.result: ImportResult = self.result_class(key_name=self.key_column or "key")

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return cls.required_columns + cls.optional_columns

    # Hooks, in the order run_import calls them.
    def prepare(self) -> None:
        """Once the header is fine: load what the checks compare with (ids by code, ...)."""

    def parse_row(self, row: TableRow) -> Any:
        """Pass 1 and 2: one row on its own. Returns an object with ``errors`` (a list of reasons,
        starting with ``row.errors``) that ``check_row`` and ``flush`` understand."""
        raise NotImplementedError

    def check_row(self, parsed) -> None:
        """Pass 1 only, after ``parse_row``: checks against earlier rows; append to ``parsed.errors``
        and keep what ``check_across_rows`` needs."""

    def check_across_rows(self, row_errors: dict[int, list[dict]]) -> None:
        """After pass 1: checks that need the whole file; add reasons to ``row_errors[row]``."""

    def begin(self, writing: bool) -> None:
        """Before pass 2 (``writing`` is false on a dry run and whenever any row has an error)."""

    def flush(self, batch: list, writing: bool) -> None:
        """Pass 2, a batch of valid parsed rows: compare with the database, ``self.result.record``
        each row, and write when ``writing``."""
        raise NotImplementedError

    def finish(self, writing: bool) -> None:
        """After pass 2 (e.g. writes that need every row's id)."""

    # Messages, templates and reports.
    @classmethod
    def message_text(cls, stored: dict) -> str:
        """A stored reason (code and parameters) in the reader's language."""
        template = cls.messages.get(stored.get("code")) or MESSAGES.get(stored.get("code"))
        if template is None:
            return str(stored.get("code"))
        return gettext(str(template)) % stored["params"] if stored.get("params") else gettext(str(template))

    @classmethod
    def template_csv(cls) -> bytes:
        """Semicolons and decimal commas, as German Excel reads and saves CSV."""
        rows = [[_csv_cell(value) for value in row] for row in cls.template_rows]
        return exports.csv_text([cls.columns(), *rows], delimiter=";").encode("utf-8-sig")

    @classmethod
    def template_xlsx(cls) -> bytes:
        return exports.xlsx_bytes([cls.columns(), *cls.template_rows], title=cls.template_title)

    @classmethod
    def display_value(cls, name: str, value) -> str:
        """A raw value of a report's "values" (see ``raw_value``) in the reader's language."""
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return gettext("yes") if value else gettext("no")
        if isinstance(value, (int, float)):
            return formats.number_format(value, use_l10n=True)
        if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                return formats.date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
            except ValueError:
                pass
        return str(value)

    @classmethod
    def display_keys(cls, keys: list) -> list[str]:
        """The keys of a report's rows as the reader sees them (one call for all rows, so a spec
        can look names up in one query). Keys are stored as the spec recorded them."""
        return ["" if key is None else str(key) for key in keys]

    @classmethod
    def change_text(cls, name: str, values: dict) -> str:
        label = str(cls.field_labels.get(name, name))
        if name not in values:
            return label
        old, new = values[name]
        return f"{label} {cls.display_value(name, old)} \u2192 {cls.display_value(name, new)}"

    @classmethod
    def report_for_display(cls, report: dict) -> dict:
        """A stored report with every reason, key and changed field in the reader's language."""
        entries = report.get("rows", [])
        keys = cls.display_keys([entry.get(cls.key_column or "key", "") for entry in entries])
        rows = [
            {
                "row": entry["row"],
                "key": key,
                "status": entry["status"],
                "reasons": [cls.message_text(r) for r in entry.get("reasons", [])],
                "changes": [cls.change_text(name, entry.get("values", {})) for name in entry.get("changes", [])],
            }
            for entry, key in zip(entries, keys, strict=True)
        ]
        return {
            "file_errors": [cls.message_text(r) for r in report.get("file_errors", [])],
            "rows": rows,
            "rows_truncated": report.get("rows_truncated", False),
            "file_format": report.get("file_format") or {},
        }


def _csv_cell(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (float, Decimal)):
        return str(value).replace(".", ",")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


# --- The run ------------------------------------------------------------------------------


def run_import(spec: ImportSpec, *, open_binary: OpenBinary, commit: bool) -> ImportResult:
    """Check a file and, when ``commit`` is true and no row has an error, write it.

    The caller provides the transaction (see ``run_import_atomically``); a failed write raises.
    """
    result = spec.result
    with ExitStack() as cleanup:
        try:
            file_format = detect_format(open_binary)
            result.file_format = {"kind": file_format.kind, "encoding": file_format.encoding, "delimiter": file_format.delimiter}
            if file_format.kind == "xlsx":
                check_workbook(open_binary)
                # Parsing XLSX is the slow part: do it once, into a temporary CSV both passes read.
                converted = cleanup.enter_context(tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024))
                open_binary, file_format = _xlsx_to_csv(open_binary, file_format, converted, spec.row_limit())
            header = next(iter_table(open_binary, file_format), None)
        except FileRefused as refusal:
            result.file_errors.append(refusal.reason)
            return result
        except UNREADABLE:
            result.file_errors.append(reason("unreadable"))
            return result
        columns = _header_columns(spec, header)
        if result.file_errors:
            return result
        return _run_checked(spec, open_binary, file_format, columns, commit)


def _header_columns(spec: ImportSpec, header) -> dict[str, int]:
    result = spec.result
    if header is None:
        result.file_errors.append(reason("empty_file"))
        return {}
    known = spec.columns()
    columns: dict[str, int] = {}
    for index, name in enumerate(header[1]):
        key = normalise_header(name)
        if key in known and key not in columns:
            columns[key] = index
    result.file_errors += [reason("missing_column", column=name) for name in spec.required_columns if name not in columns]
    return columns


def _run_checked(spec: ImportSpec, open_binary: OpenBinary, file_format: FileFormat, columns: dict[str, int], commit: bool):
    result = spec.result
    spec.prepare()
    row_errors: dict[int, list[dict]] = {}
    try:
        for number, cells in _data_rows(open_binary, file_format, spec.row_limit()):
            result.rows_total += 1
            parsed = spec.parse_row(TableRow(number, cells, columns, spec))
            spec.check_row(parsed)
            if parsed.errors:
                row_errors[number] = parsed.errors
    except FileRefused as refusal:
        result.file_errors.append(refusal.reason)
        return result
    except UNREADABLE:  # a file that breaks half-way is as unreadable as one that breaks at once
        result.file_errors.append(reason("unreadable"))
        return result
    if not result.rows_total:
        result.file_errors.append(reason("no_rows"))
        return result
    spec.check_across_rows(row_errors)
    result.errors = len(row_errors)
    writing = commit and not result.has_errors
    spec.begin(writing)

    key_index = columns.get(spec.key_column)
    batch: list = []
    for number, cells in _data_rows(open_binary, file_format):
        if number in row_errors:
            key = visible(cells[key_index].strip()) if key_index is not None and key_index < len(cells) else ""
            result.record(number, key, "error", reasons=row_errors[number])
            continue
        batch.append(spec.parse_row(TableRow(number, cells, columns, spec)))
        if len(batch) >= spec.batch_size:
            spec.flush(batch, writing)
            batch = []
    if batch:
        spec.flush(batch, writing)
    result.rows.sort(key=lambda entry: entry["row"])
    spec.finish(writing)
    result.committed = writing
    return result


def run_import_atomically(spec: ImportSpec, *, open_binary: OpenBinary, commit: bool) -> ImportResult:
    """``run_import`` inside a savepoint: a write the database refuses undoes the whole import and
    is reported as a file error instead of failing the request."""
    try:
        with transaction.atomic() if commit else nullcontext():
            return run_import(spec, open_binary=open_binary, commit=commit)
    except IntegrityError as error:
        return spec.result_class(key_name=spec.result.key_name, file_errors=[reason("database_refused", detail=str(error).splitlines()[0])])
