"""The dataset card's YAML header, the metadata the Hugging Face Hub and ``datasets`` read: licence,
languages, size, tasks, and one config per file with its features, so that
``datasets.load_dataset(<export folder>, "<file name>")`` loads each file as its own dataset.

Built with huggingface_hub's ``DatasetCardData``, which writes the YAML the Hub parses."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from evaluation.exports._formats import Column
from evaluation.exports.selectors import CRITERION_ORDER
from evaluation.figures.selectors import FigureScope
from evaluation.models import Export
from prompts.models import Prompt, ResponseType

# Licence identifiers the Hub knows, by the spellings people put in EXPORT_LICENSE (lower case,
# spaces and underscores as hyphens). Anything else goes in as "other" with its own name.
HUB_LICENSES = {
    "apache-2.0": "apache-2.0",
    "mit": "mit",
    "cc0-1.0": "cc0-1.0",
    "cc-by-4.0": "cc-by-4.0",
    "cc-by-sa-4.0": "cc-by-sa-4.0",
    "cc-by-nc-4.0": "cc-by-nc-4.0",
    "cc-by-nc-sa-4.0": "cc-by-nc-sa-4.0",
    "cc-by-nc-nd-4.0": "cc-by-nc-nd-4.0",
    "cc-by-nd-4.0": "cc-by-nd-4.0",
    "odc-by": "odc-by",
    "odbl": "odbl",
    "pddl": "pddl",
    "cdla-permissive-2.0": "cdla-permissive-2.0",
}

_MESSAGES = [{"name": "role", "dtype": "string"}, {"name": "content", "dtype": "string"}]
# The shape of each JSON column as a ``datasets`` feature. JSONL leaves types to the reader, which
# guesses them block by block: a column empty (null) in the first block and filled later fails to
# load unless the card states its type.
_NESTED: dict[str, dict[str, Any]] = {
    "messages": {"list": _MESSAGES},
    "prompt": {"list": _MESSAGES},
    "chosen": {"list": _MESSAGES},
    "rejected": {"list": _MESSAGES},
    "responses": {"list": "string"},
    "response_ids": {"list": "int64"},
    "criterion_notes": {"struct": [{"name": key, "dtype": "string"} for key in CRITERION_ORDER]},
    "response_type_votes": {"struct": [{"name": t, "dtype": "int64"} for t in ResponseType.values]},
    "meta_info": {
        "struct": [
            {"name": key, "dtype": "string"}
            for key in ("question", "pos_resp", "neg_resp", "domain_en", "domain_zh", "difficulty_level")
        ]
    },
}
# JSONL holds timestamps as ISO 8601 text.
_DTYPES = {"int": "int64", "float": "float64", "str": "string", "bool": "bool", "datetime": "string"}
_SIZES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _features(columns: Sequence[Column]) -> list[dict[str, Any]]:
    return [
        # Copies: YAML writes a dict met twice as an alias, which the Hub and ``datasets`` misread.
        {
            "name": c.name,
            **(copy.deepcopy(_NESTED[c.name]) if c.type == "json" else {"dtype": _DTYPES[c.type]}),
        }
        for c in columns
    ]


def _size_category(rows: int) -> str:
    for bound, name in _SIZES:
        if rows < bound:
            return name
    return "n>1M"


def _license() -> dict[str, Any]:
    given = settings.EXPORT_LICENSE.strip()
    if not given:
        return {"license": "unknown"}
    key = re.sub(r"[\s_]+", "-", given.lower())
    if key in HUB_LICENSES:
        return {"license": HUB_LICENSES[key]}
    return {"license": "other", "license_name": re.sub(r"[^a-z0-9.-]+", "-", key).strip("-") or "other"}


def _languages(scope: FigureScope) -> list[str]:
    """zh when prompts hold Chinese, en when some are written in Latin words without any."""
    prompts = Prompt.objects.filter(pk__in=scope.judgements().values("item__prompt_id"))
    texts = prompts.order_by().values_list("text", flat=True)[:2000]
    found = set()
    for text in texts:
        found.add("zh" if _CJK.search(text) else "en" if _LATIN_WORD.search(text) else "")
    return [lang for lang in ("zh", "en") if lang in found] or ["zh"]


def card_header(*, export: Export, scope: FigureScope, summary: dict[str, Any]) -> str:
    """The YAML front matter of the card, between ``---`` lines, ready to go before its Markdown."""
    # Imported here: huggingface_hub takes a tenth of a second to import, which only workers
    # writing a card should pay, not every web process that imports the export services.
    from huggingface_hub import DatasetCardData

    files: dict[str, int] = summary["files"]
    extension = f".{export.format}"
    # ``datasets`` reads a folder with one builder (json, parquet or csv), chosen by its files: the
    # files always written as JSONL beside Parquet or CSV ones load by name (docs/hugging-face.md).
    loadable = [name for name in files if name.endswith(extension)]
    configs, infos = [], []
    for position, name in enumerate(loadable):
        config = name.removesuffix(extension)
        entry: dict[str, Any] = {"config_name": config, "data_files": [{"split": "train", "path": name}]}
        if position == 0:
            entry["default"] = True
        configs.append(entry)
        if export.format == Export.Format.JSONL:
            infos.append({"config_name": config, "features": _features(summary["columns"][name])})
    scored = export.kind == Export.Kind.SCORED
    data = DatasetCardData(
        pretty_name=f"ValueLens {'scored dataset' if scored else 'training data'} (export {export.pk})",
        language=_languages(scope),
        size_categories=[_size_category(max(files.values(), default=0))],
        task_categories=["text-classification"] if scored else ["text-generation"],
        annotations_creators=["crowdsourced", "expert-generated"],
        tags=["valuelens", "cvalues", "llm-evaluation", "safety", "human-feedback"]
        + ([] if scored else ["preference", "dpo", "sft"]),
        configs=configs,
        dataset_info=infos or None,
        **_license(),
    )
    return f"---\n{data.to_yaml()}\n---\n\n"
