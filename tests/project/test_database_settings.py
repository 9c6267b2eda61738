"""PostgreSQL connections: a statement a connection runs again and again is prepared once
(project/settings/database.py)."""

import pytest
from django.db import connection
from django.utils import timezone

from auth_phone import queries
from tests.conftest import run_without_redis


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_a_statement_run_again_and_again_is_prepared_once():
    now = timezone.now()
    for _ in range(6):  # psycopg prepares a statement on its fifth run
        queries.claim_code_delivery(delivery_id=0, now=now, lease_until=now, unleased_before=now)
    claims = [s for s in prepared_statements() if "UPDATE tasks_smsdelivery" in s]
    assert len(claims) == 1, prepared_statements()


SETTING = """
import django
django.setup()
from django.db import connection
options = connection.settings_dict["OPTIONS"]
print(options.get("server_side_binding"), options.get("prepare_threshold"))
"""


@pytest.mark.parametrize(("value", "expected"), [("false", "None None"), ("", "True 5")])
def test_prepared_statements_can_be_switched_off(value, expected, tmp_path):
    env = {"DB_PREPARED_STATEMENTS": value} if value else {}
    done = run_without_redis(
        SETTING,
        cwd=tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/unused",
        **env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected
