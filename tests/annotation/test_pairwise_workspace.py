"""The pairwise judging page: the prompt on top, both answers side by side in the judge's own
left/right order, escaped, blind, one key per choice; in English and Chinese."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.models import Item, ItemResponse, Judgement, Lease
from models_registry.models import Response

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}


def _open(client, campaign, judge, **headers) -> tuple[str, Lease]:
    client.force_login(judge)
    page = client.get(reverse("annotation:workspace", args=[campaign.pk]), **headers).text
    return page, Lease.objects.get(user=judge)


def _texts(lease: Lease) -> tuple[str, str]:
    a, b = (r.response.text for r in ItemResponse.objects.filter(item_id=lease.item_id).order_by("position"))
    return a, b


def test_both_answers_are_shown_left_then_right_as_the_lease_says(client, make_pair_campaign, crowdworker):
    campaign = make_pair_campaign()
    page, lease = _open(client, campaign, crowdworker)
    a, b = _texts(lease)
    left, right = (a, b) if lease.a_on_left else (b, a)

    assert page.index("Left answer") < page.index(left) < page.index("Right answer") < page.index(right)
    assert 'data-testid="pair-answers"' in page
    assert 'data-key="6"' in page


def test_an_answer_with_a_script_shows_as_text(client, make_pair_campaign, crowdworker):
    campaign = make_pair_campaign()
    Response.objects.filter(items__campaign=campaign).update(text="<script>alert(1)</script> hi")

    page, _lease = _open(client, campaign, crowdworker)

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_page_never_names_the_models(client, make_pair_campaign, pair_setup, crowdworker):
    setup = pair_setup(models=2, prompts=1)
    campaign = make_pair_campaign(setup, blind=False)

    page, _lease = _open(client, campaign, crowdworker)

    assert campaign.blind
    for model in setup.models:
        assert model.name not in page


def test_a_choice_by_the_page_is_saved_and_the_next_pair_comes(client, make_pair_campaign, crowdworker):
    campaign = make_pair_campaign()
    _page, lease = _open(client, campaign, crowdworker)

    pane = client.post(
        reverse("annotation:submit", args=[campaign.pk, lease.item_id]),
        {"preference": "right:slightly"},
        headers=HX,
    ).text

    judgement = Judgement.objects.get(user=crowdworker)
    assert judgement.preferred == ("b" if lease.a_on_left else "a")
    assert judgement.strength == "slightly"
    assert "Saved." in pane
    assert Lease.objects.get(user=crowdworker).item_id != lease.item_id


def test_a_missing_choice_comes_back_beside_the_scale(client, make_pair_campaign, crowdworker):
    campaign = make_pair_campaign()
    _page, lease = _open(client, campaign, crowdworker)

    pane = client.post(reverse("annotation:submit", args=[campaign.pk, lease.item_id]), {}, headers=HX).text

    assert 'id="preferred-error"' in pane
    assert "Choose the better answer" in pane
    assert not Judgement.objects.exists()


def test_my_judgements_reads_the_choice_in_the_judges_own_sides(client, make_pair_campaign, crowdworker):
    campaign = make_pair_campaign()
    _page, lease = _open(client, campaign, crowdworker)
    client.post(
        reverse("annotation:submit", args=[campaign.pk, lease.item_id]),
        {"preference": "left:clearly"},
        headers=HX,
    )

    page = client.get(reverse("annotation:mine", args=[campaign.pk])).text

    assert "Left clearly better" in page
    assert "Left answer:" in page


def test_the_edit_page_starts_on_the_judges_choice(client, make_pair_campaign, crowdworker):
    campaign = make_pair_campaign()
    _page, lease = _open(client, campaign, crowdworker)
    client.post(
        reverse("annotation:submit", args=[campaign.pk, lease.item_id]),
        {"preference": "right:clearly"},
        headers=HX,
    )
    judgement = Judgement.objects.get(user=crowdworker)

    page = client.get(reverse("annotation:edit", args=[judgement.pk])).text
    saved = client.post(reverse("annotation:edit", args=[judgement.pk]), {"preference": "tie"})

    assert 'value="right:clearly" data-key="5" aria-keyshortcuts="5" checked' in page
    assert saved.status_code == 302
    assert Judgement.objects.get(pk=judgement.pk).preferred == "tie"


def test_the_pair_page_in_chinese(client, make_pair_campaign, crowdworker):
    campaign = make_pair_campaign(pair_side_safety=True)

    page, _lease = _open(client, campaign, crowdworker, **CHINESE)

    assert "左侧回答" in page
    assert "右侧回答" in page
    assert "左侧明显更好" in page
    assert "Left answer" not in page
    assert Item.objects.filter(campaign=campaign).exists()
