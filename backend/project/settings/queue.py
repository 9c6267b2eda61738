"""Celery: the worker, results, the beat schedule, the outbox sweeps."""

from datetime import timedelta

from kombu import Queue

from .base import env

# --- Outbox: SMS deliveries and webhook events written with the change that causes them ---
# A pending row not handled this many seconds after it was published is published again.
OUTBOX_REDELIVER_AFTER = env.int("OUTBOX_REDELIVER_AFTER", default=30)
OUTBOX_SWEEP_INTERVAL = env.int("OUTBOX_SWEEP_INTERVAL", default=10)

# --- Celery -----------------------------------------------------------------------------
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True  # keeps the task name; arguments are ids only
# The SMS task keeps its state in the delivery log and stores no result on success
# (ignore_result): only its retries and failures reach the result backend.
CELERY_TASK_STORE_ERRORS_EVEN_IF_IGNORED = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a killed worker's task goes back to the queue
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Task events (a broker message per sent, received, started and finished task) only
# serve live monitoring: off by default, on with CELERY_TASK_EVENTS=true. Flower switches
# a running worker's events on by itself (`enable_events`).
_task_events = env.bool("CELERY_TASK_EVENTS", default=False)
CELERY_TASK_SEND_SENT_EVENT = _task_events
CELERY_WORKER_SEND_TASK_EVENTS = _task_events
CELERY_WORKER_POOL = env.str("CELERY_WORKER_POOL", default="threads")
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=32)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Named queues, so that a slow kind of work never waits in front of a login code: `sms`
# (login codes, phone-change codes, notices), `webhooks` (deliveries to receivers), and
# `maintenance` (outbox sweeps, retention, receipts; every task not routed by name). A
# worker started without -Q consumes all of them; docker-compose.yml runs `sms` on its own
# workers. `celery` is the one queue of the previous release: its messages still run.
CELERY_TASK_QUEUES = [Queue(name) for name in ("sms", "webhooks", "maintenance", "celery")]
CELERY_TASK_DEFAULT_QUEUE = "maintenance"
CELERY_TASK_ROUTES = {
    name: {"queue": queue}
    for queue, names in {
        "sms": [
            "auth_phone.deliver_login_code",
            "tasks.deliver_notice",
            "tasks.tasks.deliver_login_code",  # the previous release's names
            "tasks.tasks.deliver_notice",
        ],
        "webhooks": ["webhooks.deliver_webhook", "webhooks.tasks.deliver_webhook"],
    }.items()
    for name in names
}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Eager mode (tests, one-process runs) must follow retries the way a worker does;
# with propagation on, Celery raises the Retry to the caller instead.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_STORE_EAGER_RESULT = True
# Publishing must fail fast so that a dead broker becomes a 503, not a hung request.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Limits of one task run: the soft one raises SoftTimeLimitExceeded inside the task, the
# hard one ends it. Celery enforces them with the prefork pool; with the threads pool
# (the default here) every outbound call carries its own timeout instead, and the
# housekeeping jobs stop between batches when their time is up (RETENTION_JOB_SECONDS).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
# Task results (the status API reads them) are deleted after this many seconds by the
# `celery.backend_cleanup` job below.
CELERY_RESULT_EXPIRES = env.int("CELERY_RESULT_EXPIRES", default=86400)
# Housekeeping run by `celery beat` (one beat process per deployment). One entry per job,
# so that further jobs are added as further keys.
CELERY_BEAT_SCHEDULE = {
    "outbox-sms": {
        "task": "tasks.redeliver_pending_sms",
        "schedule": OUTBOX_SWEEP_INTERVAL,
    },
    "sms-receipts": {
        "task": "tasks.poll_sms_receipts",
        "schedule": OUTBOX_SWEEP_INTERVAL,
    },
    "outbox-webhooks": {
        "task": "webhooks.redeliver_pending_webhooks",
        "schedule": OUTBOX_SWEEP_INTERVAL,
    },
    "clean-task-results": {
        "task": "celery.backend_cleanup",
        "schedule": timedelta(hours=1),
    },
    "delete-dead-login-codes": {
        "task": "auth_phone.delete_dead_login_codes",
        "schedule": timedelta(minutes=15),
    },
    "delete-dead-sessions": {
        "task": "auth_phone.delete_dead_sessions",
        "schedule": timedelta(hours=6),
    },
    "retire-signing-keys": {
        "task": "auth_phone.retire_signing_keys",
        "schedule": timedelta(hours=1),
    },
    "delete-unverified-users": {
        "task": "auth_phone.delete_unverified_users",
        "schedule": timedelta(hours=1),
    },
    "anonymise-sms-log": {
        "task": "tasks.anonymise_sms_log",
        "schedule": timedelta(hours=1),
    },
    "delete-old-webhook-log": {
        "task": "webhooks.delete_old_webhook_log",
        "schedule": timedelta(hours=1),
    },
}
