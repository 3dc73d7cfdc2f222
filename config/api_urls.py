"""The REST API (token or session authentication), its OpenAPI schema and its docs pages.

Swagger UI is served from our own static files (drf-spectacular-sidecar), never a CDN. Redoc is not
offered: its bundle always loads its vendor's logo from their CDN, which the site's policy blocks.
"""

from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from common.throttles import ObtainAuthTokenView

# Each app owns its routes; config only includes them (tests/config/test_architecture.py).
app_name = "api"
urlpatterns = [
    path("", include("prompts.api_urls")),
    path("", include("models_registry.api_urls")),
    path("authoring/", include("authoring.api_urls")),
    path("", include("annotation.api_urls")),
    path("", include("evaluation.api_urls")),
    path("webhooks/", include("webhooks.api_urls")),
    path("auth/token/", ObtainAuthTokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", RedirectView.as_view(pattern_name="api:docs"), name="root"),
]
