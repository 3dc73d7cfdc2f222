"""The generation engine: claims a batch's responses, fetches them from their providers with many
requests in flight per worker process, and writes the answers (run by the generation Celery task)."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import random
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

import aiohttp
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from common.jobs import job_heartbeat, job_release, jobs_silent_q, stale_before
from common.queue import delivery_token
from models_registry.limiter import ConcurrencyLimiter
from models_registry.models import GenerationRun, RegisteredModel, Response
from models_registry.providers import (
    ChatResult,
    ProviderError,
    api_key_for,
    chat_complete,
    chat_request_body,
    chat_session,
    sample_seed,
)
from models_registry.services import UNFINISHED, generation_runs_finish_if_done

logger = logging.getLogger(__name__)

# A generation task carries a batch of response ids. Each delivery of it (a redelivered or
# duplicated copy of the same task is another delivery) draws its own claim token, and:
#   1. reserves the batch's pending rows: claim = token, heartbeat_at = now, still pending. A
#      reservation is not exclusive; it only tells the reconcile task that a live worker means to
#      fetch these rows, so they are not queued again while it waits for the model's slots;
#   2. claims a row only once it holds a slot of the model's concurrency limit, that is when the
#      request goes out: pending -> running, started_at = now. The rows whose slots came while the
#      database thread was busy are claimed by one statement; it is atomic per row, so of two
#      deliveries holding the same row exactly one sends it;
#   3. refreshes heartbeat_at of every row it holds (waiting or in flight) and its limiter slots
#      every GENERATION_HEARTBEAT_S, until it is done.
# A row is taken back (by the reconcile task, or by a delivery that meets it) only when its own
# heartbeat has been silent for GENERATION_CLAIM_STALE_S.
# These are the claimed jobs of common/jobs.py, but claimed and answered many rows per statement in
# SQL of their own below (one round trip for a group of answers): they share the helper's
# staleness rule, heartbeat, release and take-back, and its settings' names.


def _stale_before() -> datetime:
    return stale_before(settings.GENERATION_CLAIM_STALE_S)


def responses_reserve(response_ids: list[int], token: str) -> list[int]:
    """Reserve the batch's rows for this delivery; returns those it may fetch."""
    now = timezone.now()
    with transaction.atomic():
        # A request in flight whose holder went silent is lost with its worker: fetch it again.
        Response.objects.filter(id__in=response_ids, status=Response.Status.RUNNING).filter(
            jobs_silent_q(stale_after_s=settings.GENERATION_CLAIM_STALE_S)
        ).update(status=Response.Status.PENDING, claim=token, heartbeat_at=now, started_at=None)
        Response.objects.filter(id__in=response_ids, status=Response.Status.PENDING).update(
            claim=token, heartbeat_at=now
        )
    return list(
        Response.objects.filter(id__in=response_ids, status=Response.Status.PENDING)
        .order_by("id")
        .values_list("id", flat=True)
    )


def _response_retry_start(response_id: int, token: str) -> bool:
    """A retry is sent only while the row is still this delivery's."""
    return bool(
        job_heartbeat(Response.objects.filter(id=response_id, status=Response.Status.RUNNING), token=token)
    )


def responses_heartbeat(response_ids: list[int], token: str) -> int:
    return job_heartbeat(Response.objects.filter(id__in=response_ids, status__in=UNFINISHED), token=token)


def _clean_text(text: str) -> str:
    # PostgreSQL text cannot hold NUL; a garbage answer must not crash the write.
    return text.replace("\x00", "\ufffd")


@dataclass
class _Answer:
    response_id: int
    claim: str
    result: ChatResult
    attempts: int
    cost: Decimal | None


# On PostgreSQL one statement does a group of writes: it stores the answers that came and claims
# the rows whose requests go out. Its rows are locked in id order first, so two copies of one
# task writing at once cannot deadlock. The casts type the VALUES columns (a NULL in the first row
# would make its column text).
_WRITE_SQL = """
WITH locked AS (
    SELECT id FROM {table} WHERE id IN ({all_ids}) ORDER BY id FOR UPDATE
), answered AS (
    UPDATE {table} AS r SET status = '{succeeded}', heartbeat_at = NULL, text = v.text,
        finish_reason = v.finish_reason, prompt_tokens = v.prompt_tokens,
        completion_tokens = v.completion_tokens, latency_ms = v.latency_ms, cost = v.cost,
        attempts = r.attempts + v.attempts, error_kind = '', error = '',
        key_redacted = v.key_redacted, finished_at = %s
    FROM (VALUES {answers})
        AS v(id, claim, text, finish_reason, prompt_tokens, completion_tokens, latency_ms, cost, attempts,
            key_redacted)
    WHERE r.id = v.id AND r.id IN (SELECT id FROM locked) AND r.claim = v.claim AND r.status = '{running}'
    RETURNING r.id
)
UPDATE {table} AS r SET status = '{running}', claim = s.claim, started_at = %s, heartbeat_at = %s
FROM (VALUES {starts}) AS s(id, claim)
WHERE r.id = s.id AND r.id IN (SELECT id FROM locked)
    AND (r.status = '{pending}' OR (r.status = '{running}' AND r.heartbeat_at < %s))
RETURNING r.id
"""
_ANSWER_ROW = (
    "(%s::bigint, %s::varchar, %s::text, %s::varchar, %s::integer, %s::integer, %s::integer, "
    "%s::numeric, %s::integer, %s::boolean)"
)
_START_ROW = "(%s::bigint, %s::varchar)"


def _none_row(row: str) -> str:
    return row.replace("%s", "NULL")


def responses_write(starts: list[tuple[int, str]], answers: list[_Answer]) -> set[int]:
    """Store answers and claim rows (id, claim) whose requests go out; returns the rows claimed.
    Only a row its delivery still holds takes an answer (a row taken back from a silent delivery
    belongs to its new holder)."""
    db = connections[Response.objects.db]
    now = timezone.now()
    if db.vendor != "postgresql":
        return _responses_write_orm(starts, answers, now)
    answer_values: list[Any] = []
    for a in answers:
        answer_values += [
            a.response_id,
            a.claim,
            _clean_text(a.result.text),
            a.result.finish_reason,
            a.result.prompt_tokens,
            a.result.completion_tokens,
            a.result.latency_ms,
            a.cost,
            a.attempts,
            a.result.key_redacted,
        ]
    start_values = [value for start in starts for value in start]
    sql = _WRITE_SQL.format(
        table=db.ops.quote_name(Response._meta.db_table),
        # Ids are integers, written in the statement; everything else is a parameter.
        all_ids=", ".join(
            str(int(i)) for i in [*(i for i, _claim in starts), *(a.response_id for a in answers)]
        ),
        answers=", ".join([_ANSWER_ROW] * len(answers)) or _none_row(_ANSWER_ROW),
        starts=", ".join([_START_ROW] * len(starts)) or _none_row(_START_ROW),
        succeeded=Response.Status.SUCCEEDED.value,
        running=Response.Status.RUNNING.value,
        pending=Response.Status.PENDING.value,
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [now, *answer_values, now, now, *start_values, _stale_before()])
        return {row[0] for row in cursor.fetchall()}


def _responses_write_orm(starts: list[tuple[int, str]], answers: list[_Answer], now: datetime) -> set[int]:
    """The same writes through the ORM, for the quickstart's SQLite (it runs one writer at a time)."""
    claimed: set[int] = set()
    with transaction.atomic():
        for a in answers:
            Response.objects.filter(id=a.response_id, claim=a.claim, status=Response.Status.RUNNING).update(
                status=Response.Status.SUCCEEDED,
                heartbeat_at=None,
                text=_clean_text(a.result.text),
                finish_reason=a.result.finish_reason,
                prompt_tokens=a.result.prompt_tokens,
                completion_tokens=a.result.completion_tokens,
                latency_ms=a.result.latency_ms,
                cost=a.cost,
                attempts=F("attempts") + a.attempts,
                error_kind="",
                error="",
                key_redacted=a.result.key_redacted,
                finished_at=now,
            )
        by_claim: dict[str, list[int]] = defaultdict(list)
        for response_id, claim in starts:
            by_claim[claim].append(response_id)
        for claim, ids in by_claim.items():
            Response.objects.filter(id__in=ids).filter(
                Q(status=Response.Status.PENDING)
                | (
                    Q(status=Response.Status.RUNNING)
                    & jobs_silent_q(stale_after_s=settings.GENERATION_CLAIM_STALE_S)
                )
            ).update(status=Response.Status.RUNNING, claim=claim, started_at=now, heartbeat_at=now)
            # Read in the same transaction: nobody else writes until it ends.
            claimed |= set(
                Response.objects.filter(
                    id__in=ids, claim=claim, status=Response.Status.RUNNING, started_at=now
                ).values_list("id", flat=True)
            )
    return claimed


def _response_failed(response_id: int, claim: str, error: ProviderError, attempts: int) -> None:
    # Unfinished, not only running: a missing key fails a reserved row before any request.
    job_release(
        Response.objects.filter(id=response_id, status__in=UNFINISHED),
        token=claim,
        status=Response.Status.FAILED,
        error_kind=error.kind,
        error=_clean_text(error.message)[:2000],
        key_redacted=error.key_redacted,
        attempts=F("attempts") + attempts,
        finished_at=timezone.now(),
    )


def retry_delay(attempt: int, retry_after: float | None) -> float:
    """Exponential backoff with jitter; a server's Retry-After is a floor, within a cap."""
    base = settings.GENERATION_BACKOFF_BASE_S * 2 ** (attempt - 1)
    delay = min(settings.GENERATION_BACKOFF_MAX_S, base) * random.uniform(0.5, 1.0)  # noqa: S311
    if retry_after is not None:
        delay = max(delay, min(retry_after, settings.GENERATION_RETRY_AFTER_MAX_S))
    return delay


@dataclass
class _Job:
    response_id: int
    model: RegisteredModel
    body: dict[str, Any]


class _Writes:
    """The engine's claims and answers, written in groups: those that arrive while the database
    thread is busy go in its next statement, so a busy worker spends one round trip and one commit
    on many answers instead of one each. An answer waits for the write in flight at most; a worker
    killed meanwhile loses it as it loses a request in flight, and it is fetched again."""

    def __init__(self, db: Callable[..., Any]) -> None:
        self._db = db
        self._starts: dict[int, tuple[str, asyncio.Future[bool]]] = {}
        self._answers: list[tuple[_Answer, asyncio.Future[None]]] = []
        self._writer: asyncio.Future[None] | None = None

    async def start(self, response_id: int, claim: str) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._starts[response_id] = (claim, future)
        self._wake()
        return await future

    async def succeeded(self, answer: _Answer) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._answers.append((answer, future))
        self._wake()
        await future

    def _wake(self) -> None:
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._write_all())

    async def _write_all(self) -> None:
        while self._starts or self._answers:
            starts, self._starts = self._starts, {}
            answers, self._answers = self._answers, []
            try:
                claimed = await self._db(
                    responses_write,
                    [(response_id, claim) for response_id, (claim, _future) in starts.items()],
                    [answer for answer, _future in answers],
                )
            except Exception as error:
                for future in [*(f for _claim, f in starts.values()), *(f for _answer, f in answers)]:
                    future.set_exception(error)
                continue
            for response_id, (_claim, future) in starts.items():
                future.set_result(response_id in claimed)
            for _answer, future in answers:
                future.set_result(None)


async def _fetch_one(
    job: _Job,
    *,
    claim: str,
    session: aiohttp.ClientSession,
    limiter: ConcurrencyLimiter,
    db: Callable[..., Any],
    writes: _Writes,
) -> bool:
    """Fetch one generation; True when this delivery sent its request."""
    model = job.model
    attempt = 0
    sent = False
    while True:
        attempt += 1
        try:
            api_key = api_key_for(model.api_key_env)
            async with limiter.slot(
                f"model:{model.pk}", limit=model.max_concurrency, lease_s=settings.GENERATION_CLAIM_STALE_S
            ):
                if attempt == 1:
                    if not await writes.start(job.response_id, claim):
                        return sent
                elif not await db(_response_retry_start, job.response_id, claim):
                    return sent
                sent = True
                result = await chat_complete(
                    session,
                    base_url=model.base_url,
                    api_key=api_key,
                    body=job.body,
                    timeout_s=model.timeout_s,
                )
        except ProviderError as error:
            if error.retryable and attempt <= model.max_retries:
                await asyncio.sleep(retry_delay(attempt, error.retry_after))
                continue
            if error.retryable:
                error = ProviderError(
                    error.kind,
                    f"{error.message} (gave up after {attempt} attempts)",
                    retryable=False,
                    key_redacted=error.key_redacted,
                )
            await db(_response_failed, job.response_id, claim, error, attempt)
            return sent
        cost = model.cost_of(result.prompt_tokens or 0, result.completion_tokens or 0)
        await writes.succeeded(_Answer(job.response_id, claim, result, attempt, cost))
        return sent


class _GenerationEngine:
    """One per worker process: an event loop on a thread of its own with its HTTP connection pool
    and the limiter's Redis client, and one thread that writes to the database. Celery's pool
    threads hand their batches to it and wait. One loop rather than one per pool thread: busy loops
    on several threads spend their time handing the GIL to each other, and every write then waits
    for it (a claim took 5-12 ms of a 2 ms statement)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generation-db")
        self.session: aiohttp.ClientSession | None = None
        self.limiter: ConcurrencyLimiter | None = None
        self.writes = _Writes(self._db)
        self._batches = 0
        self.thread = threading.Thread(target=self.loop.run_forever, name="generation-loop", daemon=True)
        self.thread.start()

    async def _db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(fn, *args, **kwargs))

    async def _heartbeat(self, response_ids: list[int], claim: str) -> None:
        assert self.limiter is not None
        while True:
            await asyncio.sleep(settings.GENERATION_HEARTBEAT_S)
            try:
                # Slots first: a slow database must not let them lapse and admit extra requests.
                await self.limiter.refresh()
                await self._db(responses_heartbeat, response_ids, claim)
            except Exception:
                # A missed beat is survivable (the stale limit spans several); a dead heartbeat is not.
                logger.exception("generation heartbeat failed")

    async def _fetch_all(self, jobs: list[_Job], claim: str) -> int:
        if self.session is None:
            self.session = chat_session()
            self.limiter = await ConcurrencyLimiter(
                settings.GENERATION_LIMITER_REDIS_URL or None
            ).__aenter__()
        assert self.limiter is not None
        self._batches += 1
        heartbeat = asyncio.ensure_future(self._heartbeat([job.response_id for job in jobs], claim))
        try:
            sent = await asyncio.gather(
                *(
                    _fetch_one(
                        job,
                        claim=claim,
                        session=self.session,
                        limiter=self.limiter,
                        db=self._db,
                        writes=self.writes,
                    )
                    for job in jobs
                )
            )
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            self._batches -= 1
            if self._batches == 0:
                # An idle connection held between batches would outlive database restarts (and test databases).
                await self._db(lambda: connection.close())
        return sum(sent)

    def run(self, jobs: list[_Job], claim: str) -> int:
        return asyncio.run_coroutine_threadsafe(self._fetch_all(jobs, claim), self.loop).result()

    def close(self) -> None:
        if self.session is not None:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self.session.close(), self.loop).result(timeout=5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


_engine_lock = threading.Lock()
_the_engine: _GenerationEngine | None = None


def _engine() -> _GenerationEngine:
    global _the_engine
    with _engine_lock:
        # A forked child (Celery's prefork pool) has the parent's engine without its threads.
        if _the_engine is None or _the_engine.pid != os.getpid():
            _the_engine = _GenerationEngine()
        return _the_engine


@atexit.register
def _engine_close() -> None:
    # Kept from batch to batch, so closed only as the process ends (aiohttp warns of an open pool).
    if _the_engine is not None and _the_engine.pid == os.getpid():
        _the_engine.close()


def generation_batch_execute(*, response_ids: list[int], claim: str | None = None) -> int:
    """Fetch a batch of generations with many requests in flight; returns how many requests this
    delivery sent (each generation is sent by exactly one delivery: this one, or a copy that got
    there first).

    `claim` is this delivery's token (a fresh one when not given; tests name theirs). HTTP runs on
    the process's generation loop; database writes go to one dedicated thread, since the ORM is
    synchronous. Each answer is written as soon as the writes before it are done, so a worker
    killed mid-batch loses only the requests in flight and the answers being written.
    """
    claim = claim or delivery_token()
    free = responses_reserve(response_ids, claim)
    rows = list(Response.objects.filter(id__in=free).select_related("model", "prompt").order_by("id"))
    models = {r.model_id: r.model for r in rows}
    jobs = [
        _Job(
            response_id=r.pk,
            model=models[r.model_id],
            body=chat_request_body(
                r.params_snapshot,
                r.prompt.conversation(),
                seed=sample_seed(r.params_snapshot, r.sample_index),
            ),
        )
        for r in rows
    ]
    sent = _engine().run(jobs, claim) if jobs else 0
    run_ids = GenerationRun.responses.through.objects.filter(response_id__in=response_ids).values_list(
        "generationrun_id", flat=True
    )
    generation_runs_finish_if_done(run_ids=set(run_ids))
    return sent
