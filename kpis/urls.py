from django.urls import path

from kpis import import_views, views

app_name = "kpis"

# Fixed words come before "<code>/"; KpiForm refuses them as codes (RESERVED_CODES).
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("new/", views.kpi_create, name="create"),
    path("alerts/seen/", views.alerts_seen, name="alerts_seen"),
    path("correlation/", views.correlation, name="correlation"),
    path("drivers/", views.driver_waves, name="driver_waves"),
    path("drivers/<int:wave_id>/", views.drivers, name="drivers"),
    path("prepost/", views.prepost, name="prepost"),
    path("prepost/plan/", views.program_measurement_set, name="program_measurement_set"),
    path("gates/new/", views.gate_create, name="gate_create"),
    path("gates/<int:pk>/delete/", views.gate_delete, name="gate_delete"),
    path("import/", import_views.import_start, name="import_start"),
    path("import/template.<str:kind>", import_views.import_template, name="import_template"),
    path("import/<int:pk>/", import_views.import_run_detail, name="import_run_detail"),
    path("import/<int:pk>/commit/", import_views.import_run_commit, name="import_run_commit"),
    path("<slug:code>/", views.detail, name="detail"),
    path("<slug:code>/values/", views.measurement_enter, name="measurement_enter"),
    path("<slug:code>/baseline/", views.baseline_set, name="baseline_set"),
    path("<slug:code>/target/", views.target_set, name="target_set"),
    path("<slug:code>/settings/", views.kpi_update, name="kpi_update"),
]
