from celery import shared_task

from tasks.tasks import LOGIN_CODE_TASK_NAME, SMS_RETRY_OPTIONS

from . import delivery


# ignore_result: the delivery log records every state of the delivery (sending,
# retrying, sent, failed, stale) and answers GET /tasks/<id>/, so a success stores no
# task result; retries and unexpected failures still do
# (CELERY_TASK_STORE_ERRORS_EVEN_IF_IGNORED). This saves the worker two result-backend
# writes per SMS (STARTED and SUCCESS).
@shared_task(
    bind=True, name=LOGIN_CODE_TASK_NAME, acks_late=True, ignore_result=True, **SMS_RETRY_OPTIONS
)
def deliver_login_code(self, delivery_id: int) -> str:
    """Send the login-code SMS of one delivery; retried with backoff and jitter on
    transient provider errors. Returns the delivery's status, never the code."""
    final = self.request.retries >= self.max_retries
    return str(delivery.deliver_login_code(delivery_id=delivery_id, final_attempt=final))
