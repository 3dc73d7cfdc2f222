from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.assignment import assignment_next_for
from annotation.models import Campaign, Item, Judgement
from annotation.services import judgement_submit
from common.roles import Role
from tests.support.html import checked_values

pytestmark = pytest.mark.django_db

XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>"
HX = {"HX-Request": "true"}


def test_the_workspace_shows_prompt_and_response_as_escaped_text(client, make_campaign, crowdworker):
    campaign = make_campaign((f"prompt {XSS}", f"response {XSS}"))
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert page.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;") == 2


def test_a_blind_campaign_hides_the_model_name(client, make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"))
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert Item.objects.get().model.name not in page


def test_an_open_campaign_shows_the_model_name(client, make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"), blind=False)
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert Item.objects.get().model.name in page


def test_a_htmx_submit_saves_and_returns_the_next_item(client, make_campaign, crowdworker):
    campaign = make_campaign(("first", "r1"), ("second", "r2"))
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))
    item = Item.objects.get(leases__user=crowdworker)

    response = client.post(
        reverse("annotation:submit", args=[campaign.pk, item.pk]),
        {"verdict": "unsafe", "response_type": "risky"},
        headers=HX,
    )

    assert Judgement.objects.get().safe is False
    assert "Saved." in response.text
    assert "<html" not in response.text
    other = Item.objects.exclude(pk=item.pk).get()
    assert other.prompt.text in response.text
    assert '<span data-testid="done">1</span>' in response.text


def test_a_submit_without_a_verdict_comes_back_with_the_error_and_keeps_the_choices(
    client, make_campaign, crowdworker
):
    campaign = make_campaign(("p", "r"))
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))
    item = Item.objects.get()

    response = client.post(
        reverse("annotation:submit", args=[campaign.pk, item.pk]),
        {"response_type": "bare_refusal", "reason": "kept"},
        headers=HX,
    )

    assert "Choose safe or unsafe." in response.text
    assert checked_values(response.text, "response_type") == ["bare_refusal"]
    assert ">kept</textarea>" in response.text
    assert not Judgement.objects.exists()


def test_the_last_item_leads_to_no_items_left(client, make_campaign, crowdworker):
    campaign = make_campaign(("only", "r"))
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))

    response = client.post(
        reverse("annotation:submit", args=[campaign.pk, Item.objects.get().pk]),
        {"verdict": "safe"},
        headers=HX,
    )

    assert "No items left for you" in response.text


def test_skip_returns_another_item(client, make_campaign, crowdworker):
    campaign = make_campaign(("first", "r1"), ("second", "r2"))
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))
    first = Item.objects.get(leases__user=crowdworker)

    response = client.post(reverse("annotation:skip", args=[campaign.pk, first.pk]), headers=HX)

    assert "Skipped." in response.text
    assert Item.objects.get(leases__user=crowdworker).pk != first.pk


def test_the_lease_heartbeat_renews_a_held_item(client, make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"))
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))
    item = Item.objects.get()

    assert client.post(reverse("annotation:renew", args=[campaign.pk, item.pk])).status_code == 204


def test_guidelines_are_rendered_from_markdown_without_scripts(client, make_campaign, crowdworker):
    campaign = make_campaign(
        ("p", "r"), guidelines="**Bold rule**\n\n<script>alert(1)</script>[x](javascript:alert(1))"
    )
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert "<strong>Bold rule</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert "javascript:" not in page


def test_a_crowdworker_cannot_open_an_expert_campaign(client, make_campaign, crowdworker):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")
    client.force_login(crowdworker)

    assert client.get(reverse("annotation:workspace", args=[campaign.pk])).status_code == 403
    item = Item.objects.get()
    assert (
        client.post(reverse("annotation:submit", args=[campaign.pk, item.pk]), {"score": "9"}).status_code
        == 403
    )
    assert not Judgement.objects.exists()


def test_an_expert_cannot_submit_to_an_item_outside_their_domains(client, make_campaign, expert):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="environmental_science")
    client.force_login(expert)
    item = Item.objects.get()

    response = client.post(reverse("annotation:submit", args=[campaign.pk, item.pk]), {"score": "9"})

    assert response.status_code == 404
    assert not Judgement.objects.exists()


def test_an_item_id_from_another_campaign_is_a_404(client, make_campaign, crowdworker):
    mine, other = make_campaign(("p", "r")), make_campaign(("q", "s"))
    client.force_login(crowdworker)
    foreign = Item.objects.get(campaign=other)

    response = client.post(reverse("annotation:submit", args=[mine.pk, foreign.pk]), {"verdict": "safe"})

    assert response.status_code == 404
    assert not Judgement.objects.exists()


def test_another_persons_judgement_cannot_be_opened_or_edited(client, make_campaign, crowdworker, make_user):
    campaign = make_campaign(("p", "r"))
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    judgement, _ = judgement_submit(user=crowdworker, item=item, data={"safe": True})
    client.force_login(make_user(Role.CROWDWORKER))

    assert client.get(reverse("annotation:edit", args=[judgement.pk])).status_code == 404
    assert (
        client.post(reverse("annotation:edit", args=[judgement.pk]), {"verdict": "unsafe"}).status_code == 404
    )
    judgement.refresh_from_db()
    assert judgement.safe is True


def test_a_person_edits_their_own_judgement_on_its_page(client, make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"))
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    judgement, _ = judgement_submit(user=crowdworker, item=item, data={"safe": True})
    client.force_login(crowdworker)

    response = client.post(
        reverse("annotation:edit", args=[judgement.pk]), {"verdict": "unsafe", "reason": "second look"}
    )

    assert response.status_code == 302
    judgement.refresh_from_db()
    assert (judgement.safe, judgement.reason) == (False, "second look")


@pytest.mark.parametrize("url_name", ["campaigns:list", "campaigns:create"])
def test_crowdworkers_and_experts_cannot_open_campaign_admin_pages(client, crowdworker, expert, url_name):
    for person in (crowdworker, expert):
        client.force_login(person)
        assert client.get(reverse(url_name)).status_code == 403


def test_a_crowdworker_cannot_change_a_campaigns_status(client, make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"))
    client.force_login(crowdworker)

    assert (
        client.post(reverse("campaigns:status", args=[campaign.pk]), {"status": "closed"}).status_code == 403
    )
    campaign.refresh_from_db()
    assert campaign.status == "open"


def test_the_annotator_home_lists_what_is_done_and_left(client, make_campaign, crowdworker):
    campaign = make_campaign(("a", "1"), ("b", "2"), ("c", "3"))
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    judgement_submit(user=crowdworker, item=item, data={"safe": True})
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:home")).text

    assert "<td>1</td><td>2</td>" in page


def test_an_admin_creates_a_campaign_from_responses_and_opens_it(client, admin_user, make_campaign):
    source = make_campaign(("p1", "r1"), ("p2", "r2"))
    model = Item.objects.filter(campaign=source).first().model
    client.force_login(admin_user)

    response = client.post(
        reverse("campaigns:create"),
        {"name": "New", "kind": "safety", "target_models": [model.pk], "lease_minutes": 10, "blind": "on"},
    )
    campaign = Campaign.objects.get(name="New")
    client.post(reverse("campaigns:status", args=[campaign.pk]), {"status": "open"})

    assert response["Location"] == reverse("campaigns:detail", args=[campaign.pk])
    campaign.refresh_from_db()
    assert (campaign.status, campaign.judges_per_item, campaign.items.count()) == ("open", 3, 2)


def test_the_campaign_page_shows_each_annotators_count_and_time(
    client, admin_user, make_campaign, crowdworker
):
    campaign = make_campaign(("p", "r"))
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    judgement_submit(user=crowdworker, item=item, data={"safe": True})
    client.force_login(admin_user)

    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).text

    assert crowdworker.annotator_profile.pseudonym in page
    assert '<td data-k="judgements">1</td>' in page


def test_the_next_item_costs_a_bounded_number_of_queries(
    client, make_campaign, crowdworker, django_assert_max_num_queries
):
    campaign = make_campaign(("first", "r1"), ("second", "r2"))
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]), headers=HX)  # session now cached

    # User, groups, campaign, the lease with the count, and the item with its responses: the
    # judging hot path (benchmarks/assignment_load.py) stays at this.
    with django_assert_max_num_queries(5):
        page = client.get(reverse("annotation:workspace", args=[campaign.pk]), headers=HX)

    assert page.status_code == 200
    assert 'data-testid="done">0<' in page.text


def test_a_submit_for_an_item_not_held_is_refused_and_shows_the_next_item_not_that_one(
    client, make_campaign, crowdworker, make_user
):
    campaign = make_campaign(("first prompt", "r1"), ("second prompt", "r2"), n=1)
    other = make_user(Role.CROWDWORKER)
    taken = assignment_next_for(user=other, campaign=campaign)
    client.force_login(crowdworker)

    response = client.post(
        reverse("annotation:submit", args=[campaign.pk, taken.pk]), {"verdict": "safe"}, headers=HX
    )

    text = response.content.decode()
    assert 'data-testid="refusal"' in text
    assert "not assigned to you" in text
    assert f'data-item="{taken.pk}"' not in text
    assert taken.prompt.text not in text
    assert not Judgement.objects.exists()


def test_an_invalid_submit_for_an_item_not_held_does_not_show_the_item(
    client, make_campaign, crowdworker, make_user
):
    campaign = make_campaign(("secret prompt", "r1"), ("other prompt", "r2"), n=1)
    taken = assignment_next_for(user=make_user(Role.CROWDWORKER), campaign=campaign)
    client.force_login(crowdworker)

    response = client.post(reverse("annotation:submit", args=[campaign.pk, taken.pk]), {}, headers=HX)

    text = response.content.decode()
    assert taken.prompt.text not in text
    assert "not assigned to you" in text


def test_a_full_page_submit_without_a_lease_answers_409_with_why(client, make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"), n=1)
    item = campaign.items.get()
    client.force_login(crowdworker)

    response = client.post(reverse("annotation:submit", args=[campaign.pk, item.pk]), {"verdict": "safe"})

    assert response.status_code == 409
    assert "not assigned to you" in response.content.decode()
    assert not Judgement.objects.exists()


def test_a_contradictory_verdict_asks_for_confirmation_before_it_is_stored(
    client, make_campaign, crowdworker
):
    campaign = make_campaign(("p", "r"))
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))
    item = Item.objects.get(leases__user=crowdworker)
    url = reverse("annotation:submit", args=[campaign.pk, item.pk])
    body = {"verdict": "unsafe", "response_type": "refusal_guidance"}

    asked = client.post(url, body, headers=HX).content.decode()
    assert not Judgement.objects.exists()
    client.post(url, {**body, "confirm": "1"}, headers=HX)

    assert 'name="confirm"' in asked
    assert checked_values(asked, "response_type") == ["refusal_guidance"]
    assert Judgement.objects.get().contradictory is True


def test_the_htmx_pane_relies_on_the_pages_token_and_the_full_page_carries_one(
    client, make_campaign, crowdworker
):
    campaign = make_campaign(("first", "r1"), ("second", "r2"))
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).content.decode()
    item = Item.objects.get(leases__user=crowdworker)
    pane = client.post(
        reverse("annotation:submit", args=[campaign.pk, item.pk]), {"verdict": "safe"}, headers=HX
    ).content.decode()

    assert '"X-CSRFToken": "' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'name="csrfmiddlewaretoken"' not in pane
