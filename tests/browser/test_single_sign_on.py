"""Single sign-on in a real Chromium: the institution's button, the provider's own login page
(django-oidc-provider in its own process), its consent page, and back in ValueLens with the role
the provider's groups map to."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from common.roles import Role, user_roles
from tests.browser.axe import assert_accessible
from tests.people.identity_fixtures import TEST_CALLBACK, unique_name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider_asks_consent(oidc_on, live_server):
    oidc_on.client_register(TEST_CALLBACK, f"{live_server.url}/oidc/callback/", consent=True)
    yield oidc_on
    oidc_on.client_register(TEST_CALLBACK)


def test_an_expert_logs_in_through_the_institutions_page_and_lands_with_the_mapped_role(
    page: Page, live_server, provider_asks_consent
):
    name = unique_name("bea")
    provider_asks_consent.person_set(name, "bea-pw", groups=["vl-experts", "vl-law"])

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Log in with Example University").click()
    expect(page.get_by_role("heading", name="Example University sign-in")).to_be_visible()
    page.get_by_label("University ID").fill(name)
    page.get_by_label("University password").fill("bea-pw")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Authorize").click()

    expect(page.get_by_role("heading", name="Expert", exact=True)).to_be_visible()
    assert page.url.startswith(live_server.url)
    user = User.objects.get(username=name)
    assert user_roles(user) == {Role.EXPERT}
    assert list(user.annotator_profile.domains.values_list("slug", flat=True)) == ["law"]


@pytest.mark.parametrize(
    ("locale", "button"), [("en-GB", "Log in with Example University"), ("zh-CN", "使用示例大学登录")]
)
def test_the_login_page_with_the_institutions_button_is_accessible_in_both_languages(
    browser: Browser, live_server, oidc_on, locale: str, button: str
):
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")

    expect(page.get_by_role("link", name=button)).to_be_visible()
    assert_accessible(page)
    context.close()
