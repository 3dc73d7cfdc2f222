from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from webhooks.models import Endpoint
        from webhooks.selectors import subscriptions_forget

        # Every way an endpoint changes (pages, the Django admin, a shell) forgets the cached
        # subscriptions, so the next event reads them again.
        for signal in (post_save, post_delete):
            signal.connect(subscriptions_forget, sender=Endpoint, dispatch_uid=f"webhooks_forget_{signal}")
