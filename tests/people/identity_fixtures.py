"""Fixtures of the single sign-on tests: a real OpenID Connect provider and a real slapd (started
once per test session by tests/support/identity_providers.py), and ValueLens configured for them
the way docs/sso.md tells an operator to."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from django.test import Client

from config.settings import base
from config.settings.ldap import ldap_settings
from tests.support.identity_providers import (
    LDAP_ROOT_DN,
    LDAP_ROOT_PASSWORD,
    LDAP_SUFFIX,
    OIDC_CLIENT_ID,
    OIDC_CLIENT_SECRET,
    OIDCProvider,
    Slapd,
    oidc_provider_start,
    servers_stop,
    slapd_start,
)

TEST_CALLBACK = "http://testserver/oidc/callback/"
ROLE_GROUPS = {"admin": "vl-admins", "reviewer": "vl-reviewers", "expert": "vl-experts"}
# "astrology" is no domain ValueLens knows: a person in its group gets nothing from it.
DOMAIN_GROUPS = {"law": "vl-law", "psychology": "vl-psychology", "astrology": "vl-astrology"}
_names = itertools.count(1)


def unique_name(prefix: str) -> str:
    """The providers live for the whole session: each test signs in people of its own."""
    return f"{prefix}{next(_names)}"


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory) -> Iterator[OIDCProvider]:
    provider = oidc_provider_start(tmp_path_factory.mktemp("oidc-provider"))
    provider.client_register(TEST_CALLBACK)
    yield provider
    servers_stop(provider)


def _mapping(settings) -> None:
    settings.SSO_ROLE_GROUPS = dict(ROLE_GROUPS)
    settings.SSO_DOMAIN_GROUPS = dict(DOMAIN_GROUPS)


@pytest.fixture
def oidc_on(settings, oidc_provider) -> OIDCProvider:
    settings.OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = OIDC_CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = OIDC_CLIENT_SECRET
    # The test provider sends the groups claim for the `groups` scope (tests/support/test_idp/claims.py).
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    settings.OIDC_PROVIDER_NAME_EN = "Example University"
    settings.OIDC_PROVIDER_NAME_ZH = "示例大学"
    _mapping(settings)
    return oidc_provider


def oidc_log_in(client: Client, provider: OIDCProvider, username: str, password: str):
    """The browser's round trip, by HTTP: ValueLens sends the person to the provider, they sign in on
    its page, the provider sends them back with a code; ValueLens' answer to that is returned."""
    start = client.get("/oidc/authenticate/", {"next": "/"})
    assert start.status_code == 302, start
    with httpx.Client(timeout=10) as browser:
        to_login = browser.get(start["Location"])
        login_url = httpx.URL(start["Location"]).join(to_login.headers["location"])
        browser.get(login_url)
        signed_in = browser.post(
            login_url,
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": browser.cookies["provider_csrftoken"],
            },
        )
        assert signed_in.status_code == 302, "the provider refused the person's password"
        back = browser.get(login_url.join(signed_in.headers["location"]))
    callback = urlsplit(back.headers["location"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == TEST_CALLBACK
    return client.get(f"{callback.path}?{callback.query}")


@pytest.fixture(scope="session")
def slapd(tmp_path_factory) -> Iterator[Slapd]:
    server = slapd_start(tmp_path_factory.mktemp("slapd"))
    # groupOfNames needs a member: the root DN stands in for "nobody yet".
    for group in {*ROLE_GROUPS.values(), *DOMAIN_GROUPS.values()}:
        server.add(
            f"dn: cn={group},ou=groups,{LDAP_SUFFIX}\nobjectClass: groupOfNames\ncn: {group}\nmember: {LDAP_ROOT_DN}\n"
        )
    yield server
    servers_stop(server)


def ldap_person_add(slapd: Slapd, uid: str, password: str, *, groups: list[str], ldif: str = "") -> None:
    """`ldif`: more lines of the entry (attributes, object classes)."""
    slapd.add(
        f"dn: uid={uid},ou=people,{LDAP_SUFFIX}\nobjectClass: inetOrgPerson\nuid: {uid}\n"
        f"cn: {uid}\nsn: Tester\ngivenName: {uid.capitalize()}\nmail: {uid}@valuelens.test\n"
        f"userPassword: {password}\n{ldif}"
    )
    for group in groups:
        ldap_membership_change(slapd, uid, group, "add")


def ldap_membership_change(slapd: Slapd, uid: str, group: str, change: str) -> None:
    """`change` is "add" or "delete": the person joins or leaves the group at the directory."""
    slapd.modify(
        f"dn: cn={group},ou=groups,{LDAP_SUFFIX}\nchangetype: modify\n{change}: member\n"
        f"member: uid={uid},ou=people,{LDAP_SUFFIX}\n"
    )


def ldap_configure(settings, slapd: Slapd, *, id_attribute: str = "entryUUID") -> None:
    """ValueLens with LDAP_SERVER_URI and friends set, as base.py reads them from the environment."""
    settings.LDAP_SERVER_URI = slapd.uri
    settings.SSO_LDAP_ID_ATTRIBUTE = id_attribute
    settings.AUTHENTICATION_BACKENDS = [
        settings.AUTHENTICATION_BACKENDS[0],
        *base.authentication_backends(local_passwords=settings.LOCAL_PASSWORDS, ldap=True)[1:],
    ]
    for name, value in ldap_settings(
        server_uri=slapd.uri,
        bind_dn=LDAP_ROOT_DN,
        bind_password=LDAP_ROOT_PASSWORD,
        user_base=f"ou=people,{LDAP_SUFFIX}",
        user_filter="(uid=%(user)s)",
        group_base=f"ou=groups,{LDAP_SUFFIX}",
        group_type="groupOfNames",
        start_tls=False,
        id_attribute=id_attribute,
    ).items():
        setattr(settings, name, value)
    _mapping(settings)


@pytest.fixture
def ldap_on(settings, slapd) -> Slapd:
    ldap_configure(settings, slapd)
    return slapd


@pytest.fixture
def local_passwords_off(settings) -> None:
    """LOCAL_PASSWORDS=0, with the backends base.py then lists (the test client's axes in front)."""
    settings.LOCAL_PASSWORDS = False
    ldap = bool(settings.LDAP_SERVER_URI)
    settings.AUTHENTICATION_BACKENDS = [
        settings.AUTHENTICATION_BACKENDS[0],
        *base.authentication_backends(local_passwords=False, ldap=ldap)[1:],
    ]
