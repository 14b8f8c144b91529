"""Response headers every page gets (Django's SecurityMiddleware covers HSTS, nosniff, the
referrer policy and the opener policy; X-Frame-Options comes from its own middleware)."""

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
