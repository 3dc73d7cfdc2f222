"""axe-core on every page of every role, in English and in Chinese: no serious or critical
violation. The list of pages comes from the URL resolver (tests/browser/accessibility_site.py), so
a new page that nobody added to the sweep fails here."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.urls.converters import IntConverter
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.accessibility_site import (
    ANONYMOUS,
    EXCLUDED,
    EXCLUDED_NAMESPACES,
    PARTICIPANT,
    POST,
    ROLES,
    VISITS,
    Site,
    pages_of,
    route_names,
    session_cookie_for,
    site_build,
)
from tests.browser.axe import axe_report, axe_violations

# Browser locale (it sets Accept-Language) and the `lang` the pages must then carry.
LANGUAGES = {"en": ("en-GB", "en"), "zh-hans": ("zh-CN", "zh-hans")}


def test_every_named_route_is_swept_or_excluded_for_a_stated_reason():
    swept = {visit.route for visit in VISITS}
    names = [route.name for route in route_names() if route.name]

    forgotten = {
        name
        for name in names
        if name not in swept and name not in EXCLUDED and name.split(":")[0] not in EXCLUDED_NAMESPACES
    }
    assert forgotten == set(), "add these routes to VISITS or, if they are no page, to EXCLUDED"
    assert swept & set(EXCLUDED) == set()
    assert set(EXCLUDED) - set(names) == set(), "stale exclusions"
    assert swept - set(names) == set(), "stale visits"


def test_every_route_outside_django_admin_and_the_api_has_a_name():
    unnamed = [route.path for route in route_names() if not route.name]

    assert [path for path in unnamed if not path.startswith(("admin/", "api/"))] == []


@pytest.mark.django_db
def test_the_routes_excluded_as_post_actions_refuse_get(admin_user):
    client = Client()
    client.force_login(admin_user)
    routes = {route.name: route for route in route_names()}

    for name, reason in EXCLUDED.items():
        if not reason.startswith(POST):
            continue
        converters = routes[name].converters
        kwargs = {key: 1 if isinstance(c, IntConverter) else "x" for key, c in converters.items()}
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 405, name


def _settle(page: Page) -> None:
    """Wait for what htmx loads after the page (previews, banners, polling that has not finished)."""
    page.wait_for_function(
        """() => !document.querySelector('.htmx-request')
              && !document.querySelector('main [hx-get][hx-trigger*="every"]:not(#worker-status)')""",
        timeout=20_000,
    )


@pytest.fixture
def site(make_user, make_campaign, make_model, stub) -> Site:
    return site_build(make_user=make_user, make_campaign=make_campaign, make_model=make_model, stub=stub)


def _sweep(page: Page, *, where: str) -> list[str]:
    try:
        _settle(page)
    except PlaywrightTimeoutError:
        pytest.fail(f"{where}: still loading after 20 s: {page.locator('main').inner_html()[:2000]}")
    return axe_report(axe_violations(page), where=where)


def _send_empty(page: Page) -> None:
    page.evaluate("() => document.querySelectorAll('main form').forEach(f => { f.noValidate = true; })")
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").first.click()
    expect(page.locator("main .error, main .errors").first).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_page_of_every_role_has_no_serious_or_critical_accessibility_violation(
    browser: Browser, live_server, site: Site, language: str
):
    locale, lang = LANGUAGES[language]
    problems: list[str] = []
    for role in ROLES:
        context = browser.new_context(locale=locale, base_url=live_server.url)
        if role not in (ANONYMOUS, PARTICIPANT):
            context.add_cookies([{**session_cookie_for(site.users[role]), "url": live_server.url}])
        page = context.new_page()
        for url, status, what, errors, press in pages_of(role, site):
            response = page.goto(url)
            assert response is not None, url
            assert response.status == status, f"{role} {url}"
            assert page.locator("html").get_attribute("lang") == lang, url
            problems += _sweep(page, where=f"[{language} {role}] {what} {url}")
            if errors:
                _send_empty(page)
                problems += _sweep(page, where=f"[{language} {role}] {what} (form errors) {url}")
            if press:
                with page.expect_navigation():
                    page.locator("main form[method=post] button[type=submit]").first.click()
                problems += _sweep(page, where=f"[{language} {role}] {what} (after pressing) {page.url}")
        context.close()

    assert problems == [], "\n".join(problems)


@pytest.mark.browser
def test_the_axe_check_catches_a_nameless_button_and_a_picture_without_text(page: Page):
    page.set_content(
        '<!doctype html><html lang="en"><title>t</title><main><button></button><img src="x.png"></main></html>'
    )

    assert {v["id"] for v in axe_violations(page)} >= {"button-name", "image-alt"}
