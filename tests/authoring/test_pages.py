"""The pages of authoring, for each role: admins' campaign pages, authors' write page and
submissions, reviewers' queue; each write goes through the same service as the API."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from authoring.inputs import MAX_TURN_CHARS, ReviewInput, SubmissionInput
from authoring.models import AuthoringCampaign, Submission
from authoring.services import submission_review, submission_submit
from common.roles import Role
from prompts.models import Domain, PromptSet

pytestmark = pytest.mark.django_db


def write_post(client, campaign, text="婚前财产如何认定？", follow=False, **values):
    values.setdefault("submit_key", str(uuid.uuid4()))
    return client.post(
        reverse("authoring:write", args=[campaign.pk]), {"text": text, **values}, follow=follow
    )


def test_an_admin_creates_an_expert_campaign_on_the_page(admin_client):
    response = admin_client.post(
        reverse("authoring:campaign_create"),
        {
            "name": "Family law",
            "kind": "expert",
            "domain": Domain.objects.get(slug="law").pk,
            "max_turns": 3,
            "quota_per_person": 5,
            "quota_total": 50,
            "pay_per_accepted": "2.00",
            "currency": "GBP",
            "break_after_minutes": 30,
            "briefs-TOTAL_FORMS": 2,
            "briefs-INITIAL_FORMS": 0,
        },
    )

    campaign = AuthoringCampaign.objects.get(name="Family law")
    assert response.status_code == 302
    assert campaign.status == AuthoringCampaign.Status.DRAFT
    assert PromptSet.objects.filter(name="Family law", source="authoring").exists()
    assert admin_client.get(reverse("authoring:campaign_detail", args=[campaign.pk])).status_code == 200


def test_a_refused_campaign_is_shown_in_the_form_and_nothing_is_made(admin_client):
    response = admin_client.post(
        reverse("authoring:campaign_create"),
        {
            "name": "No target",
            "kind": "attack",
            "max_turns": 3,
            "quota_per_person": 5,
            "quota_total": 50,
            "pay_per_accepted": "0",
            "currency": "GBP",
            "break_after_minutes": 30,
            "briefs-TOTAL_FORMS": 0,
            "briefs-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 200
    assert "at least one model to attack" in response.content.decode()
    assert not AuthoringCampaign.objects.exists()


def test_an_admin_opens_a_campaign_and_edits_it(admin_client, make_authoring):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT, status="draft")

    admin_client.post(reverse("authoring:campaign_status", args=[campaign.pk]), {"status": "open"})
    page = admin_client.get(reverse("authoring:campaign_edit", args=[campaign.pk]))

    campaign.refresh_from_db()
    assert campaign.status == AuthoringCampaign.Status.OPEN
    assert page.status_code == 200
    assert campaign.name in page.content.decode()


@pytest.mark.parametrize("name", ["campaign_list", "campaign_create", "review_index"])
def test_authors_may_not_open_the_admin_and_review_pages(client, expert, name):
    client.force_login(expert)

    assert client.get(reverse(f"authoring:{name}")).status_code == 403


def test_the_home_page_links_each_role_to_its_authoring_pages(client, expert, make_user, admin_user):
    client.force_login(expert)
    assert reverse("authoring:home") in client.get("/").content.decode()
    client.force_login(make_user(Role.REVIEWER))
    assert reverse("authoring:review_index") in client.get("/").content.decode()
    client.force_login(admin_user)
    assert reverse("authoring:campaign_list") in client.get("/").content.decode()


def test_an_expert_sees_the_open_campaigns_of_their_domain_only(client, expert, make_authoring):
    mine = make_authoring(AuthoringCampaign.Kind.EXPERT, name="Law prompts")
    make_authoring(AuthoringCampaign.Kind.EXPERT, name="Closed one", status="closed")
    make_authoring(
        AuthoringCampaign.Kind.EXPERT, name="Other domain", domain=Domain.objects.get(slug="barrier_free")
    )
    client.force_login(expert)

    page = client.get(reverse("authoring:home")).content.decode()

    assert "Law prompts" in page
    assert reverse("authoring:write", args=[mine.pk]) in page
    assert "Closed one" not in page
    assert "Other domain" not in page


def test_the_write_page_renders_the_instructions_through_the_sanitiser(client, expert, make_authoring):
    campaign = make_authoring(
        AuthoringCampaign.Kind.EXPERT, instructions="**Be precise** <script>alert(1)</script>"
    )
    client.force_login(expert)

    page = client.get(reverse("authoring:write", args=[campaign.pk])).content.decode()

    assert "<strong>Be precise</strong>" in page
    assert "<script>alert(1)" not in page
    assert 'name="submit_key"' in page
    assert 'name="provenance"' in page
    assert "js/typing_provenance.js" in page


def test_a_submit_on_the_page_is_stored_with_its_typing_figures_and_a_resend_says_it_was_stored_once(
    client, expert, make_authoring
):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    client.force_login(expert)
    key = str(uuid.uuid4())
    figures = json.dumps({"text": {"typed": 9, "pasted": 0, "typing_ms": 3000}})

    first = write_post(client, campaign, submit_key=key, provenance=figures, reference_answer="看证据。")
    second = write_post(client, campaign, submit_key=key, provenance=figures, follow=True)

    assert first.status_code == 302
    submission = Submission.objects.get()
    assert submission.provenance == {"text": {"typed": 9, "pasted": 0, "typing_ms": 3000}}
    assert submission.reference_answer == "看证据。"
    assert "submitted already" in second.content.decode()


def test_an_oversized_prompt_is_refused_on_the_page_with_the_limit(client, expert, make_authoring):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    client.force_login(expert)

    response = write_post(client, campaign, text="长" * (MAX_TURN_CHARS + 1))

    assert response.status_code == 200
    assert "4,000" in response.content.decode()
    assert not Submission.objects.exists()


def test_the_content_warning_comes_once_before_the_write_page(client, expert, make_authoring):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT, content_warning="Some prompts describe abuse.")
    client.force_login(expert)
    url = reverse("authoring:write", args=[campaign.pk])

    first = client.get(url).content.decode()
    client.post(reverse("authoring:content_warning", args=[campaign.pk]))
    then = client.get(url).content.decode()

    assert "Some prompts describe abuse." in first
    assert 'name="text"' not in first
    assert 'name="text"' in then


def test_the_write_page_suggests_a_break_after_the_campaigns_minutes(client, expert, make_authoring):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT, break_after_minutes=20)
    client.force_login(expert)

    page = client.get(reverse("authoring:write", args=[campaign.pk])).content.decode()

    assert 'data-break-after="20"' in page
    assert 'id="break-reminder"' in page
    assert "js/break_reminder.js" in page


def test_the_near_duplicate_check_answers_the_htmx_request_with_the_similar_accepted_prompts(
    client, expert, make_authoring, make_user
):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    text = "夫妻一方婚前购买的房产，婚后共同还贷，离婚时应该如何分割？"
    first = submission_submit(
        campaign=campaign, user=expert, data=SubmissionInput(text=text, submit_key=uuid.uuid4())
    )
    submission_review(
        submission=first.submission, user=make_user(Role.REVIEWER), data=ReviewInput(decision="accept")
    )
    client.force_login(expert)

    near = client.post(
        reverse("authoring:check", args=[campaign.pk]), {"text": text[:-2] + "分？"}, HTTP_HX_REQUEST="true"
    )
    far = client.post(
        reverse("authoring:check", args=[campaign.pk]), {"text": "今天天气怎么样"}, HTTP_HX_REQUEST="true"
    )

    assert text in near.content.decode()
    assert "No accepted prompt" in far.content.decode()


def test_my_submissions_show_the_status_and_the_reviewers_reason(client, expert, make_authoring, make_user):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    done = submission_submit(
        campaign=campaign, user=expert, data=SubmissionInput(text="一个问题", submit_key=uuid.uuid4())
    )
    submission_review(
        submission=done.submission,
        user=make_user(Role.REVIEWER),
        data=ReviewInput(decision="reject", reason_code="unclear"),
    )
    client.force_login(expert)

    page = client.get(reverse("authoring:mine")).content.decode()

    assert "Rejected" in page
    assert "It is unclear or incomplete." in page


def test_a_reviewer_reads_the_evidence_and_accepts_an_edited_prompt_from_the_queue(
    client, expert, make_authoring, make_user
):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    done = submission_submit(
        campaign=campaign,
        user=expert,
        data=SubmissionInput(
            text="原来的问题",
            submit_key=uuid.uuid4(),
            provenance={"text": {"typed": 5, "pasted": 15, "typing_ms": 61_000}},
        ),
    )
    client.force_login(make_user(Role.REVIEWER))

    page = client.get(reverse("authoring:review_queue", args=[campaign.pk])).content.decode()
    client.post(
        reverse("authoring:review", args=[done.submission.pk]), {"decision": "accept", "text": "改过的问题"}
    )

    assert "75% pasted" in page
    assert "61 s typing" in page
    assert expert.username not in page
    submission = Submission.objects.get()
    assert (submission.status, submission.text, submission.original_text) == (
        "accepted",
        "改过的问题",
        "原来的问题",
    )


def test_a_second_accept_on_the_page_says_it_was_accepted_already(client, expert, make_authoring, make_user):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    done = submission_submit(
        campaign=campaign, user=expert, data=SubmissionInput(text="一个问题", submit_key=uuid.uuid4())
    )
    client.force_login(make_user(Role.REVIEWER))
    url = reverse("authoring:review", args=[done.submission.pk])

    client.post(url, {"decision": "accept", "text": "一个问题"})
    again = client.post(url, {"decision": "accept", "text": "一个问题"}, follow=True)

    assert "accepted already" in again.content.decode()


def test_the_pay_report_page_and_its_csv(admin_client, expert, make_authoring, make_user):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT, pay_per_accepted=Decimal("2.50"))
    done = submission_submit(
        campaign=campaign, user=expert, data=SubmissionInput(text="一个问题", submit_key=uuid.uuid4())
    )
    submission_review(
        submission=done.submission, user=make_user(Role.REVIEWER), data=ReviewInput(decision="accept")
    )
    url = reverse("authoring:campaign_report", args=[campaign.pk])

    page = admin_client.get(url).content.decode()
    csv_text = admin_client.get(url, {"format": "csv"}).content.decode("utf-8-sig")

    assert "2.50 GBP" in page
    assert f"{expert.annotator_profile.pseudonym},1,0,0,2.50,GBP" in csv_text
    assert expert.username not in csv_text


def test_a_crowdworker_finds_an_open_attack_campaign_with_its_way_into_the_attack_workspace(
    client, crowdworker, make_authoring
):
    campaign = make_authoring(AuthoringCampaign.Kind.ATTACK, name="Break the model")
    client.force_login(crowdworker)

    page = client.get(reverse("authoring:home")).content.decode()

    assert "Break the model" in page
    assert reverse("authoring:attack", args=[campaign.pk]) in page
    assert reverse("authoring:write", args=[campaign.pk]) not in page
