"""The floor `make bench` compares submissions with: the least a Django view in this project can
do per request that writes (one INSERT in the request's transaction), behind the same server,
middleware, settings and database. Mounted only when BENCH_FLOOR=1 (see benchmarks/urls.py)."""

from django.db import connection
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

TABLE = "bench_floor"
CREATE_SQL = f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, created timestamptz NOT NULL DEFAULT now(), body text)"


@csrf_exempt
@require_POST
def floor(request):
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (body) VALUES (%s)", [request.POST.get("v", "")])  # noqa: S608 - fixed table name
    return HttpResponse("ok", content_type="text/plain")
