"""A campaign's human sample (issue 28): people judge a uniform random sample of each model's items,
and a judge model labels every item; the results combine the two (prediction-powered scores,
evaluation.judges.ppi).

The rule, one for the first draw and for items added later (campaigns that follow a run): each
regular item gets a key, a keyed hash of the sample's seed and the item; within each model (and
each risk scenario or domain when stratified) the items of smallest key are sampled, as many as
the rate asks of the group's size (rounded up) or the count (all, when the group is smaller).
Keys are independent of everything people see, so the sample is uniform within each group and
replayable from the recorded seed. An item people have already judged or hold stays in the sample
when a redraw would leave it out: their work is never thrown away, and the sample only grows past
the rule by those items.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from annotation.models import AuditAction, Campaign, Item, ItemPurpose, Judgement, Judging, Lease
from annotation.protocol.sections import HUMAN_SAMPLE_FIELDS, field_values
from annotation.protocol.services import Actor, campaign_audit_append
from common.errors import ApplicationError


class HumanSampleRejected(ApplicationError, ValueError):
    """A human sample cannot be set as asked."""


def human_sample_checked(
    *,
    rate: float | None,
    count: int | None,
    by_group: bool = False,
    judging_mode: str = Judging.ABSOLUTE,
) -> None:
    """The sample's own rules, for the campaign form, the API and the admin alike."""
    if rate is not None and count is not None:
        raise HumanSampleRejected(
            _("Give a sampling rate or a count of items, not both."), field="human_sample_rate"
        )
    if rate is not None and not 0 < rate <= 1:
        raise HumanSampleRejected(
            _("A sampling rate is above 0 and at most 1 (1: every item)."), field="human_sample_rate"
        )
    if count is not None and count < 1:
        raise HumanSampleRejected(_("A sample of items counts at least 1 item."), field="human_sample_count")
    if by_group and rate is None and count is None:
        raise HumanSampleRejected(
            _("Drawing per scenario or domain needs a sampling rate or a count."),
            field="human_sample_by_group",
        )
    if judging_mode == Judging.PAIRWISE and (rate is not None or count is not None):
        raise HumanSampleRejected(
            _("A pairwise campaign has people judge every pair: it takes no human sample."),
            field="human_sample_rate",
        )


def sample_key(*, seed: int, item_id: int) -> int:
    """An item's place in the draw: a keyed hash, uniform and independent of the serving order."""
    digest = hashlib.md5(f"sample:{seed}:{item_id}".encode(), usedforsecurity=False).hexdigest()
    return int(digest[:15], 16)


def _sample_size(campaign: Campaign, items: int) -> int:
    if campaign.human_sample_count is not None:
        return min(campaign.human_sample_count, items)
    # Rounded up: every group with an item gets at least one person's label.
    return min(items, math.ceil(float(campaign.human_sample_rate or 0) * items - 1e-9))


def _stratum_field(campaign: Campaign) -> str:
    return "prompt__scenario_id" if campaign.kind == Campaign.Kind.SAFETY else "domain_id"


def human_sample_of(campaign: Campaign, rows: Iterable[tuple[int, int, int | None, bool]]) -> set[int]:
    """The sampled ids among ``(item id, model id, stratum id, touched)`` rows (the module's rule)."""
    groups: dict[tuple[int, int | None], list[tuple[int, int]]] = defaultdict(list)
    touched: set[int] = set()
    seed = int(campaign.human_sample_seed or 0)
    for item_id, model_id, stratum, held in rows:
        group = (model_id, stratum if campaign.human_sample_by_group else None)
        groups[group].append((sample_key(seed=seed, item_id=item_id), item_id))
        if held:
            touched.add(item_id)
    sampled = set(touched)
    for members in groups.values():
        members.sort()
        sampled.update(item_id for _key, item_id in members[: _sample_size(campaign, len(members))])
    return sampled


def campaign_sample_draw(*, campaign: Campaign) -> int:
    """Mark which regular items people judge, by the module's rule (every item when the campaign
    has no sample); returns how many are in the sample."""
    regular = Item.objects.filter(campaign=campaign, purpose=ItemPurpose.REGULAR)
    if not campaign.human_sample:
        regular.filter(sampled=False).update(sampled=True)
        return regular.count()
    held = Q(lease_count__gt=0) | Exists(Judgement.objects.filter(item=OuterRef("pk")))
    rows = regular.annotate(held=held).values_list("pk", "model_id", _stratum_field(campaign), "held")
    sampled = human_sample_of(campaign, rows.iterator(chunk_size=10_000))
    ids = list(regular.values_list("pk", flat=True))
    chosen = [pk for pk in ids if pk in sampled]
    left_out = [pk for pk in ids if pk not in sampled]
    kept = items_sample_marks_write(chosen=chosen, left_out=left_out)
    return len(chosen) + kept


def items_sample_marks_write(*, chosen: list[int], left_out: list[int]) -> int:
    """Put ``chosen`` into the sample and take ``left_out`` out of it, except the items people
    judged or hold by then: the condition is in the UPDATE itself, so a lease taken after the
    rule read its rows still keeps its item sampled (the statement waits for the leasing
    transaction's row lock and re-checks the counters of the row it then sees). Returns how many
    of ``left_out`` stayed in for that reason."""
    untouched = (
        Q(lease_count=0, judgement_count=0)
        & ~Exists(Judgement.objects.filter(item=OuterRef("pk")))
        & ~Exists(Lease.objects.filter(item=OuterRef("pk")))
    )
    kept = 0
    for start in range(0, max(len(chosen), len(left_out)), 10_000):
        Item.objects.filter(pk__in=chosen[start : start + 10_000], sampled=False).update(sampled=True)
        batch = Item.objects.filter(pk__in=left_out[start : start + 10_000], sampled=True)
        batch.filter(untouched).update(sampled=False)
        kept += batch.count()
    return kept


def human_sample_changeable_checked(*, campaign: Campaign) -> None:
    """Refuse to change the sample of a campaign people have judged in (or hold an item of)."""
    if (
        Judgement.objects.filter(campaign=campaign).exists()
        or Lease.objects.filter(campaign=campaign).exists()
    ):
        raise HumanSampleRejected(
            _(
                "People have already judged items of this campaign: its human sample can no longer "
                "change (the judged items were drawn by the sample they were served under)."
            ),
            field="human_sample_rate",
        )


def campaign_human_sample_set(
    *,
    campaign: Campaign,
    rate: float | None,
    count: int | None,
    by_group: bool = False,
    seed: int | None = None,
    by: Actor = None,
) -> Campaign:
    """Set (or clear) a campaign's human sample and draw it. Refused once people have judged any
    item: the items they judged were served under the old sample, and a new one would make the
    people's labels no longer a uniform sample of the new rule."""
    human_sample_checked(rate=rate, count=count, by_group=by_group, judging_mode=campaign.judging_mode)
    unchanged = (
        campaign.human_sample_rate == rate
        and campaign.human_sample_count == count
        and campaign.human_sample_by_group == by_group
        and (seed is None or seed == campaign.human_sample_seed)
    )
    if unchanged:
        return campaign
    human_sample_changeable_checked(campaign=campaign)
    old = field_values(campaign, HUMAN_SAMPLE_FIELDS)
    campaign.human_sample_rate = rate
    campaign.human_sample_count = count
    campaign.human_sample_by_group = by_group and (rate is not None or count is not None)
    if rate is None and count is None:
        campaign.human_sample_seed = None
    else:
        campaign.human_sample_seed = secrets.randbits(62) if seed is None else seed
    campaign.save(update_fields=list(HUMAN_SAMPLE_FIELDS))
    campaign_sample_draw(campaign=campaign)
    new = field_values(campaign, HUMAN_SAMPLE_FIELDS)
    campaign_audit_append(
        campaign=campaign,
        action=AuditAction.SETTINGS_CHANGED,
        detail={
            "changes": {name: {"old": old[name], "new": new[name]} for name in old if old[name] != new[name]}
        },
        by=by,
    )
    return campaign
