"""A logging filter that keeps API keys out of every log: the value of each VALUELENS_KEY_
variable, and any bearer token, is replaced by [key] in a record's message and traceback.

LOGGING puts it on the site's handlers; a Celery worker replaces the root handlers with its own,
so it is put on those too (models_registry/apps.py).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from models_registry.providers import API_KEY_ENV_PREFIX, secrets_redact


def environment_keys() -> list[str]:
    # Read at each record: a key set or rotated after start-up is still kept out.
    return [value for name, value in os.environ.items() if name.startswith(API_KEY_ENV_PREFIX) and value]


class KeyRedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        keys = environment_keys()
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            # A call whose arguments do not fit its format: the handler reports it, as without us.
            message = None
        if message is not None:
            clean = secrets_redact(message, keys)
            if clean != message:
                record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = secrets_redact(record.exc_text, keys)
        if record.stack_info:
            record.stack_info = secrets_redact(record.stack_info, keys)
        return True


def handlers_redact(*handlers: logging.Handler) -> None:
    for handler in handlers:
        if not any(isinstance(f, KeyRedactingFilter) for f in handler.filters):
            handler.addFilter(KeyRedactingFilter())


def celery_handlers_redact(logger: logging.Logger, **kwargs: Any) -> None:
    """Receiver of Celery's after_setup_logger and after_setup_task_logger signals."""
    handlers_redact(*logger.handlers, *logging.getLogger().handlers)
