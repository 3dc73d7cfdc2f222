"""Expert-answers campaigns: experts write reference answers to given prompts (the ones a model
answered worst), reviewers review them as any submission, staff export SFT pairs and DPO triples."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse

from authoring.inputs import MAX_REFERENCE_ANSWER_CHARS, AuthoringCampaignInput, ReviewInput
from authoring.models import AuthoringCampaign, Submission
from authoring.selectors import dpo_rows, next_given_prompt, sft_rows
from authoring.services import AuthoringRejected, authoring_campaign_create, submission_review
from common.roles import Role
from prompts.models import Level
from tests.authoring.answers_support import SCRIPT_PROMPT, answer, answers_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(admin_user, target) -> AuthoringCampaign:
    return answers_campaign(admin_user, target)


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER)


def accept(submission, reviewer, text=""):
    return submission_review(
        submission=submission, user=reviewer, data=ReviewInput(decision=ReviewInput.ACCEPT, text=text)
    )


def reject(submission, reviewer):
    return submission_review(
        submission=submission,
        user=reviewer,
        data=ReviewInput(decision=ReviewInput.REJECT, reason_code="unclear"),
    )


def test_the_campaign_keeps_its_given_prompts_in_order_with_the_models_answer_and_score(campaign):
    given = list(campaign.given_prompts.select_related("prompt", "response"))

    assert campaign.kind == AuthoringCampaign.Kind.EXPERT_ANSWERS
    assert campaign.level == Level.RESPONSIBILITY
    assert campaign.domain is None
    assert [g.position for g in given] == [1, 2, 3]
    assert [g.score for g in given] == [1.0, 2.5, 3.0]
    assert [g.response.text for g in given] == ["不用管。", "随便找个地方。", "多喝酒。"]
    assert all(g.response.prompt_id == g.prompt_id for g in given)


def test_an_expert_answers_campaign_without_prompts_to_answer_is_refused(admin_user):
    data = AuthoringCampaignInput(name="nothing to answer", kind=AuthoringCampaign.Kind.EXPERT_ANSWERS)

    with pytest.raises(AuthoringRejected):
        authoring_campaign_create(data=data, user=admin_user)

    assert not AuthoringCampaign.objects.filter(name="nothing to answer").exists()


def test_an_answer_is_stored_pending_with_the_given_prompt_as_its_prompt(campaign, expert):
    given = campaign.given_prompts.get(position=2)

    submission = answer(campaign, expert, given).submission

    assert submission.status == Submission.Status.PENDING
    assert submission.given == given
    assert submission.text == "那我该去哪里投诉？"
    assert submission.messages[0]["content"] == "老板不给加班费。"
    assert submission.domain.slug == "law"


def test_an_expert_answers_each_given_prompt_once(campaign, expert):
    given = campaign.given_prompts.get(position=1)
    answer(campaign, expert, given)

    with pytest.raises(AuthoringRejected):
        answer(campaign, expert, given, text="另一个回答。")

    assert Submission.objects.count() == 1


def test_two_experts_may_answer_the_same_prompt(campaign, expert, make_user):
    given = campaign.given_prompts.get(position=1)
    answer(campaign, expert, given)

    answer(campaign, make_user(Role.EXPERT, domains=("law",)), given, text="同一个问题，另一位专家的回答。")

    assert given.submissions.count() == 2


def test_a_rejected_answer_may_be_written_again(campaign, expert, reviewer):
    given = campaign.given_prompts.get(position=1)
    reject(answer(campaign, expert, given).submission, reviewer)

    again = answer(campaign, expert, given, text="重新写的回答。")

    assert again.created


def test_an_empty_answer_is_refused(campaign, expert):
    with pytest.raises(AuthoringRejected) as refused:
        answer(campaign, expert, campaign.given_prompts.first(), text="  ")

    assert refused.value.field == "reference_answer"


def test_an_answer_over_the_reference_answer_limit_is_refused(campaign, expert):
    with pytest.raises(AuthoringRejected):
        answer(campaign, expert, campaign.given_prompts.first(), text="答" * (MAX_REFERENCE_ANSWER_CHARS + 1))

    assert not Submission.objects.exists()


def test_an_expert_answers_only_the_prompts_of_their_domains(campaign, make_user):
    psychologist = make_user(Role.EXPERT, domains=("psychology",))

    with pytest.raises(AuthoringRejected):
        answer(campaign, psychologist, campaign.given_prompts.get(position=1))

    assert next_given_prompt(user=psychologist, campaign=campaign).position == 3


def test_a_given_prompt_of_another_campaign_is_refused(campaign, admin_user, target, expert):
    other = answers_campaign(admin_user, target)

    with pytest.raises(AuthoringRejected):
        answer(campaign, expert, other.given_prompts.first())


def test_a_crowdworker_may_not_answer(campaign, crowdworker):
    with pytest.raises(AuthoringRejected):
        answer(campaign, crowdworker, campaign.given_prompts.first())


def test_the_answers_count_towards_the_quota_per_person(admin_user, target, expert):
    campaign = answers_campaign(admin_user, target)
    AuthoringCampaign.objects.filter(pk=campaign.pk).update(quota_per_person=1)
    campaign.refresh_from_db()
    answer(campaign, expert, campaign.given_prompts.get(position=1))

    with pytest.raises(AuthoringRejected):
        answer(campaign, expert, campaign.given_prompts.get(position=2))


def test_an_accepted_answer_becomes_a_prompt_with_its_reference_answer(campaign, expert, reviewer):
    given = campaign.given_prompts.get(position=1)

    done = accept(answer(campaign, expert, given, text="专家的回答。").submission, reviewer)

    assert done.status == Submission.Status.ACCEPTED
    assert done.prompt.prompt_set_id == campaign.prompt_set_id
    assert done.prompt.text == SCRIPT_PROMPT
    assert done.prompt.reference_answer == "专家的回答。"
    assert done.prompt.metadata["authoring"]["answers_prompt"] == given.prompt_id


def test_a_reviewer_edits_the_answer_not_the_prompt(campaign, expert, reviewer):
    submission = answer(campaign, expert, campaign.given_prompts.get(position=1), text="草稿。").submission

    done = accept(submission, reviewer, text="改过的回答。")

    assert done.reference_answer == "改过的回答。"
    assert done.original_text == "草稿。"
    assert done.edited
    assert done.text == SCRIPT_PROMPT


def test_the_sft_export_has_only_accepted_answers_after_the_prompts_messages(campaign, expert, reviewer):
    first, second, _third = campaign.given_prompts.order_by("position")
    accept(answer(campaign, expert, second, text="去劳动监察大队。").submission, reviewer)
    answer(campaign, expert, first, text="还在等审核。")

    rows = sft_rows(campaign)

    assert rows == [
        {
            "messages": [
                {"role": "user", "content": "老板不给加班费。"},
                {"role": "assistant", "content": "忍忍吧。"},
                {"role": "user", "content": "那我该去哪里投诉？"},
                {"role": "assistant", "content": "去劳动监察大队。"},
            ]
        }
    ]


def test_the_dpo_export_chooses_the_experts_answer_and_rejects_the_models(campaign, expert, reviewer):
    first = campaign.given_prompts.get(position=1)
    accept(answer(campaign, expert, first, text="先保留证据。").submission, reviewer)
    reject(answer(campaign, expert, campaign.given_prompts.get(position=2)).submission, reviewer)

    rows = dpo_rows(campaign)

    assert rows == [
        {
            "prompt": [{"role": "user", "content": SCRIPT_PROMPT}],
            "chosen": [{"role": "assistant", "content": "先保留证据。"}],
            "rejected": [{"role": "assistant", "content": "不用管。"}],
        }
    ]


# ---------------------------------------------------------------- pages and API


def test_the_write_page_shows_the_next_prompt_escaped_and_asks_only_for_the_answer(client, campaign, expert):
    client.force_login(expert)

    page = client.get(reverse("authoring:write", args=[campaign.pk])).content.decode()

    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<script>alert(" not in page
    assert 'name="reference_answer"' in page
    assert f'maxlength="{MAX_REFERENCE_ANSWER_CHARS}"' in page
    assert 'data-provenance="reference_answer"' in page
    assert 'name="text"' not in page


def test_a_conversation_prompt_shows_its_earlier_messages(client, campaign, expert):
    answer(campaign, expert, campaign.given_prompts.get(position=1))
    client.force_login(expert)

    page = client.get(reverse("authoring:write", args=[campaign.pk])).content.decode()

    assert "老板不给加班费。" in page
    assert "忍忍吧。" in page
    assert "那我该去哪里投诉？" in page


def test_an_answer_sent_from_the_page_waits_for_review_then_is_accepted(client, campaign, expert, reviewer):
    given = campaign.given_prompts.get(position=1)
    client.force_login(expert)

    sent = client.post(
        reverse("authoring:write", args=[campaign.pk]),
        {
            "reference_answer": "先收集工资条和考勤记录。",
            "given": given.pk,
            "submit_key": uuid.uuid4(),
            "provenance": json.dumps({"reference_answer": {"typed": 12, "pasted": 0, "typing_ms": 9000}}),
        },
    )
    submission = Submission.objects.get()
    client.force_login(reviewer)
    client.post(reverse("authoring:review", args=[submission.pk]), {"decision": "accept", "text": ""})
    submission.refresh_from_db()

    assert sent.status_code == 302
    assert submission.given == given
    assert submission.provenance == {"reference_answer": {"typed": 12, "pasted": 0, "typing_ms": 9000}}
    assert submission.status == Submission.Status.ACCEPTED
    assert submission.reference_answer == "先收集工资条和考勤记录。"


def test_the_write_page_says_when_nothing_is_left_to_answer(client, campaign, make_user):
    psychologist = make_user(Role.EXPERT, domains=("psychology",))
    answer(campaign, psychologist, campaign.given_prompts.get(position=3))
    client.force_login(psychologist)

    page = client.get(reverse("authoring:write", args=[campaign.pk])).content.decode()

    assert 'data-k="nothing-to-answer"' in page
    assert 'id="write-form"' not in page


def test_a_crowdworker_may_not_open_the_write_page(client, campaign, crowdworker):
    client.force_login(crowdworker)

    assert client.get(reverse("authoring:write", args=[campaign.pk])).status_code == 403


def test_the_review_queue_shows_the_models_answer_escaped_and_the_answer_to_edit(
    client, campaign, expert, reviewer
):
    given = campaign.given_prompts.get(position=3)
    given.response.text = "<img src=x onerror=alert(1)>多喝酒。"
    given.response.save()
    answer(campaign, expert, given, text="建议规律作息。")
    client.force_login(reviewer)

    page = client.get(reverse("authoring:review_queue", args=[campaign.pk])).content.decode()

    assert "多喝酒。" in page
    assert "onerror=alert(1)>" not in page
    assert "建议规律作息。</textarea>" in page


def test_staff_download_the_exports_as_jsonl(client, campaign, expert, reviewer):
    accept(
        answer(campaign, expert, campaign.given_prompts.get(position=1), text="先保留证据。").submission,
        reviewer,
    )
    client.force_login(reviewer)

    sft = client.get(reverse("authoring:campaign_export", args=[campaign.pk, "sft"]))
    dpo = client.get(reverse("authoring:campaign_export", args=[campaign.pk, "dpo"]))

    assert sft["Content-Type"].startswith("application/x-ndjson")
    assert [json.loads(line) for line in sft.content.decode().splitlines()] == sft_rows(campaign)
    assert [json.loads(line) for line in dpo.content.decode().splitlines()] == dpo_rows(campaign)
    assert json.loads(dpo.content.decode().splitlines()[0])["rejected"][0]["content"] == "不用管。"


@pytest.mark.parametrize("who", ["crowdworker", "expert"])
def test_authors_may_not_download_the_exports(client, campaign, who, request):
    client.force_login(request.getfixturevalue(who))

    response = client.get(reverse("authoring:campaign_export", args=[campaign.pk, "dpo"]))

    assert response.status_code == 403


def test_the_campaign_page_links_the_exports(admin_client, campaign):
    page = admin_client.get(reverse("authoring:campaign_detail", args=[campaign.pk])).content.decode()

    assert reverse("authoring:campaign_export", args=[campaign.pk, "sft"]) in page
    assert reverse("authoring:campaign_export", args=[campaign.pk, "dpo"]) in page


def test_the_api_gives_the_next_prompt_and_takes_its_answer(client, campaign, expert):
    client.force_login(expert)
    url = reverse("api:authoring_campaign-next-prompt", args=[campaign.pk])

    shown = client.get(url).json()
    sent = client.post(
        reverse("api:authoring_campaign-submit", args=[campaign.pk]),
        {"given": shown["id"], "reference_answer": "API 写的回答。", "submit_key": str(uuid.uuid4())},
        content_type="application/json",
    )

    assert shown["text"] == SCRIPT_PROMPT
    assert shown["domain"] == "law"
    assert sent.status_code == 201
    assert sent.json()["given"] == shown["id"]
    assert client.get(url).json()["text"] == "那我该去哪里投诉？"


def test_the_api_export_is_for_reviewers_only(client, campaign, expert, reviewer, crowdworker):
    accept(answer(campaign, expert, campaign.given_prompts.get(position=1)).submission, reviewer)
    url = reverse("api:authoring_campaign-answers-export", args=[campaign.pk])

    client.force_login(crowdworker)
    refused = client.get(url, {"layout": "dpo"})
    client.force_login(reviewer)
    rows = client.get(url, {"layout": "dpo"}).json()

    assert refused.status_code == 403
    assert rows == dpo_rows(campaign)
