"""Single sign-on with OpenID Connect, on mozilla-django-oidc.

The operator sets an issuer, a client id and secret and the scopes (docs/sso.md); the provider's
endpoints and signing keys come from its discovery document, read when a login needs them and kept
in the shared cache for an hour. A login goes through django.contrib.auth.authenticate(), so the
login budget (common/throttles.py) refuses a spent address here as on every other way in.
"""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

# mozilla-django-oidc's endpoint settings, and the discovery document's name for each.
_DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
DISCOVERY_CACHE_S = 3600


def oidc_enabled() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


def provider_configuration() -> dict[str, Any]:
    """The issuer's discovery document (OpenID Connect Discovery 1.0), from the cache when fresh."""
    issuer = settings.OIDC_ISSUER
    key = f"valuelens:oidc-discovery:{issuer}"
    document = cache.get(key)
    if document is None:
        response = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
        if document.get("issuer", "").rstrip("/") != issuer:
            raise SuspiciousOperation("The discovery document names another issuer.")
        cache.set(key, document, DISCOVERY_CACHE_S)
    return document


def oidc_setting(attr: str, *args: Any) -> Any:
    """mozilla-django-oidc's get_settings, with the endpoints taken from discovery."""
    if attr in _DISCOVERED:
        return provider_configuration()[_DISCOVERED[attr]]
    return import_from_settings(attr, *args)


def provider_button_label() -> str:
    """The login button, with the institution's name in the page's language."""
    chinese = (get_language() or "").startswith("zh")
    name = (settings.OIDC_PROVIDER_NAME_ZH if chinese else "") or settings.OIDC_PROVIDER_NAME_EN
    if not name:
        return _("Log in with single sign-on")
    return _("Log in with %(provider)s") % {"provider": name}


def _discovered(attr: str) -> property:
    return property(lambda self: oidc_setting(attr))


class OIDCBackend(OIDCAuthenticationBackend):
    """Signs in the person the provider vouches for (people.services.user_single_sign_on)."""

    get_settings = staticmethod(oidc_setting)
    OIDC_OP_TOKEN_ENDPOINT = _discovered("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = _discovered("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = _discovered("OIDC_OP_JWKS_ENDPOINT")
    OIDC_RP_IDP_SIGN_KEY = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django makes a backend for every authenticate() call, password logins included: the
        # provider is asked nothing until a callback needs it.
        self.UserModel = get_user_model()

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return settings.OIDC_RP_CLIENT_SECRET

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:
        return settings.OIDC_RP_SIGN_ALGO

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        # Only the callback view passes a nonce; a password login with ?code= in its URL is no callback.
        if not oidc_enabled() or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload = super().verify_token(token, **kwargs)
        # The library checks the signature and the nonce; the ID token must also be ours, from our issuer.
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if (
            payload.get("iss", "").rstrip("/") != settings.OIDC_ISSUER
            or self.OIDC_RP_CLIENT_ID not in audiences
        ):
            raise SuspiciousOperation("The ID token was issued by another provider or for another client.")
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        # Here, not at the top: DRF imports this module (annotation.auth) while people.services is loading.
        from people.services import user_single_sign_on

        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The userinfo response is about another subject.")
        claims = {**payload, **userinfo}
        groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
        if isinstance(groups, str):
            groups = groups.split()
        email = str(claims.get("email") or "")
        return user_single_sign_on(
            issuer=settings.OIDC_ISSUER,
            subject=str(payload["sub"]),
            username=str(claims.get(settings.OIDC_USERNAME_CLAIM) or email.partition("@")[0]),
            email=email,
            first_name=str(claims.get("given_name") or ""),
            last_name=str(claims.get("family_name") or ""),
            groups=[str(g) for g in groups],
        )


class OIDCLoginStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider's login page (404 while single sign-on is off)."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404
        self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        return super().get(request)


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    get_settings = staticmethod(oidc_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404
        return super().get(request)
