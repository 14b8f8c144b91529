from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("", include("common.urls")),
    path("people/", include("people.urls")),
    path("programs/", include("programs.urls")),
    path("surveys/", include("surveys.urls")),
    path("kpis/", include("kpis.urls")),
    path("", include("dashboards.urls")),
]
