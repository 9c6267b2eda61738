"""The database: DATABASE_URL, SQLite in var/ without it."""

from .base import BASE_DIR, env

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    # Fail fast (and answer 503) instead of hanging when the database is unreachable.
    DB_CONNECT_TIMEOUT = env.int("DB_CONNECT_TIMEOUT", default=3)
    _db_options["connect_timeout"] = DB_CONNECT_TIMEOUT
    # Prepared statements: psycopg prepares a statement a connection has run 5 times, and
    # PostgreSQL stops parsing and planning it again (every code request and SMS repeats
    # the same few; pooled connections keep theirs). They need the parameters bound on the
    # server, which also spares quoting them in Python. Off (Django's default) behind a
    # pooler in transaction mode that cannot carry prepared statements (PgBouncer < 1.21).
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        _db_options["server_side_binding"] = True
        _db_options["prepare_threshold"] = 5
    # A pool of connections per process (psycopg_pool, built into Django's backend): a
    # request or a task borrows one and gives it back, instead of opening a connection
    # each time (the Celery worker closes its connection after every task, so without a
    # pool each SMS paid for a new PostgreSQL connection). Idle connections are returned
    # to min_size after max_idle seconds. The pool and DB_CONN_MAX_AGE exclude each other.
    if env.bool("DB_POOL", default=True) and not DATABASES["default"]["CONN_MAX_AGE"]:
        _db_options["pool"] = {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
            # Every thread of the process may hold one at once (a worker thread keeps
            # its connection while the SMS goes out): none ever waits for another.
            "max_size": env.int(
                "DB_POOL_MAX_SIZE",
                default=max(
                    env.int("GUNICORN_THREADS", default=4),
                    env.int("CELERY_WORKER_CONCURRENCY", default=32),
                ),
            ),
            "max_idle": 300,
            # Waiting longer for a connection than for a new one would hang requests
            # while the database is down: they answer 503 after the same time instead.
            "timeout": DB_CONNECT_TIMEOUT,
        }
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded mode: web, worker and beat write to one file. WAL lets reads go on
    # beside a write; IMMEDIATE transactions take the write lock when they begin, so a
    # second writer waits for it (up to `timeout` seconds) instead of failing at once with
    # "database is locked", as a transaction that read first and then writes does.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        transaction_mode="IMMEDIATE",
        timeout=20,
    )
