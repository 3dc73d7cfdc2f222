from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModelsRegistryConfig(AppConfig):
    name = "models_registry"
    verbose_name = _("Models under test")

    def ready(self) -> None:
        from celery.signals import after_setup_logger, after_setup_task_logger

        from models_registry.log_redaction import celery_handlers_redact

        # A worker sets up its logging after Django's (its handlers replace LOGGING's on the root).
        for signal in (after_setup_logger, after_setup_task_logger):
            signal.connect(celery_handlers_redact, weak=False, dispatch_uid="valuelens_redact_keys")
