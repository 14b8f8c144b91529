"""The board report: a PDF of the executive dashboard in German and English, as the download,
the command and the monthly mail to the executives produce it."""

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
import typst
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from pypdf import PdfReader

from common.roles import EXECUTIVE
from dashboards import selectors, tasks
from dashboards.report import board_report_pdf, escape, mail_claim_key
from kpis import services as kpi_services
from kpis.models import Kpi, Scope
from kpis.periods import month
from programs.models import Program
from surveys import services as survey_services
from tests.people.factories import DepartmentFactory, EmployeeFactory, LocationFactory, UserFactory
from tests.programs.factories import make_program
from tests.surveys.factories import open_wave, pulse_template, staff
from tests.surveys.test_results import answer_all

pytestmark = pytest.mark.django_db

MARKUP = "#set page(width: 1cm) *x* $y$"


def pages(pdf: bytes) -> list[str]:
    """The text of each page, whitespace collapsed."""
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def page_one(language: str) -> str:
    """ "Page 1 of" in ``language``, as the catalogue has it."""
    with translation.override(language):
        return (_("Page %(page)s of %(pages)s").split("%(pages)s")[0] % {"page": 1}).strip()


@pytest.fixture(autouse=True)
def _mail_and_threshold(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.REPORTING_THRESHOLD = 5
    settings.COMPANY_NAME = "Muster & Söhne GmbH"


@pytest.fixture
def board(hr_manager):
    """On 20 March 2026: an active program, absenteeism from 6.0 % towards 4.0 % (now 5.5 %), and
    a closed pulse answered by Sales (8) and IT (6); Legal has 2 people, too few to be shown."""
    with time_machine.travel(datetime(2026, 3, 20, 12, tzinfo=UTC), tick=False):
        yield _board(hr_manager)


def _board(hr_manager):
    make_program(hr_manager, name="Customer first", status=Program.Status.ACTIVE)
    kpi = Kpi.objects.get(code="absenteeism-rate")
    for period, value in (("2026-01", "6.0"), ("2026-02", "5.5")):
        kpi_services.measurement_enter(
            kpi=kpi, period=month(2026, int(period[-2:])), scope=Scope.COMPANY, value=Decimal(value), actor=hr_manager
        )
    kpi_services.baseline_set(kpi=kpi, scope=Scope.COMPANY, from_period="2026-01", actor=hr_manager)
    kpi_services.target_set(kpi=kpi, scope=Scope.COMPANY, value=Decimal("4.0"), due_date=date(2026, 12, 31), actor=hr_manager)
    hq = LocationFactory(name="HQ")
    sales, it, legal = DepartmentFactory(name_en="Sales"), DepartmentFactory(name_en="IT"), DepartmentFactory(name_en="Legal")
    people = {"sales": staff(sales, hq, 8), "it": staff(it, hq, 6), "legal": staff(legal, hq, 2)}
    wave = open_wave(pulse_template(), title="Spring pulse")
    answer_all(wave, people["sales"], value=5, enps=10)
    answer_all(wave, people["it"], value=2, enps=3)
    answer_all(wave, people["legal"], value=1, enps=0)
    survey_services.wave_close(wave=wave)
    return {"legal": legal, "wave": wave}


# --- escaping ----------------------------------------------------------------------------


def test_escape_shows_every_markup_character_literally():
    text = "#a *b* _c_ $d$ @e <f> [g] \\h \"i\" 'j' `k` ~l = - + / // 1. m: {n} (o) %p"
    pdf = typst.compile(f"#set page(width: 20cm)\n{escape(text)}".encode())
    assert pages(pdf)[0].strip() == text


def test_escape_keeps_a_line_break_from_becoming_markup():
    assert escape("first\n= heading\r\n- item") == "first \\= heading \\- item"


def test_a_program_name_in_markup_renders_literally(hr_manager):
    make_program(hr_manager, name=MARKUP, status=Program.Status.ACTIVE)
    text = " ".join(pages(board_report_pdf(language="en")))
    assert MARKUP in text


# --- the document ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "decimal", "not_decimal"),
    [("en", "5.5 %", "5,5 %"), ("de", "5,5 %", "5.5 %")],
)
def test_the_report_in_both_languages(board, language, decimal, not_decimal):
    pdf = board_report_pdf(filters=selectors.filters_from({"period": "2026-Q1"}), language=language)
    text = pages(pdf)
    assert len(text) >= 2
    first = text[0]
    assert "Muster & Söhne GmbH" in first
    assert "Q1 2026" in first
    assert page_one(language) in first
    everything = " ".join(text).replace("\u00a0", " ")
    assert decimal in everything and not_decimal not in everything
    assert "Customer first" in everything and "Spring pulse" in everything


def test_without_a_period_the_report_names_the_months_of_its_figures(board):
    first = pages(board_report_pdf(language="en"))[0]
    assert "February 2026 – March 2026" in first  # the latest KPI value (February) to the wave (March)


def test_hidden_cells_are_marked_with_the_reason(board):
    text = " ".join(pages(board_report_pdf(language="en")))
    # Legal's two answers are not a group of their own: they count as "not recorded", hidden.
    assert "not recorded – – – –" in text
    assert "“–”: hidden to protect respondents (not recorded: fewer than 5 responses)." in text


def test_a_department_filter_that_hides_a_group_shows_the_notice_not_the_figures(board):
    filters = selectors.filters_from({"department": str(board["legal"].pk)})
    overview = selectors.executive_overview(filters=filters)
    assert overview.latest.notice and not overview.latest.rows
    text = " ".join(pages(board_report_pdf(filters=filters, language="en")))
    assert re.sub(r"\s+", " ", overview.latest.notice) in text
    assert "Q1 " not in text and "Sales" not in text  # no heatmap rows, not even of other departments


def test_german_page_numbers_read_seite_von():
    assert page_one("de") == "Seite 1 von"
    assert page_one("en") == "Page 1 of"


# --- the download ------------------------------------------------------------------------


def test_executives_download_the_report_in_their_language(client, executive, board):
    client.force_login(executive)
    response = client.get(reverse("board_report") + "?period=2026-Q1", headers={"accept-language": "de"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="board-report-2026-Q1-de.pdf"'
    assert page_one("de") in pages(response.content)[0]


def test_hr_managers_may_download_it(client, hr_manager):
    client.force_login(hr_manager)
    response = client.get(reverse("board_report"))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_employees_get_403_and_visitors_the_login_page(client, employee):
    assert client.get(reverse("board_report")).status_code == 302
    client.force_login(employee)
    assert client.get(reverse("board_report")).status_code == 403


def test_a_filter_that_cannot_be_understood_goes_back_to_the_dashboard(client, executive):
    client.force_login(executive)
    response = client.get(reverse("board_report") + "?period=march")
    assert response.status_code == 302 and response["Location"] == reverse("executive_dashboard") + "?period=march"


# --- the command -------------------------------------------------------------------------


def test_the_command_writes_the_pdf(board, tmp_path, capsys):
    output = tmp_path / "report.pdf"
    call_command("board_report", "--language", "de", "--output", str(output), "--period", "2026-Q1")
    assert page_one("de") in pages(output.read_bytes())[0]
    assert str(output) in capsys.readouterr().out


def test_the_command_refuses_a_filter_it_cannot_understand(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a month"):
        call_command("board_report", "--output", str(tmp_path / "r.pdf"), "--period", "march")
    assert not (tmp_path / "r.pdf").exists()


# --- the monthly mail --------------------------------------------------------------------


@pytest.fixture
def executives(executive):
    """Erik (German, from his employee record), Ellen (English), Anton (no employee record, so
    German) and an executive who has left (inactive)."""
    executive.employee.preferred_language = "de"
    executive.employee.save()
    ellen = UserFactory(username="ellen.exec", first_name="Ellen")
    EmployeeFactory(user=ellen, email=ellen.email, preferred_language="en")
    anton = UserFactory(username="anton.exec", first_name="Anton")
    gone = UserFactory(username="gone.exec", is_active=False)
    group = Group.objects.get(name=EXECUTIVE)
    for user in (ellen, anton, gone):
        user.groups.add(group)
    users = [executive, ellen, anton, gone]
    months = (date(2026, 12, 1), date(2027, 1, 1))
    keys = [mail_claim_key(m, u.pk) for m in months for u in users]
    cache.delete_many(keys)  # the test database's ids repeat from run to run; Redis keeps claims
    yield {"erik": executive, "ellen": ellen, "anton": anton}
    cache.delete_many(keys)


def test_the_monthly_mail_reaches_each_executive_once_in_their_language(executives, board):
    with time_machine.travel(datetime(2026, 12, 1, 6, tzinfo=UTC)):
        assert tasks.board_report_mail() == 3
        assert tasks.board_report_mail() == 0  # a second run in the same month sends nothing
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in executives.values())
    by_person = {m.to[0]: m for m in mail.outbox}
    erik, ellen = by_person[executives["erik"].email], by_person[executives["ellen"].email]
    assert by_person[executives["anton"].email].attachments[0][0] == "board-report-2026-12-de.pdf"
    (name, content, mimetype) = erik.attachments[0]
    assert (name, mimetype) == ("board-report-2026-12-de.pdf", "application/pdf")
    assert page_one("de") in pages(content)[0]
    assert ellen.attachments[0][0] == "board-report-2026-12-en.pdf"
    assert page_one("en") in pages(ellen.attachments[0][1])[0]
    with time_machine.travel(datetime(2027, 1, 1, 6, tzinfo=UTC)):
        assert tasks.board_report_mail() == 3  # and again next month


def test_every_text_translated_inside_an_f_string_is_marked_for_the_catalogue():
    """xgettext cannot read f-strings: each _("…") inside one must be in TEXTS_IN_F_STRINGS,
    or it silently stays English in the German report."""
    import ast
    from pathlib import Path

    from dashboards import report

    tree = ast.parse(Path(report.__file__).read_text())
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "_" and isinstance(call.args[0], ast.Constant):
                    inside.add(call.args[0].value)
    assert inside, "the check found no f-string texts at all"
    assert inside <= set(report.TEXTS_IN_F_STRINGS), sorted(inside - set(report.TEXTS_IN_F_STRINGS))
