"""Claimed jobs: a row that one task delivery works on at a time, taken back when its holder goes
silent. Generation, exports, figure snapshots and judge preparation all work this way.

Celery may deliver one task twice (a redelivery while the first copy still runs, acks_late after a
worker died), and a worker may die or freeze in the middle of a job. So a job row carries `claim`
(the token of the delivery holding it) and `heartbeat_at` (renewed while its holder works):

- a delivery claims the row before it works (`job_claim`): it gets it when nobody holds it, or when
  its holder has been silent for longer than the job's stale limit; a live holder is left alone;
- the holder renews its heartbeat (`job_heartbeat`, or `job_heartbeating` from a thread of its own
  while one long step reports nothing), and a write that must not come from a superseded holder is
  made only while the claim is still its own (filter on `claim=token`);
- done, it lets go (`job_release`): the heartbeat is cleared, the claim stays as who did the job;
- a beat task finds the rows whose holder went silent (`jobs_silent_q`, `jobs_take_back`) and
  queues them again.

Each job keeps its own limits as settings, named alike: <JOB>_HEARTBEAT_S, how often its holder
renews the heartbeat, and <JOB>_CLAIM_STALE_S, how long a holder may be silent before the job is
taken back. Generation claims many rows per statement in SQL of its own (the hot path); it shares
the staleness rule (`stale_before`), the heartbeat and the take-back with the others.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.queue import delivery_token

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=models.Model)


class ClaimedJob(models.Model):
    """The fields of a claimed job; a model that is one inherits them."""

    claim = models.CharField(
        max_length=64, blank=True, help_text=_("The task delivery (host:pid:token) that holds or held it.")
    )
    # Renewed by the delivery holding it; silent too long, the job is taken back.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


def stale_before(stale_after_s: float) -> datetime:
    """A holder whose last heartbeat is older than this is taken for dead."""
    return timezone.now() - timedelta(seconds=stale_after_s)


def jobs_held_q(*, stale_after_s: float) -> Q:
    """The rows a live delivery holds: claimed, and heartbeat fresh."""
    return ~Q(claim="") & Q(heartbeat_at__gte=stale_before(stale_after_s))


def jobs_silent_q(*, stale_after_s: float) -> Q:
    """The rows whose holder went silent (its worker died or froze): to be taken back. A released
    row (its heartbeat cleared) is neither held nor silent."""
    return ~Q(claim="") & Q(heartbeat_at__lt=stale_before(stale_after_s))


def job_held(job: ClaimedJob, *, stale_after_s: float) -> bool:
    """Whether a live delivery holds this row, as it was read."""
    return (
        bool(job.claim) and job.heartbeat_at is not None and job.heartbeat_at >= stale_before(stale_after_s)
    )


def job_claim(jobs: QuerySet[M], *, pk: Any, stale_after_s: float, **fields: Any) -> str | None:
    """Claim the row `pk` of `jobs` for a new delivery token, also setting `fields`; returns the
    token, or None when the row is not in `jobs` or a live delivery holds it.

    One UPDATE whose WHERE says "free": of two deliveries claiming at once, the second waits for
    the first's row lock and, the row now held, matches nothing (PostgreSQL evaluates the WHERE
    again on the row it waited for; SQLite has one writer at a time). So filter `jobs` on the
    model's own columns only: a filter across a relation becomes a subquery, not checked again.
    """
    token = delivery_token()
    now = timezone.now()
    free = (
        Q(claim="")
        | Q(heartbeat_at__isnull=True)
        | Q(heartbeat_at__lt=now - timedelta(seconds=stale_after_s))
    )
    claimed = jobs.filter(pk=pk).filter(free).update(claim=token, heartbeat_at=now, **fields)
    return token if claimed else None


def job_heartbeat(jobs: QuerySet[Any], *, token: str) -> int:
    """Renew the heartbeat of the rows of `jobs` that `token` still holds; returns how many."""
    return jobs.filter(claim=token).update(heartbeat_at=timezone.now())


def job_release(jobs: QuerySet[Any], *, token: str, **fields: Any) -> bool:
    """Let go of the rows of `jobs` that `token` still holds, also setting `fields` (a final
    status); False when the claim had been taken back meanwhile."""
    return bool(jobs.filter(claim=token).update(heartbeat_at=None, **fields))


def jobs_take_back(jobs: QuerySet[Any], *, stale_after_s: float, **fields: Any) -> list[Any]:
    """Free the rows of `jobs` whose holder went silent (claim and heartbeat cleared, `fields`
    set); returns their primary keys. The rows are locked first, so a heartbeat arriving meanwhile
    waits and then finds its claim gone; a row someone else has locked is skipped this time."""
    with transaction.atomic():
        pks = list(
            jobs.select_for_update(skip_locked=True)
            .filter(jobs_silent_q(stale_after_s=stale_after_s))
            .values_list("pk", flat=True)
        )
        jobs.model._default_manager.filter(pk__in=pks).update(claim="", heartbeat_at=None, **fields)
    return pks


@contextlib.contextmanager
def job_heartbeating(
    jobs: QuerySet[Any], *, token: str, every_s: float, name: str = "job-heartbeat"
) -> Iterator[None]:
    """Renew a job's heartbeat every `every_s` from a thread of its own while the `with` block
    runs, also while one long step (a big query, a zip) reports nothing."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(every_s):
                try:
                    job_heartbeat(jobs, token=token)
                except Exception:
                    # A missed beat is survivable (the stale limit spans several); a dead thread is not.
                    logger.exception("%s failed", name)
        finally:
            # The thread's own connection, which nothing else would close.
            connection.close()

    thread = threading.Thread(target=beat, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
