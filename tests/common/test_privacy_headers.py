"""Signed-in pages are never stored by browsers or proxies; every response denies powerful features."""

from django.urls import reverse

from common.middleware import PERMISSIONS_POLICY


def test_signed_in_pages_are_not_stored(client, hr_manager, executive):
    client.force_login(hr_manager)
    for url in (reverse("hr_home"), reverse("surveys:index"), reverse("kpis:catalogue")):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], url
        assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    client.force_login(executive)
    response = client.get(reverse("executive_dashboard"))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_anonymous_pages_get_the_permissions_policy_and_are_not_forced_uncached(client, db):
    assert client.get(reverse("login"))["Permissions-Policy"] == PERMISSIONS_POLICY
    catalogue = client.get(reverse("javascript-catalog"))  # the same for everybody
    assert catalogue.status_code == 200 and catalogue["Permissions-Policy"] == PERMISSIONS_POLICY
    assert "no-store" not in catalogue.get("Cache-Control", "")
