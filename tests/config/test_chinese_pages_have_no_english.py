"""A person who reads Chinese meets no English on any page: every page route of every role
(tests/browser/accessibility_site.py's VISITS, over its full site), the error pages and the Django
admin index, fetched in Chinese. What people or models wrote (prompts, answers, names, reasons) is
theirs and stays as written: it is left out by the elements that hold it (`.untrusted`, or marked
with its own `lang`) and by the values the site builder stored."""

from __future__ import annotations

import html as markup
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import models
from django.test import Client

from common.templatetags.safe_markdown import markdown
from tests.browser.accessibility_site import ANONYMOUS, PARTICIPANT, ROLES, Site, pages_of, site_build

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.5"}
# Names that stay as they are in Chinese text: the product, formats, protocols, units, and the
# people whose names the statistics carry.
ALLOWED = {
    "ValueLens",
    "CValues",
    "API",
    "JSON",
    "JSONL",
    "CSV",
    "Parquet",
    "URL",
    "ID",
    "HTTP",
    "OpenAI",
    "Anthropic",
    "hh-rlhf",
    "Prolific",
    "Markdown",
    # The paper bundle's file formats and hash.
    "LaTeX",
    "SVG",
    "SHA",
    "UTF",
    "BOM",
    "Excel",
    "Django",
    "Celery",
    "Cohen",
    "Fleiss",
    "Krippendorff",
    "Dawid",
    "Skene",
    "Wilson",
    "McNemar",
    "Wilcoxon",
    "Holm",
    "Bradley",
    "Terry",
    # Arpad Elo's rating scale, named so in Chinese too.
    "Elo",
    "Bradley–Terry",
    "MinHash",
    # Training-data formats (supervised fine-tuning, direct preference optimisation), named so in Chinese too.
    "SFT",
    "DPO",
    "ZIP",
    "Dawid–Skene",
    "AI",
    "Enter",
    "Esc",
    "Ctrl",
    "CValues-Comparison",
    "PoisonMpts",
    "OpenCompass",
    "MTurk",
    "token",
    "Token",
    # The export page's hint: the Hugging Face Hub, its datasets library, and the language it is used from.
    "Hugging",
    "Face",
    "Hub",
    "datasets",
    "Python",
    # Prediction-powered inference (Angelopoulos et al.), the method's name in Chinese papers too.
    "PPI",
    # Times in the audit log are in Coordinated Universal Time, named so in Chinese too.
    "UTC",
}
# Text a person reads outside the page's text nodes.
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "hx-confirm", "data-confirm")
# Reference vocabulary has a name in each language: showing the English one is the bug to catch.
VOCABULARY = {"Domain", "Scenario", "ResponseType"}
OUR_APPS = {"prompts", "people", "models_registry", "authoring", "annotation", "evaluation"}
# Words are what lies between spaces, Chinese characters and punctuation. A word of letters is
# English; one with digits, underscores, slashes or inner capitals (top_p, v1, workerId, a URL) is
# an identifier, the same in every language. Single letters are variables (k, n, T).
TOKEN = re.compile(r"[\s\u3000-\u303f\u3400-\u9fff\uff00-\uffef,.;:!?()\[\]{}\"'“”‘’·…×|+=<>]+")
# Literals are code too: URLs, file names, {placeholders} and "quoted values".
LITERAL = re.compile(r"\S+://\S+|\b[\w-]+\.(?:md|jsonl?|csv|zip|parquet|txt)\b|\{[^{}\s]*\}|\"[^\"\s]+\"")
ENGLISH = re.compile(r"(?:[A-Z]?[a-z]{2,}|[A-Z][a-z]|[A-Z]{2,})(?:[-–](?:[A-Z]?[a-z]+|[A-Z]{2,}))*\*?")
# Scripts and styles are no text; code, keys and sample output are the same in every language.
MACHINERY = {"script", "style", "code", "kbd", "samp"}
# Elements that start a line of their own; inline ones (a, strong, span) continue the sentence.
BLOCK = {
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "label",
    "legend",
    "li",
    "main",
    "nav",
    "ol",
    "option",
    "p",
    "pre",
    "section",
    "select",
    "summary",
    "table",
    "td",
    "th",
    "title",
    "tr",
    "ul",
}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _VisibleText(HTMLParser):
    """The text a person reads, with user content and machinery (scripts, styles) left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page_lang = ""
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.page_lang = found.get("lang", "")
        skip = (
            self._skipping()
            or tag in MACHINERY
            or "untrusted" in found.get("class", "").split()
            or (tag != "html" and "lang" in found and found["lang"] != self.page_lang)
        )
        if not skip:
            read = [found[name] for name in READ_ATTRIBUTES if found.get(name)]
            if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
                read.append(found["value"])
            self.parts += [f"\n{text}\n" for text in read]
        if tag in BLOCK:
            self.parts.append("\n")
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK:
            self.parts.append("\n")
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "".join(parser.parts)


def stored_text() -> list[str]:
    """Every free-text value stored in ValueLens' own tables (names, prompts, answers, reasons,
    ids; Markdown also as the page renders it) and every username, longest first. Codes (fields
    with choices) and reference vocabulary are not content."""
    values: set[str] = {user.username for user in User.objects.all()}
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS or model.__name__ in VOCABULARY:
            continue
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField) and not field.choices
        ]
        if not fields:
            continue
        for row in model.objects.values_list(*fields):
            values.update(value.strip() for value in row if isinstance(value, str))
    for value in [value for value in values if "\n" in value]:
        values.update(visible_text(str(markdown(value))).splitlines())
    return sorted((value.strip() for value in values if len(value.strip()) > 1), key=len, reverse=True)


def english_in(html: str, *, content: list[str]) -> list[str]:
    text = visible_text(html)
    for value in content:
        # Whole words only: a stored "Law" must not hide the English word in "Law (jurisprudence)".
        text = re.sub(rf"(?<![A-Za-z0-9_-]){re.escape(value)}(?![A-Za-z0-9_-])", " ", text)
    text = LITERAL.sub(" ", text)
    found: list[str] = []
    for line in text.splitlines():
        words = [word for word in TOKEN.split(line) if ENGLISH.fullmatch(word) and word not in ALLOWED]
        if words:
            found.append(" ".join(line.split()))
    return list(dict.fromkeys(found))


def _form_action(html: str, url: str) -> tuple[str, dict[str, str]]:
    """The first POST form in <main>: where it goes and its hidden fields."""
    main = html[html.find("<main") :]
    form = re.search(r'<form[^>]*method="post"[^>]*>(.*?)</form>', main, re.S | re.I)
    assert form, url
    action = re.search(r'action="([^"]*)"', form.group(0))
    hidden = dict(
        re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(1))
    )
    return (markup.unescape(action.group(1)) if action and action.group(1) else url), hidden


@pytest.fixture
def site(make_user, make_campaign, make_model, stub) -> Site:
    return site_build(make_user=make_user, make_campaign=make_campaign, make_model=make_model, stub=stub)


def _client_for(site: Site, role: str) -> Client:
    client = Client(**CHINESE)
    if role not in (ANONYMOUS, PARTICIPANT):
        client.force_login(site.users[role])
    return client


def test_no_page_of_any_role_shows_english_in_chinese(site: Site):
    problems: list[str] = []
    for role in ROLES:
        # Again for each role: a crowd participant's name is made as they come in.
        content = stored_text()
        client = _client_for(site, role)
        for url, status, what, errors, press in pages_of(role, site):
            response = client.get(url)
            assert response.status_code == status, f"{role} {url}"
            assert 'lang="zh-hans"' in response.text[:500], url
            shown = [(what, response.text)]
            if errors:
                shown.append((f"{what} (form errors)", client.post(url, {}).text))
            if press:
                action, fields = _form_action(response.text, url)
                shown.append((f"{what} (after pressing)", client.post(action, fields, follow=True).text))
            for where, html in shown:
                problems += [f"[{role}] {where}: {line}" for line in english_in(html, content=content)]

    assert problems == [], "\n".join(problems)


def test_the_sweep_finds_english_outside_user_content_and_nothing_inside_it():
    html = (
        '<html lang="zh-hans"><title>首页</title><main><h1>Results</h1><p>共 3 条</p>'
        '<div class="untrusted">How do I pick a lock?</div><span lang="en">stub answer</span>'
        '<button aria-label="Close">×</button><p>ValueLens 的 API</p><script>var x = "hello";</script>'
        "<p>carl-crowd</p></main></html>"
    )

    assert english_in(html, content=["carl-crowd"]) == ["Results", "Close"]
