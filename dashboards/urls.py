from django.urls import path

from dashboards import report_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("hr/", views.hr_home, name="hr_home"),
    path("dashboard/", views.executive_dashboard, name="executive_dashboard"),
    path("dashboard/latest-wave/", views.executive_latest_wave, name="executive_latest_wave"),
    path("dashboard/internal-service/", views.executive_internal, name="executive_internal"),
    path("dashboard/report.pdf", report_views.board_report, name="board_report"),
    path("me/", views.employee_home, name="employee_home"),
]
