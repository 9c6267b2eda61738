from celery import shared_task
from django.conf import settings

from tasks.sms import SmsTransientError
from tasks.tasks import LOGIN_CODE_TASK_NAME, retry_countdown

from . import delivery


# ignore_result: the delivery log records every state of the delivery (sending,
# retrying, sent, failed, stale) and answers GET /tasks/<id>/, so a success stores no
# task result; retries and unexpected failures still do
# (CELERY_TASK_STORE_ERRORS_EVEN_IF_IGNORED). This saves the worker two result-backend
# writes per SMS (STARTED and SUCCESS).
@shared_task(
    bind=True,
    name=LOGIN_CODE_TASK_NAME,
    acks_late=True,
    ignore_result=True,
    max_retries=settings.SMS_MAX_RETRIES,
)
def deliver_login_code(self, delivery_id: int) -> str:
    """Send the login-code SMS of one delivery; retried with backoff and jitter on
    transient provider errors. Returns the delivery's status, never the code."""
    final = self.request.retries >= self.max_retries
    try:
        return str(delivery.deliver_login_code(delivery_id=delivery_id, final_attempt=final))
    except SmsTransientError as exc:
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from None
