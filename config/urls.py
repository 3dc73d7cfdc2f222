from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import views
from people import sso
from people import views as people_views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("workers/status/", views.worker_status, name="worker_status"),
    path("accounts/login/", people_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Single sign-on (people/sso.py): off to the provider's login page, and back with a code.
    path("oidc/authenticate/", sso.OIDCLoginStartView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", sso.OIDCCallbackView.as_view(), name="oidc_authentication_callback"),
    path("prompts/", include("prompts.urls")),
    path("generation/", include("models_registry.urls")),
    path("authoring/", include("authoring.urls")),
    path("annotate/", include("annotation.urls")),
    path("campaigns/", include("annotation.admin_urls")),
    path("crowd/", include("annotation.crowd_urls")),
    path("people/", include("people.urls")),
    path("campaigns/<int:campaign_id>/quality/", include("annotation.quality.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("", include("annotation.site_urls")),
    path("", include("people.preference_urls")),
    path("api/", include("config.api_urls")),
    path("admin/login/", people_views.admin_login),
    path("admin/", admin.site.urls),
]
