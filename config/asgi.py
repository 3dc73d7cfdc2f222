"""ASGI entry point: uvicorn serves the attack workspace's streaming endpoint from it (docker-compose's
`stream` service), and the quickstart serves the whole site from it, so that a streamed answer
holds a coroutine rather than a web worker."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_asgi_application()
