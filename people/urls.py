from django.urls import path

from people import views

app_name = "people"

urlpatterns = [
    path("org-chart/", views.org_chart, name="org_chart"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
    path("employees/", views.employee_list, name="employee_list"),
    path("employees/<int:pk>/", views.employee_detail, name="employee_detail"),
    path("employees/<int:pk>/export/", views.employee_export, name="employee_export"),
    path("employees/<int:pk>/erase/", views.employee_erase, name="employee_erase"),
    path("import/", views.import_start, name="import_start"),
    path("import/template.<str:kind>", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_run_detail, name="import_run_detail"),
    path("import/<int:pk>/commit/", views.import_run_commit, name="import_run_commit"),
    path("segments/", views.segment_list, name="segment_list"),
    path("segments/new/", views.segment_create, name="segment_create"),
    path("segments/count/", views.segment_count, name="segment_count"),
    path("segments/<int:pk>/", views.segment_detail, name="segment_detail"),
    path("segments/<int:pk>/edit/", views.segment_edit, name="segment_edit"),
    path("segments/<int:pk>/delete/", views.segment_delete, name="segment_delete"),
]
