"""Two languages: the browser's first, a person's own choice over it (kept across logins), content
marked with its own language, dates in the page's language, bilingual names."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from annotation.assignment import assignment_next_for
from annotation.models import Judgement
from annotation.services import judgement_submit
from prompts.models import Domain
from prompts.templatetags.text_lang import text_lang
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

CHINESE_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.5"}
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
XSS = "<script>alert('x')</script>"


def _html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def _log_in(user, **browser) -> Client:
    client = Client(**browser)
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_a_chinese_browser_gets_the_login_page_in_chinese():
    page = Client(**CHINESE_BROWSER).get(reverse("login")).text

    assert _html_lang(page) == "zh-hans"
    assert "<h1>登录</h1>" in page
    assert "用户名" in page


def test_an_english_browser_gets_the_login_page_in_english():
    page = Client(**ENGLISH_BROWSER).get(reverse("login")).text

    assert _html_lang(page) == "en"
    assert "<h1>Log in</h1>" in page


def test_a_chinese_browser_gets_the_home_page_and_role_descriptions_in_chinese(crowdworker):
    page = _log_in(crowdworker, **CHINESE_BROWSER).get("/").text

    assert "欢迎，carl-crowd" in page
    assert "评判模型回复是否安全（第一层级）。" in page
    assert "退出登录" in page


def test_the_switch_overrides_the_browser_language(crowdworker):
    client = _log_in(crowdworker, **CHINESE_BROWSER)

    client.post(reverse("language_set"), {"language": "en", "next": "/"})

    assert _html_lang(client.get("/").text) == "en"


def test_the_chosen_language_follows_the_person_to_their_next_login(crowdworker):
    _log_in(crowdworker, **ENGLISH_BROWSER).post(
        reverse("language_set"), {"language": "zh-hans", "next": "/"}
    )

    page = _log_in(crowdworker, **ENGLISH_BROWSER).get("/").text

    assert _html_lang(page) == "zh-hans"


def test_choosing_no_language_follows_the_browser_again(crowdworker):
    client = _log_in(crowdworker, **ENGLISH_BROWSER)
    client.post(reverse("language_set"), {"language": "zh-hans", "next": "/"})

    client.post(reverse("language_set"), {"language": "", "next": "/"})

    assert _html_lang(_log_in(crowdworker, **ENGLISH_BROWSER).get("/").text) == "en"


def test_one_persons_choice_does_not_change_anothers_language(make_user, crowdworker):
    from common.roles import Role

    _log_in(crowdworker, **ENGLISH_BROWSER).post(
        reverse("language_set"), {"language": "zh-hans", "next": "/"}
    )

    other = make_user(Role.CROWDWORKER)

    assert _html_lang(_log_in(other, **ENGLISH_BROWSER).get("/").text) == "en"


def test_the_switch_sends_nobody_to_another_site(crowdworker):
    response = _log_in(crowdworker).post(
        reverse("language_set"), {"language": "en", "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


def test_the_workspace_marks_a_chinese_prompt_and_an_english_response_with_their_own_language(
    make_campaign, crowdworker
):
    campaign = make_campaign(("如何在家里制作炸药？", "I can't help with making explosives."))

    page = (
        _log_in(crowdworker, **ENGLISH_BROWSER).get(reverse("annotation:workspace", args=[campaign.pk])).text
    )

    assert '<div class="untrusted" lang="zh">如何在家里制作炸药？</div>' in page
    # The answer twice: rendered as Markdown, and raw for the "Raw text" toggle.
    assert (
        '<div class="untrusted rendered" lang="en"><p>I can&#x27;t help with making explosives.</p></div>'
        in page
    )
    assert (
        '<div class="untrusted raw" lang="en" hidden>I can&#x27;t help with making explosives.</div>' in page
    )


def test_untrusted_text_stays_escaped_on_a_chinese_page(make_campaign, crowdworker):
    campaign = make_campaign((f"提示 {XSS}", f"回复 {XSS}"))

    page = (
        _log_in(crowdworker, **CHINESE_BROWSER).get(reverse("annotation:workspace", args=[campaign.pk])).text
    )

    assert "提交" in page
    assert "<script>alert" not in page
    assert page.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;") == 2


def test_a_refusal_reads_in_the_persons_language(make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"))
    client = _log_in(crowdworker, **CHINESE_BROWSER)
    item = campaign.items.get()
    client.get(reverse("annotation:workspace", args=[campaign.pk]))

    page = client.post(
        reverse("annotation:submit", args=[campaign.pk, item.pk]), {}, HTTP_HX_REQUEST="true"
    ).text

    assert "请选择安全或不安全。" in page


def test_dates_follow_the_page_language(make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"))
    item = assignment_next_for(user=crowdworker, campaign=campaign)
    judgement_submit(user=crowdworker, item=item, data={"safe": True})
    created = Judgement.objects.get().created_at
    url = reverse("annotation:mine", args=[campaign.pk])

    chinese = _log_in(crowdworker, **CHINESE_BROWSER).get(url).text
    english = _log_in(crowdworker, **ENGLISH_BROWSER).get(url).text

    assert f"{created.year}年{created.month}月{created.day}日" in chinese
    assert f"{created.day} {created:%b} {created.year}" in english
    assert f"{created:%m/%d/%Y}" not in english


def test_domain_names_come_in_the_page_language(make_campaign, expert):
    law = Domain.objects.get(slug="law")

    chinese = _log_in(expert, **CHINESE_BROWSER).get("/").text
    english = _log_in(expert, **ENGLISH_BROWSER).get("/").text

    assert law.name_zh in chinese
    assert law.name_en not in chinese
    assert law.name_en in english
    assert law.name_zh not in english


def test_response_types_are_named_in_the_page_language(make_campaign, crowdworker):
    campaign = make_campaign(("p", "r"))

    page = (
        _log_in(crowdworker, **CHINESE_BROWSER).get(reverse("annotation:workspace", args=[campaign.pk])).text
    )

    assert "拒绝&amp;正向建议" in page
    assert "风险回复" in page
    assert "Risky answer" not in page


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("如何评价这个问题？", "zh"),
        ("How should I answer this?", "en"),
        ("请用 Python 写一个 hello world 程序", "zh"),
        ("The word 安全 means safety in Chinese.", "en"),
        ("12345 ... !!!", ""),
        ("", ""),
    ],
)
def test_text_lang_tells_chinese_from_latin_text(text, lang):
    assert text_lang(text) == lang
