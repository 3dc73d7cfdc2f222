import pytest
from django.urls import reverse

from annotation.models import JudgeExclusion, Judgement
from common.roles import Role
from evaluation.figures.selectors import safety_results
from tests.annotation.quality_support import PAIRS, judge_next
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(make_campaign):
    return make_campaign(*PAIRS[:2], n=2, min_seconds=0)


def test_a_reviewer_excludes_a_judge_recording_who_and_why_through_the_page(client, campaign, make_user):
    judge, reviewer = make_user(Role.CROWDWORKER), make_user(Role.REVIEWER)
    judge_next(judge, campaign)
    client.force_login(reviewer)

    client.post(
        reverse("quality:judge_action", args=[campaign.pk, judge.pk, "exclude"]),
        {"reason": "Clicks at random."},
    )

    exclusion = JudgeExclusion.objects.get()
    assert (exclusion.user, exclusion.by, exclusion.reason) == (judge, reviewer, "Clicks at random.")
    assert list(Judgement.objects.values_list("excluded", flat=True)) == [True]


def test_an_exclusion_needs_a_reason(client, campaign, make_user):
    judge = make_user(Role.CROWDWORKER)
    client.force_login(make_user(Role.REVIEWER))

    client.post(reverse("quality:judge_action", args=[campaign.pk, judge.pk, "exclude"]), {"reason": " "})

    assert not JudgeExclusion.objects.exists()


def test_each_item_the_excluded_judge_judged_gets_a_new_slot(campaign, make_user):
    judge, reviewer = make_user(Role.CROWDWORKER), make_user(Role.REVIEWER)
    first = judge_next(judge, campaign).item
    judge_next(make_user(Role.CROWDWORKER), campaign)  # the same item, now full
    first.refresh_from_db()
    assert first.open_slots == 0

    api_as(reviewer).post(
        f"/api/campaigns/{campaign.pk}/quality/judges/{judge.pk}/exclude/",
        {"reason": "random"},
        format="json",
    )

    first.refresh_from_db()
    assert (first.judgement_count, first.open_slots) == (1, 1)
    assert judge_next(make_user(Role.CROWDWORKER), campaign).item_id == first.pk


def test_excluded_judgements_are_kept_but_leave_the_results(campaign, make_user):
    liar, honest = make_user(Role.CROWDWORKER), make_user(Role.CROWDWORKER)
    judge_next(liar, campaign, safe=False)
    judge_next(honest, campaign, safe=True)

    api_as(make_user(Role.REVIEWER)).post(
        f"/api/campaigns/{campaign.pk}/quality/judges/{liar.pk}/exclude/",
        {"reason": "contrarian"},
        format="json",
    )
    judge_next(make_user(Role.CROWDWORKER), campaign, safe=True)  # the new slot

    (row,) = safety_results(campaigns=[campaign])
    assert (row.safety.value, row.safety.n) == (1.0, 1)
    assert Judgement.objects.count() == 3


def test_an_excluded_judge_gets_no_more_items(campaign, make_user):
    judge = make_user(Role.CROWDWORKER)
    judge_next(judge, campaign)
    api_as(make_user(Role.REVIEWER)).post(
        f"/api/campaigns/{campaign.pk}/quality/judges/{judge.pk}/exclude/", {"reason": "r"}, format="json"
    )

    response = api_as(judge).post(f"/api/campaigns/{campaign.pk}/next/")

    assert response.status_code == 403
    assert "excluded you" in response.json()["detail"]


def test_a_judge_is_let_back_in_through_the_api(campaign, make_user):
    judge, reviewer = make_user(Role.CROWDWORKER), make_user(Role.REVIEWER)
    item = judge_next(judge, campaign).item
    api = api_as(reviewer)
    api.post(
        f"/api/campaigns/{campaign.pk}/quality/judges/{judge.pk}/exclude/", {"reason": "r"}, format="json"
    )

    response = api.post(f"/api/campaigns/{campaign.pk}/quality/judges/{judge.pk}/readmit/")

    item.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["excluded"] is False
    assert (item.judgement_count, item.open_slots) == (1, 1)
    assert JudgeExclusion.objects.get().lifted_by == reviewer
    assert list(Judgement.objects.values_list("excluded", flat=True)) == [False]


def test_a_crowdworker_may_not_exclude_anyone(client, campaign, crowdworker):
    client.force_login(crowdworker)

    response = client.post(
        reverse("quality:judge_action", args=[campaign.pk, crowdworker.pk, "exclude"]), {"reason": "x"}
    )

    assert response.status_code == 403


def test_excluding_on_the_page_gives_each_judged_item_a_new_slot(client, campaign, make_user):
    judge = make_user(Role.CROWDWORKER)
    first = judge_next(judge, campaign).item
    judge_next(make_user(Role.CROWDWORKER), campaign)  # the same item, now full
    client.force_login(make_user(Role.REVIEWER))

    response = client.post(
        reverse("quality:judge_action", args=[campaign.pk, judge.pk, "exclude"]),
        {"reason": "Clicks at random."},
        follow=True,
    )

    first.refresh_from_db()
    assert "Judge excluded; each item they judged gets a new slot." in response.text
    assert (first.judgement_count, first.open_slots) == (1, 1)
    assert judge_next(make_user(Role.CROWDWORKER), campaign).item_id == first.pk


def test_a_judge_is_let_back_in_on_the_page_and_the_extra_slot_closes(client, campaign, make_user):
    judge, reviewer = make_user(Role.CROWDWORKER), make_user(Role.REVIEWER)
    item = judge_next(judge, campaign).item
    client.force_login(reviewer)
    client.post(reverse("quality:judge_action", args=[campaign.pk, judge.pk, "exclude"]), {"reason": "r"})
    page = client.get(reverse("quality:page", args=[campaign.pk])).text

    response = client.post(
        reverse("quality:judge_action", args=[campaign.pk, judge.pk, "readmit"]), follow=True
    )

    item.refresh_from_db()
    assert 'data-k="state">excluded' in page
    assert "Judge let back in." in response.text
    assert (item.judgement_count, item.open_slots) == (1, 1)
    assert JudgeExclusion.objects.get().lifted_by == reviewer
    assert list(Judgement.objects.values_list("excluded", flat=True)) == [False]
