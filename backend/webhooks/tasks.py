from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def deliver_webhook(delivery_id: int) -> str:
    """One attempt of one webhook delivery; the attempt log is the delivery's own table."""
    return services.deliver(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def redeliver_pending_webhooks() -> int:
    """The outbox sweep for webhooks, run by Celery beat every OUTBOX_SWEEP_INTERVAL seconds:
    retries whose time has come and messages the broker lost."""
    return services.redeliver_pending()
