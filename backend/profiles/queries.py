"""The statement of this app that the ORM cannot say in one: literal SQL with named
parameters and the reason it is not a queryset. It runs on PostgreSQL and on the
zero-setup SQLite database alike (tests/profiles/test_queries.py runs it on both)."""

from __future__ import annotations

from django.db import connection

from core.db import inserted_fields

from .models import User

# A code request for a number never seen is one statement: insert the user unless its
# phone (or its invite code) is taken, and learn its id. The ORM has no single statement
# for that: create() raises on the conflict and needs a savepoint around it (two more
# round trips on every new number), and bulk_create(ignore_conflicts=True) returns no id.
# ON CONFLICT DO NOTHING does not abort the transaction and waits for a concurrent
# insert of the same phone to commit or roll back. Every column is listed, so that the
# row is the one User.save() would write (the test compares the list with the model).
INSERT_USER_UNLESS_TAKEN = """
    INSERT INTO profiles_user (
        password, last_login, is_superuser, phone, email, first_name, last_name, avatar,
        invite_code, referred_by_id, activated_code, referred_at, phone_verified_at,
        is_active, is_staff, date_joined
    ) VALUES (
        %(password)s, %(last_login)s, %(is_superuser)s, %(phone)s, %(email)s,
        %(first_name)s, %(last_name)s, %(avatar)s, %(invite_code)s, %(referred_by_id)s,
        %(activated_code)s, %(referred_at)s, %(phone_verified_at)s, %(is_active)s,
        %(is_staff)s, %(date_joined)s
    )
    ON CONFLICT DO NOTHING
    RETURNING id
"""


_USER_FIELDS = inserted_fields(User)


def insert_user_unless_taken(user: User) -> int | None:
    """Insert `user` (unsaved) as User.save() would; its new id, or None and nothing
    written if its phone or invite code is taken."""
    params = {
        f.column: f.get_db_prep_save(f.pre_save(user, add=True), connection) for f in _USER_FIELDS
    }
    with connection.cursor() as cursor:
        cursor.execute(INSERT_USER_UNLESS_TAKEN, params)
        row = cursor.fetchone()
    return None if row is None else row[0]
