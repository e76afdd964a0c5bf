"""Outgoing HTTP for webhooks (stdlib ``http.client``): one POST, a timeout, no redirects,
and only to addresses the platform may reach.

Any organisation administrator can point an endpoint anywhere, so the server must not become a
way into its own network: the host name is resolved once, every address it resolves to is
checked (loopback, link-local — e.g. the cloud metadata address —, multicast and reserved
addresses are refused; private networks only with ``WEBHOOK_ALLOW_PRIVATE``), and the
connection goes to the checked address (no second lookup that could answer differently).
HTTPS certificates are verified against the host name.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from wufei.core.errors import ValidationFailed

from .conf import conf

MAX_URL = 500
READ_LIMIT = 2048


@dataclass(frozen=True)
class Answer:
    """What one attempt got: an HTTP status, or an error text when there was no answer."""

    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class AddressRefused(Exception):
    pass


def _ip_allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return bool(conf("WEBHOOK_ALLOW_LOOPBACK"))
    if ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return False
    if ip.is_private:
        return bool(conf("WEBHOOK_ALLOW_PRIVATE"))
    return True


def _literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_url(value: Any) -> str:
    """Validate an endpoint URL when it is saved (the address is checked again when sending)."""
    url = str(value or "").strip()
    invalid = ValidationFailed(
        _("Enter the full address of the receiving system, starting with https:// or http://."),
        code="notifications.url_invalid",
        field="url",
    )
    if not url or len(url) > MAX_URL or any(c.isspace() for c in url):
        raise invalid
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise invalid from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
        raise invalid
    if parts.username or parts.password:
        raise ValidationFailed(
            _("Do not put a user name or password in the address; the signature authenticates."),
            code="notifications.url_credentials",
            field="url",
        )
    host = parts.hostname.lower()
    ip = _literal_ip(host)
    if host == "localhost" or host.endswith(".localhost"):
        ip = ipaddress.ip_address("127.0.0.1")
    if ip is not None and not _ip_allowed(ip):
        raise ValidationFailed(
            _("The platform does not send to %(host)s (a local or internal address).")
            % {"host": host},
            code="notifications.url_address_refused",
            field="url",
        )
    return url


def resolve(host: str, port: int) -> str:
    """The address to connect to; :class:`AddressRefused` if any address is not allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise AddressRefused(f"cannot resolve {host}: {exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise AddressRefused(f"cannot resolve {host}")
    for address in addresses:
        if not _ip_allowed(ipaddress.ip_address(address.split("%", 1)[0])):
            raise AddressRefused(f"address not allowed: {host} → {address}")
    return addresses[0]


def _connection(scheme: str, host: str, port: int, address: str, timeout: float) -> Any:
    if scheme == "https":
        conn: Any = http.client.HTTPSConnection(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def pinned(_addr: Any, timeout: Any = None, source_address: Any = None) -> socket.socket:
        return socket.create_connection((address, port), timeout, source_address)

    conn._create_connection = pinned  # connect to the checked address; Host/SNI keep the name
    return conn


def post(url: str, body: bytes, headers: dict[str, str], timeout: float | None = None) -> Answer:
    """POST ``body`` to ``url``; never raises for network trouble (the answer says what)."""
    timeout = float(timeout if timeout is not None else conf("WEBHOOK_TIMEOUT_SECONDS"))
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if parts.scheme not in ("http", "https") or not host:
            return Answer(None, "bad URL")
        address = resolve(host, port)
    except (ValueError, AddressRefused) as exc:
        return Answer(None, str(exc)[:500])
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn = _connection(parts.scheme, host, port, address, timeout)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read(READ_LIMIT).decode("utf-8", "replace")
        status = int(response.status)
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, f"{type(exc).__name__}: {exc}"[:500])
    finally:
        conn.close()
    if 200 <= status < 300:
        return Answer(status)
    return Answer(status, f"HTTP {status}: {' '.join(text.split())}"[:500])
