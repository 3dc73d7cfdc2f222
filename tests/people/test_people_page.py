"""People, roles and expert domains on a page of ValueLens (admins only): list, add, change roles
and domains, deactivate; through the same services and role rules as everywhere else, and never
leaving ValueLens without an active admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from common.roles import Role, user_roles
from prompts.models import Domain
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_the_people_pages_have_their_urls():
    assert reverse("people:list") == "/people/"
    assert reverse("people:edit", args=[3]) == "/people/3/"


@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.EXPERT, Role.REVIEWER])
def test_only_admins_may_open_or_change_people(client, make_user, expert, role):
    client.force_login(make_user(role))

    assert client.get("/people/").status_code == 403
    assert client.get(f"/people/{expert.pk}/").status_code == 403
    assert client.post(f"/people/{expert.pk}/", {"roles": ["admin"]}).status_code == 403
    assert client.post(f"/people/{expert.pk}/active/", {"active": "0"}).status_code == 403
    assert user_roles(_fresh(expert)) == {Role.EXPERT}


def test_the_list_shows_each_person_with_roles_and_domains_in_the_page_language(
    admin_client, expert, crowdworker
):
    response = admin_client.get("/people/")
    zh = admin_client.get("/people/", headers={"accept-language": "zh-hans"})

    assert response.status_code == 200
    row = response.text.split('data-person="erin-expert"')[1].split("</tr>")[0]
    assert "Expert" in row
    assert Domain.objects.get(slug="law").name_en in row
    assert 'data-person="carl-crowd"' in response.text
    assert (
        Domain.objects.get(slug="law").name_zh
        in zh.text.split('data-person="erin-expert"')[1].split("</tr>")[0]
    )


def test_the_list_filters_by_role_and_username(admin_client, expert, crowdworker):
    by_role = admin_client.get("/people/", {"role": "crowdworker"})
    by_name = admin_client.get("/people/", {"q": "ERIN"})

    assert 'data-person="carl-crowd"' in by_role.text
    assert 'data-person="erin-expert"' not in by_role.text
    assert 'data-person="erin-expert"' in by_name.text
    assert 'data-person="carl-crowd"' not in by_name.text


def test_an_admin_adds_an_expert_who_can_then_log_in(admin_client, client):
    law = Domain.objects.get(slug="law")

    response = admin_client.post(
        "/people/new/",
        {"username": "li-lawyer", "password": PASSWORD, "roles": ["expert"], "domains": [law.pk]},
    )

    person = User.objects.get(username="li-lawyer")
    assert response.status_code == 302
    assert user_roles(person) == {Role.EXPERT}
    assert list(person.annotator_profile.domains.all()) == [law]
    assert not person.is_staff
    assert client.login(username="li-lawyer", password=PASSWORD)


def test_a_taken_username_or_a_weak_password_is_refused(admin_client, expert):
    taken = admin_client.post("/people/new/", {"username": "Erin-Expert", "password": PASSWORD})
    weak = admin_client.post("/people/new/", {"username": "new-person", "password": "123"})

    assert "Somebody already has this username." in taken.text
    assert "This password is too short." in weak.text
    assert not User.objects.filter(username="new-person").exists()


def test_an_admin_changes_roles_and_domains(admin_client, expert):
    psychology = Domain.objects.get(slug="psychology")

    response = admin_client.post(
        f"/people/{expert.pk}/", {"roles": ["expert", "reviewer"], "domains": [psychology.pk]}
    )

    person = _fresh(expert)
    assert response.status_code == 302
    assert user_roles(person) == {Role.EXPERT, Role.REVIEWER}
    assert list(person.annotator_profile.domains.all()) == [psychology]


def test_making_someone_admin_opens_the_django_admin_to_them_and_taking_it_closes_it(
    admin_client, crowdworker
):
    admin_client.post(f"/people/{crowdworker.pk}/", {"roles": ["admin"]})
    assert _fresh(crowdworker).is_staff

    admin_client.post(f"/people/{crowdworker.pk}/", {"roles": ["crowdworker"]})
    assert not _fresh(crowdworker).is_staff
    assert user_roles(_fresh(crowdworker)) == {Role.CROWDWORKER}


def test_an_admin_cannot_take_away_their_own_admin_role(admin_client, admin_user):
    response = admin_client.post(f"/people/{admin_user.pk}/", {"roles": ["reviewer"]})

    assert response.status_code == 400
    assert "You cannot take away your own admin role." in response.text
    assert user_roles(_fresh(admin_user)) == {Role.ADMIN}


def test_the_last_active_admin_keeps_the_role(client, admin_user, make_user):
    other = make_user(Role.ADMIN)
    client.force_login(other)
    client.post(f"/people/{other.pk}/active/", {"active": "0"})  # refused: oneself
    client.post(f"/people/{admin_user.pk}/active/", {"active": "0"})
    assert not _fresh(admin_user).is_active

    response = client.post(f"/people/{other.pk}/", {"roles": ["reviewer"]})

    assert "You cannot take away your own admin role." in response.text
    assert _fresh(other).is_active


def test_a_deactivated_person_can_no_longer_log_in_nor_use_a_token_and_can_come_back(
    admin_client, client, expert
):
    token = Token.objects.create(user=expert)

    response = admin_client.post(f"/people/{expert.pk}/active/", {"active": "0"})

    assert response.status_code == 302
    assert not _fresh(expert).is_active
    assert not client.login(username=expert.username, password=PASSWORD)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    refused = api.get("/api/campaigns/")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "User inactive or deleted."

    admin_client.post(f"/people/{expert.pk}/active/", {"active": "1"})
    assert client.login(username=expert.username, password=PASSWORD)


def test_an_admin_cannot_deactivate_themselves(admin_client, admin_user):
    response = admin_client.post(f"/people/{admin_user.pk}/active/", {"active": "0"}, follow=True)

    assert "You cannot deactivate yourself." in response.text
    assert _fresh(admin_user).is_active


def test_the_people_actions_need_a_post_with_the_csrf_token(admin_user, expert):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    assert client.get(f"/people/{expert.pk}/active/").status_code == 405
    assert client.post(f"/people/{expert.pk}/active/", {"active": "0"}).status_code == 403
    assert _fresh(expert).is_active
