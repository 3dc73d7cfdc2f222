"""The OpenAPI schema and its docs page are for people who are logged in."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_and_the_docs_are_for_logged_in_people_only(client, admin_user):
    for path in ("/api/schema/", "/api/docs/"):
        assert client.get(path).status_code in (401, 403), path

    client.force_login(admin_user)
    for path in ("/api/schema/", "/api/docs/"):
        assert client.get(path).status_code == 200, path
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.text


def test_there_is_no_redoc_page_whose_bundle_fetches_its_vendors_logo_from_a_cdn(client, admin_user):
    client.force_login(admin_user)

    assert client.get("/api/redoc/").status_code == 404
    assert "redoc" not in client.get("/api/docs/").text.lower()
