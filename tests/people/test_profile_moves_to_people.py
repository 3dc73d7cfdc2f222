"""The move of the profile from annotation to people: an existing database keeps every profile,
its expert domains and preferences, and the content type follows the model."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("annotation", "0018_campaign_kind_is_the_prompt_level"), ("people", None)]
MOVE = ("people", "0001_initial")


def _migrate(wanted: list[tuple[str, str | None]] | None = None):
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    if wanted is None:
        targets = graph.leaf_nodes()
    else:
        untouched = {app for app, _name in wanted}
        # What the wanted states include: another app's leaf that needs more of those apps (a
        # later migration of theirs, or the move) is left where it is, and unapplied with them if
        # it must be: asking for it would mix forwards and backwards steps in one plan.
        kept = {dep for app, name in wanted if name is not None for dep in graph.forwards_plan((app, name))}
        others = [
            node
            for node in graph.leaf_nodes()
            if node[0] not in untouched
            and not any(dep[0] in untouched and dep not in kept for dep in graph.forwards_plan(node))
        ]
        targets = wanted + others
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


@pytest.fixture
def old_apps() -> Iterator:
    apps = _migrate(BEFORE)
    yield apps
    _migrate()


def test_profiles_written_before_the_move_are_read_by_the_people_app_after_it(old_apps):
    User = old_apps.get_model("auth", "User")
    Domain = old_apps.get_model("prompts", "Domain")
    law = Domain.objects.create(slug="moved-profile-domain", name_en="Moved", name_zh="迁移")
    user = User.objects.create(username="expert-before")
    old = old_apps.get_model("annotation", "AnnotatorProfile").objects.create(
        user=user, pseudonym="j-before", language="zh-hans", shortcuts=False
    )
    old.domains.add(law)

    new_apps = _migrate()

    profile = new_apps.get_model("people", "AnnotatorProfile").objects.get(user_id=user.pk)
    assert (profile.pseudonym, profile.language, profile.shortcuts) == ("j-before", "zh-hans", False)
    assert [d.slug for d in profile.domains.all()] == ["moved-profile-domain"]


def test_the_profiles_content_type_belongs_to_people_after_the_move(old_apps):
    ContentType = old_apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(model="annotatorprofile").delete()
    ContentType.objects.create(app_label="annotation", model="annotatorprofile")

    new_apps = _migrate()

    labels = set(
        new_apps.get_model("contenttypes", "ContentType")
        .objects.filter(model="annotatorprofile")
        .values_list("app_label", flat=True)
    )
    assert labels == {"people"}
