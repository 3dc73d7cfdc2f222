"""authoring's pages, under /authoring/ (config/urls.py)."""

from django.urls import path

from authoring import attack_urls, views

app_name = "authoring"
urlpatterns = [
    path("", views.author_home, name="home"),
    path("mine/", views.my_submissions, name="mine"),
    path("campaigns/<int:campaign_id>/write/", views.write, name="write"),
    path("campaigns/<int:campaign_id>/write/check/", views.near_duplicates_check, name="check"),
    path("campaigns/<int:campaign_id>/warning/", views.content_warning_acknowledge, name="content_warning"),
    path("manage/", views.campaign_list, name="campaign_list"),
    path("manage/new/", views.campaign_create, name="campaign_create"),
    path("manage/<int:campaign_id>/", views.campaign_detail, name="campaign_detail"),
    path("manage/<int:campaign_id>/edit/", views.campaign_edit, name="campaign_edit"),
    path("manage/<int:campaign_id>/status/", views.campaign_status, name="campaign_status"),
    path("manage/<int:campaign_id>/report/", views.campaign_report, name="campaign_report"),
    path(
        "manage/<int:campaign_id>/export/<slug:layout>.jsonl", views.campaign_export, name="campaign_export"
    ),
    path("review/", views.review_index, name="review_index"),
    path("review/<int:campaign_id>/", views.review_queue, name="review_queue"),
    path("review/submissions/<int:submission_id>/", views.review, name="review"),
    # The attack workspace and its streams (served by the ASGI server: authoring/attack_urls.py).
    *attack_urls.urlpatterns,
]
