"""The REST API (token or session authentication), its OpenAPI schema and its docs pages.

Swagger UI and Redoc are served from our own static files (drf-spectacular-sidecar), never a CDN.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from annotation import api as annotation_api
from config.throttles import ThrottledObtainAuthToken
from evaluation.exports.api import ExportApi
from evaluation.figures.api import AgreementApi, ResultsApi
from evaluation.multichoice.api import MultiChoiceRunMetricsApi
from models_registry import api as models_api
from prompts import api as prompts_api

router = DefaultRouter()
router.register("prompt-sets", prompts_api.PromptSetApi, basename="prompt_set")
router.register("prompts", prompts_api.PromptApi, basename="prompt")
router.register("import-jobs", prompts_api.ImportJobApi, basename="import_job")
router.register("models", models_api.RegisteredModelApi, basename="model")
router.register("runs", models_api.GenerationRunApi, basename="run")
router.register("campaigns", annotation_api.CampaignApi, basename="campaign")
router.register("items", annotation_api.ItemApi, basename="item")
router.register("judgements", annotation_api.JudgementApi, basename="judgement")
router.register("exports", ExportApi, basename="export")

app_name = "api"
urlpatterns = [
    path("results/", ResultsApi.as_view(), name="results"),
    path("agreement/", AgreementApi.as_view(), name="agreement"),
    path("campaigns/<int:campaign_id>/results/", ResultsApi.as_view(), name="campaign_results"),
    path(
        "campaigns/<int:campaign_id>/agreement/",
        AgreementApi.as_view(),
        name="campaign_agreement",
    ),
    path(
        "multichoice/<int:run_id>/",
        MultiChoiceRunMetricsApi.as_view(),
        name="multichoice_run",
    ),
    path("auth/token/", ThrottledObtainAuthToken.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include(router.urls)),
]
