"""The inputs of authoring's writes that both a page and the API offer, one definition each, built
by the page's form and by the API's serializer alike and taken by one service call; and the limits
every way in shares.

- ``AuthoringCampaignInput``: a new or edited authoring campaign (authoring_campaign_create / _update).
- ``SubmissionInput``: a prompt written on the write page (submission_submit).
- ``ReviewInput``: a reviewer's decision (submission_review).
- ``GivenPromptInput``: a prompt an expert-answers campaign asks experts to answer, with the
  model's low-scored answer (authoring_campaign_create; evaluation picks them from the results).

Each checks nothing itself: the service does, so the page and the API refuse alike.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from authoring.models import AuthoringCampaign, GivenPrompt
from models_registry.models import RegisteredModel, Response
from prompts.models import Domain, Level, Prompt, Scenario

# The longest turn (a prompt, or one turn of an attack) and the longest reference answer, in
# characters: a prompt is a question, not a document; an expert's answer may run to pages.
MAX_TURN_CHARS = 4_000
MAX_REFERENCE_ANSWER_CHARS = 20_000
MAX_INSTRUCTIONS_CHARS = 50_000
MAX_REJECT_REASON_CHARS = 2_000
# The provenance figures a page may claim, clamped to what a person can do: a text typed and
# deleted several times over, and a day of typing.
MAX_PROVENANCE_CHARS_FACTOR = 10
MAX_TYPING_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class BriefInput:
    scenario: Scenario
    description: str = ""
    examples: str = ""
    quota: int = 100


@dataclass(frozen=True)
class AuthoringCampaignInput:
    """An authoring campaign as an admin sets it. ``level`` is the kind's (attack: safety, expert:
    responsibility) and only a collection chooses it."""

    name: str
    kind: str
    level: str = ""
    instructions: str = ""
    domain: Domain | None = None
    targets: tuple[RegisteredModel, ...] = ()
    targets_shown: bool = False
    max_turns: int = 3
    quota_per_person: int = 20
    quota_total: int = 1000
    pay_per_accepted: Decimal = Decimal("0")
    currency: str = "GBP"
    content_warning: str = ""
    break_after_minutes: int = 30
    briefs: tuple[BriefInput, ...] = ()

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> AuthoringCampaignInput:
        """From the form's cleaned data or the serializer's validated data (the same names); a
        missing or empty (None) value takes its default. ``briefs`` are BriefInputs or mappings."""
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known and value is not None}
        values["targets"] = tuple(values.get("targets") or ())
        values["briefs"] = tuple(
            brief if isinstance(brief, BriefInput) else BriefInput(**brief)
            for brief in values.get("briefs") or ()
        )
        return cls(**values)

    def level_of_kind(self) -> str:
        if self.kind == AuthoringCampaign.Kind.ATTACK:
            return Level.SAFETY
        if self.kind in (AuthoringCampaign.Kind.EXPERT, AuthoringCampaign.Kind.EXPERT_ANSWERS):
            return Level.RESPONSIBILITY
        return self.level


@dataclass(frozen=True)
class GivenPromptInput:
    """A prompt to answer, the model's answer to it and that answer's final responsibility score."""

    prompt: Prompt
    response: Response
    domain: Domain
    score: float


def provenance_parsed(value: object) -> dict[str, Any]:
    """The page posts its typing figures as JSON in a hidden field; the API sends an object.
    Anything else is no figures at all (the service clamps what it keeps)."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str) and value.strip():
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


@dataclass(frozen=True)
class SubmissionInput:
    """A prompt an author hands in: its text, an expert's reference answer, the scenario or domain
    the campaign asks for, the form's key, and how the texts were typed. In an expert-answers
    campaign: the given prompt answered (``given``) and the answer, no text."""

    text: str
    submit_key: uuid.UUID
    reference_answer: str = ""
    scenario: Scenario | None = None
    domain: Domain | None = None
    provenance: Mapping[str, Any] | None = None
    given: GivenPrompt | None = None

    @classmethod
    def of(cls, data: SubmissionInput | Mapping[str, Any]) -> SubmissionInput:
        if isinstance(data, SubmissionInput):
            return data
        return cls(
            text=data.get("text") or "",
            submit_key=data["submit_key"],
            reference_answer=data.get("reference_answer") or "",
            scenario=data.get("scenario"),
            domain=data.get("domain"),
            provenance=provenance_parsed(data.get("provenance")),
            given=data.get("given"),
        )


@dataclass(frozen=True)
class ReviewInput:
    """A reviewer's decision: accept (with an edited text, when ``text`` differs) or reject with
    a reason (a fixed one, translated where the author reads it, or the reviewer's own words)."""

    decision: str
    text: str = ""
    reason_code: str = ""
    reason: str = ""

    ACCEPT = "accept"
    REJECT = "reject"

    @classmethod
    def of(cls, data: ReviewInput | Mapping[str, Any]) -> ReviewInput:
        if isinstance(data, ReviewInput):
            return data
        return cls(
            decision=data.get("decision") or "",
            text=data.get("text") or "",
            reason_code=data.get("reason_code") or "",
            reason=data.get("reason") or "",
        )
