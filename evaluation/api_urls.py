"""evaluation's REST API routes (config/api_urls.py includes them under the `api` namespace)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from evaluation.budget.api import LabelBudgetApi
from evaluation.compare.api import PairedApi
from evaluation.design.api import StudyDesignApi
from evaluation.exports.api import ExportApi
from evaluation.figures.api import AgreementApi, ResultsApi
from evaluation.judges.api import JudgeRunApi, JudgesApi
from evaluation.multichoice.api import MultiChoiceRunMetricsApi
from evaluation.rankings.api import RankingsApi

router = SimpleRouter()
router.register("exports", ExportApi, basename="export")
router.register("judge-runs", JudgeRunApi, basename="judge_run")

urlpatterns = [
    path("results/", ResultsApi.as_view(), name="results"),
    path("agreement/", AgreementApi.as_view(), name="agreement"),
    path("campaigns/<int:campaign_id>/results/", ResultsApi.as_view(), name="campaign_results"),
    path("campaigns/<int:campaign_id>/agreement/", AgreementApi.as_view(), name="campaign_agreement"),
    path("judges/", JudgesApi.as_view(), name="judges"),
    path("campaigns/<int:campaign_id>/judges/", JudgesApi.as_view(), name="campaign_judges"),
    path("multichoice/<int:run_id>/", MultiChoiceRunMetricsApi.as_view(), name="multichoice_run"),
    path("compare/", PairedApi.as_view(), name="compare"),
    path("rankings/", RankingsApi.as_view(), name="rankings"),
    path("study-design/", StudyDesignApi.as_view(), name="study_design"),
    path("label-budget/", LabelBudgetApi.as_view(), name="label_budget"),
    *router.urls,
]
