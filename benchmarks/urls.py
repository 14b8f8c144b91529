"""The portal's URLs plus the framework floor, served only when BENCH_FLOOR=1 (`make bench`)."""

from django.urls import path

from benchmarks.floor import floor
from im_portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *portal_urlpatterns]
