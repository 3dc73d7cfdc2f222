# The profile moved to the people app: only Django's picture of the models changes here, the table
# (annotation_annotatorprofile) and its rows stay where they are (people 0001 takes them over).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("annotation", "0018_campaign_kind_is_the_prompt_level"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AnnotatorProfile")],
            database_operations=[],
        ),
    ]
