from django.apps import AppConfig


class AnnotationConfig(AppConfig):
    name = "annotation"
    verbose_name = "People and annotation"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # No sender: permissions of apps migrated after this one must exist first.
        post_migrate.connect(_roles_sync_after_migrate, dispatch_uid="valuelens_roles_sync")


def _roles_sync_after_migrate(**kwargs: object) -> None:
    from annotation.services import roles_sync

    roles_sync()
