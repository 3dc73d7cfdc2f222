"""The inputs of the writes that both a page and the API offer: one definition each, built by the
page's form and by the API's serializer alike, and taken by one service call.

- ``JudgementInput``: a judgement (judgement_submit_checked, judgement_edit).
- ``CampaignInput``: a new campaign (campaign_create_from_input).
- ``CheckAnswer``: the known answer of a gold, attention or qualification item
  (annotation.quality.services.item_purpose_set).
- ``AdjudicationInput``: an item's final value set by a reviewer
  (annotation.quality.services.item_adjudicate).

Each checks nothing itself: the service does, so that the page and the API refuse the same input
with the same words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from django.core.cache import caches
from django.db.models import QuerySet

from annotation.models import Campaign, Judging
from models_registry.models import GenerationRun, RegisteredModel, Response
from models_registry.selectors import responses_filtered
from prompts.models import Domain, Scenario


def scenarios_cached() -> list[Scenario]:
    # Shown with every item and named in many submits; admins rarely edit them, so a minute's
    # staleness is fine (a name the cache lacks is looked up in the database).
    return caches["process"].get_or_set("annotation:scenarios", lambda: list(Scenario.objects.all()), 60)


def scenario_named(name: object) -> tuple[Scenario | None, bool]:
    """The risk scenario a judgement names, by slug (what the API documents) or by id (what the
    judging page posts): (scenario, False); (None, False) for none; (None, True) for a name that
    matches no scenario, which the service refuses."""
    if isinstance(name, Scenario):
        return name, False
    text = str(name or "").strip()
    if not text:
        return None, False
    pk = int(text) if text.isdigit() else None
    for scenario in scenarios_cached():
        if scenario.slug == text or scenario.pk == pk:
            return scenario, False
    found = Scenario.objects.filter(slug=text).first()
    if found is None and pk is not None:
        found = Scenario.objects.filter(pk=pk).first()
    return found, found is None


def verdict_safe(verdict: object) -> bool | None:
    """A verdict as the pages post it ("safe" or "unsafe") as the inputs hold it; None for none."""
    return {"safe": True, "unsafe": False}.get(str(verdict or ""))


@dataclass(frozen=True)
class JudgementInput:
    """A person's judgement of an item. The service checks it against the item's campaign:
    safety items read ``safe`` … ``confirmed``, responsibility items ``score`` … ``criterion_notes``."""

    safe: bool | None = None
    scenario: Scenario | None = None
    # A scenario name that matched none: refused by the service (field ``scenario``).
    scenario_unknown: bool = False
    response_type: str = ""
    reason: str = ""
    # Keep a verdict that contradicts the response type.
    confirmed: bool = False
    score: int | None = None
    best_response_id: int | None = None
    none_good: bool = False
    rewrite: str = ""
    criterion_notes: Mapping[str, str] = field(default_factory=dict)
    # Pairwise, in the judge's terms (annotation.pairs): left, right, tie or both_bad; slightly or
    # clearly (left or right only); each side's safety when the campaign asks. The server turns
    # them into A/B with the side stored on the judge's lease.
    choice: str = ""
    strength: str = ""
    safe_left: bool | None = None
    safe_right: bool | None = None

    @classmethod
    def of(cls, data: JudgementInput | Mapping[str, Any]) -> JudgementInput:
        """From keyword values as scripts and tests write them (``scenario`` a Scenario or a name)."""
        if isinstance(data, JudgementInput):
            return data
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        if "scenario" in values:
            values["scenario"], values["scenario_unknown"] = scenario_named(values["scenario"])
        for text in ("response_type", "reason", "rewrite", "choice", "strength"):
            values[text] = values.get(text) or ""
        values["criterion_notes"] = values.get("criterion_notes") or {}
        return cls(**values)


@dataclass(frozen=True)
class CampaignInput:
    """A new campaign: which succeeded responses become items (the filters, or a run to follow),
    and how they are judged. Empty values take the campaign's defaults (by kind where it says so)."""

    name: str
    kind: str
    runs: tuple[GenerationRun, ...] = ()
    target_models: tuple[RegisteredModel, ...] = ()
    level: str = ""
    domain: Domain | None = None
    scenario: Scenario | None = None
    follow_run: GenerationRun | None = None
    # None: 3 for safety, 2 for responsibility.
    judges_per_item: int | None = None
    guidelines: str = ""
    blind: bool = True
    lease_minutes: int = 10
    group_samples: bool = False
    # None: 3 s for safety, 10 s for responsibility.
    min_seconds: int | None = None
    # None: on for safety campaigns.
    content_warning: bool | None = None
    content_warning_text: str = ""
    break_after_minutes: int = Campaign.BREAK_AFTER_MINUTES
    # Pairwise: the chosen models are ``target_models``; the plan pairs them (annotation.pairs).
    judging_mode: str = Judging.ABSOLUTE
    pair_plan: str = ""
    pair_reference: RegisteredModel | None = None
    pair_side_safety: bool = False
    active_sampling: bool = False
    # People judge a sample of each model's items (a rate or a count); none: every item.
    human_sample_rate: float | None = None
    human_sample_count: int | None = None
    human_sample_by_group: bool = False

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> CampaignInput:
        """From the New campaign form's cleaned data or the API serializer's validated data (the
        same names); a missing or empty (None) value takes its default."""
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known and value is not None}
        for many in ("runs", "target_models"):
            values[many] = tuple(values.get(many) or ())
        return cls(**values)

    def filtered(self) -> bool:
        return bool(self.runs or self.target_models or self.level or self.domain or self.scenario)

    def responses(self) -> QuerySet[Response]:
        """The responses the filters name (all of the followed run's, when it follows one)."""
        models = self.target_models
        if self.judging_mode == Judging.PAIRWISE and self.pair_reference is not None:
            models = (*models, self.pair_reference)
        return responses_filtered(
            runs=[self.follow_run] if self.follow_run else self.runs,
            models=models,
            level=self.level,
            domain=self.domain,
            scenario=self.scenario,
        )


@dataclass(frozen=True)
class CheckAnswer:
    """The known answer of a check item: safety items read ``safe`` and the accepted
    ``response_types`` (none: any), responsibility items the accepted score range, pair items
    ``preferred`` (A/B terms)."""

    safe: bool | None = None
    response_types: tuple[str, ...] = ()
    score_min: int | None = None
    score_max: int | None = None
    explanation: str = ""
    # A pair's known better answer, in A/B terms (a, b, tie, both_bad).
    preferred: str = ""

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> CheckAnswer:
        """From the check item form's cleaned data or the API serializer's validated data."""
        return cls(
            safe=data.get("safe"),
            response_types=tuple(data.get("response_types") or ()),
            score_min=data.get("score_min"),
            score_max=data.get("score_max"),
            explanation=data.get("explanation") or "",
            preferred=data.get("preferred") or "",
        )


@dataclass(frozen=True)
class AdjudicationInput:
    """A reviewer's final value of an item, with a note: safety items read ``safe``,
    responsibility items ``score`` (1 to 10), pair items ``preferred``."""

    safe: bool | None = None
    score: int | None = None
    note: str = ""
    # Pairwise: the final better answer, in A/B terms.
    preferred: str = ""

    @classmethod
    def of(cls, data: AdjudicationInput | Mapping[str, Any]) -> AdjudicationInput:
        """From the adjudication page's form, the API serializer's validated data, or keyword
        values as scripts and tests write them (the same names)."""
        if isinstance(data, AdjudicationInput):
            return data
        return cls(
            safe=data.get("safe"),
            score=data.get("score"),
            note=data.get("note") or "",
            preferred=data.get("preferred") or "",
        )
