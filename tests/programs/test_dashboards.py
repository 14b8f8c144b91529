from django.urls import reverse

from programs import services
from tests.programs.factories import make_program


def test_executive_dashboard_shows_where_each_program_stands(client, executive, hr_manager, django_assert_max_num_queries):
    first = make_program(hr_manager, name="Customer first")
    make_program(hr_manager, name="Service pride")
    services.phase_complete(phase=first.phases.get(number=1), actor=hr_manager, override_reason="Board committed in writing")
    client.force_login(executive)
    # the programs with phases, criteria and KPI thresholds, the KPI tiles, trend, scatter and
    # drivers; the latest wave and internal service load as sections of their own
    with django_assert_max_num_queries(26):
        response = client.get(reverse("executive_dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Customer first" in body and "Service pride" in body
    assert "Management commitment" in body
    assert "(override)" in body


def test_hr_home_links_to_program_list(client, hr_manager):
    client.force_login(hr_manager)
    response = client.get(reverse("hr_home"))
    assert reverse("programs:list").encode() in response.content


def test_navigation_shows_programs_to_hr_and_executives_only(client, hr_manager, employee):
    client.force_login(hr_manager)
    assert b'href="/programs/"' in client.get(reverse("hr_home")).content
    client.force_login(employee)
    assert b'href="/programs/"' not in client.get(reverse("employee_home")).content
