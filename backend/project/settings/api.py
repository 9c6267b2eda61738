"""REST framework, JWT and the OpenAPI document."""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from .base import CSRF_TRUSTED_ORIGINS, derived_key, env

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
        "core.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

# Tokens are signed with a private key (ES256, or EdDSA) and checked by anyone with the
# public keys at /.well-known/jwks.json; HS256 is the explicit choice of a single-service
# install. The keys: auth_phone.tokens (decision 47).
JWT_ALGORITHM = env.str("JWT_ALGORITHM", default="ES256")
if JWT_ALGORITHM not in ("ES256", "EdDSA", "HS256"):
    raise ImproperlyConfigured("JWT_ALGORITHM must be ES256, EdDSA or HS256.")
# The operator's own keys, as PEM files; they win over the keys kept in the database.
JWT_PRIVATE_KEY_FILE = env.str("JWT_PRIVATE_KEY_FILE", default="")
JWT_PUBLIC_KEY_FILES = env.list("JWT_PUBLIC_KEY_FILES", default=[])
# A new key every so many days (the beat job "rotate-signing-keys"); 0: only by hand.
JWT_KEY_ROTATION_DAYS = env.int("JWT_KEY_ROTATION_DAYS", default=30)
# How long a process keeps the keys it loaded before it reads them again.
JWT_KEY_CACHE_SECONDS = env.int("JWT_KEY_CACHE_SECONDS", default=60)
# Encrypts the private part of the keys kept in the database (Fernet).
JWT_KEY_ENCRYPTION_KEY = derived_key("jwt-private-keys")
# Cache-Control max-age of the JWK Set: far shorter than a rotation's overlap (a retired
# key stays published for a refresh token's lifetime).
JWKS_MAX_AGE = env.int("JWKS_MAX_AGE", default=300)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": JWT_ALGORITHM,
    # The HMAC key: it signs everything only with JWT_ALGORITHM=HS256; otherwise it only
    # checks the tokens signed before the upgrade, until they expire.
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default="") or derived_key("jwt-signing"),
    # The site's origin: the first trusted origin when there is one.
    "ISSUER": env.str("JWT_ISSUER", default="")
    or (CSRF_TRUSTED_ORIGINS[0] if CSRF_TRUSTED_ORIGINS else "http://localhost:8000"),
    "AUDIENCE": env.str("JWT_AUDIENCE", default="referral-api"),
    "AUTH_TOKEN_CLASSES": ("auth_phone.tokens.AccessToken",),
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
            "SMS_DELIVERED",
            "SMS_FAILED",
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
