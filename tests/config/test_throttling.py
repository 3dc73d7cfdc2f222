"""Password attempts and API requests are throttled (DRF throttles, in the shared cache)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.throttling import UserRateThrottle

from config.throttles import LoginRateThrottle
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def test_the_login_page_refuses_a_fourth_attempt_a_minute_from_one_address(client, monkeypatch, admin_user):
    monkeypatch.setattr(LoginRateThrottle, "rate", "3/min", raising=False)
    attempts = [
        client.post("/accounts/login/", {"username": admin_user.username, "password": "wrong"})
        for _ in range(4)
    ]

    assert [a.status_code for a in attempts] == [200, 200, 200, 429]
    assert int(attempts[-1]["Retry-After"]) > 0


def test_the_login_page_itself_is_not_counted(client, monkeypatch):
    monkeypatch.setattr(LoginRateThrottle, "rate", "1/min", raising=False)

    assert [client.get("/accounts/login/").status_code for _ in range(3)] == [200, 200, 200]


def test_the_token_endpoint_shares_the_login_throttle(client, monkeypatch, admin_user):
    monkeypatch.setattr(LoginRateThrottle, "rate", "2/min", raising=False)
    client.post("/accounts/login/", {"username": admin_user.username, "password": "wrong"})
    client.post("/api/auth/token/", {"username": admin_user.username, "password": "wrong"})

    refused = client.post("/api/auth/token/", {"username": admin_user.username, "password": "wrong"})

    assert refused.status_code == 429


def test_an_api_client_is_throttled_per_user(monkeypatch, admin_user):
    monkeypatch.setattr(UserRateThrottle, "rate", "2/min", raising=False)
    client = api_as(admin_user)

    assert [client.get("/api/models/").status_code for _ in range(3)] == [200, 200, 429]
