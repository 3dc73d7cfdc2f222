from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("workers/status/", views.worker_status, name="worker_status"),
    path("", include("people.login_urls")),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("prompts/", include("prompts.urls")),
    path("generation/", include("models_registry.urls")),
    path("authoring/", include("authoring.urls")),
    path("annotate/", include("annotation.urls")),
    path("campaigns/", include("annotation.admin_urls")),
    path("crowd/", include("annotation.crowd_urls")),
    path("people/", include("people.urls")),
    path("campaigns/<int:campaign_id>/quality/", include("annotation.quality.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("", include("annotation.site_urls")),
    path("", include("people.preference_urls")),
    path("api/", include("config.api_urls")),
    path("admin/", admin.site.urls),
]
