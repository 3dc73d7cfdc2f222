"""The language of a text people wrote or a model produced, for its `lang` attribute: screen
readers, fonts and line breaking follow it, whatever the language of the page around it."""

from __future__ import annotations

import re

from django import template

register = template.Library()

# CJK ideographs (with extension A and compatibility forms) and CJK punctuation / full-width forms.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Enough to decide, and cheap on long answers.
_SAMPLE = 2000


@register.filter
def text_lang(text: object) -> str:
    """'zh' when Chinese characters make up a fair share of the letters, 'en' when Latin letters
    dominate, '' (unknown, valid HTML) when there are no letters at all. Chinese needs fewer
    characters than English needs letters to say the same, hence the lower bar."""
    sample = str(text or "")[:_SAMPLE]
    cjk = len(_CJK.findall(sample))
    latin = len(_LATIN.findall(sample))
    if cjk == 0 and latin == 0:
        return ""
    return "zh" if cjk * 3 >= latin else "en"
