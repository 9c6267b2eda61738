"""Messages queued by the previous release carry its task names (tasks.tasks.*,
webhooks.tasks.*, project.retention.*): after an upgrade a worker still runs them, with
the same code as the new names."""

import pytest
from celery.contrib.testing.worker import start_worker

from auth_phone.services.codes import request_login_code
from auth_phone.tasks import deliver_login_code
from project.celery import app
from tasks.models import SmsDelivery
from tests.conftest import last_code
from tests.phones import phone_number
from tests.support.processes import wait_for

# The names the previous release's beat schedule and publishers used, with their new names.
PREVIOUS_NAMES = {
    "tasks.tasks.deliver_login_code": "auth_phone.deliver_login_code",
    "tasks.tasks.deliver_notice": "tasks.deliver_notice",
    "tasks.tasks.redeliver_pending_sms": "tasks.redeliver_pending_sms",
    "webhooks.tasks.deliver_webhook": "webhooks.deliver_webhook",
    "webhooks.tasks.redeliver_pending_webhooks": "webhooks.redeliver_pending_webhooks",
    "project.retention.delete_dead_login_codes": "auth_phone.delete_dead_login_codes",
    "project.retention.delete_unverified_users": "auth_phone.delete_unverified_users",
    "project.retention.anonymise_sms_log": "tasks.anonymise_sms_log",
}


def function(task):
    """The function the task was made from (Celery keeps it as `__wrapped__`; `run` may be
    wrapped by autoretry)."""
    wrapped = task.__wrapped__
    return getattr(wrapped, "__func__", wrapped)


@pytest.mark.parametrize(("old", "new"), PREVIOUS_NAMES.items())
def test_each_previous_name_runs_the_code_of_its_new_name(old, new):
    app.loader.import_default_modules()
    assert function(app.tasks[old]) is function(app.tasks[new])
    # The same options: retries, late acknowledgement, stored results.
    for option in ("max_retries", "acks_late", "ignore_result", "autoretry_for"):
        assert getattr(app.tasks[old], option, None) == getattr(app.tasks[new], option, None)


def test_the_schedule_names_only_new_names(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert not scheduled & set(PREVIOUS_NAMES)


@pytest.fixture
def worker(transactional_db, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False):
        yield


def test_a_login_code_queued_under_the_previous_name_is_delivered(worker, monkeypatch):
    phone = phone_number(1234567)
    # The code request as the previous release left it: rows committed, its message not
    # yet taken; the message is then published under the old name.
    with monkeypatch.context() as patch:
        patch.setattr(deliver_login_code, "apply_async", lambda *args, **kwargs: None)
        sent = request_login_code(phone=phone, client_ip="10.0.0.1")
    delivery = SmsDelivery.objects.get(task_id=sent.task_id)
    assert delivery.status == SmsDelivery.Status.QUEUED

    app.send_task("tasks.tasks.deliver_login_code", args=[delivery.pk], task_id=sent.task_id)

    wait_for(
        lambda: SmsDelivery.objects.filter(pk=delivery.pk, status="sent").exists(),
        30,
        "the SMS queued under the previous name to be sent",
    )
    assert len(last_code(phone)) == 4
