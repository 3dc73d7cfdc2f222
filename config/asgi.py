"""ASGI entry point: uvicorn serves the attack workspace's streaming endpoint from it (docker-compose's
`stream` service), and the quickstart serves the whole site from it, so that a streamed answer
holds a coroutine rather than a web worker."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
# Django's persistent connections do not work under ASGI: each request runs its sync code on a
# thread of its own, so a connection kept for the next request is never reused, only left open
# (PostgreSQL ran out of connections under load). Async views keep theirs on the database threads
# of common/db_threads.py instead.
os.environ["CONN_MAX_AGE"] = "0"
application = get_asgi_application()
