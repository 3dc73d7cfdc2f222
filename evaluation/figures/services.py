"""Writes for evaluation: figure snapshots, computed off the request path by a worker; and an
expert-answers campaign started from the results (CValues' advice loop: the weakest domains get
expert answers as supervision data)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from authoring.inputs import AuthoringCampaignInput, GivenPromptInput
from authoring.models import AuthoringCampaign
from authoring.services import AuthoringRejected, authoring_campaign_create
from common.jobs import job_claim, job_heartbeating, job_held, job_release, stale_before
from common.queue import task_enqueue
from evaluation.figures.selectors import FIGURES, FigureScope, lowest_scored_by_domain, source_marker_for
from evaluation.models import FigureSnapshot
from models_registry.models import RegisteredModel, Response
from prompts.models import Domain, PromptSet

logger = logging.getLogger(__name__)

# Snapshots someone looked at within this window are kept fresh by the beat task.
REFRESH_WINDOW = timedelta(hours=24)
# Marking a snapshot as viewed is a write: once a minute is plenty.
VIEWED_RESOLUTION = timedelta(minutes=1)
SNAPSHOT_RESULT_FIELDS = [
    "payload",
    "source_marker",
    "judgements",
    "compute_ms",
    "computed_at",
    "status",
    "error",
]


def _enqueue(snapshot_id: int) -> None:
    task_enqueue("evaluation.tasks.figure_snapshot_compute", snapshot_id)


def _queue(snapshot: FigureSnapshot) -> None:
    now = timezone.now()
    FigureSnapshot.objects.filter(pk=snapshot.pk).update(status=FigureSnapshot.Status.PENDING, queued_at=now)
    snapshot.status, snapshot.queued_at = FigureSnapshot.Status.PENDING, now
    _enqueue(snapshot.pk)


def figure_snapshot_request(*, kind: str, scope: FigureScope) -> FigureSnapshot:
    """The snapshot of these figures, created and queued for a worker when there is none. The
    caller shows whatever state it is in; it never computes. A failed one stays failed, with its
    error, until someone asks for a recompute: a page polling it must not restart a computation
    that fails every time."""
    snapshot, created = FigureSnapshot.objects.get_or_create(
        kind=kind, key=scope.key(kind), defaults={"scope": scope.as_dict(), "queued_at": timezone.now()}
    )
    now = timezone.now()
    if created:
        _enqueue(snapshot.pk)
    elif now - snapshot.viewed_at > VIEWED_RESOLUTION:
        FigureSnapshot.objects.filter(pk=snapshot.pk).update(viewed_at=now)
    return snapshot


def figure_snapshot_recompute(*, snapshot: FigureSnapshot) -> FigureSnapshot:
    """Queue a fresh computation (the Recompute button); the current figures stay shown meanwhile."""
    if snapshot.status not in (FigureSnapshot.Status.PENDING, FigureSnapshot.Status.RUNNING):
        _queue(snapshot)
    return snapshot


def figure_snapshot_compute(*, snapshot_id: int) -> FigureSnapshot | None:
    """Compute a snapshot's figures from the judgements and store them with when and from what; a
    computation that fails, or whose figures cannot be stored, leaves the snapshot failed with
    its error (never "running")."""
    # Claim it: a second copy of the task (a redelivery, a refresh racing a recompute) finds it
    # no longer pending and stops, so one computation runs and the newest figures win.
    token = job_claim(
        FigureSnapshot.objects.filter(status=FigureSnapshot.Status.PENDING),
        pk=snapshot_id,
        stale_after_s=settings.FIGURE_SNAPSHOT_CLAIM_STALE_S,
        status=FigureSnapshot.Status.RUNNING,
        queued_at=timezone.now(),
    )
    snapshot = FigureSnapshot.objects.filter(pk=snapshot_id).first()
    if token is None or snapshot is None:
        return None
    scope = FigureScope.from_dict(snapshot.scope)
    started = time.perf_counter()
    try:
        marker, judgements = source_marker_for(snapshot.kind, scope)
        with job_heartbeating(
            FigureSnapshot.objects.filter(pk=snapshot.pk),
            token=token,
            every_s=settings.FIGURE_SNAPSHOT_HEARTBEAT_S,
            name=f"figure-snapshot-{snapshot.pk}-heartbeat",
        ):
            payload = FIGURES[snapshot.kind](scope)
        snapshot.payload = payload
        snapshot.source_marker = marker
        snapshot.judgements = judgements
        snapshot.compute_ms = int((time.perf_counter() - started) * 1000)
        snapshot.computed_at = timezone.now()
        snapshot.status = FigureSnapshot.Status.READY
        snapshot.error = ""
        # Storing can fail too (a value too big for its column): in its own savepoint, so that
        # the failure below is still written rather than the snapshot left "running" for ever.
        with transaction.atomic():
            snapshot.save(update_fields=SNAPSHOT_RESULT_FIELDS)
    except Exception as failure:
        # Recorded and logged, not raised: the snapshot now says it failed and why (the page and
        # the API show it), and an eager worker would otherwise turn the page itself into a 500.
        logger.exception("figure snapshot %s failed", snapshot.pk)
        job_release(
            FigureSnapshot.objects.filter(pk=snapshot.pk),
            token=token,
            status=FigureSnapshot.Status.FAILED,
            error=f"{type(failure).__name__}: {failure}"[:2000],
        )
        snapshot.refresh_from_db()
        return snapshot
    job_release(FigureSnapshot.objects.filter(pk=snapshot.pk), token=token)
    snapshot.heartbeat_at = None
    return snapshot


def figure_snapshots_refresh() -> int:
    """Queue the snapshots someone looked at recently whose judgements changed since they were
    computed (beat runs this every minute); returns how many were queued."""
    now = timezone.now()
    queued = 0
    stale_after_s = settings.FIGURE_SNAPSHOT_CLAIM_STALE_S
    for snapshot in FigureSnapshot.objects.filter(viewed_at__gte=now - REFRESH_WINDOW).only(
        "id", "kind", "scope", "status", "source_marker", "queued_at", "claim", "heartbeat_at"
    ):
        if snapshot.status == FigureSnapshot.Status.FAILED:
            continue  # until someone asks for a recompute
        if snapshot.status in (FigureSnapshot.Status.PENDING, FigureSnapshot.Status.RUNNING):
            # Alive while a worker's heartbeat is fresh, or while it waits in the queue (or was
            # claimed) no longer ago than the stale limit; silent longer, its worker died.
            if job_held(snapshot, stale_after_s=stale_after_s):
                continue
            if snapshot.queued_at and snapshot.queued_at >= stale_before(stale_after_s):
                continue
        else:
            marker, _ = source_marker_for(snapshot.kind, FigureScope.from_dict(snapshot.scope))
            if marker == snapshot.source_marker:
                continue
        _queue(snapshot)
        queued += 1
    return queued


def expert_answers_campaign_start(
    *,
    name: str,
    model: RegisteredModel,
    n: int,
    user: AbstractBaseUser | None,
    campaign_ids: tuple[int, ...] = (),
    prompt_set: PromptSet | None = None,
    instructions: str = "",
) -> AuthoringCampaign:
    """An expert-answers campaign (in draft) on, per domain, the n prompts the model answered
    worst (lowest_scored_by_domain), each with that answer and its score."""
    lowest = lowest_scored_by_domain(
        model_id=model.pk,
        n=n,
        campaign_ids=campaign_ids,
        prompt_set_id=prompt_set.pk if prompt_set is not None else None,
    )
    rows = [row for domain_rows in lowest.values() for row in domain_rows]
    if not rows:
        raise AuthoringRejected(
            _("No answer of this model has a final responsibility score here: nothing to ask experts for."),
            field="model",
        )
    responses = Response.objects.select_related("prompt").in_bulk([row.response_id for row in rows])
    domains = {domain.slug: domain for domain in Domain.objects.filter(slug__in=list(lowest))}
    given = [
        GivenPromptInput(
            prompt=responses[row.response_id].prompt,
            response=responses[row.response_id],
            domain=domains[row.domain],
            score=row.score,
        )
        for row in rows
    ]
    data = AuthoringCampaignInput(
        name=name,
        kind=AuthoringCampaign.Kind.EXPERT_ANSWERS,
        instructions=instructions,
        # Each expert may answer every prompt of their domains, each prompt once.
        quota_per_person=len(given),
        quota_total=max(len(given), 1) * 10,
    )
    return authoring_campaign_create(data=data, user=user, given=given)
