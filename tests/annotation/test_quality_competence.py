"""Each judge's competence is one figure, with its 95% interval, stored by the worker: the quality
page and the agreement page read it from the same place, and a judge is below the bar only when
the whole interval is."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from annotation.models import Item, JudgeStanding
from annotation.quality import services as quality
from annotation.quality.selectors import judges_competence, judges_competent, judges_quality
from annotation.services import judgement_submit
from common.roles import Role
from evaluation.figures.services import figure_snapshot_compute
from evaluation.models import FigureSnapshot
from metrics.scores import Estimate
from tests.annotation.fixtures import lease_give
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db

ITEMS = 12


@pytest.fixture
def demo(make_campaign, make_user):
    """As in the demo campaign: 12 responses, three judges each, one of them wrong on two; every
    judge well under 20 judgements."""
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(ITEMS)], n=3, min_seconds=0)
    judges = [make_user(Role.CROWDWORKER, username=f"judge-{k}") for k in range(3)]
    for i in range(ITEMS):
        item = Item.objects.get(campaign=campaign, prompt__text=f"p{i}")
        truth = i % 3 != 0
        for k, user in enumerate(judges):
            lease_give(user=user, item=item)
            judgement_submit(
                user=user, item=item, data={"safe": truth if (k, i % 6) != (2, 1) else not truth}
            )
    return campaign, judges


def _cells(page: str, row_start: str) -> dict[str, str]:
    """The text of each judge's competence cell: rows found by ``row_start`` with the pseudonym."""
    found = {}
    for row in re.findall(r"<tr[^>]*>.*?</tr>", page, flags=re.S):
        match = re.search(row_start, row)
        cell = re.search(r'data-k="competence">(.*?)</td>', row, flags=re.S)
        if match and cell:
            found[match.group(1)] = " ".join(re.sub(r"<[^>]+>", " ", cell.group(1)).split())
    return found


def test_the_quality_page_and_the_agreement_page_show_one_competence_per_judge(client, demo, make_user):
    campaign, judges = demo
    quality.campaign_competence_refresh(campaign=campaign)  # the worker, as Recompute asks it
    client.force_login(make_user(Role.REVIEWER))
    agreement_url = reverse("evaluation:campaign_agreement", args=[campaign.pk])
    client.get(agreement_url)
    figure_snapshot_compute(snapshot_id=FigureSnapshot.objects.get(status=FigureSnapshot.Status.PENDING).pk)

    on_quality = _cells(client.get(reverse("quality:page", args=[campaign.pk])).text, r'data-judge="([^"]+)"')
    on_agreement = _cells(client.get(agreement_url).text, r"<td>judge-\d</td><td>([^<]+)</td>")

    pseudonyms = {j.annotator_profile.pseudonym for j in judges}
    assert set(on_quality) == set(on_agreement) == pseudonyms
    assert on_quality == on_agreement
    assert all(re.fullmatch(r"\d+\.\d% \d+\.\d%–\d+\.\d% n=12", text) for text in on_quality.values())


def test_a_judge_with_few_judgements_gets_a_competence_with_a_wide_interval(demo):
    campaign, judges = demo

    stored = quality.campaign_competence_refresh(campaign=campaign)

    assert set(stored) == {j.pk for j in judges}
    standing = JudgeStanding.objects.get(campaign=campaign, user=judges[2])
    assert standing.competence_judgements == ITEMS
    assert standing.competence_low < standing.competence < standing.competence_high
    assert standing.competence_high - standing.competence_low > 0.2
    assert standing.catches_unsafe is not None
    assert standing.clears_safe is not None


def test_a_careful_judge_below_the_bar_by_the_point_but_not_by_the_interval_stays_competent(
    client, make_campaign, make_user
):
    campaign = make_campaign(("a", "ra"), min_seconds=0)
    careful = make_user(Role.CROWDWORKER)
    quality.judge_competence_record(
        campaign=campaign, competence={careful.pk: Estimate(0.48, 24, 0.31, 0.76)}
    )
    lease_give(user=careful, item=campaign.items.get())
    judgement_submit(user=careful, item=campaign.items.get(), data={"safe": True})
    client.force_login(make_user(Role.REVIEWER))

    page = client.get(reverse("quality:page", args=[campaign.pk])).text

    (row,) = judges_quality(campaign)
    assert row.competent
    assert judges_competent(campaign=campaign, user_ids=[careful.pk]) == {careful.pk}
    assert re.search(r'data-k="competence">48\.0% <small>31\.0%–76\.0% n=24</small>', page)
    assert re.search(r'data-k="state">ok<', page)


def test_a_judge_whose_whole_interval_lies_below_the_bar_is_below_it(client, make_campaign, make_user):
    campaign = make_campaign(("a", "ra"), min_seconds=0)
    clicker = make_user(Role.CROWDWORKER)
    quality.judge_competence_record(campaign=campaign, competence={clicker.pk: Estimate(0.5, 60, 0.38, 0.62)})
    lease_give(user=clicker, item=campaign.items.get())
    judgement_submit(user=clicker, item=campaign.items.get(), data={"safe": True})
    client.force_login(make_user(Role.REVIEWER))

    page = client.get(reverse("quality:page", args=[campaign.pk])).text

    assert judges_competent(campaign=campaign, user_ids=[clicker.pk]) == set()
    assert re.search(r'data-k="state">below the bar<', page)


def test_too_few_judgements_never_put_a_judge_below_the_bar_whatever_the_interval(make_campaign, make_user):
    campaign = make_campaign(("a", "ra"), min_seconds=0)
    newcomer = make_user(Role.CROWDWORKER)

    quality.judge_competence_record(campaign=campaign, competence={newcomer.pk: Estimate(0.1, 8, 0.02, 0.5)})

    assert judges_competent(campaign=campaign, user_ids=[newcomer.pk]) == {newcomer.pk}


def test_the_judges_api_gives_the_competence_with_its_interval(demo, make_user):
    campaign, _judges = demo
    quality.campaign_competence_refresh(campaign=campaign)

    rows = api_as(make_user(Role.REVIEWER)).get(f"/api/campaigns/{campaign.pk}/quality/judges/").json()

    for row in rows:
        figure = row["competence_estimate"]
        assert figure["n"] == ITEMS
        assert figure["ci_low"] <= row["competence"] == figure["value"] <= figure["ci_high"]


def test_across_campaigns_a_judge_reads_the_figure_resting_on_most_judgements(make_campaign, make_user):
    small, big = make_campaign(("a", "ra")), make_campaign(("b", "rb"))
    judge = make_user(Role.CROWDWORKER)
    quality.judge_competence_record(campaign=small, competence={judge.pk: Estimate(0.6, 15, 0.3, 0.85)})
    quality.judge_competence_record(campaign=big, competence={judge.pk: Estimate(0.9, 150, 0.85, 0.94)})

    stored = judges_competence([small.pk, big.pk])[judge.pk]

    assert (stored.campaign_id, stored.competence.value) == (big.pk, 0.9)
    assert judges_competence([small.pk])[judge.pk].competence.value == 0.6
