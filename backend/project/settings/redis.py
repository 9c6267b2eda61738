"""Redis as cache, rate-limit store and broker; without REDIS_URL, files in var/."""

from .base import VAR_DIR, env

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
