from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.index, name="index"),
    path("bank/", views.bank, name="bank"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<int:pk>/", views.template_detail, name="template_detail"),
    path("templates/<int:pk>/sections/", views.template_section_add, name="template_section_add"),
    path("templates/<int:pk>/items/", views.template_item_add, name="template_item_add"),
    path("templates/<int:pk>/copy/", views.template_copy, name="template_copy"),
    path("templates/<int:pk>/trend/", views.template_trend, name="template_trend"),
    path("templates/<int:pk>/waves/new/", views.wave_create, name="wave_create"),
    path("templates/<int:pk>/recurring/", views.schedule_create, name="schedule_create"),
    path("items/<int:pk>/remove/", views.template_item_remove, name="template_item_remove"),
    path("items/<int:pk>/move/", views.template_item_move, name="template_item_move"),
    path("waves/<int:pk>/", views.wave_results, name="wave_results"),
    path("waves/<int:pk>/close/", views.wave_close, name="wave_close"),
    path("waves/<int:pk>/refresh/", views.wave_rollup, name="wave_rollup"),
    path("waves/<int:pk>/export.csv", views.wave_export, {"fmt": "csv"}, name="wave_export_csv"),
    path("waves/<int:pk>/export.xlsx", views.wave_export, {"fmt": "xlsx"}, name="wave_export_xlsx"),
    path("waves/<int:pk>/internal/", views.internal_results, name="internal_results"),
    path("waves/<int:pk>/answer/", views.answer, name="answer"),
    path("a/<str:token>/", views.answer_token, name="answer_token"),
    path("answer/", views.answer_session, name="answer_session"),
    path("ideas/", views.ideas, name="ideas"),
    path("ideas/new/", views.idea_submit, name="idea_submit"),
    path("ideas/<int:pk>/triage/", views.idea_triage, name="idea_triage"),
    path("feedback/", views.feedback_links, name="feedback_links"),
    path("f/<slug:slug>/", views.feedback_public, name="feedback_public"),
]
