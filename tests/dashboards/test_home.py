import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("user_fixture", "landing"),
    [("hr_manager", "hr_home"), ("executive", "executive_dashboard"), ("employee", "employee_home")],
)
def test_each_role_lands_on_its_home_page(db, client, request, user_fixture, landing):
    client.force_login(request.getfixturevalue(user_fixture))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse(landing)
    assert client.get(response.url).status_code == 200


def test_login_form_lands_hr_manager_on_programs_and_surveys(client, hr_manager):
    response = client.post(reverse("login"), {"username": "hanna.hr", "password": "pw-for-tests"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("hr_home")
    assert b"My programs" in response.content and b"Surveys open now" in response.content


def test_wrong_password_keeps_username_and_says_why(client, hr_manager):
    response = client.post(reverse("login"), {"username": "hanna.hr", "password": "nope"})
    assert response.status_code == 200
    assert b'value="hanna.hr"' in response.content
    assert b"Please enter a correct username and password" in response.content


@pytest.mark.parametrize("url_name", ["hr_home", "executive_dashboard", "employee_home"])
def test_anonymous_visitor_is_sent_to_login(client, db, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("user_fixture", "url_name"),
    [("employee", "hr_home"), ("employee", "executive_dashboard"), ("executive", "hr_home"), ("outsider", "employee_home")],
)
def test_user_without_the_role_gets_403(db, client, request, user_fixture, url_name):
    client.force_login(request.getfixturevalue(user_fixture))
    response = client.get(reverse(url_name))
    assert response.status_code == 403
    assert b"This page is not for your role" in response.content


def test_user_without_any_role_is_told_so(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert b"Your account has no role yet" in response.content


def test_navigation_shows_only_the_roles_pages(client, employee):
    client.force_login(employee)
    content = client.get(reverse("employee_home")).content.decode()
    assert reverse("employee_home") in content
    assert reverse("hr_home") not in content
