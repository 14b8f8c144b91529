"""A sign-in ends after an idle hour and, however active, twelve hours after it began."""

import time

from django.urls import reverse

from common.middleware import SESSION_SEEN, SESSION_STARTED


def _age(client, key: str, seconds: int) -> None:
    session = client.session
    session[key] = int(time.time()) - seconds
    session.save()


def test_an_active_sign_in_stays(client, hr_manager):
    client.force_login(hr_manager)
    assert client.get(reverse("hr_home")).status_code == 200
    _age(client, SESSION_SEEN, 59 * 60)  # 59 idle minutes: still signed in, and seen again now
    assert client.get(reverse("hr_home")).status_code == 200
    assert int(time.time()) - client.session[SESSION_SEEN] < 5


def test_an_idle_sign_in_ends_and_the_page_is_kept_for_after(client, hr_manager, settings):
    settings.SESSION_IDLE_MINUTES = 60
    client.force_login(hr_manager)
    _age(client, SESSION_SEEN, 61 * 60)
    response = client.get(reverse("hr_home"))
    assert response.status_code == 302 and response["Location"] == f"{reverse('login')}?next={reverse('hr_home')}"
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("hr_home")).status_code == 302  # still signed out


def test_a_sign_in_ends_after_the_absolute_limit_however_active(client, hr_manager, settings):
    settings.SESSION_MAX_HOURS = 12
    client.force_login(hr_manager)
    _age(client, SESSION_STARTED, 12 * 3600 + 1)
    _age(client, SESSION_SEEN, 10)
    response = client.get(reverse("hr_home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_signing_in_starts_the_clock(client, hr_manager):
    client.force_login(hr_manager)
    assert abs(client.session[SESSION_STARTED] - time.time()) < 5
    assert abs(client.session[SESSION_SEEN] - time.time()) < 5
