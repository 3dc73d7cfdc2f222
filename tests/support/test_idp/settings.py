"""A tiny OpenID Connect provider for the tests (django-oidc-provider, its own SQLite file), run as
a subprocess on a free port by tests/support/identity_providers.py. Never part of ValueLens."""

from __future__ import annotations

import os

SECRET_KEY = "test-only-provider-key"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oidc_provider",
    "tests.support.test_idp",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.support.test_idp.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["OIDC_PROVIDER_DB"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LOGIN_URL = "/accounts/login/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# ValueLens runs on 127.0.0.1 too, and browsers keep cookies per host, not per port.
SESSION_COOKIE_NAME = "provider_sessionid"
CSRF_COOKIE_NAME = "provider_csrftoken"
SITE_URL = os.environ["OIDC_PROVIDER_URL"]
OIDC_EXTRA_SCOPE_CLAIMS = "tests.support.test_idp.claims.GroupsScopeClaims"
OIDC_USERINFO = "tests.support.test_idp.claims.userinfo"
