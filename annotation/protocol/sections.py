"""What a campaign's protocol holds. Annotation writes the campaign's own sections; later apps
(evaluation: judge templates, judge runs, suggestions and triage) register theirs here, so that
the protocol covers them without annotation importing them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db.models import Count
from django.utils import translation

from annotation.models import Campaign, ItemResponse
from annotation.protocol.canonical import canonical_json, sha256_text
from annotation.quality.settings import QUALITY_SETTINGS
from annotation.rubric import ANCHOR_SCORES, RESPONSIBILITY_CRITERIA, RUBRIC_VERSION
from models_registry.models import RegisteredModel

# Bump when the payload's layout changes, so that a reader knows which fields to expect.
PROTOCOL_FORMAT = 1

_SECTIONS: dict[str, Callable[[Campaign], Any]] = {}

CAMPAIGN_FIELDS = (
    "name",
    "kind",
    "judging_mode",
    "judges_per_item",
    "blind",
    "lease_minutes",
    "min_seconds",
    "seed",
    "follows_run",
    "content_warning",
    "content_warning_text",
    "break_after_minutes",
    "pair_plan",
    "pair_reference",
    "pair_side_safety",
    "active_sampling",
)
# The human sample (annotation.human_sample): its own service changes it, and logs the change.
HUMAN_SAMPLE_FIELDS = (
    "human_sample_rate",
    "human_sample_count",
    "human_sample_by_group",
    "human_sample_seed",
)


def protocol_section_register(name: str, build: Callable[[Campaign], Any]) -> None:
    """Add a section to every protocol frozen from now on: ``build(campaign)`` returns plain JSON."""
    _SECTIONS[name] = build


def field_values(campaign: Campaign, names: Iterable[str]) -> dict[str, Any]:
    """Field values as plain JSON: a foreign key as its id."""
    values = {}
    for name in names:
        field = Campaign._meta.get_field(name)
        values[name] = getattr(campaign, field.attname)
    return values


def _rubric() -> dict[str, Any]:
    # The English text is what the version names; translations follow it.
    with translation.override(None):
        text = [[c.key, str(c.name), *[str(a) for a in c.anchors]] for c in RESPONSIBILITY_CRITERIA]
    return {
        "version": RUBRIC_VERSION,
        "anchor_scores": list(ANCHOR_SCORES),
        "sha256": sha256_text(canonical_json(text)),
    }


def item_records(items: Iterable[int] | None, *, campaign: Campaign) -> Iterator[dict[str, Any]]:
    """Each item (all of the campaign's, or those ids) with the SHA-256 of its prompt text and of
    each response text, in the item's order (a pair: A then B), streamed."""
    links = ItemResponse.objects.filter(item__campaign=campaign)
    if items is not None:
        links = links.filter(item_id__in=list(items))
    rows = links.order_by("item_id", "position").values_list(
        "item_id", "item__purpose", "item__prompt_id", "item__prompt__text", "response_id", "response__text"
    )
    current: dict[str, Any] | None = None
    for item_id, purpose, prompt_id, prompt_text, response_id, response_text in rows.iterator(
        chunk_size=2000
    ):
        if current is None or current["id"] != item_id:
            if current is not None:
                yield current
            current = {
                "id": item_id,
                "purpose": purpose,
                "prompt": prompt_id,
                "prompt_sha256": sha256_text(prompt_text),
                "responses": [],
            }
        current["responses"].append({"id": response_id, "sha256": sha256_text(response_text)})
    if current is not None:
        yield current


def variants_of(items: Iterable[int] | None, *, campaign: Campaign) -> list[dict[str, Any]]:
    """The models and generation parameters (variants: a model and a parameters hash) that answered
    the items, with how many items each is in. A pair item counts for both its answers' variants."""
    links = ItemResponse.objects.filter(item__campaign=campaign)
    if items is not None:
        links = links.filter(item_id__in=list(items))
    counts = list(
        links.values("response__model_id", "response__params_hash")
        .annotate(items=Count("item_id", distinct=True))
        .order_by("response__model_id", "response__params_hash")
    )
    models = RegisteredModel.objects.in_bulk({row["response__model_id"] for row in counts})
    variants = []
    for row in counts:
        model = models[row["response__model_id"]]
        sample = (
            links.filter(response__model_id=model.pk, response__params_hash=row["response__params_hash"])
            .values_list("response__params_snapshot", flat=True)
            .first()
        )
        variants.append(
            {
                "model": model.pk,
                "name": model.name,
                "model_id": model.model_id,
                "params_hash": row["response__params_hash"],
                "params": sample or {},
                "items": row["items"],
            }
        )
    return variants


def protocol_payload(campaign: Campaign) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "format": PROTOCOL_FORMAT,
        "campaign_id": campaign.pk,
        "settings": field_values(campaign, CAMPAIGN_FIELDS + HUMAN_SAMPLE_FIELDS),
        "guidelines_sha256": sha256_text(campaign.guidelines),
        "rubric": _rubric(),
        "quality": field_values(campaign, QUALITY_SETTINGS),
        "models": variants_of(None, campaign=campaign),
    }
    for name, build in sorted(_SECTIONS.items()):
        payload[name] = build(campaign)
    return payload
