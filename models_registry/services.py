"""Writes for the models registry: registering models, starting and steering generation runs, and
the generation itself (run by Celery tasks, many requests in flight per worker process)."""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from config.queue import task_enqueue
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
    """Queue again generations left 'running' by a worker that died (beat runs this every minute).

    With Redis the broker redelivers an unacknowledged task after its visibility timeout; this
    also covers brokers that do not, such as the quickstart's filesystem broker.
    """
    stale_before = timezone.now() - timedelta(seconds=settings.GENERATION_CLAIM_STALE_S)
    requeued = 0
    for run in GenerationRun.objects.filter(status=GenerationRun.Status.RUNNING):
        if run.responses.filter(status=Response.Status.RUNNING, started_at__lt=stale_before).exists():
            requeued += generation_run_enqueue(run=run)
        else:
            generation_runs_finish_if_done(run_ids=[run.pk])
    return requeued


# ---------------------------------------------------------------- generation


def _responses_claim(response_ids: list[int], claim: str) -> list[int]:
    """Mark the batch's responses as being fetched by this task and return those it may fetch.

    A response is free when pending, when this same task held it before (a redelivered task), or
    when its holder has been silent for longer than GENERATION_CLAIM_STALE_S.
    """
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.GENERATION_CLAIM_STALE_S)
    with transaction.atomic():
        free = list(
            Response.objects.select_for_update(skip_locked=True)
            .filter(id__in=response_ids)
            .filter(
                Q(status=Response.Status.PENDING)
                | Q(status=Response.Status.RUNNING, claim=claim)
                | Q(status=Response.Status.RUNNING, started_at__lt=stale_before)
            )
            .values_list("id", flat=True)
        )
        Response.objects.filter(id__in=free).update(
            status=Response.Status.RUNNING, claim=claim, started_at=now
        )
    return free


def _clean_text(text: str) -> str:
    # PostgreSQL text cannot hold NUL; a garbage answer must not crash the write.
    return text.replace("\x00", "\ufffd")


def _response_succeeded(
    response_id: int, claim: str, result: ChatResult, attempts: int, model: RegisteredModel
) -> None:
    Response.objects.filter(id=response_id, claim=claim, status=Response.Status.RUNNING).update(
        status=Response.Status.SUCCEEDED,
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
    Response.objects.filter(id=response_id, claim=claim, status=Response.Status.RUNNING).update(
        status=Response.Status.FAILED,
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
) -> None:
    model = job.model
    attempt = 0
    while True:
        attempt += 1
        try:
            api_key = api_key_for(model.api_key_env)
            async with limiter.slot(
                f"model:{model.pk}", limit=model.max_concurrency, lease_s=model.timeout_s + 30
            ):
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
            return
        await db(_response_succeeded, job.response_id, claim, result, attempt, model)
        return


class _GenerationEngine:
    """What one worker thread keeps from batch to batch: an event loop, its HTTP connection pool,
    the Redis client of the limiter, and the thread that writes to the database."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generation-db")
        self.client: httpx.AsyncClient | None = None
        self.limiter: ConcurrencyLimiter | None = None

    async def _db(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def _fetch_all(self, jobs: list[_Job], claim: str) -> None:
        if self.client is None:
            self.client = httpx.AsyncClient(
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=256)
            )
            self.limiter = await ConcurrencyLimiter(
                settings.GENERATION_LIMITER_REDIS_URL or None
            ).__aenter__()
        assert self.limiter is not None
        await asyncio.gather(
            *(
                _fetch_one(job, claim=claim, client=self.client, limiter=self.limiter, db=self._db)
                for job in jobs
            )
        )

    def run(self, jobs: list[_Job], claim: str) -> None:
        try:
            self.loop.run_until_complete(self._fetch_all(jobs, claim))
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


def generation_batch_execute(*, response_ids: list[int], claim: str) -> int:
    """Fetch a batch of generations with many requests in flight; returns how many were fetched.

    HTTP runs on an asyncio loop kept by this thread; database writes go to one dedicated thread,
    since the ORM is synchronous. Each response is written as soon as its answer arrives, so a worker killed
    mid-batch loses only the requests in flight, and the redelivered task picks up the rest.
    """
    free = _responses_claim(response_ids, claim)
    rows = list(Response.objects.filter(id__in=free).select_related("model", "prompt"))
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
    if jobs:
        if _loop_running_here():
            # Called from async code (or under Playwright in tests): this thread's loop is busy.
            _off_loop.submit(lambda: _engine().run(jobs, claim)).result()
        else:
            _engine().run(jobs, claim)
    run_ids = GenerationRun.responses.through.objects.filter(response_id__in=response_ids).values_list(
        "generationrun_id", flat=True
    )
    generation_runs_finish_if_done(run_ids=set(run_ids))
    return len(jobs)
