"""Two tabs sending at once, on PostgreSQL's real row locks: one submission per form key, and a
quota that holds when the last free place is asked for twice."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection

from authoring.inputs import SubmissionInput
from authoring.models import AuthoringCampaign, Submission
from authoring.services import AuthoringRejected, submission_submit

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(campaign, user, inputs: list[SubmissionInput]) -> list[object]:
    barrier = threading.Barrier(len(inputs))
    outcomes: list[object] = []

    def send(data: SubmissionInput) -> None:
        barrier.wait()
        try:
            outcomes.append(submission_submit(campaign=campaign, user=user, data=data))
        except AuthoringRejected as refused:
            outcomes.append(refused)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(data,)) for data in inputs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_the_same_form_sent_from_two_tabs_at_once_stores_one_submission(make_authoring, expert):
    assert connection.vendor == "postgresql"
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)
    key = uuid.uuid4()

    outcomes = at_once(campaign, expert, [SubmissionInput(text="同一个问题", submit_key=key)] * 4)

    assert Submission.objects.count() == 1
    assert sorted(o.created for o in outcomes) == [False, False, False, True]


def test_the_last_place_of_a_quota_asked_for_twice_at_once_goes_to_one(make_authoring, expert):
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT, quota_per_person=1)

    outcomes = at_once(
        campaign,
        expert,
        [SubmissionInput(text=f"问题{n}", submit_key=uuid.uuid4()) for n in range(3)],
    )

    assert Submission.objects.count() == 1
    assert sum(isinstance(o, AuthoringRejected) for o in outcomes) == 2
