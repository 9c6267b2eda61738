"""REST framework, JWT and the OpenAPI document."""

from datetime import timedelta

from .base import derived_key, env

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
            "SMS_DELIVERED",
            "SMS_FAILED",
        )
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No online-validator badge: the doc pages load nothing from outside this server.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}
