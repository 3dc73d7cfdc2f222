from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_home_page_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_person_logs_in_with_the_login_form_and_lands_home(client, crowdworker):
    response = client.post(
        reverse("login"), {"username": crowdworker.username, "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Judges model responses as safe or unsafe" in response.text


def test_a_wrong_password_is_refused_on_the_login_page(client, crowdworker):
    response = client.post(reverse("login"), {"username": crowdworker.username, "password": "nope"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logging_out_ends_the_session(client, crowdworker):
    client.force_login(crowdworker)

    client.post(reverse("logout"))

    assert client.get("/").status_code == 302


def test_the_home_page_shows_an_expert_their_domains(client, expert):
    client.force_login(expert)

    page = client.get("/").text

    assert "Rates responses 1–10" in page
    assert "Law (jurisprudence)" in page
    assert "Prompt sets" not in page


def test_the_home_page_shows_admins_their_tools(client, admin_user):
    client.force_login(admin_user)

    page = client.get("/").text

    assert reverse("prompts:import") in page
    assert reverse("admin:index") in page


def test_a_person_without_a_role_is_told_to_ask_for_one(client, make_user):
    client.force_login(make_user())

    assert "You have no role yet" in client.get("/").text


def test_pages_load_htmx_from_our_own_static_files(client, crowdworker):
    client.force_login(crowdworker)

    page = client.get("/").text

    assert '<script src="/static/django_htmx/htmx' in page
    assert "unpkg" not in page
    assert "cdn" not in page.lower()


def test_the_vendored_htmx_file_is_served(client):
    from django.contrib.staticfiles import finders

    path = finders.find("django_htmx/htmx-2.min.js")

    assert path is not None
    with open(path, encoding="utf-8") as f:
        assert "htmx" in f.read(2000)


def test_the_health_endpoint_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_the_health_endpoint_answers_503_when_the_database_is_down(client):
    with mock.patch("config.views.connection.cursor", side_effect=OSError("down")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "error"
