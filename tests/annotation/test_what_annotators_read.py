"""What each role reads through the pages, in every campaign status: an annotator sees the item
they hold and their own judgements with their items; reviewers and admins see every item."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.assignment import assignment_next_for
from annotation.models import Campaign
from annotation.services import judgement_submit
from common.roles import Role

pytestmark = pytest.mark.django_db

STATUSES = [Campaign.Status.OPEN, Campaign.Status.PAUSED, Campaign.Status.CLOSED]


@pytest.fixture
def judged(make_campaign, crowdworker):
    """A crowdworker judged one item ("judged prompt") and holds another ("held prompt")."""
    campaign = make_campaign(("judged prompt", "r1"), ("held prompt", "r2"), ("unseen prompt", "r3"), n=1)
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    judgement_submit(user=crowdworker, item=item, data={"safe": True})
    assignment_next_for(user=crowdworker, campaign=campaign)
    return campaign


@pytest.mark.parametrize("status", STATUSES)
def test_an_annotator_reads_their_judgements_with_their_items_in_every_status(
    client, judged, crowdworker, status
):
    Campaign.objects.filter(pk=judged.pk).update(status=status)
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:mine", args=[judged.pk])).content.decode()

    assert "judged prompt" in page
    assert "unseen prompt" not in page
    assert "held prompt" not in page


@pytest.mark.parametrize("status", [Campaign.Status.PAUSED, Campaign.Status.CLOSED])
def test_a_paused_or_closed_campaign_shows_an_annotator_no_item(client, judged, crowdworker, status):
    Campaign.objects.filter(pk=judged.pk).update(status=status)
    client.force_login(crowdworker)

    response = client.get(reverse("annotation:workspace", args=[judged.pk]))

    assert response.status_code == 409
    text = response.content.decode()
    assert "held prompt" not in text
    assert "unseen prompt" not in text


def test_the_workspace_shows_only_the_item_held(client, judged, crowdworker):
    client.force_login(crowdworker)

    text = client.get(reverse("annotation:workspace", args=[judged.pk])).content.decode()

    assert "held prompt" in text
    assert "unseen prompt" not in text
    assert "judged prompt" not in text


@pytest.mark.parametrize("role", [Role.CROWDWORKER, Role.EXPERT])
def test_annotators_cannot_open_an_items_review_page(client, judged, make_user, role):
    client.force_login(make_user(role, domains=("law",)))

    assert client.get(reverse("evaluation:item_detail", args=[judged.items.first().pk])).status_code == 403


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ADMIN])
@pytest.mark.parametrize("status", STATUSES)
def test_reviewers_and_admins_open_any_items_page_in_every_status(client, judged, make_user, role, status):
    Campaign.objects.filter(pk=judged.pk).update(status=status)
    client.force_login(make_user(role))

    for item in judged.items.all():
        assert client.get(reverse("evaluation:item_detail", args=[item.pk])).status_code == 200
