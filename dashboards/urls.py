from django.urls import path

from dashboards import views

urlpatterns = [
    path("", views.home, name="home"),
    path("hr/", views.hr_home, name="hr_home"),
    path("dashboard/", views.executive_dashboard, name="executive_dashboard"),
    path("me/", views.employee_home, name="employee_home"),
]
