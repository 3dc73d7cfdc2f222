"""Ratings campaigns: each expert's bias and spread against the other experts, stored by the worker,
and the flags they raise (harsh, lenient, erratic, low gold accuracy): on the quality page next to
gold accuracy, in the quality API, on the agreement page and in the dataset card."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from annotation.models import Campaign, JudgeStanding
from annotation.quality import services as quality
from annotation.quality.services import CheckAnswer, item_purpose_set
from common.roles import Role
from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope
from evaluation.figures.services import figure_snapshot_compute
from evaluation.models import Export, FigureSnapshot
from tests.annotation.quality_support import settings_post, settings_set
from tests.config.api_support import api_as
from tests.evaluation.export_support import zip_members
from tests.evaluation.helpers import judge

pytestmark = pytest.mark.django_db

ITEMS = 12


@pytest.fixture
def rated(make_campaign, make_user):
    """12 responses rated by five law experts: four fair ones (7 or 8) and one harsh one (3)."""
    campaign = make_campaign(
        *[(f"q{i}", f"a{i}") for i in range(ITEMS)], kind=Campaign.Kind.RESPONSIBILITY, domain="law", n=5
    )
    fair = [make_user(Role.EXPERT, domains=("law",), username=f"fair-{k}") for k in range(4)]
    harsh = make_user(Role.EXPERT, domains=("law",), username="harsh-expert")
    judge(
        [*fair, harsh],
        campaign,
        {
            f"q{i}": [
                *({"score": 7 + (i + k) % 2} for k in range(4)),
                {"score": 3, "rewrite": "A better answer."},
            ]
            for i in range(ITEMS)
        },
    )
    return campaign, fair, harsh


def _pseudonym(user) -> str:
    return user.annotator_profile.pseudonym


def test_the_worker_stores_each_experts_bias_and_spread(rated):
    campaign, fair, harsh = rated

    quality.campaign_competence_refresh(campaign=campaign)

    standing = JudgeStanding.objects.get(campaign=campaign, user=harsh)
    assert standing.bias == pytest.approx(-4.5)
    assert standing.spread == pytest.approx(0.0, abs=0.6)
    assert standing.consensus_items == ITEMS
    assert JudgeStanding.objects.get(campaign=campaign, user=fair[0]).bias == pytest.approx(1.125)


def test_the_quality_page_flags_the_harsh_expert_next_to_gold_accuracy(client, rated, make_user):
    campaign, fair, harsh = rated
    quality.campaign_competence_refresh(campaign=campaign)
    client.force_login(make_user(Role.REVIEWER))

    page = client.get(reverse("quality:page", args=[campaign.pk])).text

    row = page.split(f'data-judge="{_pseudonym(harsh)}"', 1)[1].split("</tr>", 1)[0]
    fair_row = page.split(f'data-judge="{_pseudonym(fair[0])}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-k="gold"' in row
    assert 'data-k="bias">-4.50' in row
    assert 'data-flag="harsh"' in row
    assert "harsh: scores below the other experts" in row
    assert 'data-k="flags">—' in fair_row


def test_before_the_worker_has_run_no_expert_is_flagged(client, rated, make_user):
    campaign, _, harsh = rated
    client.force_login(make_user(Role.REVIEWER))

    page = client.get(reverse("quality:page", args=[campaign.pk])).text

    row = page.split(f'data-judge="{_pseudonym(harsh)}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-k="bias">—' in row
    assert 'data-k="flags">—' in row


def test_the_quality_api_gives_each_experts_bias_spread_and_flags(rated, make_user):
    campaign, fair, harsh = rated
    quality.campaign_competence_refresh(campaign=campaign)

    rows = api_as(make_user(Role.REVIEWER)).get(f"/api/campaigns/{campaign.pk}/quality/judges/").json()

    by_judge = {r["user_id"]: r for r in rows}
    assert by_judge[harsh.pk]["flags"] == ["harsh"]
    assert by_judge[harsh.pk]["bias"] == pytest.approx(-4.5)
    assert by_judge[harsh.pk]["consensus_items"] == ITEMS
    assert by_judge[fair[0].pk]["flags"] == []


def test_a_campaigns_own_bias_limit_decides_the_flag_set_through_the_api(rated, admin_user):
    campaign, _, harsh = rated
    quality.campaign_competence_refresh(campaign=campaign)
    api = api_as(admin_user)

    response = api.patch(
        f"/api/campaigns/{campaign.pk}/quality/settings/", {"rating_bias_max": 5}, format="json"
    )
    rows = api.get(f"/api/campaigns/{campaign.pk}/quality/judges/").json()

    assert response.status_code == 200, response.content
    assert next(r for r in rows if r["user_id"] == harsh.pk)["flags"] == []


def test_the_rating_limits_are_set_on_the_quality_page(client, rated, admin_user):
    campaign, _, _ = rated
    client.force_login(admin_user)

    settings_post(client, campaign, rating_bias_max=2.0, rating_spread_max=3.0)

    campaign.refresh_from_db()
    assert (campaign.rating_bias_max, campaign.rating_spread_max) == (2.0, 3.0)


def test_a_rating_limit_of_zero_is_refused(client, rated, admin_user):
    campaign, _, _ = rated

    response = api_as(admin_user).patch(
        f"/api/campaigns/{campaign.pk}/quality/settings/", {"rating_spread_max": 0}, format="json"
    )

    assert response.status_code == 400
    assert "rating_spread_max" in response.json()


def test_an_expert_who_fails_the_gold_items_is_flagged_for_low_gold_accuracy(
    make_campaign, make_user, admin_user
):
    campaign = make_campaign(
        *[(f"q{i}", f"a{i}") for i in range(6)], kind=Campaign.Kind.RESPONSIBILITY, domain="law", n=1
    )
    for item in campaign.items.order_by("pk")[:5]:
        item_purpose_set(
            item=item, purpose="gold", answer=CheckAnswer(score_min=7, score_max=10), by=admin_user
        )
    settings_set(campaign, gold_rate=1.0)
    expert = make_user(Role.EXPERT, domains=("law",))
    judge([expert], campaign, {f"q{i}": [{"score": 2, "rewrite": "Better."}] for i in range(6)})

    (row,) = api_as(admin_user).get(f"/api/campaigns/{campaign.pk}/quality/judges/").json()

    assert row["gold"]["value"] == 0.0
    assert row["flags"] == ["low_gold"]


def test_the_agreement_page_flags_the_harsh_expert(client, rated, make_user):
    campaign, _, harsh = rated
    client.force_login(make_user(Role.REVIEWER))
    url = reverse("evaluation:campaign_agreement", args=[campaign.pk])
    client.get(url)
    figure_snapshot_compute(snapshot_id=FigureSnapshot.objects.get(status=FigureSnapshot.Status.PENDING).pk)

    page = client.get(url).text

    row = page.split(f"<td>{harsh.username}</td>", 1)[1].split("</tr>", 1)[0]
    assert 'data-flag="harsh"' in row
    assert page.count('data-flag="') == 1
    assert "Flags: a bias beyond ± 1.5 points" in page


def test_the_dataset_card_lists_each_experts_flags(rated):
    campaign, fair, harsh = rated
    export = export_services.export_create(
        kind=Export.Kind.SCORED,
        fmt=Export.Format.JSONL,
        scope=FigureScope(campaign_ids=(campaign.pk,)),
        enqueue=False,
    )

    card = zip_members(Path(export_services.export_run(export_id=export.pk).file.path))["README.md"].decode()

    section = card.split("## Judges' competence", 1)[1].split("\n## ", 1)[0]
    harsh_line = next(x for x in section.splitlines() if _pseudonym(harsh) in x)
    fair_line = next(x for x in section.splitlines() if _pseudonym(fair[0]) in x)
    assert "| consensus items | flags |" in section
    assert harsh_line.rstrip().endswith("| harsh |")
    assert fair_line.rstrip().endswith("| – |")
    assert "bias beyond ± 1.5 points" in section
