"""Reads for the models registry: run progress and lists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from models_registry.models import GenerationRun, RegisteredModel, Response
from prompts.models import Domain, Prompt, PromptSet, Scenario

RATE_WINDOW_S = 60


def responses_filtered(
    *,
    runs: Iterable[GenerationRun] = (),
    models: Iterable[RegisteredModel] = (),
    level: str = "",
    domain: Domain | None = None,
    scenario: Scenario | None = None,
) -> QuerySet[Response]:
    """The responses a campaign is made of: those of these runs and models (none named: any), to
    prompts of this level, domain and scenario (unset: any)."""
    responses = Response.objects.all()
    if runs:
        responses = responses.filter(runs__in=runs).distinct()
    if models:
        responses = responses.filter(model__in=models)
    if level:
        responses = responses.filter(prompt__level=level)
    if domain:
        responses = responses.filter(prompt__domain=domain)
    if scenario:
        responses = responses.filter(prompt__scenario=scenario)
    return responses


def prompts_for_run(
    *, prompt_set: PromptSet, level: str = "", domain_id: int | None = None, scenario_id: int | None = None
) -> QuerySet[Prompt]:
    """The prompts a run over this set and these filters answers (unset: any)."""
    prompts = Prompt.objects.filter(prompt_set=prompt_set)
    if level:
        prompts = prompts.filter(level=level)
    if domain_id:
        prompts = prompts.filter(domain_id=domain_id)
    if scenario_id:
        prompts = prompts.filter(scenario_id=scenario_id)
    return prompts


@dataclass
class RunProgress:
    total: int
    by_status: dict[str, int]
    errors: list[dict[str, object]] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: Decimal | None = None
    per_second: float = 0.0
    eta_s: float | None = None
    by_model: list[dict[str, object]] = field(default_factory=list)
    # Seconds a running run has waited with no answer yet (None once one came, or when not running).
    waiting_s: float | None = None
    # Answers and errors that repeated the model's API key (replaced before they were stored).
    key_redacted: int = 0

    @property
    def done(self) -> int:
        return sum(self.by_status.get(s, 0) for s in ("succeeded", "failed", "cancelled"))

    @property
    def percent(self) -> float:
        return 100.0 * self.done / self.total if self.total else 100.0

    @property
    def remaining(self) -> int:
        return self.by_status.get("pending", 0) + self.by_status.get("running", 0)


def run_progress(run: GenerationRun) -> RunProgress:
    responses = Response.objects.filter(runs=run)
    by_status = {s: 0 for s in Response.Status.values}
    for row in responses.values("status").annotate(n=Count("id")):
        by_status[row["status"]] = row["n"]
    totals = responses.aggregate(
        prompt_tokens=Sum("prompt_tokens"),
        completion_tokens=Sum("completion_tokens"),
        cost=Sum("cost"),
        key_redacted=Count("id", filter=Q(key_redacted=True)),
    )
    errors = list(
        responses.filter(status=Response.Status.FAILED)
        .values("error_kind")
        .annotate(n=Count("id"), example=Min("error"))
        .order_by("-n")[:10]
    )
    progress = RunProgress(
        total=sum(by_status.values()),
        by_status=by_status,
        errors=errors,
        prompt_tokens=totals["prompt_tokens"] or 0,
        completion_tokens=totals["completion_tokens"] or 0,
        cost=totals["cost"],
        key_redacted=totals["key_redacted"],
    )
    finished = responses.filter(finished_at__isnull=False, status=Response.Status.SUCCEEDED)
    if run.status == GenerationRun.Status.RUNNING:
        recent = finished.filter(finished_at__gte=timezone.now() - timedelta(seconds=RATE_WINDOW_S)).count()
        progress.per_second = recent / RATE_WINDOW_S
    else:
        span = finished.aggregate(first=Min("started_at"), last=Max("finished_at"))
        if span["first"] and span["last"] and span["last"] > span["first"]:
            progress.per_second = finished.count() / (span["last"] - span["first"]).total_seconds()
    if run.status == GenerationRun.Status.RUNNING and progress.total and not progress.done:
        progress.waiting_s = (timezone.now() - run.created_at).total_seconds()
    if progress.per_second > 0 and progress.remaining:
        progress.eta_s = progress.remaining / progress.per_second
    progress.by_model = list(
        responses.values("model__name")
        .annotate(
            total=Count("id"),
            succeeded=Count("id", filter=Q(status="succeeded")),
            failed=Count("id", filter=Q(status="failed")),
        )
        .order_by("model__name")
    )
    return progress


def run_list() -> QuerySet[GenerationRun]:
    return GenerationRun.objects.select_related("prompt_set").prefetch_related("target_models")


def model_list() -> QuerySet[RegisteredModel]:
    return RegisteredModel.objects.annotate(response_count=Count("responses")).order_by("name")
