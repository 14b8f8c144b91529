from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.ratelimits import login_limited
from common.selectors import health_get


@require_GET
@never_cache
@transaction.non_atomic_requests
def healthz(request):
    health = health_get()
    return JsonResponse(health.as_dict(), status=200 if health.healthy else 503)


class LoginView(auth_views.LoginView):
    """Sign-in, throttled per client and per user name so that guessing a password takes ages."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if login_limited(request):
            return render(request, "registration/login_throttled.html", status=429)
        return super().post(request, *args, **kwargs)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a sign-in for a locked user name: a page, not an error."""
    return render(request, "registration/locked_out.html", {"minutes": settings.AXES_COOLOFF_MINUTES}, status=429)
