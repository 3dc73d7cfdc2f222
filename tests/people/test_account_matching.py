"""How a login finds its account when OpenID Connect and LDAP are both on (docs/sso.md, "How
accounts are matched"), against the real provider and the real slapd: a directory entry is bound to
its account by its entryUUID, and neither way in opens an account the other one is bound to by a
username alone."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client

from common.roles import Role, user_roles
from people.models import SingleSignOnAccount
from tests.people.identity_fixtures import ldap_person_add, oidc_log_in, unique_name
from tests.support.identity_providers import LDAP_SUFFIX

pytestmark = pytest.mark.django_db

SITE = "/accounts/login/"
REFUSED = "signs in another way, so your directory login cannot open it"


def ldap_log_in(client: Client, username: str, password: str):
    return client.post(SITE, {"username": username, "password": password})


def signed_in(client: Client) -> User:
    return User.objects.get(pk=client.session["_auth_user_id"])


def oidc_squatter(oidc_on, name: str) -> Client:
    """Someone who took the name `name` at the provider and signed in with it first."""
    oidc_on.person_set(name, "squatter-pw", groups=[])
    squatter = Client()
    oidc_log_in(squatter, oidc_on, name, "squatter-pw")
    assert signed_in(squatter).username == name
    return squatter


def person_added_on_the_people_page(admin_client: Client, name: str, role: Role) -> str:
    """An admin adds `name` ahead of time; returns the form's page as the admin read it."""
    form = admin_client.get("/people/new/").content.decode()
    created = admin_client.post(
        "/people/new/", {"username": name, "password": "a-long-Enough-pw-91", "roles": [role.value]}
    )
    assert created.status_code == 302
    return form


def test_an_ldap_login_does_not_open_the_account_single_sign_on_made_of_the_same_name(oidc_on, ldap_on):
    name = unique_name("alice")
    squatter = oidc_squatter(oidc_on, name)
    ldap_person_add(ldap_on, name, "alice-pw", groups=["vl-admins"])

    refused = ldap_log_in(Client(), name.upper(), "alice-pw")

    assert refused.status_code == 200
    assert REFUSED in refused.content.decode()
    assert user_roles(signed_in(squatter)) == set()
    assert squatter.get("/people/").status_code == 403
    assert not SingleSignOnAccount.objects.filter(issuer=ldap_on.uri).filter(user__username=name).exists()


def test_a_refused_directory_login_says_why_in_the_page_language(oidc_on, ldap_on):
    name = unique_name("aiko")
    oidc_squatter(oidc_on, name)
    ldap_person_add(ldap_on, name, "aiko-pw", groups=[])

    refused = ldap_log_in(Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), name, "aiko-pw")

    assert f"ValueLens 中已有一个名为 {name} 的账号，它通过其他方式登录" in refused.content.decode()


def test_a_refused_directory_login_is_logged(oidc_on, ldap_on, caplog):
    name = unique_name("alma")
    oidc_squatter(oidc_on, name)
    ldap_person_add(ldap_on, name, "alma-pw", groups=[])

    with caplog.at_level(logging.WARNING, logger="people.ldap"):
        ldap_log_in(Client(), name, "alma-pw")

    assert f"LDAP login of '{name}'" in caplog.text
    assert "bound to another identity" in caplog.text


def test_a_refused_directory_login_spends_the_login_budget(oidc_on, ldap_on, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(seconds=90)
    name = unique_name("anouk")
    oidc_squatter(oidc_on, name)
    ldap_person_add(ldap_on, name, "anouk-pw", groups=[])
    client = Client()

    tries = [ldap_log_in(client, name, "anouk-pw").status_code for _ in range(3)]

    assert tries == [200, 200, 429]


def test_an_ldap_person_signs_in_again_to_the_account_bound_to_their_entry(ldap_on):
    name = unique_name("lars")
    ldap_person_add(ldap_on, name, "lars-pw", groups=["vl-experts"])
    first, again = Client(), Client()

    ldap_log_in(first, name, "lars-pw")
    ldap_log_in(again, name, "lars-pw")

    user = signed_in(again)
    assert user.pk == signed_in(first).pk
    assert user_roles(user) == {Role.EXPERT}
    binding = SingleSignOnAccount.objects.get(user=user)
    assert (binding.issuer, binding.subject) == (
        ldap_on.uri,
        ldap_on.entry_uuid(f"uid={name},ou=people,{LDAP_SUFFIX}"),
    )


def test_a_new_directory_entry_of_a_reused_username_does_not_open_the_old_entrys_account(ldap_on):
    name = unique_name("lotta")
    ldap_person_add(ldap_on, name, "old-pw", groups=["vl-reviewers"])
    old = Client()
    ldap_log_in(old, name, "old-pw")
    ldap_on.delete(f"uid={name},ou=people,{LDAP_SUFFIX}")
    ldap_person_add(ldap_on, name, "new-pw", groups=[])

    refused = ldap_log_in(Client(), name, "new-pw")

    assert REFUSED in refused.content.decode()
    assert user_roles(signed_in(old)) == {Role.REVIEWER}


def test_a_single_sign_on_login_does_not_open_the_account_a_directory_entry_made(oidc_on, ldap_on):
    name = unique_name("leon")
    ldap_person_add(ldap_on, name, "leon-pw", groups=["vl-admins"])
    directory = Client()
    ldap_log_in(directory, name, "leon-pw")
    oidc_on.person_set(name, "impostor-pw", groups=[])
    impostor = Client()

    oidc_log_in(impostor, oidc_on, name, "impostor-pw")

    assert signed_in(impostor).username == f"{name}-2"
    assert user_roles(signed_in(impostor)) == set()
    assert user_roles(signed_in(directory)) == {Role.ADMIN}


def test_a_person_an_admin_added_signs_in_to_that_account_through_ldap_as_the_form_says(
    admin_client, ldap_on
):
    name = unique_name("lise")
    form = person_added_on_the_people_page(admin_client, name, Role.CROWDWORKER)
    ldap_person_add(ldap_on, name, "lise-pw", groups=[])
    client = Client()

    ldap_log_in(client, name, "lise-pw")

    assert "signs in to this account with their directory password" in form
    assert signed_in(client) == User.objects.get(username=name)
    # No group maps crowdworker (tests/people/identity_fixtures.py): the admin's choice stays.
    assert user_roles(signed_in(client)) == {Role.CROWDWORKER}


def test_a_person_an_admin_added_gets_an_account_of_their_own_through_single_sign_on_as_the_form_says(
    admin_client, oidc_on
):
    name = unique_name("sofia")
    form = person_added_on_the_people_page(admin_client, name, Role.REVIEWER)
    oidc_on.person_set(name, "sofia-pw", groups=[])
    client = Client()

    oidc_log_in(client, oidc_on, name, "sofia-pw")

    assert "Single sign-on does not use this account" in form
    assert signed_in(client).username == f"{name}-2"
    assert user_roles(signed_in(client)) == set()
    assert user_roles(User.objects.get(username=name)) == {Role.REVIEWER}
