"""The REST API (token or session authentication), its OpenAPI schema and its docs pages.

Swagger UI is served from our own static files (drf-spectacular-sidecar), never a CDN. Redoc is not
offered: its bundle always loads its vendor's logo from their CDN, which the site's policy blocks.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from annotation import api as annotation_api
from annotation.quality import api as quality_api
from config.throttles import ObtainAuthTokenView
from evaluation.exports.api import ExportApi
from evaluation.figures.api import AgreementApi, ResultsApi
from evaluation.judges.api import JudgeRunApi, JudgesApi
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
router.register("judge-runs", JudgeRunApi, basename="judge_run")

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
    path("judges/", JudgesApi.as_view(), name="judges"),
    path("campaigns/<int:campaign_id>/judges/", JudgesApi.as_view(), name="campaign_judges"),
    path(
        "multichoice/<int:run_id>/",
        MultiChoiceRunMetricsApi.as_view(),
        name="multichoice_run",
    ),
    path(
        "campaigns/<int:campaign_id>/quality/settings/",
        quality_api.QualitySettingsApi.as_view(),
        name="quality_settings",
    ),
    path(
        "campaigns/<int:campaign_id>/quality/judges/",
        quality_api.JudgeQualityApi.as_view(),
        name="quality_judges",
    ),
    path(
        "campaigns/<int:campaign_id>/quality/judges/<int:user_id>/<str:action>/",
        quality_api.JudgeActionApi.as_view(),
        name="quality_judge_action",
    ),
    path(
        "campaigns/<int:campaign_id>/quality/check-items/",
        quality_api.CheckItemApi.as_view(),
        name="check_items",
    ),
    path(
        "campaigns/<int:campaign_id>/quality/check-items/import/",
        quality_api.CheckItemImportApi.as_view(),
        name="check_items_import",
    ),
    path(
        "campaigns/<int:campaign_id>/quality/gold/promote/",
        quality_api.GoldPromoteApi.as_view(),
        name="gold_promote",
    ),
    path(
        "campaigns/<int:campaign_id>/quality/competence/",
        quality_api.CompetenceRefreshApi.as_view(),
        name="competence_refresh",
    ),
    path(
        "campaigns/<int:campaign_id>/quality/adjudication/",
        quality_api.AdjudicationQueueApi.as_view(),
        name="adjudication_queue",
    ),
    path(
        "campaigns/<int:campaign_id>/quality/adjudication/<int:item_id>/",
        quality_api.AdjudicationApi.as_view(),
        name="adjudication",
    ),
    path(
        "campaigns/<int:campaign_id>/quality/finals/",
        quality_api.FinalValuesApi.as_view(),
        name="final_values",
    ),
    path("auth/token/", ObtainAuthTokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
