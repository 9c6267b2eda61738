"""Settings for the phone-login and referral service.

Everything comes from environment variables (names fixed in README.md and .env.example).
The defaults are safe for production (DEBUG off, a secret key required) and need nothing
else for a local run: without DATABASE_URL the data lives in an SQLite file, without
REDIS_URL the broker is kombu's filesystem transport and the cache a local file cache.
`make run` switches on the development conveniences (DEBUG, the SMS inbox).
"""

import hashlib
import hmac
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django_guid.integrations import CeleryIntegration

BASE_DIR = Path(__file__).resolve().parent.parent  # backend/
REPO_DIR = BASE_DIR.parent
VAR_DIR = Path(environ.Env().str("APP_VAR_DIR", default=str(REPO_DIR / "var")))

env = environ.Env()
environ.Env.read_env(REPO_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (production)."
        )
    SECRET_KEY = "dev-only-insecure-secret-key-change-me-0123456789abcdef"


def derived_key(purpose: str) -> str:
    """A key for one purpose, derived from SECRET_KEY (HMAC-SHA256 keyed by it), so that
    the JWT signing key, the login-code HMAC key and Django's own signing key differ and
    none of them reveals another."""
    return hmac.new(
        SECRET_KEY.encode(), f"phone-referral-service:{purpose}".encode(), hashlib.sha256
    ).hexdigest()


ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "project.apps.PasswordAdminConfig",  # django.contrib.admin, password-only site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_results",
    "django_guid",
    "profiles",
    "auth_phone",
    "tasks",
    "webhooks",
]

MIDDLEWARE = [
    "project.health.HealthCheckMiddleware",  # first: probes come with an IP as Host, over HTTP
    "project.metrics.RequestMetricsMiddleware",
    "django_guid.middleware.guid_middleware",  # X-Request-ID in, out, in logs and tasks
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "project.middleware.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [REPO_DIR / "frontend_templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    # Fail fast (and answer 503) instead of hanging when the database is unreachable.
    DB_CONNECT_TIMEOUT = env.int("DB_CONNECT_TIMEOUT", default=3)
    _db_options["connect_timeout"] = DB_CONNECT_TIMEOUT
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "profiles.User"

# --- Redis: cache, rate limits, broker --------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="referral"),
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
            },
        }
    }
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
    if CELERY_BROKER_URL.startswith("redis://"):
        # kombu's Redis transport, with one Redis client per channel (project/broker.py).
        CELERY_BROKER_TRANSPORT = "project.broker:Transport"
else:
    # Zero-setup local run: shared between the web and worker processes through files.
    # The file cache's counters are not atomic across processes; use Redis for anything
    # beyond trying the service on one machine.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    # The host means nothing to this transport, but without one kombu warns on every
    # connection that it reverts to localhost.
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost/")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # default: ./control in the cwd
        "store_processed": False,
    }

# --- Celery -----------------------------------------------------------------------------
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True  # keeps the task name; arguments are ids only
# The SMS task keeps its state in the delivery log and stores no result on success
# (ignore_result): only its retries and failures reach the result backend.
CELERY_TASK_STORE_ERRORS_EVEN_IF_IGNORED = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a killed worker's task goes back to the queue
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Task events (a broker message per sent, received, started and finished task) only
# serve live monitoring: off by default, on with CELERY_TASK_EVENTS=true. Flower switches
# a running worker's events on by itself (`enable_events`).
_task_events = env.bool("CELERY_TASK_EVENTS", default=False)
CELERY_TASK_SEND_SENT_EVENT = _task_events
CELERY_WORKER_SEND_TASK_EVENTS = _task_events
CELERY_WORKER_POOL = env.str("CELERY_WORKER_POOL", default="threads")
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=32)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Eager mode (tests, one-process runs) must follow retries the way a worker does;
# with propagation on, Celery raises the Retry to the caller instead.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_STORE_EAGER_RESULT = True
# Publishing must fail fast so that a dead broker becomes a 503, not a hung request.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Limits of one task run: the soft one raises SoftTimeLimitExceeded inside the task, the
# hard one ends it. Celery enforces them with the prefork pool; with the threads pool
# (the default here) every outbound call carries its own timeout instead, and the
# housekeeping jobs stop between batches when their time is up (RETENTION_JOB_SECONDS).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
# Task results (the status API reads them) are deleted after this many seconds by the
# `celery.backend_cleanup` job below.
CELERY_RESULT_EXPIRES = env.int("CELERY_RESULT_EXPIRES", default=86400)
# Housekeeping run by `celery beat` (one beat process per deployment). One entry per job,
# so that further jobs are added as further keys.
CELERY_BEAT_SCHEDULE = {
    "flush-expired-jwt": {
        "task": "project.retention.flush_expired_tokens",
        "schedule": timedelta(hours=6),
    },
    "clean-task-results": {
        "task": "celery.backend_cleanup",
        "schedule": timedelta(hours=1),
    },
    "delete-dead-login-codes": {
        "task": "project.retention.delete_dead_login_codes",
        "schedule": timedelta(minutes=15),
    },
    "delete-dead-token-families": {
        "task": "project.retention.delete_dead_token_families",
        "schedule": timedelta(hours=6),
    },
    "delete-unverified-users": {
        "task": "project.retention.delete_unverified_users",
        "schedule": timedelta(hours=1),
    },
    "anonymise-sms-log": {
        "task": "project.retention.anonymise_sms_log",
        "schedule": timedelta(hours=1),
    },
}
if REDIS_URL:
    # Unacknowledged tasks (worker died mid-send) are re-delivered after this many seconds;
    # it must stay below LOGIN_CODE_TTL or the re-delivered SMS would carry a dead code.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=120),
        # Look for such tasks every 10 s (kombu's default sweep is ~100 s apart).
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }

# --- REST framework, JWT, OpenAPI -------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "project.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "project.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "project.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "project.pagination.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default="") or derived_key("jwt-signing"),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Phone login and referral API",
    "DESCRIPTION": "Sign in with a phone number and a one-time SMS code, "
    "share an invite code, activate somebody else's once.",
    "VERSION": "1.0.0",
    # 3.1: the webhook event payloads are part of the document (`webhooks`).
    "OAS_VERSION": "3.1.0",
    "WEBHOOKS": [
        f"webhooks.schema.{name}"
        for name in (
            "USER_CREATED",
            "USER_LOGGED_IN",
            "INVITE_ACTIVATED",
            "PHONE_CHANGED",
            "USER_DELETED",
        )
    ],
    # The order of ReDoc's sidebar: the endpoints as a client meets them, webhooks last
    # (without this list ReDoc puts the untagged webhooks first).
    "TAGS": [
        {"name": "auth", "description": "Login codes, tokens, logout."},
        {"name": "profile", "description": "The own profile, invite codes, referrals."},
        {"name": "tasks", "description": "State of a queued SMS."},
        {"name": "operations", "description": "Health checks."},
        {"name": "development", "description": "The development inbox of simulated SMS."},
        {"name": "webhooks", "description": "Events POSTed to registered endpoints."},
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No online-validator badge: the doc pages load nothing from outside this server.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# --- Login codes, SMS, rate limits ------------------------------------------------------
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="RU")
LOGIN_CODE_TTL = env.int("LOGIN_CODE_TTL", default=300)
LOGIN_CODE_MAX_ATTEMPTS = env.int("LOGIN_CODE_MAX_ATTEMPTS", default=5)
LOGIN_CODE_HMAC_KEY = env.str("LOGIN_CODE_HMAC_KEY", default="") or derived_key("login-code-hmac")

RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
SMS_RESEND_COOLDOWN = env.int("SMS_RESEND_COOLDOWN", default=60)
SMS_PHONE_HOURLY_LIMIT = env.int("SMS_PHONE_HOURLY_LIMIT", default=5)
SMS_IP_HOURLY_LIMIT = env.int("SMS_IP_HOURLY_LIMIT", default=30)
LOGIN_FAILURES_HOURLY_LIMIT = env.int("LOGIN_FAILURES_HOURLY_LIMIT", default=10)
LOGIN_FAILURES_IP_HOURLY_LIMIT = env.int("LOGIN_FAILURES_IP_HOURLY_LIMIT", default=30)
# Unknown invite codes one user may try per clock hour.
INVITE_FAILURES_HOURLY_LIMIT = env.int("INVITE_FAILURES_HOURLY_LIMIT", default=20)
RATE_LIMIT_WINDOW = env.int("RATE_LIMIT_WINDOW", default=3600)

SMS_BACKEND = env.str("SMS_BACKEND", default="simulated")
# Countries (ISO 3166 codes) whose numbers may get a login code; "*" allows every country.
SMS_ALLOWED_REGIONS = env.list("SMS_ALLOWED_REGIONS", default=["RU"])
# Login codes the whole service may send per clock hour (a cap on the SMS bill).
SMS_HOURLY_BUDGET = env.int("SMS_HOURLY_BUDGET", default=1000)
SMS_DELAY_MIN = env.float("SMS_DELAY_MIN", default=1.0)
SMS_DELAY_MAX = env.float("SMS_DELAY_MAX", default=2.0)
SMS_DEV_INBOX = env.bool("SMS_DEV_INBOX", default=False)
SMS_MAX_RETRIES = env.int("SMS_MAX_RETRIES", default=4)
SMS_RETRY_BACKOFF = env.int("SMS_RETRY_BACKOFF", default=2)
SMS_RETRY_BACKOFF_MAX = env.int("SMS_RETRY_BACKOFF_MAX", default=60)
SMSAERO_API_URL = env.str("SMSAERO_API_URL", default="https://gate.smsaero.ru/v2/")
SMSAERO_EMAIL = env.str("SMSAERO_EMAIL", default="")
SMSAERO_API_KEY = env.str("SMSAERO_API_KEY", default="")
SMSAERO_SIGN = env.str("SMSAERO_SIGN", default="SMS Aero")
SMSAERO_TIMEOUT = env.float("SMSAERO_TIMEOUT", default=10.0)

# --- Outbox: SMS deliveries and webhook events written with the change that causes them ---
# A pending row not handled this many seconds after it was published is published again.
OUTBOX_REDELIVER_AFTER = env.int("OUTBOX_REDELIVER_AFTER", default=30)
OUTBOX_SWEEP_INTERVAL = env.int("OUTBOX_SWEEP_INTERVAL", default=10)
CELERY_BEAT_SCHEDULE |= {  # the sweeps join the housekeeping jobs of the schedule above
    "outbox-sms": {
        "task": "tasks.tasks.redeliver_pending_sms",
        "schedule": OUTBOX_SWEEP_INTERVAL,
    },
    "outbox-webhooks": {
        "task": "webhooks.tasks.redeliver_pending_webhooks",
        "schedule": OUTBOX_SWEEP_INTERVAL,
    },
}

# --- Webhooks ---------------------------------------------------------------------------
# Development and tests only: allows http:// and private, loopback, link-local addresses.
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=5.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
# The wait before attempt n+1 is a random value between half and all of
# min(WEBHOOK_RETRY_BACKOFF * 2^(n-1), WEBHOOK_RETRY_BACKOFF_MAX) seconds: with the
# defaults, 8 attempts span 12 to 25 hours.
WEBHOOK_RETRY_BACKOFF = env.int("WEBHOOK_RETRY_BACKOFF", default=720)
WEBHOOK_RETRY_BACKOFF_MAX = env.int("WEBHOOK_RETRY_BACKOFF_MAX", default=12 * 3600)
# How long a process trusts what it last read about which events have an endpoint (the
# query that every event would otherwise cost); 0 reads it for every event.
WEBHOOK_ENDPOINT_CACHE_SECONDS = env.float("WEBHOOK_ENDPOINT_CACHE_SECONDS", default=5.0)
# An endpoint is disabled after this many failed attempts in a row (any event).
WEBHOOK_DISABLE_AFTER = env.int("WEBHOOK_DISABLE_AFTER", default=50)

# --- Static and media files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [REPO_DIR / "frontend_templates" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=2 * 1024 * 1024)
# Largest avatar picture, in pixels (width x height), checked before it is decoded: a
# decoded RGB picture takes 3 bytes a pixel, so 16.7 Mpx (4096 x 4096; a 12 Mpx phone photo
# fits) is about 50 MB of memory at most per upload.
AVATAR_MAX_PIXELS = env.int("AVATAR_MAX_PIXELS", default=4096 * 4096)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)
# Where collectstatic puts the files (the compose stack: a volume that nginx serves).
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(STATIC_ROOT)))
# Uploaded files are served by Django only in development; in production the reverse
# proxy serves MEDIA_ROOT itself.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [REPO_DIR / "frontend_templates" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The browser UI: anonymous visitors of a page that needs a login go to the phone form.
LOGIN_URL = "ui-phone"

# --- Security (production) --------------------------------------------------------------
SECURE_HTTPS = env.bool("DJANGO_SECURE_HTTPS", default=False)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS
SECURE_HSTS_SECONDS = 31536000 if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Housekeeping (celery beat; project/retention.py) -------------------------------------
# Accounts created by a code request and never verified are deleted after this many days.
UNVERIFIED_USER_TTL = env.int("UNVERIFIED_USER_TTL", default=7)
# SMS delivery-log rows keep the full phone number for this many days, then it is masked.
SMS_LOG_RETENTION_DAYS = env.int("SMS_LOG_RETENTION_DAYS", default=30)
# Rows handled per statement, and the time a job may spend before it stops for this run.
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=1000)
RETENTION_JOB_SECONDS = env.int("RETENTION_JOB_SECONDS", default=45)

# --- Metrics (project/metrics.py) -----------------------------------------------------------
# GET /metrics answers callers from these networks, or with `Authorization: Bearer <token>`.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list(
    "METRICS_ALLOWED_NETWORKS",
    default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
)
# Port of the Celery worker's own metrics endpoint (0: none); see docs/operations.md.
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=0)

# --- Request ids and logs ---------------------------------------------------------------------
# X-Request-ID: taken from the proxy when it is a valid UUID (nginx's $request_id is),
# otherwise generated; returned on every answer and carried into the tasks a request queues.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": True,
    # Publishing a task copies the id into its headers; the worker sets it while the task
    # runs (a task nobody requested, e.g. from beat, gets its own). The worker logs with
    # this LOGGING configuration too.
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True)],
}
# json: one JSON object per line (production); plain: human-readable (development).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
CELERY_TASK_LOG_LINES = env.bool("CELERY_TASK_LOG_LINES", default=False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {
            "()": "django_guid.log_filters.CorrelationId",
            "correlation_id_field": "request_id",
        },
        "mask_phones": {"()": "project.logs.MaskPhones"},
        "quiet_dev_inbox": {"()": "project.log_filters.QuietDevInboxPolls"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id", "mask_phones"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # The UI polls the development inbox until the SMS arrives: those 404s are expected.
        "django.request": {"filters": ["quiet_dev_inbox"]},
        # Its INFO lines repeat every request id: noise.
        "django_guid": {"level": "WARNING"},
        # Celery's two INFO lines per task ("received", "succeeded in ..."): off unless
        # CELERY_TASK_LOG_LINES (decision 42). The delivery log records every state of an
        # SMS; failures and retries are still logged (WARNING, ERROR).
        **{
            name: {"level": "INFO" if CELERY_TASK_LOG_LINES else "WARNING"}
            for name in ("celery.worker.strategy", "celery.app.trace")
        },
    },
}
