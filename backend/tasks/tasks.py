from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from . import services
from .sms import SmsTransientError

# The registered name of the login-code task (auth_phone.tasks): kept from when it lived
# here, so that messages queued before a deploy still find it; the status API names it.
LOGIN_CODE_TASK_NAME = "tasks.tasks.deliver_login_code"


def retry_countdown(retries: int) -> float:
    """Seconds before the next attempt of an SMS: exponential backoff with full jitter."""
    return get_exponential_backoff_interval(
        factor=settings.SMS_RETRY_BACKOFF,
        retries=retries,
        maximum=settings.SMS_RETRY_BACKOFF_MAX,
        full_jitter=True,
    )


@shared_task(bind=True, acks_late=True, max_retries=settings.SMS_MAX_RETRIES)
def deliver_notice(self, delivery_id: int, notice: str) -> str:
    """Send a notice SMS without any code (e.g. to the old number after a phone change);
    retried like the login-code task. Returns the delivery's status."""
    final = self.request.retries >= self.max_retries
    try:
        return str(
            services.deliver_notice(delivery_id=delivery_id, notice=notice, final_attempt=final)
        )
    except SmsTransientError as exc:
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from None


@shared_task(ignore_result=True)
def redeliver_pending_sms() -> int:
    """The outbox sweep for SMS, run by Celery beat every OUTBOX_SWEEP_INTERVAL seconds."""
    return services.redeliver_pending_sms()
