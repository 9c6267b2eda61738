"""The project's URL conf as a list of routes, and its OpenAPI schema, for the docs tests."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.settings import api_settings

# Not API endpoints: the admin, the schema and its doc pages, uploaded media, static files,
# Django's language switch of the browser UI, and the Prometheus metrics of operators.
NON_API_PREFIXES = (
    "/admin/",
    "/api/schema/",
    "/api/docs/",
    "/api/swagger/",
    "/media/",
    "/static/",
    "/i18n/",
    "/metrics",
)
# Template pages (the browser UI) live in `<app>.views` (or `<app>.<topic>_views`) modules,
# API views in `<app>.apis` (or `<app>.<topic>_apis`).
TEMPLATE_VIEW_MODULE = re.compile(r"^\w+\.(\w+_)?views$")
HTTP_METHODS = ("get", "post", "put", "patch", "delete")

_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    path: str  # "/users/{pk}/", the OpenAPI spelling
    view_module: str


def openapi_spelling(path: str) -> str:
    """`/users/<int:pk>/` (URL conf or README) as the schema spells it: `/users/{id}/`
    (DRF's SCHEMA_COERCE_PATH_PK, which drf-spectacular follows)."""
    path = _REGEX_GROUP.sub(r"{\1}", _CONVERTER.sub(r"{\1}", path))
    if api_settings.SCHEMA_COERCE_PATH_PK:
        path = path.replace("{pk}", "{id}")
    return path


def _openapi_path(route: str) -> str:
    route = route.replace("^", "").replace("$", "").replace("\\Z", "")
    return openapi_spelling("/" + route)


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield Route(_openapi_path(prefix + str(pattern.pattern)), pattern.callback.__module__)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def api_routes() -> list[Route]:
    """Every route that must be in the schema and the README."""
    return [
        route
        for route in all_routes()
        if not route.path.startswith(NON_API_PREFIXES)
        and not TEMPLATE_VIEW_MODULE.match(route.view_module)
    ]


def generated_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict):
    """(METHOD, path, operation) for every operation of the schema."""
    for path, item in schema["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method.upper(), path, item[method]
