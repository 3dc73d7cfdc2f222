"""LDAP logins against a real slapd: the directory's groups give roles and expert domains at every
login, through the same login budget as every other way in."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client

from common.roles import Role, user_roles
from tests.people.identity_fixtures import ldap_membership_change, ldap_person_add, unique_name

pytestmark = pytest.mark.django_db

SITE = "/accounts/login/"


def log_in(client: Client, username: str, password: str):
    return client.post(SITE, {"username": username, "password": password})


def roles_and_domains(username: str) -> tuple[set[Role], set[str]]:
    user = User.objects.get(username=username)
    return user_roles(user), set(user.annotator_profile.domains.values_list("slug", flat=True))


def test_an_ldap_person_logs_in_with_the_roles_and_domains_of_their_groups(client, ldap_on):
    uid = unique_name("lara")
    ldap_person_add(ldap_on, uid, "lara-pw", groups=["vl-experts", "vl-law"])

    response = log_in(client, uid, "lara-pw")

    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert roles_and_domains(uid) == ({Role.EXPERT}, {"law"})
    assert User.objects.get(username=uid).email == f"{uid}@valuelens.test"


def test_a_group_taken_away_at_the_directory_takes_the_role_away_at_the_next_login(ldap_on):
    uid = unique_name("leo")
    ldap_person_add(ldap_on, uid, "leo-pw", groups=["vl-admins", "vl-experts", "vl-psychology"])
    log_in(Client(), uid, "leo-pw")
    assert roles_and_domains(uid) == ({Role.ADMIN, Role.EXPERT}, {"psychology"})
    assert User.objects.get(username=uid).is_staff

    ldap_membership_change(ldap_on, uid, "vl-admins", "delete")
    ldap_membership_change(ldap_on, uid, "vl-psychology", "delete")
    log_in(Client(), uid, "leo-pw")

    assert roles_and_domains(uid) == ({Role.EXPERT}, set())
    assert not User.objects.get(username=uid).is_staff


def test_a_role_no_group_maps_stays_as_an_admin_set_it(ldap_on):
    uid = unique_name("lin")
    ldap_person_add(ldap_on, uid, "lin-pw", groups=["vl-experts"])
    log_in(Client(), uid, "lin-pw")
    user = User.objects.get(username=uid)
    user.groups.add(*user.groups.model.objects.filter(name=Role.CROWDWORKER.value))

    log_in(Client(), uid, "lin-pw")

    assert roles_and_domains(uid)[0] == {Role.EXPERT, Role.CROWDWORKER}


def test_a_group_mapped_to_a_domain_valuelens_does_not_know_is_ignored_and_logged(ldap_on, caplog):
    uid = unique_name("lucy")
    ldap_person_add(ldap_on, uid, "lucy-pw", groups=["vl-experts", "vl-astrology", "vl-law"])

    with caplog.at_level(logging.WARNING, logger="people.services"):
        log_in(Client(), uid, "lucy-pw")

    assert roles_and_domains(uid) == ({Role.EXPERT}, {"law"})
    assert "'astrology', which ValueLens does not know" in caplog.text


def test_an_account_made_by_ldap_has_no_usable_local_password(ldap_on):
    uid = unique_name("lena")
    ldap_person_add(ldap_on, uid, "lena-pw", groups=[])
    log_in(Client(), uid, "lena-pw")

    assert not User.objects.get(username=uid).has_usable_password()


def test_wrong_ldap_passwords_spend_the_login_budget_of_every_way_in(ldap_on, settings, admin_user):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(seconds=90)
    uid = unique_name("lou")
    ldap_person_add(ldap_on, uid, "lou-pw", groups=["vl-experts"])
    client = Client()

    wrong = [log_in(client, uid, "not-lou-pw").status_code for _ in range(3)]

    assert wrong == [200, 200, 429]
    assert log_in(client, uid, "lou-pw").status_code == 429
    assert client.post("/api/auth/token/", {"username": uid, "password": "lou-pw"}).status_code == 429
    assert not User.objects.filter(username=uid).exists()


def test_with_local_passwords_off_ldap_passwords_still_open_every_way_in(ldap_on, local_passwords_off):
    uid = unique_name("lotte")
    ldap_person_add(ldap_on, uid, "lotte-pw", groups=["vl-admins"])

    site = log_in(Client(), uid, "lotte-pw")
    token = Client().post("/api/auth/token/", {"username": uid, "password": "lotte-pw"})

    assert site.status_code == 302
    assert token.status_code == 200
    assert "token" in token.json()
