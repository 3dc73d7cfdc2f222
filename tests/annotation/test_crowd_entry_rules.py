"""Crowd entry that cannot be gamed: the completion code after the work, one quota on every way in,
one submission per session id, several studies in one browser, throttled account creation, and a
participant's account bound to the campaign whose link made it. Each test plays the participant
over HTTP."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from annotation.crowd import crowd_link_create
from annotation.models import Campaign, CrowdLink, CrowdParticipant, Judgement
from common.roles import Role
from tests.annotation.crowd_support import HX, PROLIFIC, enter, entry_url, judge_next

pytestmark = pytest.mark.django_db


def _done(client: Client, campaign: Campaign):
    return client.get(reverse("crowd:done", args=[campaign.pk]))


def _api_judge_next(client: Client, campaign: Campaign):
    """Lease and judge one item through the JSON API, in the participant's browser session."""
    api = APIClient()
    api.cookies = client.cookies
    leased = api.post(f"/api/campaigns/{campaign.pk}/next/")
    if leased.status_code != 200:
        return leased
    return api.post("/api/judgements/", {"item": leased.json()["id"], "safe": True}, format="json")


# ---------------------------------------------------------------- the code comes after the work


def test_a_participant_who_judged_nothing_gets_no_completion_code(client, link):
    enter(client, link)

    response = _done(client, link.campaign)

    assert response.status_code == 409
    assert "C0DE42" not in response.text
    assert CrowdParticipant.objects.get().finished_at is None


def test_a_participant_who_judged_nothing_is_not_sent_to_the_platforms_completion(client, safety):
    link = crowd_link_create(
        campaign=safety,
        platform=CrowdLink.Platform.PROLIFIC,
        quota_per_person=2,
        completion_url="https://app.prolific.com/submissions/complete?cc=ABC",
    )
    enter(client, link)

    response = _done(client, safety)

    assert response.status_code == 409
    assert "prolific.com" not in response.get("Location", "")


def test_a_participant_gets_the_code_when_nothing_is_left_for_them(client, make_campaign):
    campaign = make_campaign(("p", "r"), n=1)
    link = crowd_link_create(
        campaign=campaign, platform=CrowdLink.Platform.PROLIFIC, quota_per_person=5, completion_code="ALLDONE"
    )
    enter(client, link)
    judge_next(client, campaign)

    response = _done(client, campaign)

    assert response.status_code == 200
    assert "ALLDONE" in response.text


def test_a_participant_gets_the_code_at_the_quota(client, link):
    enter(client, link)
    judge_next(client, link.campaign)
    judge_next(client, link.campaign)

    assert "C0DE42" in _done(client, link.campaign).text


# ---------------------------------------------------------------- one quota on every way in


def test_the_api_leases_nothing_past_the_quota(client, link):
    enter(client, link)
    judge_next(client, link.campaign)
    judge_next(client, link.campaign)

    response = _api_judge_next(client, link.campaign)

    assert response.status_code == 403
    assert Judgement.objects.count() == 2


def test_the_api_judges_up_to_the_quota_and_no_further(client, link):
    enter(client, link)

    statuses = [_api_judge_next(client, link.campaign).status_code for _ in range(4)]

    assert statuses == [201, 201, 403, 403]
    assert Judgement.objects.count() == 2


def test_an_item_held_when_the_quota_is_lowered_takes_no_judgement(client, link):
    enter(client, link)
    judge_next(client, link.campaign)
    api = APIClient()
    api.cookies = client.cookies
    held = api.post(f"/api/campaigns/{link.campaign_id}/next/").json()["id"]
    CrowdLink.objects.filter(pk=link.pk).update(quota_per_person=1)

    response = api.post("/api/judgements/", {"item": held, "safe": True}, format="json")

    assert response.status_code == 400
    assert "quota" in response.json()
    assert Judgement.objects.count() == 1


def test_the_pay_report_counts_no_more_than_the_quota(client, admin_user, link):
    participant_client = Client()
    enter(participant_client, link)
    for _ in range(5):
        _api_judge_next(participant_client, link.campaign)
    client.force_login(admin_user)

    report = client.get(reverse("campaigns:crowd_report", args=[link.campaign_id]))
    [row] = csv.DictReader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig")))

    assert row["items"] == "2"


# ---------------------------------------------------------------- several studies, one browser


@pytest.fixture
def second_link(make_campaign) -> CrowdLink:
    campaign = make_campaign(*[(f"b prompt {i}", f"b response {i}") for i in range(5)], n=3)
    return crowd_link_create(
        campaign=campaign,
        platform=CrowdLink.Platform.PROLIFIC,
        quota_per_person=2,
        completion_code="BBBB22",
        hourly_rate=Decimal("10.00"),
    )


def test_entering_a_second_study_keeps_the_first_studys_record(client, admin_user, link, second_link):
    enter(client, link)
    judge_next(client, link.campaign)
    judge_next(client, link.campaign)
    enter(client, second_link, **{**PROLIFIC, "STUDY_ID": "study2", "SESSION_ID": "sess9"})
    judge_next(client, second_link.campaign)
    admin = Client()
    admin.force_login(admin_user)

    report = admin.get(reverse("campaigns:crowd_report", args=[link.campaign_id]))
    [row] = csv.DictReader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig")))

    assert (row["participant_id"], row["items"]) == (PROLIFIC["PROLIFIC_PID"], "2")


def test_the_first_studys_code_stays_reachable_after_entering_a_second(client, link, second_link):
    enter(client, link)
    judge_next(client, link.campaign)
    judge_next(client, link.campaign)
    enter(client, second_link, **{**PROLIFIC, "STUDY_ID": "study2", "SESSION_ID": "sess9"})

    response = _done(client, link.campaign)

    assert response.status_code == 200
    assert "C0DE42" in response.text


def test_the_first_studys_quota_holds_after_entering_a_second(client, link, second_link):
    enter(client, link)
    judge_next(client, link.campaign)
    judge_next(client, link.campaign)
    enter(client, second_link, **{**PROLIFIC, "STUDY_ID": "study2", "SESSION_ID": "sess9"})

    page = client.get(reverse("annotation:workspace", args=[link.campaign_id]))

    assert page["Location"] == reverse("crowd:done", args=[link.campaign_id])
    assert Judgement.objects.filter(campaign=link.campaign).count() == 2


# ---------------------------------------------------------------- the session id is the credential


def test_knowing_a_participant_id_does_not_resume_their_submission(link):
    victim = Client()
    enter(victim, link)
    judge_next(victim, link.campaign)
    victim_user = CrowdParticipant.objects.get().user
    intruder = Client()

    enter(intruder, link, **{**PROLIFIC, "SESSION_ID": "guessed"})

    assert intruder.session["_auth_user_id"] != str(victim_user.pk)
    mine = intruder.get(reverse("annotation:mine", args=[link.campaign_id]))
    assert "response 0" not in mine.text
    assert "response 1" not in mine.text
    assert CrowdParticipant.objects.get(user=victim_user).session_id == "sess1"


def test_a_new_session_starts_with_nothing_judged(link):
    first = Client()
    enter(first, link)
    judge_next(first, link.campaign)
    judge_next(first, link.campaign)
    second = Client()

    enter(second, link, **{**PROLIFIC, "SESSION_ID": "sess2"})

    assert "C0DE42" not in _done(second, link.campaign).text


def test_an_entry_without_a_session_id_is_refused(client, link):
    response = enter(client, link, PROLIFIC_PID=PROLIFIC["PROLIFIC_PID"], STUDY_ID="study1")

    assert response.status_code == 400
    assert not CrowdParticipant.objects.exists()


def test_a_participant_id_whose_username_is_taken_is_refused_and_touches_no_account(client, link, make_user):
    taken = make_user(Role.REVIEWER, username=f"prolific-{PROLIFIC['PROLIFIC_PID']}-{PROLIFIC['SESSION_ID']}")
    password_before = taken.password

    response = enter(client, link)

    assert response.status_code == 400
    assert "cannot be used here" in response.text
    taken.refresh_from_db()
    assert taken.password == password_before
    assert not hasattr(taken, "crowd_participant")
    assert "_auth_user_id" not in client.session


# ---------------------------------------------------------------- entry makes accounts with care


def test_opening_the_link_makes_no_account(client, link):
    response = client.get(entry_url(link, PROLIFIC))

    assert response.status_code == 200
    assert not CrowdParticipant.objects.exists()


def test_the_welcome_page_tells_the_quota_and_the_pay(client, link):
    page = client.get(entry_url(link, PROLIFIC)).text

    assert "up to 2 answers" in page
    assert "12.00 GBP" in page


def test_new_submissions_from_one_address_are_throttled(settings, link):
    settings.CROWD_ENTRY_RATE = "3/hour"
    statuses = [
        enter(Client(), link, **{**PROLIFIC, "PROLIFIC_PID": f"pid{i}", "SESSION_ID": f"s{i}"}).status_code
        for i in range(4)
    ]

    assert statuses == [302, 302, 302, 429]
    assert CrowdParticipant.objects.count() == 3


def test_resuming_a_submission_is_never_throttled(settings, link):
    settings.CROWD_ENTRY_RATE = "1/hour"
    enter(Client(), link)

    assert enter(Client(), link).status_code == 302


def test_a_signed_in_staff_member_is_asked_before_being_signed_out(client, link, admin_user):
    client.force_login(admin_user)

    page = client.get(entry_url(link, PROLIFIC))

    assert page.status_code == 200
    assert admin_user.username in page.text
    assert client.session["_auth_user_id"] == str(admin_user.pk)
    assert not CrowdParticipant.objects.exists()


# ---------------------------------------------------------------- bound to the link's campaign


def test_a_participant_cannot_judge_a_campaign_they_did_not_enter(client, link, make_campaign):
    other = make_campaign(("other prompt", "other response"), n=3)
    enter(client, link)

    page = client.get(reverse("annotation:workspace", args=[other.pk]))
    api = APIClient()
    api.cookies = client.cookies
    leased = api.post(f"/api/campaigns/{other.pk}/next/")

    assert page.status_code == 403
    assert leased.status_code == 404
    assert not Judgement.objects.filter(campaign=other).exists()


def test_a_participant_sees_only_the_campaign_they_entered(client, link, make_campaign):
    other = make_campaign(("other prompt", "other response"), n=3)
    enter(client, link)
    api = APIClient()
    api.cookies = client.cookies

    listed = [c["id"] for c in api.get("/api/campaigns/").json()["results"]]
    home = client.get(reverse("annotation:home")).text

    assert listed == [link.campaign_id]
    assert other.name not in home


def test_a_participant_cannot_submit_to_an_item_of_another_campaign(client, link, make_campaign):
    other = make_campaign(("other prompt", "other response"), n=3)
    enter(client, link)
    item = other.items.get()

    response = client.post(reverse("annotation:submit", args=[other.pk, item.pk]), {"verdict": "safe"}, **HX)

    assert response.status_code == 403
    assert not Judgement.objects.filter(campaign=other).exists()


def test_people_with_a_password_still_judge_every_open_safety_campaign(client, link, crowdworker):
    client.force_login(crowdworker)

    assert client.get(reverse("annotation:workspace", args=[link.campaign_id])).status_code == 200
    assert User.objects.filter(pk=crowdworker.pk, crowd_participant__isnull=True).exists()
