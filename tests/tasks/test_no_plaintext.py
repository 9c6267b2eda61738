"""After a whole flow with a retried delivery, the code is found nowhere but in the SMS:
not in any database table (task results included), not in the logs, not in a response."""

import logging
import re

import pytest
from django.apps import apps

from auth_phone import codes
from tests.phones import phone_number
from tests.support.smsaero_stub import SmsAeroStub

PHONE = phone_number()
CODE = "7391"  # fixed so that the search below has no chance of a false alarm
CODE_RE = re.compile(rf"(?<!\d){CODE}(?!\d)")


def database_text() -> str:
    """Every value of every row of every table, as text."""
    chunks = []
    for model in apps.get_models():
        for row in model._base_manager.values_list():
            chunks.append(" ".join(str(value) for value in row))
    return "\n".join(chunks)


def test_code_search_finds_the_code_where_it_is():
    assert CODE_RE.search(f"Your login code: {CODE}.")
    assert not CODE_RE.search(f"1{CODE}2")


@pytest.mark.django_db
def test_the_code_appears_only_in_the_sms(api, settings, monkeypatch, caplog):
    monkeypatch.setattr(codes, "derive_code", lambda **kwargs: CODE)
    caplog.set_level(logging.DEBUG)
    with SmsAeroStub() as stub:
        settings.SMS_BACKEND = "smsaero"
        settings.SMSAERO_API_URL = stub.url
        settings.SMS_RETRY_BACKOFF = 0
        stub.script = [(503, {"success": False}), (200, {"success": True, "data": {"id": 5}})]
        responses = [api.post("/auth/sms/", {"phone": PHONE}, format="json")]
        task_id = responses[0].json()["task_id"]
        responses.append(api.get(f"/dev/sms/?phone={PHONE}"))
        responses.append(
            api.post("/users/login/", {"phone": PHONE, "password": CODE}, format="json")
        )

    # The flow really happened: a retry, then the SMS with the code, then a login.
    assert [r["json"]["text"] for r in stub.requests][-1].count(CODE) == 1
    assert len(stub.requests) == 2
    assert [r.status_code for r in responses] == [201, 404, 200]

    from django_celery_results.models import TaskResult

    result = TaskResult.objects.get(task_id=task_id)
    assert result.status == "SUCCESS" and result.result == '"sent"'

    assert not CODE_RE.search(database_text())
    for response in responses:
        assert not CODE_RE.search(response.content.decode())
    log_text = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert "retrying" in log_text  # the retry was logged ...
    assert not CODE_RE.search(log_text)  # ... without the code
