"""Where a webhook may go: `https://` only, and never to a private, loopback, link-local or
otherwise non-public address, unless WEBHOOK_ALLOW_PRIVATE is on (which also allows
`http://`). An IPv6 address that carries an IPv4 address (NAT64, 6to4, IPv4-mapped) is
judged by that IPv4 address, or refused outright (see address_allowed). The address is
checked when the URL is saved, after resolving the name before every delivery, and once
more on the connected socket itself, so a name that resolves to a public address for the
check and a private one for the connection (DNS rebinding) is refused too. Redirects are
never followed and no proxy from the environment is used.

WEBHOOK_TIMEOUT is a hard deadline for the whole attempt: connecting, sending and reading
the whole answer. A socket timeout alone bounds each read, so a receiver sending a byte
every few seconds would hold a worker thread for as long as it likes; when the deadline
passes, the connection's socket is shut down under the reading thread."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
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


# IPv6 addresses that carry an IPv4 address, and where (docs/webhooks.md, decision 57).
# Judged by the IPv4 address they carry: IPv4-mapped (::ffff:0:0/96), NAT64's well-known
# prefix (RFC 6052: the IPv4 address in the low 32 bits) and 6to4 (2002::/16).
NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
# Refused whatever they carry: NAT64's local-use prefix (RFC 8215; where the IPv4 address
# sits depends on the operator's prefix length, and it reaches the operator's own
# networks), IPv4-compatible addresses (deprecated by RFC 4291) and Teredo (a client's
# tunnel, never a server's address).
TRANSLATION_REFUSED = tuple(
    ipaddress.ip_network(net) for net in ("64:ff9b:1::/48", "::/96", "2001::/32")
)


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in net for net in TRANSLATION_REFUSED):
            return False
        if ip.ipv4_mapped is not None:
            return address_allowed(str(ip.ipv4_mapped))
        if ip in NAT64_WELL_KNOWN:
            return address_allowed(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
        if ip.sixtofour is not None:
            return address_allowed(str(ip.sixtofour))
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
                "or reserved address, or an IPv6 translation of one."
            )


# A mixin of the two connection classes below; type-checked as one of them.
if TYPE_CHECKING:
    _ConnectionBase = HTTPConnection
else:
    _ConnectionBase = object


# An answer longer than this is not read further (receivers answer with a status).
MAX_ANSWER_BYTES = 64 * 1024


class _Deadline:
    """Shuts down the sockets of one attempt when its time is up."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)

    def __enter__(self) -> _Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        _current.deadline = None


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # closed already
        sock.shutdown(socket.SHUT_RDWR)  # a blocked recv() or send() returns at once


# The attempt this thread is making (the connection classes below register their socket).
_current = threading.local()


class _CheckedPeer(_ConnectionBase):
    def _new_conn(self):
        sock = super()._new_conn()
        if not settings.WEBHOOK_ALLOW_PRIVATE:
            address = sock.getpeername()[0]
            if not address_allowed(address):
                sock.close()
                raise UrlRefused(f"Connected to {address}, a non-public address: refused.")
        deadline = getattr(_current, "deadline", None)
        if deadline is not None:
            deadline.watch(sock)
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
    """POST `body` to `url` if it is allowed; no redirects, no proxies, and the whole
    exchange (the answer read up to MAX_ANSWER_BYTES) within WEBHOOK_TIMEOUT seconds.
    Raises UrlRefused, requests.Timeout (the deadline passed) or requests.RequestException."""
    check_url(url)
    seconds = settings.WEBHOOK_TIMEOUT
    with requests.Session() as session, _Deadline(seconds) as deadline:
        session.trust_env = False
        session.mount("https://", _CheckedAdapter())
        session.mount("http://", _CheckedAdapter())
        try:
            response = session.post(
                url, data=body, headers=headers, timeout=seconds, allow_redirects=False,
                stream=True,
            )  # fmt: skip
            with response:
                read = 0
                for chunk in response.iter_content(8192):
                    read += len(chunk)
                    if read >= MAX_ANSWER_BYTES:
                        break
        except (requests.RequestException, OSError) as exc:
            if deadline.expired:
                raise requests.Timeout(f"No complete answer within {seconds} s.") from exc
            raise
        if deadline.expired:  # an answer cut short may end without an error
            raise requests.Timeout(f"No complete answer within {seconds} s.")
        return response
