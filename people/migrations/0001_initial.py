# The profile (pseudonym, expert domains, preferences) was annotation"s; its table keeps its name,
# so this takes the model over without touching a row. The content type follows the model, so that
# permissions and admin history point at people.annotatorprofile.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_to_people(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    if not content_types.objects.filter(app_label="people", model="annotatorprofile").exists():
        content_types.objects.filter(app_label="annotation", model="annotatorprofile").update(app_label="people")


def content_type_to_annotation(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.filter(app_label="people", model="annotatorprofile").update(app_label="annotation")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("annotation", "0019_annotatorprofile_moves_to_people"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("prompts", "0007_prompt_set_hidden"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AnnotatorProfile",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("pseudonym", models.CharField(help_text="Stable pseudonymous id used in exports instead of the username.", max_length=32, unique=True)),
                        ("language", models.CharField(blank=True, choices=[("en", "English"), ("zh-hans", "简体中文")], help_text="The interface language this person chose; empty: their browser's.", max_length=10)),
                        ("shortcuts", models.BooleanField(db_default=True, default=True, help_text="Single-key shortcuts on the judging page (off: only Enter in a field and Ctrl+Enter).")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("domains", models.ManyToManyField(blank=True, help_text="Domains this expert is qualified to rate.", related_name="experts", to="prompts.domain")),
                        ("user", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="annotator_profile", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "annotation_annotatorprofile",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_people, content_type_to_annotation),
    ]
