from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self) -> None:
        # Model judges and attacks register their snapshot figures with the figures subject.
        from evaluation.attacks import selectors as attack_selectors  # noqa: F401
        from evaluation.judges import selectors  # noqa: F401
