import pytest
from django.urls import reverse

from programs import services
from programs.models import NewsPost, Program
from programs.selectors import news_for_employee
from tests.people.factories import SegmentFactory
from tests.programs.factories import make_program


@pytest.fixture
def sales_segment(sales):
    return SegmentFactory(name="Sales", rules={"match": "all", "conditions": [{"field": "department", "values": [sales.pk]}]})


@pytest.fixture
def program(hr_manager, sales_segment):
    program = make_program(hr_manager, status=Program.Status.ACTIVE)
    services.target_segment_add(program=program, actor=hr_manager, segment=sales_segment)
    services.news_post_create(program=program, actor=hr_manager, title="Kick-off next week", body="Join the town hall.")
    return program


def test_employee_in_target_segment_sees_news_on_home_page(client, employee, program):
    client.force_login(employee)
    response = client.get(reverse("employee_home"))
    assert b"Kick-off next week" in response.content
    assert b"Join the town hall." in response.content


def test_employee_outside_target_segments_sees_no_news(client, other_employee, program):
    client.force_login(other_employee)
    response = client.get(reverse("employee_home"))
    assert b"Kick-off next week" not in response.content
    assert b"No program news yet." in response.content


def test_news_of_draft_programs_stays_unpublished(employee, program, hr_manager):
    services.program_update(program=program, actor=hr_manager, data={"status": Program.Status.DRAFT})
    assert news_for_employee(user=employee) == []


def test_employee_news_needs_a_bounded_number_of_queries(employee, hr_manager, sales_segment, django_assert_max_num_queries):
    for i in range(5):
        program = make_program(hr_manager, name=f"P{i}", status=Program.Status.ACTIVE)
        services.target_segment_add(program=program, actor=hr_manager, segment=sales_segment)
        for j in range(3):
            services.news_post_create(program=program, actor=hr_manager, title=f"News {i}-{j}", body="x")
    with django_assert_max_num_queries(6):
        posts = news_for_employee(user=employee)
    assert len(posts) == 10


def test_owner_posts_news(client, hr_manager, program):
    client.force_login(hr_manager)
    response = client.post(reverse("programs:news_create", args=[program.pk]), {"title": "Seminar dates", "body": "See intranet."})
    assert response.status_code == 302
    assert NewsPost.objects.filter(program=program, title="Seminar dates", author=hr_manager).exists()


def test_news_without_body_is_rejected_and_keeps_the_title(client, hr_manager, program):
    client.force_login(hr_manager)
    response = client.post(reverse("programs:news_create", args=[program.pk]), {"title": "Half written", "body": ""})
    assert response.status_code == 400
    assert b'value="Half written"' in response.content


def test_executive_cannot_post_news(client, executive, program):
    client.force_login(executive)
    response = client.post(reverse("programs:news_create", args=[program.pk]), {"title": "x", "body": "y"})
    assert response.status_code == 403


def test_employee_cannot_open_program_pages(client, employee, program):
    client.force_login(employee)
    assert client.get(reverse("programs:news", args=[program.pk])).status_code == 403
    assert client.get(reverse("programs:list")).status_code == 403


def test_anonymous_visitor_is_sent_to_login(client, program):
    response = client.get(reverse("programs:news", args=[program.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
