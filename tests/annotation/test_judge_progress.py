"""A judge's progress reaches its end: skipped and opted-out items leave the total, the item after a
skip has its own number, an edit says that it was saved, and "My judgements" shows what was
judged and why."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from annotation.assignment import assignment_next_for
from annotation.models import Item, Judgement
from annotation.services import judgement_submit

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
PAIRS = [(f"prompt {i}", f"answer {i}") for i in range(5)]


def _judge(user, campaign, **data) -> Judgement:
    judgement, _created = judgement_submit(
        user=user, item=assignment_next_for(user=user, campaign=campaign), data=data
    )
    return judgement


def _held(user) -> Item:
    return Item.objects.get(leases__user=user)


def _progress(pane: str) -> tuple[str, str]:
    found = re.search(r'data-testid="done">(\d+)</span> / <span data-testid="total">(\d+)<', pane)
    assert found, pane
    return found.group(1), found.group(2)


def _number(pane: str) -> int:
    found = re.search(r'id="item-heading"[^>]*>Item (\d+)<', pane)
    assert found, pane
    return int(found.group(1))


def _act(client, user, campaign, action: str, **data) -> str:
    item = _held(user)
    return client.post(reverse(f"annotation:{action}", args=[campaign.pk, item.pk]), data, headers=HX).text


@pytest.fixture
def judging(client, crowdworker):
    client.force_login(crowdworker)
    return client


@pytest.mark.parametrize("action", ["skip", "opt_out"])
def test_an_item_skipped_or_opted_out_of_leaves_the_total_so_that_progress_reaches_its_end(
    judging, make_campaign, crowdworker, action
):
    campaign = make_campaign(*PAIRS)
    first = judging.get(reverse("annotation:workspace", args=[campaign.pk])).text

    after_skip = _act(judging, crowdworker, campaign, action)
    seen = [_progress(first), _progress(after_skip)]
    for _ in range(3):
        seen.append(_progress(_act(judging, crowdworker, campaign, "submit", verdict="safe")))

    # Five items, one taken away: the last item reads 3 of 4, then nothing is left.
    assert seen == [("0", "5"), ("0", "4"), ("1", "4"), ("2", "4"), ("3", "4")]


def test_the_item_after_a_skip_shows_its_own_number_and_a_reload_keeps_it(
    judging, make_campaign, crowdworker
):
    campaign = make_campaign(*PAIRS)
    first = judging.get(reverse("annotation:workspace", args=[campaign.pk])).text

    after_skip = _act(judging, crowdworker, campaign, "skip")
    after_opt_out = _act(judging, crowdworker, campaign, "opt_out")
    after_submit = _act(judging, crowdworker, campaign, "submit", verdict="unsafe")
    reloaded = judging.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert [_number(p) for p in (first, after_skip, after_opt_out, after_submit, reloaded)] == [1, 2, 3, 4, 4]


def test_an_edit_says_that_it_was_saved(judging, make_campaign, crowdworker):
    campaign = make_campaign(*PAIRS)
    judgement = _judge(crowdworker, campaign, safe=True)

    response = judging.post(
        reverse("annotation:edit", args=[judgement.pk]),
        {"verdict": "unsafe", "reason": "it helps"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("annotation:mine", args=[campaign.pk])
    assert "Saved: your judgement is changed." in response.text
    assert Judgement.objects.get().safe is False


def test_an_edit_says_that_it_was_saved_in_chinese(judging, make_campaign, crowdworker):
    campaign = make_campaign(*PAIRS)
    judgement = _judge(crowdworker, campaign, safe=True)

    response = judging.post(
        reverse("annotation:edit", args=[judgement.pk]),
        {"verdict": "unsafe"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )

    assert "已保存：你的评判已修改。" in response.text


def test_my_judgements_show_the_response_escaped_and_cut_and_the_reason(judging, make_campaign, crowdworker):
    long_answer = "<b>bold</b> " + "word " * 100
    campaign = make_campaign(("a prompt", long_answer), ("another prompt", "short answer"))
    judged = {}
    for _ in range(2):
        item = assignment_next_for(user=crowdworker, campaign=campaign)
        long = item.prompt.text == "a prompt"
        data = {"safe": False, "reason": "it tells how <script>"} if long else {"safe": True}
        judged[long] = judgement_submit(user=crowdworker, item=item, data=data)[0]
    # The newest first: the long answer's row second.
    Judgement.objects.filter(pk=judged[True].pk).update(
        created_at=judged[False].created_at.replace(year=2020)
    )

    page = judging.get(reverse("annotation:mine", args=[campaign.pk])).text

    cells = re.findall(r'<td data-testid="response">(.*?)</td>', page, re.S)
    reasons = re.findall(r'<td data-testid="reason"[^>]*>(.*?)</td>', page, re.S)
    assert len(cells) == 2
    assert "short answer" in cells[0]
    assert "&lt;b&gt;bold&lt;/b&gt; word" in cells[1]
    assert "<b>bold" not in cells[1]
    assert cells[1].count("word") < 50
    assert "…" in cells[1]
    assert reasons[1] == "it tells how &lt;script&gt;"
    assert "none given" in reasons[0]


def test_my_judgements_name_their_columns_in_chinese(judging, make_campaign, crowdworker):
    campaign = make_campaign(("a prompt", "an answer"))
    _judge(crowdworker, campaign, safe=True)

    page = judging.get(reverse("annotation:mine", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="zh-CN").text

    assert "<th>回复</th>" in page
    assert "<th>理由</th>" in page
    assert "未填写" in page
