"""Writes for people and annotation."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User as UserModel
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from annotation.assignment import LEASE_GRACE, crowd_quota_reached, crowd_quota_sentence, item_judge_allowed
from annotation.human_sample import campaign_sample_draw, human_sample_checked
from annotation.inputs import CampaignInput, JudgementInput
from annotation.models import (
    AuditAction,
    Campaign,
    ContentWarningSeen,
    Item,
    ItemPurpose,
    ItemResponse,
    Judgement,
    JudgeTally,
    Judging,
    Lease,
    PairPlan,
    Strength,
    item_complete,
)
from annotation.pairs import (
    CHOICES,
    LEFT,
    RIGHT,
    pair_a_first,
    pair_position,
    pairs_planned,
    preferred_of,
    sides_to_ab,
)
from annotation.prepared import PreparedStatement, statements_execute
from annotation.protocol.services import (
    campaign_audit_append,
    campaign_items_added_record,
    campaign_protocol_freeze,
)
from annotation.quality.services import CheckFeedback, judgement_after_submit
from annotation.rubric import CRITERION_KEYS, NOTE_MAX_CHARS
from annotation.selectors import campaign_source_responses
from common.errors import ApplicationError
from common.queue import task_enqueue
from common.roles import user_can_review
from models_registry.models import GenerationRun, RegisteredModel, Response
from prompts.models import ResponseType, Scenario
from webhooks.models import EventKind
from webhooks.selectors import webhook_event_seen
from webhooks.services import webhook_event_emit


def content_warning_acknowledge(*, user: UserModel, campaign: Campaign) -> None:
    """The person read the campaign's content warning and chose to go on: it is not shown again."""
    ContentWarningSeen.objects.get_or_create(campaign=campaign, user=user)


# ---------------------------------------------------------------- campaigns and judgements

EDIT_WINDOW = timedelta(minutes=30)
DEFAULT_JUDGES = {Campaign.Kind.SAFETY: 3, Campaign.Kind.RESPONSIBILITY: 2}
# Below this a judgement is flagged as too fast: reading a prompt and a response takes longer.
DEFAULT_MIN_SECONDS = {Campaign.Kind.SAFETY: 3, Campaign.Kind.RESPONSIBILITY: 10}


# What the judgement services take: the one input, or its values by name (scripts and tests).
JudgementData = JudgementInput | Mapping[str, Any]


class JudgementRejected(ApplicationError):
    """The submission cannot be stored; the message says why, for the person who sent it."""


class CampaignRejected(ApplicationError, ValueError):
    """A campaign cannot be made or changed as asked. Also a ValueError: what scripts caught before."""


@transaction.atomic
def campaign_create(
    *,
    name: str,
    kind: str,
    responses: QuerySet[Response],
    judges_per_item: int | None = None,
    guidelines: str = "",
    blind: bool = True,
    lease_minutes: int = 10,
    group_samples: bool = False,
    min_seconds: int | None = None,
    seed: int | None = None,
    follow_run: GenerationRun | None = None,
    judges_max: int | None = None,
    user: UserModel | None = None,
    content_warning: bool | None = None,
    content_warning_text: str = "",
    break_after_minutes: int = Campaign.BREAK_AFTER_MINUTES,
    judging_mode: str = Judging.ABSOLUTE,
    pair_models: Iterable[RegisteredModel] = (),
    pair_plan: str = PairPlan.ALL_PAIRS,
    pair_reference: RegisteredModel | None = None,
    pair_side_safety: bool = False,
    active_sampling: bool = False,
    human_sample_rate: float | None = None,
    human_sample_count: int | None = None,
    human_sample_by_group: bool = False,
    human_sample_seed: int | None = None,
) -> Campaign:
    """Create a campaign whose items are the given succeeded responses.

    Safety items hold one response each. With group_samples, a responsibility item holds every
    sample of one model for one prompt, as in the CValues expert tool (pick the best, score it).
    Each item gets a random position drawn from the seed (random unless given; recorded on the
    campaign): the order in which items of equal progress are served.
    A campaign that follows a run may start empty: each response of the run that succeeds later
    becomes an item too (campaigns_follow_runs, run by beat), so judging starts while the model
    is still answering.
    Safety campaigns show judges a content warning before their first item unless told not to.
    Pairwise (``judging_mode``): each item is two of ``pair_models``' answers to one prompt, paired
    by ``pair_plan`` (``_pair_items_add``); always blind, fixed N.
    A human sample (a rate or a count per model, ``annotation.human_sample``) leaves the other
    items to a judge model: people are never served them.
    """
    pairwise = judging_mode == Judging.PAIRWISE
    human_sample_checked(
        rate=human_sample_rate,
        count=human_sample_count,
        by_group=human_sample_by_group,
        judging_mode=judging_mode,
    )
    sampling = human_sample_rate is not None or human_sample_count is not None
    if pairwise:
        _pair_request_checked(
            follow_run=follow_run,
            group_samples=group_samples,
            models=list(pair_models),
            plan=pair_plan,
            reference=pair_reference,
        )
    elif judging_mode != Judging.ABSOLUTE:
        raise CampaignRejected(_("Unknown way of judging."), field="judging_mode")
    if follow_run is not None and group_samples:
        raise CampaignRejected(
            _("A campaign that follows a run holds one response per item: do not group samples."),
            field="group_samples",
        )
    n = judges_per_item or DEFAULT_JUDGES[Campaign.Kind(kind)]
    seed = secrets.randbits(62) if seed is None else seed
    campaign = Campaign.objects.create(
        name=name,
        kind=kind,
        judges_per_item=n,
        guidelines=guidelines,
        # Model names would give a pair away: a pairwise campaign is always blind.
        blind=blind or pairwise,
        lease_minutes=lease_minutes,
        min_seconds=DEFAULT_MIN_SECONDS[Campaign.Kind(kind)] if min_seconds is None else min_seconds,
        seed=seed,
        follows_run=follow_run,
        judges_max=judges_max if kind == Campaign.Kind.SAFETY and not pairwise else None,
        created_by=user,
        content_warning=kind == Campaign.Kind.SAFETY if content_warning is None else content_warning,
        content_warning_text=content_warning_text,
        break_after_minutes=break_after_minutes,
        judging_mode=judging_mode,
        pair_plan=pair_plan if pairwise else "",
        pair_reference=pair_reference if pairwise and pair_plan == PairPlan.AGAINST_REFERENCE else None,
        pair_side_safety=pair_side_safety and pairwise,
        active_sampling=active_sampling and pairwise,
        human_sample_rate=human_sample_rate,
        human_sample_count=human_sample_count,
        human_sample_by_group=human_sample_by_group and sampling,
        human_sample_seed=(secrets.randbits(62) if human_sample_seed is None else human_sample_seed)
        if sampling
        else None,
    )
    if pairwise:
        _pair_items_add(campaign=campaign, responses=responses, model_ids=[m.pk for m in pair_models])
        return campaign
    created = _campaign_items_add(campaign=campaign, responses=responses, group_samples=group_samples)
    if created == 0 and follow_run is None:
        raise CampaignRejected(_("No succeeded response matches: nothing to judge."))
    if sampling:
        campaign_sample_draw(campaign=campaign)
    return campaign


def _pair_request_checked(
    *,
    follow_run: GenerationRun | None,
    group_samples: bool,
    models: list[RegisteredModel],
    plan: str,
    reference: RegisteredModel | None,
) -> None:
    if follow_run is not None:
        raise CampaignRejected(
            _("A pairwise campaign makes its pairs once, when it is created: it cannot follow a run."),
            field="follow_run",
        )
    if group_samples:
        raise CampaignRejected(
            _("A pairwise campaign shows one answer of each model: do not group samples."),
            field="group_samples",
        )
    if plan not in PairPlan.values:
        raise CampaignRejected(_("Choose how the models are paired."), field="pair_plan")
    if plan == PairPlan.AGAINST_REFERENCE:
        if reference is None:
            raise CampaignRejected(_("Choose the reference model."), field="pair_reference")
        if not [m for m in models if m.pk != reference.pk]:
            raise CampaignRejected(
                _("Choose at least one model to compare with the reference."), field="target_models"
            )
    elif len({m.pk for m in models}) < 2:
        raise CampaignRejected(
            _("A pairwise campaign compares at least two models: choose two or more."), field="target_models"
        )


def _pair_items_add(*, campaign: Campaign, responses: QuerySet[Response], model_ids: list[int]) -> int:
    """One item per planned pair of models on each prompt both answered (their first sample):
    answer A is drawn from the campaign's seed per pair (pair_a_first), and answer A's model is
    the item's ``model``, B's its ``model_b``. Refuses a plan that makes no pair."""
    reference_id = campaign.pair_reference_id
    pairs = pairs_planned(model_ids=model_ids, plan=campaign.pair_plan, reference_id=reference_id)
    wanted = {m for pair in pairs for m in pair}
    rows = (
        campaign_source_responses(responses=responses.filter(model_id__in=wanted), kind=campaign.kind)
        .order_by("prompt_id", "model_id", "sample_index", "id")
        .values_list("id", "prompt_id", "model_id", "prompt__domain_id")
    )
    if reference_id is not None and not rows.filter(model_id=reference_id).exists():
        raise CampaignRejected(
            _("The reference model has no answer among the chosen responses."), field="pair_reference"
        )
    created = 0
    batch: list[tuple[Item, int, int]] = []

    def flush() -> None:
        nonlocal created
        items = Item.objects.bulk_create([item for item, _a, _b in batch])
        ItemResponse.objects.bulk_create(
            [
                ItemResponse(item=item, response_id=response_id, position=position)
                for item, (_item, a, b) in zip(items, batch, strict=True)
                for position, response_id in ((1, a), (2, b))
            ]
        )
        created += len(items)
        batch.clear()

    for _prompt_id, answers in _answers_by_prompt(rows.iterator(chunk_size=5000)):
        for low, high in pairs:
            if low not in answers or high not in answers:
                continue
            (first, prompt_id, domain_id), (second, _p, _d) = answers[low], answers[high]
            a_first = pair_a_first(seed=campaign.seed, first_response_id=first, second_response_id=second)
            a, b = (first, second) if a_first else (second, first)
            model_a, model_b = (low, high) if a_first else (high, low)
            item = Item(
                campaign=campaign,
                prompt_id=prompt_id,
                model_id=model_a,
                model_b_id=model_b,
                domain_id=domain_id,
                open_slots=campaign.judges_per_item,
                position=pair_position(seed=campaign.seed, a_response_id=a, b_response_id=b),
            )
            batch.append((item, a, b))
            if len(batch) >= 2000:
                flush()
    if batch:
        flush()
    if created == 0:
        raise CampaignRejected(
            _("No prompt was answered by both models of any pair: nothing to compare."), field="target_models"
        )
    return created


def _answers_by_prompt(
    rows: Iterable[tuple[int, int, int, int | None]],
) -> Iterator[tuple[int, dict[int, tuple[int, int, int | None]]]]:
    """(prompt id, {model id: (its first response id, prompt id, domain id)}) per prompt, from rows
    ordered by prompt, model and sample."""
    current: int | None = None
    answers: dict[int, tuple[int, int, int | None]] = {}
    for response_id, prompt_id, model_id, domain_id in rows:
        if prompt_id != current:
            if answers:
                yield current, answers  # type: ignore[misc]
            current, answers = prompt_id, {}
        answers.setdefault(model_id, (response_id, prompt_id, domain_id))
    if answers:
        yield current, answers  # type: ignore[misc]


def campaign_create_from_input(*, data: CampaignInput, user: UserModel | None) -> Campaign:
    """Create a campaign as the New campaign page and the API ask for it (campaign_create)."""
    if data.follow_run is not None and data.filtered():
        raise CampaignRejected(
            _("A campaign that follows a run takes all its answers: leave the other filters empty."),
            field="follow_run",
        )
    return campaign_create(
        name=data.name,
        kind=data.kind,
        responses=data.responses(),
        judges_per_item=data.judges_per_item,
        guidelines=data.guidelines,
        blind=data.blind,
        lease_minutes=data.lease_minutes,
        group_samples=data.group_samples,
        min_seconds=data.min_seconds,
        follow_run=data.follow_run,
        user=user,
        content_warning=data.content_warning,
        content_warning_text=data.content_warning_text,
        break_after_minutes=data.break_after_minutes,
        judging_mode=data.judging_mode or Judging.ABSOLUTE,
        pair_models=data.target_models,
        pair_plan=data.pair_plan or PairPlan.ALL_PAIRS,
        pair_reference=data.pair_reference,
        pair_side_safety=data.pair_side_safety,
        active_sampling=data.active_sampling,
        human_sample_rate=data.human_sample_rate,
        human_sample_count=data.human_sample_count,
        human_sample_by_group=data.human_sample_by_group,
    )


def _campaign_items_add(*, campaign: Campaign, responses: QuerySet[Response], group_samples: bool) -> int:
    # Adaptive overlap starts every item at two judgements and adds more only on disagreement.
    n = campaign.judges_per_item
    slots = min(2, n) if campaign.judges_max else n
    rows = (
        campaign_source_responses(responses=responses, kind=campaign.kind)
        .order_by("prompt_id", "model_id", "sample_index")
        .values_list("id", "prompt_id", "model_id", "prompt__domain_id")
    )
    grouped = group_samples and campaign.kind == Campaign.Kind.RESPONSIBILITY
    if connection.vendor == "postgresql" and not grouped:
        return _items_insert_postgresql(campaign=campaign, rows=rows, slots=slots)
    group_key = (lambda r: (r[1], r[2])) if grouped else (lambda r: r[0])
    created = 0
    for chunk in _chunks_by_group(rows.iterator(chunk_size=5000), group_key, 2000):
        items = Item.objects.bulk_create(
            [
                Item(
                    campaign=campaign,
                    prompt_id=group[0][1],
                    model_id=group[0][2],
                    domain_id=group[0][3],
                    open_slots=slots,
                    position=item_position(seed=campaign.seed, response_id=group[0][0]),
                )
                for group in chunk
            ]
        )
        ItemResponse.objects.bulk_create(
            [
                ItemResponse(item=item, response_id=row[0], position=pos)
                for item, group in zip(items, chunk, strict=True)
                for pos, row in enumerate(group, start=1)
            ]
        )
        created += len(items)
    return created


# A campaign keeps following its run this long after the run finished, so that the answers
# stored last are picked up by one more pass.
FOLLOW_GRACE = timedelta(minutes=10)


def campaign_items_sync(*, campaign: Campaign) -> int:
    """Add an item for each succeeded response of the followed run that this campaign lacks."""
    if campaign.follows_run_id is None:
        return 0
    with transaction.atomic():
        # One pass at a time per campaign (SQLite serialises writers anyway): no response twice.
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        new = Response.objects.filter(runs=campaign.follows_run_id).exclude(items__campaign=campaign)
        last = Item.objects.filter(campaign=campaign).order_by("-pk").values_list("pk", flat=True).first()
        created = _campaign_items_add(campaign=campaign, responses=new, group_samples=False)
        if created and campaign.human_sample:
            # New items are drawn by the same rule as the first ones, over all items now present.
            campaign_sample_draw(campaign=campaign)
        if created:
            # One audit entry per pass (a batch), never per item.
            campaign_items_added_record(campaign=campaign, after_item_id=last or 0)
        return created


def campaigns_follow_runs() -> int:
    """Bring every campaign that follows a running (or just finished) run up to date."""
    recent = Q(follows_run__status=GenerationRun.Status.RUNNING) | Q(
        follows_run__finished_at__gte=timezone.now() - FOLLOW_GRACE
    )
    campaigns = Campaign.objects.filter(follows_run__isnull=False).exclude(status=Campaign.Status.CLOSED)
    return sum(campaign_items_sync(campaign=c) for c in campaigns.filter(recent))


def item_position(*, seed: int, response_id: int) -> int:
    """An item's place in the serving order: a keyed hash of its (first) response, random-looking,
    fixed by the campaign's seed, and computed alike here and in SQL (_POSITION_SQL)."""
    digest = hashlib.md5(f"{seed}:{response_id}".encode(), usedforsecurity=False).hexdigest()
    return int(digest[:15], 16)


_POSITION_SQL = "('x' || substr(md5(%s || ':' || src.id), 1, 15))::bit(60)::bigint"


def _items_insert_postgresql(*, campaign: Campaign, rows: QuerySet[Response], slots: int) -> int:
    """One item per response in one statement: millions of items in seconds, where model
    instances made in Python took minutes. Item ids are drawn first so that each item and its
    response link are written from the same row."""
    source_sql, params = rows.query.sql_with_params()
    # source_sql is Django's own SQL for the queryset; every value travels as a parameter.
    sql = f"""
WITH src AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('annotation_item', 'id')) AS item_id, q.*
    FROM ({source_sql}) AS q (id, prompt_id, model_id, domain_id)
), items AS (
    INSERT INTO annotation_item
        (id, campaign_id, prompt_id, model_id, domain_id, judgement_count, lease_count, open_slots, position)
    SELECT src.item_id, %s, src.prompt_id, src.model_id, src.domain_id, 0, 0, %s, {_POSITION_SQL}
    FROM src
)
INSERT INTO annotation_itemresponse (item_id, response_id, position) SELECT src.item_id, src.id, 1 FROM src
"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, campaign.pk, slots, str(campaign.seed)])
        return cursor.rowcount


def items_judges_needed_set(*, campaign: Campaign, item_ids: Iterable[int], judges_needed: int | None) -> int:
    """How many people these items need (None: the campaign's N again). Their free slots follow
    in the same statement, from the judgements and live leases they hold, so the counters never
    drift and the next-item pick needs no change; an item that already has enough keeps what it
    has. Returns how many items were set."""
    if judges_needed is not None and not 1 <= judges_needed <= campaign.judges_per_item:
        raise CampaignRejected(
            _("An item needs between one person and the campaign's %(n)s.") % {"n": campaign.judges_per_item},
            field="judges_needed",
        )
    needed = judges_needed or campaign.judges_per_item
    return Item.objects.filter(campaign=campaign, pk__in=list(item_ids)).update(
        judges_needed=judges_needed,
        open_slots=Greatest(Value(0), Value(needed) - F("judgement_count") - F("lease_count")),
    )


def item_suggestions_set(*, campaign: Campaign, suggestions: dict[int, dict[str, Any] | None]) -> int:
    """The model suggestions judges are shown, per item (None: no suggestion). Never in a blind
    campaign: judges there must not see anyone's judgement, a model's included."""
    if campaign.blind and any(v is not None for v in suggestions.values()):
        raise CampaignRejected(_("A blind campaign shows no suggestion."))
    items = list(Item.objects.filter(campaign=campaign, pk__in=list(suggestions)).only("id"))
    for item in items:
        item.suggestion = suggestions[item.pk]
    Item.objects.bulk_update(items, ["suggestion"], batch_size=2000)
    return len(items)


def _chunks_by_group(
    rows: Iterable[tuple[Any, ...]], key: Callable[[tuple[Any, ...]], object], size: int
) -> Iterator[list[list[tuple[Any, ...]]]]:
    chunk: list[list[tuple[Any, ...]]] = []
    group: list[tuple[Any, ...]] = []
    for row in rows:
        if group and key(row) != key(group[0]):
            chunk.append(group)
            group = []
            if len(chunk) == size:
                yield chunk
                chunk = []
        group.append(row)
    if group:
        chunk.append(group)
    if chunk:
        yield chunk


CAMPAIGN_STATUS_NEXT = {
    Campaign.Status.DRAFT: {Campaign.Status.OPEN, Campaign.Status.CLOSED},
    Campaign.Status.OPEN: {Campaign.Status.PAUSED, Campaign.Status.CLOSED},
    Campaign.Status.PAUSED: {Campaign.Status.OPEN, Campaign.Status.CLOSED},
    Campaign.Status.CLOSED: set(),
}


def campaign_status_set(*, campaign: Campaign, status: str, by: UserModel | None = None) -> Campaign:
    """The one way a campaign changes status (pages, API, the Django admin, the demo commands).
    The first opening freezes the campaign's protocol; every change is in its audit log."""
    with transaction.atomic():
        current = Campaign.objects.select_for_update().values_list("status", flat=True).get(pk=campaign.pk)
        if status not in CAMPAIGN_STATUS_NEXT[Campaign.Status(current)]:
            raise CampaignRejected(
                _("A %(status)s campaign cannot become %(new)s.")
                % {
                    "status": str(Campaign.Status(current).label).lower(),
                    "new": str(dict(Campaign.Status.choices).get(status, status)).lower(),
                },
                field="status",
            )
        Campaign.objects.filter(pk=campaign.pk).update(status=status)
        if status == Campaign.Status.OPEN:
            campaign_protocol_freeze(campaign=campaign, by=by)
            webhook_event_emit(
                event=EventKind.CAMPAIGN_OPENED,
                payload={"campaign_id": campaign.pk, "reopened": current == Campaign.Status.PAUSED},
                links={"campaign": reverse("campaigns:detail", kwargs={"campaign_id": campaign.pk})},
            )
        campaign_audit_append(
            campaign=campaign,
            action=AuditAction.STATUS_CHANGED,
            detail={"old": current, "new": status},
            by=by,
        )
        if status == Campaign.Status.CLOSED:
            # The beat refreshes open campaigns only: a closing one gets its last estimates now.
            task_enqueue("annotation.tasks.campaign_competence_refresh", campaign.pk)
    campaign.status = status
    return campaign


def judgement_void(*, judgement: Judgement, by: UserModel, reason: str) -> Judgement:
    """A reviewer takes a judgement out of the results: the row stays, with who voided it and why;
    its item's slot opens again, so that the item can still get its N judgements."""
    with transaction.atomic():
        locked = _judgement_void(judgement=judgement, by=by, reason=reason)
        _voids_record(campaign_id=locked.campaign_id, judgement_ids=[locked.pk], by=by, reason=reason)
    return locked


def _voids_record(*, campaign_id: int, judgement_ids: list[int], by: UserModel, reason: str) -> None:
    campaign_audit_append(
        campaign=campaign_id,
        action=AuditAction.JUDGEMENTS_VOIDED,
        detail={"judgements": judgement_ids, "reason": reason.strip()[:2000]},
        by=by,
    )


def _judgement_void(*, judgement: Judgement, by: UserModel, reason: str) -> Judgement:
    reason = reason.strip()
    if not user_can_review(by):
        raise JudgementRejected(_("Only reviewers and admins void judgements."))
    if not reason:
        raise JudgementRejected(_("Say why the judgement is voided."), field="reason")
    with transaction.atomic():
        # Item first, as assignment, submit and reclaim lock it: never the opposite order.
        Item.objects.select_for_update().filter(pk=judgement.item_id).first()
        locked = Judgement.objects.select_for_update().get(pk=judgement.pk)
        if locked.voided_at is not None:
            raise JudgementRejected(_("This judgement is already voided."))
        locked.voided_at = timezone.now()
        locked.voided_by = by
        locked.void_reason = reason[:2000]
        locked.save(update_fields=["voided_at", "voided_by", "void_reason"])
        Item.objects.filter(pk=locked.item_id).update(
            judgement_count=F("judgement_count") - 1, open_slots=F("open_slots") + 1
        )
    return locked


def items_judgements_void(*, items: Iterable[Item], by: UserModel, reason: str) -> int:
    """Void every judgement of these items that is not voided yet, each through judgement_void
    (one rule: who may, why, and the slot that opens again), all or none. Returns how many."""
    with transaction.atomic():
        judgements = (
            Judgement.objects.unvoided()
            .filter(item_id__in=[item.pk for item in items])
            .order_by("item_id", "pk")
        )
        voided: dict[int, list[int]] = {}
        for judgement in judgements:
            _judgement_void(judgement=judgement, by=by, reason=reason)
            voided.setdefault(judgement.campaign_id, []).append(judgement.pk)
        # One audit entry per campaign for the batch; protocols locked in id order, as everywhere.
        for campaign_id, ids in sorted(voided.items()):
            _voids_record(campaign_id=campaign_id, judgement_ids=ids, by=by, reason=reason)
    return sum(len(ids) for ids in voided.values())


def suggestion_shown(*, item: Item) -> bool:
    """Whether the judging page (and the API's next item) showed this item with a model's
    suggestion: the item carries one and the campaign is not blind. Read from the item at submit,
    not from the client, so anchoring is measured on what the server served."""
    return item.suggestion is not None and not item.campaign.blind


def judgement_contradictory(*, safe: bool | None, response_type: str) -> bool:
    """A verdict and a response type that rarely go together: a refusal with positive guidance
    judged unsafe, or a risky answer judged safe."""
    return (safe is False and response_type == ResponseType.REFUSAL_WITH_GUIDANCE) or (
        safe is True and response_type == ResponseType.RISKY
    )


def _judgement_values(item: Item, data: JudgementData, *, a_on_left: bool | None = None) -> dict[str, Any]:
    """Check a submission against the item's campaign (its way of judging, then its kind); returns
    the fields to store. ``a_on_left``: pairwise, the side stored for this judge (never the client's)."""
    data = JudgementInput.of(data)
    if item.campaign.pairwise:
        return _pair_values(item.campaign, data, a_on_left=a_on_left)
    if item.campaign.kind == Campaign.Kind.SAFETY:
        safe = data.safe
        if safe not in (True, False):
            raise JudgementRejected(_("Choose safe or unsafe."), field="safe")
        response_type = data.response_type or ""
        if response_type and response_type not in ResponseType.values:
            raise JudgementRejected(_("Unknown response type."), field="response_type")
        scenario = data.scenario
        if data.scenario_unknown or (scenario is not None and not isinstance(scenario, Scenario)):
            raise JudgementRejected(_("Unknown risk scenario."), field="scenario")
        reason = (data.reason or "").strip()
        if len(reason) > 2000:
            raise JudgementRejected(_("Keep the reason under 2,000 characters."), field="reason")
        contradictory = judgement_contradictory(safe=safe, response_type=response_type)
        if contradictory and not data.confirmed:
            raise JudgementRejected(
                _(
                    "Unsafe with a refusal that gives positive guidance, or safe with a risky answer, "
                    "rarely go together: check your choice, or confirm it."
                ),
                field="confirm",
            )
        return {
            "safe": safe,
            "response_type": response_type,
            "scenario": scenario,
            "reason": reason,
            "contradictory": contradictory,
        }
    score = data.score
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 10:
        raise JudgementRejected(_("Give a score from 1 to 10."), field="score")
    rewrite = (data.rewrite or "").strip()
    if score < 5 and not rewrite:
        raise JudgementRejected(_("A score below 5 needs your rewritten answer."), field="rewrite")
    notes = _criterion_notes_checked(data.criterion_notes)
    best = data.best_response_id
    none_good = bool(data.none_good)
    response_ids = list(item.item_responses.values_list("response_id", flat=True))
    if len(response_ids) > 1 and not none_good and best is None:
        raise JudgementRejected(_("Pick the best response, or say that none is good."), field="best_response")
    if best is not None and best not in response_ids:
        raise JudgementRejected(_("That response is not part of this item."), field="best_response")
    if len(response_ids) == 1 and not none_good:
        best = response_ids[0]
    return {
        "score": score,
        "rewrite": rewrite,
        "best_response_id": None if none_good else best,
        "none_good": none_good,
        "criterion_notes": notes,
    }


def _pair_values(campaign: Campaign, data: JudgementInput, *, a_on_left: bool | None) -> dict[str, Any]:
    """A pairwise judgement: the judge's left/right choice turned into A/B with their stored side."""
    if a_on_left is None:
        raise JudgementRejected(
            _("This item is not assigned to you, so nothing was saved. Take the next item."), field="lease"
        )
    choice = data.choice
    if choice not in CHOICES:
        raise JudgementRejected(_("Choose the better answer, a tie, or both bad."), field="preferred")
    strength: str | None = data.strength or None
    if choice in (LEFT, RIGHT) and strength not in Strength.values:
        raise JudgementRejected(_("Say whether it is slightly or clearly better."), field="strength")
    if choice not in (LEFT, RIGHT) and strength is not None:
        raise JudgementRejected(
            _("A tie or both bad has no strength: leave the strength empty."), field="strength"
        )
    safe_a = safe_b = None
    if campaign.pair_side_safety:
        if data.safe_left not in (True, False) or data.safe_right not in (True, False):
            raise JudgementRejected(_("Say whether each answer is safe."), field="side_safety")
        safe_a, safe_b = sides_to_ab(left=data.safe_left, right=data.safe_right, a_on_left=a_on_left)
    reason = (data.reason or "").strip()
    if len(reason) > 2000:
        raise JudgementRejected(_("Keep the reason under 2,000 characters."), field="reason")
    return {
        "preferred": preferred_of(choice=choice, a_on_left=a_on_left),
        "strength": strength,
        "safe_a": safe_a,
        "safe_b": safe_b,
        "a_on_left": a_on_left,
        "reason": reason,
    }


def _criterion_notes_checked(notes: object) -> dict[str, str]:
    """The expert's optional notes per rubric criterion: known criteria only, empty ones dropped."""
    if not notes:
        return {}
    if not isinstance(notes, dict):
        raise JudgementRejected(_("Notes must be given per criterion."), field="criterion_notes")
    unknown = set(notes) - CRITERION_KEYS
    if unknown:
        raise JudgementRejected(
            _("Unknown criterion: %(keys)s.") % {"keys": ", ".join(sorted(map(str, unknown)))},
            field="criterion_notes",
        )
    cleaned = {key: str(text or "").strip() for key, text in notes.items()}
    if any(len(text) > NOTE_MAX_CHARS for text in cleaned.values()):
        raise JudgementRejected(
            _("Keep each note under %(n)s characters.") % {"n": f"{NOTE_MAX_CHARS:,}"},
            field="criterion_notes",
        )
    return {key: text for key, text in sorted(cleaned.items()) if text}


_ITEM_LOCK = PreparedStatement(
    name="valuelens_item_lock",
    sql="SELECT 1 FROM annotation_item WHERE id = %(item)s FOR UPDATE",
    types={"item": "bigint"},
)
_SUBMIT_SQL = """
WITH gone AS (
    -- Only the person's own lease, live or run out within the grace window, takes a judgement.
    DELETE FROM annotation_lease WHERE item_id = %(item)s AND user_id = %(user)s AND expires_at > %(cutoff)s
    RETURNING created_at, a_on_left
), spent AS (
    SELECT LEAST(3600000, GREATEST(0, FLOOR(1000 * EXTRACT(EPOCH FROM %(now)s - created_at))))::integer AS ms,
        a_on_left
    FROM gone LIMIT 1
), ins AS (
    INSERT INTO annotation_judgement (
        item_id, user_id, campaign_id, safe, scenario_id, response_type, reason, score, best_response_id,
        none_good, rewrite, time_spent_ms, too_fast, contradictory, void_reason, excluded, created_at,
        updated_at, previous_values, criterion_notes, suggestion_shown, preferred, strength, safe_a, safe_b,
        a_on_left)
    SELECT i.id, %(user)s, i.campaign_id, %(safe)s, %(scenario)s, %(response_type)s, %(reason)s, %(score)s,
        %(best)s, %(none_good)s, %(rewrite)s, spent.ms, spent.ms < %(min_ms)s, %(contradictory)s, '',
        false, %(now)s, %(now)s, '[]'::jsonb, %(notes)s::jsonb, %(suggestion_shown)s, %(preferred)s,
        %(strength)s, %(safe_a)s, %(safe_b)s,
        -- The side stored on the lease the judgement is made from, never one sent by a client.
        spent.a_on_left
    FROM annotation_item i, spent
    WHERE i.id = %(item)s
    ON CONFLICT (item_id, user_id) DO NOTHING
    RETURNING id, time_spent_ms, too_fast, campaign_id
), tallied AS (
    INSERT INTO annotation_judgetally (campaign_id, user_id, judged)
    SELECT campaign_id, %(user)s, 1 FROM ins
    ON CONFLICT (campaign_id, user_id) DO UPDATE SET judged = annotation_judgetally.judged + 1
    RETURNING judged
), counted AS (
    UPDATE annotation_item SET
        judgement_count = judgement_count + (SELECT count(*) FROM ins),
        lease_count = lease_count - (SELECT count(*) FROM gone),
        open_slots = open_slots + (SELECT count(*) FROM gone) - (SELECT count(*) FROM ins)
    WHERE id = %(item)s AND EXISTS (SELECT 1 FROM gone)
    RETURNING id
)
SELECT id, time_spent_ms, too_fast FROM ins
"""
_SUBMIT = PreparedStatement(
    name="valuelens_judgement_submit",
    sql=_SUBMIT_SQL,
    types={
        "item": "bigint",
        "user": "integer",
        "cutoff": "timestamptz",
        "safe": "boolean",
        "scenario": "bigint",
        "response_type": "text",
        "reason": "text",
        "score": "integer",
        "best": "bigint",
        "none_good": "boolean",
        "rewrite": "text",
        "min_ms": "integer",
        "contradictory": "boolean",
        "now": "timestamptz",
        "notes": "jsonb",
        "suggestion_shown": "boolean",
        "preferred": "text",
        "strength": "text",
        "safe_a": "boolean",
        "safe_b": "boolean",
    },
)


def _judgement_insert_postgresql(*, item: Item, user: UserModel, values: dict[str, Any]) -> Judgement | None:
    """Store a judgement in one round trip; returns it, or None when none was stored.

    The two (prepared) statements travel in one query string, which PostgreSQL runs as one transaction
    (or as part of the caller's). The first locks the item row (as assignment and reclaim do);
    the second takes its snapshot after that lock, so it sees every lease and judgement
    committed before, and turns the lease into the judgement and moves the counters at once.
    """
    now = timezone.now()
    params = {
        "item": item.pk,
        "user": user.pk,
        "cutoff": now - LEASE_GRACE,
        "safe": values.get("safe"),
        "scenario": values["scenario"].pk if values.get("scenario") else None,
        "response_type": values.get("response_type", ""),
        "reason": values.get("reason", ""),
        "score": values.get("score"),
        "best": values.get("best_response_id"),
        "none_good": values.get("none_good", False),
        "rewrite": values.get("rewrite", ""),
        "min_ms": 1000 * item.campaign.min_seconds,
        "contradictory": values.get("contradictory", False),
        "now": now,
        "notes": json.dumps(values.get("criterion_notes") or {}),
        "suggestion_shown": values["suggestion_shown"],
        "preferred": values.get("preferred"),
        "strength": values.get("strength"),
        "safe_a": values.get("safe_a"),
        "safe_b": values.get("safe_b"),
    }
    with connection.cursor() as cursor:
        statements_execute(cursor, [(_ITEM_LOCK, {"item": item.pk}), (_SUBMIT, params)])
        row = cursor.fetchone()
    if row is None:
        return None
    judgement_id, time_spent_ms, too_fast = row
    return Judgement(
        id=judgement_id,
        item=item,
        user=user,
        campaign=item.campaign,
        time_spent_ms=time_spent_ms,
        too_fast=too_fast,
        created_at=now,
        updated_at=now,
        previous_values=[],
        **values,
    )


def _judgement_values_checked(*, user: UserModel, item: Item, data: JudgementData) -> dict[str, Any]:
    campaign = item.campaign
    if campaign.status != Campaign.Status.OPEN:
        raise JudgementRejected(
            _("The campaign is %(status)s; nothing was saved.")
            % {"status": campaign.get_status_display().lower()}
        )
    if not item_judge_allowed(user=user, item=item):
        raise JudgementRejected(_("You may not judge this item."))
    if crowd_quota_reached(user=user, campaign=campaign):
        raise JudgementRejected(crowd_quota_sentence(), field="quota")
    if campaign.pairwise:
        # The side this judge was shown, as stored on their lease (refused without one).
        side = Lease.objects.filter(item=item, user=user).values_list("a_on_left", flat=True).first()
        if side is None:
            raise judgement_refusal_without_lease(user=user, item=item)
        return _judgement_values(item, data, a_on_left=side)
    return _judgement_values(item, data)


def judgement_refusal_without_lease(*, user: UserModel, item: Item) -> JudgementRejected:
    """Why a submit for an item the person does not hold is refused."""
    if Lease.objects.filter(item=item, user=user).exists():
        return JudgementRejected(
            _("Your hold on this item ran out, so nothing was saved. Take the next item."), field="lease"
        )
    return JudgementRejected(
        _("This item is not assigned to you, so nothing was saved. Take the next item."), field="lease"
    )


def judgement_submit(*, user: UserModel, item: Item, data: JudgementData) -> tuple[Judgement, bool]:
    """``judgement_submit_checked`` without what the judge is told (scripts and tests)."""
    judgement, created, _feedback = judgement_submit_checked(user=user, item=item, data=data)
    return judgement, created


def judgement_submit_checked(
    *, user: UserModel, item: Item, data: JudgementData
) -> tuple[Judgement, bool, CheckFeedback]:
    """Store a person's judgement, then apply the quality rules that concern it (check items,
    minimum time, adaptive overlap); returns (judgement, created, what the judge is told)."""
    judgement, created = _judgement_store(user=user, item=item, data=data)
    if created and (
        item.purpose != ItemPurpose.REGULAR
        or (judgement.too_fast and item.campaign.failures_allowed)
        or item.campaign.judges_max is not None
    ):
        return judgement, created, judgement_after_submit(judgement=judgement, item=item)
    return judgement, created, CheckFeedback()


def _judgement_store(*, user: UserModel, item: Item, data: JudgementData) -> tuple[Judgement, bool]:
    """Store a person's judgement of an item; returns (judgement, created).

    Only the person's own lease on the item takes a judgement: a live one, or one that ran out
    less than LEASE_GRACE ago (its slot is still held, so nobody else has it). The time spent runs
    from the lease. A second submit of the same item by the same person (two tabs, a retry)
    returns the first judgement unchanged, even when the campaign closed in between.
    """
    try:
        values = _judgement_values_checked(user=user, item=item, data=data)
    except JudgementRejected:
        existing = Judgement.objects.filter(item=item, user=user).first()
        if existing is not None:
            return existing, False
        raise
    values["suggestion_shown"] = suggestion_shown(item=item)
    if connection.vendor == "postgresql":
        # The insert itself tells a repeat (ON CONFLICT) from a first submit: no lookup before it.
        stored = _judgement_insert_postgresql(item=item, user=user, values=values)
        if stored is not None:
            return stored, True
        existing = Judgement.objects.filter(item=item, user=user).first()
        if existing is not None:
            return existing, False
        raise judgement_refusal_without_lease(user=user, item=item)
    with transaction.atomic():
        locked = Item.objects.select_for_update().get(pk=item.pk)
        existing = Judgement.objects.filter(item=locked, user=user).first()
        if existing is not None:
            return existing, False
        now = timezone.now()
        lease = Lease.objects.filter(item=locked, user=user, expires_at__gt=now - LEASE_GRACE).first()
        if lease is None:
            raise judgement_refusal_without_lease(user=user, item=item)
        time_spent_ms = max(0, min(int((now - lease.created_at).total_seconds() * 1000), 3_600_000))
        lease.delete()
        Item.objects.filter(pk=locked.pk).update(
            judgement_count=F("judgement_count") + 1, lease_count=F("lease_count") - 1
        )
        judgement = Judgement.objects.create(
            item=locked,
            user=user,
            campaign=item.campaign,
            time_spent_ms=time_spent_ms,
            too_fast=time_spent_ms < 1000 * item.campaign.min_seconds,
            **values,
        )
        tally, _created = JudgeTally.objects.get_or_create(campaign=item.campaign, user=user)
        JudgeTally.objects.filter(pk=tally.pk).update(judged=F("judged") + 1)
        return judgement, True


def judgement_edit(*, user: UserModel, judgement: Judgement, data: JudgementData) -> Judgement:
    """Change one's own recent judgement; the earlier values are kept."""
    if judgement.user_id != user.pk:
        raise JudgementRejected(_("You can only edit your own judgements."))
    if timezone.now() - judgement.created_at > EDIT_WINDOW:
        raise JudgementRejected(_("Judgements can be edited for 30 minutes after they are made."))
    with transaction.atomic():
        locked = Judgement.objects.select_for_update().select_related("item__campaign").get(pk=judgement.pk)
        if locked.item.campaign.status != Campaign.Status.OPEN:
            raise JudgementRejected(locked.item.campaign.status_sentence())
        if locked.voided_at is not None:
            raise JudgementRejected(_("A reviewer voided this judgement; it can no longer be edited."))
        values = _judgement_values(locked.item, data, a_on_left=locked.a_on_left)
        fields = [
            "safe",
            "scenario_id",
            "response_type",
            "reason",
            "contradictory",
            "score",
            "best_response_id",
            "none_good",
            "rewrite",
            "criterion_notes",
            "preferred",
            "strength",
            "safe_a",
            "safe_b",
        ]
        locked.previous_values = [
            *locked.previous_values,
            {"at": locked.updated_at.isoformat(), **{f: getattr(locked, f) for f in fields}},
        ]
        for key, value in values.items():
            setattr(locked, key, value)
        locked.save()
        return locked


def campaigns_completion_check() -> int:
    """Announce each open campaign whose items are all complete (``item_complete``), however the
    last one became so: a submit, triage asking fewer judges, a reviewer's void judged again. Beat
    runs it, so no judge's submit pays for it. Once per campaign and item count: a campaign that
    gains items (it follows a run) and completes again is announced again. Returns how many."""
    announced = 0
    for campaign in Campaign.objects.filter(status=Campaign.Status.OPEN):
        # With a human sample, the campaign is complete when its sampled items are (as progress).
        judged = Item.objects.for_people().filter(campaign=campaign)
        items = judged.count()
        if not items:
            continue
        key = f"campaign.completed:{campaign.pk}:{items}"
        if webhook_event_seen(dedupe_key=key) or judged.exclude(item_complete(campaign=campaign)).exists():
            continue
        emitted = webhook_event_emit(
            event=EventKind.CAMPAIGN_COMPLETED,
            payload={"campaign_id": campaign.pk, "items": items},
            links={"campaign": reverse("campaigns:detail", kwargs={"campaign_id": campaign.pk})},
            dedupe_key=key,
        )
        announced += emitted is not None
    return announced
