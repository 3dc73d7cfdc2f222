"""LOCAL_PASSWORDS=0: a password kept by ValueLens opens no way in (site login, Django admin, API
token), and the login pages send people to the institution's button instead."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token

from config.settings import base
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_passwords_off")]


def test_the_site_login_refuses_a_local_password(client, admin_user):
    response = client.post("/accounts/login/", {"username": admin_user.username, "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_django_admin_login_refuses_a_local_password_and_sends_to_the_site_login(client, admin_user):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": admin_user.username, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert "_auth_user_id" not in client.session


def test_the_token_endpoint_refuses_a_local_password(client, admin_user):
    response = client.post("/api/auth/token/", {"username": admin_user.username, "password": PASSWORD})

    assert response.status_code == 400
    assert not Token.objects.filter(user=admin_user).exists()


def test_the_login_page_shows_the_institutions_button_and_no_password_form(oidc_on):
    page = Client().get("/accounts/login/")

    assert "Log in with Example University" in page.text
    assert 'name="password"' not in page.text


def test_production_lists_no_backend_that_takes_a_local_password():
    backends = base.authentication_backends(local_passwords=False, ldap=False)

    assert "django.contrib.auth.backends.ModelBackend" not in backends
    assert backends[0] == "axes.backends.AxesStandaloneBackend"


def test_a_person_added_on_the_people_page_gets_no_password_field_and_no_usable_password(admin_client):
    form = admin_client.get("/people/new/")
    added = admin_client.post("/people/new/", {"username": "new-sso-person", "roles": ["expert"]})

    assert 'name="password"' not in form.text
    assert added.status_code == 302
    assert not User.objects.get(username="new-sso-person").has_usable_password()
