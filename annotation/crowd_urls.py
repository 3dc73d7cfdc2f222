from django.urls import path

from annotation import crowd_views

app_name = "crowd"
urlpatterns = [
    path("enter/<str:token>/", crowd_views.crowd_enter, name="enter"),
    path("done/<int:campaign_id>/", crowd_views.crowd_done, name="done"),
    path(
        "done/authoring/<int:authoring_campaign_id>/",
        crowd_views.crowd_authoring_done,
        name="authoring_done",
    ),
]
