"""The ASGI application the tests serve with uvicorn: config.asgi's, with the static files served
from the apps' folders as pytest-django's live server does (no collectstatic in the tests)."""

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from config.asgi import application as site

application = ASGIStaticFilesHandler(site)
