"""Attack results: each target model's attack success per scenario comes from independent
judgements of the accepted attacks' final answers; authors' own labels are compared, never counted."""

from __future__ import annotations

import uuid

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import translation

from annotation.models import Campaign, Item
from annotation.services import campaign_create
from authoring.models import AuthoringCampaign, Submission
from common.roles import Role
from evaluation.attacks.selectors import attack_figures, author_rows, judging_campaign_ids
from evaluation.figures import services
from evaluation.figures.selectors import FigureScope
from evaluation.models import FigureSnapshot
from models_registry.models import GenerationRun, Response
from models_registry.services import model_register
from people.services import annotator_profile_get_or_create
from prompts.models import Level, Prompt, PromptSet, Scenario
from tests.evaluation.helpers import judge

pytestmark = pytest.mark.django_db

SAFE, UNSAFE = {"safe": True}, {"safe": False}


def _attack_campaign(attacks, make_user):
    """An attack campaign whose accepted attacks are (prompt, target, scenario, author, says_harmful)
    rows, each with its final answer in the campaign's attack run."""
    prompt_set = PromptSet.objects.create(name="attacks", source="authoring")
    run = GenerationRun.objects.create(
        name="attack run", prompt_set=prompt_set, status=GenerationRun.Status.FINISHED
    )
    campaign = AuthoringCampaign.objects.create(
        name="red team",
        kind=AuthoringCampaign.Kind.ATTACK,
        level=Level.SAFETY,
        prompt_set=prompt_set,
        attack_run=run,
    )
    models, scenarios, authors = {}, {}, {}
    for i, (text, target, scenario, author, says_harmful) in enumerate(attacks):
        model = models.get(target) or models.setdefault(
            target, model_register(name=target, base_url="http://127.0.0.1:9/v1", model_id="m")
        )
        slug = scenarios.get(scenario) or scenarios.setdefault(
            scenario, Scenario.objects.get_or_create(slug=scenario, defaults={"name_en": scenario})[0]
        )
        person = authors.get(author) or authors.setdefault(
            author, make_user(Role.CROWDWORKER, username=author)
        )
        annotator_profile_get_or_create(user=person)
        prompt = Prompt.objects.create(
            prompt_set=prompt_set,
            external_id=str(i),
            level=Level.SAFETY,
            scenario=slug,
            source="authoring",
            text=text,
        )
        answer = Response.objects.create(
            prompt=prompt,
            model=model,
            params_hash="authored",
            request_hash=f"authored-{i}",
            status=Response.Status.SUCCEEDED,
            text=f"answer to {text}",
        )
        run.responses.add(answer)
        Submission.objects.create(
            campaign=campaign,
            author=person,
            submit_key=uuid.uuid4(),
            text=text,
            text_hash=str(i),
            scenario=slug,
            target=model,
            author_says_harmful=says_harmful,
            status=Submission.Status.ACCEPTED,
            prompt=prompt,
            response=answer,
            final_answer=answer.text,
        )
    return campaign


def _judging(campaign: AuthoringCampaign, n: int = 2) -> Campaign:
    judging = campaign_create(
        name="judge the attacks",
        kind=Campaign.Kind.SAFETY,
        responses=campaign.attack_run.responses.all(),
        judges_per_item=n,
        follow_run=campaign.attack_run,
        content_warning=False,
    )
    Item.objects.filter(campaign=judging).update(position=F("id"))
    Campaign.objects.filter(pk=judging.pk).update(status=Campaign.Status.OPEN)
    judging.refresh_from_db()
    return judging


ATTACKS = [
    ("a1", "model-x", "crimes", "alice", True),
    ("a2", "model-x", "crimes", "alice", True),
    ("a3", "model-x", "privacy", "bob", False),
    ("a4", "model-y", "crimes", "bob", True),
]


def test_attack_success_per_target_and_scenario_comes_from_the_judges_not_the_authors(make_user):
    campaign = _attack_campaign(ATTACKS, make_user)
    judging = _judging(campaign)
    judges = [make_user(Role.CROWDWORKER) for _ in range(2)]
    # a1 broken (both unsafe), a2 held (both safe, though its author said harmful), a3 broken,
    # a4 held.
    judge(
        judges,
        judging,
        {"a1": [UNSAFE, UNSAFE], "a2": [SAFE, SAFE], "a3": [UNSAFE, UNSAFE], "a4": [SAFE, SAFE]},
    )

    figures = attack_figures(FigureScope(campaign_ids=(judging.pk,)))

    rows = {row["model"]: row for row in figures["targets"]}
    assert rows["model-x"]["success"]["value"] == pytest.approx(2 / 3)
    assert rows["model-x"]["success"]["n"] == 3
    assert 0 < rows["model-x"]["success"]["ci_low"] < 2 / 3 < rows["model-x"]["success"]["ci_high"] < 1
    assert rows["model-x"]["by_scenario"]["crimes"]["value"] == pytest.approx(0.5)
    assert rows["model-x"]["by_scenario"]["privacy"]["value"] == 1.0
    assert rows["model-y"]["success"]["value"] == 0.0


def test_authors_labels_are_compared_with_the_judges_verdicts(make_user):
    campaign = _attack_campaign(ATTACKS, make_user)
    judging = _judging(campaign)
    judge(
        [make_user(Role.CROWDWORKER) for _ in range(2)],
        judging,
        {"a1": [UNSAFE, UNSAFE], "a2": [SAFE, SAFE], "a3": [UNSAFE, UNSAFE], "a4": [SAFE, SAFE]},
    )

    labels = attack_figures(FigureScope(campaign_ids=(judging.pk,)))["labels"]

    assert labels["table"] == {
        "harmful_unsafe": 1,
        "harmful_safe": 2,
        "harmless_unsafe": 1,
        "harmless_safe": 0,
    }
    assert labels["agreement"]["value"] == pytest.approx(1 / 4)


def test_an_attack_without_all_its_judgements_does_not_count_yet(make_user):
    campaign = _attack_campaign(ATTACKS[:2], make_user)
    judging = _judging(campaign, n=2)
    judge([make_user(Role.CROWDWORKER)], judging, {"a1": [UNSAFE], "a2": [UNSAFE]})

    figures = attack_figures(FigureScope(campaign_ids=(judging.pk,)))

    assert figures["targets"] == []


def test_per_author_figures_count_their_submissions_and_broken_attacks(make_user):
    campaign = _attack_campaign(ATTACKS, make_user)
    judging = _judging(campaign)
    judge(
        [make_user(Role.CROWDWORKER) for _ in range(2)],
        judging,
        {"a1": [UNSAFE, UNSAFE], "a2": [SAFE, SAFE], "a3": [UNSAFE, UNSAFE], "a4": [SAFE, SAFE]},
    )
    alice = Submission.objects.filter(author__username="alice").first().author
    Submission.objects.create(
        campaign=campaign,
        author=alice,
        submit_key=uuid.uuid4(),
        text="r",
        text_hash="r",
        status=Submission.Status.REJECTED,
    )

    rows = author_rows(campaign=campaign, figures=attack_figures(FigureScope(campaign_ids=(judging.pk,))))

    by_name = {row["pseudonym"]: row for row in rows}
    alice_row = by_name[alice.annotator_profile.pseudonym]
    assert (alice_row["accepted"], alice_row["rejected"], alice_row["judged"]) == (2, 1, 2)
    assert alice_row["success"]["value"] == 0.5


def test_the_judging_campaign_is_found_by_the_run_it_follows(make_user):
    campaign = _attack_campaign(ATTACKS[:1], make_user)
    judging = _judging(campaign)

    assert judging_campaign_ids(campaign=campaign) == [judging.pk]


def test_the_page_shows_attack_success_to_reviewers_in_chinese(client, make_user):
    campaign = _attack_campaign(ATTACKS, make_user)
    judging = _judging(campaign)
    judge(
        [make_user(Role.CROWDWORKER) for _ in range(2)],
        judging,
        {"a1": [UNSAFE, UNSAFE], "a2": [SAFE, SAFE], "a3": [UNSAFE, UNSAFE], "a4": [SAFE, SAFE]},
    )
    snapshot = services.figure_snapshot_request(
        kind=FigureSnapshot.Kind.ATTACKS, scope=FigureScope(campaign_ids=(judging.pk,))
    )
    services.figure_snapshot_compute(snapshot_id=snapshot.pk)
    client.force_login(make_user(Role.REVIEWER))

    with translation.override("zh-hans"):
        page = client.get(
            reverse("evaluation:attack_results", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        )

    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="attack-success"' in text
    assert "66.7%" in text
    assert "攻击成功率" in text


def test_an_author_cannot_open_the_attack_results(client, make_user):
    campaign = _attack_campaign(ATTACKS[:1], make_user)
    client.force_login(make_user(Role.CROWDWORKER))

    page = client.get(reverse("evaluation:attack_results", args=[campaign.pk]))

    assert page.status_code == 403
