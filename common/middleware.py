"""Response headers every page gets (Django's SecurityMiddleware covers HSTS, nosniff, the
referrer policy and the opener policy; X-Frame-Options comes from its own middleware)."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.cache import add_never_cache_headers

# No page uses the camera, microphone, location, payment or USB; deny them to every frame.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"


class PrivacyHeadersMiddleware:
    """Signed-in pages show personal or confidential data: browsers and proxies must not keep
    them (``Cache-Control: no-store``), so the back button after signing out on a shared
    computer shows nothing. Every response gets the Permissions-Policy above."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


SESSION_STARTED = "_portal_signed_in_at"
SESSION_SEEN = "_portal_seen_at"
SEEN_RESOLUTION = 60  # the last-seen time is written at most once a minute per session


def session_started(sender, request, user, **kwargs):
    """At sign-in (a ``user_logged_in`` receiver): the session's start and last-seen times."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SESSION_STARTED] = now
        request.session[SESSION_SEEN] = now


class SessionLimitsMiddleware:
    """End a sign-in after ``SESSION_IDLE_MINUTES`` without a request and, however active,
    ``SESSION_MAX_HOURS`` after it began; the person signs in again (and comes back to the page).
    Anonymous sessions (a survey link's) are not touched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            started, seen = session.get(SESSION_STARTED), session.get(SESSION_SEEN)
            too_long = started is not None and now - started > settings.SESSION_MAX_HOURS * 3600
            idle = seen is not None and now - seen > settings.SESSION_IDLE_MINUTES * 60
            if too_long or idle:
                logout(request)
                return redirect_to_login(request.get_full_path())
            if started is None:
                session[SESSION_STARTED] = now
            if seen is None or now - seen >= SEEN_RESOLUTION:
                session[SESSION_SEEN] = now
        return self.get_response(request)
