from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0009_hidden_prompt_set"),
    ]

    operations = [
        migrations.DeleteModel(name="JudgePromptSet"),
        migrations.DeleteModel(name="MultiChoicePromptSet"),
    ]
