"""Statements built once (core/sql.py) read and write what the ORM would, on
PostgreSQL and on the zero-setup SQLite database alike."""

import uuid
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auth_phone.models import LoginCode, Session
from core import sql
from profiles.models import User
from profiles.services.users import create_user
from tasks.models import SmsDelivery
from tests.conftest import run_without_redis
from webhooks.models import WebhookEndpoint


def fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_a_selected_row_is_the_instance_the_orm_reads(db):
    user = create_user(phone="+79111234567", email="a@example.com")
    code = LoginCode.objects.create(user=user, expires_at=timezone.now() + timedelta(minutes=5))
    got_user = sql.fetch_instance(User, sql.select(User, equal=["phone"]), [user.phone])
    got_code = sql.fetch_instance(
        LoginCode,
        sql.select(LoginCode, equal=["user", "purpose"], null=["used_at"]),
        [user.pk, "login"],
    )
    assert fields(got_user) == fields(User.objects.get(pk=user.pk))
    assert fields(got_code) == fields(LoginCode.objects.get(pk=code.pk))
    assert not got_user._state.adding and got_user._state.db == "default"  # saved as usual


def test_a_column_the_database_returns_in_another_form_is_converted(db):
    """A JSON column arrives as text and is decoded as the ORM decodes it."""
    endpoint = WebhookEndpoint.objects.create(
        url="https://example.com/hook", secret="s", events=["user.created", "*"]
    )
    got = sql.fetch_instance(
        WebhookEndpoint, sql.select(WebhookEndpoint, equal=["id"]), [endpoint.pk]
    )
    assert got.events == ["user.created", "*"]
    assert fields(got) == fields(WebhookEndpoint.objects.get(pk=endpoint.pk))


def test_no_row_is_none(db):
    assert sql.fetch_instance(User, sql.select(User, equal=["phone"]), ["+79111234567"]) is None


def test_the_writes_report_the_rows_they_changed(db):
    user = create_user(phone="+79111234567")
    now = timezone.now()
    text = sql.update(User, values=["last_login"], unless_set=["phone_verified_at"], equal=["id"])
    assert sql.execute(text, [now, now, user.pk]) == 1
    later = now + timedelta(hours=1)
    assert sql.execute(text, [later, later, user.pk]) == 1
    user.refresh_from_db()
    assert (user.last_login, user.phone_verified_at) == (later, now)  # COALESCE kept the first
    assert sql.execute(text, [now, now, user.pk + 1]) == 0


def test_rows_of_two_models_are_inserted_by_one_statement_on_postgresql(db, monkeypatch):
    user = create_user(phone="+79111234567")
    now = timezone.now()
    code = ("user", "purpose", "phone", "code_hash", "nonce", "created_at", "expires_at")
    rows = (
        (LoginCode, (*code, "attempts")),
        (Session, ("id", "user", "current_jti", "created_at", "expires_at", "user_agent")),
    )
    family_id = uuid.uuid4()
    params = [user.pk, "login", user.phone, "", "n" * 32, now, now, 0]
    params += [sql.db_value(Session, "id", family_id), user.pk, "j", now, now, ""]
    [text] = sql.inserts(*rows)
    sql.execute_all([text], params)
    assert LoginCode.objects.get().expires_at == now
    assert Session.objects.get().pk == family_id

    monkeypatch.setattr(connection, "vendor", "sqlite")  # no writes inside WITH there
    texts = sql.inserts(*rows)
    assert [t.split(" (")[0] for t in texts] == [
        'INSERT INTO "auth_phone_logincode"',
        'INSERT INTO "auth_phone_session"',
    ]
    LoginCode.objects.all().delete()
    params[8] = sql.db_value(Session, "id", uuid.uuid4())
    sql.execute_all(texts, params)  # each with its own parameters
    assert LoginCode.objects.get().nonce == "n" * 32
    assert Session.objects.count() == 2


def test_the_lock_clause_is_the_one_select_for_update_adds(db, monkeypatch):
    assert sql.select(User, equal=["id"], lock="update").endswith(" FOR UPDATE")
    assert sql.select(User, equal=["id"], lock="no key update").endswith(" FOR NO KEY UPDATE")
    assert "FOR" not in sql.select(User, equal=["id"])
    monkeypatch.setattr(connection.features, "has_select_for_no_key_update", False)
    assert sql.select(User, equal=["id"], lock="no key update").endswith(" FOR UPDATE")
    monkeypatch.setattr(connection.features, "has_select_for_update", False)
    assert "FOR" not in sql.select(User, equal=["id"], lock="update")


def test_a_statement_is_built_once_for_each_database_vendor(db, monkeypatch):
    built = []

    @sql.statement
    def text() -> str:
        built.append(connection.vendor)
        return f"SELECT {len(built)}"

    assert [text(), text()] == ["SELECT 1", "SELECT 1"]
    monkeypatch.setattr(connection, "vendor", "sqlite")
    assert [text(), text()] == ["SELECT 2", "SELECT 2"]
    assert built == ["postgresql", "sqlite"]


LOGIN_ON_SQLITE = """
import django
django.setup()
from datetime import timedelta
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.test import Client
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken
from auth_phone import codes
from auth_phone.models import LoginCode, Session
from profiles.models import User
from profiles.services.users import create_user

call_command("migrate", verbosity=0)
assert connection.vendor == "sqlite"
user = create_user(phone="+79111234567")
row = LoginCode.objects.create(user=user, expires_at=timezone.now() + timedelta(minutes=5))
code = codes.issue_code(login_code=row)
client = Client(HTTP_HOST="localhost")
wrong = "0000" if code != "0000" else "1111"
answer = client.post("/users/login/", {"phone": user.phone, "password": wrong},
                     content_type="application/json")
assert answer.status_code == 400 and answer.json()["code"] == "wrong_code", answer.content
answer = client.post("/users/login/", {"phone": user.phone, "password": code},
                     content_type="application/json")
assert answer.status_code == 200, answer.content
assert sorted(answer.json()) == ["access", "refresh", "user_id"]
user.refresh_from_db()
row.refresh_from_db()
assert user.last_login == user.phone_verified_at == row.used_at is not None
assert row.attempts == 1
session, token = Session.objects.get(), RefreshToken(answer.json()["refresh"])
assert session.current_jti == token["jti"] and str(session.pk) == token["fam"]
assert session.expires_at > timezone.now()
refreshed = client.post("/users/token/refresh/", {"refresh": str(token)},
                        content_type="application/json")
assert refreshed.status_code == 200, refreshed.content
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
        **env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")


def test_a_login_works_on_the_zero_setup_sqlite_database(tmp_path):
    run_on_sqlite(tmp_path, LOGIN_ON_SQLITE)


def test_an_inserted_row_is_what_save_writes(db):
    user = create_user(phone="+79111234567")
    expires = timezone.now() + timedelta(minutes=5)
    built = LoginCode(user=user, phone=user.phone, expires_at=expires)
    assert sql.insert_instance(built, sql.insert_row(LoginCode)) is True
    assert built.pk is not None and not built._state.adding and built._state.db == "default"
    assert built.created_at is not None  # auto_now_add, as save() sets it
    saved = LoginCode.objects.get(pk=built.pk)
    assert fields(saved) == fields(built)
    by_orm = LoginCode.objects.create(user=user, purpose="phone_change", expires_at=expires)
    ignored = {"id", "purpose", "phone", "nonce", "created_at"}  # the row's own values
    assert {k: v for k, v in fields(saved).items() if k not in ignored} == {
        k: v for k, v in fields(by_orm).items() if k not in ignored
    }


def test_a_row_that_breaks_a_unique_constraint_is_skipped_without_an_error(db):
    first = create_user(phone="+79111234567")
    text = sql.insert_row(User, skip_conflicts=True)
    again = User(phone=first.phone, invite_code="Z9Z9Z9")
    assert sql.insert_instance(again, text) is False
    assert again.pk is None and again._state.adding
    assert list(User.objects.values_list("pk", flat=True)) == [first.pk]  # still usable
    other = User(phone="+79111234568", invite_code="Z9Z9Z9")
    assert sql.insert_instance(other, text) is True
    assert User.objects.get(phone="+79111234568").pk == other.pk


CODE_REQUEST_ON_SQLITE = """
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.test import Client
from auth_phone.models import LoginCode
from profiles.models import User
from tasks.models import SmsDelivery

call_command("migrate", verbosity=0)
assert connection.vendor == "sqlite"
client = Client(HTTP_HOST="localhost")
first = client.post("/auth/sms/", {"phone": "+79111234567"}, content_type="application/json")
assert first.status_code == 201, first.content
again = client.post("/auth/sms/", {"phone": "+79111234567"}, content_type="application/json")
assert again.status_code == 200, again.content
user = User.objects.get()
assert user.phone == "+79111234567" and user.invite_code and not user.has_usable_password()
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


def test_a_code_request_works_on_the_zero_setup_sqlite_database(tmp_path):
    run_on_sqlite(
        tmp_path, CODE_REQUEST_ON_SQLITE, RATE_LIMITS_ENABLED="false", SMS_BACKEND="locmem"
    )


def test_a_row_read_with_its_related_row_is_what_select_related_reads(db):
    user = create_user(phone="+79111234567")
    code = LoginCode.objects.create(user=user, expires_at=timezone.now() + timedelta(minutes=5))
    with_code = SmsDelivery.objects.create(phone=user.phone, login_code=code, task_id="a")
    without = SmsDelivery.objects.create(phone=user.phone, notice="phone_changed", task_id="b")
    text = sql.select_related(SmsDelivery, "login_code", equal=["id"], lock="update")
    assert text.endswith(' FOR UPDATE OF "tasks_smsdelivery"')  # the code row is not locked
    got = sql.fetch_related(SmsDelivery, "login_code", text, [with_code.pk])
    by_orm = SmsDelivery.objects.select_related("login_code").get(pk=with_code.pk)
    assert fields(got) == fields(by_orm)
    assert fields(got.login_code) == fields(by_orm.login_code)
    with CaptureQueriesContext(connection) as queries:
        got = sql.fetch_related(SmsDelivery, "login_code", text, [without.pk])
        assert got.login_code is None  # read already: no second query
    assert len(queries) == 1
    assert sql.fetch_related(SmsDelivery, "login_code", text, [without.pk + 1]) is None


def test_an_update_adds_to_a_counter_and_compares(db):
    user = create_user(phone="+79111234567")
    now = timezone.now()
    code = LoginCode.objects.create(user=user, expires_at=now + timedelta(minutes=5))
    text = sql.update(
        LoginCode,
        values=["code_hash"],
        increment=["attempts"],
        equal=["id"],
        greater=["expires_at"],
        null=["used_at"],
    )
    assert sql.execute(text, ["h1", code.pk, now]) == 1
    assert sql.execute(text, ["h2", code.pk, now + timedelta(minutes=10)]) == 0  # expired
    LoginCode.objects.filter(pk=code.pk).update(used_at=now)
    assert sql.execute(text, ["h3", code.pk, now]) == 0  # used
    code.refresh_from_db()
    assert (code.code_hash, code.attempts) == ("h1", 1)
