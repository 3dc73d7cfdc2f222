"""Judging through the API: the same service as the Judge page, one's own judgements only."""

from __future__ import annotations

import pytest

from annotation.models import Campaign, Judgement
from common.roles import Role
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def safety(make_campaign):
    return make_campaign(("p1", "r1"), ("p2", "r2"), n=2)


@pytest.fixture
def law(make_campaign):
    return make_campaign(("q1", "a1"), kind=Campaign.Kind.RESPONSIBILITY, n=2, domain="law")


def test_a_crowdworker_leases_the_next_item_and_judges_it(safety, make_user):
    user = make_user(Role.CROWDWORKER)
    client = api_as(user)

    item = client.post(f"/api/campaigns/{safety.pk}/next/").json()
    response = client.post(
        "/api/judgements/",
        {"item": item["id"], "safe": False, "response_type": "risky", "reason": "harm"},
        format="json",
    )

    assert response.status_code == 201
    stored = Judgement.objects.get()
    assert (stored.user, stored.safe, stored.response_type) == (user, False, "risky")
    assert response.json()["judge"] == user.annotator_profile.pseudonym


def test_the_next_item_is_204_when_none_is_left(safety, make_user):
    client = api_as(make_user(Role.CROWDWORKER))
    for _ in range(2):
        item = client.post(f"/api/campaigns/{safety.pk}/next/").json()
        client.post("/api/judgements/", {"item": item["id"], "safe": True}, format="json")

    assert client.post(f"/api/campaigns/{safety.pk}/next/").status_code == 204


def test_a_repeated_submit_stores_one_judgement_and_answers_200(safety, make_user):
    client = api_as(make_user(Role.CROWDWORKER))
    item = client.post(f"/api/campaigns/{safety.pk}/next/").json()

    first = client.post("/api/judgements/", {"item": item["id"], "safe": True}, format="json")
    again = client.post("/api/judgements/", {"item": item["id"], "safe": False}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["safe"] is True
    assert Judgement.objects.count() == 1


def test_a_judgement_names_no_other_user_even_when_the_body_tries(safety, make_user):
    user, victim = make_user(Role.CROWDWORKER), make_user(Role.CROWDWORKER)
    client = api_as(user)
    item = client.post(f"/api/campaigns/{safety.pk}/next/").json()

    client.post("/api/judgements/", {"item": item["id"], "safe": True, "user": victim.pk}, format="json")

    assert list(Judgement.objects.values_list("user_id", flat=True)) == [user.pk]


def test_a_crowdworker_cannot_judge_an_expert_item(law, make_user):
    response = api_as(make_user(Role.CROWDWORKER)).post(
        "/api/judgements/", {"item": law.items.first().pk, "score": 9}, format="json"
    )

    assert response.status_code == 404
    assert not Judgement.objects.exists()


def test_an_expert_cannot_judge_outside_their_domains(law, make_user):
    response = api_as(make_user(Role.EXPERT, domains=("psychology",))).post(
        "/api/judgements/", {"item": law.items.first().pk, "score": 9}, format="json"
    )

    assert response.status_code == 404


def test_a_judgement_without_a_lease_is_refused_with_why(safety, make_user):
    response = api_as(make_user(Role.CROWDWORKER)).post(
        "/api/judgements/", {"item": safety.items.first().pk, "safe": True}, format="json"
    )

    assert response.status_code == 400
    assert "not assigned to you" in response.json()["lease"]
    assert not Judgement.objects.exists()


def test_a_contradictory_judgement_needs_confirm_and_is_flagged(safety, make_user):
    client = api_as(make_user(Role.CROWDWORKER))
    item = client.post(f"/api/campaigns/{safety.pk}/next/").json()
    body = {"item": item["id"], "safe": True, "response_type": "risky"}

    refused = client.post("/api/judgements/", body, format="json")
    kept = client.post("/api/judgements/", {**body, "confirm": True}, format="json")

    assert refused.status_code == 400
    assert "confirm" in refused.json()
    assert kept.status_code == 201
    assert kept.json()["contradictory"] is True


def test_a_reviewer_voids_a_judgement_saying_why_and_the_slot_opens_again(safety, make_user):
    client = api_as(make_user(Role.CROWDWORKER))
    judged = _judged(client, safety, {"safe": True})
    reviewer = make_user(Role.REVIEWER)

    refused = client.post(f"/api/judgements/{judged['id']}/void/", {"reason": "mine"}, format="json")
    voided = api_as(reviewer).post(
        f"/api/judgements/{judged['id']}/void/", {"reason": "clicked through"}, format="json"
    )

    assert refused.status_code == 403
    assert voided.status_code == 200
    assert voided.json()["void_reason"] == "clicked through"
    stored = Judgement.objects.get()
    assert (stored.voided_by, stored.item.judgement_count, stored.item.open_slots) == (reviewer, 0, 2)


def test_a_reviewer_cannot_judge(safety, make_user):
    response = api_as(make_user(Role.REVIEWER)).post(
        "/api/judgements/", {"item": safety.items.first().pk, "safe": True}, format="json"
    )

    assert response.status_code == 400
    assert not Judgement.objects.exists()


def test_a_low_score_without_a_rewrite_is_refused_with_its_field(law, make_user):
    response = api_as(make_user(Role.EXPERT, domains=("law",))).post(
        "/api/judgements/", {"item": law.items.first().pk, "score": 3}, format="json"
    )

    assert response.status_code == 400
    assert "rewrite" in response.json()


def _judged(client, campaign, body):
    item = client.post(f"/api/campaigns/{campaign.pk}/next/").json()
    return client.post("/api/judgements/", {"item": item["id"], **body}, format="json").json()


def test_an_annotator_edits_their_own_judgement_and_the_old_value_is_kept(law, make_user):
    client = api_as(make_user(Role.EXPERT, domains=("law",)))
    created = _judged(client, law, {"score": 7})

    edited = client.patch(f"/api/judgements/{created['id']}/", {"score": 8}, format="json")

    assert edited.status_code == 200
    assert edited.json()["score"] == 8
    assert Judgement.objects.get().previous_values[0]["score"] == 7


def test_nobody_edits_someone_elses_judgement(law, make_user):
    owner = make_user(Role.EXPERT, domains=("law",))
    created = _judged(api_as(owner), law, {"score": 7})

    other_expert = api_as(make_user(Role.EXPERT, domains=("law",))).patch(
        f"/api/judgements/{created['id']}/", {"score": 1, "rewrite": "x"}, format="json"
    )
    admin = api_as(make_user(Role.ADMIN)).patch(
        f"/api/judgements/{created['id']}/", {"score": 1}, format="json"
    )

    assert other_expert.status_code == 404
    assert admin.status_code == 403
    assert Judgement.objects.get().score == 7


def test_judgements_cannot_be_deleted_or_replaced(law, make_user):
    client = api_as(make_user(Role.EXPERT, domains=("law",)))
    created = _judged(client, law, {"score": 7})

    assert client.delete(f"/api/judgements/{created['id']}/").status_code == 405
    assert client.put(f"/api/judgements/{created['id']}/", {"score": 2}, format="json").status_code == 405


def test_an_admin_opens_a_campaign_and_annotators_cannot(safety, make_user):
    safety.status = Campaign.Status.PAUSED
    safety.save()

    refused = api_as(make_user(Role.CROWDWORKER)).post(
        f"/api/campaigns/{safety.pk}/status/", {"status": "open"}
    )
    opened = api_as(make_user(Role.ADMIN)).post(f"/api/campaigns/{safety.pk}/status/", {"status": "open"})

    assert refused.status_code == 403
    assert opened.json()["status"] == "open"


def test_an_admin_creates_a_campaign_from_a_models_responses(safety, make_user):
    model = safety.items.first().model

    response = api_as(make_user(Role.ADMIN)).post(
        "/api/campaigns/", {"name": "again", "kind": "safety", "target_models": [model.pk]}, format="json"
    )

    assert response.status_code == 201
    assert Campaign.objects.get(pk=response.json()["id"]).items.count() == 2


def test_campaign_progress_is_for_admins(safety, make_user):
    assert api_as(make_user(Role.REVIEWER)).get(f"/api/campaigns/{safety.pk}/progress/").status_code == 403
    assert api_as(make_user(Role.ADMIN)).get(f"/api/campaigns/{safety.pk}/progress/").json()["items"] == 2
