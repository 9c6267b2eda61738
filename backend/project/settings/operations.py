"""Housekeeping, metrics, request ids and logs."""

from django_guid.integrations import CeleryIntegration

from .base import DEBUG, env

# --- Housekeeping (celery beat; core/ops/retention.py) -------------------------------------
# Accounts created by a code request and never verified are deleted after this many days.
UNVERIFIED_USER_TTL = env.int("UNVERIFIED_USER_TTL", default=7)
# SMS delivery-log rows keep the full phone number for this many days, then it is masked.
SMS_LOG_RETENTION_DAYS = env.int("SMS_LOG_RETENTION_DAYS", default=30)
# Finished webhook deliveries (with their attempts) and the events no pending delivery
# needs (the payloads, phones included) are deleted after this many days; 0 keeps them.
WEBHOOK_RETENTION_DAYS = env.int("WEBHOOK_RETENTION_DAYS", default=30)
# Rows handled per statement, and the time a job may spend before it stops for this run.
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=1000)
RETENTION_JOB_SECONDS = env.int("RETENTION_JOB_SECONDS", default=45)


# --- Metrics (core/ops/metrics.py) -----------------------------------------------------------
# GET /metrics answers callers from these networks, or with `Authorization: Bearer <token>`.
# Loopback only by default: a private network is not necessarily this service's own (other
# tenants, a VPN, the office); compose adds its own network's subnet (docker-compose.yml).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
# Port of the Celery worker's own metrics endpoint (0: none); see docs/operations.md.
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=0)


# --- Request ids and logs ---------------------------------------------------------------------
# X-Request-ID: taken from the proxy when it is a valid UUID (nginx's $request_id is),
# otherwise generated; returned on every answer and carried into the tasks a request queues.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": True,
    # Publishing a task copies the id into its headers; the worker sets it while the task
    # runs (a task nobody requested, e.g. from beat, gets its own). The worker logs with
    # this LOGGING configuration too.
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True)],
}
# json: one JSON object per line (production); plain: human-readable (development).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
CELERY_TASK_LOG_LINES = env.bool("CELERY_TASK_LOG_LINES", default=False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {
            "()": "django_guid.log_filters.CorrelationId",
            "correlation_id_field": "request_id",
        },
        "mask_phones": {"()": "core.ops.logs.MaskPhones"},
        "quiet_dev_inbox": {"()": "core.ops.log_filters.QuietDevInboxPolls"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id", "mask_phones"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # The UI polls the development inbox until the SMS arrives: those 404s are expected.
        "django.request": {"filters": ["quiet_dev_inbox"]},
        # Its INFO lines repeat every request id: noise.
        "django_guid": {"level": "WARNING"},
        # Celery's two INFO lines per task ("received", "succeeded in ..."): off unless
        # CELERY_TASK_LOG_LINES (decision 42). The delivery log records every state of an
        # SMS; failures and retries are still logged (WARNING, ERROR).
        **{
            name: {"level": "INFO" if CELERY_TASK_LOG_LINES else "WARNING"}
            for name in ("celery.worker.strategy", "celery.app.trace")
        },
    },
}
