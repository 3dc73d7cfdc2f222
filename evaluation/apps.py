from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self) -> None:
        # Model judges register their snapshot figures with the figures subject.
        from evaluation.judges import selectors  # noqa: F401
