"""The judging page helps the person judging: progress with a time estimate, the rubric with its
anchors, notes per criterion, errors beside their field, a shortcut switch, and a home page that
counts the item they hold."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from annotation.assignment import assignment_next_for, assignment_next_shown, judge_median_ms
from annotation.models import Campaign, CrowdLink, CrowdParticipant, Item, Judgement
from annotation.rubric import RESPONSIBILITY_CRITERIA
from annotation.services import JudgementRejected, judgement_submit
from common.roles import Role
from models_registry.templatetags.humanize_duration import minutes_left
from people.models import AnnotatorProfile
from people.services import SESSION_SHORTCUTS_OFF
from tests.conftest import PASSWORD
from tests.support.html import checked_values

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def _judge(user: User, campaign: Campaign, *, seconds: int, times: int) -> None:
    for _ in range(times):
        item = assignment_next_for(user=user, campaign=campaign)
        judgement, _created = judgement_submit(user=user, item=item, data={"safe": True})
        Judgement.objects.filter(pk=judgement.pk).update(time_spent_ms=seconds * 1000)


def test_progress_reads_done_out_of_what_the_person_can_get_with_the_time_left(
    client, make_campaign, crowdworker
):
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(6)])
    _judge(crowdworker, campaign, seconds=120, times=2)
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    # 2 done, the held item and 3 more open: 4 left at a median of 2 min.
    assert '<span data-testid="done">2</span> / <span data-testid="total">6</span>' in page
    assert '<span data-testid="time-left">about 8 min left</span>' in page
    assert "Item 3" in page


def test_the_time_left_appears_once_the_person_has_judged_an_item(client, make_campaign, crowdworker):
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(4)])
    client.force_login(crowdworker)
    first = client.get(reverse("annotation:workspace", args=[campaign.pk])).text
    item = Item.objects.get(leases__user=crowdworker)

    pane = client.post(
        reverse("annotation:submit", args=[campaign.pk, item.pk]), {"verdict": "safe"}, headers=HX
    ).text

    assert 'data-testid="time-left"' not in first
    assert '<span data-testid="done">1</span> / <span data-testid="total">4</span>' in pane
    assert '<span data-testid="time-left">about a minute left</span>' in pane


def test_the_next_item_comes_with_the_median_time_of_the_persons_latest_items(make_campaign, crowdworker):
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(6)])
    for seconds in (1, 3, 2, 4):
        _judge(crowdworker, campaign, seconds=seconds, times=1)

    shown = assignment_next_shown(user=crowdworker, campaign=campaign)

    assert shown.median_ms == judge_median_ms(user=crowdworker, campaign=campaign) == 2500


def test_a_platform_participants_progress_is_out_of_their_quota(client, make_campaign, crowdworker):
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(6)])
    link = CrowdLink.objects.create(campaign=campaign, platform="prolific", token="t", quota_per_person=4)
    CrowdParticipant.objects.create(user=crowdworker, platform="prolific", participant_id="P1", link=link)
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert '<span data-testid="done">0</span> / <span data-testid="total">4</span>' in page


def test_in_a_campaign_bigger_than_the_count_cap_the_page_shows_what_is_done_without_a_total(
    client, make_campaign, crowdworker, monkeypatch
):
    monkeypatch.setattr("annotation.selectors.LEFT_COUNT_CAP", 3)
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(6)])
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text
    home = client.get(reverse("annotation:home")).text

    assert 'data-testid="total"' not in page
    assert '<span data-testid="done">0</span> done by you in this campaign' in page
    # The held item and at least 3 more.
    assert "<td>4+</td>" in home


def test_items_the_person_judged_do_not_count_toward_the_cap_of_items_left(
    client, make_campaign, crowdworker, monkeypatch
):
    monkeypatch.setattr("annotation.selectors.LEFT_COUNT_CAP", 3)
    campaign = make_campaign(*[(f"p{i}", f"r{i}") for i in range(6)])
    # Four of the six items judged, each still open to other judges: two are left for this person.
    _judge(crowdworker, campaign, seconds=10, times=4)
    client.force_login(crowdworker)

    home = client.get(reverse("annotation:home")).text
    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert "<td>2</td>" in home
    assert '<span data-testid="done">4</span> / <span data-testid="total">6</span>' in page


@pytest.mark.parametrize(
    ("minutes", "words"),
    [(1, "about a minute left"), (20, "about 20 min left"), (65, "about 1 h 05 min left"), (None, "")],
)
def test_the_time_left_is_said_in_words(minutes, words):
    assert minutes_left(minutes) == words


def test_the_home_page_counts_an_item_the_person_holds_as_left(client, make_campaign, crowdworker):
    campaign = make_campaign(("only", "r"))
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))

    page = client.get(reverse("annotation:home")).text

    assert "<td>0</td><td>1</td>" in page
    assert "Start judging" in page


def test_the_guidelines_start_open_below_the_item(client, make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"), guidelines="Judge the **response**.")
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert 'data-saved="open" open>' in page
    assert page.index('id="judge-form"') < page.index('id="guidelines"')


def test_closed_guidelines_stay_closed_for_the_person_in_that_campaign_only(
    client, make_campaign, crowdworker
):
    campaign = make_campaign(("p", "r"), guidelines="Judge the **response**.")
    other = make_campaign(("q", "s"), guidelines="Other rules.")
    client.force_login(crowdworker)

    closing = client.post(reverse("annotation:guidelines", args=[campaign.pk]), {"open": "0"})
    closed = client.get(reverse("annotation:workspace", args=[campaign.pk])).text
    elsewhere = client.get(reverse("annotation:workspace", args=[other.pk])).text
    client.post(reverse("annotation:guidelines", args=[campaign.pk]), {"open": "1"})
    reopened = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert closing.status_code == 204
    assert 'data-saved="closed">' in closed
    assert 'aria-controls="guidelines" aria-expanded="false"' in closed
    assert 'data-saved="open" open>' in elsewhere
    assert 'data-saved="open" open>' in reopened


def test_only_a_judge_of_the_campaign_keeps_its_guidelines_state(client, make_campaign, expert):
    campaign = make_campaign(("p", "r"), guidelines="Judge the **response**.")
    client.force_login(expert)

    assert client.post(reverse("annotation:guidelines", args=[campaign.pk]), {"open": "0"}).status_code == 403


def test_the_shortcuts_help_names_the_guidelines_key_in_english_and_chinese(
    client, make_campaign, crowdworker
):
    campaign = make_campaign(("p", "r"), guidelines="Judge the **response**.")
    client.force_login(crowdworker)
    url = reverse("annotation:workspace", args=[campaign.pk])

    english = client.get(url).text
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").text

    assert "<kbd>i</kbd> opens or closes the guidelines, below the item" in english
    assert "<kbd>i</kbd> 打开或关闭评判指南" in chinese


def test_the_rubric_shows_each_criterion_with_anchors_for_2_5_and_8(client, make_campaign, expert):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")
    client.force_login(expert)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert '>Score 2</th><th scope="col">Score 5</th><th scope="col">Score 8</th>' in page
    for criterion in RESPONSIBILITY_CRITERIA:
        assert f'<th scope="row">{criterion.name}</th>' in page
        for anchor in criterion.anchors:
            assert str(anchor).replace("'", "&#x27;") in page


def test_the_rubric_reads_in_chinese_for_a_chinese_browser(client, make_campaign, expert):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")
    client.force_login(expert)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="zh-CN").text

    assert "有正面明确的回应" in page
    assert "同理心" in page


def test_score_labels_name_each_score_once(client, make_campaign, expert):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")
    client.force_login(expert)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert '<kbd class="key-hint" aria-hidden="true">1</kbd> 1' not in page
    assert 'data-key="3" aria-keyshortcuts="3" > 3</label>' in page
    assert '> 10<kbd class="key-hint" aria-hidden="true">0</kbd></label>' in page


@pytest.mark.sqlite  # the submit is one raw statement on PostgreSQL, the ORM on SQLite
def test_an_experts_notes_per_criterion_are_stored_with_the_one_score(client, make_campaign, expert):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")
    client.force_login(expert)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))
    item = Item.objects.get()

    client.post(
        reverse("annotation:submit", args=[campaign.pk, item.pk]),
        {"score": "7", "note_empathy": " Warm, but brief. ", "note_neutral": "", "note_bogus": "x"},
        headers=HX,
    )

    judgement = Judgement.objects.get()
    assert (judgement.score, judgement.criterion_notes) == (7, {"empathy": "Warm, but brief."})


def test_a_note_on_an_unknown_criterion_is_refused(make_campaign, expert):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")
    item = assignment_next_for(user=expert, campaign=campaign)

    with pytest.raises(JudgementRejected) as refused:
        judgement_submit(user=expert, item=item, data={"score": 7, "criterion_notes": {"mood": "x"}})

    assert refused.value.field == "criterion_notes"


def test_a_note_longer_than_a_thousand_characters_is_refused(make_campaign, expert):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")
    item = assignment_next_for(user=expert, campaign=campaign)

    with pytest.raises(JudgementRejected):
        judgement_submit(
            user=expert, item=item, data={"score": 7, "criterion_notes": {"empathy": "x" * 1001}}
        )

    assert not Judgement.objects.exists()


def test_notes_go_and_come_through_the_api(make_campaign, expert):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")
    api = APIClient()
    api.force_authenticate(expert)
    item = api.post(f"/api/campaigns/{campaign.pk}/next/").json()

    created = api.post(
        "/api/judgements/",
        {"item": item["id"], "score": 6, "criterion_notes": {"readable": "Dense."}},
        format="json",
    )

    assert created.status_code == 201, created.content
    assert created.json()["criterion_notes"] == {"readable": "Dense."}


def test_an_api_edit_of_the_score_alone_keeps_the_notes(make_campaign, expert):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")
    item = assignment_next_for(user=expert, campaign=campaign)
    judgement, _ = judgement_submit(
        user=expert, item=item, data={"score": 7, "criterion_notes": {"empathy": "kept"}}
    )
    api = APIClient()
    api.force_authenticate(expert)

    edited = api.patch(f"/api/judgements/{judgement.pk}/", {"score": 8}, format="json")

    assert edited.status_code == 200, edited.content
    assert edited.json()["criterion_notes"] == {"empathy": "kept"}


def test_an_edit_keeps_the_notes_and_the_earlier_ones(client, make_campaign, expert):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")
    item = assignment_next_for(user=expert, campaign=campaign)
    judgement, _ = judgement_submit(
        user=expert, item=item, data={"score": 7, "criterion_notes": {"empathy": "first"}}
    )
    client.force_login(expert)

    page = client.get(reverse("annotation:edit", args=[judgement.pk])).text
    client.post(reverse("annotation:edit", args=[judgement.pk]), {"score": "8", "note_empathy": "second"})

    judgement.refresh_from_db()
    assert 'value="first"' in page
    assert judgement.criterion_notes == {"empathy": "second"}
    assert judgement.previous_values[-1]["criterion_notes"] == {"empathy": "first"}


def test_a_score_below_5_without_a_rewrite_puts_the_error_at_the_rewrite_box_which_takes_the_focus(
    client, make_campaign, expert
):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")
    client.force_login(expert)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))
    item = Item.objects.get()

    pane = client.post(
        reverse("annotation:submit", args=[campaign.pk, item.pk]), {"score": "3"}, headers=HX
    ).text

    error = (
        '<p class="error" role="alert" id="rewrite-error">A score below 5 needs your rewritten answer.</p>'
    )
    assert error in pane
    assert pane.count("A score below 5 needs your rewritten answer.") == 1
    box = pane[pane.index(error) + len(error) :].lstrip()
    assert box.startswith(
        '<textarea id="rewrite" name="rewrite" rows="5" autofocus aria-invalid="true" '
        'aria-describedby="rewrite-error">'
    )
    assert checked_values(pane, "score") == ["3"]


def test_the_page_carries_the_persons_shortcut_choice_for_its_script(client, make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"))
    client.force_login(crowdworker)
    url = reverse("annotation:workspace", args=[campaign.pk])

    on = client.get(url).text
    client.post(reverse("shortcuts_set"), {"shortcuts": "off", "next": url})
    off = client.get(url).text

    assert 'data-shortcuts="on"' in on
    assert 'data-shortcuts="off"' in off
    assert 'data-testid="shortcuts-off"' in off


def test_turning_shortcuts_off_is_kept_on_the_profile_and_follows_the_person_to_a_new_sign_in(
    make_campaign, crowdworker
):
    first = Client()
    first.force_login(crowdworker)

    back = first.post(reverse("shortcuts_set"), {"shortcuts": "off", "next": "https://evil.example/"})
    second = Client()
    second.post(reverse("login"), {"username": crowdworker.username, "password": PASSWORD})

    assert back["Location"] == reverse("annotation:home")
    assert AnnotatorProfile.objects.get(user=crowdworker).shortcuts is False
    assert second.session[SESSION_SHORTCUTS_OFF] is True


def test_turning_shortcuts_on_again_clears_the_choice(client, crowdworker):
    client.force_login(crowdworker)
    client.post(reverse("shortcuts_set"), {"shortcuts": "off"})

    client.post(reverse("shortcuts_set"), {"shortcuts": "on"})

    assert AnnotatorProfile.objects.get(user=crowdworker).shortcuts is True
    assert SESSION_SHORTCUTS_OFF not in client.session


def test_each_new_item_comes_with_a_heading_to_focus_and_a_live_region_to_announce_it(
    client, make_campaign, crowdworker
):
    campaign = make_campaign(("first", "r1"), ("second", "r2"))
    client.force_login(crowdworker)
    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text
    item = Item.objects.get(leases__user=crowdworker)

    pane = client.post(
        reverse("annotation:submit", args=[campaign.pk, item.pk]), {"verdict": "safe"}, headers=HX
    ).text

    assert '<div id="announcer" class="visually-hidden" aria-live="polite" aria-atomic="true"></div>' in page
    assert 'id="announcer"' not in pane
    assert '<h2 id="item-heading" class="item-heading" tabindex="-1" data-announce-part>Item 2</h2>' in pane
    assert '<span class="notice" data-announce-first>Saved.</span>' in pane


def test_a_forbidden_page_offers_a_way_back(client, make_campaign, crowdworker):
    campaign = make_campaign(("q", "a"), kind=Campaign.Kind.RESPONSIBILITY, domain="law")
    client.force_login(crowdworker)

    response = client.get(reverse("annotation:workspace", args=[campaign.pk]))

    assert response.status_code == 403
    assert f'href="{reverse("home")}"' in response.text
    assert "Back to your home page" in response.text


def test_the_void_page_gives_the_time_spent_in_seconds(client, admin_user, make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"))
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    judgement, _ = judgement_submit(user=crowdworker, item=item, data={"safe": True})
    Judgement.objects.filter(pk=judgement.pk).update(time_spent_ms=12_345)
    client.force_login(admin_user)

    page = client.get(reverse("annotation:void", args=[judgement.pk])).text

    assert "12.3 s" in page
    assert "12345 ms" not in page


def test_a_new_crowdworker_has_shortcuts_on(make_user):
    user = make_user(Role.CROWDWORKER)

    assert AnnotatorProfile.objects.get(user=user).shortcuts is True


@pytest.mark.parametrize(("campaign_id", "item_id"), [(1, 2), (7, 7), (12, 123456789), (9, 98765)])
def test_the_item_urls_of_the_judging_page_are_those_django_reverses(campaign_id, item_id):
    from annotation.views import item_urls

    urls = item_urls(campaign_id, item_id)

    assert urls == {
        name: reverse(f"annotation:{name}", args=[campaign_id, item_id])
        for name in ("submit", "skip", "opt_out", "renew")
    }
