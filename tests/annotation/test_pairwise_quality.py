"""Quality control on pairs: gold and attention pairs with a known better answer, adjudication of
the 4-way choice, the majority share that sends a pair to the queue, and promotion to gold."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.assignment import assignment_next_for
from annotation.inputs import CheckAnswer
from annotation.models import ItemPurpose, Judgement, Lease, Preference
from annotation.quality.selectors import adjudication_queue, gold_promotion_candidates, item_final_values
from annotation.quality.services import (
    QualityRejected,
    campaign_competence_refresh,
    item_adjudicate,
    item_purpose_set,
)
from annotation.services import judgement_submit
from common.roles import Role
from tests.annotation.fixtures import lease_give

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_reviewer(make_user):
    return lambda: make_user(Role.REVIEWER, username="rita-reviewer")


def _choice_for(lease: Lease, preferred: str) -> dict:
    """The left/right choice that a judge holding this lease makes to mean ``preferred``."""
    if preferred in ("tie", "both_bad"):
        return {"choice": preferred}
    side = "left" if (preferred == "a") == lease.a_on_left else "right"
    return {"choice": side, "strength": "clearly"}


def _judge(user, item, preferred: str) -> Judgement:
    lease = lease_give(user=user, item=item)
    judgement, _created = judgement_submit(user=user, item=item, data=_choice_for(lease, preferred))
    return judgement


@pytest.mark.parametrize(
    ("gold", "given", "passed"),
    [
        ("a", "a", True),
        ("a", "b", False),
        ("a", "tie", False),
        ("tie", "tie", True),
        ("both_bad", "a", False),
    ],
)
def test_a_gold_pair_passes_only_on_its_known_better_answer(
    make_pair_campaign, crowdworker, admin_user, gold, given, passed
):
    campaign = make_pair_campaign()
    item = item_purpose_set(
        item=campaign.items.first(),
        purpose=ItemPurpose.GOLD,
        answer=CheckAnswer(preferred=gold),
        by=admin_user,
    )

    judgement = _judge(crowdworker, item, given)

    assert Judgement.objects.get(pk=judgement.pk).check_passed is passed


def test_an_attention_pair_counts_a_wrong_answer_as_a_failure(make_pair_campaign, crowdworker, admin_user):
    campaign = make_pair_campaign()
    campaign.failures_allowed = 2
    campaign.save()
    item = item_purpose_set(
        item=campaign.items.first(),
        purpose=ItemPurpose.ATTENTION,
        answer=CheckAnswer(preferred="b"),
        by=admin_user,
    )

    _judge(crowdworker, item, "a")

    assert campaign.standings.get(user=crowdworker).failures == 1


def test_a_gold_pair_needs_a_known_better_answer(make_pair_campaign, admin_user):
    campaign = make_pair_campaign()
    with pytest.raises(QualityRejected) as refused:
        item_purpose_set(
            item=campaign.items.first(),
            purpose=ItemPurpose.GOLD,
            answer=CheckAnswer(safe=True),
            by=admin_user,
        )
    assert refused.value.field == "preferred"


def test_gold_pairs_are_served_at_the_campaigns_rate(make_pair_campaign, pair_setup, crowdworker, admin_user):
    campaign = make_pair_campaign(pair_setup(models=2, prompts=4))
    campaign.gold_rate = 1.0
    campaign.save()
    gold = item_purpose_set(
        item=campaign.items.last(), purpose=ItemPurpose.GOLD, answer=CheckAnswer(preferred="a"), by=admin_user
    )

    served = assignment_next_for(user=crowdworker, campaign=campaign)

    assert served.pk == gold.pk
    assert Lease.objects.get(user=crowdworker).a_on_left is not None


def test_a_split_pair_goes_to_the_queue_and_an_adjudication_decides_it(
    make_pair_campaign, make_user, make_reviewer
):
    campaign = make_pair_campaign(n=2)
    item = campaign.items.first()
    judges = [make_user(Role.CROWDWORKER, username=f"j{k}") for k in range(2)]
    _judge(judges[0], item, "a")
    _judge(judges[1], item, "tie")

    queued = {row.item_id: row for row in adjudication_queue(campaign)}
    before = item_final_values([campaign.pk], item_ids=[item.pk])[item.pk]
    item_adjudicate(item=item, by=make_reviewer(), data={"preferred": "tie", "note": "both fine"})
    after = item_final_values([campaign.pk], item_ids=[item.pk])[item.pk]

    assert queued[item.pk].agreement == 0.5
    assert queued[item.pk].preferences == (("a", 1), ("tie", 1))
    assert (before.value, before.source) == (None, "no_majority")
    assert (after.value, after.source) == ("tie", "adjudicated")
    assert item.adjudication.safe is None


def test_an_adjudication_of_a_pair_needs_one_of_the_four_answers(make_pair_campaign, make_reviewer):
    campaign = make_pair_campaign()
    with pytest.raises(QualityRejected) as refused:
        item_adjudicate(item=campaign.items.first(), by=make_reviewer(), data={"safe": True})
    assert refused.value.field == "preferred"


def test_agreeing_judges_make_the_majority_the_final_answer(make_pair_campaign, make_user):
    campaign = make_pair_campaign(n=3)
    item = campaign.items.first()
    for k, preferred in enumerate(["b", "b", "a"]):
        _judge(make_user(Role.CROWDWORKER, username=f"j{k}"), item, preferred)

    final = item_final_values([campaign.pk], item_ids=[item.pk])[item.pk]

    assert (final.value, final.source) == (Preference.B, "majority")


def test_a_unanimous_pair_can_be_promoted_to_gold_with_its_answer(make_pair_campaign, make_user):
    campaign = make_pair_campaign(n=2)
    item = campaign.items.first()
    for k in range(2):
        _judge(make_user(Role.CROWDWORKER, username=f"j{k}"), item, "both_bad")

    candidates = gold_promotion_candidates(campaign=campaign)

    assert [(c.item_id, c.preferred) for c in candidates] == [(item.pk, "both_bad")]


def test_competence_on_pairs_comes_from_the_four_way_answers(make_pair_campaign, pair_setup, make_user):
    campaign = make_pair_campaign(pair_setup(models=2, prompts=12), n=3)
    judges = [make_user(Role.CROWDWORKER, username=f"j{k}") for k in range(3)]
    answers = ["a", "b", "tie", "both_bad"]
    for index, item in enumerate(campaign.items.order_by("pk")):
        truth = answers[index % 4]
        contrarian = answers[(index + 1) % 4]
        for judge, preferred in zip(judges, [truth, truth, contrarian], strict=True):
            _judge(judge, item, preferred)

    competence = campaign_competence_refresh(campaign=campaign)

    stored = dict(campaign.standings.values_list("user_id", "competence"))
    assert set(stored) == {j.pk for j in judges}
    assert stored[judges[0].pk] > 0.9
    assert stored[judges[2].pk] < 0.2
    assert competence[judges[2].pk].ci_high < 0.7


def test_the_adjudication_page_of_a_pair_names_answers_a_and_b_and_saves_the_choice(
    client, make_pair_campaign, make_user, make_reviewer
):
    campaign = make_pair_campaign(n=2)
    item = campaign.items.first()
    _judge(make_user(Role.CROWDWORKER, username="j0"), item, "a")
    client.force_login(make_reviewer())
    url = reverse("quality:adjudicate", args=[campaign.pk, item.pk])

    page = client.get(url).text
    saved = client.post(url, {"preferred": "b", "note": "B is right"})

    assert "Answer A" in page
    assert "Answer B" in page
    assert "A is better" in page
    assert saved.status_code == 302
    assert item.__class__.objects.get(pk=item.pk).adjudication.preferred == "b"


def test_the_quality_page_of_a_pair_campaign_shows_gold_accuracy(
    client, make_pair_campaign, crowdworker, admin_user
):
    campaign = make_pair_campaign()
    gold = item_purpose_set(
        item=campaign.items.first(),
        purpose=ItemPurpose.GOLD,
        answer=CheckAnswer(preferred="a"),
        by=admin_user,
    )
    _judge(crowdworker, gold, "a")
    client.force_login(admin_user)

    page = client.get(reverse("quality:page", args=[campaign.pk]))

    assert page.status_code == 200
    assert "Pairs: the known better answer" in page.text
