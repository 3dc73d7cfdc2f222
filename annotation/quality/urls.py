from django.urls import path

from annotation.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.quality_page, name="page"),
    path("settings/", views.quality_settings, name="settings"),
    path("check-items/", views.check_item_mark, name="check_item"),
    path("check-items/import/", views.check_items_import, name="check_import"),
    path("gold/promote/", views.gold_promote, name="gold_promote"),
    path("competence/", views.competence_refresh, name="competence_refresh"),
    path(
        "judges/<int:user_id>/<str:action>/",
        views.judge_action,
        name="judge_action",
    ),
    path("adjudication/", views.adjudication_queue, name="adjudication"),
    path("adjudication/<int:item_id>/", views.adjudication_item, name="adjudicate"),
]
