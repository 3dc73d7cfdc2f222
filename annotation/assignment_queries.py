"""The queries behind assignment: which items a person may get, where check items fall in their
sequence, and the statements that pick and lease the next item (through the ORM on SQLite; on
PostgreSQL one prepared statement, the hottest query of ValueLens). annotation/assignment.py
turns what they return into what the judging page shows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models, transaction
from django.db.models import Exists, F, OuterRef, QuerySet

from annotation.models import (
    Campaign,
    Item,
    ItemPurpose,
    Judgement,
    JudgeTally,
    Lease,
    Skip,
)
from annotation.prepared import PreparedStatement, statements_execute
from annotation.quality.gates import QualificationGate
from people.models import AnnotatorProfile

# Fullest items first (they finish soonest), then each item's random position; the order of the
# free-slot index (Item.Meta), which every scan for free items follows.
SERVING_ORDER = ("-judgement_count", "position")


def user_domain_ids(user: AbstractBaseUser) -> list[int]:
    # Asked more than once per request (item checks, assignment): one query per user object.
    cached = getattr(user, "_valuelens_domain_ids", None)
    if cached is None:
        cached = list(
            AnnotatorProfile.domains.through.objects.filter(annotatorprofile__user_id=user.pk).values_list(
                "domain_id", flat=True
            )
        )
        user._valuelens_domain_ids = cached  # type: ignore[attr-defined]
    return list(cached)


def items_with_free_slot(
    *, user: AbstractBaseUser, campaign: Campaign, purpose: str | None = ItemPurpose.REGULAR
) -> QuerySet[Item]:
    """Items with a free slot, whoever judged them (items_open_to's purpose and domain rules)."""
    # Outside the human sample, an item is the judge model's alone (and outside the free-slot index).
    items = Item.objects.filter(campaign=campaign, has_free_slot=True, sampled=True)
    if purpose is not None:
        items = items.filter(purpose=purpose)
        if campaign.kind == Campaign.Kind.RESPONSIBILITY:
            items = items.filter(domain_id__in=user_domain_ids(user))
    return items


def items_open_to(
    *, user: AbstractBaseUser, campaign: Campaign, purpose: str | None = ItemPurpose.REGULAR
) -> QuerySet[Item]:
    """Items with a free slot that this person has not judged, skipped or leased (regular items
    unless another purpose is asked; None: any, with no domain filter)."""
    return (
        items_with_free_slot(user=user, campaign=campaign, purpose=purpose)
        .exclude(Exists(Judgement.objects.filter(item=OuterRef("pk"), user=user)))
        .exclude(Exists(Lease.objects.filter(item=OuterRef("pk"), user=user)))
        .exclude(Exists(Skip.objects.filter(item=OuterRef("pk"), user=user)))
    )


# The judging page's time left is from the median over this many of the person's latest items.
PACE_ITEMS = 50


def judged_count(*, user: AbstractBaseUser, campaign: Campaign) -> int:
    """How many judgements the person has made in the campaign, voided ones included."""
    tally = (
        JudgeTally.objects.filter(campaign=campaign, user_id=user.pk).values_list("judged", flat=True).first()
    )
    return tally or 0


_ITEM_COLUMNS = [f.column for f in Item._meta.concrete_fields]
_CAMPAIGN_COLUMNS = [f.column for f in Campaign._meta.concrete_fields]
_ITEM_WITH_CAMPAIGN = PreparedStatement(
    name="valuelens_item_with_campaign",
    # The column names come from the models, never from a request.
    sql=f"""SELECT {", ".join(f"i.{c}" for c in _ITEM_COLUMNS)}, {", ".join(f"c.{c}" for c in _CAMPAIGN_COLUMNS)}
FROM annotation_item i JOIN annotation_campaign c ON c.id = i.campaign_id
WHERE i.id = %(item)s AND i.campaign_id = %(campaign)s""",  # noqa: S608
    types={"item": "bigint", "campaign": "bigint"},
)


def item_with_campaign(*, item_id: int, campaign_id: int) -> Item | None:
    """The item of a submit with its campaign, in one prepared statement (the submit path)."""
    if connection.vendor != "postgresql":
        return Item.objects.select_related("campaign").filter(pk=item_id, campaign_id=campaign_id).first()
    with connection.cursor() as cursor:
        statements_execute(cursor, [(_ITEM_WITH_CAMPAIGN, {"item": item_id, "campaign": campaign_id})])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(_ITEM_COLUMNS)
    item = _from_row(Item, row[:split])
    item.campaign = _from_row(Campaign, row[split:])
    return item


_Row = TypeVar("_Row", bound=models.Model)


def _from_row(model: type[_Row], row: tuple[Any, ...]) -> _Row:
    """A model instance from raw columns, converted as the ORM would: JSON columns come from the
    driver as text (Django asks psycopg2 not to decode them) and are read here."""
    fields = model._meta.concrete_fields
    values = [
        f.from_db_value(v, None, connection) if hasattr(f, "from_db_value") else v
        for f, v in zip(fields, row, strict=True)
    ]
    return model.from_db(connection.alias, [f.attname for f in fields], values)


def _last_seen_prompt_id(*, user: AbstractBaseUser, campaign: Campaign) -> int | None:
    judged = (
        Judgement.objects.filter(campaign=campaign, user=user)
        .order_by("-created_at")
        .values_list("item__prompt_id", "created_at")
        .first()
    )
    skipped = (
        Skip.objects.filter(item__campaign=campaign, user=user)
        .order_by("-created_at")
        .values_list("item__prompt_id", "created_at")
        .first()
    )
    seen = [row for row in (judged, skipped) if row is not None]
    return max(seen, key=lambda row: row[1])[0] if seen else None


# ---------------------------------------------------------------- where check items fall
# Check items are placed per person: were they at the same places for everyone (every k-th item,
# the same gold item first), a judge who clicks one answer throughout would pass the checks
# whose answer it happens to be, every time. A keyed hash of the campaign's seed, the campaign
# and the person decides where in each run of k items the attention item falls, whether a gold
# item is due at each place (at the campaign's rate), and the order in which the person meets the
# check items. It is computed alike in Python (the ORM path) and in SQL (check_mix_sql) with no
# query of its own, and replayable from the recorded seed. Values stay below 2**31, so that no
# product leaves PostgreSQL's bigint.
CHECK_MIX_MOD = 2_147_483_647  # 2**31 - 1, a prime
_CHECK_MIX_ROUNDS = ((0x5BD1E995, 1_103_515_245), (0x27D4EB2D, 1_664_525_873), (0x165667B1, 2_028_178_513))


def check_mix(value: int) -> int:
    """A 31-bit hash of a value in [0, 2**31): XOR with a constant, then a multiplication modulo
    the prime, three times (check_mix_sql is the same in SQL)."""
    mixed = value
    for salt, factor in _CHECK_MIX_ROUNDS:
        mixed = ((mixed ^ salt) * factor) % CHECK_MIX_MOD
    return mixed


def check_mix_sql(expr: str) -> str:
    for salt, factor in _CHECK_MIX_ROUNDS:
        expr = f"mod((({expr}) # {salt}::bigint) * {factor}::bigint, {CHECK_MIX_MOD}::bigint)"
    return expr


@dataclass(frozen=True)
class CheckKeys:
    """One person's keys in one campaign: where attention items fall, where gold items fall, and
    the order of the check items."""

    attention: int
    gold: int
    order: int
    # Pairwise: which side each item's answer A is shown on to this person (pair_a_on_left).
    side: int = 0


def check_keys(*, user_id: int, campaign: Campaign) -> CheckKeys:
    def key(salt: int) -> int:
        mixed = salt
        for part in (campaign.seed, campaign.pk, user_id):
            mixed = check_mix(mixed ^ (part % CHECK_MIX_MOD))
        return mixed

    return CheckKeys(attention=key(1), gold=key(2), order=key(3), side=key(4))


def pair_a_on_left(*, keys: CheckKeys, item_id: int) -> bool:
    """Whether this person sees a pair item's answer A on the left: drawn per person and item from
    the campaign's seed (the SQL path draws alike, _A_ON_LEFT_SQL), and stored on the lease."""
    return check_mix(keys.side ^ (item_id % CHECK_MIX_MOD)) % 2 == 0


def attention_due(*, keys: CheckKeys, every: int, done: int) -> bool:
    """One attention item in each run of `every` items, at a place drawn for the person and run."""
    if every <= 0:
        return False
    run = done // every
    return done % every == check_mix(keys.attention ^ (run % CHECK_MIX_MOD)) % every


def gold_due(*, keys: CheckKeys, rate: float, done: int) -> bool:
    """A gold item at this place, drawn for the person at the campaign's rate."""
    return rate > 0 and check_mix(keys.gold ^ (done % CHECK_MIX_MOD)) < rate * CHECK_MIX_MOD


def check_order(*, keys: CheckKeys, position: int, item_id: int) -> tuple[int, int]:
    """Where an item stands in the person's own order of check items (the SQL sorts alike)."""
    return check_mix(keys.order ^ (position % CHECK_MIX_MOD)), item_id


_DONE_RUN = f"mod((done.n / NULLIF(%(attention_every)s, 0))::bigint, {CHECK_MIX_MOD}::bigint)"
_ATTENTION_DUE_SQL = (
    f"%(attention_every)s > 0 AND mod(done.n, NULLIF(%(attention_every)s, 0)) = "
    f"mod({check_mix_sql(f'%(attention_key)s # {_DONE_RUN}')}, NULLIF(%(attention_every)s, 0))"
)
_GOLD_DUE_SQL = (
    f"%(gold_rate)s > 0 AND "
    f"{check_mix_sql(f'%(gold_key)s # mod(done.n::bigint, {CHECK_MIX_MOD}::bigint)')} < %(gold_rate)s * {CHECK_MIX_MOD}"
)
_CHECK_ORDER_SQL = check_mix_sql(f"%(order_key)s # mod(i.position, {CHECK_MIX_MOD}::bigint)")
# NULL (no side) when the campaign is not pairwise: its side key is passed as NULL.
_A_ON_LEFT_SQL = f"mod({check_mix_sql(f'%(side_key)s # mod(held.id, {CHECK_MIX_MOD}::bigint)')}, 2) = 0"


def _purpose_due(*, campaign: Campaign, gate: QualificationGate, done: int, keys: CheckKeys) -> str:
    if gate.qualifying:
        return ItemPurpose.QUALIFICATION
    if attention_due(keys=keys, every=campaign.attention_every, done=done):
        return ItemPurpose.ATTENTION
    if gold_due(keys=keys, rate=campaign.gold_rate, done=done):
        return ItemPurpose.GOLD
    return ItemPurpose.REGULAR


def _check_item_locked(candidates: QuerySet[Item], *, keys: CheckKeys) -> Item | None:
    """The first check item in the person's own order that nobody else is locking. Check items
    are few (the ones an admin marked), so they are sorted here, as the SQL path sorts them."""
    rows = sorted(
        candidates.values_list("pk", "position"),
        key=lambda row: check_order(keys=keys, position=row[1], item_id=row[0]),
    )
    for pk, _position in rows:
        item = candidates.filter(pk=pk).select_for_update(skip_locked=True, of=("self",)).first()
        if item is not None:
            return item
    return None


def lease_next_item_orm(
    *,
    user: AbstractBaseUser,
    campaign: Campaign,
    expires: datetime,
    gate: QualificationGate,
    domains: list[int],
) -> int | None:
    """The next-item rules through the ORM (the quickstart's SQLite): the person's own lease is
    renewed, or the next item locked and leased; returns its id (None when none is left)."""
    with transaction.atomic():
        # Even an expired lease still holds its slot until reclaimed, so it is safe to renew.
        own = Lease.objects.filter(campaign=campaign, user=user).order_by("created_at").first()
        if own is not None:
            Lease.objects.filter(pk=own.pk).update(expires_at=expires)
            return own.item_id
        open_items = items_open_to(user=user, campaign=campaign, purpose=None)
        if campaign.kind == Campaign.Kind.RESPONSIBILITY:
            open_items = open_items.filter(domain_id__in=gate.qualify_domains if gate.qualifying else domains)
        keys = check_keys(user_id=user.pk, campaign=campaign)
        done = judged_count(user=user, campaign=campaign)
        due = _purpose_due(campaign=campaign, gate=gate, done=done, keys=keys)
        item = None
        if due != ItemPurpose.REGULAR:
            item = _check_item_locked(open_items.filter(purpose=due), keys=keys)
        if item is None and due != ItemPurpose.QUALIFICATION:
            candidates = (
                open_items.filter(purpose=ItemPurpose.REGULAR)
                .order_by(*SERVING_ORDER)
                .select_for_update(skip_locked=True, of=("self",))
            )
            last_prompt = _last_seen_prompt_id(user=user, campaign=campaign) if campaign.blind else None
            if last_prompt is not None:
                item = candidates.exclude(prompt_id=last_prompt).first()
            if item is None:
                item = candidates.first()
        if item is None:
            return None
        side = pair_a_on_left(keys=keys, item_id=item.pk) if campaign.pairwise else None
        Lease.objects.create(item=item, user=user, campaign=campaign, expires_at=expires, a_on_left=side)
        Item.objects.filter(pk=item.pk).update(
            lease_count=F("lease_count") + 1, open_slots=F("open_slots") - 1
        )
        return item.pk


# One candidate scan; {prompt_filter} keeps the prompt the person saw last out of the first one.
# Regular items are never served while the person is still taking the qualification set.
_CANDIDATE_SQL = """
    SELECT i.id FROM annotation_item i
    WHERE i.campaign_id = %(campaign)s AND i.purpose = 'regular' AND i.has_free_slot AND i.sampled {regular_due} {domain_filter} {prompt_filter}
      AND NOT EXISTS (SELECT 1 FROM annotation_judgement j WHERE j.item_id = i.id AND j.user_id = %(user)s)
      AND NOT EXISTS (SELECT 1 FROM annotation_lease l WHERE l.item_id = i.id AND l.user_id = %(user)s)
      AND NOT EXISTS (SELECT 1 FROM annotation_skip s WHERE s.item_id = i.id AND s.user_id = %(user)s)
    ORDER BY i.judgement_count DESC, i.position
    LIMIT 1
    FOR UPDATE OF i SKIP LOCKED
"""
# A gold, attention or qualification item this person has not seen, when one is due, in the
# person's own order of check items (check_order).
_CHECK_SQL = """
    SELECT i.id FROM annotation_item i
    WHERE i.campaign_id = %(campaign)s AND i.purpose = (SELECT purpose FROM want)
      AND (SELECT purpose FROM want) <> 'regular' AND i.has_free_slot AND i.sampled {domain_filter}
      AND NOT EXISTS (SELECT 1 FROM annotation_judgement j WHERE j.item_id = i.id AND j.user_id = %(user)s)
      AND NOT EXISTS (SELECT 1 FROM annotation_lease l WHERE l.item_id = i.id AND l.user_id = %(user)s)
      AND NOT EXISTS (SELECT 1 FROM annotation_skip s WHERE s.item_id = i.id AND s.user_id = %(user)s)
    ORDER BY {check_order}, i.id
    LIMIT 1
    FOR UPDATE OF i SKIP LOCKED
"""
_LEASE_NEXT_ITEM_SQL = """
WITH blocked AS (
    -- A judge paused or excluded in this campaign gets nothing, not even their own lease back.
    SELECT 1 FROM annotation_judgestanding
    WHERE campaign_id = %(campaign)s AND user_id = %(user)s
      AND (paused_at IS NOT NULL OR excluded_at IS NOT NULL)
), done AS (
    SELECT COALESCE(
        (SELECT judged FROM annotation_judgetally WHERE campaign_id = %(campaign)s AND user_id = %(user)s), 0
    ) AS n
), pace AS (
    -- The person's median time per item over their latest judgements (the page's time left).
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY recent.time_spent_ms) AS ms FROM (
        SELECT time_spent_ms FROM annotation_judgement WHERE campaign_id = %(campaign)s AND user_id = %(user)s
        ORDER BY created_at DESC LIMIT %(pace_items)s
    ) recent
), want AS (
    -- Which kind of item is due: the qualification set first, then an attention item once in
    -- each run of k items, then gold items at the campaign's rate (attention_due, gold_due).
    SELECT CASE
        WHEN %(qualifying)s THEN 'qualification'
        WHEN {attention_due} THEN 'attention'
        WHEN {gold_due} THEN 'gold'
        ELSE 'regular' END AS purpose
    FROM done
), own AS (
    -- Even an expired lease still holds its slot until reclaimed, so it is safe to renew.
    UPDATE annotation_lease SET expires_at = %(expires)s
    WHERE id = (SELECT id FROM annotation_lease WHERE campaign_id = %(campaign)s AND user_id = %(user)s
                ORDER BY created_at LIMIT 1)
      AND NOT EXISTS (SELECT 1 FROM blocked)
    RETURNING item_id, a_on_left
), last_seen AS (
    -- The prompt of what this person judged or skipped last (blind campaigns only).
    SELECT seen.prompt_id FROM (
        (SELECT it.prompt_id, j.created_at FROM annotation_judgement j
         JOIN annotation_item it ON it.id = j.item_id
         WHERE %(blind)s AND j.campaign_id = %(campaign)s AND j.user_id = %(user)s
         ORDER BY j.created_at DESC LIMIT 1)
        UNION ALL
        (SELECT it.prompt_id, s.created_at FROM annotation_skip s
         JOIN annotation_item it ON it.id = s.item_id
         WHERE %(blind)s AND s.user_id = %(user)s AND it.campaign_id = %(campaign)s
         ORDER BY s.created_at DESC LIMIT 1)
    ) seen ORDER BY seen.created_at DESC LIMIT 1
), picked AS (
    -- COALESCE runs a scan only when the one before found nothing: a check item when one is due,
    -- then another prompt, the same prompt only when nothing else is left.
    SELECT COALESCE({scans}) AS id
    WHERE NOT EXISTS (SELECT 1 FROM own) AND NOT EXISTS (SELECT 1 FROM blocked)
), held AS (
    UPDATE annotation_item SET lease_count = lease_count + 1, open_slots = open_slots - 1
    FROM picked WHERE annotation_item.id = picked.id
    RETURNING annotation_item.id
), leased AS (
    INSERT INTO annotation_lease (item_id, user_id, campaign_id, expires_at, created_at, a_on_left)
    SELECT id, %(user)s, %(campaign)s, %(expires)s, now(), {a_on_left} FROM held
    RETURNING item_id, a_on_left
), chosen AS (
    SELECT (SELECT item_id FROM own UNION ALL SELECT item_id FROM leased LIMIT 1) AS item_id,
        (SELECT n FROM done) AS done, EXISTS (SELECT 1 FROM blocked) AS blocked,
        (SELECT a_on_left FROM own UNION ALL SELECT a_on_left FROM leased LIMIT 1) AS a_on_left
)
-- What the page shows, in the same round trip: one row per response (one row with NULLs when
-- nothing is left).
SELECT chosen.item_id, chosen.done, p.text, d.name_en, d.name_zh, m.name, r.id, r.text, chosen.blocked,
    r.finish_reason, CASE WHEN %(blind)s THEN NULL ELSE i.suggestion END,
    CASE WHEN chosen.item_id IS NOT NULL THEN (SELECT ms FROM pace) END, p.messages, chosen.a_on_left
FROM chosen
LEFT JOIN annotation_item i ON i.id = chosen.item_id
LEFT JOIN prompts_prompt p ON p.id = i.prompt_id
LEFT JOIN prompts_domain d ON d.id = i.domain_id
LEFT JOIN models_registry_registeredmodel m ON m.id = i.model_id
LEFT JOIN annotation_itemresponse ir ON ir.item_id = i.id
LEFT JOIN models_registry_response r ON r.id = ir.response_id
ORDER BY ir.position
"""


def _lease_next_statement(name: str, *, checks: bool, domains: bool) -> PreparedStatement:
    """One variant of the next-item statement. Without checks (no qualification, attention or
    gold items due in the campaign) the check scan is left out, not just skipped: PostgreSQL sets
    up every scan of a statement on each run, whether it runs or not."""
    domain_filter = "AND i.domain_id = ANY(%(domains)s)" if domains else ""
    # Qualification items come from the domains the expert has not been assessed in yet.
    check_domain_filter = (
        "AND i.domain_id = ANY(CASE WHEN %(qualifying)s THEN %(qualify_domains)s ELSE %(domains)s END)"
        if domains
        else ""
    )
    regular_due = "AND (SELECT purpose FROM want) <> 'qualification'" if checks else ""
    first = _CANDIDATE_SQL.format(
        regular_due=regular_due,
        domain_filter=domain_filter,
        prompt_filter="AND i.prompt_id IS DISTINCT FROM (SELECT prompt_id FROM last_seen)",
    )
    fallback = _CANDIDATE_SQL.format(regular_due=regular_due, domain_filter=domain_filter, prompt_filter="")
    scans = [f"({first})", f"({fallback})"]
    if checks:
        check = _CHECK_SQL.format(domain_filter=check_domain_filter, check_order=_CHECK_ORDER_SQL)
        scans.insert(0, f"({check})")
    sql = _LEASE_NEXT_ITEM_SQL.format(
        scans=", ".join(scans),
        attention_due=_ATTENTION_DUE_SQL if checks else "false",
        gold_due=_GOLD_DUE_SQL if checks else "false",
        a_on_left=_A_ON_LEFT_SQL,
    )
    types = {**_LEASE_TYPES, "domains": "bigint[]", "qualify_domains": "bigint[]"}
    return PreparedStatement(
        name=name, sql=sql, types={k: v for k, v in types.items() if f"%({k})s" in sql}, generic=True
    )


_LEASE_TYPES = {
    "campaign": "bigint",
    "user": "integer",
    "expires": "timestamptz",
    "blind": "boolean",
    "qualifying": "boolean",
    "attention_every": "integer",
    "gold_rate": "float8",
    "attention_key": "bigint",
    "gold_key": "bigint",
    "order_key": "bigint",
    "pace_items": "integer",
    "side_key": "bigint",
}
_LEASE_NEXT = {
    (checks, domains): _lease_next_statement(
        "valuelens_lease_next" + ("_with_checks" if checks else "") + ("_in_domains" if domains else ""),
        checks=checks,
        domains=domains,
    )
    for checks in (False, True)
    for domains in (False, True)
}


@dataclass(frozen=True)
class LeasedItem:
    """The leased item as the next-item statement returns it."""

    pk: int
    prompt_text: str
    # A conversation's earlier turns (Prompt.messages); empty for a single prompt.
    prompt_messages: list[dict[str, str]]
    domain_en: str | None
    domain_zh: str | None
    model: str
    # Already None in a blind campaign.
    suggestion: dict[str, Any] | None
    # (response id, text, finish reason), in order.
    responses: list[tuple[int, str, str]]
    # The person's median time per item over their latest judgements here (None: none yet).
    median_ms: int | None
    # Pairwise: whether the person sees answer A on the left (None in other campaigns).
    a_on_left: bool | None = None


@dataclass(frozen=True)
class LeasedNext:
    """What the next-item statement returned: the leased item (None when none is left) and how
    many judgements the person has made in the campaign; blocked when the person is paused or
    excluded in the campaign (then nothing is leased)."""

    blocked: bool
    done: int
    item: LeasedItem | None


def lease_next_item_postgresql(
    *,
    user: AbstractBaseUser,
    campaign: Campaign,
    expires: datetime,
    gate: QualificationGate,
    domains: list[int],
) -> LeasedNext:
    """The same rules as the ORM path (lease_next_item_orm) in one statement (one round trip,
    atomic on its own), which also returns what the page shows of the item.

    The person's own lease is renewed if they hold one; otherwise the picked row is locked with
    SKIP LOCKED, its counters bumped and the lease written, so two annotators never take the same
    slot and no slot is held without a lease. The NOT EXISTS on `own` is a one-time filter: the
    item scans do not run when a lease was renewed.
    """
    params: dict[str, object] = {
        "campaign": campaign.pk,
        "user": user.pk,
        "expires": expires,
        "blind": campaign.blind,
        "qualifying": gate.qualifying,
        "attention_every": campaign.attention_every,
        "gold_rate": campaign.gold_rate,
        "pace_items": PACE_ITEMS,
        "side_key": None,
    }
    checks = gate.qualifying or campaign.attention_every > 0 or campaign.gold_rate > 0
    if checks or campaign.pairwise:
        keys = check_keys(user_id=user.pk, campaign=campaign)
        if checks:
            params.update(attention_key=keys.attention, gold_key=keys.gold, order_key=keys.order)
        if campaign.pairwise:
            params["side_key"] = keys.side
    in_domains = campaign.kind == Campaign.Kind.RESPONSIBILITY
    if in_domains:
        params["domains"] = domains
        params["qualify_domains"] = gate.qualify_domains
    statement = _LEASE_NEXT[(checks, in_domains)]
    with connection.cursor() as cursor:
        # A lease lost in a database crash is harmless: its slot and counters go with it (the
        # person's submit is then refused and they get the next item).
        statements_execute(cursor, [(statement, params)], durable=False)
        rows = cursor.fetchall()
    item_id, done, prompt_text, name_en, name_zh, model = rows[0][:6]
    if item_id is None:
        return LeasedNext(blocked=bool(rows[0][8]), done=done, item=None)
    suggestion, median_ms, messages = rows[0][10], rows[0][11], rows[0][12]
    item = LeasedItem(
        pk=item_id,
        prompt_text=prompt_text,
        # Django has psycopg2 hand JSON over as text.
        prompt_messages=json.loads(messages) if isinstance(messages, str) else messages,
        domain_en=name_en,
        domain_zh=name_zh,
        model=model,
        # Django has psycopg2 hand JSON over as text.
        suggestion=json.loads(suggestion) if isinstance(suggestion, str) else suggestion,
        responses=[(row[6], row[7], row[9]) for row in rows if row[6] is not None],
        median_ms=None if median_ms is None else int(median_ms),
        a_on_left=rows[0][13],
    )
    return LeasedNext(blocked=bool(rows[0][8]), done=done, item=item)
