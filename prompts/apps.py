from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromptsConfig(AppConfig):
    name = "prompts"
    verbose_name = _("Benchmark content")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_reference_data_seed, sender=self, dispatch_uid="valuelens_reference_data")


def _reference_data_seed(**kwargs: object) -> None:
    from prompts.services import reference_data_seed

    reference_data_seed()
