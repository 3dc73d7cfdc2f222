"""The REST API (token or session authentication) and its OpenAPI schema.

A docs page needs Swagger UI served from our own static files (not its CDN): it comes with the
full API (issue #7)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from evaluation import api as evaluation_api

app_name = "api"
urlpatterns = [
    path("results/", evaluation_api.ResultsApi.as_view(), name="results"),
    path("agreement/", evaluation_api.AgreementApi.as_view(), name="agreement"),
    path(
        "campaigns/<int:campaign_id>/results/", evaluation_api.ResultsApi.as_view(), name="campaign_results"
    ),
    path(
        "campaigns/<int:campaign_id>/agreement/",
        evaluation_api.AgreementApi.as_view(),
        name="campaign_agreement",
    ),
    path(
        "multichoice/<int:run_id>/",
        evaluation_api.MultiChoiceRunMetricsApi.as_view(),
        name="multichoice_run",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
