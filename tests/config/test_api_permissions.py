"""Who may call what: the API's permissions match the pages' (common/roles.py)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from common.roles import Role
from tests.config.api_support import api_as
from tests.evaluation.export_support import build_dataset

pytestmark = pytest.mark.django_db

ADMIN_ONLY_READS = [
    "/api/prompt-sets/",
    "/api/prompts/",
    "/api/import-jobs/",
    "/api/models/",
    "/api/runs/",
    "/api/exports/",
]
ADMIN_ONLY_WRITES = [
    ("/api/models/", {"name": "m-new", "base_url": "http://127.0.0.1:9/v1", "model_id": "x"}),
    ("/api/runs/", {"name": "r", "prompt_set": 1, "target_models": [1]}),
    ("/api/campaigns/", {"name": "c", "kind": "safety"}),
    ("/api/exports/", {"kind": "scored", "format": "jsonl"}),
]


@pytest.fixture
def dataset(make_user):
    return build_dataset(make_user)


@pytest.mark.parametrize(
    "url", [*ADMIN_ONLY_READS, "/api/campaigns/", "/api/items/", "/api/judgements/", "/api/results/"]
)
def test_a_script_without_a_token_is_refused(url):
    assert APIClient().get(url).status_code in (401, 403)


@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.EXPERT, Role.REVIEWER])
@pytest.mark.parametrize("url", ADMIN_ONLY_READS)
def test_admin_only_lists_are_refused_to_everyone_else(make_user, role, url):
    assert api_as(make_user(role)).get(url).status_code == 403


@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.EXPERT, Role.REVIEWER])
@pytest.mark.parametrize(("url", "body"), ADMIN_ONLY_WRITES)
def test_only_admins_register_models_start_runs_create_campaigns_and_exports(make_user, role, url, body):
    assert api_as(make_user(role)).post(url, body, format="json").status_code == 403


@pytest.mark.parametrize("url", ADMIN_ONLY_READS)
def test_an_admin_reads_every_admin_list(admin_user, url):
    response = api_as(admin_user).get(url)

    assert response.status_code == 200
    assert "results" in response.json()  # paginated


@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.EXPERT])
def test_annotators_get_no_results_or_agreement(make_user, role):
    client = api_as(make_user(role))

    assert client.get("/api/results/").status_code == 403
    assert client.get("/api/agreement/").status_code == 403


def test_a_crowdworker_sees_safety_campaigns_never_expert_ones(dataset, make_user):
    client = api_as(make_user(Role.CROWDWORKER))

    campaigns = {c["id"] for c in client.get("/api/campaigns/").json()["results"]}

    assert campaigns == {dataset.safety.pk}
    assert client.get(f"/api/campaigns/{dataset.responsibility.pk}/").status_code == 404


def test_an_expert_reads_no_item_outside_their_domains_even_one_they_could_hold(dataset, make_user):
    psychology = api_as(make_user(Role.EXPERT, domains=("psychology",)))

    assert psychology.get(f"/api/items/{dataset.responsibility.items.first().pk}/").status_code == 404


def test_blind_campaigns_hide_the_model_and_the_counts_from_annotators(dataset):
    judged = dataset.crowd[0].judgements.first().item_id
    item = api_as(dataset.crowd[0]).get(f"/api/items/{judged}/").json()

    assert item["model"] is None
    assert item["judgement_count"] is None


def test_a_reviewer_sees_the_model_of_every_item(dataset, make_user):
    items = api_as(make_user(Role.REVIEWER)).get("/api/items/").json()["results"]

    assert {i["model"] for i in items} == {"model-good", "model-bad"}


def test_annotators_list_only_their_own_judgements(dataset):
    mine = api_as(dataset.crowd[0]).get("/api/judgements/").json()

    assert mine["count"] == 2
    pseudonym = dataset.crowd[0].annotator_profile.pseudonym
    assert {j["judge"] for j in mine["results"]} == {pseudonym}


def test_an_annotator_cannot_read_someone_elses_judgement_by_id(dataset):
    other = dataset.crowd[1].judgements.first()

    assert api_as(dataset.crowd[0]).get(f"/api/judgements/{other.pk}/").status_code == 404


def test_a_reviewer_reads_every_judgement_by_pseudonym_never_username(dataset, make_user):
    body = api_as(make_user(Role.REVIEWER)).get("/api/judgements/?page_size=100").json()

    assert body["count"] == 10
    assert all(j["judge"].startswith("j-") for j in body["results"])
    assert not any(u.username in str(body) for u in dataset.crowd + dataset.experts)


def test_judgements_filter_by_campaign(dataset, make_user):
    client = api_as(make_user(Role.REVIEWER))

    assert client.get(f"/api/judgements/?campaign={dataset.responsibility.pk}").json()["count"] == 4
    assert client.get("/api/judgements/?campaign=nope").status_code == 400


def test_the_browsable_api_names_no_campaign_an_annotator_may_not_see(make_campaign, crowdworker):
    from annotation.models import Campaign

    make_campaign(
        ("secret", "r"), kind=Campaign.Kind.RESPONSIBILITY, domain="law", status=Campaign.Status.DRAFT
    )
    hidden = Campaign.objects.get()
    hidden.name = "SECRET draft expert campaign"
    hidden.save()
    client = api_as(crowdworker)

    page = client.get("/api/judgements/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert "SECRET draft expert campaign" not in page.content.decode()


def test_lists_filter_by_the_id_of_a_related_row(make_campaign, make_user):
    first = make_campaign(("a", "ra"))
    second = make_campaign(("b", "rb"))
    client = api_as(make_user(Role.REVIEWER))

    items = client.get("/api/items/", {"campaign": second.pk}).json()["results"]
    bad = client.get("/api/items/", {"campaign": "not-a-number"})

    assert [i["campaign"] for i in items] == [second.pk]
    assert first.pk != second.pk
    assert bad.status_code == 400
