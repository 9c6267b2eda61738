"""A code request, its SMS and a login on the zero-setup SQLite database (`make run`):
the services' statements and profiles/queries.py work there as on PostgreSQL."""

from tests.conftest import run_without_redis
from tests.phones import phone_number

LOGIN_ON_SQLITE = """
import django
django.setup()
import os
PHONE = os.environ["TEST_PHONE"]
from datetime import timedelta
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from auth_phone import codes
from auth_phone.models import LoginCode, Session
from profiles.models import User
from profiles.services.users import create_user

call_command("migrate", verbosity=0)
assert connection.vendor == "sqlite"
user = create_user(phone=PHONE)
row = LoginCode.objects.create(user=user, expires_at=timezone.now() + timedelta(minutes=5))
code = codes.store_code(login_code_id=row.pk, nonce=row.nonce, user_id=user.pk)
client = Client(HTTP_HOST="localhost")
wrong = "0000" if code != "0000" else "1111"
answer = client.post("/users/login/", {"phone": user.phone, "password": wrong},
                     content_type="application/json")
assert answer.status_code == 400 and answer.json()["code"] == "invalid_code", answer.content
answer = client.post("/users/login/", {"phone": user.phone, "password": code},
                     content_type="application/json")
assert answer.status_code == 200, answer.content
assert sorted(answer.json()) == ["access", "refresh", "user_id"]
user.refresh_from_db()
row.refresh_from_db()
assert user.last_login == user.phone_verified_at == row.used_at is not None
assert row.attempts == 1
session = Session.objects.get()
assert session.user_id == user.pk and session.revoked_at is None
assert session.expires_at > timezone.now()
refreshed = client.post("/users/token/refresh/", {"refresh": answer.json()["refresh"]},
                        content_type="application/json")
assert refreshed.status_code == 200, refreshed.content
session.refresh_from_db()
assert session.last_used_at is not None
print("ok")
"""


CODE_REQUEST_ON_SQLITE = """
import django
django.setup()
import os
PHONE = os.environ["TEST_PHONE"]
from django.core.management import call_command
from django.db import connection
from django.test import Client
from auth_phone.models import LoginCode
from profiles.models import User
from tasks.models import SmsDelivery

call_command("migrate", verbosity=0)
assert connection.vendor == "sqlite"
client = Client(HTTP_HOST="localhost")
first = client.post("/auth/sms/", {"phone": PHONE}, content_type="application/json")
assert first.status_code == 201, first.content
again = client.post("/auth/sms/", {"phone": PHONE}, content_type="application/json")
assert again.status_code == 200, again.content
user = User.objects.get()
assert user.phone == PHONE and user.invite_code and not user.has_usable_password()
code = LoginCode.objects.get()  # the second request replaced the first code
assert code.user_id == user.pk and code.used_at is None and code.created_at
assert SmsDelivery.objects.count() == 2
latest = SmsDelivery.objects.latest("pk")
assert latest.login_code_id == code.pk
# Without a broker the task ran at once (the worker's statements, on SQLite); run again,
# it finds the delivery sent and sends nothing.
from auth_phone import codes
from auth_phone.services.delivery import deliver_login_code
from tasks.sms import LocmemSender, code_in_text
assert deliver_login_code(delivery_id=latest.pk) == "sent"
assert len(LocmemSender.outbox) == 2
latest.refresh_from_db()
code.refresh_from_db()
assert (latest.status, latest.attempts, latest.sent_at) == ("sent", 1, latest.updated_at)
assert codes.code_matches(code, code_in_text(LocmemSender.outbox[-1]["text"]))
print("ok")
"""


def run_on_sqlite(tmp_path, script: str, **env: str) -> None:
    """`script` against a new SQLite database (the zero-setup run); it prints "ok"."""
    done = run_without_redis(
        script,
        cwd=tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        APP_VAR_DIR=str(tmp_path / "var"),
        DJANGO_ALLOWED_HOSTS="localhost",
        TEST_PHONE=phone_number(),
        **env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")


def test_a_login_works_on_the_zero_setup_sqlite_database(tmp_path):
    run_on_sqlite(tmp_path, LOGIN_ON_SQLITE)


def test_a_code_request_works_on_the_zero_setup_sqlite_database(tmp_path):
    run_on_sqlite(
        tmp_path, CODE_REQUEST_ON_SQLITE, RATE_LIMITS_ENABLED="false", SMS_BACKEND="locmem"
    )
