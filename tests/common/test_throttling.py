"""Wrong passwords share one budget per client address on every way in (django-axes, in the shared
cache); API requests are throttled per user (DRF throttles)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.throttling import UserRateThrottle

from config.settings import base
from tests.config.api_support import api_as
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SITE, TOKEN, ADMIN = "/accounts/login/", "/api/auth/token/", "/admin/login/"
WAYS_IN = [SITE, TOKEN, ADMIN]


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def budget(settings):
    """Three wrong passwords per address, then 90 seconds' rest."""
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(seconds=90)


def attempt(client: Client, way_in: str, username: str, password: str):
    return client.post(way_in, {"username": username, "password": password})


def signed_in(client: Client, way_in: str, response) -> bool:
    if way_in == TOKEN:
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.usefixtures("budget")
def test_the_login_page_refuses_an_address_whose_budget_is_spent(client, admin_user):
    attempts = [attempt(client, SITE, admin_user.username, "wrong") for _ in range(3)]

    assert [a.status_code for a in attempts] == [200, 200, 429]
    assert attempts[-1]["Retry-After"] == "90"
    assert "Try again in 90 seconds" in attempts[-1].text


def test_the_login_page_itself_is_not_counted(client, settings):
    settings.AXES_FAILURE_LIMIT = 1

    assert [client.get(SITE).status_code for _ in range(3)] == [200, 200, 200]
    assert client.post(SITE, {"username": "nobody", "password": "wrong"}).status_code == 429


@pytest.mark.usefixtures("budget")
def test_wrong_passwords_on_django_admin_are_counted_like_the_others(client, admin_user):
    attempts = [attempt(client, ADMIN, admin_user.username, "wrong") for _ in range(3)]

    assert [a.status_code for a in attempts] == [200, 200, 429]
    assert attempts[-1]["Retry-After"] == "90"


@pytest.mark.usefixtures("budget")
@pytest.mark.parametrize("way_in", WAYS_IN)
def test_once_django_admin_spent_the_budget_the_right_password_is_refused_on_every_way_in(
    client, admin_user, way_in
):
    for _ in range(3):
        attempt(client, ADMIN, admin_user.username, "wrong")

    refused = attempt(client, way_in, admin_user.username, PASSWORD)

    assert refused.status_code == 429
    assert refused["Retry-After"] == "90"
    assert not signed_in(client, way_in, refused)
    assert not Token.objects.filter(user=admin_user).exists()


@pytest.mark.usefixtures("budget")
@pytest.mark.parametrize("way_in", WAYS_IN)
def test_failures_spread_over_the_three_ways_in_add_up_to_one_budget(client, admin_user, way_in):
    spread = [attempt(client, spent_on, admin_user.username, "wrong") for spent_on in WAYS_IN]

    assert [a.status_code for a in spread] == [200, 400, 429]
    assert attempt(client, way_in, admin_user.username, PASSWORD).status_code == 429


@pytest.mark.usefixtures("budget")
@pytest.mark.parametrize("way_in", WAYS_IN)
def test_another_address_keeps_its_own_budget(client, admin_user, way_in):
    for spent_on in WAYS_IN:
        attempt(client, spent_on, admin_user.username, "wrong")
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")

    assert attempt(client, way_in, admin_user.username, PASSWORD).status_code == 429
    assert signed_in(elsewhere, way_in, attempt(elsewhere, way_in, admin_user.username, PASSWORD))


@pytest.mark.usefixtures("budget")
def test_behind_a_proxy_the_budget_is_per_forwarded_address_as_for_the_api_throttles(settings, admin_user):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.0.0.1"
    attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")
    colleague = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.6")
    # A client may send its own X-Forwarded-For: the proxy appends the address it saw, the one counted.
    spoofer = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.99, 203.0.113.5")
    for _ in range(3):
        attempt(attacker, SITE, admin_user.username, "wrong")

    assert attempt(spoofer, ADMIN, admin_user.username, PASSWORD).status_code == 429
    assert signed_in(colleague, ADMIN, attempt(colleague, ADMIN, admin_user.username, PASSWORD))


@pytest.mark.usefixtures("budget")
def test_the_refusal_is_in_the_readers_language(admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(2):
        attempt(client, ADMIN, admin_user.username, "wrong")

    page = attempt(client, SITE, admin_user.username, "wrong")
    api = attempt(client, TOKEN, admin_user.username, PASSWORD)

    assert page.status_code == api.status_code == 429
    assert "请在 90 秒后重试" in page.text
    assert "请在 90 秒后重试" in api.json()["detail"]


def test_production_puts_the_login_budget_before_every_backend_and_its_middleware_last():
    assert base.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert base.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert base.AXES_LOCKOUT_PARAMETERS == ["ip_address"]


def test_an_api_client_is_throttled_per_user(monkeypatch, admin_user):
    monkeypatch.setattr(UserRateThrottle, "rate", "2/min", raising=False)
    client = api_as(admin_user)

    assert [client.get("/api/models/").status_code for _ in range(3)] == [200, 200, 429]
