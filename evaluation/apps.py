from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = "Evaluation"

    def ready(self) -> None:
        # Model judges register their snapshot figures with the figures subject.
        from evaluation.judges import selectors  # noqa: F401
