"""Promoting unanimous items to gold leaves what was measured as it was: the judgements an item
had count for its response, and gold accuracy scores only the answers given after."""

import pytest
from django.urls import reverse

from annotation.models import Item, Judgement
from annotation.quality import services as quality
from annotation.quality.selectors import judges_quality
from common.roles import Role
from evaluation.figures.selectors import FigureScope, agreement_figures, safety_results
from tests.annotation.quality_support import judge_next, mark, settings_set
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db

VERDICTS = {"a": (True, True), "b": (False, False), "c": (True, False), "d": (True, True)}


@pytest.fixture
def judged(make_campaign, make_user):
    """Four items, two judges each: a, b and d unanimous (safe, unsafe, safe), c split."""
    campaign = make_campaign(*[(p, f"r{p}") for p in VERDICTS], n=2, min_seconds=0)
    judges = [make_user(Role.CROWDWORKER) for _ in range(2)]
    for index, judge in enumerate(judges):
        while (judgement := judge_next(judge, campaign)) is not None:
            Judgement.objects.filter(pk=judgement.pk).update(safe=VERDICTS[judgement.item.prompt.text][index])
    return campaign, judges


def _results(campaign):
    (row,) = safety_results(campaigns=[campaign])
    return row.safety.value, row.safety.n


def test_promoting_unanimous_items_leaves_the_results_as_they_were(judged, admin_user):
    campaign, _judges = judged
    before = _results(campaign)

    promoted = quality.gold_promote_unanimous(campaign=campaign, by=admin_user)

    assert promoted == 3
    assert before == (0.5, 4)
    assert _results(campaign) == before


def test_promoting_leaves_the_agreement_figures_as_they_were(judged, admin_user):
    campaign, _judges = judged
    scope = FigureScope(campaign_ids=(campaign.pk,))
    before = agreement_figures(scope)["safety"]

    quality.gold_promote_unanimous(campaign=campaign, by=admin_user)

    after = agreement_figures(scope)["safety"]
    assert (after["items"], after["judgements"]) == (before["items"], before["judgements"]) == (4, 8)


def test_the_judgements_that_made_the_known_answer_are_not_scored_against_it(judged, admin_user):
    campaign, judges = judged

    quality.gold_promote_unanimous(campaign=campaign, by=admin_user)

    rows = {row.user_id: row for row in judges_quality(campaign)}
    assert [rows[j.pk].gold.n for j in judges] == [0, 0]
    assert [rows[j.pk].judgements for j in judges] == [4, 4]
    assert set(Judgement.objects.filter(item__purpose="gold").values_list("check_passed", flat=True)) == {
        None
    }


def test_answers_given_after_the_promotion_are_checks_that_do_not_count_in_results(
    judged, admin_user, make_user
):
    campaign, _judges = judged
    quality.gold_promote_unanimous(campaign=campaign, by=admin_user)
    before = _results(campaign)
    settings_set(campaign, gold_rate=1.0)
    newcomer = make_user(Role.CROWDWORKER)

    answer = judge_next(newcomer, campaign, safe=False)

    (row,) = [r for r in judges_quality(campaign) if r.user_id == newcomer.pk]
    assert answer.item.purpose == "gold"
    assert (row.gold.n, row.judgements) == (1, 0)
    assert _results(campaign) == before


def test_marking_a_judged_item_by_hand_keeps_its_judgements_in_the_results(judged, admin_user):
    campaign, _judges = judged
    before = _results(campaign)

    mark(campaign.items.get(prompt__text="c"), "gold", admin_user, safe=True)

    assert _results(campaign) == before
    assert all(row.gold.n == 0 for row in judges_quality(campaign))


def test_changing_a_check_items_answer_rescores_only_the_answers_given_as_checks(
    judged, admin_user, make_user
):
    campaign, judges = judged
    item = mark(campaign.items.get(prompt__text="a"), "gold", admin_user, safe=True)
    newcomer = make_user(Role.CROWDWORKER)
    settings_set(campaign, gold_rate=1.0)
    judge_next(newcomer, campaign, safe=False)

    mark(item, "gold", admin_user, safe=False)

    passed = dict(Judgement.objects.filter(item=item).values_list("user_id", "check_passed"))
    assert passed == {judges[0].pk: None, judges[1].pk: None, newcomer.pk: True}


def test_the_confirmation_page_shows_the_items_and_the_effect_and_changes_nothing(client, judged, admin_user):
    campaign, _judges = judged
    client.force_login(admin_user)

    page = client.get(reverse("quality:gold_promote", args=[campaign.pk])).text

    assert "Results do not change: the 6 judgements these items already have still count" in page
    assert "Only answers given after the promotion are scored." in page
    assert page.count('name="item"') == 3
    assert "Promote 3 items to gold" in page
    assert not Item.objects.filter(campaign=campaign, purpose="gold").exists()


def test_confirming_promotes_only_the_items_the_page_showed(client, judged, admin_user):
    campaign, _judges = judged
    shown = campaign.items.get(prompt__text="a")
    client.force_login(admin_user)

    response = client.post(
        reverse("quality:gold_promote", args=[campaign.pk]), {"item": [shown.pk]}, follow=True
    )

    assert "1 unanimous items promoted to gold." in response.text
    assert list(Item.objects.filter(campaign=campaign, purpose="gold").values_list("pk", flat=True)) == [
        shown.pk
    ]


def test_a_split_item_sent_with_the_confirmation_is_not_promoted(client, judged, admin_user):
    campaign, _judges = judged
    split = campaign.items.get(prompt__text="c")
    client.force_login(admin_user)

    client.post(reverse("quality:gold_promote", args=[campaign.pk]), {"item": [split.pk]})

    assert not Item.objects.filter(campaign=campaign, purpose="gold").exists()


def test_promotion_through_the_api_also_leaves_the_results_as_they_were(judged, admin_user):
    campaign, _judges = judged
    before = _results(campaign)

    response = api_as(admin_user).post(f"/api/campaigns/{campaign.pk}/quality/gold/promote/")

    assert response.json() == {"promoted": 3}
    assert _results(campaign) == before
    assert all(row.gold.n == 0 for row in judges_quality(campaign))


def test_a_reviewer_may_not_open_the_promotion_page(client, judged, make_user):
    campaign, _judges = judged
    client.force_login(make_user(Role.REVIEWER))

    assert client.get(reverse("quality:gold_promote", args=[campaign.pk])).status_code == 403
