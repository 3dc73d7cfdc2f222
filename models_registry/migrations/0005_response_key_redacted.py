import os

from django.db import migrations, models
from django.db.models.functions import Replace

# As in models_registry.providers, frozen here: a migration must not change when that module does.
API_KEY_ENV_PREFIX = "VALUELENS_KEY_"
KEY_MARK = "[key]"
KEY_MIN_CHARS = 8


def redact_stored_keys(apps, schema_editor):
    """Answers and errors stored before redaction that repeat their model's key, as far as this
    process can read the keys (migrate where the workers' VALUELENS_KEY_ variables are set)."""
    RegisteredModel = apps.get_model("models_registry", "RegisteredModel")
    Response = apps.get_model("models_registry", "Response")
    for model in RegisteredModel.objects.exclude(api_key_env="").filter(api_key_env__startswith=API_KEY_ENV_PREFIX):
        key = os.environ.get(model.api_key_env, "")
        if len(key) < KEY_MIN_CHARS:
            continue
        for field in ("text", "error"):
            Response.objects.filter(model=model, **{f"{field}__contains": key}).update(
                **{field: Replace(field, models.Value(key), models.Value(KEY_MARK))}, key_redacted=True
            )


class Migration(migrations.Migration):
    dependencies = [
        ("models_registry", "0004_generation_run_preparing"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="key_redacted",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.RunPython(redact_stored_keys, migrations.RunPython.noop),
    ]
