"""Judges' wellbeing: a content warning before a safety campaign, a break reminder the campaign
sets, and a way out of one item that is never counted as a skip."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.assignment import assignment_next_for, item_opt_out, item_skip
from annotation.models import Campaign, ContentWarningSeen, Item, Lease, Skip
from annotation.selectors import campaign_progress, skips_by_user
from annotation.services import judgement_submit
from common.roles import Role

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def test_a_safety_campaign_warns_about_its_content_by_default_and_a_responsibility_one_does_not(
    make_campaign,
):
    safety = make_campaign(("p", "r"), content_warning=None)
    responsibility = make_campaign(
        ("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law", content_warning=None
    )

    assert (safety.content_warning, responsibility.content_warning) == (True, False)


def test_the_content_warning_comes_before_the_first_item_and_holds_no_item(
    client, make_campaign, crowdworker
):
    campaign = make_campaign(("p", "r"), content_warning=True, content_warning_text="Self-harm, in detail.")
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert "Content warning" in page
    assert "Self-harm, in detail." in page
    assert 'id="judge-form"' not in page
    assert not Lease.objects.exists()


def test_acknowledging_the_warning_leads_to_the_workspace(client, make_campaign, crowdworker):
    campaign = make_campaign(("first prompt", "r"), content_warning=True)
    client.force_login(crowdworker)

    response = client.post(reverse("annotation:content_warning", args=[campaign.pk]))
    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert response["Location"] == reverse("annotation:workspace", args=[campaign.pk])
    assert ContentWarningSeen.objects.filter(campaign=campaign, user=crowdworker).count() == 1
    assert "first prompt" in page


def test_the_warning_is_acknowledged_once_per_person_not_per_session(client, make_campaign, crowdworker):
    campaign = make_campaign(("first prompt", "r"), content_warning=True)
    client.force_login(crowdworker)
    client.post(reverse("annotation:content_warning", args=[campaign.pk]))
    client.logout()

    client.force_login(crowdworker)
    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert "first prompt" in page


def test_each_person_acknowledges_the_warning_for_themselves(client, make_campaign, crowdworker, make_user):
    campaign = make_campaign(("first prompt", "r"), content_warning=True)
    client.force_login(crowdworker)
    client.post(reverse("annotation:content_warning", args=[campaign.pk]))

    client.force_login(make_user(Role.CROWDWORKER))
    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert "Content warning" in page
    assert "first prompt" not in page


def test_a_warning_acknowledged_in_one_campaign_is_shown_again_in_another(client, make_campaign, crowdworker):
    first = make_campaign(("a", "r"), content_warning=True)
    second = make_campaign(("b", "r"), content_warning=True)
    client.force_login(crowdworker)
    client.post(reverse("annotation:content_warning", args=[first.pk]))

    assert "Content warning" in client.get(reverse("annotation:workspace", args=[second.pk])).text


def test_nobody_acknowledges_a_warning_for_a_campaign_they_may_not_judge(client, make_campaign, crowdworker):
    campaign = make_campaign(
        ("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law", content_warning=True
    )
    client.force_login(crowdworker)

    assert client.post(reverse("annotation:content_warning", args=[campaign.pk])).status_code == 403
    assert not ContentWarningSeen.objects.exists()


def test_the_page_carries_the_campaigns_break_time_for_its_reminder(client, make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"), break_after_minutes=25)
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert 'data-break-after="25"' in page
    assert 'id="break-reminder"' in page
    assert "You have been judging for 25 minutes." in page


def test_a_campaign_without_breaks_shows_no_reminder(client, make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"), break_after_minutes=0)
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert 'id="break-reminder"' not in page


def test_opting_out_releases_the_item_and_frees_its_slot(make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"), n=1)
    item = assignment_next_for(user=crowdworker, campaign=campaign)

    item_opt_out(user=crowdworker, item=item)

    item.refresh_from_db()
    assert not Lease.objects.exists()
    assert (item.open_slots, item.lease_count) == (1, 0)
    assert Skip.objects.get().kind == Skip.Kind.OPTED_OUT


def test_an_item_opted_out_of_is_never_offered_to_that_person_again_but_goes_to_someone_else(
    make_campaign, crowdworker, make_user
):
    campaign = make_campaign(("p", "r"), n=1)
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    item_opt_out(user=crowdworker, item=item)

    again = assignment_next_for(user=crowdworker, campaign=campaign)
    other = assignment_next_for(user=make_user(Role.CROWDWORKER), campaign=campaign)

    assert again is None
    assert other.pk == item.pk


def test_opting_out_is_not_counted_as_a_skip(make_campaign, crowdworker):
    campaign = make_campaign(("a", "1"), ("b", "2"), ("c", "3"))
    item_skip(user=crowdworker, item=assignment_next_for(user=crowdworker, campaign=campaign))
    item_opt_out(user=crowdworker, item=assignment_next_for(user=crowdworker, campaign=campaign))
    item_opt_out(user=crowdworker, item=assignment_next_for(user=crowdworker, campaign=campaign))

    assert skips_by_user(campaign=campaign)[crowdworker.pk] == {"skipped": 1, "opted_out": 2}


def test_the_campaign_page_counts_skips_and_opt_outs_apart(client, admin_user, make_campaign, crowdworker):
    campaign = make_campaign(("a", "1"), ("b", "2"), ("c", "3"))
    judgement_submit(
        user=crowdworker, item=assignment_next_for(user=crowdworker, campaign=campaign), data={"safe": True}
    )
    item_opt_out(user=crowdworker, item=assignment_next_for(user=crowdworker, campaign=campaign))
    client.force_login(admin_user)

    row = campaign_progress(campaign).annotators[0]
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).text

    assert (row["skipped"], row["opted_out"]) == (0, 1)
    assert '<td data-k="skipped">0</td><td data-k="opted-out">1</td>' in page


def test_the_opt_out_button_gives_the_next_item_and_says_the_item_is_gone(client, make_campaign, crowdworker):
    campaign = make_campaign(("first prompt", "r1"), ("second prompt", "r2"))
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))
    first = Item.objects.get(leases__user=crowdworker)

    pane = client.post(reverse("annotation:opt_out", args=[campaign.pk, first.pk]), headers=HX).text

    assert "you will not be shown that item again" in pane
    assert "second prompt" in pane
    assert Skip.objects.get(item=first).kind == Skip.Kind.OPTED_OUT
    assert "I don't want to read this" in pane


def test_nobody_opts_out_of_an_item_outside_their_campaigns(client, make_campaign, crowdworker):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")
    client.force_login(crowdworker)

    response = client.post(reverse("annotation:opt_out", args=[campaign.pk, campaign.items.get().pk]))

    assert response.status_code == 403
    assert not Skip.objects.exists()


def test_a_skip_before_an_opt_out_of_the_same_item_stays_a_skip(make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"))
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    item_skip(user=crowdworker, item=item)

    item_opt_out(user=crowdworker, item=item)

    assert list(Skip.objects.values_list("kind", flat=True)) == ["skipped"]
