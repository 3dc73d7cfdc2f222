"""annotation's REST API routes (config/api_urls.py includes them under the `api` namespace)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from annotation import api
from annotation.quality import api as quality_api

router = SimpleRouter()
router.register("campaigns", api.CampaignApi, basename="campaign")
router.register("items", api.ItemApi, basename="item")
router.register("judgements", api.JudgementApi, basename="judgement")

urlpatterns = [
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
    *router.urls,
]
