"""Writes for the models registry: registering models, starting and steering generation runs, and
the generation itself (run by Celery tasks, many requests in flight per worker process)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import httpx
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from config.queue import delivery_token, task_enqueue
from models_registry.limiter import ConcurrencyLimiter
from models_registry.models import GenerationRun, RegisteredModel, Response, canonical_hash
from models_registry.providers import (
    ChatResult,
    ProviderError,
    api_key_for,
    chat_complete,
    chat_request_body,
    connection_test,
)
from prompts.models import Domain, Prompt, PromptSet, Scenario

logger = logging.getLogger(__name__)
T = TypeVar("T")

UNFINISHED = (Response.Status.PENDING, Response.Status.RUNNING)


# ---------------------------------------------------------------- registry


def model_register(*, name: str, base_url: str, model_id: str, **fields: Any) -> RegisteredModel:
    """Create or update a registered model by its name; the instance is validated like the admin form."""
    model = RegisteredModel.objects.filter(name=name).first() or RegisteredModel(name=name)
    model.base_url, model.model_id = base_url, model_id
    for key, value in fields.items():
        setattr(model, key, value)
    model.full_clean()
    model.save()
    return model


def model_test_connection(*, model: RegisteredModel) -> ChatResult:
    return connection_test(
        base_url=model.base_url,
        model_id=model.model_id,
        api_key_env=model.api_key_env,
        timeout_s=min(model.timeout_s, 60),
    )


# ---------------------------------------------------------------- runs


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _sample_seed(params: dict[str, Any], sample_index: int) -> int | None:
    return None if params.get("seed") is None else int(params["seed"]) + sample_index


def run_prompts(run: GenerationRun) -> QuerySet[Prompt]:
    prompts = Prompt.objects.filter(prompt_set=run.prompt_set)
    if run.level:
        prompts = prompts.filter(level=run.level)
    if run.domain_id:
        prompts = prompts.filter(domain_id=run.domain_id)
    if run.scenario_id:
        prompts = prompts.filter(scenario_id=run.scenario_id)
    return prompts


@transaction.atomic
def generation_run_start(
    *,
    name: str,
    prompt_set: PromptSet,
    models: Iterable[RegisteredModel],
    level: str = "",
    domain: Domain | None = None,
    scenario: Scenario | None = None,
    samples_per_prompt: int | None = None,
    user: AbstractBaseUser | None = None,
) -> GenerationRun:
    """Create a run of models × the filtered prompts × samples and queue its generations.

    A response with the same prompt, model, parameters and sample index is fetched once and shared
    between runs, so starting the same run twice costs nothing.
    """
    models = list(models)
    if not models:
        raise ValueError(_("Choose at least one model."))
    run = GenerationRun.objects.create(
        name=name,
        prompt_set=prompt_set,
        level=level,
        domain=domain,
        scenario=scenario,
        samples_per_prompt=samples_per_prompt,
        created_by=user,
    )
    run.target_models.set(models)
    if not run_prompts(run).exists():
        raise ValueError(_("No prompt matches this prompt set and filter."))
    Link = GenerationRun.responses.through
    for model in models:
        params = model.generation_params()
        params_hash = canonical_hash(params)
        samples = samples_per_prompt or model.samples_per_prompt
        prompts = run_prompts(run).values_list("id", "text").order_by("id").iterator(chunk_size=2000)
        for chunk in _chunks(prompts, 1000):
            Response.objects.bulk_create(
                [
                    Response(
                        prompt_id=prompt_id,
                        model=model,
                        params_hash=params_hash,
                        sample_index=k,
                        params_snapshot=params,
                        request_hash=canonical_hash(
                            {
                                "url": params["base_url"],
                                "body": chat_request_body(params, text, seed=_sample_seed(params, k)),
                            }
                        ),
                    )
                    for prompt_id, text in chunk
                    for k in range(samples)
                ],
                ignore_conflicts=True,
            )
            ids = Response.objects.filter(
                prompt_id__in=[p for p, _ in chunk],
                model=model,
                params_hash=params_hash,
                sample_index__lt=samples,
            ).values_list("id", flat=True)
            Link.objects.bulk_create(
                [Link(generationrun_id=run.pk, response_id=i) for i in ids], ignore_conflicts=True
            )
    # Shared responses cancelled by an earlier run come back to life in this one.
    run.responses.filter(status=Response.Status.CANCELLED).update(status=Response.Status.PENDING)
    generation_run_enqueue(run=run)
    return run


def generation_run_enqueue(*, run: GenerationRun) -> int:
    """Queue every unfinished response of a run, in batches; the tasks are sent after commit."""
    ids = run.responses.filter(status__in=UNFINISHED).order_by("id").values_list("id", flat=True)
    count = 0
    for batch in _chunks(ids.iterator(chunk_size=5000), settings.GENERATION_BATCH_SIZE):
        task_enqueue("models_registry.tasks.generation_batch_run", batch)
        count += len(batch)
    if count == 0:
        generation_runs_finish_if_done(run_ids=[run.pk])
    return count


@transaction.atomic
def generation_run_cancel(*, run: GenerationRun) -> int:
    """Stop a run: its waiting generations are cancelled; those in flight finish."""
    run = GenerationRun.objects.select_for_update().get(pk=run.pk)
    if run.status != GenerationRun.Status.RUNNING:
        return 0
    run.status = GenerationRun.Status.CANCELLED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    still_wanted = Response.objects.filter(
        runs__status=GenerationRun.Status.RUNNING, runs__in=GenerationRun.objects.exclude(pk=run.pk)
    ).values("id")
    return (
        run.responses.filter(status=Response.Status.PENDING)
        .exclude(id__in=still_wanted)
        .update(status=Response.Status.CANCELLED, finished_at=timezone.now())
    )


@transaction.atomic
def generation_run_resume(*, run: GenerationRun) -> int:
    """Carry on with a cancelled or stalled run: everything unfinished or cancelled is queued again."""
    run = GenerationRun.objects.select_for_update().get(pk=run.pk)
    run.responses.filter(status=Response.Status.CANCELLED).update(
        status=Response.Status.PENDING, finished_at=None
    )
    run.status, run.finished_at = GenerationRun.Status.RUNNING, None
    run.save(update_fields=["status", "finished_at"])
    return generation_run_enqueue(run=run)


@transaction.atomic
def generation_run_retry_failed(*, run: GenerationRun) -> int:
    """Queue again only the generations of a run that failed."""
    run = GenerationRun.objects.select_for_update().get(pk=run.pk)
    failed = run.responses.filter(status=Response.Status.FAILED)
    if not failed.exists():
        return 0
    failed.update(status=Response.Status.PENDING, error="", error_kind="", finished_at=None)
    run.status, run.finished_at = GenerationRun.Status.RUNNING, None
    run.save(update_fields=["status", "finished_at"])
    return generation_run_enqueue(run=run)


def generation_runs_finish_if_done(*, run_ids: Iterable[int]) -> None:
    for run in GenerationRun.objects.filter(pk__in=list(run_ids), status=GenerationRun.Status.RUNNING):
        if not run.responses.filter(status__in=UNFINISHED).exists():
            GenerationRun.objects.filter(pk=run.pk, status=GenerationRun.Status.RUNNING).update(
                status=GenerationRun.Status.FINISHED, finished_at=timezone.now()
            )


def generation_runs_reconcile() -> int:
    """Give back generations whose holder's heartbeat stopped, and queue them again (beat runs this
    every GENERATION_RECONCILE_S); returns how many were queued.

    A live worker refreshes the heartbeat of every row it holds, waiting or in flight, so only a
    dead (or frozen) worker's rows are taken back: nothing a live worker is fetching is sent twice.
    Rows still waiting in the broker hold no claim and are left alone.
    """
    stale_before = timezone.now() - timedelta(seconds=settings.GENERATION_CLAIM_STALE_S)
    with transaction.atomic():
        # Locked, so a heartbeat that arrives now waits and then finds the claim gone.
        ids = list(
            Response.objects.select_for_update(skip_locked=True)
            .filter(status__in=UNFINISHED, heartbeat_at__lt=stale_before)
            .exclude(claim="")
            .values_list("id", flat=True)
        )
        Response.objects.filter(id__in=ids).update(
            status=Response.Status.PENDING, claim="", heartbeat_at=None, started_at=None
        )
        wanted = sorted(
            set(
                Response.objects.filter(id__in=ids, runs__status=GenerationRun.Status.RUNNING).values_list(
                    "id", flat=True
                )
            )
        )
        for batch in _chunks(wanted, settings.GENERATION_BATCH_SIZE):
            task_enqueue("models_registry.tasks.generation_batch_run", batch)
    running = GenerationRun.objects.filter(status=GenerationRun.Status.RUNNING).values_list("pk", flat=True)
    generation_runs_finish_if_done(run_ids=list(running))
    return len(wanted)


# ---------------------------------------------------------------- generation
#
# A generation task carries a batch of response ids. Each delivery of it (a redelivered or
# duplicated copy of the same task is another delivery) draws its own claim token, and:
#   1. reserves the batch's pending rows: claim = token, heartbeat_at = now, still pending. A
#      reservation is not exclusive; it only tells the reconcile task that a live worker means to
#      fetch these rows, so they are not queued again while it waits for the model's slots;
#   2. claims one row at a time, only once it holds a slot of the model's concurrency limit, that
#      is when the request goes out: pending -> running, started_at = now. This update is atomic,
#      so of two deliveries holding the same row exactly one sends it;
#   3. refreshes heartbeat_at of every row it holds (waiting or in flight) and its limiter slots
#      every GENERATION_HEARTBEAT_S, until it is done.
# A row is taken back (by the reconcile task, or by a delivery that meets it) only when its own
# heartbeat has been silent for GENERATION_CLAIM_STALE_S.


def _stale_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.GENERATION_CLAIM_STALE_S)


def _responses_reserve(response_ids: list[int], token: str) -> list[int]:
    """Reserve the batch's rows for this delivery; returns those it may fetch."""
    now = timezone.now()
    with transaction.atomic():
        # A request in flight whose holder went silent is lost with its worker: fetch it again.
        Response.objects.filter(
            id__in=response_ids, status=Response.Status.RUNNING, heartbeat_at__lt=_stale_before()
        ).update(status=Response.Status.PENDING, claim=token, heartbeat_at=now, started_at=None)
        Response.objects.filter(id__in=response_ids, status=Response.Status.PENDING).update(
            claim=token, heartbeat_at=now
        )
    return list(
        Response.objects.filter(id__in=response_ids, status=Response.Status.PENDING)
        .order_by("id")
        .values_list("id", flat=True)
    )


def _response_start(response_id: int, token: str, *, first_attempt: bool) -> bool:
    """Claim a row as its request goes out; False when another delivery has it (or it was cancelled)."""
    now = timezone.now()
    if not first_attempt:
        # A retry is sent only while the row is still this delivery's.
        return bool(
            Response.objects.filter(id=response_id, claim=token, status=Response.Status.RUNNING).update(
                heartbeat_at=now
            )
        )
    return bool(
        Response.objects.filter(id=response_id)
        .filter(
            Q(status=Response.Status.PENDING)
            | Q(status=Response.Status.RUNNING, heartbeat_at__lt=_stale_before())
        )
        .update(status=Response.Status.RUNNING, claim=token, started_at=now, heartbeat_at=now)
    )


def _responses_heartbeat(response_ids: list[int], token: str) -> int:
    return Response.objects.filter(id__in=response_ids, claim=token, status__in=UNFINISHED).update(
        heartbeat_at=timezone.now()
    )


def _clean_text(text: str) -> str:
    # PostgreSQL text cannot hold NUL; a garbage answer must not crash the write.
    return text.replace("\x00", "\ufffd")


def _response_succeeded(
    response_id: int, claim: str, result: ChatResult, attempts: int, model: RegisteredModel
) -> None:
    Response.objects.filter(id=response_id, claim=claim, status=Response.Status.RUNNING).update(
        status=Response.Status.SUCCEEDED,
        heartbeat_at=None,
        text=_clean_text(result.text),
        finish_reason=result.finish_reason,
        prompt_tokens=result.prompt_tokens,
        completion_tokens=result.completion_tokens,
        latency_ms=result.latency_ms,
        cost=model.cost_of(result.prompt_tokens or 0, result.completion_tokens or 0),
        attempts=F("attempts") + attempts,
        error_kind="",
        error="",
        finished_at=timezone.now(),
    )


def _response_failed(response_id: int, claim: str, error: ProviderError, attempts: int) -> None:
    # Unfinished, not only running: a missing key fails a reserved row before any request.
    Response.objects.filter(id=response_id, claim=claim, status__in=UNFINISHED).update(
        status=Response.Status.FAILED,
        heartbeat_at=None,
        error_kind=error.kind,
        error=_clean_text(error.message)[:2000],
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


async def _fetch_one(
    job: _Job, *, claim: str, client: httpx.AsyncClient, limiter: ConcurrencyLimiter, db: Callable[..., Any]
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
                if not await db(_response_start, job.response_id, claim, first_attempt=attempt == 1):
                    return sent
                sent = True
                result = await chat_complete(
                    client, base_url=model.base_url, api_key=api_key, body=job.body, timeout_s=model.timeout_s
                )
        except ProviderError as error:
            if error.retryable and attempt <= model.max_retries:
                await asyncio.sleep(retry_delay(attempt, error.retry_after))
                continue
            if error.retryable:
                error = ProviderError(
                    error.kind, f"{error.message} (gave up after {attempt} attempts)", retryable=False
                )
            await db(_response_failed, job.response_id, claim, error, attempt)
            return sent
        await db(_response_succeeded, job.response_id, claim, result, attempt, model)
        return sent


class _GenerationEngine:
    """What one worker thread keeps from batch to batch: an event loop, its HTTP connection pool,
    the Redis client of the limiter, and the thread that writes to the database."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generation-db")
        self.client: httpx.AsyncClient | None = None
        self.limiter: ConcurrencyLimiter | None = None

    async def _db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(fn, *args, **kwargs))

    async def _heartbeat(self, response_ids: list[int], claim: str) -> None:
        assert self.limiter is not None
        while True:
            await asyncio.sleep(settings.GENERATION_HEARTBEAT_S)
            try:
                # Slots first: a slow database must not let them lapse and admit extra requests.
                await self.limiter.refresh()
                await self._db(_responses_heartbeat, response_ids, claim)
            except Exception:
                # A missed beat is survivable (the stale limit spans several); a dead heartbeat is not.
                logger.exception("generation heartbeat failed")

    async def _fetch_all(self, jobs: list[_Job], claim: str) -> int:
        if self.client is None:
            self.client = httpx.AsyncClient(
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=256)
            )
            self.limiter = await ConcurrencyLimiter(
                settings.GENERATION_LIMITER_REDIS_URL or None
            ).__aenter__()
        assert self.limiter is not None
        heartbeat = asyncio.ensure_future(self._heartbeat([job.response_id for job in jobs], claim))
        try:
            sent = await asyncio.gather(
                *(
                    _fetch_one(job, claim=claim, client=self.client, limiter=self.limiter, db=self._db)
                    for job in jobs
                )
            )
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        return sum(sent)

    def run(self, jobs: list[_Job], claim: str) -> int:
        try:
            return self.loop.run_until_complete(self._fetch_all(jobs, claim))
        finally:
            # An idle connection held between batches would outlive database restarts (and test databases).
            self.executor.submit(lambda: connection.close()).result()


_engines = threading.local()
_off_loop = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generation-off-loop")


def _loop_running_here() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _engine() -> _GenerationEngine:
    engine = getattr(_engines, "engine", None)
    if engine is None:
        engine = _engines.engine = _GenerationEngine()
    return engine


def generation_batch_execute(*, response_ids: list[int], claim: str | None = None) -> int:
    """Fetch a batch of generations with many requests in flight; returns how many requests this
    delivery sent (each generation is sent by exactly one delivery: this one, or a copy that got
    there first).

    `claim` is this delivery's token (a fresh one when not given; tests name theirs). HTTP runs on
    an asyncio loop kept by this thread; database writes go to one dedicated thread, since the ORM
    is synchronous. Each response is written as soon as its answer arrives, so a worker killed
    mid-batch loses only the requests in flight.
    """
    claim = claim or delivery_token()
    free = _responses_reserve(response_ids, claim)
    rows = list(Response.objects.filter(id__in=free).select_related("model", "prompt").order_by("id"))
    models = {r.model_id: r.model for r in rows}
    jobs = [
        _Job(
            response_id=r.pk,
            model=models[r.model_id],
            body=chat_request_body(
                r.params_snapshot, r.prompt.text, seed=_sample_seed(r.params_snapshot, r.sample_index)
            ),
        )
        for r in rows
    ]
    sent = 0
    if jobs:
        if _loop_running_here():
            # Called from async code (or under Playwright in tests): this thread's loop is busy.
            sent = _off_loop.submit(lambda: _engine().run(jobs, claim)).result()
        else:
            sent = _engine().run(jobs, claim)
    run_ids = GenerationRun.responses.through.objects.filter(response_id__in=response_ids).values_list(
        "generationrun_id", flat=True
    )
    generation_runs_finish_if_done(run_ids=set(run_ids))
    return sent
