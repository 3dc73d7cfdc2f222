"""Attack results: each target model's attack success per scenario comes from independent
judgements of the accepted attacks' final answers; authors' own labels are compared, never counted."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from common.roles import Role
from evaluation.attacks.selectors import attack_figures, judging_campaign_ids
from evaluation.figures import services
from evaluation.figures.selectors import FigureScope
from evaluation.models import FigureSnapshot
from tests.evaluation.attack_support import (
    ATTACKS,
    SAFE,
    UNSAFE,
    attack_campaign_judgeable,
    judging_campaign_make,
)
from tests.evaluation.helpers import judge

pytestmark = pytest.mark.django_db


def test_attack_success_per_target_and_scenario_comes_from_the_judges_not_the_authors(make_user):
    campaign = attack_campaign_judgeable(ATTACKS, make_user)
    judging = judging_campaign_make(campaign)
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
    campaign = attack_campaign_judgeable(ATTACKS, make_user)
    judging = judging_campaign_make(campaign)
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
    campaign = attack_campaign_judgeable(ATTACKS[:2], make_user)
    judging = judging_campaign_make(campaign, n=2)
    judge([make_user(Role.CROWDWORKER)], judging, {"a1": [UNSAFE], "a2": [UNSAFE]})

    figures = attack_figures(FigureScope(campaign_ids=(judging.pk,)))

    assert figures["targets"] == []


def test_the_judging_campaign_is_found_by_the_run_it_follows(make_user):
    campaign = attack_campaign_judgeable(ATTACKS[:1], make_user)
    judging = judging_campaign_make(campaign)

    assert judging_campaign_ids(campaign=campaign) == [judging.pk]


def test_the_page_shows_attack_success_to_reviewers_in_chinese(client, make_user):
    campaign = attack_campaign_judgeable(ATTACKS, make_user)
    judging = judging_campaign_make(campaign)
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
    campaign = attack_campaign_judgeable(ATTACKS[:1], make_user)
    client.force_login(make_user(Role.CROWDWORKER))

    page = client.get(reverse("evaluation:attack_results", args=[campaign.pk]))

    assert page.status_code == 403
