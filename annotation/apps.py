from django.apps import AppConfig


class AnnotationConfig(AppConfig):
    name = "annotation"
    verbose_name = "People and annotation"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # No sender: permissions of apps migrated after this one must exist first.
        post_migrate.connect(_roles_sync_after_migrate, dispatch_uid="valuelens_roles_sync")
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_language_restore, dispatch_uid="valuelens_language_restore")


def _roles_sync_after_migrate(**kwargs: object) -> None:
    from annotation.services import roles_sync

    roles_sync()


def _language_restore(sender: object, request: object, user: object, **kwargs: object) -> None:
    """A person's own language follows them to every device they sign in on."""
    from annotation.services import user_language_get
    from config.middleware import SESSION_LANGUAGE_KEY

    session = getattr(request, "session", None)
    language = user_language_get(user=user)  # type: ignore[arg-type]
    if session is not None and language:
        session[SESSION_LANGUAGE_KEY] = language
