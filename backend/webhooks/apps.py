from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from .models import WebhookEndpoint
        from .services import subscriptions

        # This process reads the subscriptions again after any change it makes.
        for signal in (post_save, post_delete):
            signal.connect(subscriptions.clear, sender=WebhookEndpoint, weak=False)
