"""Parsers: one per supported file format, each turning a record into an unsaved model row.

A parser raises FieldError naming the field at fault; the import service adds file and line.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models
from django.utils.translation import gettext_noop

from prompts.conversations import ConversationRejected, conversation_split
from prompts.models import (
    CVALUES_COMPARISON_LABELS,
    Domain,
    ImportFormat,
    Level,
    MultiChoiceItem,
    Prompt,
    PromptSet,
    ReferencePair,
    Scenario,
)


class FieldError(Exception):
    """A field that does not fit; message is an English message id (gettext_noop) filled from
    params, translated when someone reads it (see ImportProblem)."""

    def __init__(self, field_name: str, message: str, params: dict[str, object] | None = None) -> None:
        super().__init__(message % params if params else message)
        self.field = field_name
        self.message = message
        self.params = params or {}


@dataclass
class ParseContext:
    prompt_set: PromptSet
    fmt: str
    mapping: dict[str, str] = field(default_factory=dict)
    _domains: dict[str, Domain] | None = None
    _scenarios: dict[str, Scenario] | None = None

    def domain(self, value: str, field_name: str) -> Domain:
        if self._domains is None:
            self._domains = _lookup_table(Domain.objects.all())
        found = self._domains.get(value.strip().casefold())
        if found is None:
            known = ", ".join(sorted({d.slug for d in self._domains.values()}))
            raise FieldError(
                field_name,
                gettext_noop("unknown domain %(value)s (known: %(known)s)"),
                {"value": repr(value), "known": known},
            )
        return found

    def scenario(self, value: str, field_name: str) -> Scenario:
        if self._scenarios is None:
            self._scenarios = _lookup_table(Scenario.objects.all())
        found = self._scenarios.get(value.strip().casefold())
        if found is None:
            known = ", ".join(sorted({s.slug for s in self._scenarios.values()}))
            raise FieldError(
                field_name,
                gettext_noop("unknown risk scenario %(value)s (known: %(known)s)"),
                {"value": repr(value), "known": known},
            )
        return found


T = TypeVar("T", Domain, Scenario)


def _lookup_table(rows: models.QuerySet[T]) -> dict[str, T]:
    table: dict[str, T] = {}
    for row in rows:
        for key in (row.slug, row.name_en, row.name_zh):
            if key:
                table.setdefault(key.casefold(), row)
    return table


def _content_hash(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def _check_keys(record: dict[str, Any], *, required: set[str], allowed: set[str] | None = None) -> None:
    missing = sorted(required - record.keys())
    if missing:
        raise FieldError(missing[0], gettext_noop("missing field"))
    if allowed is not None:
        unknown = sorted(record.keys() - allowed)
        if unknown:
            raise FieldError(
                unknown[0],
                gettext_noop("unknown field (expected only %(allowed)s)"),
                {"allowed": ", ".join(sorted(allowed))},
            )


def _text(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if not isinstance(value, str):
        raise FieldError(key, gettext_noop("must be a string, got %(type)s"), {"type": type(value).__name__})
    if not value.strip():
        raise FieldError(key, gettext_noop("must not be empty"))
    return value


def _identifier(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FieldError(
            key, gettext_noop("must be an integer or a string, got %(type)s"), {"type": type(value).__name__}
        )
    text = str(value).strip()
    if not text:
        raise FieldError(key, gettext_noop("must not be empty"))
    if len(text) > 200:
        raise FieldError(key, gettext_noop("must be at most 200 characters"))
    return text


def _choice(value: str, key: str, choices: type[models.TextChoices]) -> str:
    if value not in choices.values:
        raise FieldError(
            key,
            gettext_noop("must be one of %(choices)s, got %(value)s"),
            {"choices": ", ".join(choices.values), "value": repr(value)},
        )
    return value


_COMPARISON_TYPES = {label: code for code, label in CVALUES_COMPARISON_LABELS.items()}


def _comparison_type(value: str, key: str) -> str:
    if value not in _COMPARISON_TYPES:
        raise FieldError(
            key,
            gettext_noop("must be one of %(choices)s, got %(value)s"),
            {"choices": ", ".join(_COMPARISON_TYPES), "value": repr(value)},
        )
    return _COMPARISON_TYPES[value]


Parsed = tuple[str, models.Model]


def parse_cvalues_responsibility(record: dict[str, Any], ctx: ParseContext) -> Parsed:
    keys = {"id_", "prompt", "domain_en", "domain_zh"}
    _check_keys(record, required=keys, allowed=keys)
    external_id = _identifier(record, "id_")
    return external_id, Prompt(
        prompt_set=ctx.prompt_set,
        external_id=external_id,
        level=Level.RESPONSIBILITY,
        domain=ctx.domain(_text(record, "domain_en"), "domain_en"),
        source=ImportFormat.CVALUES_RESPONSIBILITY,
        text=_text(record, "prompt"),
        metadata={"domain_zh": _text(record, "domain_zh")},
    )


def parse_cvalues_multi_choice(record: dict[str, Any], ctx: ParseContext) -> Parsed:
    _check_keys(record, required={"prompt", "label", "meta_info"}, allowed={"prompt", "label", "meta_info"})
    meta = record["meta_info"]
    if not isinstance(meta, dict):
        raise FieldError("meta_info", gettext_noop("must be a JSON object"))
    meta_keys = {"question", "pos_resp", "neg_resp", "domain_en", "domain_zh", "difficulty_level"}
    try:
        _check_keys(meta, required=meta_keys, allowed=meta_keys)
        question, pos, neg = (
            _text(meta, "question"),
            _text(meta, "pos_resp"),
            _text(meta, "neg_resp"),
        )
        domain = ctx.domain(_text(meta, "domain_en"), "domain_en")
        _text(meta, "domain_zh")
        difficulty = _choice(_text(meta, "difficulty_level"), "difficulty_level", MultiChoiceItem.Difficulty)
    except FieldError as exc:
        raise FieldError(f"meta_info.{exc.field}", exc.message, exc.params) from None
    prompt = _text(record, "prompt")
    label = _choice(_text(record, "label"), "label", MultiChoiceItem.Label)
    external_id = _content_hash(prompt, label)
    return external_id, MultiChoiceItem(
        prompt_set=ctx.prompt_set,
        external_id=external_id,
        pair_key=_content_hash(question, pos, neg),
        prompt=prompt,
        label=label,
        question=question,
        pos_resp=pos,
        neg_resp=neg,
        domain=domain,
        difficulty=difficulty,
    )


def parse_cvalues_comparison(record: dict[str, Any], ctx: ParseContext) -> Parsed:
    keys = {"prompt", "pos_resp", "neg_resp", "pos_type", "neg_type"}
    # ValueLens' own preference pairs add `messages` (the prompt as chat messages); a reference
    # pair keeps its last user turn, the prompt.
    _check_keys(record, required=keys, allowed={*keys, "messages"})
    prompt, pos, neg = _text(record, "prompt"), _text(record, "pos_resp"), _text(record, "neg_resp")
    if "messages" in record and _conversation(record["messages"], "messages")[1] != prompt:
        raise FieldError("messages", gettext_noop("the last user message must be the prompt"))
    pos_type = _comparison_type(_text(record, "pos_type"), "pos_type")
    neg_type = _comparison_type(_text(record, "neg_type"), "neg_type")
    external_id = _content_hash(prompt, pos, neg)
    return external_id, ReferencePair(
        prompt_set=ctx.prompt_set,
        external_id=external_id,
        prompt=prompt,
        pos_resp=pos,
        neg_resp=neg,
        pos_type=pos_type,
        neg_type=neg_type,
    )


def parse_poison_100(record: dict[str, Any], ctx: ParseContext) -> Parsed:
    _check_keys(record, required={"prompt", "answer"})
    prompt, answer = _text(record, "prompt"), _text(record, "answer")
    id_key = next((k for k in ("id", "id_") if k in record), None)
    external_id = _identifier(record, id_key) if id_key else _content_hash(prompt)
    domain = None
    domain_key = next((k for k in ("domain_en", "domain") if record.get(k)), None)
    if domain_key:
        domain = ctx.domain(_text(record, domain_key), domain_key)
    extra = {k: v for k, v in record.items() if k not in {"prompt", "answer", id_key}}
    return external_id, Prompt(
        prompt_set=ctx.prompt_set,
        external_id=external_id,
        level=Level.RESPONSIBILITY,
        domain=domain,
        source=ImportFormat.POISON_100,
        text=prompt,
        reference_answer=answer,
        metadata=extra,
    )


def _conversation(messages: Any, field_name: str) -> tuple[list[dict[str, str]], str]:
    """conversation_split, its refusal as this field's error (read in each reader's language)."""
    try:
        return conversation_split(messages)
    except ConversationRejected as exc:
        raise FieldError(field_name, exc.message_id, exc.params) from None


def _turns_hash(turns: list[dict[str, str]]) -> str:
    return _content_hash(*(part for turn in turns for part in (turn["role"], turn["content"])))


def _prompt_level(record: dict[str, Any], ctx: ParseContext) -> tuple[str, Domain | None, Scenario | None]:
    """The optional level (safety by default), domain and scenario of a conversation's record."""
    level = (
        _choice(_text(record, "level"), "level", Level) if record.get("level") is not None else Level.SAFETY
    )
    domain = ctx.domain(_text(record, "domain"), "domain") if record.get("domain") else None
    scenario = ctx.scenario(_text(record, "scenario"), "scenario") if record.get("scenario") else None
    if level == Level.RESPONSIBILITY and domain is None:
        raise FieldError("domain", gettext_noop("responsibility prompts need a domain"))
    return level, domain, scenario


OPENAI_MESSAGES_KEYS = {"messages", "id", "level", "domain", "scenario", "reference_answer", "metadata"}


def parse_openai_messages(record: dict[str, Any], ctx: ParseContext) -> Parsed:
    """A chat in OpenAI's messages layout, ``{"messages": [{"role", "content"}, …]}``, with an
    optional id, level, domain, scenario, reference answer and metadata object; other keys are
    kept as metadata. A chat that ends in the assistant's answer (a fine-tuning file) keeps that
    answer as metadata["answer_in_file"] and asks the turns before it."""
    _check_keys(record, required={"messages"})
    messages = record["messages"]
    metadata = record.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise FieldError("metadata", gettext_noop("must be a JSON object"))
    metadata = {**metadata, **{k: v for k, v in record.items() if k not in OPENAI_MESSAGES_KEYS}}
    asked = messages
    ends_answered = isinstance(messages, list) and bool(messages) and isinstance(messages[-1], dict)
    if ends_answered and messages[-1].get("role") == "assistant":
        metadata["answer_in_file"] = messages[-1].get("content")
        asked = messages[:-1]
    earlier, last = _conversation(asked, "messages")
    external_id = _identifier(record, "id") if "id" in record else _turns_hash(_conversation_turns(messages))
    level, domain, scenario = _prompt_level(record, ctx)
    reference = _text(record, "reference_answer") if record.get("reference_answer") is not None else ""
    return external_id, Prompt(
        prompt_set=ctx.prompt_set,
        external_id=external_id,
        level=level,
        domain=domain,
        scenario=scenario,
        source=ImportFormat.OPENAI_MESSAGES,
        text=last,
        messages=earlier,
        reference_answer=reference,
        metadata=metadata,
    )


def _conversation_turns(messages: list[Any]) -> list[dict[str, str]]:
    """The role and text of each message, as already checked by conversation_split."""
    return [{"role": str(m.get("role")), "content": str(m.get("content"))} for m in messages]


# "\n\nHuman: …\n\nAssistant: …": the speaker of each turn follows a blank line.
_TRANSCRIPT_TURN = re.compile(r"\n\n(Human|Assistant): ?")
_TRANSCRIPT_ROLES = {"Human": "user", "Assistant": "assistant"}


def transcript_turns(transcript: str) -> list[dict[str, str]]:
    """The turns of an Anthropic transcript ("\n\nHuman: …\n\nAssistant: …"), as chat messages."""
    parts = _TRANSCRIPT_TURN.split("\n\n" + transcript.lstrip("\n"))
    if parts[0].strip():
        raise FieldError("transcript", gettext_noop("must start with a Human: turn"))
    return [
        {"role": _TRANSCRIPT_ROLES[speaker], "content": text.strip()}
        for speaker, text in zip(parts[1::2], parts[2::2], strict=True)
    ]


def parse_anthropic_red_team(record: dict[str, Any], ctx: ParseContext) -> Parsed:
    """An attempt of Anthropic's public red-team data (hh-rlhf red_team_attempts): its transcript
    becomes the conversation up to the last Human turn, the model's final answer is kept as
    metadata["answer_in_file"], and every other field (rating, task_description, tags, …) as
    metadata."""
    _check_keys(record, required={"transcript"})
    turns = transcript_turns(_text(record, "transcript"))
    last_user = max((i for i, turn in enumerate(turns) if turn["role"] == "user"), default=-1)
    if last_user < 0:
        raise FieldError("transcript", gettext_noop("must start with a Human: turn"))
    metadata = {k: v for k, v in record.items() if k != "transcript"}
    answer = "\n\n".join(turn["content"] for turn in turns[last_user + 1 :]).strip()
    if answer:
        metadata["answer_in_file"] = answer
    earlier, last = _conversation(turns[: last_user + 1], "transcript")
    return _turns_hash(turns), Prompt(
        prompt_set=ctx.prompt_set,
        external_id=_turns_hash(turns),
        level=Level.SAFETY,
        source=ImportFormat.ANTHROPIC_RED_TEAM,
        text=last,
        messages=earlier,
        metadata=metadata,
    )


GENERIC_MAPPING_KEYS = ("text", "id", "level", "domain", "scenario", "reference_answer")


def parse_generic(record: dict[str, Any], ctx: ParseContext) -> Parsed:
    """A CSV row or JSON object whose columns are named by the import's mapping.

    Mapping keys: text (required), id, level, domain, scenario, reference_answer; each names a
    column. `default_level` sets the level when there is no level column. Unmapped columns are
    kept as metadata.
    """
    mapping = ctx.mapping
    text_col = mapping["text"]
    if text_col not in record:
        raise FieldError(text_col, gettext_noop("missing column (mapped as %(key)s)"), {"key": "text"})
    text = _text(record, text_col)

    def column(key: str) -> str:
        col = mapping.get(key)
        if not col:
            return ""
        if col not in record:
            raise FieldError(col, gettext_noop("missing column (mapped as %(key)s)"), {"key": key})
        value = record[col]
        if value is None:
            return ""
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise FieldError(
                col, gettext_noop("must be a string, got %(type)s"), {"type": type(value).__name__}
            )
        return str(value).strip()

    level_value = column("level") or mapping.get("default_level", "")
    level_field = mapping.get("level") or "level"
    if not level_value:
        raise FieldError(level_field, gettext_noop("no level: map a level column or set a default level"))
    level_value = level_value.casefold()
    if level_value not in Level.values:
        raise FieldError(
            level_field,
            gettext_noop("must be one of %(choices)s, got %(value)s"),
            {"choices": ", ".join(Level.values), "value": repr(level_value)},
        )
    domain_value, scenario_value = column("domain"), column("scenario")
    domain = ctx.domain(domain_value, mapping["domain"]) if domain_value else None
    scenario = ctx.scenario(scenario_value, mapping["scenario"]) if scenario_value else None
    if level_value == Level.RESPONSIBILITY and domain is None:
        raise FieldError(
            mapping.get("domain") or "domain", gettext_noop("responsibility prompts need a domain")
        )
    external_id = column("id") or _content_hash(text)
    if len(external_id) > 200:
        raise FieldError(mapping["id"], gettext_noop("must be at most 200 characters"))
    mapped = {col for key, col in mapping.items() if key in GENERIC_MAPPING_KEYS and col}
    return external_id, Prompt(
        prompt_set=ctx.prompt_set,
        external_id=external_id,
        level=level_value,
        domain=domain,
        scenario=scenario,
        source=ctx.fmt,
        text=text,
        reference_answer=column("reference_answer"),
        metadata={k: v for k, v in record.items() if k not in mapped},
    )


@dataclass(frozen=True)
class FormatSpec:
    model: type[models.Model]
    parse: Callable[[dict[str, Any], ParseContext], Parsed]
    reader: str  # "jsonl", "json_or_jsonl" (a JSON array of objects, or JSONL) or "csv"
    # Content-hash ids make an identical repeated line harmless; explicit ids must be unique.
    ids_from_content: bool


FORMATS: dict[str, FormatSpec] = {
    ImportFormat.CVALUES_RESPONSIBILITY: FormatSpec(Prompt, parse_cvalues_responsibility, "jsonl", False),
    ImportFormat.CVALUES_MULTI_CHOICE: FormatSpec(MultiChoiceItem, parse_cvalues_multi_choice, "jsonl", True),
    ImportFormat.CVALUES_COMPARISON: FormatSpec(ReferencePair, parse_cvalues_comparison, "jsonl", True),
    ImportFormat.POISON_100: FormatSpec(Prompt, parse_poison_100, "jsonl", False),
    ImportFormat.GENERIC_JSONL: FormatSpec(Prompt, parse_generic, "jsonl", False),
    ImportFormat.GENERIC_CSV: FormatSpec(Prompt, parse_generic, "csv", False),
    ImportFormat.OPENAI_MESSAGES: FormatSpec(Prompt, parse_openai_messages, "jsonl", False),
    ImportFormat.ANTHROPIC_RED_TEAM: FormatSpec(Prompt, parse_anthropic_red_team, "json_or_jsonl", True),
}
