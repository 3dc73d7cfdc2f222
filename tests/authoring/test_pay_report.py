from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from authoring.inputs import ReviewInput, SubmissionInput
from authoring.models import AuthoringCampaign
from authoring.selectors import pay_report
from authoring.services import submission_review, submission_submit
from common.roles import Role

pytestmark = pytest.mark.django_db


def test_each_author_is_paid_for_accepted_prompts_only_and_named_by_pseudonym(
    make_authoring, expert, make_user
):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT, pay_per_accepted=Decimal("1.50"))
    reviewer = make_user(Role.REVIEWER)
    decisions = ["accept", "accept", "reject"]
    for n, decision in enumerate(decisions):
        submission = submission_submit(
            campaign=campaign, user=expert, data=SubmissionInput(text=f"问题 {n} 号", submit_key=uuid.uuid4())
        ).submission
        submission_review(
            submission=submission, user=reviewer, data=ReviewInput(decision=decision, reason="不清楚")
        )

    [row] = pay_report(campaign)

    assert (row.accepted, row.rejected, row.pending, row.pay) == (2, 1, 0, Decimal("3.00"))
    assert row.pseudonym == expert.annotator_profile.pseudonym
