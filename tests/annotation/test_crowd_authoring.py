"""Crowd platforms into authoring campaigns: a participant enters a link, writes prompts, and gets
the completion code only once they have submitted their share; the admin makes the link on the
authoring campaign's page and pays per accepted prompt. Each test plays the participant over HTTP."""

from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from annotation.crowd import crowd_link_create
from annotation.models import CrowdLink, CrowdParticipant
from annotation.services import CampaignRejected
from authoring.inputs import ReviewInput, SubmissionInput
from authoring.models import AuthoringCampaign, AuthorScope, Submission
from authoring.services import submission_review, submission_submit
from prompts.models import Scenario
from tests.annotation.crowd_support import PROLIFIC, enter, entry_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def collection(make_authoring) -> AuthoringCampaign:
    return make_authoring(AuthoringCampaign.Kind.COLLECTION, pay_per_accepted=Decimal("0.75"), currency="USD")


def _link(campaign: AuthoringCampaign, **values) -> CrowdLink:
    values.setdefault("platform", CrowdLink.Platform.PROLIFIC)
    values.setdefault("quota_per_person", 2)
    values.setdefault("completion_code", "PROMPTS42")
    return crowd_link_create(authoring_campaign=campaign, **values)


@pytest.fixture
def authoring_link(collection) -> CrowdLink:
    return _link(collection)


def _write(client: Client, campaign: AuthoringCampaign, text: str):
    return client.post(
        reverse("authoring:write", args=[campaign.pk]),
        {"text": text, "submit_key": str(uuid.uuid4()), "scenario": _crimes().pk},
    )


def _crimes() -> Scenario:
    return Scenario.objects.get(slug="crimes")


def _done(client: Client, campaign: AuthoringCampaign):
    return client.get(reverse("crowd:authoring_done", args=[campaign.pk]))


# ---------------------------------------------------------------- entering


def test_entering_an_authoring_link_makes_a_participant_bound_to_the_campaign_and_opens_its_write_page(
    client, authoring_link, collection
):
    response = enter(client, authoring_link)

    participant = CrowdParticipant.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("authoring:write", args=[collection.pk])
    assert participant.link == authoring_link
    assert AuthorScope.objects.get(user=participant.user).campaign == collection


def test_entering_again_with_the_same_session_reuses_the_participants_account(client, authoring_link):
    enter(client, authoring_link)

    enter(Client(), authoring_link)

    assert CrowdParticipant.objects.count() == 1
    assert AuthorScope.objects.count() == 1


def test_an_attack_campaigns_link_opens_the_attack_workspace(client, make_authoring):
    attack = make_authoring(AuthoringCampaign.Kind.ATTACK)

    response = enter(client, _link(attack))

    assert response.url == reverse("authoring:attack", args=[attack.pk])
    assert "You have submitted 0 of 2." in client.get(response.url).content.decode()


def test_the_welcome_page_tells_the_pay_per_accepted_prompt(client, authoring_link):
    page = client.get(entry_url(authoring_link, PROLIFIC)).content.decode()

    assert "You write up to 2 prompts." in page
    assert "0.75 USD for each prompt the reviewers accept" in page


def test_an_unknown_token_is_refused_with_a_message_that_says_the_link_is_not_valid(client):
    response = client.get(f"{reverse('crowd:enter', args=['not-a-token'])}?SESSION_ID=s&PROLIFIC_PID=p")

    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert not CrowdParticipant.objects.exists()


def test_an_inactive_link_is_refused_with_a_message_and_makes_no_account(client, authoring_link):
    CrowdLink.objects.filter(pk=authoring_link.pk).update(is_active=False)

    response = enter(client, authoring_link)

    assert response.status_code == 400
    assert "This study is not open right now." in response.content.decode()
    assert not CrowdParticipant.objects.exists()


def test_a_link_into_a_paused_authoring_campaign_is_refused(client, make_authoring):
    link = _link(make_authoring(AuthoringCampaign.Kind.COLLECTION))
    AuthoringCampaign.objects.filter(pk=link.authoring_campaign_id).update(status="paused")

    response = enter(client, link)

    assert response.status_code == 400
    assert not CrowdParticipant.objects.exists()


# ---------------------------------------------------------------- the code comes after the prompts


def test_the_completion_code_is_not_given_before_any_prompt_is_submitted(client, authoring_link, collection):
    enter(client, authoring_link)

    response = _done(client, collection)
    write_page = client.get(reverse("authoring:write", args=[collection.pk])).content.decode()

    assert response.status_code == 409
    assert "PROMPTS42" not in response.content.decode()
    assert "You have submitted 0 of 2 prompts." in response.content.decode()
    assert 'data-testid="finish"' not in write_page
    assert CrowdParticipant.objects.get().finished_at is None


def test_the_completion_code_is_not_given_short_of_the_quota(client, authoring_link, collection):
    enter(client, authoring_link)
    _write(client, collection, "第一个问题")

    response = _done(client, collection)

    assert response.status_code == 409
    assert "PROMPTS42" not in response.content.decode()


def test_the_submit_that_reaches_the_quota_leads_to_the_completion_code(client, authoring_link, collection):
    enter(client, authoring_link)
    _write(client, collection, "第一个问题")

    last = _write(client, collection, "第二个问题")
    done = client.get(last.url)

    assert last.url == reverse("crowd:authoring_done", args=[collection.pk])
    assert done.status_code == 200
    assert "PROMPTS42" in done.content.decode()
    assert CrowdParticipant.objects.get().finished_at is not None


def test_the_write_page_offers_the_finish_step_instead_of_the_form_once_the_part_is_done(
    client, authoring_link, collection
):
    enter(client, authoring_link)
    _write(client, collection, "第一个问题")
    _write(client, collection, "第二个问题")

    page = client.get(reverse("authoring:write", args=[collection.pk])).content.decode()

    assert reverse("crowd:authoring_done", args=[collection.pk]) in page
    assert 'id="write-form"' not in page


def test_the_links_quota_holds_when_the_campaign_allows_more(client, authoring_link, collection):
    enter(client, authoring_link)
    for text in ("第一个问题", "第二个问题", "第三个问题"):
        _write(client, collection, text)

    assert Submission.objects.filter(campaign=collection).count() == 2


def test_a_completion_url_sends_the_finished_participant_back_to_the_platform(client, collection):
    link = _link(
        collection, quota_per_person=1, completion_code="", completion_url="https://app.prolific.com/x"
    )
    enter(client, link)
    _write(client, collection, "一个问题")

    response = _done(client, collection)

    assert (response.status_code, response.url) == (302, "https://app.prolific.com/x")


def test_a_full_campaign_lets_the_participant_finish_without_their_quota(
    client, make_authoring, make_user, admin_user
):
    campaign = make_authoring(AuthoringCampaign.Kind.COLLECTION, quota_total=1)
    link = _link(campaign)
    submission_submit(
        campaign=campaign,
        user=admin_user,
        data=SubmissionInput(text="别人写的问题", submit_key=uuid.uuid4(), scenario=_crimes()),
    )
    enter(client, link)

    response = _done(client, campaign)

    assert response.status_code == 200
    assert "PROMPTS42" in response.content.decode()


# ---------------------------------------------------------------- bound to one campaign


def test_a_participant_cannot_write_in_or_see_another_authoring_campaign(
    client, authoring_link, collection, make_authoring
):
    other = make_authoring(AuthoringCampaign.Kind.COLLECTION, name="Another study")
    enter(client, authoring_link)

    write = client.get(reverse("authoring:write", args=[other.pk]))
    home = client.get(reverse("authoring:home")).content.decode()

    assert write.status_code == 403
    assert "Another study" not in home
    assert collection.name in home


def test_a_participant_cannot_open_an_attack_campaign_though_their_account_is_a_crowdworker(
    client, authoring_link, make_authoring
):
    attack = make_authoring(AuthoringCampaign.Kind.ATTACK)
    enter(client, authoring_link)

    assert client.get(reverse("authoring:attack", args=[attack.pk])).status_code == 403


def test_a_participant_of_an_authoring_campaign_judges_nothing(client, authoring_link, safety):
    enter(client, authoring_link)

    response = client.get(reverse("annotation:workspace", args=[safety.pk]))

    assert response.status_code == 403


def test_the_end_page_of_another_campaign_is_not_the_participants(client, authoring_link, make_authoring):
    other = make_authoring(AuthoringCampaign.Kind.COLLECTION)
    enter(client, authoring_link)

    assert _done(client, other).status_code == 404


def test_a_session_entered_for_one_campaign_is_refused_at_another_campaigns_link(
    client, authoring_link, make_authoring
):
    enter(client, authoring_link)
    other_link = _link(make_authoring(AuthoringCampaign.Kind.COLLECTION))

    response = enter(Client(), other_link)

    assert response.status_code == 400
    assert "another study" in response.content.decode()


# ---------------------------------------------------------------- the admin's side


def test_a_link_enters_exactly_one_campaign(safety, collection):
    with pytest.raises(CampaignRejected):
        crowd_link_create(
            campaign=safety, authoring_campaign=collection, platform="prolific", quota_per_person=1
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        CrowdLink.objects.create(platform="prolific", token="t", quota_per_person=1)


def test_an_authoring_link_pays_in_the_campaigns_currency(collection):
    with pytest.raises(CampaignRejected):
        _link(collection, currency="EUR")

    assert _link(collection).currency == "USD"


def test_an_admin_makes_an_authoring_link_from_the_campaigns_page(admin_client, collection):
    detail = admin_client.get(reverse("authoring:campaign_detail", args=[collection.pk])).content.decode()
    url = reverse("campaigns:authoring_crowd_links", args=[collection.pk])

    made = admin_client.post(
        url, {"platform": "prolific", "quota_per_person": 5, "completion_code": "DONE1", "currency": "GBP"}
    )
    section = admin_client.get(url, HTTP_HX_REQUEST="true").content.decode()

    assert url in detail
    assert made.url == reverse("authoring:campaign_detail", args=[collection.pk])
    link = CrowdLink.objects.get(authoring_campaign=collection)
    assert (link.quota_per_person, link.currency, link.completion_code) == (5, "USD", "DONE1")
    assert reverse("crowd:enter", args=[link.token]) in section
    assert "<html" not in section


def test_a_link_without_completion_code_or_url_is_refused_on_the_page(admin_client, collection):
    response = admin_client.post(
        reverse("campaigns:authoring_crowd_links", args=[collection.pk]),
        {"platform": "prolific", "quota_per_person": 5},
    )

    assert response.status_code == 400
    assert "Give a completion code, a completion URL, or both." in response.content.decode()
    assert not CrowdLink.objects.exists()


def test_the_pay_report_counts_each_participants_prompts_and_pays_the_accepted_ones(
    authoring_link, collection, admin_client, admin_user
):
    client = Client()
    enter(client, authoring_link)
    _write(client, collection, "第一个问题")
    _write(client, collection, "第二个问题")
    first = Submission.objects.order_by("pk").first()
    submission_review(submission=first, user=admin_user, data=ReviewInput(decision="accept", text=first.text))
    enter(Client(), authoring_link, PROLIFIC_PID="other", SESSION_ID="sess2")

    response = admin_client.get(reverse("campaigns:authoring_crowd_report", args=[collection.pk]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert [(r["participant_id"], r["accepted"], r["pending"], r["rejected"]) for r in rows] == [
        (PROLIFIC["PROLIFIC_PID"], "1", "1", "0"),
        ("other", "0", "0", "0"),
    ]
    assert [(r["pay"], r["pay_per_accepted"], r["currency"]) for r in rows] == [
        ("0.75", "0.75", "USD"),
        ("0.00", "0.75", "USD"),
    ]


def test_a_browser_that_entered_a_judging_study_since_gets_the_authoring_submission_back_at_its_end_page(
    client, authoring_link, collection, link
):
    enter(client, authoring_link)
    enter(client, link, PROLIFIC_PID="p2", STUDY_ID="study2", SESSION_ID="judging-session")

    response = _done(client, collection)

    assert response.status_code == 409
    assert "You have submitted 0 of 2 prompts." in response.content.decode()
