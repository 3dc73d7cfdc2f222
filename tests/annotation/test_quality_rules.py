from datetime import timedelta

import pytest
from django.urls import reverse

from annotation.assignment import AssignmentRefused, assignment_next_for
from annotation.models import Item, JudgeStanding, Lease
from annotation.services import judgement_submit
from common.roles import Role
from tests.annotation.quality_support import PAIRS, judge_next, mark, settings_post, settings_set
from tests.config.api_support import api_as

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _attention_campaign(make_campaign, admin_user, every: int = 3, failures: int = 0):
    campaign = make_campaign(*PAIRS, min_seconds=0)
    for item in campaign.items.order_by("-pk")[:3]:
        mark(item, "attention", admin_user, safe=False)
    return settings_set(campaign, attention_every=every, failures_allowed=failures)


def _one_in_each_run(purposes: list[str], every: int) -> bool:
    runs = [purposes[i : i + every] for i in range(0, len(purposes), every)]
    return all(run.count("attention") == 1 for run in runs)


def test_an_attention_item_comes_once_in_each_run_of_k_items(make_campaign, admin_user, crowdworker):
    campaign = _attention_campaign(make_campaign, admin_user, every=3)

    purposes = [judge_next(crowdworker, campaign, safe=False).item.purpose for _ in range(6)]

    assert _one_in_each_run(purposes, 3), purposes


def test_a_failed_attention_check_is_marked_on_the_judgement(make_campaign, admin_user, crowdworker):
    campaign = _attention_campaign(make_campaign, admin_user, every=1)

    judgement = judge_next(crowdworker, campaign, safe=True)

    judgement.refresh_from_db()
    assert (judgement.item.purpose, judgement.check_passed) == ("attention", False)


def test_after_f_failures_a_judge_is_warned_on_the_page(client, make_campaign, admin_user, crowdworker):
    campaign = _attention_campaign(make_campaign, admin_user, every=1, failures=2)
    judge_next(crowdworker, campaign, safe=True)  # first failure
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))
    held = Lease.objects.get(user=crowdworker).item_id

    response = client.post(
        reverse("annotation:submit", args=[campaign.pk, held]), {"verdict": "safe"}, headers=HX
    )

    assert "Warning: 2 of your judgements failed a quality check" in response.content.decode()
    assert JudgeStanding.objects.get(user=crowdworker).warned_at is not None


def test_a_judgement_under_the_minimum_time_counts_as_a_failure(make_campaign, crowdworker):
    campaign = settings_set(make_campaign(*PAIRS), min_seconds=30, failures_allowed=5)

    judgement = judge_next(crowdworker, campaign)

    assert judgement.too_fast
    assert JudgeStanding.objects.get(user=crowdworker).failures == 1


def test_a_slow_enough_judgement_is_no_failure(make_campaign, crowdworker):
    campaign = settings_set(make_campaign(*PAIRS), min_seconds=3, failures_allowed=5)
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    lease = Lease.objects.get(user=crowdworker)
    Lease.objects.filter(pk=lease.pk).update(created_at=lease.created_at - timedelta(seconds=10))

    judgement, _ = judgement_submit(user=crowdworker, item=item, data={"safe": True})

    assert not judgement.too_fast
    assert not JudgeStanding.objects.filter(user=crowdworker).exists()


def test_one_failure_more_than_f_pauses_the_judge_and_releases_their_leases(
    make_campaign, admin_user, crowdworker
):
    campaign = _attention_campaign(make_campaign, admin_user, every=1, failures=1)
    judge_next(crowdworker, campaign, safe=True)  # warned
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    # A second tab holds another item when the pause comes.
    other = Item.objects.filter(campaign=campaign, purpose="regular").first()
    Lease.objects.create(
        item=other, user=crowdworker, campaign=campaign, expires_at=Lease.objects.get().expires_at
    )
    Item.objects.filter(pk=other.pk).update(lease_count=1, open_slots=other.open_slots - 1)

    judgement_submit(user=crowdworker, item=item, data={"safe": True})

    other.refresh_from_db()
    assert JudgeStanding.objects.get(user=crowdworker).paused_at is not None
    assert not Lease.objects.filter(user=crowdworker).exists()
    assert (other.lease_count, other.open_slots) == (0, campaign.judges_per_item)


def test_a_paused_judge_is_told_why_on_the_page(client, make_campaign, admin_user, crowdworker):
    campaign = _attention_campaign(make_campaign, admin_user, every=1, failures=1)
    judge_next(crowdworker, campaign, safe=True)
    judge_next(crowdworker, campaign, safe=True)
    client.force_login(crowdworker)

    response = client.get(reverse("annotation:workspace", args=[campaign.pk]))

    assert response.status_code == 409
    assert (
        "You are paused in this campaign: 2 of your judgements failed a quality check"
        in response.content.decode()
    )


def test_a_paused_judge_is_told_why_through_the_api(make_campaign, admin_user, crowdworker):
    campaign = _attention_campaign(make_campaign, admin_user, every=1, failures=1)
    judge_next(crowdworker, campaign, safe=True)
    judge_next(crowdworker, campaign, safe=True)

    response = api_as(crowdworker).post(f"/api/campaigns/{campaign.pk}/next/")

    assert response.status_code == 403
    assert "You are paused in this campaign" in response.json()["detail"]


def test_a_paused_judge_does_not_hold_back_other_judges(make_campaign, admin_user, make_user):
    campaign = _attention_campaign(make_campaign, admin_user, every=1, failures=1)
    paused = make_user(Role.CROWDWORKER)
    judge_next(paused, campaign, safe=True)
    judge_next(paused, campaign, safe=True)

    with pytest.raises(AssignmentRefused):
        assignment_next_for(user=paused, campaign=campaign)
    assert assignment_next_for(user=make_user(Role.CROWDWORKER), campaign=campaign) is not None


def test_a_reviewer_lets_a_paused_judge_resume_through_the_api(
    make_campaign, admin_user, crowdworker, make_user
):
    campaign = _attention_campaign(make_campaign, admin_user, every=1, failures=1)
    judge_next(crowdworker, campaign, safe=True)
    judge_next(crowdworker, campaign, safe=True)

    response = api_as(make_user(Role.REVIEWER)).post(
        f"/api/campaigns/{campaign.pk}/quality/judges/{crowdworker.pk}/resume/"
    )

    assert response.status_code == 200
    assert response.json()["paused"] is False
    assert assignment_next_for(user=crowdworker, campaign=campaign) is not None


def test_a_crowdworker_may_not_resume_anyone(make_campaign, crowdworker):
    campaign = make_campaign(*PAIRS)

    response = api_as(crowdworker).post(
        f"/api/campaigns/{campaign.pk}/quality/judges/{crowdworker.pk}/resume/"
    )

    assert response.status_code == 403


def test_rules_are_set_per_campaign_through_the_api(make_campaign, admin_user):
    campaign = make_campaign(*PAIRS)

    response = api_as(admin_user).patch(
        f"/api/campaigns/{campaign.pk}/quality/settings/",
        {"attention_every": 20, "failures_allowed": 3, "gold_rate": 0.05},
        format="json",
    )

    campaign.refresh_from_db()
    assert response.status_code == 200, response.content
    assert (campaign.attention_every, campaign.failures_allowed, campaign.gold_rate) == (20, 3, 0.05)


def test_a_gold_rate_above_one_is_refused_on_the_page(client, make_campaign, admin_user):
    campaign = make_campaign(*PAIRS)
    client.force_login(admin_user)

    client.post(
        reverse("quality:settings", args=[campaign.pk]),
        {
            "gold_rate": 2,
            "attention_every": 0,
            "failures_allowed": 0,
            "adjudication_threshold": 1,
            "adjudication_sample": 0,
            "competence_min": 0.7,
        },
    )

    campaign.refresh_from_db()
    assert campaign.gold_rate == 0.0


# ---------------------------------------------------------------- failed gold items count too


def _gold_campaign(make_campaign, admin_user, failures: int):
    """Three gold items known to be unsafe, served first (rate 1): a judge who calls them safe
    fails them."""
    campaign = make_campaign(*PAIRS, min_seconds=0)
    for item in campaign.items.order_by("-pk")[:3]:
        mark(item, "gold", admin_user, safe=False)
    return settings_set(campaign, gold_rate=1.0, failures_allowed=failures)


def test_a_gold_item_answered_wrongly_counts_as_a_failure(make_campaign, admin_user, crowdworker):
    campaign = _gold_campaign(make_campaign, admin_user, failures=3)

    judgement = judge_next(crowdworker, campaign, safe=True)

    judgement.refresh_from_db()
    assert (judgement.item.purpose, judgement.check_passed) == ("gold", False)
    assert JudgeStanding.objects.get(user=crowdworker).failures == 1


def test_a_gold_item_answered_right_is_no_failure(make_campaign, admin_user, crowdworker):
    campaign = _gold_campaign(make_campaign, admin_user, failures=3)

    judge_next(crowdworker, campaign, safe=False)

    assert not JudgeStanding.objects.filter(user=crowdworker).exists()


def test_failed_gold_items_warn_the_judge_on_the_page(client, make_campaign, admin_user, crowdworker):
    campaign = _gold_campaign(make_campaign, admin_user, failures=2)
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))
    first = Lease.objects.get(user=crowdworker).item_id
    client.post(reverse("annotation:submit", args=[campaign.pk, first]), {"verdict": "safe"}, headers=HX)
    second = Lease.objects.get(user=crowdworker).item_id

    response = client.post(
        reverse("annotation:submit", args=[campaign.pk, second]), {"verdict": "safe"}, headers=HX
    )

    assert "Warning: 2 of your judgements failed a quality check (a check item answered wrongly" in (
        response.content.decode()
    )


def test_failed_gold_items_pause_the_judge_and_release_their_leases_through_the_api(
    make_campaign, admin_user, crowdworker
):
    campaign = _gold_campaign(make_campaign, admin_user, failures=1)
    api = api_as(crowdworker)
    feedback = []
    for _ in range(2):
        served = api.post(f"/api/campaigns/{campaign.pk}/next/").json()
        feedback.append(
            api.post("/api/judgements/", {"item": served["id"], "safe": True}, format="json").json()[
                "feedback"
            ]
        )

    response = api.post(f"/api/campaigns/{campaign.pk}/next/")

    assert "check item answered wrongly" in feedback[0]["warning"]
    assert feedback[1]["paused"] is True
    assert response.status_code == 403
    assert (
        "You are paused in this campaign: 2 of your judgements failed a quality check"
        in (response.json()["detail"])
    )
    assert not Lease.objects.filter(user=crowdworker).exists()


def test_a_judge_paused_for_failed_gold_items_is_told_why_on_the_page(
    client, make_campaign, admin_user, crowdworker
):
    campaign = _gold_campaign(make_campaign, admin_user, failures=1)
    judge_next(crowdworker, campaign, safe=True)
    judge_next(crowdworker, campaign, safe=True)
    client.force_login(crowdworker)

    response = client.get(reverse("annotation:workspace", args=[campaign.pk]))

    assert response.status_code == 409
    assert "a check item answered wrongly" in response.content.decode()


def test_failed_gold_items_never_count_without_a_failure_rule(make_campaign, admin_user, crowdworker):
    campaign = _gold_campaign(make_campaign, admin_user, failures=0)

    judge_next(crowdworker, campaign, safe=True)

    assert not JudgeStanding.objects.filter(user=crowdworker).exists()


# ---------------------------------------------------------------- each rule through the pages and the API


def test_an_attention_item_comes_once_in_each_run_of_k_items_on_the_judging_page(
    client, make_campaign, admin_user, crowdworker
):
    campaign = _attention_campaign(make_campaign, admin_user, every=0)
    client.force_login(admin_user)
    settings_post(client, campaign, attention_every=2)
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))
    served = [Lease.objects.get(user=crowdworker).item]

    for _ in range(3):
        client.post(
            reverse("annotation:submit", args=[campaign.pk, served[-1].pk]), {"verdict": "unsafe"}, headers=HX
        )
        served.append(Lease.objects.get(user=crowdworker).item)

    assert _one_in_each_run([item.purpose for item in served], 2), served


def test_an_attention_item_comes_once_in_each_run_of_k_items_through_the_api(
    make_campaign, admin_user, crowdworker
):
    campaign = _attention_campaign(make_campaign, admin_user, every=0)
    api_as(admin_user).patch(
        f"/api/campaigns/{campaign.pk}/quality/settings/", {"attention_every": 2}, format="json"
    )
    api = api_as(crowdworker)
    purposes = []

    for _ in range(4):
        served = api.post(f"/api/campaigns/{campaign.pk}/next/").json()
        purposes.append(Item.objects.get(pk=served["id"]).purpose)
        api.post("/api/judgements/", {"item": served["id"], "safe": False}, format="json")

    assert _one_in_each_run(purposes, 2), purposes


def test_a_judgement_under_the_minimum_time_is_flagged_on_the_judging_page_and_for_the_reviewer(
    client, make_campaign, crowdworker, make_user
):
    campaign = settings_set(make_campaign(*PAIRS), min_seconds=30)
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))
    held = Lease.objects.get(user=crowdworker).item_id
    client.post(reverse("annotation:submit", args=[campaign.pk, held]), {"verdict": "safe"}, headers=HX)
    client.force_login(make_user(Role.REVIEWER))

    page = client.get(reverse("evaluation:item_detail", args=[held])).text

    assert "too fast" in page


def test_a_judgement_under_the_minimum_time_is_flagged_through_the_api(make_campaign, crowdworker):
    campaign = settings_set(make_campaign(*PAIRS), min_seconds=30, failures_allowed=5)
    api = api_as(crowdworker)
    served = api.post(f"/api/campaigns/{campaign.pk}/next/").json()

    response = api.post("/api/judgements/", {"item": served["id"], "safe": True}, format="json")

    assert response.status_code == 201
    assert response.json()["too_fast"] is True
    assert JudgeStanding.objects.get(user=crowdworker).failures == 1


def test_after_f_failures_the_api_tells_the_judge_the_warning(make_campaign, admin_user, crowdworker):
    campaign = _attention_campaign(make_campaign, admin_user, every=1, failures=2)
    api = api_as(crowdworker)
    warnings = []

    for _ in range(2):
        served = api.post(f"/api/campaigns/{campaign.pk}/next/").json()
        answer = api.post("/api/judgements/", {"item": served["id"], "safe": True}, format="json").json()
        warnings.append(answer["feedback"]["warning"])

    assert warnings[0] == ""
    assert warnings[1].startswith("Warning: 2 of your judgements failed a quality check")


def test_failure_rules_are_set_on_the_quality_page(client, make_campaign, admin_user):
    campaign = make_campaign(*PAIRS)
    client.force_login(admin_user)

    response = settings_post(client, campaign, failures_allowed=3)

    campaign.refresh_from_db()
    assert "Quality settings saved." in response.text
    assert campaign.failures_allowed == 3


def test_a_reviewer_lets_a_paused_judge_resume_on_the_quality_page(
    client, make_campaign, admin_user, crowdworker, make_user
):
    campaign = _attention_campaign(make_campaign, admin_user, every=1, failures=1)
    judge_next(crowdworker, campaign, safe=True)
    judge_next(crowdworker, campaign, safe=True)
    client.force_login(make_user(Role.REVIEWER))
    page = client.get(reverse("quality:page", args=[campaign.pk])).text

    client.post(reverse("quality:judge_action", args=[campaign.pk, crowdworker.pk, "resume"]))

    assert 'data-k="state">paused' in page
    assert JudgeStanding.objects.get(user=crowdworker).paused_at is None
    assert assignment_next_for(user=crowdworker, campaign=campaign) is not None
