"""Reads of quality control: each judge's gold accuracy and standing, who counts as competent,
the adjudication queue, and each item's final value with its provenance."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from annotation.models import (
    Adjudication,
    AdjudicationRequest,
    Campaign,
    Item,
    ItemPurpose,
    ItemResponse,
    Judgement,
    JudgeStanding,
    Judging,
    judgement_standing,
)
from metrics.reliability import ERRATIC, HARSH, LENIENT, LOW_GOLD, RatingThresholds, rating_flags
from metrics.scores import (
    ADJUDICATED,
    MAJORITY,
    MODEL_ESTIMATE,
    NO_MAJORITY,
    TIE_UNSAFE,
    UNANIMOUS,
    Estimate,
    below_bar,
    final_choice,
    final_safe,
    final_score,
    proportion,
)

# What item_final_values calls a pair item's kind (its campaign's level does not say how it is judged).
PAIRWISE = Judging.PAIRWISE.value

# Gold accuracy judged on fewer answers than this says too little to call a judge incompetent.
GOLD_MIN_ANSWERS = 5
# Likewise a competence estimated from fewer judgements, whatever its interval.
COMPETENCE_MIN_JUDGEMENTS = 20

# How pages name where a final value came from, and what a rating judge is flagged for.
PROVENANCE_LABELS = {
    UNANIMOUS: _("unanimous"),
    MAJORITY: _("majority"),
    ADJUDICATED: _("adjudicated"),
    MODEL_ESTIMATE: _("model estimate"),
    TIE_UNSAFE: _("tie: counted unsafe"),
    NO_MAJORITY: _("no majority: a reviewer decides"),
}
RATING_FLAG_LABELS = {
    HARSH: _("harsh: scores below the other experts"),
    LENIENT: _("lenient: scores above the other experts"),
    ERRATIC: _("erratic: far from the other experts, one way then the other"),
    LOW_GOLD: _("low gold accuracy"),
}


def judgements_counted(campaign_ids: Iterable[int] | None = None) -> QuerySet[Judgement]:
    """The judgements of these campaigns that count (``Judgement.objects.counted``), complete
    items or not: what agreement and quality control measure."""
    rows = Judgement.objects.counted(include_incomplete=True)
    return rows.filter(campaign_id__in=list(campaign_ids)) if campaign_ids is not None else rows


@dataclass(frozen=True)
class JudgeQuality:
    user_id: int
    username: str
    pseudonym: str
    judgements: int
    gold: Estimate
    attention_passed: int
    attention_total: int
    too_fast: int
    failures: int
    warned: bool
    paused: bool
    excluded: bool
    competence: float | None
    competent: bool
    # Ratings campaigns: against the other experts, as the worker last stored it; and the flags.
    bias: float | None = None
    spread: float | None = None
    consensus_items: int | None = None
    flags: tuple[str, ...] = ()

    @property
    def gold_percent(self) -> str:
        return f"{100 * self.gold.value:.1f}%" if self.gold.n else "—"

    # Safety: the competence's 95% interval and the judgements it rests on (None: not stored).
    competence_estimate: Estimate | None = None

    @property
    def gold_interval(self) -> str:
        return f"{100 * self.gold.ci_low:.1f}–{100 * self.gold.ci_high:.1f}%" if self.gold.n else "—"

    @property
    def competence_percent(self) -> str:
        found = self.competence_estimate
        return f"{100 * found.value:.1f}%" if found is not None else "—"

    @property
    def competence_interval(self) -> str:
        found = self.competence_estimate
        if found is None or not found.n:
            return ""
        # As the agreement page writes it: the two pages show one figure, written alike.
        return f"{100 * found.ci_low:.1f}%–{100 * found.ci_high:.1f}%"


def competence_of(standing: JudgeStanding | None) -> Estimate | None:
    """A judge's stored competence with its interval; a figure stored without one (before intervals
    were kept, or recorded as a bare number) is its own interval, resting on no known count."""
    if standing is None or standing.competence is None:
        return None
    if standing.competence_high is None or standing.competence_low is None:
        return Estimate(standing.competence, 0, standing.competence, standing.competence)
    return Estimate(
        standing.competence,
        standing.competence_judgements or 0,
        standing.competence_low,
        standing.competence_high,
    )


def _competent(*, campaign: Campaign, standing: JudgeStanding | None, gold: Estimate) -> bool:
    """Not paused or excluded, and not shown to lie below the competence bar: by a stored competence
    whose 95% interval lies wholly below it (on enough judgements), else by a gold accuracy whose
    interval does (on enough answers). No figure yet: presumed competent."""
    if standing is not None and (standing.paused_at or standing.excluded_at):
        return False
    competence = competence_of(standing)
    if competence is not None:
        if competence.n == 0:  # a bare number: the point is all there is to go on
            return competence.value >= campaign.competence_min
        return not below_bar(competence, campaign.competence_min, min_n=COMPETENCE_MIN_JUDGEMENTS)
    return not below_bar(gold, campaign.competence_min, min_n=GOLD_MIN_ANSWERS)


def _gold_tallies(campaign: Campaign, user_ids: Iterable[int] | None = None) -> dict[int, tuple[int, int]]:
    rows = Judgement.objects.checks(ItemPurpose.GOLD).filter(campaign=campaign)
    if user_ids is not None:
        rows = rows.filter(user_id__in=list(user_ids))
    return {
        r["user_id"]: (r["right"], r["n"])
        for r in rows.values("user_id").annotate(
            n=Count("id"), right=Count("id", filter=Q(check_passed=True))
        )
    }


def gold_accuracy(*, campaign_ids: Iterable[int], kind: str) -> dict[int, Estimate]:
    """Each judge's share of gold items answered as known, over the campaigns of this kind, with
    its Wilson interval; judges without gold answers are left out."""
    rows = (
        Judgement.objects.checks(ItemPurpose.GOLD)
        .filter(campaign_id__in=list(campaign_ids), campaign__kind=kind)
        .values("user_id")
        .annotate(n=Count("id"), right=Count("id", filter=Q(check_passed=True)))
    )
    return {r["user_id"]: proportion(r["right"], r["n"]) for r in rows}


def judges_competent(*, campaign: Campaign, user_ids: Iterable[int]) -> set[int]:
    ids = set(user_ids)
    standings = {s.user_id: s for s in JudgeStanding.objects.filter(campaign=campaign, user_id__in=ids)}
    gold = _gold_tallies(campaign, ids)
    return {
        user_id
        for user_id in ids
        if _competent(
            campaign=campaign, standing=standings.get(user_id), gold=proportion(*gold.get(user_id, (0, 0)))
        )
    }


@dataclass(frozen=True)
class StoredCompetence:
    """A judge's competence as the worker stored it for one campaign (the quality page's figure)."""

    campaign_id: int
    competence: Estimate
    catches_unsafe: float | None
    clears_safe: float | None
    computed_at: dt.datetime | None


def judges_competence(campaign_ids: Iterable[int] | None = None) -> dict[int, StoredCompetence]:
    """Each judge's stored competence in these campaigns (None: every campaign), the one figure
    every page shows: the quality page reads it per campaign, the agreement page for its scope.
    A judge stored in several of them gets the campaign where the figure rests on most judgements."""
    rows = JudgeStanding.objects.filter(competence__isnull=False, campaign__kind=Campaign.Kind.SAFETY)
    if campaign_ids is not None:
        rows = rows.filter(campaign_id__in=list(campaign_ids))
    found: dict[int, StoredCompetence] = {}
    newest_best = (F("competence_judgements").desc(nulls_last=True), F("competence_at").desc(nulls_last=True))
    for standing in rows.order_by("user_id", *newest_best):
        estimate = competence_of(standing)
        if standing.user_id in found or estimate is None:
            continue
        found[standing.user_id] = StoredCompetence(
            campaign_id=standing.campaign_id,
            competence=estimate,
            catches_unsafe=standing.catches_unsafe,
            clears_safe=standing.clears_safe,
            computed_at=standing.competence_at,
        )
    return found


def _thresholds_of(campaign: Campaign) -> RatingThresholds:
    return RatingThresholds(
        bias_max=campaign.rating_bias_max,
        spread_max=campaign.rating_spread_max,
        gold_min=campaign.competence_min,
    )


def rating_thresholds(campaign_ids: Iterable[int]) -> RatingThresholds:
    """The flag thresholds of figures over several ratings campaigns: the strictest of them (a flag
    asks a reviewer to look; it excludes nobody). Without a ratings campaign, the defaults."""
    found = Campaign.objects.filter(pk__in=list(campaign_ids), kind=Campaign.Kind.RESPONSIBILITY).aggregate(
        bias=Min("rating_bias_max"), spread=Min("rating_spread_max"), gold=Max("competence_min")
    )
    if found["bias"] is None:
        return _thresholds_of(Campaign(kind=Campaign.Kind.RESPONSIBILITY))
    return RatingThresholds(bias_max=found["bias"], spread_max=found["spread"], gold_min=found["gold"])


def gold_upper_bound(estimate: Estimate | None) -> float | None:
    """The upper end of a judge's gold accuracy interval, when it rests on enough answers to judge."""
    return estimate.ci_high if estimate is not None and estimate.n >= GOLD_MIN_ANSWERS else None


def judges_quality(campaign: Campaign) -> list[JudgeQuality]:
    """One row per judge of the campaign: gold accuracy (Wilson interval), attention checks,
    judgements under the minimum time, failures, warning, pause, exclusion, competence; for a
    ratings campaign, bias and spread against the other experts (stored by the worker) and the
    flags they raise."""
    per_user = (
        Judgement.objects.unvoided()
        .filter(campaign=campaign)
        .values("user_id", "user__username", "user__annotator_profile__pseudonym")
        .annotate(
            regular=Count("id", filter=Q(item__purpose=ItemPurpose.REGULAR) | Q(before_check=True)),
            attention=Count("id", filter=Q(item__purpose=ItemPurpose.ATTENTION, before_check=False)),
            attention_ok=Count(
                "id", filter=Q(item__purpose=ItemPurpose.ATTENTION, before_check=False, check_passed=True)
            ),
            fast=Count("id", filter=Q(too_fast=True)),
        )
        .order_by("user__username")
    )
    standings = {s.user_id: s for s in JudgeStanding.objects.filter(campaign=campaign)}
    gold = _gold_tallies(campaign)
    rows = []
    ratings = campaign.kind == Campaign.Kind.RESPONSIBILITY
    thresholds = _thresholds_of(campaign)
    for row in per_user:
        standing = standings.get(row["user_id"])
        estimate = proportion(*gold.get(row["user_id"], (0, 0)))
        figures = {}
        if ratings:
            bias, spread, items = (
                (standing.bias, standing.spread, standing.consensus_items) if standing else (None, None, None)
            )
            figures = {
                "bias": bias,
                "spread": spread,
                "consensus_items": items,
                "flags": rating_flags(
                    bias=bias,
                    spread=spread,
                    items=items or 0,
                    thresholds=thresholds,
                    gold_high=gold_upper_bound(estimate),
                ),
            }
        rows.append(
            JudgeQuality(
                user_id=row["user_id"],
                username=row["user__username"],
                pseudonym=row["user__annotator_profile__pseudonym"] or "",
                judgements=row["regular"],
                gold=estimate,
                attention_passed=row["attention_ok"],
                attention_total=row["attention"],
                too_fast=row["fast"],
                failures=standing.failures if standing else 0,
                warned=bool(standing and standing.warned_at),
                paused=bool(standing and standing.paused_at),
                excluded=bool(standing and standing.excluded_at),
                competence=standing.competence if standing else None,
                competent=_competent(campaign=campaign, standing=standing, gold=estimate),
                competence_estimate=competence_of(standing),
                **figures,
            )
        )
    return rows


# ---------------------------------------------------------------- gold answers


@dataclass(frozen=True)
class GoldAnswer:
    """A check item's known answer. Safety: the verdict, and the accepted response types (none:
    any type is right). Ratings: the accepted score range, both ends included."""

    kind: str
    safe: bool | None = None
    response_types: tuple[str, ...] = ()
    score_min: int | None = None
    score_max: int | None = None
    # A pair's known better answer (A/B terms); set only on pair items.
    preferred: str = ""

    def accepts(
        self,
        *,
        safe: bool | None = None,
        response_type: str | None = "",
        score: float | None = None,
        preferred: str | None = None,
    ) -> bool:
        """Whether an answer is right: the one rule for people's and judge models' gold accuracy.
        ``response_type=None`` checks the verdict alone (a majority of verdicts has no type).
        A pair: the known better answer exactly (a tie on a pair whose answer is A fails)."""
        if self.preferred:
            return preferred == self.preferred
        if self.kind == Campaign.Kind.SAFETY:
            if safe is None or safe != self.safe:
                return False
            return response_type is None or not self.response_types or response_type in self.response_types
        return (
            score is not None
            and self.score_min is not None
            and self.score_max is not None
            and self.score_min <= score <= self.score_max
        )


def gold_answer_of(item: Item) -> GoldAnswer:
    return GoldAnswer(
        kind=item.campaign.kind,
        safe=item.gold_safe,
        response_types=tuple(item.gold_response_types or ()),
        score_min=item.gold_score_min,
        score_max=item.gold_score_max,
        preferred=item.gold_preferred or "",
    )


def gold_answers(
    *, campaign_ids: Iterable[int] | None = None, item_ids: Iterable[int] | None = None
) -> dict[int, GoldAnswer]:
    """The known answers of gold items (of these campaigns, or these items), by item id."""
    rows = Item.objects.filter(purpose=ItemPurpose.GOLD)
    if campaign_ids is not None:
        rows = rows.filter(campaign_id__in=list(campaign_ids))
    if item_ids is not None:
        rows = rows.filter(pk__in=list(item_ids))
    return {
        pk: GoldAnswer(kind, safe, tuple(types or ()), low, high, preferred or "")
        for pk, kind, safe, types, low, high, preferred in rows.values_list(
            "pk",
            "campaign__kind",
            "gold_safe",
            "gold_response_types",
            "gold_score_min",
            "gold_score_max",
            "gold_preferred",
        ).iterator(chunk_size=10_000)
    }


# ---------------------------------------------------------------- promotion to gold


@dataclass(frozen=True)
class PromotionCandidate:
    """A regular item whose judges all agreed: promoted, the agreed value becomes its known answer."""

    item_id: int
    prompt: str
    judgements: int
    safe: bool | None = None
    score: int | None = None
    preferred: str | None = None


# How much of the prompt the confirmation page shows.
PROMPT_PREVIEW_CHARS = 120


def gold_promotion_candidates(
    *, campaign: Campaign, limit: int = 50, item_ids: Iterable[int] | None = None
) -> list[PromotionCandidate]:
    """Up to ``limit`` regular items (of ``item_ids``, if given) that N or more judges judged, all
    alike (safety: the verdict; ratings: the score), in the campaign's order, with the agreed value."""
    valid = judgement_standing("judgements__")
    field = Judgement.value_field_of(campaign)
    items = Item.objects.filter(campaign=campaign, purpose=ItemPurpose.REGULAR)
    if item_ids is not None:
        items = items.filter(pk__in=list(item_ids))
    # PostgreSQL has no MIN(boolean): a unanimous safety item is safe when any vote is.
    agreed = (
        Count("judgements", filter=valid & Q(judgements__safe=True))
        if field == "safe"
        else Min(f"judgements__{field}", filter=valid)
    )
    found = (
        items.annotate(
            n=Count("judgements", filter=valid),
            distinct=Count(f"judgements__{field}", filter=valid, distinct=True),
            agreed=agreed,
        )
        .filter(n__gte=campaign.judges_per_item, distinct=1)
        .order_by("position", "pk")
        .values_list("pk", "prompt__text", "n", "agreed")[:limit]
    )
    return [
        PromotionCandidate(
            item_id=pk,
            prompt=text[:PROMPT_PREVIEW_CHARS],
            judgements=n,
            **({"safe": value > 0} if field == "safe" else {field: value}),
        )
        for pk, text, n, value in found
    ]


# ---------------------------------------------------------------- final values and adjudication


@dataclass(frozen=True)
class FinalValue:
    value: bool | float | None
    source: str


def item_final_values(
    campaign_ids: Iterable[int],
    *,
    estimates: dict[int, bool] | None = None,
    item_ids: Iterable[int] | None = None,
) -> dict[int, FinalValue]:
    """Each regular item's final value (safety verdict, mean score, or a pair's preferred answer
    by ``metrics.scores.final_choice``) and where it came from:
    unanimous, majority, adjudicated or model estimate: a tied safety item takes the Dawid–Skene
    label a worker stored for it (``estimates`` replaces the stored labels), and without one is
    a tie counted unsafe."""
    ids = list(campaign_ids)
    votes: dict[int, list] = defaultdict(list)
    kinds: dict[int, str] = {}
    counted = judgements_counted(ids)
    adjudications = Adjudication.objects.filter(item__campaign_id__in=ids)
    stored = Item.objects.filter(campaign_id__in=ids, estimate_safe__isnull=False)
    if item_ids is not None:
        wanted = list(item_ids)
        counted = counted.filter(item_id__in=wanted)
        adjudications = adjudications.filter(item_id__in=wanted)
        stored = stored.filter(pk__in=wanted)
    if estimates is None:
        estimates = dict(stored.values_list("pk", "estimate_safe").iterator(chunk_size=10_000))
    for item_id, kind, judging, safe, score, preferred in counted.values_list(
        "item_id", "campaign__kind", "campaign__judging_mode", "safe", "score", "preferred"
    ).iterator(chunk_size=10_000):
        kinds[item_id] = PAIRWISE if judging == Judging.PAIRWISE else kind
        value = {Campaign.Kind.SAFETY: safe, Campaign.Kind.RESPONSIBILITY: score, PAIRWISE: preferred}[
            kinds[item_id]
        ]
        if value is not None:
            votes[item_id].append(value)
    adjudicated = {a.item_id: a for a in adjudications.select_related("item__campaign")}
    for item_id, adjudication in adjudicated.items():
        campaign = adjudication.item.campaign
        kinds.setdefault(item_id, PAIRWISE if campaign.pairwise else campaign.kind)
    finals = {}
    for item_id, kind in kinds.items():
        adjudication = adjudicated.get(item_id)
        if kind == PAIRWISE:
            value, source = final_choice(
                votes[item_id], adjudicated=adjudication.preferred if adjudication else None
            )
        elif kind == Campaign.Kind.SAFETY:
            value, source = final_safe(
                votes[item_id],
                adjudicated=adjudication.safe if adjudication else None,
                estimate=estimates.get(item_id),
            )
        else:
            value, source = final_score(
                votes[item_id], adjudicated=adjudication.score if adjudication else None
            )
        finals[item_id] = FinalValue(value, source)
    return finals


def item_estimates(campaign_ids: Iterable[int], *, by_response: bool = False) -> dict[int, bool]:
    """Item id (or, ``by_response``, the id of the item's first response, as results count
    responses) -> the Dawid–Skene label a worker stored for it. A response in several campaigns
    takes the label of its latest campaign."""
    rows = Item.objects.filter(
        campaign_id__in=list(campaign_ids), purpose=ItemPurpose.REGULAR, estimate_safe__isnull=False
    ).order_by("campaign_id", "pk")
    rows = rows.annotate(key=ItemResponse.counted_for("pk")) if by_response else rows.annotate(key=F("pk"))
    return dict(rows.values_list("key", "estimate_safe").iterator(chunk_size=10_000))


def estimates_marker(campaign_ids: Iterable[int]) -> str:
    """When the model estimates results may use last changed (figures recompute after it)."""
    latest = Campaign.objects.filter(pk__in=list(campaign_ids)).aggregate(latest=Max("estimated_at"))[
        "latest"
    ]
    return latest.isoformat() if latest else "-"


@dataclass(frozen=True)
class QueueRow:
    item_id: int
    votes: int
    agreement: float
    sampled: bool
    adjudicated: bool
    # Sent by a reviewer from the item browser, whatever the agreement.
    requested: bool = False
    # How the votes fell: safe and unsafe counts (safety), or the scores given, lowest first (ratings).
    safe_votes: int = 0
    unsafe_votes: int = 0
    scores: tuple[int, ...] = ()
    # Pairwise: (preferred, votes) per answer given, in A/B terms.
    preferences: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class QueueItem:
    """What the queue shows of an item beside its votes."""

    prompt_start: str
    estimate_safe: bool | None


# Enough of a prompt to recognise it in a list; the page shortens it further.
QUEUE_PROMPT_CHARS = 200


def _sampled(campaign: Campaign, item_id: int) -> bool:
    """A stable random sample of the agreeing items, drawn from the campaign's seed."""
    digest = hashlib.sha256(f"{campaign.seed}:{item_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < campaign.adjudication_sample


def adjudication_queue(campaign: Campaign) -> list[QueueRow]:
    """Items a reviewer sent here, items whose judges disagree (majority share below the
    campaign's threshold), then a random sample of the rest; items already adjudicated stay
    listed, marked, at the end."""
    values: dict[int, list] = defaultdict(list)
    field = Judgement.value_field_of(campaign)
    # Only regular items are adjudicated: a promoted item's judgements count, but they agreed.
    regular = judgements_counted([campaign.pk]).filter(item__purpose=ItemPurpose.REGULAR)
    for item_id, value in regular.values_list("item_id", field).iterator(chunk_size=10_000):
        if value is not None:
            values[item_id].append(value)
    done = set(Adjudication.objects.filter(item__campaign=campaign).values_list("item_id", flat=True))
    requested = set(
        AdjudicationRequest.objects.filter(item__campaign=campaign).values_list("item_id", flat=True)
    )
    rows = []
    for item_id in values.keys() | requested:
        given = values.get(item_id, [])
        agreement = Counter(given).most_common(1)[0][1] / len(given) if given else 0.0
        if campaign.pairwise:
            tally: dict[str, Any] = {"preferences": tuple(sorted(Counter(given).items()))}
        elif campaign.kind == Campaign.Kind.SAFETY:
            tally = {"safe_votes": given.count(True), "unsafe_votes": given.count(False)}
        else:
            tally = {"scores": tuple(sorted(given))}
        if item_id in requested:
            rows.append(
                QueueRow(item_id, len(given), agreement, False, item_id in done, requested=True, **tally)
            )
            continue
        if len(given) < 2:
            continue
        disagree = agreement < campaign.adjudication_threshold
        if disagree or _sampled(campaign, item_id):
            rows.append(QueueRow(item_id, len(given), agreement, not disagree, item_id in done, **tally))
    return sorted(rows, key=lambda r: (r.adjudicated, not r.requested, r.sampled, r.agreement, r.item_id))


def item_verdict_to_confirm(item: Item, *, final: FinalValue | None) -> bool | None:
    """The safety verdict an adjudication form starts on: the item's current final value (as
    ``item_final_values`` gives it), unless only the tie rule decided it (a tie with no model
    estimate), which a reviewer must decide."""
    if final is None or not isinstance(final.value, bool) or final.source == TIE_UNSAFE:
        return None
    return final.value


def adjudication_queue_items(item_ids: Iterable[int]) -> dict[int, QueueItem]:
    """Item id -> the start of its prompt and its model estimate, for the rows a page shows."""
    rows = (
        Item.objects.filter(pk__in=list(item_ids))
        .annotate(prompt_start=Substr("prompt__text", 1, QUEUE_PROMPT_CHARS))
        .values_list("pk", "prompt_start", "estimate_safe")
    )
    return {pk: QueueItem(prompt_start=start or "", estimate_safe=estimate) for pk, start, estimate in rows}


def adjudicated_values(
    campaign_ids: Iterable[int], *, by_response: bool = False, kind: str | None = None
) -> dict[int, bool | int]:
    """Item id (or, ``by_response``, the id of the item's first response, as results count
    responses) -> the adjudicated verdict (safety) or score (ratings); ``kind`` keeps one kind of
    campaign (a response judged at both levels has a verdict and a score)."""
    rows = Adjudication.objects.filter(item__campaign_id__in=list(campaign_ids)).order_by("updated_at")
    if kind is not None:
        rows = rows.filter(item__campaign__kind=kind)
    if by_response:
        # A pair's final answer belongs to the pair, never to one of its responses.
        rows = rows.filter(preferred__isnull=True).annotate(key=ItemResponse.counted_for("item_id"))
    else:
        rows = rows.annotate(key=F("item_id"))
    return {
        key: safe if safe is not None else score if score is not None else preferred
        for key, safe, score, preferred in rows.values_list("key", "safe", "score", "preferred")
    }


def adjudications_marker(campaign_ids: Iterable[int]) -> str:
    """What results depend on beside the judgements: how many adjudications, and the latest."""
    found = Adjudication.objects.filter(item__campaign_id__in=list(campaign_ids)).aggregate(
        n=Count("id"), latest=Max("updated_at")
    )
    return f"{found['n']}:{found['latest'].isoformat() if found['latest'] else '-'}"


def adjudications_count(campaign_ids: Iterable[int]) -> int:
    return Adjudication.objects.filter(item__campaign_id__in=list(campaign_ids)).count()


def item_judgements_for_review(item: Item) -> QuerySet[Judgement]:
    """An item's judgements for a reviewer, with the judges' pseudonyms."""
    return (
        Judgement.objects.filter(item=item)
        .select_related("user__annotator_profile", "scenario")
        .order_by("created_at")
    )
