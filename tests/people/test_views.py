"""Who may see what, and each page's happy path and invalid input."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from people.models import Department, Employee, ImportRun, PrivacyLogEntry, Segment
from tests.people.factories import DepartmentFactory, EmployeeFactory, SegmentFactory, UserFactory


def login(client, user):
    client.force_login(user)
    return client


# --- Org chart --------------------------------------------------------------------------


def test_org_chart_is_for_every_signed_in_user(client, employee, sales):
    child = DepartmentFactory(
        name_en="Key Accounts", code="key-accounts", parent=sales, services_en="Big customers.", contact="ka@x.example"
    )
    EmployeeFactory(department=child)
    response = login(client, employee).get(reverse("people:org_chart"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Key Accounts" in html and "Big customers." in html and "mailto:ka@x.example" in html
    assert "<code" in html and ">key-accounts</code>" in html, "the code the imports ask for"


def test_org_chart_asks_anonymous_visitors_to_sign_in(client, db):
    response = client.get(reverse("people:org_chart"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_org_chart_queries_are_bounded(client, employee, django_assert_max_num_queries):
    for index in range(15):
        parent = DepartmentFactory(code=f"p{index}")
        child = DepartmentFactory(code=f"c{index}", parent=parent)
        head = EmployeeFactory(department=child)
        child.head = head
        child.save()
    login(client, employee)
    with django_assert_max_num_queries(7):
        assert client.get(reverse("people:org_chart")).status_code == 200


def test_org_chart_in_german(client, employee, sales):
    client.cookies["django_language"] = "de"
    response = login(client, employee).get(reverse("people:org_chart"))
    assert "Vertrieb" in response.content.decode()


# --- Employee lists and privacy -----------------------------------------------------------


def test_employee_list_for_hr_managers(client, hr_manager, employee):
    response = login(client, hr_manager).get(reverse("people:employee_list"), {"q": "Emma"})
    assert response.status_code == 200
    assert "Emma" in response.content.decode()


def test_employee_list_for_staff(client, employee):
    staff = UserFactory(username="staffer", is_staff=True)
    assert login(client, staff).get(reverse("people:employee_list")).status_code == 200


@pytest.mark.parametrize("who", ["employee", "executive", "outsider"])
def test_employee_list_refused_to_others(db, client, request, who):
    user = request.getfixturevalue(who)
    assert login(client, user).get(reverse("people:employee_list")).status_code == 403


def test_employee_list_anonymous(client, db):
    assert client.get(reverse("people:employee_list")).status_code == 302


def test_employee_list_queries_are_bounded(client, hr_manager, django_assert_max_num_queries):
    EmployeeFactory.create_batch(60)
    login(client, hr_manager)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("people:employee_list"), {"department": "not-a-number"}).status_code == 200


@pytest.mark.parametrize("params", [{"q": "Em\x00ma"}, {"department": "²"}, {"department": "99999999999999999999"}])
def test_employee_list_survives_garbage_in_the_query_string(client, hr_manager, employee, params):
    """These used to raise (PostgreSQL refuses NUL in text; int("²") fails although "²".isdigit())."""
    response = login(client, hr_manager).get(reverse("people:employee_list"), params)
    assert response.status_code == 200
    if "q" in params:
        assert "Emma" in response.content.decode()


def test_employee_detail_refused_to_employees(client, employee, other_employee):
    target = Employee.objects.get(user=other_employee)
    assert login(client, employee).get(reverse("people:employee_detail", args=[target.pk])).status_code == 403


def test_employee_detail_unknown_is_404(client, hr_manager):
    assert login(client, hr_manager).get(reverse("people:employee_detail", args=[999999])).status_code == 404


def test_export_is_everything_about_one_employee_and_is_logged(client, hr_manager, employee):
    target = Employee.objects.get(user=employee)
    response = login(client, hr_manager).post(reverse("people:employee_export", args=[target.pk]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["employee_number"] == target.employee_number and data["user_account"]["username"] == "emma.sales"
    entry = PrivacyLogEntry.objects.get()
    assert (entry.action, entry.subject_id, entry.actor) == ("export", target.pk, hr_manager)


def test_export_is_post_only_and_for_hr_managers_only(client, hr_manager, employee):
    target = Employee.objects.get(user=employee)
    assert login(client, hr_manager).get(reverse("people:employee_export", args=[target.pk])).status_code == 405
    assert login(client, employee).post(reverse("people:employee_export", args=[target.pk])).status_code == 403
    staff = UserFactory(username="staffer", is_staff=True)
    assert login(client, staff).post(reverse("people:employee_export", args=[target.pk])).status_code == 403


def test_erase_removes_person_and_account_and_logs_who_and_when(client, hr_manager, employee):
    target = Employee.objects.get(user=employee)
    report = EmployeeFactory(manager=target)
    target.department.head = target
    target.department.save()
    response = login(client, hr_manager).post(reverse("people:employee_erase", args=[target.pk]))
    assert response.status_code == 302
    assert not Employee.objects.filter(pk=target.pk).exists()
    assert not get_user_model().objects.filter(username="emma.sales").exists()
    report.refresh_from_db()
    assert report.manager is None
    assert Department.objects.get(code="sales").head is None
    entry = PrivacyLogEntry.objects.get()
    assert (entry.action, entry.subject_id, entry.actor_username) == ("erase", target.pk, "hanna.hr")
    assert "Emma" not in str(entry) and entry.at is not None


def test_erase_leaves_survey_answers_alone(client, hr_manager, employee):
    """Responses have no link to people (DESIGN anonymity rule 1); erasing must not touch them."""
    from django.apps import apps

    response_model = next((m for m in apps.get_models() if m._meta.label == "surveys.Response"), None)
    before = response_model.objects.count() if response_model else 0
    target = Employee.objects.get(user=employee)
    login(client, hr_manager).post(reverse("people:employee_erase", args=[target.pk]))
    assert (response_model.objects.count() if response_model else 0) == before
    if response_model:
        assert not any(f.related_model in (Employee, get_user_model()) for f in response_model._meta.get_fields() if f.is_relation)


def test_erase_refused_to_others_and_on_get(client, hr_manager, employee, other_employee):
    target = Employee.objects.get(user=other_employee)
    assert login(client, employee).post(reverse("people:employee_erase", args=[target.pk])).status_code == 403
    assert login(client, hr_manager).get(reverse("people:employee_erase", args=[target.pk])).status_code == 405
    assert Employee.objects.filter(pk=target.pk).exists()


def test_hr_manager_cannot_erase_themselves(client, hr_manager):
    own = Employee.objects.get(user=hr_manager)
    response = login(client, hr_manager).post(reverse("people:employee_erase", args=[own.pk]), follow=True)
    assert Employee.objects.filter(pk=own.pk).exists()
    assert "cannot erase your own" in response.content.decode()


# --- Import pages -----------------------------------------------------------------------

HEADER = "employee_number;first_name;last_name;email;department;location;hire_date;manager_number"


def upload(client, rows, name="hris.csv", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = "\n".join([HEADER, *rows]).encode("cp1252")
    return client.post(reverse("people:import_start"), {"file": SimpleUploadedFile(name, content), **extra})


def test_import_flow_errors_then_fix_then_commit(client, hr_manager, sales, hq, eager_celery, django_capture_on_commit_callbacks):
    login(client, hr_manager)
    with django_capture_on_commit_callbacks(execute=True):
        bad = upload(
            client, ["2001;Jürgen;Weiß;j@x.example;sales;Headquarters;01.02.2021;", "2002;Eva;Roth;bad-email;nowhere;Headquarters;2021;"]
        )
    run = ImportRun.objects.get()
    assert bad.status_code == 302 and bad["Location"] == reverse("people:import_run_detail", args=[run.pk])
    html = client.get(bad["Location"]).content.decode()
    assert "Unknown department" in html and "not a valid email" in html and "not a valid date" in html
    assert "Commit the import" not in html
    refused = client.post(reverse("people:import_run_commit", args=[run.pk]), follow=True)
    assert "Nothing can be written while any row has an error." in refused.content.decode()
    assert not Employee.objects.filter(employee_number__in=["2001", "2002"]).exists()

    with django_capture_on_commit_callbacks(execute=True):
        upload(
            client,
            [
                "2001;Jürgen;Weiß;j@x.example;sales;Headquarters;01.02.2021;",
                "2002;Eva;Roth;eva@x.example;sales;Headquarters;2021-03-01;2001",
            ],
        )
    good = ImportRun.objects.first()
    assert "Commit the import" in client.get(reverse("people:import_run_detail", args=[good.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("people:import_run_commit", args=[good.pk]))
    good.refresh_from_db()
    assert good.status == ImportRun.Status.COMMITTED and good.rows_created == 2 and good.created_by == hr_manager
    assert bytes(good.content) == b"", "the file is not kept after the commit"
    assert Employee.objects.get(employee_number="2002").manager.last_name == "Weiß"
    again = client.post(reverse("people:import_run_commit", args=[good.pk]), follow=True)
    assert "already been committed" in again.content.decode()


def test_import_page_polls_while_a_worker_checks_the_file(client, hr_manager, sales, hq):
    login(client, hr_manager)
    upload(client, ["2001;Jürgen;Weiß;j@x.example;sales;Headquarters;01.02.2021;"])  # no worker runs here
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.CHECKING
    html = client.get(reverse("people:import_run_detail", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in html and "Checking the file" in html


def test_commit_that_meets_new_errors_writes_nothing(hr_manager, sales, hq, eager_celery, django_capture_on_commit_callbacks):
    from people import services

    with django_capture_on_commit_callbacks(execute=True):
        run = services.import_run_create(
            file_name="a.csv",
            content=("\n".join([HEADER, "2001;Jürgen;Weiß;j@x.example;sales;Headquarters;01.02.2021;"])).encode(),
            create_missing=False,
            mark_absent_exited_on=None,
            user=hr_manager,
        )
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEWED and not run.has_errors
    sales.code = "renamed"
    sales.save()  # the portal changed between dry run and commit
    with django_capture_on_commit_callbacks(execute=True):
        services.import_run_commit_request(run=run, user=hr_manager)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEWED and run.rows_error == 1
    assert not Employee.objects.filter(employee_number="2001").exists()


def test_a_failing_job_marks_the_run_failed(hr_manager, eager_celery, django_capture_on_commit_callbacks):
    from unittest import mock

    from people import services

    with (
        mock.patch("people.services.run_import_atomically", side_effect=RuntimeError("bug")),
        pytest.raises(RuntimeError),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.import_run_create(file_name="a.csv", content=b"x", create_missing=False, mark_absent_exited_on=None, user=hr_manager)
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED


def test_import_form_rejects_other_files_and_missing_exit_date(client, hr_manager):
    login(client, hr_manager)
    response = upload(client, [], name="hris.pdf", mark_absent_exited="on")
    assert response.status_code == 200
    form = response.context["form"]
    assert "file" in form.errors and "exit_date" in form.errors
    assert not ImportRun.objects.exists()


def test_import_template_downloads(client, hr_manager):
    login(client, hr_manager)
    csv_response = client.get(reverse("people:import_template", args=["csv"]))
    assert csv_response.status_code == 200 and csv_response.content.decode("utf-8-sig").startswith("employee_number;")
    assert client.get(reverse("people:import_template", args=["xlsx"])).content[:2] == b"PK"
    # An unknown extension used to download the CSV under that name (employees-template.exe).
    assert client.get(reverse("people:import_template", args=["exe"])).status_code == 404


@pytest.mark.parametrize("who", ["employee", "executive"])
def test_import_pages_are_for_hr_managers_only(db, client, request, who):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("people:import_start")).status_code == 403
    assert client.get(reverse("people:import_template", args=["csv"])).status_code == 403


def test_import_anonymous(client, db):
    assert client.get(reverse("people:import_start")).status_code == 302


# --- Segment pages ------------------------------------------------------------------------


def test_segment_create_and_live_count(client, hr_manager, employee, other_employee, sales):
    login(client, hr_manager)
    assert client.get(reverse("people:segment_create")).status_code == 200
    count = client.post(reverse("people:segment_count"), {"department": [str(sales.pk)], "match": "all", "status": "active"})
    assert count.status_code == 200 and 'data-count="1"' in count.content.decode()
    everyone = client.post(reverse("people:segment_count"), {"match": "all", "status": "active"})
    assert 'data-count="3"' in everyone.content.decode()
    response = client.post(
        reverse("people:segment_create"), {"name": "Sales people", "match": "all", "department": [str(sales.pk)], "status": "active"}
    )
    segment = Segment.objects.get()
    assert response.status_code == 302 and segment.created_by == hr_manager
    assert segment.rules == {
        "match": "all",
        "conditions": [{"field": "department", "values": [str(sales.pk)]}, {"field": "status", "values": ["active"]}],
    }


def test_segment_create_invalid_input(client, hr_manager):
    response = login(client, hr_manager).post(reverse("people:segment_create"), {"name": "", "match": "maybe", "status": "active"})
    assert response.status_code == 200 and response.context["form"].errors
    assert not Segment.objects.exists()


def test_segment_edit_keeps_rules_round_trip(client, hr_manager, sales):
    segment = SegmentFactory(
        name="Old",
        rules={"match": "any", "conditions": [{"field": "customer_facing", "values": [True]}, {"field": "status", "values": ["exited"]}]},
    )
    login(client, hr_manager)
    form = client.get(reverse("people:segment_edit", args=[segment.pk])).context["form"]
    assert form.initial["customer_facing"] == "yes" and form.initial["match"] == "any" and form.initial["status"] == "exited"
    client.post(reverse("people:segment_edit", args=[segment.pk]), {"name": "New", "match": "all", "is_manager": "no", "status": "all"})
    segment.refresh_from_db()
    assert segment.name == "New"
    assert segment.rules["conditions"] == [{"field": "is_manager", "values": [False]}, {"field": "status", "values": ["active", "exited"]}]


def test_segment_members_only_for_hr_managers(client, hr_manager, executive, employee):
    segment = SegmentFactory(name="Everyone")
    hr_page = login(client, hr_manager).get(reverse("people:segment_detail", args=[segment.pk]))
    assert "emma.sales" not in hr_page.content.decode()
    assert "segment-members" in hr_page.content.decode() and "Emma" in hr_page.content.decode()
    exec_page = login(client, executive).get(reverse("people:segment_detail", args=[segment.pk]))
    assert exec_page.status_code == 200 and "segment-members" not in exec_page.content.decode()
    assert 'data-count="3"' in exec_page.content.decode()
    assert client.post(reverse("people:segment_count"), {}).status_code == 403
    assert login(client, employee).get(reverse("people:segment_detail", args=[segment.pk])).status_code == 403
    assert login(client, employee).get(reverse("people:segment_list")).status_code == 403


def test_segment_list_queries_are_bounded(client, hr_manager, django_assert_max_num_queries):
    for index in range(5):
        SegmentFactory(name=f"S{index}")
    login(client, hr_manager)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("people:segment_list")).status_code == 200


def test_segment_delete_post_only(client, hr_manager, executive):
    segment = SegmentFactory()
    assert login(client, executive).post(reverse("people:segment_delete", args=[segment.pk])).status_code == 403
    assert login(client, hr_manager).get(reverse("people:segment_delete", args=[segment.pk])).status_code == 405
    client.post(reverse("people:segment_delete", args=[segment.pk]))
    assert not Segment.objects.exists()


def test_segment_pages_anonymous(client, db):
    assert client.get(reverse("people:segment_list")).status_code == 302


# --- Department editing (org chart content) -------------------------------------------------


def test_hr_manager_edits_what_the_org_chart_says(client, hr_manager, employee, sales):
    head = Employee.objects.get(user=employee)
    child = DepartmentFactory(code="key-accounts", parent=sales)
    login(client, hr_manager)
    page = client.get(reverse("people:department_edit", args=[sales.pk]))
    assert "<code>sales</code>" in page.content.decode(), "the department's code, as the imports name it"
    form = page.context["form"]
    assert child not in form.fields["parent"].queryset and sales not in form.fields["parent"].queryset, "no cycles on offer"
    response = client.post(
        reverse("people:department_edit", args=[sales.pk]),
        {
            "name_en": "Sales",
            "name_de": "Vertrieb",
            "services_en": "Offers.",
            "services_de": "Angebote.",
            "contact": "sales@x.example",
            "head_number": head.employee_number,
        },
    )
    assert response.status_code == 302
    sales.refresh_from_db()
    assert (sales.head, sales.services_de, sales.contact) == (head, "Angebote.", "sales@x.example")
    assert "Offers." in client.get(reverse("people:org_chart")).content.decode()


def test_department_edit_rejects_unknown_head(client, hr_manager, sales):
    response = login(client, hr_manager).post(
        reverse("people:department_edit", args=[sales.pk]), {"name_en": "Sales", "head_number": "NOPE"}
    )
    assert response.status_code == 200 and "head_number" in response.context["form"].errors


def test_department_edit_is_for_hr_managers(client, employee, sales, db):
    assert login(client, employee).get(reverse("people:department_edit", args=[sales.pk])).status_code == 403
    client.logout()
    assert client.get(reverse("people:department_edit", args=[sales.pk])).status_code == 302


def test_segment_in_use_is_not_deleted(client, hr_manager):
    from unittest import mock

    from django.db.models import ProtectedError

    segment = SegmentFactory()
    blocker = EmployeeFactory()
    with mock.patch.object(Segment, "delete", side_effect=ProtectedError("in use", {blocker})):
        response = login(client, hr_manager).post(reverse("people:segment_delete", args=[segment.pk]), follow=True)
    assert "still used by: employee" in response.content.decode()
    assert Segment.objects.filter(pk=segment.pk).exists()


def test_org_chart_also_for_a_signed_in_user_without_role(client, outsider, sales):
    assert login(client, outsider).get(reverse("people:org_chart")).status_code == 200


def test_segment_detail_queries_are_bounded(client, hr_manager, sales, hq, django_assert_max_num_queries):
    EmployeeFactory.create_batch(60, department=sales, location=hq)
    segment = SegmentFactory(rules={"match": "all", "conditions": [{"field": "department", "values": [sales.pk]}]})
    login(client, hr_manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("people:segment_detail", args=[segment.pk]))
    assert response.status_code == 200 and 'data-count="60"' in response.content.decode()


def test_export_and_erase_with_real_survey_data(client, hr_manager, employee):
    """The export finds the survey invitations through reverse relations (no import of surveys
    in people); erasing removes the invitations and keeps the anonymous responses."""
    from surveys import services as survey_services
    from surveys.models import Invitation, Response
    from tests.surveys.factories import open_wave, pulse_template

    target = Employee.objects.get(user=employee)
    EmployeeFactory.create_batch(4, email="")  # a wave needs at least the threshold of invitees
    wave = open_wave(pulse_template())
    invitation = Invitation.objects.get(employee=target)
    survey_services.response_submit(invitation=invitation, employee=target, answers=[])
    survey_services.wave_close(wave=wave)  # the sealed ballot is counted
    responses = Response.objects.count()
    assert responses >= 1

    data = json.loads(login(client, hr_manager).post(reverse("people:employee_export", args=[target.pk])).content)
    exported = data["other_records"]["surveys.Invitation"]
    assert [row["wave"] for row in exported] == [wave.title]
    assert not any("token" in key or "hash" in key for row in exported for key in row)
    # Whether and when it was used, and the snapshot, could be matched with an anonymous response.
    assert not {"used_on", "mailed_on", "segment_ids", "reminders_sent"} & {key for row in exported for key in row}
    invitation.refresh_from_db()
    assert invitation.used_on is not None and invitation.used_on.isoformat() not in json.dumps(exported)

    client.post(reverse("people:employee_erase", args=[target.pk]))
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    assert Response.objects.count() == responses


def test_admin_shows_import_runs_and_privacy_log(client, hr_manager, employee):
    from people.services import employee_export

    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    ImportRun.objects.create(file_name="x.csv", content=b"secret row", rows_created=3, created_by=hr_manager)
    employee_export(employee=Employee.objects.get(user=employee), actor=hr_manager)
    login(client, admin)
    page = client.get(reverse("admin:people_importrun_changelist"))
    assert page.status_code == 200 and "x.csv" in page.content.decode() and "secret row" not in page.content.decode()
    run = ImportRun.objects.get()
    assert client.get(reverse("admin:people_importrun_change", args=[run.pk])).status_code == 200
    assert "hanna.hr" in client.get(reverse("admin:people_privacylogentry_changelist")).content.decode()


def test_hr_home_links_to_the_organisation_pages(client, hr_manager):
    content = login(client, hr_manager).get(reverse("hr_home")).content.decode()
    for name in ("people:org_chart", "people:employee_list", "people:segment_list", "people:import_start"):
        assert f'href="{reverse(name)}"' in content, name
