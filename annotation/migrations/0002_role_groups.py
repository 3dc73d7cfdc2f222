from django.db import migrations

ROLES = ["crowdworker", "expert", "reviewer", "admin"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    # Permissions are granted to these groups after every migrate (annotation.services.roles_sync),
    # so that models added by later migrations are covered too.
    dependencies = [("annotation", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
