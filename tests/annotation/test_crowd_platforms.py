"""Entry from crowd platforms: a passwordless account per participant id, a quota per person, a
completion code or redirect, and the admin's report per person."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from annotation.assignment import assignment_next_for
from annotation.crowd import crowd_link_create
from annotation.models import Campaign, CrowdLink, CrowdParticipant, Item, ItemPurpose, Judgement
from annotation.services import judgement_submit
from config.roles import Role, user_roles

pytestmark = pytest.mark.django_db

PROLIFIC = {"PROLIFIC_PID": "5f1a2b3c4d5e6f7a8b9c0d1e", "STUDY_ID": "study1", "SESSION_ID": "sess1"}
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def safety(make_campaign) -> Campaign:
    return make_campaign(*[(f"prompt {i}", f"response {i}") for i in range(5)], n=3)


@pytest.fixture
def link(safety) -> CrowdLink:
    return crowd_link_create(
        campaign=safety,
        platform=CrowdLink.Platform.PROLIFIC,
        quota_per_person=2,
        completion_code="C0DE42",
        hourly_rate=Decimal("12.00"),
    )


def _enter(client: Client, link: CrowdLink, **params: str):
    return client.get(reverse("crowd:enter", args=[link.token]), params or PROLIFIC)


def _judged_through_the_service(user, campaign: Campaign) -> None:
    # A submit needs the item's lease: take the next item first, as the workspace does.
    judgement_submit(user=user, item=assignment_next_for(user=user, campaign=campaign), data={"safe": True})


def _judge_next(client: Client, campaign: Campaign):
    """Open the workspace and judge the item it shows; the submit's response and the page."""
    page = client.get(reverse("annotation:workspace", args=[campaign.pk]))
    item_id = int(re.search(r'data-item="(\d+)"', page.text).group(1))
    return client.post(
        reverse("annotation:submit", args=[campaign.pk, item_id]), {"verdict": "safe"}, **HX
    ), page


def test_a_prolific_link_makes_a_passwordless_crowdworker_bound_to_the_participant_id(client, link):
    response = _enter(client, link)

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
    _enter(client, link)

    assert client.get(reverse("annotation:workspace", args=[link.campaign_id])).status_code == 200


def test_coming_back_finds_the_same_account(link):
    _enter(Client(), link)
    _enter(Client(), link, **{**PROLIFIC, "SESSION_ID": "sess2"})

    assert CrowdParticipant.objects.count() == 1
    assert CrowdParticipant.objects.get().session_id == "sess2"


def test_a_link_without_a_participant_id_is_refused_and_makes_no_account(client, link):
    response = _enter(client, link, STUDY_ID="study1")

    assert response.status_code == 400
    assert not User.objects.filter(crowd_participant__isnull=False).exists()


def test_a_participant_id_with_markup_is_refused(client, link):
    response = _enter(client, link, PROLIFIC_PID="<script>x</script>")

    assert response.status_code == 400
    assert "<script>x" not in response.text


def test_an_mturk_preview_is_asked_to_accept_the_task_first(client, safety):
    mturk = crowd_link_create(
        campaign=safety, platform=CrowdLink.Platform.MTURK, quota_per_person=1, completion_code="X"
    )

    response = _enter(
        client, mturk, workerId="A1B2C3", assignmentId="ASSIGNMENT_ID_NOT_AVAILABLE", hitId="H1"
    )

    assert response.status_code == 400
    assert not CrowdParticipant.objects.exists()


def test_an_mturk_link_binds_the_worker_id(client, safety):
    mturk = crowd_link_create(
        campaign=safety, platform=CrowdLink.Platform.MTURK, quota_per_person=1, completion_code="X"
    )

    _enter(client, mturk, workerId="A1B2C3", assignmentId="ASG9", hitId="HIT7")

    assert CrowdParticipant.objects.values_list("participant_id", "study_id", "session_id").get() == (
        "A1B2C3",
        "HIT7",
        "ASG9",
    )


def test_a_closed_campaign_cannot_be_entered(client, link):
    Campaign.objects.filter(pk=link.campaign_id).update(status=Campaign.Status.CLOSED)

    assert _enter(client, link).status_code == 400


def test_entering_ends_another_persons_session_in_that_browser(client, link, admin_user):
    client.force_login(admin_user)

    _enter(client, link)

    assert client.session["_auth_user_id"] == str(CrowdParticipant.objects.get().user_id)


def test_reaching_the_quota_sends_the_participant_to_the_completion_code(client, link):
    _enter(client, link)
    _judge_next(client, link.campaign)

    last, _ = _judge_next(client, link.campaign)

    assert last["HX-Redirect"] == reverse("crowd:done", args=[link.campaign_id])
    done = client.get(reverse("annotation:workspace", args=[link.campaign_id]), follow=True)
    assert '<output data-testid="completion-code">C0DE42</output>' in done.text


def test_the_quota_holds_however_the_participant_comes_back(client, link):
    _enter(client, link)
    _judge_next(client, link.campaign)
    _judge_next(client, link.campaign)

    response = _enter(client, link)

    assert client.get(response["Location"])["Location"] == reverse("crowd:done", args=[link.campaign_id])
    assert Judgement.objects.count() == 2


def test_a_completion_url_sends_the_participant_back_to_the_platform(client, safety):
    link = crowd_link_create(
        campaign=safety,
        platform=CrowdLink.Platform.PROLIFIC,
        quota_per_person=1,
        completion_url="https://app.prolific.com/submissions/complete?cc=ABC",
    )
    _enter(client, link)
    _judge_next(client, safety)

    response = client.get(reverse("crowd:done", args=[safety.pk]))

    assert response["Location"] == "https://app.prolific.com/submissions/complete?cc=ABC"
    assert CrowdParticipant.objects.get().finished_at is not None


def test_people_who_did_not_come_through_a_link_have_no_quota(client, link, crowdworker):
    client.force_login(crowdworker)
    for _ in range(3):
        _judged_through_the_service(crowdworker, link.campaign)

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
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_report_lists_each_participants_items_active_time_and_pay(client, admin_user, link):
    participant_client = Client()
    _enter(participant_client, link)
    participant = CrowdParticipant.objects.get()
    for _ in range(2):
        _judged_through_the_service(participant.user, link.campaign)
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
    _enter(Client(), link)
    participant = CrowdParticipant.objects.get()
    for _ in range(2):
        _judged_through_the_service(participant.user, link.campaign)
    # Both judged items turn out to be gold: one answered as known, one not.
    Item.objects.filter(judgements__user=participant.user).update(purpose=ItemPurpose.GOLD)
    first, second = Judgement.objects.filter(user=participant.user).order_by("id")
    Judgement.objects.filter(pk=first.pk).update(check_passed=True)
    Judgement.objects.filter(pk=second.pk).update(check_passed=False)
    client.force_login(admin_user)

    [row] = _report(client, link.campaign)

    assert row["gold_accuracy"] == "0.500"


def test_the_report_pays_at_the_rate_the_admin_sets(client, admin_user, link):
    _enter(Client(), link)
    participant = CrowdParticipant.objects.get()
    _judged_through_the_service(participant.user, link.campaign)
    Judgement.objects.update(time_spent_ms=60 * 60_000)
    client.force_login(admin_user)

    [row] = _report(client, link.campaign, hourly_rate="20.50")

    assert row["suggested_pay"] == "20.50"


def test_only_admins_read_the_report(client, make_user, link):
    client.force_login(make_user(Role.REVIEWER))

    assert client.get(reverse("campaigns:crowd_report", args=[link.campaign_id])).status_code == 403


def test_a_deactivated_participant_cannot_come_back(client, link):
    _enter(Client(), link)
    User.objects.filter(crowd_participant__isnull=False).update(is_active=False)

    response = _enter(client, link)

    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
