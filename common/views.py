from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.selectors import health_get


@require_GET
@never_cache
@transaction.non_atomic_requests
def healthz(request):
    health = health_get()
    return JsonResponse(health.as_dict(), status=200 if health.healthy else 503)
