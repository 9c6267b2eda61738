"""Small request helpers shared by the API and the template views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.response import Response
from rest_framework.views import APIView

# The mixin goes before APIView in a view's bases; type-checked as one, it is one.
if TYPE_CHECKING:
    _ViewBase = APIView
else:
    _ViewBase = object


def client_ip(request) -> str:
    """The caller's address; with NUM_PROXIES > 0, taken from X-Forwarded-For."""
    num_proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if num_proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(num_proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class ReleaseResponseMixin(_ViewBase):
    """For an APIView whose answers can be large: the answer is freed as soon as it is sent.

    DRF leaves the response on the view (`view.response`) while the view and its request
    refer to each other, and the response's rendering context refers back to it. Only
    the cyclic garbage collector frees such cycles, and it runs by object counts, not
    bytes: a profile listing thousands of referrals stayed in a web worker's memory long
    after it was sent, so the worker grew by megabytes per request.
    """

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        self.__dict__.pop("response", None)  # the view no longer holds the answer...
        if isinstance(response, Response):
            # ...and once rendered, the answer no longer holds its rendering context,
            # which DRF points back at the answer itself.
            response.add_post_render_callback(_drop_renderer_context)
        return response


def _drop_renderer_context(response: Response) -> None:
    response.renderer_context = None  # type: ignore[attr-defined]  # set by APIView
