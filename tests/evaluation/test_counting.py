"""What the figures count: each response once across campaigns (its judgements pooled), only
items that have all N judgements unless asked, never a voided judgement; exports flag the checks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from annotation.assignment import assignment_next_for
from annotation.models import Campaign, Judgement
from annotation.services import campaign_create, judgement_submit, judgement_void
from common.roles import Role
from evaluation.exports import services as export_services
from evaluation.figures import services
from evaluation.figures.selectors import FigureScope, agreement_figures, results_figures
from evaluation.models import Export, FigureSnapshot
from models_registry.models import Response
from tests.config.api_support import api_as
from tests.evaluation.export_support import jsonl, zip_members
from tests.evaluation.helpers import judge

pytestmark = pytest.mark.django_db

SAFE, UNSAFE = {"safe": True}, {"safe": False}


def _second_campaign_over(campaign: Campaign, n: int) -> Campaign:
    """Another campaign over the very same responses."""
    again = campaign_create(
        name="again",
        kind=campaign.kind,
        responses=Response.objects.filter(items__campaign=campaign),
        judges_per_item=n,
    )
    Campaign.objects.filter(pk=again.pk).update(status=Campaign.Status.OPEN)
    again.refresh_from_db()
    return again


def _exported(scope: FigureScope) -> dict[str, bytes]:
    export = export_services.export_create(
        kind=Export.Kind.SCORED, fmt=Export.Format.JSONL, scope=scope, enqueue=False
    )
    export_services.export_run(export_id=export.pk)
    export.refresh_from_db()
    return zip_members(Path(export.file.path))


def _safety(rows):
    (row,) = rows["safety"]
    return row["safety"]


def test_a_response_in_two_campaigns_counts_once_with_its_judgements_pooled(make_campaign, make_user):
    first = make_campaign(("a", "ra"), ("b", "rb"), n=1)
    second = _second_campaign_over(first, n=2)
    people = [make_user(Role.CROWDWORKER) for _ in range(3)]
    judge(people[:1], first, {"a": [UNSAFE], "b": [SAFE]})
    # In the second campaign "a" is judged safe twice: pooled, a has 2 safe / 1 unsafe.
    judge(people[1:], second, {"a": [SAFE, SAFE], "b": [SAFE, SAFE]})

    safety = _safety(results_figures(FigureScope()))

    assert safety["n"] == 2
    assert safety["value"] == 1.0


def test_agreement_pools_a_responses_judges_across_campaigns(make_campaign, make_user):
    first = make_campaign(("a", "ra"), ("b", "rb"), n=1)
    second = _second_campaign_over(first, n=1)
    people = [make_user(Role.CROWDWORKER) for _ in range(2)]
    judge(people[:1], first, {"a": [SAFE], "b": [UNSAFE]})
    judge(people[1:], second, {"a": [SAFE], "b": [UNSAFE]})

    section = agreement_figures(FigureScope())["safety"]

    assert (section["items"], section["judges"], section["judgements"]) == (2, 2, 4)


def test_someone_who_judged_a_response_in_two_campaigns_counts_once_with_the_latest(make_campaign, make_user):
    first = make_campaign(("a", "ra"), n=1)
    second = _second_campaign_over(first, n=1)
    person = make_user(Role.CROWDWORKER)
    judge([person], first, {"a": [UNSAFE]})
    judge([person], second, {"a": [SAFE]})

    section = agreement_figures(FigureScope())["safety"]

    assert (section["items"], section["judgements"]) == (1, 1)
    assert _safety(results_figures(FigureScope()))["n"] == 1


def test_by_default_only_items_with_all_n_judgements_count(make_campaign, make_user):
    campaign = make_campaign(("a", "ra"), ("b", "rb"), n=2)
    a, b = make_user(Role.CROWDWORKER), make_user(Role.CROWDWORKER)
    judge([a], campaign, {"a": [SAFE], "b": [UNSAFE]})
    item = assignment_next_for(user=b, campaign=campaign)  # "a": the started item first
    judgement_submit(user=b, item=item, data=SAFE)

    complete = _safety(results_figures(FigureScope()))
    everything = _safety(results_figures(FigureScope(include_incomplete=True)))

    assert (complete["n"], complete["value"]) == (1, 1.0)
    assert (everything["n"], everything["value"]) == (2, 0.5)
    assert results_figures(FigureScope())["counting"]["include_incomplete"] is False
    assert results_figures(FigureScope(include_incomplete=True))["counting"]["include_incomplete"] is True


def test_a_voided_judgement_leaves_results_agreement_and_exports(make_campaign, make_user):
    campaign = make_campaign(("a", "ra"), n=1)
    person, reviewer = make_user(Role.CROWDWORKER), make_user(Role.REVIEWER)
    judge([person], campaign, {"a": [UNSAFE]})
    judgement_void(judgement=Judgement.objects.get(), by=reviewer, reason="did not read")

    assert results_figures(FigureScope(include_incomplete=True))["safety"] == []
    assert agreement_figures(FigureScope(include_incomplete=True))["safety"] is None
    members = _exported(FigureScope(include_incomplete=True))
    assert jsonl(members.get("judgements.jsonl", b"")) == []


def test_exports_flag_too_fast_and_contradictory_judgements(make_campaign, make_user):
    campaign = make_campaign(("a", "ra"), ("b", "rb"), n=1, min_seconds=3)
    person = make_user(Role.CROWDWORKER)
    first = assignment_next_for(user=person, campaign=campaign)
    judgement_submit(
        user=person, item=first, data={"safe": True, "response_type": "risky", "confirmed": True}
    )
    second = assignment_next_for(user=person, campaign=campaign)
    second.leases.update(created_at=timezone.now() - timedelta(seconds=10))
    judgement_submit(user=person, item=second, data={"safe": True, "response_type": "helpful"})

    members = _exported(FigureScope())
    rows = {r["item_id"]: r for r in jsonl(members["judgements.jsonl"])}

    assert (rows[first.pk]["too_fast"], rows[first.pk]["contradictory"]) == (True, True)
    assert (rows[second.pk]["too_fast"], rows[second.pk]["contradictory"]) == (False, False)
    card = members["README.md"].decode()
    assert "only items that have all N judgements" in card
    assert "voided are left out" in card


def test_the_dataset_card_says_when_incomplete_items_were_included(make_campaign, make_user):
    campaign = make_campaign(("a", "ra"), n=2)
    judge([make_user(Role.CROWDWORKER)], campaign, {"a": [SAFE]})

    card = _exported(FigureScope(include_incomplete=True))["README.md"].decode()

    assert "items that do not have all N judgements yet are included" in card


def test_the_results_page_says_how_it_counted_and_offers_incomplete_items(client, make_user, make_campaign):
    campaign = make_campaign(("a", "ra"), n=1)
    judge([make_user(Role.CROWDWORKER)], campaign, {"a": [SAFE]})
    client.force_login(make_user(Role.REVIEWER))
    snapshot = services.figure_snapshot_request(kind=FigureSnapshot.Kind.RESULTS, scope=FigureScope())
    services.figure_snapshot_compute(snapshot_id=snapshot.pk)

    page = client.get(reverse("evaluation:results")).content.decode()

    assert 'data-testid="counting"' in page
    assert "Each response counts once" in page
    assert "include_incomplete=on" in page


def test_the_results_api_states_how_it_counted(make_user, make_campaign):
    campaign = make_campaign(("a", "ra"), n=2)
    judge([make_user(Role.CROWDWORKER)], campaign, {"a": [SAFE]})
    for scope in (FigureScope(), FigureScope(include_incomplete=True)):
        snapshot = services.figure_snapshot_request(kind=FigureSnapshot.Kind.RESULTS, scope=scope)
        services.figure_snapshot_compute(snapshot_id=snapshot.pk)
    client = api_as(make_user(Role.REVIEWER))

    default = client.get("/api/results/").json()["figures"]
    everything = client.get("/api/results/", {"include_incomplete": "true"}).json()["figures"]

    assert default["counting"]["include_incomplete"] is False
    assert default["safety"] == []
    assert everything["counting"]["include_incomplete"] is True
    assert everything["safety"][0]["safety"]["n"] == 1
