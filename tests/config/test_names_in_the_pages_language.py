"""Names in the page's language: each language in the menu by its own name, a domain or risk
scenario by its name in the page's language (never both at once), a run's status as a word."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from prompts.models import Domain, Scenario

pytestmark = pytest.mark.django_db

BROWSERS = {"zh-hans": "zh-CN,zh;q=0.9", "en": "en-GB,en;q=0.9"}


@pytest.mark.parametrize("language", list(BROWSERS))
def test_the_language_menu_names_each_language_in_its_own_language(language):
    page = Client(HTTP_ACCEPT_LANGUAGE=BROWSERS[language]).get("/accounts/login/").text

    options = dict(re.findall(r'<option value="([^"]+)" lang="[^"]+"[^>]*>([^<]+)</option>', page))

    assert options == {"en": "English", "zh-hans": "简体中文"}


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", ("法理学", "违法犯罪")), ("en", ("Law (jurisprudence)", "Crimes"))],
)
def test_a_domain_and_a_scenario_are_named_in_the_pages_language_only(language, expected):
    law = Domain.objects.get(slug="law")
    crimes = Scenario.objects.get(slug="crimes")

    with translation.override(language):
        assert (str(law), str(crimes)) == expected
