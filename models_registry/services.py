"""Writes for the models registry: registering models, starting and steering generation runs (the
generation itself, run by Celery tasks, is in generation.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import ApplicationError
from common.jobs import jobs_take_back
from common.queue import queue_waiting, task_enqueue
from models_registry.models import GenerationRun, RegisteredModel, Response, canonical_hash
from models_registry.providers import (
    ChatResult,
    ProviderError,
    chat_request_body,
    connection_test,
    sample_seed,
)
from models_registry.selectors import prompts_for_run
from prompts.models import Domain, Prompt, PromptSet, Scenario
from webhooks.models import EventKind
from webhooks.services import webhook_event_emit

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


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str


def model_connection_check(*, model: RegisteredModel) -> ConnectionCheck:
    """Test a model's connection, in the words the page and the Django admin show: whether a chat
    completion came back and how fast, or why not. Never the answer's text: an endpoint could put
    anything in it, the request's key included."""
    try:
        result = model_test_connection(model=model)
    except ProviderError as error:
        return ConnectionCheck(ok=False, message=f"{error.kind}: {error.message}")
    return ConnectionCheck(
        ok=True, message=_("answered with a chat completion in %(ms)s ms") % {"ms": result.latency_ms}
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


def run_prompts(run: GenerationRun) -> QuerySet[Prompt]:
    return prompts_for_run(
        prompt_set=run.prompt_set, level=run.level, domain_id=run.domain_id, scenario_id=run.scenario_id
    )


class GenerationRunRejected(ApplicationError, ValueError):
    """A generation run that cannot be started as asked; the message says why. Also a ValueError:
    what scripts caught before."""


def generation_run_create(
    *,
    name: str,
    prompt_set: PromptSet,
    models: Iterable[RegisteredModel],
    level: str = "",
    domain: Domain | None = None,
    scenario: Scenario | None = None,
    samples_per_prompt: int | None = None,
    user: AbstractBaseUser | None = None,
    status: str = GenerationRun.Status.RUNNING,
) -> GenerationRun:
    """The run itself, without its generations (generation_run_add adds them). A run created
    PREPARING is not finished by its workers until generation_run_prepared says it is complete."""
    models = list(models)
    if not models:
        raise GenerationRunRejected(_("Choose at least one model."), field="target_models")
    run = GenerationRun.objects.create(
        name=name,
        prompt_set=prompt_set,
        level=level,
        domain=domain,
        scenario=scenario,
        samples_per_prompt=samples_per_prompt,
        created_by=user,
        status=status,
    )
    run.target_models.set(models)
    return run


def generation_run_add(*, run: GenerationRun, prompt_ids: Iterable[int] | None = None) -> int:
    """Add prompts to a run (by default every prompt its filter picks), models × prompts ×
    samples, and queue their generations once the transaction commits; returns how many were queued.

    A response with the same prompt, model, parameters and sample index is fetched once and shared
    between runs, so adding the same prompts twice costs nothing. A shared response an earlier run
    cancelled comes back to life in this one.
    """
    prompts = run_prompts(run)
    if prompt_ids is not None:
        prompts = prompts.filter(id__in=list(prompt_ids))
    Link = GenerationRun.responses.through
    queued = 0
    for model in run.target_models.all():
        params = model.generation_params()
        params_hash = canonical_hash(params)
        samples = run.samples_per_prompt or model.samples_per_prompt
        rows = prompts.values_list("id", "text", "messages").order_by("id").iterator(chunk_size=2000)
        for chunk in _chunks(rows, 1000):
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
                                "body": chat_request_body(
                                    params,
                                    [*messages, {"role": "user", "content": text}],
                                    seed=sample_seed(params, k),
                                ),
                            }
                        ),
                    )
                    for prompt_id, text, messages in chunk
                    for k in range(samples)
                ],
                ignore_conflicts=True,
            )
            ids = list(
                Response.objects.filter(
                    prompt_id__in=[p for p, _text, _messages in chunk],
                    model=model,
                    params_hash=params_hash,
                    sample_index__lt=samples,
                ).values_list("id", flat=True)
            )
            Link.objects.bulk_create(
                [Link(generationrun_id=run.pk, response_id=i) for i in ids], ignore_conflicts=True
            )
            Response.objects.filter(id__in=ids, status=Response.Status.CANCELLED).update(
                status=Response.Status.PENDING
            )
            queued += _responses_enqueue(ids)
    return queued


def _responses_enqueue(ids: Iterable[int]) -> int:
    unfinished = Response.objects.filter(id__in=list(ids), status__in=UNFINISHED)
    wanted = list(unfinished.order_by("id").values_list("id", flat=True))
    # Only rows nobody holds: a row a live delivery holds is not locked under it (its heartbeat
    # would wait for this transaction), and its claim, not queued_at, brings it back if it dies.
    Response.objects.filter(id__in=wanted, status=Response.Status.PENDING, claim="").update(
        queued_at=timezone.now()
    )
    for batch in _chunks(wanted, settings.GENERATION_BATCH_SIZE):
        task_enqueue("models_registry.tasks.generation_batch_run", batch)
    return len(wanted)


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
    run = generation_run_create(
        name=name,
        prompt_set=prompt_set,
        models=models,
        level=level,
        domain=domain,
        scenario=scenario,
        samples_per_prompt=samples_per_prompt,
        user=user,
    )
    if not run_prompts(run).exists():
        raise GenerationRunRejected(_("No prompt matches this prompt set and filter."))
    if generation_run_add(run=run) == 0:
        generation_runs_finish_if_done(run_ids=[run.pk])
    return run


def generation_run_prepared(*, run: GenerationRun) -> None:
    """Every generation of a PREPARING run has been added: it runs, and finishes when they are done."""
    GenerationRun.objects.filter(pk=run.pk, status=GenerationRun.Status.PREPARING).update(
        status=GenerationRun.Status.RUNNING
    )
    generation_runs_finish_if_done(run_ids=[run.pk])


def generation_run_enqueue(*, run: GenerationRun) -> int:
    """Queue every unfinished response of a run, in batches; the tasks are sent after commit."""
    # Read link by link, then filtered by primary key: a join of the two would be planned from the
    # statistics of before the run's rows were written (in this same transaction), and a plan made
    # for an empty table took seconds on 20,000 rows.
    linked = (
        GenerationRun.responses.through.objects.filter(generationrun_id=run.pk)
        .order_by("response_id")
        .values_list("response_id", flat=True)
    )
    count = sum(_responses_enqueue(chunk) for chunk in _chunks(linked.iterator(chunk_size=5000), 5000))
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
    failed.update(
        status=Response.Status.PENDING, error="", error_kind="", key_redacted=False, finished_at=None
    )
    run.status, run.finished_at = GenerationRun.Status.RUNNING, None
    run.save(update_fields=["status", "finished_at"])
    return generation_run_enqueue(run=run)


def generation_runs_finish_if_done(*, run_ids: Iterable[int]) -> None:
    for run in GenerationRun.objects.filter(pk__in=list(run_ids), status=GenerationRun.Status.RUNNING):
        if not run.responses.filter(status__in=UNFINISHED).exists():
            with transaction.atomic():
                finished = GenerationRun.objects.filter(
                    pk=run.pk, status=GenerationRun.Status.RUNNING
                ).update(status=GenerationRun.Status.FINISHED, finished_at=timezone.now())
                if finished:
                    _run_finished_announce(run=run)


def _run_finished_announce(*, run: GenerationRun) -> None:
    counts = {
        row["status"]: row["n"] for row in run.responses.order_by().values("status").annotate(n=Count("id"))
    }
    webhook_event_emit(
        event=EventKind.GENERATION_RUN_FINISHED,
        payload={
            "run_id": run.pk,
            "succeeded": counts.get(Response.Status.SUCCEEDED, 0),
            "failed": counts.get(Response.Status.FAILED, 0),
        },
        links={"run": reverse("models_registry:run_detail", kwargs={"run_id": run.pk})},
    )


def generation_runs_reconcile() -> int:
    """Give back generations whose holder's heartbeat stopped, and queue them again (beat runs this
    every GENERATION_RECONCILE_S); returns how many were queued.

    A live worker refreshes the heartbeat of every row it holds, waiting or in flight, so only a
    dead (or frozen) worker's rows are taken back: nothing a live worker is fetching is sent twice.
    Rows still waiting in the broker hold no claim and are left alone, unless the broker's queue
    is empty and they were queued GENERATION_QUEUED_STALE_S ago: their task was lost (received by
    a worker killed before it started, or dropped by a broker restarted empty). A copy queued for
    a task that still runs after all sends nothing: the rows are sent by one delivery only.
    """
    with transaction.atomic():
        ids = jobs_take_back(
            Response.objects.filter(status__in=UNFINISHED),
            stale_after_s=settings.GENERATION_CLAIM_STALE_S,
            status=Response.Status.PENDING,
            started_at=None,
        )
        wanted = set(
            Response.objects.filter(id__in=ids, runs__status=GenerationRun.Status.RUNNING).values_list(
                "id", flat=True
            )
        )
        queued = _responses_enqueue(sorted(wanted))
    queued += _responses_lost_in_the_broker_enqueue()
    running = GenerationRun.objects.filter(status=GenerationRun.Status.RUNNING).values_list("pk", flat=True)
    generation_runs_finish_if_done(run_ids=list(running))
    return queued


def _responses_lost_in_the_broker_enqueue() -> int:
    """Queue again the rows of running runs that nobody holds although their task was queued
    GENERATION_QUEUED_STALE_S ago, when the broker's queue is empty (it assumes Redis, where a
    received task leaves the queue); returns how many."""
    queued_before = timezone.now() - timedelta(seconds=settings.GENERATION_QUEUED_STALE_S)
    # queued_at is empty on rows queued before it existed: old enough.
    long_queued = Q(queued_at__lt=queued_before) | Q(queued_at__isnull=True)
    unheld = Response.objects.filter(long_queued, status=Response.Status.PENDING, claim="")
    lost = unheld.filter(runs__status=GenerationRun.Status.RUNNING)
    queue = settings.CELERY_TASK_ROUTES["models_registry.tasks.generation_batch_run"]["queue"]
    # The broker is asked outside any transaction: no row stays locked while it answers.
    if not lost.exists() or queue_waiting(queue) != 0:
        return 0
    with transaction.atomic():
        # Locked, checked again on the locked row, and marked queued in one go: a second reconcile
        # running at the same time skips them, or finds them queued lately.
        ids = list(
            unheld.select_for_update(skip_locked=True)
            .filter(pk__in=lost.values("pk"))
            .values_list("pk", flat=True)
        )
        return _responses_enqueue(ids)
