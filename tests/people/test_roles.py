from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from common.roles import Role, user_is_admin, user_roles

pytestmark = pytest.mark.django_db


def test_migrations_create_one_group_per_role():
    assert set(Group.objects.values_list("name", flat=True)) >= {"crowdworker", "expert", "reviewer", "admin"}


def test_the_admin_group_may_change_benchmark_content_and_people():
    perms = set(Group.objects.get(name="admin").permissions.values_list("codename", flat=True))

    assert {"add_prompt", "change_domain", "change_scenario", "add_user", "change_annotatorprofile"} <= perms


def test_reviewers_may_only_view():
    perms = set(Group.objects.get(name="reviewer").permissions.values_list("codename", flat=True))

    assert "view_prompt" in perms
    assert not any(p.startswith(("add_", "change_", "delete_")) for p in perms)


def test_crowdworkers_and_experts_hold_no_model_permissions():
    assert not Group.objects.get(name="crowdworker").permissions.exists()
    assert not Group.objects.get(name="expert").permissions.exists()


def test_an_expert_is_qualified_for_the_domains_given(expert):
    assert set(expert.annotator_profile.domains.values_list("slug", flat=True)) == {"law", "psychology"}
    assert user_roles(expert) == {Role.EXPERT}


def test_every_person_gets_a_distinct_pseudonym(crowdworker, expert):
    a, b = crowdworker.annotator_profile.pseudonym, expert.annotator_profile.pseudonym

    assert a != b
    assert crowdworker.username not in a


def test_admins_are_staff_and_others_are_not(admin_user, crowdworker):
    assert admin_user.is_staff
    assert user_is_admin(admin_user)
    assert not crowdworker.is_staff
    assert not user_is_admin(crowdworker)


def test_a_crowdworker_cannot_open_the_django_admin(client, crowdworker):
    client.force_login(crowdworker)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_an_admin_can_edit_domains_and_scenarios_in_the_django_admin(client, admin_user):
    client.force_login(admin_user)

    assert client.get("/admin/prompts/domain/").status_code == 200
    assert client.get("/admin/prompts/scenario/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 200


def test_the_seeded_domains_and_scenarios_are_the_cvalues_ones():
    from prompts.models import Domain, Scenario

    assert Domain.objects.count() == 8
    assert Domain.objects.get(slug="barrier_free").name_zh == "无障碍"
    assert Scenario.objects.count() == 10


def test_a_role_taken_away_is_gone_at_the_next_request(client, crowdworker, make_campaign):
    campaign = make_campaign(("p", "r"))
    client.force_login(crowdworker)
    assert client.get(f"/annotate/{campaign.pk}/").status_code == 200

    crowdworker.groups.clear()

    assert client.get(f"/annotate/{campaign.pk}/").status_code == 403
