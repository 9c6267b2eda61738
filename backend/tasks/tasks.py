from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from . import services
from .sms import SmsTransientError


# ignore_result: the delivery log records every state of the delivery (sending,
# retrying, sent, failed, stale) and answers GET /tasks/<id>/, so a success stores no
# task result; retries and unexpected failures still do
# (CELERY_TASK_STORE_ERRORS_EVEN_IF_IGNORED). This saves the worker two result-backend
# writes per SMS (STARTED and SUCCESS).
@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=settings.SMS_MAX_RETRIES)
def deliver_login_code(self, delivery_id: int) -> str:
    """Send the login-code SMS of one delivery; retried with backoff and jitter on
    transient provider errors. Returns the delivery's status, never the code."""
    final = self.request.retries >= self.max_retries
    try:
        return str(services.deliver_login_code(delivery_id=delivery_id, final_attempt=final))
    except SmsTransientError as exc:
        countdown = get_exponential_backoff_interval(
            factor=settings.SMS_RETRY_BACKOFF,
            retries=self.request.retries,
            maximum=settings.SMS_RETRY_BACKOFF_MAX,
            full_jitter=True,
        )
        raise self.retry(exc=exc, countdown=countdown) from None


@shared_task(bind=True, acks_late=True, max_retries=settings.SMS_MAX_RETRIES)
def deliver_notice(self, delivery_id: int, notice: str) -> str:
    """Send a notice SMS without any code (e.g. to the old number after a phone change);
    retried like deliver_login_code. Returns the delivery's status."""
    final = self.request.retries >= self.max_retries
    try:
        return str(
            services.deliver_notice(delivery_id=delivery_id, notice=notice, final_attempt=final)
        )
    except SmsTransientError as exc:
        countdown = get_exponential_backoff_interval(
            factor=settings.SMS_RETRY_BACKOFF,
            retries=self.request.retries,
            maximum=settings.SMS_RETRY_BACKOFF_MAX,
            full_jitter=True,
        )
        raise self.retry(exc=exc, countdown=countdown) from None


@shared_task(ignore_result=True)
def redeliver_pending_sms() -> int:
    """The outbox sweep for SMS, run by Celery beat every OUTBOX_SWEEP_INTERVAL seconds."""
    return services.redeliver_pending_sms()
