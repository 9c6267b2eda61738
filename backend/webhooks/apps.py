from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from tasks.services import register_receipt_listener

        from .models import WebhookEndpoint
        from .services import emit_sms_receipt, subscriptions

        # The delivery app reports the final state of each SMS; it cannot import this app.
        register_receipt_listener(emit_sms_receipt)

        # This process reads the subscriptions again after any change it makes.
        for signal in (post_save, post_delete):
            signal.connect(subscriptions.clear, sender=WebhookEndpoint, weak=False)
