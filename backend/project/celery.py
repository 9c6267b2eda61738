"""The Celery application `project`; configuration lives in Django settings (CELERY_*)."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

app = Celery("project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def serve_worker_metrics(**_) -> None:
    """The worker's own counters (SMS sent, failed, retried) on WORKER_METRICS_PORT, for
    Prometheus on the internal network; the worker is one process (threads pool)."""
    from django.conf import settings
    from prometheus_client import start_http_server

    if settings.WORKER_METRICS_PORT:
        start_http_server(settings.WORKER_METRICS_PORT)
