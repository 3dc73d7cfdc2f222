"""ASGI entry point: uvicorn serves the attack workspace's streaming endpoint from it (docker-compose's
`stream` service), and the quickstart serves the whole site from it, so that a streamed answer
holds a coroutine rather than a web worker. Each request's sync code runs on a thread the process
keeps (common/asgi_threads.py), so persistent database connections work here as under gunicorn."""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

from common.asgi_threads import OnKeptThreads

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = OnKeptThreads(get_asgi_application(), most=settings.ASGI_REQUEST_THREADS)
