"""A Content-Security-Policy with no inline script: every script is a static file."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from tests.browser.test_login_and_import import log_in
from tests.conftest import REPO

SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def script_directive(policy: str) -> str:
    return next(d.strip() for d in policy.split(";") if d.strip().startswith("script-src"))


@pytest.mark.django_db
def test_every_page_carries_a_policy_that_allows_no_inline_script(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]

    assert script_directive(policy) == "script-src 'self'"
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy


def test_no_template_holds_an_inline_script_or_an_event_handler_attribute():
    templates = [p for p in REPO.glob("**/templates/**/*.html") if ".venv" not in p.parts]
    assert templates

    offenders = []
    for path in templates:
        text = path.read_text()
        offenders += [f"{path}: {tag}" for tag in SCRIPT_TAG.findall(text) if "src=" not in tag]
        offenders += [f"{path}: {m}" for m in re.findall(r"\son[a-z]+\s*=", text)]

    assert offenders == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pages_run_under_the_policy_without_a_violation(page: Page, live_server, admin_user):
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    log_in(page, live_server, admin_user.username)

    for path in ("/", "/generation/runs/", "/evaluation/results/", "/api/docs/", "/admin/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")

    assert violations == []
