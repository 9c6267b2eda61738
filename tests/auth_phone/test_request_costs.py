"""What a code request and a login cost in round trips to PostgreSQL and Redis: the hot
paths that the benchmarks measure stay as lean as they were made."""

from django.core.cache import cache, caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from auth_phone.models import LoginCode
from auth_phone.services import codes as services
from core import ratelimit
from profiles.models import User
from tests.conftest import last_code
from tests.phones import phone_number

PHONE = phone_number(1234567)
CODE = ("code.cooldown", "code.phone", "code.address")  # a code request's own limits
LOGIN = ("login.address", "login.phone")


class CountingCache:
    """Counts the cache commands that reach the real cache."""

    def __init__(self, monkeypatch, target=cache):
        self.calls: list[str] = []
        for name in ("add", "incr", "decr", "get", "delete"):
            real = getattr(target, name)
            monkeypatch.setattr(target, name, self._counted(name, real))

    def _counted(self, name, real):
        def call(*args, **kwargs):
            self.calls.append(name)
            return real(*args, **kwargs)

        return call


def request_sql(capture_on_commit, phone=PHONE) -> list[str]:
    """The SQL of one code request; the SMS task is queued on commit, not run."""
    with capture_on_commit() as callbacks, CaptureQueriesContext(connection) as queries:
        services.request_login_code(phone=phone, client_ip="10.0.0.1")
    assert len(callbacks) == 1
    return [q["sql"] for q in queries.captured_queries]


def test_a_first_code_request_takes_no_lock_and_deletes_nothing(
    db, django_capture_on_commit_callbacks
):
    sql = request_sql(django_capture_on_commit_callbacks)
    assert not any("FOR UPDATE" in s for s in sql), sql
    assert not any("auth_phone_logincode" in s and s.startswith("SELECT") for s in sql), sql
    assert not any(s.startswith("DELETE") for s in sql), sql
    assert LoginCode.objects.filter(user__phone=PHONE, used_at__isnull=True).count() == 1


def test_a_repeated_code_request_locks_the_user_and_replaces_the_unused_code(
    db, django_capture_on_commit_callbacks, settings
):
    settings.RATE_LIMITS_ENABLED = False
    request_sql(django_capture_on_commit_callbacks)
    first = LoginCode.objects.get()
    # Spent: a live code would be sent again rather than replaced.
    LoginCode.objects.update(attempts=settings.LOGIN_CODE_MAX_ATTEMPTS)
    sql = request_sql(django_capture_on_commit_callbacks)
    assert any("FOR UPDATE" in s and "profiles_user" in s for s in sql), sql
    assert not LoginCode.objects.filter(pk=first.pk).exists()
    assert LoginCode.objects.filter(used_at__isnull=True).count() == 1


def test_login_updates_the_user_once_and_keeps_the_first_verification(api, request_code):
    code = request_code(PHONE)
    with CaptureQueriesContext(connection) as queries:
        assert api.post("/users/login/", {"phone": PHONE, "password": code}).status_code == 200
    user_updates = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "profiles_user"')
    ]
    assert len(user_updates) == 1
    first = User.objects.get(phone=PHONE)
    assert first.phone_verified_at is not None and first.last_login is not None

    cache.clear()  # the resend cooldown
    request_code(PHONE)
    assert api.post("/users/login/", {"phone": PHONE, "password": last_code(PHONE)}).status_code
    again = User.objects.get(phone=PHONE)
    assert again.phone_verified_at == first.phone_verified_at
    assert again.last_login > first.last_login


def test_a_login_locks_the_user_then_its_code_and_writes_four_rows(api, request_code):
    """The statements of a successful login, in order: one lock each, one write each, no
    ORDER BY or LIMIT where a unique column allows one row at most."""
    code = request_code(PHONE)
    with CaptureQueriesContext(connection) as queries:
        assert api.post("/users/login/", {"phone": PHONE, "password": code}).status_code == 200
    # (Beside them: the savepoints of the test's own transaction, and the webhook
    # subscriptions a first login looks up.)
    sql = [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in TABLES)]
    assert [s.split(" ")[:3] for s in sql] == [
        ["SELECT", '"profiles_user"."id",', '"profiles_user"."password",'],
        ["SELECT", '"auth_phone_logincode"."id",', '"auth_phone_logincode"."user_id",'],
        ["UPDATE", '"auth_phone_logincode"', "SET"],
        ["UPDATE", '"profiles_user"', "SET"],
        ["INSERT", "INTO", '"auth_phone_session"'],
    ], sql
    assert sql[0].endswith("FOR NO KEY UPDATE")  # a login changes no key of the user
    assert sql[1].endswith("FOR UPDATE")
    assert not any("ORDER BY" in s or "LIMIT" in s for s in sql)  # one row at most
    # The session's row is the login's one INSERT (no token is stored).


TABLES = ("profiles_user", "auth_phone_logincode", "auth_phone_session")


def test_an_open_window_costs_one_cache_command(monkeypatch):
    ratelimit.reserve(*CODE, phone=PHONE, net="10.2.2.2")
    counting = CountingCache(monkeypatch)
    ratelimit._incr_in_window("rl:sms:ip:10.2.2.2", 3600, 0.0)
    assert counting.calls == ["incr"]
    assert cache.get("rl:sms:ip:10.2.2.2") == 2


class CountingRedis:
    """Counts the commands sent to the Redis server behind the cache (a script is one)."""

    def __init__(self, monkeypatch):
        self.calls: list[str] = []
        client = cache.client.get_client(write=True)
        real = client.execute_command

        def call(*args, **kwargs):
            self.calls.append(args[0])
            return real(*args, **kwargs)

        monkeypatch.setattr(client, "execute_command", call)


def test_a_code_request_costs_one_redis_round_trip_and_so_does_giving_it_back(monkeypatch):
    ratelimit.reserve(*CODE, phone=phone_number(1234569), net="10.2.2.3")  # the script loaded
    counting = CountingRedis(monkeypatch)
    reservations = ratelimit.reserve(*CODE, "sms.budget", phone=PHONE, net="10.2.2.3")
    assert counting.calls == ["EVALSHA"]  # cooldown, phone and address counts, the budget
    [budget_key] = [k for k in cache.keys("sms:budget:*")]
    assert cache.get(budget_key) == 1
    counting.calls.clear()
    reservations.release()
    assert counting.calls == ["EVALSHA"]
    assert cache.get(f"rl:sms:cooldown:{PHONE}") is None
    assert cache.get(f"rl:sms:phone:{PHONE}:10.2.2.3") == 0
    assert cache.get("rl:sms:ip:10.2.2.3") == 1
    assert cache.get(budget_key) == 0


def test_a_code_request_through_the_service_makes_one_redis_round_trip(
    monkeypatch, db, django_capture_on_commit_callbacks
):
    services.request_login_code(phone=phone_number(1234569), client_ip="10.2.2.3")  # script loaded
    counting = CountingRedis(monkeypatch)
    with django_capture_on_commit_callbacks():  # the task is queued on commit, not here
        services.request_login_code(phone=PHONE, client_ip="10.2.2.3")
    assert counting.calls == ["EVALSHA"]


def test_a_login_costs_one_redis_round_trip(monkeypatch):
    ratelimit.reserve(*LOGIN, phone=phone_number(1234569), net="10.2.2.3")  # the script loaded
    counting = CountingRedis(monkeypatch)
    taken = ratelimit.reserve(*LOGIN, phone=PHONE, net="10.2.2.4")
    assert counting.calls == ["EVALSHA"]
    taken.release()  # a right code gives both back
    assert counting.calls == ["EVALSHA", "EVALSHA"]
    assert cache.get(f"rl:login:fail:{PHONE}") == 0
    assert cache.get("rl:login:ip:10.2.2.4") == 0


def test_without_redis_a_code_request_costs_seven_cache_commands_then_five(monkeypatch):
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ):
        cache.clear()  # the process's memory cache outlives one test
        counting = CountingCache(monkeypatch, target=caches["default"])  # not the proxy
        ratelimit.reserve(*CODE, phone=PHONE, net="10.2.2.3")
        assert len(counting.calls) == 7  # cooldown, phone window opened, address window opened
        counting.calls.clear()
        ratelimit.reserve(*CODE, phone=phone_number(1234568), net="10.2.2.3")
        assert len(counting.calls) == 5  # the address window is open now
        assert cache.get("rl:sms:ip:10.2.2.3") == 2
        assert cache.get("rl:sms:ip:10.2.2.3:reset") is not None


def test_a_window_opened_concurrently_counts_both_hits(monkeypatch):
    """Between our failed `incr` and our `add`, another request opened the window."""
    key = "rl:test:concurrent"
    real_incr = cache.incr
    calls = {"n": 0}

    def incr(k, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            cache.add(k, 1, 60)  # the other request's hit
            raise ValueError("Key not found")
        return real_incr(k, *args, **kwargs)

    monkeypatch.setattr(cache, "incr", incr)
    assert ratelimit._incr_in_window(key, 60, 0.0) == 2
    assert cache.get(key) == 2


def test_a_window_that_expires_while_opening_is_opened_again(monkeypatch):
    key = "rl:test:expiring"
    real_incr = cache.incr
    calls = {"n": 0}

    def incr(k, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            cache.add(k, 1, 60)  # another request opened the window...
            raise ValueError("Key not found")
        if calls["n"] == 2:
            cache.delete(k)  # ...and it expired before our incr
            raise ValueError("Key not found")
        return real_incr(k, *args, **kwargs)

    monkeypatch.setattr(cache, "incr", incr)
    assert ratelimit._incr_in_window(key, 60, 0.0) == 1
    assert cache.get(key) == 1
