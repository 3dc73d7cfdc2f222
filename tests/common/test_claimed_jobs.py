"""The claimed-jobs helper: one delivery at a time holds a job, its heartbeat keeps it, and a job
whose holder went silent is taken back. Exports, figure snapshots, judge preparation and
generation all rely on it."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from common.jobs import (
    job_claim,
    job_heartbeat,
    job_heartbeating,
    job_held,
    job_release,
    jobs_silent_q,
    jobs_take_back,
)
from evaluation.models import Export
from tests.config.test_architecture import imported_top_packages

STALE_S = 60.0


@pytest.fixture
def job(db) -> Export:
    return Export.objects.create(kind=Export.Kind.SCORED, format=Export.Format.JSONL)


def jobs():
    return Export.objects.filter(status__in=[Export.Status.PENDING, Export.Status.RUNNING])


def silence(job: Export, seconds: float) -> None:
    """As if the holder's last heartbeat was this long ago."""
    Export.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=seconds))


def test_a_free_job_is_claimed_with_a_fresh_heartbeat_and_the_given_fields(job):
    token = job_claim(jobs(), pk=job.pk, stale_after_s=STALE_S, status=Export.Status.RUNNING)

    job.refresh_from_db()
    assert token is not None
    assert (job.claim, job.status) == (token, Export.Status.RUNNING)
    assert job_held(job, stale_after_s=STALE_S)


def test_a_second_claim_is_refused_while_the_first_holder_is_alive(job):
    first = job_claim(jobs(), pk=job.pk, stale_after_s=STALE_S)

    second = job_claim(jobs(), pk=job.pk, stale_after_s=STALE_S)

    job.refresh_from_db()
    assert second is None
    assert job.claim == first


def test_a_job_whose_holder_went_silent_is_taken_by_the_next_delivery(job):
    first = job_claim(jobs(), pk=job.pk, stale_after_s=STALE_S)
    silence(job, STALE_S + 1)

    second = job_claim(jobs(), pk=job.pk, stale_after_s=STALE_S)

    job.refresh_from_db()
    assert second not in (None, first)
    assert job.claim == second


def test_a_heartbeat_keeps_the_job_for_its_holder(job):
    first = job_claim(jobs(), pk=job.pk, stale_after_s=STALE_S)
    silence(job, STALE_S + 1)  # slow, but its holder is still there and beats again

    assert job_heartbeat(Export.objects.filter(pk=job.pk), token=first) == 1
    assert job_claim(jobs(), pk=job.pk, stale_after_s=STALE_S) is None
    job.refresh_from_db()
    assert job.claim == first


def test_a_holder_whose_job_was_taken_back_beats_and_releases_nothing(job):
    first = job_claim(jobs(), pk=job.pk, stale_after_s=STALE_S)
    silence(job, STALE_S + 1)
    second = job_claim(jobs(), pk=job.pk, stale_after_s=STALE_S)

    assert job_heartbeat(Export.objects.filter(pk=job.pk), token=first) == 0
    assert not job_release(Export.objects.filter(pk=job.pk), token=first, status=Export.Status.FAILED)

    job.refresh_from_db()
    assert (job.claim, job.status) == (second, Export.Status.PENDING)
    assert job_held(job, stale_after_s=STALE_S)


def test_a_released_job_keeps_who_held_it_and_can_be_claimed_again(job):
    first = job_claim(jobs(), pk=job.pk, stale_after_s=STALE_S)

    assert job_release(Export.objects.filter(pk=job.pk), token=first, rows_done=7)

    job.refresh_from_db()
    assert (job.claim, job.heartbeat_at, job.rows_done) == (first, None, 7)
    assert not job_held(job, stale_after_s=STALE_S)
    assert not Export.objects.filter(jobs_silent_q(stale_after_s=STALE_S)).exists()
    assert job_claim(jobs(), pk=job.pk, stale_after_s=STALE_S) is not None


def test_a_job_outside_the_claimable_rows_is_not_claimed(job):
    Export.objects.filter(pk=job.pk).update(status=Export.Status.READY)

    assert job_claim(jobs(), pk=job.pk, stale_after_s=STALE_S) is None


def test_taking_back_frees_only_the_jobs_whose_holder_went_silent(job):
    alive = Export.objects.create(kind=Export.Kind.SCORED, format=Export.Format.JSONL)
    never_claimed = Export.objects.create(kind=Export.Kind.SCORED, format=Export.Format.JSONL)
    job_claim(jobs(), pk=job.pk, stale_after_s=STALE_S)
    job_claim(jobs(), pk=alive.pk, stale_after_s=STALE_S)
    silence(job, STALE_S + 1)

    taken = jobs_take_back(jobs(), stale_after_s=STALE_S, rows_done=0)

    assert taken == [job.pk]
    job.refresh_from_db()
    assert (job.claim, job.heartbeat_at) == ("", None)
    alive.refresh_from_db()
    never_claimed.refresh_from_db()
    assert alive.claim != ""
    assert never_claimed.claim == ""


@pytest.mark.django_db(transaction=True)
def test_a_heartbeat_thread_renews_the_job_while_its_block_runs():
    job = Export.objects.create(kind=Export.Kind.SCORED, format=Export.Format.JSONL)
    token = job_claim(jobs(), pk=job.pk, stale_after_s=STALE_S)
    silence(job, STALE_S - 1)
    old = Export.objects.get(pk=job.pk).heartbeat_at

    with job_heartbeating(Export.objects.filter(pk=job.pk), token=token, every_s=0.02):
        deadline = time.monotonic() + 10
        while Export.objects.get(pk=job.pk).heartbeat_at == old and time.monotonic() < deadline:
            time.sleep(0.02)

    assert Export.objects.get(pk=job.pk).heartbeat_at > old


@pytest.mark.django_db(transaction=True)
def test_of_deliveries_claiming_at_once_exactly_one_gets_the_job():
    # PostgreSQL checks the UPDATE's WHERE again on the row it waited for; SQLite has one writer.
    job = Export.objects.create(kind=Export.Kind.SCORED, format=Export.Format.JSONL)
    Export.objects.filter(pk=job.pk).update(claim="dead", heartbeat_at=timezone.now() - timedelta(hours=1))
    start = threading.Barrier(8)
    tokens: list[str | None] = []

    def deliver() -> None:
        try:
            start.wait()
            tokens.append(job_claim(jobs(), pk=job.pk, stale_after_s=STALE_S))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [t for t in tokens if t is not None]
    assert len(tokens) == 8
    assert len(winners) == 1
    assert Export.objects.get(pk=job.pk).claim == winners[0]


def test_the_helper_imports_none_of_the_apps():
    assert not imported_top_packages("common") & {"prompts", "models_registry", "annotation", "evaluation"}
