"""A pairwise campaign's votes are no verdicts or scores: the CValues tables, the item browser and
the final values of other campaigns stay as they were."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.assignment import assignment_next_for
from annotation.quality.services import item_adjudicate
from annotation.services import judgement_submit
from common.roles import Role
from evaluation.figures.selectors import FigureScope, responsibility_results, safety_results

pytestmark = pytest.mark.django_db


def test_safety_results_are_the_same_with_a_judged_and_adjudicated_pair_campaign(
    make_campaign, make_pair_campaign, make_user, crowdworker
):
    safety = make_campaign(("p", "r"), n=1)
    judgement_submit(
        user=crowdworker, item=assignment_next_for(user=crowdworker, campaign=safety), data={"safe": True}
    )
    before = safety_results(scope=FigureScope())

    pairs = make_pair_campaign(n=1)
    item = assignment_next_for(user=crowdworker, campaign=pairs)
    judgement_submit(user=crowdworker, item=item, data={"choice": "left", "strength": "clearly"})
    item_adjudicate(item=item, by=make_user(Role.REVIEWER, username="rita"), data={"preferred": "b"})

    assert safety_results(scope=FigureScope()) == before
    assert responsibility_results(scope=FigureScope()) == []


def test_the_item_browser_lists_pair_items(client, make_pair_campaign, make_user, crowdworker):
    pairs = make_pair_campaign(n=1)
    item = assignment_next_for(user=crowdworker, campaign=pairs)
    judgement_submit(user=crowdworker, item=item, data={"choice": "tie"})
    client.force_login(make_user(Role.REVIEWER, username="rita"))

    page = client.get(reverse("evaluation:items"), {"campaign": pairs.pk})

    assert page.status_code == 200
    assert f"{item.pk}" in page.text
    assert "Tie" in page.text
