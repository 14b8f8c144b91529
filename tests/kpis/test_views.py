"""The KPI pages as HR managers (edit), executives (read) and employees (403) use them."""

from datetime import UTC, date, datetime
from decimal import Decimal
from html import escape

import pytest
import time_machine
from django.urls import reverse
from scipy.stats import mannwhitneyu

from kpis import services, statistics
from kpis.models import Alert, Baseline, Correlation, Driver, Kpi, Measurement, PhaseGate, ProgramMeasurement, Scope, Target
from kpis.periods import month
from kpis.selectors import goal_progress
from programs import services as program_services
from surveys import services as survey_services
from surveys.models import Question, Wave
from tests.people.factories import DepartmentFactory, LocationFactory
from tests.programs.factories import make_program
from tests.surveys.factories import open_wave, pulse_template, staff
from tests.surveys.test_results import answer_all

pytestmark = pytest.mark.django_db

PAGES = [
    ("kpis:catalogue", []),
    ("kpis:detail", ["absenteeism-rate"]),
    ("kpis:correlation", []),
    ("kpis:driver_waves", []),
    ("kpis:prepost", []),
]


def enter(code, period, value, scope=Scope.COMPANY, department=None, location=None, actor=None):
    kpi = Kpi.objects.get(code=code)
    return services.measurement_enter(
        kpi=kpi, period=period, scope=scope, department=department, location=location, value=Decimal(value), actor=actor
    )


@pytest.fixture
def absenteeism(hr_manager, sales):
    """Absenteeism of the whole company from 6.0 % (baseline) towards 4.0 % (target), now 5.5 %,
    so a quarter of the way: (5.5 - 6.0) / (4.0 - 6.0) = 0.25. Sales has one value of its own."""
    kpi = Kpi.objects.get(code="absenteeism-rate")
    enter("absenteeism-rate", month(2026, 1), "6.0", actor=hr_manager)
    enter("absenteeism-rate", month(2026, 2), "5.5", actor=hr_manager)
    enter("absenteeism-rate", month(2026, 2), "7.25", scope=Scope.DEPARTMENT, department=sales, actor=hr_manager)
    services.baseline_set(kpi=kpi, scope=Scope.COMPANY, from_period="2026-01", actor=hr_manager)
    services.target_set(kpi=kpi, scope=Scope.COMPANY, value=Decimal("4.0"), due_date=date(2026, 12, 31), actor=hr_manager)
    return kpi


# --- access ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_hr_managers_and_executives_read_every_page(client, hr_manager, executive, name, args):
    for user in (hr_manager, executive):
        client.force_login(user)
        assert client.get(reverse(name, args=args)).status_code == 200


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_employees_get_403_and_visitors_the_login_page(client, employee, name, args):
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(employee)
    assert client.get(url).status_code == 403


def test_executives_see_no_forms_and_may_not_post(client, executive, absenteeism):
    client.force_login(executive)
    page = client.get(reverse("kpis:detail", args=["absenteeism-rate"])).content.decode()
    assert 'id="value-form"' not in page and "New KPI" not in client.get(reverse("kpis:catalogue")).content.decode()
    response = client.post(reverse("kpis:measurement_enter", args=["absenteeism-rate"]), {"value-period": "2026-03", "value-value": "5"})
    assert response.status_code == 403
    assert not Measurement.objects.filter(kpi=absenteeism, period="2026-03").exists()
    assert client.get(reverse("kpis:create")).status_code == 403


def test_an_unknown_kpi_is_404(client, hr_manager):
    client.force_login(hr_manager)
    assert client.get(reverse("kpis:detail", args=["no-such-kpi"])).status_code == 404


# --- catalogue ------------------------------------------------------------------------


def test_catalogue_groups_kpis_by_family_with_latest_baseline_target_and_status(client, executive, absenteeism):
    client.force_login(executive)
    page = client.get(reverse("kpis:catalogue")).content.decode()
    for family in ("Engagement", "Behaviour", "External impact"):
        assert f">{family}</h2>" in page
    assert page.index(">Engagement</h2>") < page.index(">Behaviour</h2>") < page.index(">External impact</h2>")
    row = page[page.index("Absenteeism rate") :].split("</tr>")[0]
    assert "5.5\u00a0%" in row and "6\u00a0%" in row and "4\u00a0%" in row
    assert "target not reached yet" in row


def test_catalogue_in_german_uses_german_names_and_decimal_commas(client, executive, absenteeism):
    client.force_login(executive)
    client.cookies["django_language"] = "de"
    page = client.get(reverse("kpis:catalogue"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    kpi = Kpi.objects.get(code="absenteeism-rate")
    assert kpi.name_de in page
    assert "5,5\u00a0%" in page


def test_catalogue_shows_unseen_alerts_of_my_kpis_until_marked_seen(client, hr_manager, absenteeism):
    Kpi.objects.filter(pk=absenteeism.pk).update(owner=hr_manager, tolerance=Decimal("0.5"))
    enter("absenteeism-rate", month(2026, 3), "6.5", actor=hr_manager)  # worse by 1.0 > 0.5
    assert Alert.objects.filter(kpi=absenteeism, period="2026-03").exists()
    client.force_login(hr_manager)
    page = client.get(reverse("kpis:catalogue")).content.decode()
    assert 'id="kpi-alerts"' in page and "worsened beyond the tolerance" in page
    client.post(reverse("kpis:alerts_seen"))
    assert 'id="kpi-alerts"' not in client.get(reverse("kpis:catalogue")).content.decode()


def test_catalogue_has_a_fixed_number_of_queries(client, hr_manager, sales, django_assert_max_num_queries):
    for number in range(1, 13):
        enter("absenteeism-rate", month(2025, number), "5", actor=hr_manager)
        enter("revenue", month(2025, number), "1000", scope=Scope.DEPARTMENT, department=sales, actor=hr_manager)
    client.force_login(hr_manager)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("kpis:catalogue")).status_code == 200


# --- new KPI --------------------------------------------------------------------------

NEW_KPI = {
    "code": "complaints-per-order",
    "name_en": "Complaints per 1,000 orders",
    "name_de": "Reklamationen je 1.000 Aufträge",
    "category": "external",
    "unit": "number",
    "direction": "lower",
    "frequency": "monthly",
    "scopes": ["company", "department"],
}


def test_hr_manager_adds_an_own_kpi_of_the_imported_kind(client, hr_manager):
    client.force_login(hr_manager)
    response = client.post(reverse("kpis:create"), NEW_KPI)
    assert response.status_code == 302 and response.url == reverse("kpis:detail", args=["complaints-per-order"])
    kpi = Kpi.objects.get(code="complaints-per-order")
    assert (kpi.source, kpi.owner, kpi.scopes, kpi.seeded) == ("imported", hr_manager, ["company", "department"], False)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name_de": ""}, "name_de", "This field is required."),
        ({"code": "absenteeism-rate"}, "code", "A KPI with this code exists already."),
        ({"code": "correlation"}, "code", "is reserved by the portal"),
        ({"code": "Not a slug!"}, "code", "Enter a valid"),
    ],
)
def test_new_kpi_form_keeps_the_input_and_says_what_is_wrong(client, hr_manager, change, field, message):
    client.force_login(hr_manager)
    response = client.post(reverse("kpis:create"), NEW_KPI | change)
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    assert "Complaints per 1,000 orders" in response.content.decode()
    assert not Kpi.objects.filter(name_en=NEW_KPI["name_en"]).exists()


# --- one KPI --------------------------------------------------------------------------


def test_goal_progress_from_hand_numbers():
    # (latest - baseline) / (target - baseline), clipped to 0..1, for either direction.
    assert goal_progress(Decimal("60"), Decimal("80"), Decimal("65")) == 0.25
    assert goal_progress(Decimal("6.0"), Decimal("4.0"), Decimal("5.5")) == 0.25
    assert goal_progress(Decimal("60"), Decimal("80"), Decimal("50")) == 0.0
    assert goal_progress(Decimal("60"), Decimal("80"), Decimal("95")) == 1.0
    assert goal_progress(Decimal("60"), Decimal("60"), Decimal("70")) is None
    assert goal_progress(None, Decimal("80"), Decimal("70")) is None


def test_kpi_page_shows_history_baseline_target_and_progress_of_the_goal(client, executive, hr_manager, absenteeism):
    program = make_program(hr_manager)
    goal = program_services.goal_create(program=program, actor=hr_manager, kind="general", title="Healthy teams")
    Target.objects.filter(kpi=absenteeism, scope=Scope.COMPANY).update(goal=goal)
    client.force_login(executive)
    response = client.get(reverse("kpis:detail", args=["absenteeism-rate"]))
    page = response.content.decode()
    assert 'id="kpi-history"' in page and 'id="kpi-history-spec"' in page
    table = page[page.index('id="kpi-history-table"') :].split("</table>")[0]
    assert "January 2026" in table and "February 2026" in table and "5.5\u00a0%" in table and "Entered" in table.title()
    assert "Healthy teams" in page
    assert "Progress from baseline to target: 25\u00a0%" in page
    chart = response.context["chart"]
    assert [point["y"] for point in chart["data"]["values"]] == [6.0, 5.5]
    rules = {layer["data"]["values"][0]["label"]: layer["data"]["values"][0]["value"] for layer in chart["layer"][1:]}
    assert rules == {"Baseline": 6.0, "Target": 4.0}


def test_kpi_page_progress_in_german(client, executive, absenteeism):
    Target.objects.filter(kpi=absenteeism).update(value=Decimal("2.0"))  # (5.5 - 6) / (2 - 6) = 12.5 %
    client.force_login(executive)
    client.cookies["django_language"] = "de"
    page = client.get(reverse("kpis:detail", args=["absenteeism-rate"])).content.decode()
    assert "13\u00a0%" in page  # rounded half up
    assert "5,5\u00a0%" in page and "Februar 2026" in page


def test_kpi_page_offers_each_scope_with_values_and_shows_one(client, executive, sales, it_department, absenteeism):
    client.force_login(executive)
    response = client.get(reverse("kpis:detail", args=["absenteeism-rate"]), {"scope": f"department-{sales.pk}"})
    keys = [option.key for option in response.context["page"].scopes]
    assert keys == ["company", f"department-{sales.pk}"]  # IT has no value
    assert [point["y"] for point in response.context["chart"]["data"]["values"]] == [7.25]
    assert "7.25\u00a0%" in response.content.decode()
    # An unknown scope falls back to the whole company.
    response = client.get(reverse("kpis:detail", args=["absenteeism-rate"]), {"scope": "department-999999"})
    assert response.context["page"].scope == "company"


def test_kpi_page_has_a_fixed_number_of_queries(client, hr_manager, sales, absenteeism, django_assert_max_num_queries):
    for number in range(1, 13):
        enter("absenteeism-rate", month(2025, number), "5", actor=hr_manager)
        enter("absenteeism-rate", month(2025, number), "6", scope=Scope.DEPARTMENT, department=sales, actor=hr_manager)
    client.force_login(hr_manager)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("kpis:detail", args=["absenteeism-rate"])).status_code == 200


def test_a_value_entered_appears_on_the_page(client, hr_manager, sales):
    client.force_login(hr_manager)
    url = reverse("kpis:measurement_enter", args=["absenteeism-rate"])
    response = client.post(url, {"value-scope_key": f"department-{sales.pk}", "value-period": "2026-Q1", "value-value": "4.75"})
    assert response.status_code == 302 and response.url.endswith(f"?scope=department-{sales.pk}")
    row = Measurement.objects.get(kpi__code="absenteeism-rate", scope=Scope.DEPARTMENT, department=sales)
    assert (row.period, row.value, row.origin, row.entered_by) == ("2026-Q1", Decimal("4.75"), "entered", hr_manager)
    page = client.get(response.url).content.decode()
    assert "Q1 2026" in page and "4.75\u00a0%" in page


def test_a_value_typed_with_a_german_comma_is_read(client, hr_manager):
    client.force_login(hr_manager)
    client.cookies["django_language"] = "de"
    client.post(
        reverse("kpis:measurement_enter", args=["absenteeism-rate"]),
        {"value-scope_key": "company", "value-period": "03.2026", "value-value": "4,5"},
    )
    assert Measurement.objects.get(kpi__code="absenteeism-rate", period="2026-03").value == Decimal("4.5")


def test_a_wrong_period_keeps_what_was_typed_and_says_why(client, hr_manager):
    client.force_login(hr_manager)
    response = client.post(
        reverse("kpis:measurement_enter", args=["absenteeism-rate"]),
        {"value-scope_key": "company", "value-period": "March", "value-value": "4.5"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "is not a period. Type a month as 2026-03 or a quarter as 2026-Q1." in page
    assert 'value="March"' in page and 'value="4.5"' in page
    assert not Measurement.objects.filter(kpi__code="absenteeism-rate").exists()


def test_a_scope_the_kpi_does_not_have_is_refused(client, hr_manager, hq):
    client.force_login(hr_manager)
    response = client.post(
        reverse("kpis:measurement_enter", args=["cost-per-hire"]),  # company and department only
        {"value-scope_key": f"location-{hq.pk}", "value-period": "2026-Q1", "value-value": "4000"},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_baseline_from_a_period_and_a_typed_target(client, hr_manager):
    enter("absenteeism-rate", month(2026, 1), "6.2", actor=hr_manager)
    client.force_login(hr_manager)
    response = client.post(
        reverse("kpis:baseline_set", args=["absenteeism-rate"]), {"baseline-scope_key": "company", "baseline-from_period": "2026-01"}
    )
    assert response.status_code == 302
    baseline = Baseline.objects.get(kpi__code="absenteeism-rate")
    assert (baseline.value, baseline.from_period) == (Decimal("6.2"), "2026-01")
    response = client.post(
        reverse("kpis:target_set", args=["absenteeism-rate"]),
        {"target-scope_key": "company", "target-value": "4", "target-due_date": "2026-12-31"},
    )
    assert response.status_code == 302
    assert Target.objects.get(kpi__code="absenteeism-rate").due_date == date(2026, 12, 31)


def test_baseline_from_a_period_without_value_shows_the_services_refusal(client, hr_manager):
    client.force_login(hr_manager)
    response = client.post(
        reverse("kpis:baseline_set", args=["absenteeism-rate"]),
        {"baseline-scope_key": "company", "baseline-from_period": "2025-07", "baseline-note": "before the program"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is no value of this KPI for that wave or period and scope" in page
    assert 'value="2025-07"' in page and 'value="before the program"' in page


def test_baseline_needs_exactly_one_source(client, hr_manager):
    enter("absenteeism-rate", month(2026, 1), "6.2", actor=hr_manager)
    client.force_login(hr_manager)
    response = client.post(
        reverse("kpis:baseline_set", args=["absenteeism-rate"]),
        {"baseline-scope_key": "company", "baseline-value": "5", "baseline-from_period": "2026-01"},
    )
    assert response.status_code == 400
    assert "exactly one of them" in response.content.decode()
    assert not Baseline.objects.exists()


def test_target_without_date_keeps_the_value(client, hr_manager):
    client.force_login(hr_manager)
    response = client.post(reverse("kpis:target_set", args=["absenteeism-rate"]), {"target-scope_key": "company", "target-value": "3.75"})
    assert response.status_code == 400
    assert 'value="3.75"' in response.content.decode()
    assert not Target.objects.exists()


def test_owner_and_tolerance(client, hr_manager, executive):
    client.force_login(hr_manager)
    url = reverse("kpis:kpi_update", args=["absenteeism-rate"])
    response = client.post(url, {"settings-owner": hr_manager.pk, "settings-tolerance": "0.5"})
    assert response.status_code == 302
    kpi = Kpi.objects.get(code="absenteeism-rate")
    assert (kpi.owner, kpi.tolerance) == (hr_manager, Decimal("0.5"))
    # Only HR managers may own a KPI, and a tolerance is not negative.
    response = client.post(url, {"settings-owner": executive.pk, "settings-tolerance": "-1"})
    assert response.status_code == 400
    assert set(response.context["settings_form"].errors) == {"owner", "tolerance"}


# --- phase gates ----------------------------------------------------------------------


def test_hr_owner_adds_a_kpi_threshold_to_a_phase_and_removes_it(client, hr_manager, absenteeism):
    program = make_program(hr_manager)
    phase = program.phases.get(number=2)
    client.force_login(hr_manager)
    url = reverse("kpis:gate_create") + f"?phase={phase.pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"kpi": absenteeism.pk, "scope_key": "company", "comparison": "lte", "threshold": "5.5"})
    assert response.status_code == 302 and response.url == reverse("programs:phase", args=[program.pk, 2])
    gate = PhaseGate.objects.get(phase=phase)
    assert (gate.met, gate.latest_value, gate.latest_period) == (True, Decimal("5.5"), "2026-02")  # evaluated at once
    assert "Absenteeism rate" in client.get(response.url).content.decode()
    response = client.post(reverse("kpis:gate_delete", args=[gate.pk]))
    assert response.status_code == 302 and not PhaseGate.objects.exists()


def test_threshold_form_keeps_input_and_refuses_a_scope_the_kpi_lacks(client, hr_manager, hq):
    program = make_program(hr_manager)
    phase = program.phases.get(number=1)
    client.force_login(hr_manager)
    url = reverse("kpis:gate_create") + f"?phase={phase.pk}"
    kpi = Kpi.objects.get(code="management-commitment")  # company only
    response = client.post(url, {"kpi": kpi.pk, "scope_key": f"location-{hq.pk}", "comparison": "gte", "threshold": "70"})
    assert response.status_code == 400
    assert "This KPI is not measured for that scope." in response.content.decode()
    assert 'value="70"' in response.content.decode()
    assert not PhaseGate.objects.exists()


def test_only_a_programs_owner_adds_thresholds(client, hr_manager, executive, django_user_model):
    from django.contrib.auth.models import Group

    from common.roles import HR_MANAGER

    program = make_program(hr_manager)
    phase = program.phases.get(number=1)
    other = django_user_model.objects.create_user("other.hr", password="x")
    other.groups.add(Group.objects.get(name=HR_MANAGER))
    client.force_login(other)
    assert client.get(reverse("kpis:gate_create") + f"?phase={phase.pk}").status_code == 403
    client.force_login(executive)
    assert client.get(reverse("kpis:gate_create") + f"?phase={phase.pk}").status_code == 403


# --- correlation and drivers ----------------------------------------------------------


def test_correlation_page_shows_coefficients_reading_and_department_names(client, executive, sales, it_department):
    engagement, satisfaction = Kpi.objects.get(code="engagement-index"), Kpi.objects.get(code="customer-satisfaction")
    points = [[sales.pk, f"2026-{m:02d}-01", 60 + m, 70 + m + (m % 2)] for m in range(1, 7)]
    points += [[it_department.pk, f"2026-{m:02d}-01", 50 + m, 65 + m] for m in range(1, 7)]
    for lag, stored in ((0, points), (1, points[:2])):  # what the weekly job stores: the points and their coefficients
        found = statistics.correlate([p[2] for p in stored], [p[3] for p in stored])
        coefficients = {k: getattr(found, k) for k in ("pearson_r", "pearson_p", "spearman_rho", "spearman_p")}
        Correlation.objects.create(x=engagement, y=satisfaction, lag=lag, n=found.n, points=stored, **coefficients)
    client.force_login(executive)
    response = client.get(reverse("kpis:correlation"))
    page = response.content.decode()
    assert "Sales" in page and "IT" in page
    assert "not causation" in page and "independent samples" in page
    results = [item for item, _chart in response.context["results"]]
    same_month = response.context["results"][0][1]
    assert f'id="scatter-{results[0].row.pk}-spec"' in page
    # one dot per department and month, coloured by department, named in the tooltip
    assert len(same_month["data"]["values"]) == 12 and same_month["encoding"]["color"]["field"] == "department"
    assert {row["department"] for row in same_month["data"]["values"]} == {"Sales", "IT"}
    assert [t["title"] for t in same_month["encoding"]["tooltip"][:2]] == ["Department", "Month"]
    assert [r.result.n for r in results] == [12, 2]
    assert escape(results[0].reading) in page and "Strong positive relationship" in results[0].reading
    assert results[1].result.enough is False
    assert "Too few pairs to say anything: 2 department-months" in page


def test_driver_list_of_a_wave(client, executive):
    today = date(2026, 3, 1)
    wave = Wave.objects.create(template=pulse_template(), title="March pulse", opens_on=today, closes_on=today, status=Wave.Status.CLOSED)
    Driver.objects.bulk_create(
        [
            Driver(
                wave=wave,
                outcome="engagement",
                question=Question.objects.get(code="eng-motivated"),
                impact=0.61,
                n=40,
                score=42,
                rank=1,
                priority="act_first",
            ),
            Driver(
                wave=wave,
                outcome="engagement",
                question=Question.objects.get(code="enps"),
                impact=0.2,
                n=40,
                score=80,
                rank=2,
                priority="keep_up",
            ),
        ]
    )
    client.force_login(executive)
    assert wave.title in client.get(reverse("kpis:driver_waves")).content.decode()
    page = client.get(reverse("kpis:drivers", args=[wave.pk])).content.decode()
    table = page[page.index('id="driver-list"') :]
    assert table.index(Question.objects.get(code="eng-motivated").text_en) < table.index(Question.objects.get(code="enps").text_en)
    assert "42\u00a0%" in table and "0.61" in table
    assert table.index("act first") < table.index("keep up")


# --- pre/post -------------------------------------------------------------------------


@pytest.fixture
def two_waves(db, settings):
    """Two closed pulses of the same items, 12 respondents each. Before: 6 answer 3 (neutral) and
    6 answer 4 (agree); after: 3 answer 3 and 9 answer 4. Each engagement item's mean goes from
    3.5 to 3.75, and the index (two items) from 12 of 24 to 18 of 24 favourable."""
    settings.REPORTING_THRESHOLD = 5
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    people = staff(DepartmentFactory(name_en="Support"), LocationFactory(name="Plant"), 12)
    template = pulse_template()
    waves = []
    for neutral, day in ((6, date(2026, 1, 5)), (3, date(2026, 4, 6))):
        with time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=UTC), tick=False):
            wave = open_wave(template, opens_on=day, closes_on=day, title=f"Pulse {day:%B}")
            answer_all(wave, people[:neutral], value=3, enps=8)
            answer_all(wave, people[neutral:], value=4, enps=9)
            survey_services.wave_close(wave=wave)
        waves.append(wave)
    return waves


def test_prepost_compares_each_item_and_the_index(client, executive, two_waves):
    before, after = two_waves
    client.force_login(executive)
    response = client.get(reverse("kpis:prepost"), {"before": before.pk, "after": after.pk})
    assert response.status_code == 200
    result = response.context["result"]
    index = result.items[0]
    assert index.is_index and not index.hidden
    assert (index.comparison.mean_before, index.comparison.mean_after) == (50.0, 75.0)
    assert index.comparison.test == "z-test"
    items = {item.label: item for item in result.items[1:]}
    proud = items[Question.objects.get(code="eng-proud").text_en].comparison
    assert (proud.mean_before, proud.mean_after, proud.n_before, proud.n_after) == (3.5, 3.75, 12, 12)
    expected = mannwhitneyu([4] * 9 + [3] * 3, [4] * 6 + [3] * 6, alternative="two-sided")
    assert proud.test == "mann-whitney" and proud.p_value == pytest.approx(expected.pvalue)
    page = response.content.decode()
    assert "independent samples" in page and escape(proud.reading()) in page


def test_prepost_form_refuses_the_same_wave_twice(client, executive, two_waves):
    client.force_login(executive)
    response = client.get(reverse("kpis:prepost"), {"before": two_waves[0].pk, "after": two_waves[0].pk})
    assert response.status_code == 400
    assert "Choose two different waves." in response.content.decode()


def test_prepost_queries_are_bounded(client, executive, two_waves, django_assert_max_num_queries):
    client.force_login(executive)
    with django_assert_max_num_queries(80):
        client.get(reverse("kpis:prepost"), {"before": two_waves[0].pk, "after": two_waves[1].pk})


def test_hr_manager_names_a_programs_pre_and_post_waves(client, hr_manager, two_waves):
    program = make_program(hr_manager)
    client.force_login(hr_manager)
    response = client.post(
        reverse("kpis:program_measurement_set"),
        {"plan-program": program.pk, "plan-pre_wave": two_waves[0].pk, "plan-post_wave": two_waves[1].pk},
    )
    assert response.status_code == 302
    plan = ProgramMeasurement.objects.get(program=program)
    assert (plan.pre_wave, plan.post_wave) == tuple(two_waves)
    page = client.get(response.url)
    assert page.context["result"] is not None and page.context["chosen"] == plan
    response = client.post(
        reverse("kpis:program_measurement_set"),
        {"plan-program": program.pk, "plan-pre_wave": two_waves[1].pk, "plan-post_wave": two_waves[0].pk},
    )
    assert response.status_code == 400
    assert "The second wave must open after the first one closed." in response.content.decode()
