"""Near-duplicates by MinHash over character 3-grams, against a set's accepted prompts."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from authoring import dedup
from authoring.inputs import ReviewInput, SubmissionInput
from authoring.models import AuthoringCampaign, PromptSignature, ShingleBand
from authoring.services import submission_review, submission_submit
from common.roles import Role
from prompts.models import Prompt

# The quickstart runs on SQLite: the near-duplicate query (row values, a blob) and accepting run there too.
pytestmark = [pytest.mark.sqlite, pytest.mark.django_db]

ORIGINAL = "我的邻居每天晚上都在楼道里大声放音乐，我该怎样依法维护自己的休息权利？"
NEAR = "我的邻居每天晚上都在楼道里大声放音乐，我该怎样依法维护自己的休息权？"
UNRELATED = "请解释一下什么是碳中和，以及普通家庭可以为此做些什么。"


def indexed(campaign, text: str) -> Prompt:
    """A prompt of the campaign's set in its index, as accepting it leaves it."""
    prompt = Prompt.objects.create(
        prompt_set=campaign.prompt_set, external_id="1", level="responsibility", source="authoring", text=text
    )
    dedup.prompts_index(prompt_set=campaign.prompt_set, prompts=[(prompt.pk, text)])
    return prompt


def test_normalising_folds_width_case_spacing_and_punctuation():
    assert dedup.text_normalised("  ＡＢＣ，  Hello!!\n世界？ ") == "abc hello 世界"
    assert dedup.text_hash("你好，世界！") == dedup.text_hash("你好世界")


def test_a_chinese_prompt_with_a_few_characters_changed_is_a_near_duplicate_and_an_unrelated_one_is_not(
    make_authoring,
):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    prompt = indexed(campaign, ORIGINAL)

    found = dedup.near_duplicates(prompt_set=campaign.prompt_set, text=NEAR)

    assert [d.prompt_id for d in found] == [prompt.pk]
    assert 0.7 <= found[0].similarity < 1
    assert dedup.near_duplicates(prompt_set=campaign.prompt_set, text=UNRELATED) == []
    assert ShingleBand.objects.filter(prompt=prompt).count() == dedup.BANDS
    assert PromptSignature.objects.filter(prompt=prompt).exists()


def test_the_index_of_one_set_does_not_answer_for_another(make_authoring):
    first = make_authoring(AuthoringCampaign.Kind.EXPERT)
    second = make_authoring(AuthoringCampaign.Kind.EXPERT)
    indexed(first, ORIGINAL)

    assert dedup.near_duplicates(prompt_set=second.prompt_set, text=ORIGINAL) == []


def test_a_query_reads_candidates_and_signatures_in_one_statement(make_authoring):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    indexed(campaign, ORIGINAL)

    with CaptureQueriesContext(connection) as queries:
        dedup.near_duplicates(prompt_set=campaign.prompt_set, text=NEAR)

    # One for the candidates with their signatures, one for the texts shown.
    assert len(queries) == 2
    assert "band_hash" in queries[0]["sql"]


def test_accepted_prompts_are_indexed_and_a_later_submission_carries_its_near_duplicates_for_the_reviewer(
    make_authoring, expert, make_user
):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    first = submission_submit(
        campaign=campaign, user=expert, data=SubmissionInput(text=ORIGINAL, submit_key=uuid.uuid4())
    ).submission
    submission_review(submission=first, user=make_user(Role.REVIEWER), data=ReviewInput(decision="accept"))

    second = submission_submit(
        campaign=campaign, user=expert, data=SubmissionInput(text=NEAR, submit_key=uuid.uuid4())
    ).submission

    first.refresh_from_db()
    assert [d["prompt_id"] for d in second.near_duplicates] == [first.prompt_id]
    assert second.near_duplicates[0]["text"] == ORIGINAL
