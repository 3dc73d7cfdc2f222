"""One link for every hidden prompt set: the multi-choice and judge links move into HiddenPromptSet,
and every set that carries evaluation's questions is marked hidden on the set itself."""

import django.db.models.deletion
from django.db import migrations, models

MULTI_CHOICE = "multi_choice"
JUDGE = "model_judge"


def links_merge(apps, schema_editor):
    HiddenPromptSet = apps.get_model("evaluation", "HiddenPromptSet")
    MultiChoicePromptSet = apps.get_model("evaluation", "MultiChoicePromptSet")
    JudgePromptSet = apps.get_model("evaluation", "JudgePromptSet")
    PromptSet = apps.get_model("prompts", "PromptSet")
    Prompt = apps.get_model("prompts", "Prompt")
    HiddenPromptSet.objects.bulk_create(
        [
            HiddenPromptSet(
                subject=MULTI_CHOICE,
                key=f"item_set={link.item_set_id}:variant={link.variant}",
                prompt_set_id=link.prompt_set_id,
            )
            for link in MultiChoicePromptSet.objects.order_by("pk")
        ]
        + [
            HiddenPromptSet(
                subject=JUDGE,
                key=f"campaign={link.campaign_id}:template={link.template_id}",
                prompt_set_id=link.prompt_set_id,
            )
            for link in JudgePromptSet.objects.order_by("pk")
        ]
    )
    # A judge set whose campaign was deleted lost its link (it cascaded) but kept its prompts.
    PromptSet.objects.filter(
        models.Q(pk__in=HiddenPromptSet.objects.values("prompt_set_id"))
        | models.Q(pk__in=Prompt.objects.filter(source__in=[MULTI_CHOICE, JUDGE]).values("prompt_set_id"))
    ).update(hidden=True)


def links_split(apps, schema_editor):
    HiddenPromptSet = apps.get_model("evaluation", "HiddenPromptSet")
    MultiChoicePromptSet = apps.get_model("evaluation", "MultiChoicePromptSet")
    JudgePromptSet = apps.get_model("evaluation", "JudgePromptSet")
    mc, judge = [], []
    for link in HiddenPromptSet.objects.order_by("pk"):
        fields = dict(part.split("=", 1) for part in link.key.split(":"))
        if link.subject == MULTI_CHOICE:
            mc.append(
                MultiChoicePromptSet(
                    item_set_id=int(fields["item_set"]),
                    variant=fields["variant"],
                    prompt_set_id=link.prompt_set_id,
                )
            )
        elif link.subject == JUDGE:
            judge.append(
                JudgePromptSet(
                    campaign_id=int(fields["campaign"]),
                    template_id=int(fields["template"]),
                    prompt_set_id=link.prompt_set_id,
                )
            )
    # Links still there (going back from this migration alone) stay as they are.
    MultiChoicePromptSet.objects.bulk_create(mc, ignore_conflicts=True)
    JudgePromptSet.objects.bulk_create(judge, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0008_export_csv_bom"),
        ("prompts", "0007_prompt_set_hidden"),
    ]

    operations = [
        migrations.CreateModel(
            name="HiddenPromptSet",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "subject",
                    models.CharField(
                        choices=[("multi_choice", "Multi-choice"), ("model_judge", "Model judges")],
                        max_length=32,
                    ),
                ),
                ("key", models.CharField(max_length=200)),
                (
                    "prompt_set",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="hidden_origin",
                        to="prompts.promptset",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("subject", "key"), name="hidden_prompt_set_unique_key")
                ],
            },
        ),
        migrations.RunPython(links_merge, links_split),
    ]
