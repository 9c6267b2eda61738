"""The API documentation pages (ReDoc, Swagger UI), which load nothing from outside.

Their scripts and styles come from drf-spectacular-sidecar through the static files; the
ReDoc template drops the web-font links (frontend_templates/drf_spectacular/redoc.html).
ReDoc's bundle still shows a logo from its vendor's CDN, so the pages carry a Content
Security Policy that lets the browser fetch from this server only.
"""

from typing import TYPE_CHECKING

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


class SwaggerView(_SameOriginOnly, SpectacularSwaggerView):
    pass
