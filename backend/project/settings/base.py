"""The settings every other module builds on: the environment (and .env), debug mode, the
secret key and the keys derived from it, apps, middleware, templates and languages."""

import hashlib
import hmac
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent  # backend/
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
    "core.apps.PasswordAdminConfig",  # django.contrib.admin, password-only site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
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
    "core.ops.health.HealthCheckMiddleware",  # first: probes come with an IP as Host, over HTTP
    "core.ops.metrics.RequestMetricsMiddleware",
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
    "core.ops.middleware.ServiceUnavailableMiddleware",
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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "profiles.User"

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [REPO_DIR / "frontend_templates" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The browser UI: anonymous visitors of a page that needs a login go to the phone form.
LOGIN_URL = "ui-phone"
