"""OpenID Connect logins against a real provider (django-oidc-provider in its own process): the
provider's `groups` claim gives roles and expert domains at every login; the person is known by
the provider's subject, and gets no usable local password."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client

from common.roles import Role, user_roles
from people.models import SingleSignOnAccount
from tests.people.identity_fixtures import oidc_log_in, unique_name

pytestmark = pytest.mark.django_db


def person(username: str) -> User:
    return SingleSignOnAccount.objects.select_related("user").get(user__username__startswith=username).user


def test_a_person_signs_in_through_the_provider_with_the_mapped_role_and_domains(client, oidc_on):
    name = unique_name("olga")
    oidc_on.person_set(
        name, "olga-pw", groups=["vl-experts", "vl-law", "unrelated"], email=f"{name}@uni.test"
    )

    landed = oidc_log_in(client, oidc_on, name, "olga-pw")

    assert landed.status_code == 302
    assert landed["Location"] == "/"
    user = person(name)
    assert int(client.session["_auth_user_id"]) == user.pk
    assert user_roles(user) == {Role.EXPERT}
    assert set(user.annotator_profile.domains.values_list("slug", flat=True)) == {"law"}
    assert (user.username, user.email) == (name, f"{name}@uni.test")
    assert client.get("/").status_code == 200


def test_a_claim_taken_away_at_the_provider_takes_the_role_away_at_the_next_login(oidc_on):
    name = unique_name("oskar")
    oidc_on.person_set(name, "oskar-pw", groups=["vl-reviewers", "vl-experts", "vl-psychology"])
    oidc_log_in(Client(), oidc_on, name, "oskar-pw")
    assert user_roles(person(name)) == {Role.REVIEWER, Role.EXPERT}

    oidc_on.person_set(name, "oskar-pw", groups=["vl-experts"])
    oidc_log_in(Client(), oidc_on, name, "oskar-pw")

    user = person(name)
    assert user_roles(user) == {Role.EXPERT}
    assert not user.annotator_profile.domains.exists()
    assert SingleSignOnAccount.objects.filter(user=user).count() == 1


def test_an_account_made_by_single_sign_on_has_no_usable_local_password(oidc_on):
    name = unique_name("otto")
    oidc_on.person_set(name, "otto-pw", groups=[])
    oidc_log_in(Client(), oidc_on, name, "otto-pw")

    assert not person(name).has_usable_password()
    assert Client().post("/accounts/login/", {"username": name, "password": "otto-pw"}).status_code == 200


def test_a_provider_account_named_like_a_local_one_does_not_take_it_over(oidc_on, admin_user):
    oidc_on.person_set(admin_user.username, "impostor-pw", groups=[])
    client = Client()

    oidc_log_in(client, oidc_on, admin_user.username, "impostor-pw")

    signed_in = User.objects.get(pk=client.session["_auth_user_id"])
    assert signed_in.pk != admin_user.pk
    assert signed_in.username == f"{admin_user.username}-2"
    assert user_roles(signed_in) == set()


def test_an_address_whose_budget_is_spent_is_refused_single_sign_on_too(oidc_on, settings, admin_user):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(seconds=90)
    name = unique_name("ona")
    oidc_on.person_set(name, "ona-pw", groups=["vl-admins"])
    client = Client()
    for _ in range(3):
        client.post("/accounts/login/", {"username": admin_user.username, "password": "wrong"})

    refused = oidc_log_in(client, oidc_on, name, "ona-pw")

    assert refused.status_code == 429
    assert refused["Retry-After"] == "90"
    assert "_auth_user_id" not in client.session
    assert not SingleSignOnAccount.objects.exists()


def test_the_login_page_offers_the_institutions_button_in_both_languages(oidc_on):
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/accounts/login/?next=/people/")
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/accounts/login/?next=/people/")

    assert "Log in with Example University" in english.text
    assert "使用示例大学登录" in chinese.text
    assert 'href="/oidc/authenticate/?next=/people/"' in english.text


def test_while_single_sign_on_is_off_its_routes_answer_404_and_the_page_has_no_button(client):
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404
    assert "/oidc/authenticate/" not in client.get("/accounts/login/").text


def test_django_admins_login_sends_people_to_the_page_with_the_button(client, oidc_on):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_a_login_the_provider_refuses_comes_back_to_the_login_page_saying_so(client, oidc_on):
    back = client.get("/oidc/callback/", {"error": "access_denied", "state": "unknown"})

    assert back.status_code == 302
    assert "Single sign-on did not succeed" in client.get(back["Location"]).text
