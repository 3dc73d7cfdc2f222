"""Entry from crowd platforms: a passwordless account per submission (participant id and session
id), a quota per submission, a completion code or redirect, and the admin's report per person."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from annotation.crowd import crowd_link_create
from annotation.models import Campaign, CrowdLink, CrowdParticipant, Item, ItemPurpose, Judgement
from common.roles import Role, user_roles
from tests.annotation.crowd_support import PROLIFIC, enter, judge_next, judged_through_the_service

pytestmark = pytest.mark.django_db


def test_a_prolific_link_makes_a_passwordless_crowdworker_bound_to_the_participant_id(client, link):
    response = enter(client, link)

    participant = CrowdParticipant.objects.get()
    assert (
        participant.platform,
        participant.participant_id,
        participant.study_id,
        participant.session_id,
    ) == (
        "prolific",
        PROLIFIC["PROLIFIC_PID"],
        "study1",
        "sess1",
    )
    assert not participant.user.has_usable_password()
    assert user_roles(participant.user) == {Role.CROWDWORKER}
    assert response["Location"] == reverse("annotation:workspace", args=[link.campaign_id])


def test_the_entered_participant_is_signed_in(client, link):
    enter(client, link)

    assert client.get(reverse("annotation:workspace", args=[link.campaign_id])).status_code == 200


def test_coming_back_with_the_same_session_finds_the_same_account(link):
    enter(Client(), link)
    enter(Client(), link)

    assert CrowdParticipant.objects.count() == 1


def test_another_session_id_for_the_same_participant_is_another_submission(link):
    enter(Client(), link)
    enter(Client(), link, **{**PROLIFIC, "SESSION_ID": "sess2"})

    assert sorted(CrowdParticipant.objects.values_list("session_id", flat=True)) == ["sess1", "sess2"]
    assert len({p.user_id for p in CrowdParticipant.objects.all()}) == 2


def test_a_link_without_a_participant_id_is_refused_and_makes_no_account(client, link):
    response = enter(client, link, STUDY_ID="study1")

    assert response.status_code == 400
    assert not User.objects.filter(crowd_participant__isnull=False).exists()


def test_a_participant_id_with_markup_is_refused(client, link):
    response = enter(client, link, PROLIFIC_PID="<script>x</script>")

    assert response.status_code == 400
    assert "<script>x" not in response.text


def test_an_mturk_preview_is_asked_to_accept_the_task_first(client, safety):
    mturk = crowd_link_create(
        campaign=safety, platform=CrowdLink.Platform.MTURK, quota_per_person=1, completion_code="X"
    )

    response = enter(client, mturk, workerId="A1B2C3", assignmentId="ASSIGNMENT_ID_NOT_AVAILABLE", hitId="H1")

    assert response.status_code == 400
    assert not CrowdParticipant.objects.exists()


def test_an_mturk_link_binds_the_worker_id(client, safety):
    mturk = crowd_link_create(
        campaign=safety, platform=CrowdLink.Platform.MTURK, quota_per_person=1, completion_code="X"
    )

    enter(client, mturk, workerId="A1B2C3", assignmentId="ASG9", hitId="HIT7")

    assert CrowdParticipant.objects.values_list("participant_id", "study_id", "session_id").get() == (
        "A1B2C3",
        "HIT7",
        "ASG9",
    )


def test_a_closed_campaign_cannot_be_entered(client, link):
    Campaign.objects.filter(pk=link.campaign_id).update(status=Campaign.Status.CLOSED)

    assert enter(client, link).status_code == 400


def test_starting_ends_another_persons_session_in_that_browser(client, link, admin_user):
    client.force_login(admin_user)

    enter(client, link)

    assert client.session["_auth_user_id"] == str(CrowdParticipant.objects.get().user_id)


def test_reaching_the_quota_sends_the_participant_to_the_completion_code(client, link):
    enter(client, link)
    judge_next(client, link.campaign)

    last, _ = judge_next(client, link.campaign)

    assert last["HX-Redirect"] == reverse("crowd:done", args=[link.campaign_id])
    done = client.get(reverse("annotation:workspace", args=[link.campaign_id]), follow=True)
    assert '<output data-testid="completion-code">C0DE42</output>' in done.text


def test_the_quota_holds_however_the_participant_comes_back(client, link):
    enter(client, link)
    judge_next(client, link.campaign)
    judge_next(client, link.campaign)

    response = enter(client, link)

    assert client.get(response["Location"])["Location"] == reverse("crowd:done", args=[link.campaign_id])
    assert Judgement.objects.count() == 2


def test_a_completion_url_sends_the_participant_back_to_the_platform(client, safety):
    link = crowd_link_create(
        campaign=safety,
        platform=CrowdLink.Platform.PROLIFIC,
        quota_per_person=1,
        completion_url="https://app.prolific.com/submissions/complete?cc=ABC",
    )
    enter(client, link)
    judge_next(client, safety)

    response = client.get(reverse("crowd:done", args=[safety.pk]))

    assert response["Location"] == "https://app.prolific.com/submissions/complete?cc=ABC"
    assert CrowdParticipant.objects.get().finished_at is not None


def test_people_who_did_not_come_through_a_link_have_no_quota(client, link, crowdworker):
    client.force_login(crowdworker)
    for _ in range(3):
        judged_through_the_service(crowdworker, link.campaign)

    assert client.get(reverse("annotation:workspace", args=[link.campaign_id])).status_code == 200


def test_a_responsibility_campaign_gets_no_crowd_link(make_campaign):
    campaign = make_campaign(("p", "r"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")

    with pytest.raises(ValueError, match="safety campaigns only"):
        crowd_link_create(campaign=campaign, platform="prolific", quota_per_person=1, completion_code="X")


def test_an_admin_creates_a_link_on_the_campaign_page(client, admin_user, safety):
    client.force_login(admin_user)

    client.post(
        reverse("campaigns:crowd_link_create", args=[safety.pk]),
        {
            "platform": "prolific",
            "quota_per_person": 20,
            "completion_code": "DONE1",
            "hourly_rate": "9.50",
            "currency": "GBP",
        },
    )

    link = CrowdLink.objects.get()
    page = client.get(reverse("campaigns:detail", args=[safety.pk])).text
    assert reverse("crowd:enter", args=[link.token]) in page


def test_a_link_needs_a_completion_code_or_url(client, admin_user, safety):
    client.force_login(admin_user)

    response = client.post(
        reverse("campaigns:crowd_link_create", args=[safety.pk]),
        {"platform": "prolific", "quota_per_person": 20, "hourly_rate": "9.50", "currency": "GBP"},
    )

    assert response.status_code == 400
    assert not CrowdLink.objects.exists()


def _report(client: Client, campaign: Campaign, **params: str) -> list[dict[str, str]]:
    response = client.get(reverse("campaigns:crowd_report", args=[campaign.pk]), params)
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_report_lists_each_participants_items_active_time_and_pay(client, admin_user, link):
    participant_client = Client()
    enter(participant_client, link)
    participant = CrowdParticipant.objects.get()
    for _ in range(2):
        judged_through_the_service(participant.user, link.campaign)
    Judgement.objects.update(time_spent_ms=15 * 60_000)
    client.force_login(admin_user)

    [row] = _report(client, link.campaign)

    assert (row["participant_id"], row["items"], row["active_minutes"]) == (
        PROLIFIC["PROLIFIC_PID"],
        "2",
        "30.0",
    )
    assert (row["suggested_pay"], row["currency"]) == ("6.00", "GBP")
    assert row["gold_accuracy"] == ""


def test_the_report_gives_each_participants_gold_accuracy(client, admin_user, link):
    enter(Client(), link)
    participant = CrowdParticipant.objects.get()
    for _ in range(2):
        judged_through_the_service(participant.user, link.campaign)
    # Both judged items turn out to be gold: one answered as known, one not.
    Item.objects.filter(judgements__user=participant.user).update(purpose=ItemPurpose.GOLD)
    first, second = Judgement.objects.filter(user=participant.user).order_by("id")
    Judgement.objects.filter(pk=first.pk).update(check_passed=True)
    Judgement.objects.filter(pk=second.pk).update(check_passed=False)
    client.force_login(admin_user)

    [row] = _report(client, link.campaign)

    assert row["gold_accuracy"] == "0.500"


def test_the_report_pays_at_the_rate_the_admin_sets(client, admin_user, link):
    enter(Client(), link)
    participant = CrowdParticipant.objects.get()
    judged_through_the_service(participant.user, link.campaign)
    Judgement.objects.update(time_spent_ms=60 * 60_000)
    client.force_login(admin_user)

    [row] = _report(client, link.campaign, hourly_rate="20.50")

    assert row["suggested_pay"] == "20.50"


def test_only_admins_read_the_report(client, make_user, link):
    client.force_login(make_user(Role.REVIEWER))

    assert client.get(reverse("campaigns:crowd_report", args=[link.campaign_id])).status_code == 403


def test_a_deactivated_participant_cannot_come_back(client, link):
    enter(Client(), link)
    User.objects.filter(crowd_participant__isnull=False).update(is_active=False)

    response = enter(client, link)

    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
