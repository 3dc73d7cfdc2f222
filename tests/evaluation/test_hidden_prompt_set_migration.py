"""The migration to one hidden-set link: the multi-choice and judge links move into
HiddenPromptSet, every set carrying evaluation's questions is marked hidden, and going back
restores the two links."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from evaluation.asking.services import hidden_prompt_set
from evaluation.models import MultiChoiceVariant
from evaluation.multichoice.services import _hidden_set
from prompts.models import PromptSet

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("evaluation", "0008_export_csv_bom"), ("prompts", "0006_verbose_names")]
MERGED = [("evaluation", "0009_hidden_prompt_set")]
FLAG = ("prompts", "0007_prompt_set_hidden")


def _targets(wanted: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """The wanted migrations of prompts and evaluation, every other app at its newest migration
    that does not need the flag (as near today's models as can be, so that rows can be written:
    annotation's newest needs authoring, which needs the flag)."""
    graph = MigrationExecutor(connection).loader.graph
    if wanted is None:
        return graph.leaf_nodes()
    others = []
    for app in sorted({node[0] for node in graph.leaf_nodes()} - {"prompts", "evaluation"}):
        newest_first = sorted((node for node in graph.nodes if node[0] == app), reverse=True)
        usable = next((node for node in newest_first if FLAG not in graph.forwards_plan(node)), None)
        if usable is not None:
            others.append(usable)
    return wanted + others


def _migrate(wanted: list[tuple[str, str]] | None = None):
    targets = _targets(wanted)
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps() -> Iterator:
    apps = _migrate(BEFORE)
    yield apps
    # Whatever the test did, the next ones get the schema of today.
    _migrate()


def _old_links(apps) -> dict[str, int]:
    PromptSet = apps.get_model("prompts", "PromptSet")
    Prompt = apps.get_model("prompts", "Prompt")
    Campaign = apps.get_model("annotation", "Campaign")
    JudgeTemplate = apps.get_model("evaluation", "JudgeTemplate")
    item_set = PromptSet.objects.create(name="CValues multi-choice")
    people = PromptSet.objects.create(name="people's prompts")
    Prompt.objects.create(
        prompt_set=people, external_id="p", level="safety", source="generic_jsonl", text="问"
    )
    mc_set = PromptSet.objects.create(name="Multi-choice #1 (A/B variant)")
    judge_set = PromptSet.objects.create(name="Judge #1 (t v1)", source="model_judge")
    orphan = PromptSet.objects.create(name="Judge #9 (t v1)", source="model_judge")
    Prompt.objects.create(
        prompt_set=orphan, external_id="item-9", level="safety", source="model_judge", text="判"
    )
    campaign = Campaign.objects.create(name="c", kind="safety", judges_per_item=3, min_seconds=3, seed=1)
    template = JudgeTemplate.objects.create(name="t", kind="safety", version=1, text="{prompt}")
    apps.get_model("evaluation", "MultiChoicePromptSet").objects.create(
        item_set=item_set, variant="ab", prompt_set=mc_set
    )
    apps.get_model("evaluation", "JudgePromptSet").objects.create(
        campaign=campaign, template=template, prompt_set=judge_set
    )
    return {
        "item_set": item_set.pk,
        "people": people.pk,
        "mc": mc_set.pk,
        "judge": judge_set.pk,
        "orphan": orphan.pk,
        "campaign": campaign.pk,
        "template": template.pk,
    }


def test_the_two_links_move_into_one_and_their_sets_are_marked_hidden(old_apps):
    ids = _old_links(old_apps)

    apps = _migrate(MERGED)

    links = {
        (link.subject, link.key): link.prompt_set_id
        for link in apps.get_model("evaluation", "HiddenPromptSet").objects.all()
    }
    assert links == {
        ("multi_choice", f"item_set={ids['item_set']}:variant=ab"): ids["mc"],
        ("model_judge", f"campaign={ids['campaign']}:template={ids['template']}"): ids["judge"],
    }
    hidden = set(
        apps.get_model("prompts", "PromptSet").objects.filter(hidden=True).values_list("pk", flat=True)
    )
    # A judge set whose campaign is gone lost its link, not its prompts: hidden too.
    assert hidden == {ids["mc"], ids["judge"], ids["orphan"]}


def test_the_migrated_links_are_found_by_the_subjects_of_today(old_apps):
    ids = _old_links(old_apps)
    _migrate()

    found = hidden_prompt_set(
        spec=_hidden_set(item_set=PromptSet.objects.get(pk=ids["item_set"]), variant=MultiChoiceVariant.AB)
    )

    assert found.pk == ids["mc"]
    assert set(PromptSet.objects.visible().values_list("pk", flat=True)) == {ids["item_set"], ids["people"]}


def test_going_back_restores_the_two_links(old_apps):
    ids = _old_links(old_apps)
    _migrate()

    apps = _migrate(BEFORE)

    mc = apps.get_model("evaluation", "MultiChoicePromptSet").objects.get()
    judge = apps.get_model("evaluation", "JudgePromptSet").objects.get()
    assert (mc.item_set_id, mc.variant, mc.prompt_set_id) == (ids["item_set"], "ab", ids["mc"])
    assert (judge.campaign_id, judge.template_id, judge.prompt_set_id) == (
        ids["campaign"],
        ids["template"],
        ids["judge"],
    )
