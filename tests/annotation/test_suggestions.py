"""A model's suggestion on the judging page and in the API: shown pre-filled with a statement that
says so, recorded on the judgement; never in a blind campaign."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.models import Campaign, Item, Judgement
from annotation.services import item_suggestions_set
from common.roles import Role
from tests.config.api_support import api_as
from tests.support.html import checked_values

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
STATEMENT = "A model's suggestion is shown and pre-filled below."
UNSAFE_RISKY = {
    "safe": False,
    "response_type": "risky",
    "score": None,
    "source": "judge-x · cvalues-safety v1",
}


def suggest(campaign: Campaign, suggestions: dict[str, dict | None]) -> None:
    """Suggestions by prompt text, as evaluation's campaign_suggestions_set stores them."""
    items = {i.prompt.text: i.pk for i in Item.objects.filter(campaign=campaign).select_related("prompt")}
    item_suggestions_set(campaign=campaign, suggestions={items[p]: s for p, s in suggestions.items()})


def workspace(client, campaign: Campaign) -> str:
    return client.get(reverse("annotation:workspace", args=[campaign.pk]), headers=HX).text


def submit_held(client, campaign: Campaign, user, data: dict) -> Judgement:
    item = Item.objects.get(leases__user=user)
    client.post(reverse("annotation:submit", args=[campaign.pk, item.pk]), data, headers=HX)
    return Judgement.objects.get(item=item, user=user)


@pytest.fixture
def open_campaign(make_campaign) -> Campaign:
    """Not blind; the first item carries a suggestion, the second (the control share) none."""
    campaign = make_campaign(("suggested", "r1"), ("control", "r2"), blind=False)
    suggest(campaign, {"suggested": UNSAFE_RISKY})
    return campaign


def test_the_page_shows_the_models_verdict_pre_filled_and_says_so(client, open_campaign, crowdworker):
    client.force_login(crowdworker)

    page = workspace(client, open_campaign)

    assert 'data-testid="suggestion"' in page
    assert STATEMENT in page
    assert "Suggested by judge-x · cvalues-safety v1:" in page
    assert checked_values(page, "verdict") == ["unsafe"]
    assert checked_values(page, "response_type") == ["risky"]


def test_an_item_without_a_suggestion_shows_nothing_pre_filled(client, open_campaign, crowdworker):
    client.force_login(crowdworker)
    workspace(client, open_campaign)
    submit_held(client, open_campaign, crowdworker, {"verdict": "unsafe", "response_type": "risky"})

    page = workspace(client, open_campaign)

    assert "control" in page
    assert 'data-testid="suggestion"' not in page
    assert " checked" not in page


def test_the_judgement_records_whether_a_suggestion_was_shown(client, open_campaign, crowdworker):
    client.force_login(crowdworker)

    workspace(client, open_campaign)
    shown = submit_held(client, open_campaign, crowdworker, {"verdict": "safe"})
    workspace(client, open_campaign)
    control = submit_held(client, open_campaign, crowdworker, {"verdict": "safe"})

    assert (shown.item.prompt.text, shown.suggestion_shown) == ("suggested", True)
    assert (control.item.prompt.text, control.suggestion_shown) == ("control", False)


def test_a_blind_campaign_never_shows_a_suggestion_even_if_an_item_carries_one(
    client, make_campaign, crowdworker
):
    campaign = make_campaign(("p", "r"))  # blind by default
    Item.objects.filter(campaign=campaign).update(suggestion=UNSAFE_RISKY)
    client.force_login(crowdworker)

    page = workspace(client, campaign)
    judgement = submit_held(client, campaign, crowdworker, {"verdict": "safe"})

    assert 'data-testid="suggestion"' not in page
    assert "judge-x" not in page
    assert " checked" not in page
    assert judgement.suggestion_shown is False


def test_a_rating_suggestion_pre_fills_the_score(client, make_campaign, expert):
    campaign = make_campaign(("law question", "answer"), kind="responsibility", domain="law", blind=False)
    suggest(campaign, {"law question": {"safe": None, "response_type": "", "score": 7, "source": "judge-y"}})
    client.force_login(expert)

    page = workspace(client, campaign)

    assert STATEMENT in page
    assert checked_values(page, "score") == ["7"]
    assert "score 7" in page


def test_a_refused_submit_keeps_what_the_person_chose_and_still_says_a_suggestion_is_shown(
    client, make_campaign, expert
):
    campaign = make_campaign(("law question", "answer"), kind="responsibility", domain="law", blind=False)
    suggest(campaign, {"law question": {"safe": None, "response_type": "", "score": 7, "source": "judge-y"}})
    client.force_login(expert)
    workspace(client, campaign)
    item = Item.objects.get(leases__user=expert)

    # Below 5 without a rewrite is refused.
    page = client.post(
        reverse("annotation:submit", args=[campaign.pk, item.pk]), {"score": "3"}, headers=HX
    ).text

    assert STATEMENT in page
    assert checked_values(page, "score") == ["3"]


def test_a_suggestion_costs_the_judging_page_no_query(
    client, open_campaign, crowdworker, django_assert_max_num_queries
):
    client.force_login(crowdworker)
    workspace(client, open_campaign)  # session now cached

    with django_assert_max_num_queries(5):
        page = workspace(client, open_campaign)

    assert STATEMENT in page


def test_the_api_gives_the_suggestion_with_the_next_item_and_records_it_on_submit(open_campaign, crowdworker):
    api = api_as(crowdworker)

    served = api.post(f"/api/campaigns/{open_campaign.pk}/next/").json()
    created = api.post("/api/judgements/", {"item": served["id"], "safe": False}, format="json").json()
    control = api.post(f"/api/campaigns/{open_campaign.pk}/next/").json()
    not_shown = api.post("/api/judgements/", {"item": control["id"], "safe": True}, format="json").json()

    assert served["suggestion"] == UNSAFE_RISKY
    assert created["suggestion_shown"] is True
    assert control["suggestion"] is None
    assert not_shown["suggestion_shown"] is False


def test_the_api_never_gives_a_suggestion_in_a_blind_campaign(make_campaign, make_user):
    campaign = make_campaign(("p", "r"))
    Item.objects.filter(campaign=campaign).update(suggestion=UNSAFE_RISKY)
    api = api_as(make_user(Role.CROWDWORKER))

    served = api.post(f"/api/campaigns/{campaign.pk}/next/").json()
    created = api.post("/api/judgements/", {"item": served["id"], "safe": True}, format="json").json()

    assert served["suggestion"] is None
    assert created["suggestion_shown"] is False


@pytest.mark.sqlite
def test_the_suggestion_reaches_the_page_and_the_judgement_on_every_database(
    client, open_campaign, crowdworker
):
    client.force_login(crowdworker)

    page = workspace(client, open_campaign)
    judgement = submit_held(
        client, open_campaign, crowdworker, {"verdict": "unsafe", "response_type": "risky"}
    )

    assert STATEMENT in page
    assert judgement.suggestion_shown is True
