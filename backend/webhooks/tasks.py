from core.ops.retention import run
from core.tasks import task

from . import retention, services


@task("webhooks.deliver_webhook", formerly=["webhooks.tasks.deliver_webhook"],
      ignore_result=True)  # fmt: skip
def deliver_webhook(delivery_id: int) -> str:
    """One attempt of one webhook delivery; the attempt log is the delivery's own table."""
    return services.deliver(delivery_id=delivery_id)


@task("webhooks.redeliver_pending_webhooks",
      formerly=["webhooks.tasks.redeliver_pending_webhooks"], ignore_result=True)  # fmt: skip
def redeliver_pending_webhooks() -> int:
    """The outbox sweep for webhooks, run by Celery beat every OUTBOX_SWEEP_INTERVAL seconds:
    retries whose time has come and messages the broker lost."""
    return services.redeliver_pending()


@task("webhooks.delete_old_webhook_log")
def delete_old_webhook_log() -> int:
    return run(retention.delete_old_webhook_log)
