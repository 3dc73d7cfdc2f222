"""Static files, which WhiteNoise answers before the rest of the middleware runs, carry the headers
every page carries: the site's Content-Security-Policy, X-Frame-Options and the rest."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

OAUTH2_REDIRECT = "/static/drf_spectacular_sidecar/swagger-ui-dist/oauth2-redirect.html"


@pytest.fixture(autouse=True)
def _whitenoise_serves_from_the_apps(settings) -> None:
    # The suite has no collectstatic: WhiteNoise finds the files as it does under DEBUG.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


def test_swagger_uis_static_oauth2_redirect_page_carries_the_sites_headers(client, settings):
    page = client.get("/accounts/login/")
    static = client.get(OAUTH2_REDIRECT)

    assert static.status_code == 200
    assert static["Content-Type"].startswith("text/html")
    assert static["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    for header in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
    ):
        assert static[header] == page[header], header


def test_a_static_file_follows_the_policy_setting_the_middleware_reads(client, settings):
    settings.CONTENT_SECURITY_POLICY = "default-src 'none'"

    assert client.get(OAUTH2_REDIRECT)["Content-Security-Policy"] == "default-src 'none'"
    assert client.get("/accounts/login/")["Content-Security-Policy"] == "default-src 'none'"


def test_scripts_and_styles_carry_them_too(client):
    for path in (
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["X-Frame-Options"] == "DENY", path
        assert "Content-Security-Policy" in response, path
