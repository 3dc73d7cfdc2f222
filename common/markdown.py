"""Markdown that people wrote (guidelines, instructions) and that models wrote (answers), rendered
to HTML and cleaned by nh3 (Ammonia): no script, no handlers, no javascript: links. Shared by the
judging pages (annotation's template filters) and the attack workspace, which renders a streamed
answer once it is whole."""

from __future__ import annotations

import hashlib
import re
import threading

import markdown as markdown_lib
import nh3
from django.core.cache import caches
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
    "hr",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
# A model's headings sit under the page's own "Response" heading (h2).
MODEL_TAGS = ALLOWED_TAGS | {"h5", "h6", "del"}
_HEADING = re.compile(r"<(/?)h([1-6])\b")
# Anything Markdown could make something of; an answer with none of it is plain paragraphs, and
# skips the Markdown parser (milliseconds per answer on the judging page).
_MARKDOWN_SYNTAX = re.compile(r"[*_`#>|\[<&~]|^\s*(?:[-+]|\d+[.)])\s|^\s{4}", re.MULTILINE)


def markdown_html(text: str) -> SafeString:
    """Guidelines in Markdown, rendered and then cleaned by nh3 (Ammonia): no script, no handlers."""
    html = markdown_lib.markdown(text or "", extensions=["tables"])
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS, link_rel="noopener noreferrer"))  # noqa: S308


_local = threading.local()


def _model_markdown() -> markdown_lib.Markdown:
    # Building a Markdown object (loading its extensions) costs more than converting one answer,
    # and one is shown on every item: one per thread, reset between answers.
    md = getattr(_local, "md", None)
    if md is None:
        # nl2br: models (Chinese ones above all) end lines for lists like "1、…" that Markdown
        # would otherwise run together into one paragraph.
        md = markdown_lib.Markdown(extensions=["tables", "fenced_code", "nl2br"])
        # A model's HTML is text to read, never markup: without these two, Markdown escapes it.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        _local.md = md
    return md


def model_markdown_html(text: str) -> SafeString:
    """A model's answer as Markdown. The answer is untrusted: HTML in it shows as text, and the
    result is cleaned by nh3 all the same (no script, no handlers, no javascript: links)."""
    text = text or ""
    if not _MARKDOWN_SYNTAX.search(text):
        return mark_safe(linebreaks(text, autoescape=True))  # noqa: S308 -- escaped by linebreaks
    # Each answer is shown to several judges: rendered once, kept by its content.
    key = f"annotation:answer-html:{hashlib.blake2b(text.encode(), digest_size=16).hexdigest()}"
    cache = caches["default"]
    html = cache.get(key)
    if html is None:
        html = _model_markdown().reset().convert(text)
        html = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 2, 6)}", html)
        html = nh3.clean(html, tags=MODEL_TAGS, link_rel="noopener noreferrer nofollow ugc")
        cache.set(key, html, 3600)
    return mark_safe(html)  # noqa: S308 -- cleaned by nh3
