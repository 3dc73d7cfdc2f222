"""Events are written in the caller's transaction and sent only once it commits; each of the six
is emitted from the place where it happens; payloads carry ids and links, never judgements' text."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import transaction

from annotation.assignment import assignment_next_for
from annotation.human_sample import campaign_human_sample_set
from annotation.models import Campaign, JudgeStanding
from annotation.services import campaign_status_set, campaigns_completion_check, judgement_submit
from authoring.inputs import SubmissionInput
from authoring.models import AuthoringCampaign
from authoring.services import submission_submit
from models_registry.services import generation_run_start
from tests.annotation.quality_support import PAIRS, judge_next, mark, settings_set
from tests.webhooks.conftest import wait_for
from webhooks.models import Delivery, Event, EventKind
from webhooks.services import webhook_event_emit

SECRET_REASON = "the reason a judge wrote, which no receiver may read"


def _one(kind: str) -> dict:
    events = list(Event.objects.filter(kind=kind))
    assert len(events) == 1, [e.kind for e in Event.objects.all()]
    assert Delivery.objects.filter(event=events[0]).count() == 1
    return events[0].payload


@pytest.mark.django_db
def test_nothing_is_written_for_an_event_nobody_subscribes_to(make_campaign):
    campaign = make_campaign(("p", "r"), status=Campaign.Status.DRAFT)

    campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN)

    assert not Event.objects.exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_event_emitted_in_a_rolled_back_transaction_is_never_sent(real_worker, receivers, endpoint_for):
    receiver = receivers()
    endpoint_for(receiver, EventKind.CAMPAIGN_OPENED)

    def open_then_fail() -> None:
        with transaction.atomic():
            webhook_event_emit(event=EventKind.CAMPAIGN_OPENED, payload={"campaign_id": 1})
            raise RuntimeError("the caller's write failed")

    with pytest.raises(RuntimeError):
        open_then_fail()
    webhook_event_emit(event=EventKind.CAMPAIGN_OPENED, payload={"campaign_id": 2})

    assert wait_for(lambda: receiver.received)
    assert [d["data"]["campaign_id"] for d in receiver.documents()] == [2]
    assert Event.objects.count() == 1


@pytest.mark.django_db
def test_opening_a_campaign_emits_campaign_opened(make_campaign, receivers, endpoint_for):
    endpoint_for(receivers(), EventKind.CAMPAIGN_OPENED)
    campaign = make_campaign(("p", "r"), status=Campaign.Status.DRAFT)

    campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN)

    payload = _one(EventKind.CAMPAIGN_OPENED)
    assert payload["campaign_id"] == campaign.pk
    assert payload["links"]["campaign"].endswith(f"/campaigns/{campaign.pk}/")


@pytest.mark.django_db(transaction=True)
def test_a_finished_generation_run_emits_generation_run_finished(
    make_model, make_prompts, receivers, endpoint_for
):
    receiver = receivers()
    endpoint_for(receiver, EventKind.GENERATION_RUN_FINISHED)

    run = generation_run_start(name="r", prompt_set=make_prompts("q1", "q2"), models=[make_model()])
    payload = _one(EventKind.GENERATION_RUN_FINISHED)
    assert (payload["run_id"], payload["succeeded"], payload["failed"]) == (run.pk, 2, 0)
    # Committed, so sent (tasks run in the test here): the receiver got it, signed.
    assert [(r.event, r.signature_ok) for r in receiver.received] == [("generation_run.finished", True)]


@pytest.mark.django_db
def test_the_last_item_judged_makes_the_completion_check_emit_campaign_completed_once(
    make_campaign, crowdworker, receivers, endpoint_for
):
    endpoint_for(receivers(), EventKind.CAMPAIGN_COMPLETED)
    campaign = make_campaign(("p1", "r1"), ("p2", "r2"), n=1)
    assert campaigns_completion_check() == 0
    while (item := assignment_next_for(user=crowdworker, campaign=campaign)) is not None:
        judgement_submit(user=crowdworker, item=item, data={"safe": False, "reason": SECRET_REASON})

    assert campaigns_completion_check() == 1
    assert campaigns_completion_check() == 0
    payload = _one(EventKind.CAMPAIGN_COMPLETED)
    assert (payload["campaign_id"], payload["items"]) == (campaign.pk, 2)
    assert SECRET_REASON not in json.dumps(payload, ensure_ascii=False)


@pytest.mark.django_db
def test_a_campaign_whose_sampled_items_are_all_judged_emits_campaign_completed(
    make_campaign, crowdworker, receivers, endpoint_for
):
    endpoint_for(receivers(), EventKind.CAMPAIGN_COMPLETED)
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(4)], n=1)
    campaign_human_sample_set(campaign=campaign, rate=None, count=2, seed=5)
    while (item := assignment_next_for(user=crowdworker, campaign=campaign)) is not None:
        judgement_submit(user=crowdworker, item=item, data={"safe": True})

    assert campaigns_completion_check() == 1
    payload = _one(EventKind.CAMPAIGN_COMPLETED)
    # The sampled items, as the campaign's progress counts them; the two others are the judge's.
    assert (payload["campaign_id"], payload["items"]) == (campaign.pk, 2)


@pytest.mark.django_db
def test_a_judge_paused_by_failed_checks_raises_a_quality_flag_without_their_text(
    make_campaign, admin_user, crowdworker, receivers, endpoint_for
):
    endpoint_for(receivers(), EventKind.QUALITY_FLAG_RAISED)
    campaign = make_campaign(*PAIRS, min_seconds=0)
    for item in campaign.items.order_by("-pk")[:3]:
        mark(item, "attention", admin_user, safe=False)
    campaign = settings_set(campaign, attention_every=1, failures_allowed=1)

    judge_next(crowdworker, campaign, safe=True)
    judge_next(crowdworker, campaign, safe=True)

    assert JudgeStanding.objects.get(user=crowdworker).paused_at is not None
    flags = [e.payload for e in Event.objects.filter(kind=EventKind.QUALITY_FLAG_RAISED).order_by("pk")]
    assert [(f["flag"], f["user_id"], f["campaign_id"]) for f in flags] == [
        ("judge_warned", crowdworker.pk, campaign.pk),
        ("judge_paused", crowdworker.pk, campaign.pk),
    ]
    assert all(set(f) == {"campaign_id", "flag", "user_id", "links"} for f in flags)


@pytest.mark.django_db
def test_a_ready_export_emits_export_ready(receivers, endpoint_for):
    from evaluation.exports import services as export_services
    from evaluation.figures.selectors import FigureScope
    from evaluation.models import Export

    endpoint_for(receivers(), EventKind.EXPORT_READY)
    export = export_services.export_create(
        kind=Export.Kind.SCORED, fmt=Export.Format.JSONL, scope=FigureScope(), enqueue=False
    )

    export_services.export_run(export_id=export.pk)

    payload = _one(EventKind.EXPORT_READY)
    assert payload["export_id"] == export.pk
    assert payload["links"]["download"].endswith(f"/exports/{export.pk}/download/")


@pytest.mark.django_db
def test_a_prompt_written_for_review_emits_authoring_submission_waiting(
    make_authoring, expert, receivers, endpoint_for
):
    endpoint_for(receivers(), EventKind.AUTHORING_SUBMISSION_WAITING)
    campaign = make_authoring(AuthoringCampaign.Kind.EXPERT)

    done = submission_submit(
        campaign=campaign,
        user=expert,
        data=SubmissionInput(text="如何合法地申请劳动仲裁？", submit_key=uuid.uuid4()),
    )

    payload = _one(EventKind.AUTHORING_SUBMISSION_WAITING)
    assert (payload["submission_id"], payload["authoring_campaign_id"]) == (done.submission.pk, campaign.pk)
    assert "劳动仲裁" not in json.dumps(payload, ensure_ascii=False)
