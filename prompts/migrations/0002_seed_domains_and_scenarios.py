from django.db import migrations

from prompts.seed import CVALUES_DOMAINS, CVALUES_SCENARIOS, UNVERIFIED


def seed(apps, schema_editor):
    Domain = apps.get_model("prompts", "Domain")
    Scenario = apps.get_model("prompts", "Scenario")
    for slug, name_en, name_zh in CVALUES_DOMAINS:
        Domain.objects.get_or_create(slug=slug, defaults={"name_en": name_en, "name_zh": name_zh})
    for slug, name_en, name_zh in CVALUES_SCENARIOS:
        Scenario.objects.get_or_create(
            slug=slug, defaults={"name_en": name_en, "name_zh": name_zh, "description": UNVERIFIED}
        )


class Migration(migrations.Migration):
    dependencies = [("prompts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
