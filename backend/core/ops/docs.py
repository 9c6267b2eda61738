"""The API documentation pages (ReDoc, Swagger UI), which load nothing from outside.

Their scripts and styles come from drf-spectacular-sidecar through the static files; the
ReDoc template drops the web-font links (frontend_templates/drf_spectacular/redoc.html).
ReDoc's bundle shows its vendor's logo from a CDN in the sidebar: the page loads the
bundle from `redoc_bundle` below, with an empty picture in the logo's place. The pages
also carry a Content Security Policy that lets the browser fetch from this server only.
"""

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

if TYPE_CHECKING:  # a mixin of the two views below
    _ViewBase = SpectacularAPIView
else:
    _ViewBase = object

DOCS_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",  # the pages' inline start-up scripts
        "style-src 'self' 'unsafe-inline'",  # both UIs inject their styles
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",  # ReDoc's search runs in a worker made from a blob
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class _SameOriginOnly(_ViewBase):
    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        return response


class RedocView(_SameOriginOnly, SpectacularRedocView):
    pass


REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
VENDOR_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
EMPTY_PICTURE = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"


@functools.cache
def _redoc_bundle() -> bytes:
    found = finders.find(REDOC_BUNDLE)
    assert isinstance(found, str), f"{REDOC_BUNDLE} is not among the static files"
    source = Path(found).read_text(encoding="utf-8")
    return source.replace(VENDOR_LOGO, EMPTY_PICTURE).encode()


def redoc_bundle(request: HttpRequest) -> HttpResponse:
    """The ReDoc bundle without its request to the vendor's CDN (read once per process)."""
    response = HttpResponse(_redoc_bundle(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


class SwaggerView(_SameOriginOnly, SpectacularSwaggerView):
    pass
