"""Small request helpers shared by the API and the template views."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

IPV6_CLIENT_PREFIX = 64

# The mixin goes before APIView in a view's bases; type-checked as one, it is one.
if TYPE_CHECKING:
    _ViewBase = APIView
else:
    _ViewBase = object


def client_ip(request) -> str:
    """The key every per-address limit counts under.

    The address is the one DRF's throttles use (REMOTE_ADDR, or with NUM_PROXIES > 0 the
    matching X-Forwarded-For hop). An IPv6 client is counted by its /64: one subscriber
    is routinely given a whole /64, so counting single addresses would give each caller
    2**64 fresh budgets. Anything that is not an address shares one key, "unknown".
    """
    raw = (BaseThrottle().get_ident(request) or "").strip()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return "unknown"
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return _network(address, IPV6_CLIENT_PREFIX)


def wider_network(net: str, prefix: int) -> str:
    """The /`prefix` (56 or 48) that holds `net`, an IPv6 /64 from client_ip: one site or
    subscriber is commonly given a /56 or a /48, so limits count those too. An IPv4
    address (or "unknown") is itself: nothing wider is assigned to one client."""
    try:
        network = ipaddress.IPv6Network(net)
    except ValueError:
        return net
    return _network(network.network_address, prefix)


def _network(address: ipaddress.IPv6Address, prefix: int) -> str:
    host_bits = 128 - prefix
    return str(ipaddress.IPv6Network((int(address) >> host_bits << host_bits, prefix)))


def requested_language(request) -> str | None:
    """The language the client asked for, when the service has it: the UI's choice (the
    language cookie), else the best entry of Accept-Language. None when it asked for none
    the service has (LocaleMiddleware would then fall back to LANGUAGE_CODE; the caller
    may know better, e.g. from the phone number's country)."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    candidates = [chosen] if chosen else []
    weighted = []
    for position, entry in enumerate(request.headers.get("Accept-Language", "").split(",")):
        tag, _, params = entry.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    candidates += [tag for _, _, tag in sorted(weighted)]
    for tag in candidates:
        try:
            return translation.get_supported_language_variant(tag[:32])
        except LookupError:
            continue
    return None


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
