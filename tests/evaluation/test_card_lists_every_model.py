"""The dataset card lists every model variant that ever had items in a campaign of the export,
with why any of its items are not in the export: nothing is dropped silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotation.assignment import assignment_next_for
from annotation.models import Campaign, Item
from annotation.services import campaign_create, campaign_status_set, judgement_submit
from common.roles import Role
from evaluation.exports import services as export_services
from evaluation.figures.selectors import FigureScope
from evaluation.models import Export
from models_registry.models import Response
from models_registry.services import model_register
from prompts.models import Level, Prompt, PromptSet
from tests.evaluation.export_support import zip_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def judged(make_user):
    prompt_set = PromptSet.objects.create(name="card")
    kept = model_register(name="model-kept", base_url="http://127.0.0.1:9/v1", model_id="k")
    dropped = model_register(name="model-dropped", base_url="http://127.0.0.1:9/v1", model_id="d")
    for i in range(2):
        prompt = Prompt.objects.create(
            prompt_set=prompt_set, external_id=str(i), level=Level.SAFETY, source="t", text=f"p{i}"
        )
        for model in (kept, dropped):
            Response.objects.create(
                prompt=prompt,
                model=model,
                params_hash=f"hash-{model.name}",
                request_hash="r",
                status=Response.Status.SUCCEEDED,
                text=f"{model.name} answers {i}",
                params_snapshot={"temperature": 0.7},
            )
    campaign = campaign_create(
        name="card", kind=Campaign.Kind.SAFETY, responses=Response.objects.all(), judges_per_item=1
    )
    campaign_status_set(campaign=campaign, status=Campaign.Status.OPEN)
    judge = make_user(Role.CROWDWORKER)
    while (item := assignment_next_for(user=judge, campaign=campaign)) is not None:
        judgement_submit(user=judge, item=item, data={"safe": True})
    return campaign, kept, dropped


def card(**scope) -> str:
    export = export_services.export_create(
        kind=Export.Kind.SCORED, fmt=Export.Format.JSONL, scope=FigureScope(**scope), enqueue=False
    )
    export = export_services.export_run(export_id=export.pk)
    return zip_members(Path(export.file.path))["README.md"].decode()


def row_of(text: str, model: str) -> list[str]:
    section = text.split("## Models and variants", 1)[1].split("\n## ", 1)[0]
    line = next(line for line in section.splitlines() if f"| {model} |" in line)
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_the_card_lists_a_model_whose_items_were_removed(judged):
    campaign, _kept, dropped = judged
    Item.objects.filter(campaign=campaign, model=dropped).delete()

    row = row_of(card(campaign_ids=(campaign.pk,)), "model-dropped")

    # items ever, now, exported, why
    assert row[6:9] == ["2", "0", "0"]
    assert row[9] == "2 items removed from the campaign"


def test_the_card_says_a_model_left_out_by_the_export_filter_is_left_out(judged):
    campaign, kept, _dropped = judged

    text = card(campaign_ids=(campaign.pk,), model_id=kept.pk)

    assert row_of(text, "model-kept")[5:10] == ["temperature 0.7", "2", "2", "2", "–"]
    assert row_of(text, "model-dropped")[6:10] == ["2", "2", "0", "2 outside the export's model filter"]
