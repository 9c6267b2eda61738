"""Where a webhook may go: `https://` only, and never to a private, loopback, link-local or
otherwise non-public address, unless WEBHOOK_ALLOW_PRIVATE is on (which also allows
`http://`). The address is checked when the URL is saved, after resolving the name before
every delivery, and once more on the connected socket itself, so a name that resolves to
a public address for the check and a private one for the connection (DNS rebinding) is
refused too. Redirects are never followed and no proxy from the environment is used."""

from __future__ import annotations

import ipaddress
import socket
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class UrlRefused(Exception):
    """The URL or the address it leads to is not allowed. Not an OSError on purpose:
    urllib3 would take it for a network error and retry."""


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, resolve: bool = True) -> None:
    """Raise UrlRefused unless `url` may receive webhooks (see the module docstring)."""
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused(f"Not a valid URL: {exc}") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise UrlRefused(f"Only {' and '.join(s + '://' for s in schemes)} URLs are allowed.")
    if not parts.hostname:
        raise UrlRefused("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("Credentials in the URL are not allowed: use the secret.")
    if allow_private or not resolve:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UrlRefused(f"{parts.hostname} cannot be resolved.") from None
    for info in infos:
        address = str(info[4][0])
        if not address_allowed(address):
            raise UrlRefused(
                f"{parts.hostname} resolves to {address}, a private, loopback, link-local "
                "or reserved address."
            )


# A mixin of the two connection classes below; type-checked as one of them.
if TYPE_CHECKING:
    _ConnectionBase = HTTPConnection
else:
    _ConnectionBase = object


class _CheckedPeer(_ConnectionBase):
    def _new_conn(self):
        sock = super()._new_conn()
        address = sock.getpeername()[0]
        if not address_allowed(address):
            sock.close()
            raise UrlRefused(f"Connected to {address}, a non-public address: refused.")
        return sock


class _CheckedHTTPConnection(_CheckedPeer, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_CheckedPeer, HTTPSConnection):
    pass


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }


def post(url: str, *, body: bytes, headers: dict[str, str]) -> requests.Response:
    """POST `body` to `url` if it is allowed; no redirects, no proxies, a short timeout.
    Raises UrlRefused or requests.RequestException. The response body is not read."""
    check_url(url)
    with requests.Session() as session:
        session.trust_env = False
        if not settings.WEBHOOK_ALLOW_PRIVATE:
            session.mount("https://", _CheckedAdapter())
            session.mount("http://", _CheckedAdapter())
        response = session.post(
            url,
            data=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT,
            allow_redirects=False,
            stream=True,
        )
        response.close()
        return response
