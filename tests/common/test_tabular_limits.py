"""What reading an uploaded file may cost, and the files refused for it (issue 13): workbooks
that unpack to far more than they weigh or that name rows far below their data, text in an
encoding the import does not read, and NUL characters PostgreSQL cannot store.

Every refusal is a file error with its own message in both languages, and nothing is written.
"""

import io
import random
import string
import struct
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override
from openpyxl import Workbook, load_workbook

from common import tabular
from common.models import Heartbeat
from common.xlsx_rows import UnsupportedWorkbook, iter_xlsx_rows
from people.models import ImportRun
from tests.common.test_tabular import GOOD, HEADER, HEARTBEATS, HeartbeatSpec, content, run
from tests.people.conftest import eager_celery  # noqa: F401 (runs enqueued jobs inline)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SEEN = "2026-03-01T09:00:00+00:00"


def codes(result) -> list[str]:
    return [error["code"] for error in result.file_errors]


def workbook(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def replace_parts(data: bytes, parts: dict[str, bytes]) -> bytes:
    """The workbook with some parts replaced or added, deflated as Excel does."""
    parts = dict(parts)
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, parts.pop(info.filename, None) or source.read(info.filename))
        for name, body in parts.items():
            target.writestr(name, body)
    return buffer.getvalue()


def inline_row(number: int, *texts: str) -> str:
    cells = "".join(f'<c r="{string.ascii_uppercase[i]}{number}" t="inlineStr"><is><t>{text}</t></is></c>' for i, text in enumerate(texts))
    return f'<row r="{number}">{cells}</row>'


def sheet(*rows: str, dimension: str | None = None) -> bytes:
    head = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{MAIN}">{head}<sheetData>{"".join(rows)}</sheetData></worksheet>'.encode()


BASE = workbook(["name", "seen_at"], ["celery", SEEN])


# --- XLSX: rows -----------------------------------------------------------------------------


def test_a_tiny_workbook_naming_row_3_000_000_is_refused_without_walking_down_to_it(db):
    data = replace_parts(BASE, {"xl/worksheets/sheet1.xml": sheet(inline_row(1, "name", "seen_at"), inline_row(3_000_000, "celery", SEEN))})
    assert len(data) < 10_000
    result = run(data, commit=True)
    assert codes(result) == ["too_many_rows"] and result.rows_total == 0
    assert result.file_errors[0]["params"] == {"row": "3000000", "max": "200000"}
    assert not Heartbeat.objects.exists()


def test_a_claimed_dimension_beyond_the_row_limit_is_refused_before_any_row(db):
    data = replace_parts(
        BASE, {"xl/worksheets/sheet1.xml": sheet(inline_row(1, "name", "seen_at"), inline_row(2, "celery", SEEN), dimension="A1:B3000000")}
    )
    result = run(data, commit=True)
    assert codes(result) == ["too_many_rows"] and result.file_errors[0]["params"]["row"] == "3000000"
    assert not Heartbeat.objects.exists()


def test_the_openpyxl_fallback_keeps_the_same_limits(db, monkeypatch):
    """Workbooks the lean reader does not understand go to openpyxl, whose read-only sheets fill
    every gap up to the claimed dimension with empty rows: the claim and the count both stop it."""

    def unsupported(stream, **limits):
        raise UnsupportedWorkbook("as if")
        yield  # pragma: no cover

    monkeypatch.setattr(tabular, "iter_xlsx_rows", unsupported)
    claimed = replace_parts(
        BASE, {"xl/worksheets/sheet1.xml": sheet(inline_row(1, "name", "seen_at"), inline_row(2, "celery", SEEN), dimension="A1:B3000000")}
    )
    far_down = replace_parts(
        BASE, {"xl/worksheets/sheet1.xml": sheet(inline_row(1, "name", "seen_at"), inline_row(3_000_000, "celery", SEEN))}
    )
    assert codes(run(claimed)) == ["too_many_rows"]
    assert codes(run(far_down)) == ["too_many_rows"]
    assert run(BASE, commit=True).committed, "a workbook within the limits is read as before"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_may_hold_up_to_the_row_limit_and_not_one_row_more(db, settings, kind):
    settings.TABULAR_IMPORT_MAX_ROWS = 3
    rows = [[f"n{i}", SEEN] for i in range(4)]

    def data(count):
        if kind == "xlsx":
            return workbook(["name", "seen_at"], *rows[:count])
        return content(*[";".join(row) for row in rows[:count]])

    assert run(data(3)).created == 3
    refused = run(data(4), commit=True)
    assert codes(refused) == ["too_many_rows"] and refused.file_errors[0]["params"] == {"row": "5", "max": "3"}
    assert not Heartbeat.objects.exists()


def test_empty_row_elements_count_against_the_limit(db, settings):
    settings.TABULAR_IMPORT_MAX_ROWS = 3
    empty_rows = "<row/>" * 50  # numbered one after another, as rows without "r" are
    data = replace_parts(
        BASE, {"xl/worksheets/sheet1.xml": sheet(inline_row(1, "name", "seen_at"), empty_rows, inline_row(60, "celery", SEEN))}
    )
    assert codes(run(data)) == ["too_many_rows"]


def test_a_spec_may_take_fewer_rows_than_the_setting(db):
    class SmallSpec(HeartbeatSpec):
        max_rows = 1

    assert codes(run(content(*GOOD), spec_class=SmallSpec)) == ["too_many_rows"]


# --- XLSX: what unpacking may cost -------------------------------------------------------------


def test_a_zip_bomb_is_refused_before_it_is_unpacked(db):
    # 20 MB of shared strings in a workbook of a few dozen KB: a ratio no spreadsheet has.
    strings = f'<sst xmlns="{MAIN}">' + "<si><t>x</t></si>" * 1_200_000 + "</sst>"
    data = replace_parts(BASE, {"xl/sharedStrings.xml": strings.encode()})
    assert len(data) < 200_000
    result = run(data, commit=True)
    assert codes(result) == ["xlsx_compression"] and result.file_errors[0]["params"] == {"ratio": "100"}
    assert not Heartbeat.objects.exists()


def random_workbook(rows: int) -> bytes:
    """Unique random names in shared strings, as Excel saves them: they pack about as well as
    names and addresses do."""
    rng = random.Random(13)
    names = ["".join(rng.choices(string.ascii_letters, k=40)) for _ in range(rows)]
    strings = "".join(f"<si><t>{text}</t></si>" for text in ["name", "seen_at", SEEN, *names])
    cells = ['<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>']
    cells += [f'<row r="{i + 2}"><c r="A{i + 2}" t="s"><v>{i + 3}</v></c><c r="B{i + 2}" t="s"><v>2</v></c></row>' for i in range(rows)]
    archive = zipfile.ZipFile(io.BytesIO(BASE))
    types = archive.read("[Content_Types].xml").decode()
    rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    return replace_parts(
        BASE,
        {
            "xl/worksheets/sheet1.xml": sheet(*cells),
            "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">{strings}</sst>'.encode(),
            "[Content_Types].xml": types.replace(
                "</Types>",
                '<Override PartName="/xl/sharedStrings.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            ).encode(),
            "xl/_rels/workbook.xml.rels": rels.replace(
                "</Relationships>",
                '<Relationship Id="rIdStrings" Target="sharedStrings.xml" '
                'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
            ).encode(),
        },
    )


def test_shared_strings_beyond_their_limit_are_refused(db, settings):
    settings.TABULAR_IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES = 1024 * 1024
    data = random_workbook(30_000)
    assert codes(run(data)) == ["xlsx_shared_strings"]
    settings.TABULAR_IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES = 4 * 1024 * 1024
    assert run(data).created == 30_000


def test_a_workbook_unpacking_beyond_the_total_limit_is_refused(db, settings):
    settings.TABULAR_IMPORT_XLSX_MAX_BYTES = 1024 * 1024
    result = run(random_workbook(30_000))
    assert codes(result) == ["xlsx_too_large"] and result.file_errors[0]["params"] == {"max": "1"}


def test_a_part_read_whole_beyond_its_limit_is_refused(db, monkeypatch):
    """Workbook, relationships and styles are read whole (by openpyxl as one tree)."""
    monkeypatch.setattr(tabular, "XLSX_MAX_WHOLE_PART_BYTES", 1000)
    result = run(BASE)
    assert codes(result) == ["xlsx_part_too_large"] and result.file_errors[0]["params"]["part"] == "xl/styles.xml"


def declare_size(data: bytes, name: str, size: int) -> bytes:
    """The archive with another uncompressed size declared for one part than it holds."""
    directory = data.rindex(b"PK\x05\x06")
    (record,) = struct.unpack("<I", data[directory + 16 : directory + 20])  # where the central directory starts
    patched = bytearray(data)
    while record < directory:
        name_length, extra_length, comment_length = struct.unpack("<HHH", patched[record + 28 : record + 34])
        if patched[record + 46 : record + 46 + name_length].decode() == name:
            patched[record + 24 : record + 28] = struct.pack("<I", size)
        record += 46 + name_length + extra_length + comment_length
    return bytes(patched)


def test_a_part_holding_more_than_it_declares_is_never_unpacked_beyond_it(db):
    """The limits trust the declared sizes because Python's zipfile stops a part at its declared
    size (and then fails its CRC check): a lie makes the file unreadable, not large."""
    data = declare_size(random_workbook(50), "xl/sharedStrings.xml", 100)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/sharedStrings.xml").file_size == 100
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("xl/sharedStrings.xml") as part, pytest.raises(zipfile.BadZipFile):
        part.read()
    assert codes(run(data)) == ["unreadable"]


def test_many_shared_strings_are_read_as_openpyxl_reads_them():
    """The shared strings are packed a few thousand to a string; every one still comes back."""
    data = random_workbook(9_000)
    lean = [cells[:2] for _number, cells in iter_xlsx_rows(io.BytesIO(data))]
    sheet_rows = load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True)
    assert lean == [list(values) for values in sheet_rows]


def test_a_cell_in_the_last_column_does_not_widen_every_row():
    data = replace_parts(BASE, {"xl/worksheets/sheet1.xml": sheet('<row r="1"><c r="XFD1" t="inlineStr"><is><t>far</t></is></c></row>')})
    assert list(iter_xlsx_rows(io.BytesIO(data), max_column=tabular.MAX_COLUMNS)) == []
    assert list(iter_xlsx_rows(io.BytesIO(data)))[0][1][-1] == "far"


def test_a_row_of_more_cells_than_excel_has_columns_is_unreadable(db):
    """A row is read when it ends; it may not grow a tree of millions of cells meanwhile."""
    cells = '<c t="inlineStr"><is><t>x</t></is></c>' * 16_385
    data = replace_parts(BASE, {"xl/worksheets/sheet1.xml": sheet(inline_row(1, "name", "seen_at"), f'<row r="2">{cells}</row>')})
    assert codes(run(data)) == ["unreadable"]


# --- Encodings ---------------------------------------------------------------------------------

JAPANESE = text("山田太郎 営業部;" + SEEN, "鈴木花子 人事部;" + SEEN)
KATAKANA = text("テスト;" + SEEN, "タナカ;" + SEEN)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (JAPANESE, "shift_jis"),
        (JAPANESE, "cp932"),
        (KATAKANA, "shift_jis"),
        (JAPANESE, "euc_jp"),
        (text("Иван Петров;" + SEEN), "koi8_r"),
        (text("Иван Петров;" + SEEN), "cp1251"),
        (text("张伟;" + SEEN), "gbk"),
        (text("Γιώργος Παπαδόπουλος;" + SEEN), "cp1253"),
    ],
)
def test_text_in_another_alphabet_is_refused_naming_the_encodings_read(db, text, encoding):
    data = text.encode(encoding)
    result = run(data, commit=True)
    assert codes(result) == ["encoding"] and result.rows_total == 0
    message = HeartbeatSpec.message_text(result.file_errors[0])
    assert "UTF-8" in message and "Windows-1252" in message
    with override("de"):
        assert HeartbeatSpec.message_text(result.file_errors[0]).startswith("Die Datei ist in keiner Zeichenkodierung")
    assert not Heartbeat.objects.exists()


def test_katakana_in_shift_jis_is_refused_by_its_looks_alone(db):
    """Its bytes are all defined in Windows-1252 ("ƒeƒXƒg"): only the characters give it away."""
    data = KATAKANA.encode("shift_jis")
    assert not set(data) & {0x81, 0x8D, 0x8F, 0x90, 0x9D}
    assert codes(run(data)) == ["encoding"]


def test_a_byte_windows_1252_leaves_undefined_is_refused(db):
    assert codes(run(text("M\x81ller;" + SEEN).encode("latin-1"))) == ["encoding"]


WESTERN = [
    "Jürgen Weiß",
    "Þórður Ægisson",
    "Hélène Lefèvre",
    "José Núñez 3º",
    "Šimon Žák",
    "Zoë O’Brien",
    "Åsa Ørsted",
    "„Einkauf“ – Süd €",
]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_western_european_text_from_excel_is_read_in_windows_1252(db, encoding):
    names = [name for name in WESTERN if all(char.encode(encoding, errors="ignore") for char in name)]
    assert len(names) >= 5
    result = run(text(*[f"{name};{SEEN}" for name in names]).encode(encoding), commit=True)
    assert result.committed and result.file_format["encoding"] == "cp1252"
    assert sorted(Heartbeat.objects.values_list("name", flat=True)) == sorted(names)


def test_utf16_with_a_byte_order_mark_is_read_and_without_one_refused(db):
    excel_unicode_text = "name\tseen_at\nJürgen\t" + SEEN + "\n"
    result = run(excel_unicode_text.encode("utf-16"), commit=True)
    assert result.committed and result.file_format == {"kind": "csv", "encoding": "utf-16", "delimiter": "\t"}
    assert codes(run(excel_unicode_text.encode("utf-16-le"))) == ["encoding"]


def test_an_old_excel_workbook_is_named_as_such(db):
    result = run(tabular.OLE2_MAGIC + bytes(600))
    assert codes(result) == ["old_excel"]
    with override("de"):
        assert "XLSX" in HeartbeatSpec.message_text(result.file_errors[0])


# --- NUL characters ----------------------------------------------------------------------------


def test_a_nul_byte_in_a_cell_fails_its_row_in_the_dry_run_naming_the_column(db):
    result = run(content("cel\x00ery;" + SEEN, "beat;" + SEEN, "late;" + SEEN[:4] + "\x00"), commit=True)
    assert (result.errors, result.committed) == (2, False)
    by_row = {entry["row"]: entry for entry in result.rows}
    assert by_row[2]["reasons"] == [{"code": "nul_character", "params": {"column": "name"}}]
    assert by_row[2]["name"] == "cel\u2400ery", "the report can be stored, and shows where the NUL was"
    assert [r["code"] for r in by_row[4]["reasons"]] == ["nul_character", "invalid_time"]
    assert "\x00" not in str(result.report())
    assert HeartbeatSpec.message_text(by_row[2]["reasons"][0]).startswith("name contains a NUL character")
    with override("de"):
        assert HeartbeatSpec.message_text(by_row[2]["reasons"][0]).startswith("name enthält ein NUL-Zeichen")
    assert not Heartbeat.objects.exists()


@pytest.mark.usefixtures("eager_celery")
def test_a_nul_byte_is_reported_by_the_dry_run_job_and_blocks_the_commit(hr_manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = HEARTBEATS.create(file_name="beats.csv", content=content("cel\x00ery;" + SEEN), user=hr_manager)
    created.refresh_from_db()
    assert (created.status, created.rows_error) == (ImportRun.Status.PREVIEWED, 1)
    with pytest.raises(ValidationError, match="any row has an error"):
        HEARTBEATS.commit_request(run=created, user=hr_manager)
    assert not Heartbeat.objects.exists()


# --- Messages -----------------------------------------------------------------------------------

NEW_CODES = [
    "encoding",
    "old_excel",
    "too_many_rows",
    "xlsx_too_large",
    "xlsx_compression",
    "xlsx_shared_strings",
    "xlsx_part_too_large",
    "xlsx_too_many_parts",
]


@pytest.mark.parametrize("code", [*NEW_CODES, "nul_character"])
def test_every_refusal_reads_in_german(code):
    stored = tabular.reason(code, row=3_000_000, max=200_000, ratio=100, column="name", part="xl/styles.xml")
    english = HeartbeatSpec.message_text(stored)
    with override("de"):
        german = HeartbeatSpec.message_text(stored)
    assert german != english and german
