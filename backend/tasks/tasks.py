from django.conf import settings

from core.ops.retention import run
from core.tasks import task

from . import retention, services
from .sms import SmsTransientError

# How an SMS task retries a transient provider error (SmsTransientError): Celery's own
# autoretry, exponential backoff with full jitter, capped. With SMS_RETRY_BACKOFF=0 a retry
# comes at once (default_retry_delay), as Celery's backoff is off then.
SMS_RETRY_OPTIONS = {
    "autoretry_for": (SmsTransientError,),
    "max_retries": settings.SMS_MAX_RETRIES,
    "retry_backoff": settings.SMS_RETRY_BACKOFF,
    "retry_backoff_max": settings.SMS_RETRY_BACKOFF_MAX,
    "retry_jitter": True,
    "default_retry_delay": settings.SMS_RETRY_BACKOFF,
}


@task("tasks.deliver_notice", formerly=["tasks.tasks.deliver_notice"], bind=True,
      acks_late=True, **SMS_RETRY_OPTIONS)  # fmt: skip
def deliver_notice(self, delivery_id: int, notice: str) -> str:
    """Send a notice SMS without any code (e.g. to the old number after a phone change);
    retried like the login-code task. Returns the delivery's status."""
    final = self.request.retries >= self.max_retries
    return str(services.deliver_notice(delivery_id=delivery_id, notice=notice, final_attempt=final))


@task("tasks.redeliver_pending_sms", formerly=["tasks.tasks.redeliver_pending_sms"],
      ignore_result=True)  # fmt: skip
def redeliver_pending_sms() -> int:
    """The outbox sweep for SMS, run by Celery beat every OUTBOX_SWEEP_INTERVAL seconds."""
    return services.redeliver_pending_sms()


@task("tasks.poll_sms_receipts", ignore_result=True)
def poll_sms_receipts() -> int:
    """Ask the providers about sent SMS whose receipt check is due (maintenance queue), run
    by Celery beat every OUTBOX_SWEEP_INTERVAL seconds."""
    return services.poll_receipts()


@task("tasks.anonymise_sms_log", formerly=["project.retention.anonymise_sms_log"])
def anonymise_sms_log() -> int:
    return run(retention.anonymise_sms_log)
