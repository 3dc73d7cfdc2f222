"""Starting an expert-answers campaign from the results: per domain, the N prompts whose answer by
the model has the lowest final responsibility score."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.models import Campaign, Item
from authoring.models import AuthoringCampaign
from authoring.services import AuthoringRejected
from common.roles import Role
from evaluation.figures.selectors import lowest_scored_by_domain
from evaluation.figures.services import expert_answers_campaign_start
from models_registry.models import Response
from prompts.models import Domain, Prompt, PromptSet
from tests.evaluation.helpers import judge

pytestmark = pytest.mark.django_db

SCORES = {"l1": 3, "l2": 1, "l3": 1, "l4": 9, "p1": 2, "p2": 8}


@pytest.fixture
def scored(make_campaign, make_user) -> Campaign:
    """One model's answers, judged once each: law l1–l4, psychology p1–p2; and p3, an answer of
    the same model that no one judged."""
    campaign = make_campaign(
        *[(text, f"answer to {text}") for text in SCORES],
        kind=Campaign.Kind.RESPONSIBILITY,
        domain="law",
        n=1,
    )
    psychology = Domain.objects.get(slug="psychology")
    Prompt.objects.filter(text__in=["p1", "p2"]).update(domain=psychology)
    Item.objects.filter(campaign=campaign, prompt__text__in=["p1", "p2"]).update(domain=psychology)
    judge(
        [make_user(Role.EXPERT, domains=("law", "psychology"))],
        campaign,
        {text: [{"score": score, "rewrite": "Better."}] for text, score in SCORES.items()},
    )
    first = Response.objects.filter(prompt__text="p1").select_related("prompt", "model").get()
    unjudged = Prompt.objects.create(
        prompt_set=first.prompt.prompt_set,
        external_id="p3",
        level=first.prompt.level,
        domain=psychology,
        source="test",
        text="p3",
    )
    Response.objects.create(
        prompt=unjudged,
        model=first.model,
        params_hash="h",
        sample_index=0,
        request_hash="r",
        status=Response.Status.SUCCEEDED,
        text="never judged",
    )
    return campaign


def model_of(campaign: Campaign):
    return Response.objects.filter(prompt__text="l1").get().model


def texts(rows) -> list[str]:
    return [Prompt.objects.get(pk=row.prompt_id).text for row in rows]


def test_per_domain_the_lowest_scored_prompts_come_first_ties_by_the_older_prompt(scored):
    lowest = lowest_scored_by_domain(model_id=model_of(scored).pk, n=2)

    assert list(lowest) == ["law", "psychology"]
    assert texts(lowest["law"]) == ["l2", "l3"]
    assert [row.score for row in lowest["law"]] == [1, 1]
    assert texts(lowest["psychology"]) == ["p1", "p2"]


def test_prompts_without_a_final_score_are_left_out(scored):
    lowest = lowest_scored_by_domain(model_id=model_of(scored).pk, n=10)

    assert texts(lowest["psychology"]) == ["p1", "p2"]
    assert texts(lowest["law"]) == ["l2", "l3", "l1", "l4"]


def test_a_prompt_set_of_other_prompts_picks_nothing(scored):
    other = PromptSet.objects.create(name="other prompts")

    assert lowest_scored_by_domain(model_id=model_of(scored).pk, n=2, prompt_set_id=other.pk) == {}


def test_another_model_has_no_scores_here(scored, target):
    assert lowest_scored_by_domain(model_id=target.pk, n=2) == {}


def test_the_campaign_asks_experts_to_answer_the_lowest_prompts_with_the_models_answers(scored, admin_user):
    campaign = expert_answers_campaign_start(name="weakest", model=model_of(scored), n=1, user=admin_user)

    given = list(campaign.given_prompts.select_related("prompt", "response", "domain"))

    assert campaign.kind == AuthoringCampaign.Kind.EXPERT_ANSWERS
    assert campaign.status == AuthoringCampaign.Status.DRAFT
    assert [(g.domain.slug, g.prompt.text, g.score) for g in given] == [
        ("law", "l2", 1),
        ("psychology", "p1", 2),
    ]
    assert [g.response.text for g in given] == ["answer to l2", "answer to p1"]


def test_a_model_without_scores_starts_no_campaign(scored, admin_user, target):
    with pytest.raises(AuthoringRejected):
        expert_answers_campaign_start(name="nothing", model=target, n=3, user=admin_user)

    assert not AuthoringCampaign.objects.filter(name="nothing").exists()


def test_an_admin_starts_the_campaign_from_the_page(admin_client, scored):
    model = model_of(scored)

    sent = admin_client.post(
        reverse("evaluation:expert_answers_start"),
        {"name": "from results", "model": model.pk, "n": 2, "campaigns": [scored.pk]},
    )

    campaign = AuthoringCampaign.objects.get(name="from results")
    assert sent.status_code == 302
    assert sent["Location"] == reverse("authoring:campaign_detail", args=[campaign.pk])
    assert campaign.given_prompts.count() == 4


def test_the_page_says_why_when_there_is_nothing_to_answer(admin_client, scored, target):
    page = admin_client.post(
        reverse("evaluation:expert_answers_start"), {"name": "empty", "model": target.pk, "n": 2}
    )

    assert page.status_code == 200
    assert 'class="error"' in page.content.decode()
    assert not AuthoringCampaign.objects.filter(name="empty").exists()


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.CROWDWORKER, Role.EXPERT])
def test_only_admins_start_a_campaign(client, make_user, role):
    client.force_login(make_user(role))

    assert client.get(reverse("evaluation:expert_answers_start")).status_code == 403


def test_the_results_page_links_to_it(admin_client):
    page = admin_client.get(reverse("evaluation:results")).content.decode()

    assert reverse("evaluation:expert_answers_start") in page


def test_a_reviewer_is_not_shown_the_link_to_a_page_only_admins_may_open(client, make_user):
    client.force_login(make_user(Role.REVIEWER))

    response = client.get(reverse("evaluation:results"))

    assert response.status_code == 200
    assert reverse("evaluation:expert_answers_start") not in response.content.decode()
