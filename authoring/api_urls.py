"""authoring's REST API routes, under /api/authoring/ (config/api_urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from authoring import api

router = SimpleRouter()
router.register("campaigns", api.AuthoringCampaignApi, basename="authoring_campaign")
router.register("submissions", api.SubmissionApi, basename="authoring_submission")

urlpatterns = [
    path(
        "conversations/<int:conversation_id>/submit/",
        api.AttackSubmitApi.as_view(),
        name="authoring_attack_submit",
    ),
    *router.urls,
]
