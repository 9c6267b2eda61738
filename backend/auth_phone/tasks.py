from core.ops.retention import run
from core.tasks import task
from tasks.tasks import SMS_RETRY_OPTIONS

from . import retention
from .services import delivery, signing_keys

# The login-code task's name; the task status API (GET /tasks/<id>/) answers it.
LOGIN_CODE_TASK_NAME = "auth_phone.deliver_login_code"


# ignore_result: the delivery log records every state of the delivery (sending,
# retrying, sent, failed, stale) and answers GET /tasks/<id>/, so a success stores no
# task result; retries and unexpected failures still do
# (CELERY_TASK_STORE_ERRORS_EVEN_IF_IGNORED). This saves the worker two result-backend
# writes per SMS (STARTED and SUCCESS).
@task(LOGIN_CODE_TASK_NAME, formerly=["tasks.tasks.deliver_login_code"], bind=True,
      acks_late=True, ignore_result=True, **SMS_RETRY_OPTIONS)  # fmt: skip
def deliver_login_code(self, delivery_id: int) -> str:
    """Send the login-code SMS of one delivery; retried with backoff and jitter on
    transient provider errors. Returns the delivery's status, never the code."""
    final = self.request.retries >= self.max_retries
    return str(delivery.deliver_login_code(delivery_id=delivery_id, final_attempt=final))


@task("auth_phone.delete_dead_login_codes", formerly=["project.retention.delete_dead_login_codes"])
def delete_dead_login_codes() -> int:
    return run(retention.delete_dead_login_codes)


# Also under the names of the jobs it replaces: token families became sessions, and
# simplejwt's outstanding-token table (flush_expired_tokens) is gone, so a message the
# previous release's beat queued under any of them does this job's work instead.
@task("auth_phone.delete_dead_sessions",
      formerly=["auth_phone.delete_dead_token_families",
                "project.retention.delete_dead_token_families",
                "auth_phone.flush_expired_tokens",
                "project.retention.flush_expired_tokens"])  # fmt: skip
def delete_dead_sessions() -> int:
    return run(retention.delete_dead_sessions)


@task("auth_phone.delete_unverified_users", formerly=["project.retention.delete_unverified_users"])
def delete_unverified_users() -> int:
    return run(retention.delete_unverified_users)


@task("auth_phone.retire_signing_keys")
def retire_signing_keys() -> int:
    """Delete the signing keys no live token can name; rotate the current one when it is
    older than JWT_KEY_ROTATION_DAYS."""
    return signing_keys.retire_signing_keys()
