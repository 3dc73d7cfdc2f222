"""The attack workspace's addresses, part of authoring's (authoring/urls.py, under /authoring/).
Everything under stream/ is served by the ASGI server (in docker-compose, the proxy sends
/authoring/stream/ to the `stream` service)."""

from django.urls import path

from authoring import attack_views, stream_views

urlpatterns = [
    path("attack/<int:campaign_id>/", attack_views.attack_workspace, name="attack"),
    path("attack/<int:campaign_id>/start/", attack_views.attack_start, name="attack_start"),
    path(
        "attack/conversations/<int:conversation_id>/restart/",
        attack_views.attack_restart,
        name="attack_restart",
    ),
    path(
        "attack/conversations/<int:conversation_id>/submit/",
        attack_views.attack_submit,
        name="attack_submit",
    ),
    path(
        "stream/conversations/<int:conversation_id>/turns/", stream_views.turn_send, name="attack_turn_send"
    ),
    path("stream/turns/<int:turn_id>/retry/", stream_views.turn_ask_again, name="attack_turn_retry"),
]
