"""The delivery log in the admin: visible, filterable, searchable, read-only, code-free;
the task results beside it keep the task name and show only the delivery id."""

from urllib.parse import urlencode

import pytest
from django.test import Client
from django_celery_results.models import TaskResult

from profiles.services.users import create_user
from tasks.models import SmsDelivery
from tasks.sms import LocmemSender, SmsTransientError
from tests.conftest import admin_login
from tests.phones import ADMIN_TEST_NUMBERS, phone_number

CHANGELIST = "/admin/tasks/smsdelivery/"


@pytest.fixture
def staff_client(db):
    admin = create_user(phone=phone_number(1, code=999), is_staff=True, is_superuser=True)
    client = Client()
    admin_login(client, admin)
    return client


@pytest.fixture
def two_deliveries(api, request_code, settings, monkeypatch):
    """Two SMS; the first went out at the second attempt, so its task stored a result
    (a successful first attempt stores none: the delivery log has its state)."""
    settings.RATE_LIMITS_ENABLED = False
    send = LocmemSender.send
    failures = iter([SmsTransientError("provider timed out")])

    def flaky_send(self, *, phone, text):
        if phone == phone_number():
            for exc in failures:
                raise exc
        return send(self, phone=phone, text=text)

    monkeypatch.setattr(LocmemSender, "send", flaky_send)
    codes = [request_code(phone_number()), request_code(phone_number(5550000, code=921))]
    SmsDelivery.objects.filter(phone=phone_number(5550000, code=921)).update(
        status=SmsDelivery.Status.FAILED
    )
    return codes


def rows(response) -> list[str]:
    return [d.phone for d in response.context["cl"].result_list]


def test_changelist_lists_every_delivery_without_codes(staff_client, two_deliveries):
    response = staff_client.get(CHANGELIST)
    assert response.status_code == 200
    assert sorted(rows(response)) == [phone_number(), phone_number(5550000, code=921)]
    page = response.content.decode()
    for column in ("Phone", "Backend", "Status", "Attempts", "Sent at", "Provider message id"):
        assert column in page
    for code in two_deliveries:
        assert f">{code}<" not in page and f"code: {code}" not in page


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status__exact=failed", [phone_number(5550000, code=921)]),
        ("status__exact=sent", [phone_number()]),
        ("backend__exact=locmem", [phone_number(), phone_number(5550000, code=921)]),
        ("backend__exact=smsaero", []),
        ("q=79215", [phone_number(5550000, code=921)]),
    ],
)
def test_filters_and_search(staff_client, two_deliveries, query, expected):
    response = staff_client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    assert sorted(rows(response)) == expected


def test_search_by_task_id_and_date_filter(staff_client, two_deliveries):
    delivery = SmsDelivery.objects.get(phone=phone_number())
    assert rows(staff_client.get(f"{CHANGELIST}?q={delivery.task_id}")) == [delivery.phone]
    since = urlencode({"created_at__gte": f"{delivery.created_at:%Y-%m-%d} 00:00:00+00:00"})
    assert len(rows(staff_client.get(f"{CHANGELIST}?{since}"))) == 2
    later = urlencode({"created_at__gte": f"{delivery.created_at.year + 1}-01-01 00:00:00+00:00"})
    assert rows(staff_client.get(f"{CHANGELIST}?{later}")) == []


def test_the_log_is_read_only(staff_client, two_deliveries):
    delivery = SmsDelivery.objects.get(phone=phone_number())
    detail = staff_client.get(f"{CHANGELIST}{delivery.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert staff_client.get(f"{CHANGELIST}add/").status_code == 403
    assert (
        staff_client.post(f"{CHANGELIST}{delivery.pk}/change/", {"status": "queued"}).status_code
        == 403
    )
    assert (
        staff_client.post(f"{CHANGELIST}{delivery.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    delivery.refresh_from_db()
    assert delivery.status == SmsDelivery.Status.SENT


def test_each_delivery_links_to_its_task_result(staff_client, two_deliveries):
    delivery = SmsDelivery.objects.get(phone=phone_number())
    page = staff_client.get(CHANGELIST).content.decode()
    link = f"/admin/django_celery_results/taskresult/?task_id={delivery.task_id}"
    assert link in page
    results = staff_client.get(link)
    assert results.status_code == 200
    assert [r.task_id for r in results.context["cl"].result_list] == [delivery.task_id]


def test_task_results_show_the_name_and_the_delivery_id_only(staff_client, two_deliveries):
    delivery = SmsDelivery.objects.get(phone=phone_number())
    row = TaskResult.objects.get(task_id=delivery.task_id)
    page = staff_client.get(f"/admin/django_celery_results/taskresult/{row.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "auth_phone.deliver_login_code" in text
    # JSON of the arguments: a list when run eagerly, the worker's repr otherwise.
    assert row.task_args in (f"[{delivery.pk}]", f'"({delivery.pk},)"')
    for code in two_deliveries:
        assert code not in " ".join(filter(None, [row.task_args, row.task_kwargs, row.result]))


def test_people_who_are_not_staff_are_sent_to_the_login_page(db):
    user = create_user(phone=phone_number(2, code=999))
    client = Client()
    client.force_login(user)
    response = client.get(CHANGELIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_log_lists_the_test_numbers_without_their_codes(staff_client, settings):
    settings.SMS_TEST_NUMBERS = dict(zip(ADMIN_TEST_NUMBERS, ("4821", "1397"), strict=True))
    page = staff_client.get(CHANGELIST).content.decode()
    assert all(number in page for number in ADMIN_TEST_NUMBERS)
    assert "4821" not in page and "1397" not in page
    assert "scenario" in page  # the column and the filter
