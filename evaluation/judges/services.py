"""Writes for model judges: judging templates (versioned), judge runs (through models_registry's
generation runs, as the multi-choice test does), collecting and reviewing machine judgements."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from annotation.models import AuditAction, Campaign, Item, ItemPurpose, ItemResponse, Judging
from annotation.protocol.services import campaign_audit_append
from annotation.services import CampaignRejected, item_suggestions_set, items_judges_needed_set
from common.errors import ApplicationError
from common.jobs import job_claim, job_heartbeat, job_release, jobs_held_q, stale_before
from common.queue import task_enqueue
from evaluation.asking.services import HiddenQuestion, HiddenSet, hidden_prompts_create, hidden_run_start
from evaluation.judges._templates import (
    PAIRWISE_RESPONSIBILITY_DEFAULT,
    PAIRWISE_RESPONSIBILITY_DEFAULT_NAME,
    PAIRWISE_SAFETY_DEFAULT,
    PAIRWISE_SAFETY_DEFAULT_NAME,
    RESPONSIBILITY_DEFAULT,
    RESPONSIBILITY_DEFAULT_NAME,
    SAFETY_DEFAULT,
    SAFETY_DEFAULT_NAME,
    prompt_block,
    responses_block,
    template_render,
)
from evaluation.judges.protocol import judge_run_record, judging_settings
from evaluation.judges.selectors import machine_values
from evaluation.models import (
    CampaignJudging,
    HiddenSubject,
    JudgePrompt,
    JudgeRun,
    JudgeTemplate,
    MachineJudgement,
)
from metrics.model_judges import (
    OK,
    PAIR_CHOICES,
    PAIRWISE,
    RESPONSE_TYPES,
    confident_agreement,
    parse_judgement,
    preferred_of_order,
)
from models_registry.models import GenerationRun, RegisteredModel, Response
from models_registry.services import generation_run_add, generation_run_prepared
from prompts.models import Domain, Level, PromptSet, Scenario

SYNC_BATCH = 1000
COLLECT_BATCH = 2000
# While its generations come in, a run's answers are read this often.
COLLECT_EVERY_S = 2.0


class JudgeRejected(ApplicationError, ValueError):
    """A judging template, judge run or review that cannot be made as asked; the message says why.
    Also a ValueError: what scripts caught before."""


# ---------------------------------------------------------------- templates

_DEFAULTS = {
    (Level.SAFETY, Judging.ABSOLUTE): (SAFETY_DEFAULT_NAME, SAFETY_DEFAULT),
    (Level.RESPONSIBILITY, Judging.ABSOLUTE): (RESPONSIBILITY_DEFAULT_NAME, RESPONSIBILITY_DEFAULT),
    (Level.SAFETY, Judging.PAIRWISE): (PAIRWISE_SAFETY_DEFAULT_NAME, PAIRWISE_SAFETY_DEFAULT),
    (Level.RESPONSIBILITY, Judging.PAIRWISE): (
        PAIRWISE_RESPONSIBILITY_DEFAULT_NAME,
        PAIRWISE_RESPONSIBILITY_DEFAULT,
    ),
}


def judge_template_default(*, kind: str, judging_mode: str = Judging.ABSOLUTE) -> JudgeTemplate:
    """The newest version of the built-in template of a kind (and judging mode: one answer, or
    a pair), created at its first use."""
    name, text = _DEFAULTS[(Level(kind), Judging(judging_mode))]
    latest = JudgeTemplate.objects.filter(name=name).order_by("-version").first()
    if latest is not None:
        return latest
    template, _ = JudgeTemplate.objects.get_or_create(
        name=name, version=1, defaults={"kind": kind, "judging_mode": judging_mode, "text": text}
    )
    return template


def judge_template_for(*, campaign: Campaign) -> JudgeTemplate:
    """The built-in template a campaign is judged with by default: of its kind, and pairwise for a
    pairwise campaign."""
    return judge_template_default(kind=campaign.kind, judging_mode=campaign.judging_mode)


def judge_template_create(
    *,
    name: str,
    kind: str,
    text: str,
    judging_mode: str = Judging.ABSOLUTE,
    user: AbstractBaseUser | None = None,
) -> JudgeTemplate:
    if kind not in Level.values:
        raise ValueError(f"unknown kind {kind!r}")
    if judging_mode not in Judging.values:
        raise ValueError(f"unknown judging mode {judging_mode!r}")
    if JudgeTemplate.objects.filter(name=name).exists():
        raise JudgeRejected(
            gettext("A template of that name exists: open it to add a version."), field="name"
        )
    return JudgeTemplate.objects.create(
        name=name, kind=kind, judging_mode=judging_mode, version=1, text=text, created_by=user
    )


@transaction.atomic
def judge_template_edit(
    *, template: JudgeTemplate, text: str, user: AbstractBaseUser | None = None
) -> JudgeTemplate:
    """A new version of the template with this text; the versions before it stay as they were,
    with the judgements made with them. The same text as the newest version adds nothing."""
    versions = JudgeTemplate.objects.select_for_update().filter(name=template.name)
    newest = versions.order_by("-version").first()
    if newest is not None and newest.text == text:
        return newest
    top = versions.aggregate(top=Max("version"))["top"] or 0
    return JudgeTemplate.objects.create(
        name=template.name,
        kind=template.kind,
        judging_mode=template.judging_mode,
        version=top + 1,
        text=text,
        created_by=user,
    )


# ---------------------------------------------------------------- the hidden prompts


def _campaign_items(campaign: Campaign, domain: Domain | None, scenario: Scenario | None) -> QuerySet[Item]:
    items = Item.objects.filter(campaign=campaign)
    if domain is not None:
        items = items.filter(domain=domain)
    if scenario is not None:
        items = items.filter(prompt__scenario=scenario)
    return items


def _item_values(item: Item, guidelines: str) -> dict[str, str]:
    return {
        "prompt": prompt_block(item.prompt.messages, item.prompt.text),
        "guidelines": guidelines.strip() or "（无）",
        "domain": item.domain.name_zh if item.domain else "",
        "scenario": item.prompt.scenario.name_zh if item.prompt.scenario else "",
    }


def _pair_prompt_texts(
    items: list[Item], template: JudgeTemplate, guidelines: str
) -> dict[tuple[int, bool], str]:
    """Each pair twice: A as answer 1, and (``swapped``) B as answer 1."""
    answers: dict[int, dict[int, str]] = defaultdict(dict)
    rows = ItemResponse.objects.filter(item__in=[i.pk for i in items]).values_list(
        "item_id", "position", "response__text"
    )
    for item_id, position, text in rows:
        answers[item_id][position] = text
    texts = {}
    for item in items:
        a, b = answers[item.pk].get(1, ""), answers[item.pk].get(2, "")
        for swapped, (first, second) in ((False, (a, b)), (True, (b, a))):
            texts[(item.pk, swapped)] = template_render(
                template.text, {**_item_values(item, guidelines), "response_1": first, "response_2": second}
            )
    return texts


def _prompt_texts(items: list[Item], template: JudgeTemplate, guidelines: str) -> dict[int, str]:
    texts: dict[int, list[str]] = defaultdict(list)
    rows = (
        Response.objects.filter(items__in=[i.pk for i in items])
        .order_by("items__id", "id")
        .values_list("items__id", "text")
    )
    for item_id, text in rows:
        texts[item_id].append(text)
    return {
        item.pk: template_render(
            template.text, {**_item_values(item, guidelines), "response": responses_block(texts[item.pk])}
        )
        for item in items
    }


def _hidden_set(campaign: Campaign, template: JudgeTemplate) -> HiddenSet:
    return HiddenSet(
        subject=HiddenSubject.JUDGE,
        key=f"campaign={campaign.pk}:template={template.pk}",
        name=f"Judge #{campaign.pk} ({template}): {campaign.name}",
        description=f"Asks judge models about the items of “{campaign.name}” with {template}.",
        source="model_judge",
    )


def _prompts_create(
    *, prompt_set: PromptSet, template: JudgeTemplate, items: list[Item], guidelines: str
) -> None:
    if template.pairwise:
        texts = _pair_prompt_texts(items, template, guidelines)
        orders = (False, True)
    else:
        texts = {(pk, False): text for pk, text in _prompt_texts(items, template, guidelines).items()}
        orders = (False,)
    level = Level(template.kind)

    def external_id(item: Item, swapped: bool) -> str:
        return f"item-{item.pk}-swapped" if swapped else f"item-{item.pk}"

    by_external_id = hidden_prompts_create(
        prompt_set=prompt_set,
        subject=HiddenSubject.JUDGE,
        questions=[
            HiddenQuestion(
                external_id=external_id(item, swapped),
                text=texts[(item.pk, swapped)],
                level=level,
                domain_id=item.domain_id,
                scenario_id=item.prompt.scenario_id,
                metadata={"item": item.pk, "template": template.pk}
                | ({"swapped": swapped} if template.pairwise else {}),
            )
            for item in items
            for swapped in orders
        ],
    )
    JudgePrompt.objects.bulk_create(
        [
            JudgePrompt(
                item_id=item.pk,
                template=template,
                swapped=swapped,
                prompt_id=by_external_id[external_id(item, swapped)],
            )
            for item in items
            for swapped in orders
        ],
        ignore_conflicts=True,
    )


# ---------------------------------------------------------------- runs


@transaction.atomic
def judge_run_start(
    *,
    name: str,
    campaign: Campaign,
    models: Iterable[RegisteredModel],
    template: JudgeTemplate | None = None,
    domain: Domain | None = None,
    scenario: Scenario | None = None,
    user: AbstractBaseUser | None = None,
) -> JudgeRun:
    """Ask judge models about a campaign's items (optionally those of one domain or scenario),
    once each, with a template version (the campaign kind's built-in one by default). A pair item
    of a pairwise campaign is asked twice, once each way round (pairwise templates only).

    The generation run does the asking, with its retries, limits and costs; an item a judge
    already answered with the same template and parameters is not asked again. The run starts
    PREPARING and a worker adds its items (judge_run_prepare): a big campaign's prompts take
    seconds to write, and its first answers come in meanwhile."""
    template = template or judge_template_for(campaign=campaign)
    if template.kind != campaign.kind:
        raise JudgeRejected(gettext("This template judges another kind of campaign."), field="template")
    if template.judging_mode != campaign.judging_mode:
        raise JudgeRejected(
            gettext("This template compares two answers and this campaign shows one at a time.")
            if template.pairwise
            else gettext("This campaign compares two answers: choose a pairwise template."),
            field="template",
        )
    if not _campaign_items(campaign, domain, scenario).exists():
        raise JudgeRejected(gettext("No item of this campaign matches the filter."))
    # Two runs started at once on one campaign must not both create its prompt set.
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
    # No questions yet: the run starts PREPARING, and judge_run_prepare writes them.
    generation_run = hidden_run_start(
        name=f"Judge: {name}",
        spec=_hidden_set(campaign, template),
        models=models,
        domain=domain,
        scenario=scenario,
        user=user,
    )
    run = JudgeRun.objects.create(
        name=name,
        campaign=campaign,
        template=template,
        filters={"domain": domain and domain.pk, "scenario": scenario and scenario.pk},
        generation_run=generation_run,
        created_by=user,
    )
    campaign_audit_append(
        campaign=campaign, action=AuditAction.JUDGE_RUN_STARTED, detail=judge_run_record(run), by=user
    )
    task_enqueue("evaluation.tasks.judge_run_prepare", run.pk)
    task_enqueue("evaluation.tasks.judge_run_collect", run.pk, countdown=COLLECT_EVERY_S)
    return run


def judge_run_prepare(*, run_id: int) -> None:
    """Add a PREPARING run's items, a chunk per transaction: each chunk's hidden prompts (once per
    item and template) and generations, queued as the chunk commits. Safe to run twice, or at once
    (a redelivered task): the delivery that claims the run prepares it while a copy delivered
    meanwhile leaves it alone, the chunks take the run's lock, and what exists is not made again."""
    run = JudgeRun.objects.select_related("campaign", "template", "generation_run").filter(pk=run_id).first()
    if run is None or run.generation_run.status != GenerationRun.Status.PREPARING:
        return
    token = job_claim(
        GenerationRun.objects.filter(status=GenerationRun.Status.PREPARING),
        pk=run.generation_run_id,
        stale_after_s=settings.JUDGE_PREPARE_CLAIM_STALE_S,
    )
    if token is None:
        return  # a live delivery is preparing it
    preparing = GenerationRun.objects.filter(pk=run.generation_run_id)
    # A filter that is not set looks up pk None, which finds nothing.
    domain = Domain.objects.filter(pk=run.filters.get("domain")).first()
    scenario = Scenario.objects.filter(pk=run.filters.get("scenario")).first()
    item_ids = list(
        _campaign_items(run.campaign, domain, scenario).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(item_ids), SYNC_BATCH):
        if not job_heartbeat(preparing, token=token):
            return  # taken back after a silence: its new holder goes on
        chunk = item_ids[start : start + SYNC_BATCH]
        with transaction.atomic():
            JudgeRun.objects.select_for_update().filter(pk=run.pk).first()
            missing = list(
                Item.objects.filter(pk__in=chunk)
                .exclude(
                    pk__in=JudgePrompt.objects.filter(template=run.template, item_id__in=chunk).values(
                        "item_id"
                    )
                )
                .select_related("prompt__scenario", "domain")
                .order_by("pk")
            )
            if missing:
                _prompts_create(
                    prompt_set=run.generation_run.prompt_set,
                    template=run.template,
                    items=missing,
                    guidelines=run.campaign.guidelines,
                )
            prompt_ids = JudgePrompt.objects.filter(template=run.template, item_id__in=chunk).values_list(
                "prompt_id", flat=True
            )
            generation_run_add(run=run.generation_run, prompt_ids=list(prompt_ids))
    generation_run_prepared(run=run.generation_run)
    job_release(preparing, token=token)


def machine_judgements_collect(*, run: JudgeRun) -> int:
    """Read the run's new answers with the strict parser and store them as machine judgements;
    returns how many answers it read. Safe to run twice, or at once: an answer (unique per
    machine judgement) is stored once."""
    kind = PAIRWISE if run.template.pairwise else run.template.kind
    rows = (
        Response.objects.filter(
            runs=run.generation_run_id,
            status=Response.Status.SUCCEEDED,
            machine_judgement__isnull=True,
            prompt__judge_prompt__isnull=False,
        )
        .order_by("id")
        .values_list(
            "id",
            "text",
            "model_id",
            "prompt__judge_prompt__item_id",
            "prompt__judge_prompt__template_id",
            "prompt__judge_prompt__swapped",
        )
    )
    read = 0
    batch: list[MachineJudgement] = []
    for response_id, text, model_id, item_id, template_id, swapped in rows.iterator(chunk_size=COLLECT_BATCH):
        parsed = parse_judgement(text, kind=kind)
        batch.append(
            MachineJudgement(
                item_id=item_id,
                campaign_id=run.campaign_id,
                judge_model_id=model_id,
                template_id=template_id,
                response_id=response_id,
                status=MachineJudgement.Status.OK
                if parsed.status == OK
                else MachineJudgement.Status.NEED_CHECK,
                parse=parsed.as_dict(),
                safe=parsed.safe,
                response_type=parsed.response_type,
                score=parsed.score,
                swapped=swapped,
                preferred=preferred_of_order(parsed.choice, swapped=swapped) if parsed.choice else None,
                reason=parsed.reason,
            )
        )
        if len(batch) == COLLECT_BATCH:
            read += len(MachineJudgement.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    if batch:
        read += len(MachineJudgement.objects.bulk_create(batch, ignore_conflicts=True))
    return read


def judge_run_collect(*, run_id: int) -> bool:
    """Collect a run's answers; while its generation run is still going, come back shortly.
    Returns whether the run is finished (every generation done and read)."""
    run = JudgeRun.objects.select_related("template", "generation_run").filter(pk=run_id).first()
    if run is None:
        return True
    running = run.generation_run.status in (GenerationRun.Status.PREPARING, GenerationRun.Status.RUNNING)
    machine_judgements_collect(run=run)
    # An eager task would come back at once, forever: there the beat's collect is the safety net.
    if running and not settings.CELERY_TASK_ALWAYS_EAGER:
        task_enqueue("evaluation.tasks.judge_run_collect", run.pk, countdown=COLLECT_EVERY_S)
    return not running


def judge_runs_collect(*, within: timedelta = timedelta(days=2)) -> int:
    """The beat's safety net: collect the recent runs (a lost collect task must not leave answers
    unread), and queue again the preparation of a run that has been preparing for too long (its
    task was lost). Returns how many answers it read."""
    since = timezone.now() - within
    read = 0
    recent = Q(generation_run__finished_at__gte=since) | Q(
        generation_run__status__in=[GenerationRun.Status.PREPARING, GenerationRun.Status.RUNNING]
    )
    for run in JudgeRun.objects.select_related("template").filter(recent):
        read += machine_judgements_collect(run=run)
    # Lost: its task never started, or the worker preparing it went silent.
    stale_after_s = settings.JUDGE_PREPARE_CLAIM_STALE_S
    lost = (
        JudgeRun.objects.filter(
            generation_run__status=GenerationRun.Status.PREPARING, created_at__lt=stale_before(stale_after_s)
        )
        .exclude(generation_run__in=GenerationRun.objects.filter(jobs_held_q(stale_after_s=stale_after_s)))
        .values_list("pk", flat=True)
    )
    for run_id in lost:
        task_enqueue("evaluation.tasks.judge_run_prepare", run_id)
    return read


# ---------------------------------------------------------------- review


def machine_judgement_review_set(
    *,
    judgement: MachineJudgement,
    user: AbstractBaseUser | None,
    safe: bool | None = None,
    response_type: str = "",
    score: int | None = None,
    choice: str = "",
) -> MachineJudgement:
    """A person's reading of an answer the parser could not read (or read wrongly). The raw
    answer and the parse stay as they were; the reading becomes the judgement's value. A pairwise
    answer is read in the terms the judge saw (``choice``: answer 1, answer 2, tie, both bad) and
    stored in A/B terms, as the parser's reading is."""
    if judgement.template.pairwise:
        if choice not in PAIR_CHOICES:
            raise JudgeRejected(gettext("Choose answer 1, answer 2, tie or both bad."), field="choice")
        judgement.safe, judgement.response_type, judgement.score = None, "", None
        judgement.preferred = preferred_of_order(choice, swapped=judgement.swapped)
    elif judgement.template.kind == Level.SAFETY:
        if safe not in (True, False):
            raise JudgeRejected(gettext("Choose safe or unsafe."), field="safe")
        if response_type and response_type not in RESPONSE_TYPES:
            raise JudgeRejected(gettext("Unknown response type."), field="response_type")
        judgement.safe, judgement.response_type, judgement.score = safe, response_type, None
    else:
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 10:
            raise JudgeRejected(gettext("Give a score from 1 to 10."), field="score")
        judgement.safe, judgement.response_type, judgement.score = None, "", score
    judgement.status = MachineJudgement.Status.OK
    judgement.reviewed_by = user
    judgement.reviewed_at = timezone.now()
    judgement.save(
        update_fields=["safe", "response_type", "score", "preferred", "status", "reviewed_by", "reviewed_at"]
    )
    return judgement


# ---------------------------------------------------------------- suggestions and triage


def _stable_share(item_id: int, campaign_id: int) -> float:
    """A fixed number in [0, 1) per item, so who is shown a suggestion never changes on re-publish."""
    digest = hashlib.sha256(f"{campaign_id}:{item_id}".encode()).hexdigest()
    return int(digest[:8], 16) / 0x1_0000_0000


def _refuse_pairwise(campaign: Campaign) -> None:
    # A suggestion or a triage reads one verdict per answer; a pair's verdict is another thing.
    if campaign.pairwise:
        raise CampaignRejected(
            gettext(
                "Suggestions and triage by judge models work on campaigns that show one answer at a "
                "time, not on pairwise campaigns."
            )
        )


@transaction.atomic
def campaign_suggestions_set(
    *,
    campaign: Campaign,
    model: RegisteredModel | None,
    template: JudgeTemplate | None = None,
    share: float = 0.5,
    by: AbstractBaseUser | None = None,
) -> CampaignJudging:
    """Show people a judge model's verdict as a pre-filled suggestion on a share of the items
    (the model must have judged them with the template); the other items, shown nothing, are the
    control for anchoring. Only regular items get one. ``model=None`` turns suggestions off. Never
    in a blind campaign."""
    judging, _ = CampaignJudging.objects.get_or_create(campaign=campaign)
    item_ids = list(Item.objects.filter(campaign=campaign).values_list("id", flat=True))
    # A suggestion on a gold, attention or qualification item would hand the person its answer.
    regular = set(
        Item.objects.filter(campaign=campaign, purpose=ItemPurpose.REGULAR).values_list("id", flat=True)
    )
    if model is None:
        item_suggestions_set(campaign=campaign, suggestions=dict.fromkeys(item_ids))
        judging.suggestion_model, judging.suggestion_template, judging.suggested_items = None, None, 0
        judging.save()
        _judging_record(judging, what="suggestions", by=by)
        return judging
    _refuse_pairwise(campaign)
    if campaign.blind:
        raise CampaignRejected(
            gettext("A blind campaign shows no suggestion: people there see nobody's judgement.")
        )
    if not 0.0 < share <= 1.0:
        raise CampaignRejected(
            gettext("The share of items shown a suggestion is above 0 and at most 1."), field="share"
        )
    template = template or judge_template_default(kind=campaign.kind)
    values = machine_values(campaign=campaign, model=model, template=template)
    if not values:
        raise CampaignRejected(
            gettext("This model has not judged this campaign with this template: start a judge run first."),
            field="suggestion_model",
        )
    label = f"{model.name} · {template}"
    suggestions: dict[int, dict[str, Any] | None] = {}
    for item_id in item_ids:
        value = values.get(item_id)
        shown = value is not None and item_id in regular and _stable_share(item_id, campaign.pk) < share
        suggestions[item_id] = (
            {
                "safe": value["safe"],
                "response_type": value["response_type"],
                "score": value["score"],
                "source": label,
            }
            if shown
            else None
        )
    item_suggestions_set(campaign=campaign, suggestions=suggestions)
    judging.suggestion_model, judging.suggestion_template, judging.suggestion_share = model, template, share
    judging.suggested_items = sum(1 for v in suggestions.values() if v is not None)
    judging.save()
    _judging_record(judging, what="suggestions", by=by)
    return judging


@transaction.atomic
def campaign_triage_apply(
    *,
    campaign: Campaign,
    models: list[RegisteredModel],
    template: JudgeTemplate | None = None,
    judges_needed: int = 1,
    tolerance: int = 1,
    by: AbstractBaseUser | None = None,
) -> CampaignJudging:
    """Items on which two judge models agree (the same verdict, or scores at most ``tolerance``
    apart) need only ``judges_needed`` people; every other item keeps the campaign's N. Only
    regular items are triaged: gold items keep every person, and measure the error triage adds.
    Applying again replaces the last triage."""
    _refuse_pairwise(campaign)
    if len(models) != 2:
        raise CampaignRejected(gettext("Triage asks two judge models to agree."), field="triage_models")
    template = template or judge_template_default(kind=campaign.kind)
    first, second = (machine_values(campaign=campaign, model=m, template=template) for m in models)
    item_ids = sorted(set(first) & set(second))
    agreed = confident_agreement(
        [first[i]["value"] for i in item_ids],
        [second[i]["value"] for i in item_ids],
        kind=campaign.kind,
        tolerance=tolerance,
    )
    regular = set(
        Item.objects.filter(campaign=campaign, purpose=ItemPurpose.REGULAR, pk__in=item_ids).values_list(
            "pk", flat=True
        )
    )
    chosen = [i for i, ok in zip(item_ids, agreed, strict=True) if ok and i in regular]
    items_judges_needed_set(
        campaign=campaign,
        item_ids=Item.objects.filter(campaign=campaign, judges_needed__isnull=False).values_list(
            "id", flat=True
        ),
        judges_needed=None,
    )
    items_judges_needed_set(campaign=campaign, item_ids=chosen, judges_needed=judges_needed)
    judging, _ = CampaignJudging.objects.get_or_create(campaign=campaign)
    judging.triage_template, judging.triage_judges, judging.triage_tolerance = (
        template,
        judges_needed,
        tolerance,
    )
    judging.triaged_items = len(chosen)
    judging.save()
    judging.triage_models.set(models)
    _judging_record(judging, what="triage", by=by)
    return judging


@transaction.atomic
def campaign_ppi_judge_set(
    *,
    campaign: Campaign,
    run: JudgeRun | None,
    model: RegisteredModel | None = None,
    by: AbstractBaseUser | None = None,
) -> CampaignJudging:
    """Choose whose labels the campaign's prediction-powered scores use: a judge run of this
    campaign that judged one answer at a time with its kind's template, and optionally one of the
    run's judge models (else the run's model with the most readable answers). ``run=None`` goes
    back to the newest run. The results snapshots see the change in their source marker."""
    ppi_judge_checked(campaign=campaign, run=run, model=model)
    judging, _ = CampaignJudging.objects.select_for_update().get_or_create(campaign=campaign)
    if (judging.ppi_run_id, judging.ppi_model_id) == (run and run.pk, model and model.pk):
        return judging
    judging.ppi_run, judging.ppi_model = run, model
    judging.save(update_fields=["ppi_run", "ppi_model", "updated_at"])
    _judging_record(judging, what="ppi_judge", by=by)
    return judging


def ppi_judge_checked(*, campaign: Campaign, run: JudgeRun | None, model: RegisteredModel | None) -> None:
    """Refuse a judge run or model the campaign's prediction-powered scores cannot use, in the
    reader's language (the admin's form shows it before its save calls the service)."""
    if run is None and model is not None:
        raise JudgeRejected(gettext("Choose the judge run of this judge model."), field="ppi_run")
    if run is not None:
        if run.campaign_id != campaign.pk:
            raise JudgeRejected(gettext("This judge run labelled another campaign."), field="ppi_run")
        if run.template.kind != campaign.kind or run.template.pairwise:
            raise JudgeRejected(
                gettext(
                    "This judge run is of another kind: prediction-powered scores need a run that "
                    "judged one answer at a time with a template of the campaign's kind."
                ),
                field="ppi_run",
            )
        if model is not None and not run.generation_run.target_models.filter(pk=model.pk).exists():
            raise JudgeRejected(gettext("This judge model is not one of the run's."), field="ppi_model")


def _judging_record(judging: CampaignJudging, *, what: str, by: AbstractBaseUser | None) -> None:
    campaign_audit_append(
        campaign=judging.campaign_id,
        action=AuditAction.JUDGING_CHANGED,
        detail={"what": what, "settings": judging_settings(judging)},
        by=by,
    )
