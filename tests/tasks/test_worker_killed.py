"""A worker killed with SIGKILL in the middle of a delivery: the task is not lost.

Late acknowledgement keeps the message in Redis until the task finishes; once the
visibility timeout has passed, another worker gets it again and delivers the SMS.
"""

import signal

import pytest

from tasks import sms
from tasks.models import SmsDelivery
from tests.conftest import CODE_RE
from tests.phones import phone_number
from tests.support.processes import child_env, start_worker, stop, wait_for

pytestmark = pytest.mark.process  # starts other processes

PHONE = phone_number()
SEND_SECONDS = 4  # the simulated sender's delay: long enough to kill the worker mid-send
VISIBILITY_TIMEOUT = 8  # shortened for the test; above SEND_SECONDS, below the code's life


def delivery_status(delivery_id: int) -> str:
    return SmsDelivery.objects.get(pk=delivery_id).status


@pytest.mark.timeout(180)
def test_a_task_whose_worker_was_killed_is_delivered_by_the_next_worker(
    live_api, settings, tmp_path
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # this process only publishes
    env = child_env(
        SMS_BACKEND="simulated",
        SMS_DELAY_MIN=str(SEND_SECONDS),
        SMS_DELAY_MAX=str(SEND_SECONDS),
        SMS_DEV_INBOX="true",
        DJANGO_DEBUG="true",
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
    )
    log = tmp_path / "workers.log"
    first = start_worker("first", env, log)
    second = None
    try:
        response = live_api.post("/auth/sms/", {"phone": PHONE}, format="json")
        assert response.status_code == 201
        delivery = SmsDelivery.objects.get(task_id=response.json()["task_id"])

        wait_for(
            lambda: delivery_status(delivery.pk) == SmsDelivery.Status.SENDING,
            60,
            f"the first worker to start sending (log: {log})",
        )
        first.send_signal(signal.SIGKILL)
        first.wait()

        delivery.refresh_from_db()
        assert delivery.status == SmsDelivery.Status.SENDING  # killed mid-send:
        assert delivery.attempts == 1 and delivery.sent_at is None
        assert sms.read_dev_inbox(PHONE) is None  # nothing went out

        second = start_worker("second", env, log)
        wait_for(
            lambda: delivery_status(delivery.pk) == SmsDelivery.Status.SENT,
            120,
            f"the second worker to deliver the SMS (log: {log})",
        )
    finally:
        stop(first, signal.SIGKILL)
        if second is not None:
            stop(second)

    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.sent_at is not None and delivery.error == ""
    message = sms.read_dev_inbox(PHONE)
    assert message is not None and message["message_id"] == delivery.provider_message_id
    code = CODE_RE.search(message["text"]).group(1)
    login = live_api.post("/users/login/", {"phone": PHONE, "password": code}, format="json")
    assert login.status_code == 200, login.content
