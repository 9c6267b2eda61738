"""The literal statement of profiles/queries.py does what its comment says, on
PostgreSQL and on the zero-setup SQLite database."""

import re

from django.db import transaction

from profiles import queries
from profiles.models import User
from profiles.services.users import create_user
from tests.conftest import run_without_redis
from tests.phones import phone_number

PHONE = phone_number(1234567)


def fields(instance) -> dict:
    values = {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}
    return {**values, "avatar": values["avatar"].name or None}  # a file is its name


def unsaved(phone: str, invite_code: str) -> User:
    user = User(phone=phone, invite_code=invite_code)
    user.set_unusable_password()
    return user


def test_the_insert_names_every_column_that_save_writes():
    text = queries.INSERT_USER_UNLESS_TAKEN
    listed = re.search(r"profiles_user \((.*?)\)", text, re.S).group(1)
    columns = [c.strip() for c in listed.split(",")]
    assert columns == re.findall(r"%\((\w+)\)s", text)  # each column, its own parameter
    expected = {f.column for f in User._meta.concrete_fields if not f.primary_key}
    assert sorted(columns) == sorted(expected)
    assert User._meta.db_table == "profiles_user"


def test_an_inserted_user_is_the_row_save_writes(db):
    user = unsaved(PHONE, "A1A1A1")
    user.pk = queries.insert_user_unless_taken(user)
    assert user.pk is not None
    assert fields(User.objects.get(pk=user.pk)) == fields(user)
    by_save = create_user(phone=phone_number(1234568))
    own = {"id", "phone", "invite_code", "password", "date_joined"}  # each row's own values
    assert {k: v for k, v in fields(user).items() if k not in own} == {
        k: v for k, v in fields(by_save).items() if k not in own
    }


def test_a_taken_phone_or_invite_code_writes_nothing_and_raises_nothing(db):
    first = create_user(phone=PHONE)
    with transaction.atomic():
        assert queries.insert_user_unless_taken(unsaved(PHONE, "Z9Z9Z9")) is None
        assert (
            queries.insert_user_unless_taken(unsaved(phone_number(1234568), first.invite_code))
            is None
        )
        # No error aborted the transaction: it goes on.
        assert list(User.objects.values_list("pk", flat=True)) == [first.pk]
    other = unsaved(phone_number(1234568), "Z9Z9Z9")
    assert (
        queries.insert_user_unless_taken(other) == User.objects.get(phone=phone_number(1234568)).pk
    )


ON_SQLITE = """
import django
django.setup()
from django.core.management import call_command
from django.db import connection, transaction
from profiles import queries
from profiles.models import User
from profiles.services.invites import is_referred_through
import os

A_PHONE, B_PHONE, C_PHONE = os.environ["TEST_PHONES"].split(",")
call_command("migrate", verbosity=0)
assert connection.vendor == "sqlite"

def unsaved(phone, code):
    user = User(phone=phone, invite_code=code)
    user.set_unusable_password()
    return user

with transaction.atomic():
    a = queries.insert_user_unless_taken(unsaved(A_PHONE, "A1A1A1"))
    assert queries.insert_user_unless_taken(unsaved(A_PHONE, "B1B1B1")) is None
    assert queries.insert_user_unless_taken(unsaved(B_PHONE, "A1A1A1")) is None
    b = queries.insert_user_unless_taken(unsaved(B_PHONE, "B1B1B1"))
User.objects.filter(pk=b).update(referred_by=a)
read = User.objects.get(pk=a)
assert read.date_joined.tzinfo is not None and not read.has_usable_password()
assert read.is_active and not read.is_staff and read.avatar.name in (None, "")
assert is_referred_through(user_id=b, ancestor_id=a)  # the ORM's walk, on SQLite
assert not is_referred_through(user_id=a, ancestor_id=b)
from django.utils import timezone
from profiles.services.users import create_user
create_user(phone=C_PHONE)  # saved by the ORM: the same form of time
assert User.objects.filter(date_joined__lte=timezone.now()).count() == 3
print("ok")
"""


def test_the_statements_work_on_the_zero_setup_sqlite_database(tmp_path):
    done = run_without_redis(
        ON_SQLITE,
        cwd=tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        APP_VAR_DIR=str(tmp_path / "var"),
        TEST_PHONES=",".join(phone_number(n) for n in (1234567, 1234568, 1234569)),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")
