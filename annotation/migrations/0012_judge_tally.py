import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count


def tallies_count(apps, schema_editor):
    """Each person's judgements per campaign, as the submit keeps them from now on."""
    Judgement = apps.get_model("annotation", "Judgement")
    JudgeTally = apps.get_model("annotation", "JudgeTally")
    rows = Judgement.objects.values("campaign_id", "user_id").annotate(n=Count("id")).order_by()
    JudgeTally.objects.bulk_create(
        (JudgeTally(campaign_id=r["campaign_id"], user_id=r["user_id"], judged=r["n"]) for r in rows.iterator()),
        batch_size=5000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("annotation", "0011_hot_path_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="JudgeTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("judged", models.PositiveIntegerField(default=0)),
                (
                    "campaign",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="annotation.campaign",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("campaign", "user"), name="judge_tally_unique")],
            },
        ),
        migrations.RunPython(tallies_count, migrations.RunPython.noop),
    ]
