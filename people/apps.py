from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = _("People and roles")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from people import checks  # noqa: F401 (registers the settings checks)

        # No sender: permissions of apps migrated after this one must exist first.
        post_migrate.connect(_roles_sync_after_migrate, dispatch_uid="valuelens_roles_sync")
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_preferences_restore, dispatch_uid="valuelens_preferences_restore")


def _roles_sync_after_migrate(**kwargs: object) -> None:
    from people.services import roles_sync

    roles_sync()


def _preferences_restore(sender: object, request: object, user: object, **kwargs: object) -> None:
    """A person's own language and shortcut choice follow them to every device they sign in on."""
    from common.middleware import SESSION_LANGUAGE_KEY
    from people.services import SESSION_SHORTCUTS_OFF, user_preferences_get

    session = getattr(request, "session", None)
    if session is None:
        return
    language, shortcuts = user_preferences_get(user=user)  # type: ignore[arg-type]
    if language:
        session[SESSION_LANGUAGE_KEY] = language
    if not shortcuts:
        session[SESSION_SHORTCUTS_OFF] = True
