"""Small request helpers shared by the API and the template views."""

import ipaddress

from django.template.response import SimpleTemplateResponse
from rest_framework.throttling import BaseThrottle

IPV6_CLIENT_PREFIX = 64


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
    host_bits = 128 - IPV6_CLIENT_PREFIX
    network = ipaddress.IPv6Network((int(address) >> host_bits << host_bits, IPV6_CLIENT_PREFIX))
    return str(network)


class ReleaseResponseMixin:
    """For an APIView whose answers can be large: the answer is freed as soon as it is sent.

    DRF leaves the response on the view (`view.response`) while the view and its request
    refer to each other, and the response's rendering context refers back to it. Only
    the cyclic garbage collector frees such cycles, and it runs by object counts, not
    bytes: a profile listing thousands of referrals stayed in a web worker's memory long
    after it was sent, so the worker grew by megabytes per request.
    """

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        self.response = None  # the view no longer holds the answer...
        if isinstance(response, SimpleTemplateResponse):
            # ...and once rendered, the answer no longer holds its rendering context,
            # which DRF points back at the answer itself.
            response.add_post_render_callback(_drop_renderer_context)
        return response


def _drop_renderer_context(response: SimpleTemplateResponse) -> None:
    response.renderer_context = None
