from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self) -> None:
        # Model judges, attacks, paired comparisons and rankings register their snapshot figures with the
        # figures subject; the paper bundle registers its export kind with the exports subject.
        from evaluation.attacks import selectors as attack_selectors  # noqa: F401
        from evaluation.bundles import services as bundle_services  # noqa: F401
        from evaluation.compare import selectors as compare_selectors  # noqa: F401

        # Model judging also adds its section to every campaign protocol frozen (judges.protocol)
        # and its prediction-powered scores to the results figures (judges.ppi).
        from evaluation.judges import ppi, protocol, selectors  # noqa: F401
        from evaluation.rankings import selectors as rankings_selectors  # noqa: F401
