"""How a text was written is kept as the page measured it, within what a person can do."""

from __future__ import annotations

import uuid

import pytest

from authoring.inputs import MAX_TURN_CHARS, MAX_TYPING_MS, SubmissionInput, provenance_parsed
from authoring.models import AuthoringCampaign
from authoring.selectors import typing_evidence
from authoring.services import submission_submit

pytestmark = pytest.mark.django_db


def submit(campaign, user, provenance, **values):
    data = SubmissionInput(text="一个问题", submit_key=uuid.uuid4(), provenance=provenance, **values)
    return submission_submit(campaign=campaign, user=user, data=data).submission


def test_the_figures_are_kept_as_whole_numbers_and_clamped_to_what_a_person_can_do(make_authoring, expert):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)

    submission = submit(
        campaign,
        expert,
        {"text": {"typed": "3", "pasted": 10**12, "typing_ms": -5}, "elsewhere": {"typed": 1}},
    )

    assert submission.provenance == {"text": {"typed": 3, "pasted": MAX_TURN_CHARS * 10, "typing_ms": 0}}


def test_figures_for_an_empty_reference_answer_are_dropped_and_nonsense_is_no_figures(make_authoring, expert):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)

    submission = submit(campaign, expert, {"text": {"typed": "many"}, "reference_answer": {"typed": 9}})

    assert submission.provenance == {"text": {"typed": 0, "pasted": 0, "typing_ms": 0}}
    assert provenance_parsed("{not json") == {}
    assert provenance_parsed('{"text": {"typed": 2}}') == {"text": {"typed": 2}}
    assert MAX_TYPING_MS == 86_400_000


def test_the_reviewer_reads_the_share_pasted_and_the_time_spent_typing(make_authoring, expert):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)

    submission = submit(campaign, expert, {"text": {"typed": 10, "pasted": 30, "typing_ms": 12_500}})

    [evidence] = typing_evidence(submission)
    assert (evidence.field, evidence.share_pasted, evidence.typing_s) == ("text", 0.75, 12)
