from django.urls import path

from annotation import admin_views

app_name = "campaigns"
urlpatterns = [
    path("", admin_views.campaign_list, name="list"),
    path("new/", admin_views.campaign_create, name="create"),
    path("new/preview/", admin_views.campaign_preview, name="preview"),
    path("<int:campaign_id>/", admin_views.campaign_detail, name="detail"),
    path("<int:campaign_id>/status/", admin_views.campaign_status, name="status"),
    path("<int:campaign_id>/protocol.json", admin_views.campaign_protocol_download, name="protocol"),
    path(
        "<int:campaign_id>/protocol-items.jsonl",
        admin_views.campaign_protocol_items_download,
        name="protocol_items",
    ),
    path("<int:campaign_id>/crowd-links/", admin_views.crowd_link_create, name="crowd_link_create"),
    path("<int:campaign_id>/crowd-report.csv", admin_views.crowd_report, name="crowd_report"),
    path(
        "authoring/<int:authoring_campaign_id>/crowd-links/",
        admin_views.authoring_crowd_links,
        name="authoring_crowd_links",
    ),
    path(
        "authoring/<int:authoring_campaign_id>/crowd-report.csv",
        admin_views.authoring_crowd_report,
        name="authoring_crowd_report",
    ),
]
