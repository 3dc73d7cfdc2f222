"""A model's answer is untrusted text: shown as Markdown that can run nothing, with its raw text
one click away, and marked when it was cut off at the token limit."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from common.templatetags.safe_markdown import MODEL_TAGS, model_markdown
from models_registry.models import Response

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil.example></iframe>",
    "**bold** <style>body{display:none}</style>",
    '<div onclick="alert(1)">x</div>',
    "```\n<script>alert(1)</script>\n```",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<<script>script>alert(1)<</script>/script>",
]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_model_markdown_leaves_no_element_or_link_that_can_run(payload):
    elements = _elements(str(model_markdown(payload)))

    assert {tag for tag, _ in elements} <= MODEL_TAGS
    for _tag, attrs in elements:
        assert not [name for name in attrs if name.startswith("on") or name in ("style", "src")]
        href = (attrs.get("href") or "").strip().lower()
        assert not href.startswith(("javascript:", "data:", "vbscript:"))


def test_html_in_an_answer_shows_as_text_rather_than_disappearing():
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in str(model_markdown("<script>alert(1)</script>"))


def test_markdown_in_an_answer_is_rendered():
    html = str(model_markdown("Some **bold** advice:\n\n- one\n- two\n\n# Heading"))

    assert "<strong>bold</strong>" in html
    assert "<li>one</li>" in html
    # Under the page's own headings: a model's "#" is no page title.
    assert "<h3>Heading</h3>" in html


def test_lines_of_a_chinese_list_stay_on_their_own_lines():
    assert str(model_markdown("1、第一点\n2、第二点")).count("<br") == 1


def test_plain_text_keeps_its_paragraphs_and_escapes_everything():
    assert str(model_markdown("first\n\nsecond")) == "<p>first</p>\n\n<p>second</p>"


def test_the_workspace_shows_the_rendered_answer_and_its_escaped_raw_text(client, make_campaign, crowdworker):
    campaign = make_campaign(("p", "Be **careful** <script>alert('x')</script>"))
    client.force_login(crowdworker)

    page = client.get(reverse("annotation:workspace", args=[campaign.pk])).text

    assert "<strong>careful</strong>" in page
    assert 'class="untrusted raw" lang="en" hidden>Be **careful** &lt;script&gt;' in page
    assert "<script>alert" not in page
    assert 'data-raw-toggle aria-pressed="false"' in page


@pytest.mark.sqlite  # the next item comes from one raw statement on PostgreSQL, the ORM on SQLite
def test_an_answer_cut_off_at_the_token_limit_is_marked_truncated(client, make_campaign, crowdworker):
    campaign = make_campaign(("first", "cut off mid-"), ("second", "complete."))
    Response.objects.filter(text="cut off mid-").update(finish_reason="length")
    Response.objects.filter(text="complete.").update(finish_reason="stop")
    client.force_login(crowdworker)

    first = client.get(reverse("annotation:workspace", args=[campaign.pk]), headers=HX).text
    item = campaign.items.get(prompt__text="first")
    second = client.post(
        reverse("annotation:submit", args=[campaign.pk, item.pk]), {"verdict": "safe"}, headers=HX
    ).text

    assert 'data-testid="truncated"' in first
    assert "cut off mid-" in first
    assert "complete." in second
    assert 'data-testid="truncated"' not in second


def test_the_truncated_mark_also_comes_with_an_item_shown_again_after_an_error(
    client, make_campaign, crowdworker
):
    campaign = make_campaign(("only", "cut off"))
    Response.objects.update(finish_reason="length")
    client.force_login(crowdworker)
    client.get(reverse("annotation:workspace", args=[campaign.pk]))
    item = campaign.items.get()

    again = client.post(reverse("annotation:submit", args=[campaign.pk, item.pk]), {}, headers=HX).text

    assert "Choose safe or unsafe." in again
    assert 'data-testid="truncated"' in again
