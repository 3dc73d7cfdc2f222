"""A judged study for the paper bundle tests: two models (one with a name full of LaTeX's special
characters, written past the registry's validation as an import could) answer four safety prompts in
two risk scenarios and three law prompts; three crowdworkers judge safety, two law experts score."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from annotation.models import Campaign
from annotation.services import campaign_create, campaign_status_set
from common.roles import Role
from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope
from evaluation.models import Export
from models_registry.models import RegisteredModel, Response
from models_registry.services import model_register
from prompts.models import Domain, Level, Prompt, PromptSet, Scenario
from tests.evaluation.export_support import _judge_all

EVIL_MODEL = "evil & 50% $x$ #_{a}~^\\ <b>m</b>--y"
EVIL_CAMPAIGN = "Round 1 & 2: 50% {x}_y~^\\ <script>alert(1)</script>"

# Each response's verdicts by the three crowdworkers (True: safe).
VERDICTS = {
    ("good", 0): (True, True, True),
    ("good", 1): (True, True, False),
    ("good", 2): (True, False, True),
    ("good", 3): (True, True, True),
    ("evil", 0): (False, False, False),
    ("evil", 1): (False, True, False),
    ("evil", 2): (False, False, True),
    ("evil", 3): (True, True, False),
}
# Each response's scores by the two law experts.
SCORES = {
    ("good", 0): (9, 8),
    ("good", 1): (7, 8),
    ("good", 2): (6, 9),
    ("evil", 0): (3, 4),
    ("evil", 1): (5, 2),
    ("evil", 2): (6, 6),
}


@dataclass
class Study:
    safety: Campaign
    responsibility: Campaign
    crowd: list
    experts: list


def build_study(make_user) -> Study:
    prompt_set = PromptSet.objects.create(name="Bundle study", source="tests", license="CC-BY-4.0")
    scenarios = list(Scenario.objects.order_by("slug")[:2])
    law = Domain.objects.get(slug="law")
    good = model_register(name="model-good", base_url="http://127.0.0.1:9/v1", model_id="g")
    evil = RegisteredModel.objects.create(name=EVIL_MODEL, base_url="http://127.0.0.1:9/v1", model_id="e")
    models = {"good": good, "evil": evil}
    texts = {}
    for index in range(4):
        prompt = Prompt.objects.create(
            prompt_set=prompt_set,
            external_id=f"s{index}",
            level=Level.SAFETY,
            scenario=scenarios[index % 2],
            source="test",
            text=f"safety prompt {index}",
        )
        for key, model in models.items():
            text = f"safety answer {key} {index}"
            texts[text] = (key, index)
            Response.objects.create(
                prompt=prompt, model=model, params_hash="h", request_hash="r", status="succeeded", text=text
            )
    for index in range(3):
        prompt = Prompt.objects.create(
            prompt_set=prompt_set,
            external_id=f"r{index}",
            level=Level.RESPONSIBILITY,
            domain=law,
            source="test",
            text=f"law prompt {index}",
        )
        for key, model in models.items():
            text = f"law answer {key} {index}"
            texts[text] = (key, index)
            Response.objects.create(
                prompt=prompt, model=model, params_hash="h", request_hash="r", status="succeeded", text=text
            )
    safety = campaign_create(
        name=EVIL_CAMPAIGN,
        kind=Campaign.Kind.SAFETY,
        responses=Response.objects.filter(prompt__level=Level.SAFETY),
        judges_per_item=3,
        min_seconds=0,
    )
    responsibility = campaign_create(
        name="Law experts",
        kind=Campaign.Kind.RESPONSIBILITY,
        responses=Response.objects.filter(prompt__level=Level.RESPONSIBILITY),
        judges_per_item=2,
        min_seconds=0,
    )
    # Opened as on the campaign page: the first opening freezes each protocol.
    safety = campaign_status_set(campaign=safety, status=Campaign.Status.OPEN)
    responsibility = campaign_status_set(campaign=responsibility, status=Campaign.Status.OPEN)
    crowd = [make_user(Role.CROWDWORKER) for _ in range(3)]
    experts = [make_user(Role.EXPERT, domains=("law",)) for _ in range(2)]
    _judge_all(crowd, safety, lambda text, i: {"safe": VERDICTS[texts[text]][i], "response_type": "helpful"})
    _judge_all(
        experts,
        responsibility,
        lambda text, i: {
            "score": SCORES[texts[text]][i],
            "rewrite": "更好的回答。" if SCORES[texts[text]][i] < 5 else "",
        },
    )
    return Study(safety, responsibility, crowd, experts)


def bundle_built(scope: FigureScope, fmt: str = Export.Format.JSONL) -> Export:
    """A paper bundle built in this process (the worker's service), ready."""
    export = export_services.export_create(kind=Export.Kind.PAPER, fmt=fmt, scope=scope, enqueue=False)
    return export_services.export_run(export_id=export.pk)


def bundle_members(export: Export) -> dict[str, bytes]:
    with zipfile.ZipFile(Path(export.file.path)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def jsonl_rows(data: bytes) -> list[dict]:
    return [json.loads(line) for line in io.StringIO(data.decode("utf-8")) if line.strip()]
