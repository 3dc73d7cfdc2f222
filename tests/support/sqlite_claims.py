"""Run by tests/config/test_sqlite_quickstart.py in a process of its own, on the quickstart's SQLite
settings: four threads reserve, claim and heartbeat generations at once, as the worker's batches
do, while the reconcile task looks for silent ones."""

from __future__ import annotations

import os
import sys
import threading

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from models_registry.generation import responses_heartbeat, responses_reserve, responses_write  # noqa: E402
from models_registry.models import Response  # noqa: E402
from models_registry.services import generation_runs_reconcile, model_register  # noqa: E402
from prompts.models import Prompt, PromptSet  # noqa: E402

call_command("migrate", verbosity=0)
prompt_set = PromptSet.objects.create(name="claims")
model = model_register(name="m", base_url="http://127.0.0.1:9/v1", model_id="m")
ids = []
for i in range(40):
    prompt = Prompt.objects.create(
        prompt_set=prompt_set, external_id=str(i), level="safety", source="t", text=str(i)
    )
    ids.append(Response.objects.create(prompt=prompt, model=model, params_hash="h", request_hash="r").pk)
errors: list[str] = []


def claim(chunk: list[int], name: str) -> None:
    try:
        for _ in range(20):
            responses_write([(i, name) for i in responses_reserve(chunk, name)], [])
            responses_heartbeat(chunk, name)
            generation_runs_reconcile()
            Response.objects.filter(id__in=chunk).update(status="pending")
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()


threads = [threading.Thread(target=claim, args=(ids[i::4], f"task-{i}")) for i in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("errors:", errors)
sys.exit(1 if errors else 0)
