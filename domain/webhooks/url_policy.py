"""Which endpoint URLs we accept, and the SSRF guard: no delivery to our own network.

Checked when an endpoint is saved, and again by the worker before each attempt (DNS can change
between the two). The server setting that allows private addresses is for development and tests
only: there the receivers run on loopback.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit, urlunsplit

from domain.shared.errors import DomainError, ErrorCode

MAX_URL_LENGTH = 2000
FIELD = "url"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_ALLOW_HINT = "the server setting that allows private webhook addresses is for development only"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _invalid(message: str) -> DomainError:
    return DomainError.single(ErrorCode.INVALID, message, FIELD)


def why_refused(address: IPAddress) -> str | None:
    """Why deliveries to `address` are refused, or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        reason = why_refused(address.ipv4_mapped)
        return f"{reason} (IPv4-mapped)" if reason else None
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "shared address space (CGNAT 100.64.0.0/10)"
    if address.is_reserved:  # before is_private, which also covers 240.0.0.0/4
        return "reserved"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "not globally routable"
    return None


def _parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return None


def _is_loopback_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    ip = _parse_ip(host)
    return ip is not None and why_refused(ip) in {"loopback", "loopback (IPv4-mapped)"}


def check_endpoint_url(
    url: str, *, allow_private: bool, resolve: Callable[[str], Sequence[str]]
) -> str:
    """The normalised URL, or DomainError(INVALID, field "url") saying what is wrong."""
    url = url.strip()
    if not url:
        raise DomainError.single(ErrorCode.REQUIRED, "The endpoint URL is required.", FIELD)
    if len(url) > MAX_URL_LENGTH:
        raise _invalid(f"The endpoint URL is longer than {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _invalid(f"The endpoint URL is not a valid URL: {exc}.") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.netloc:
        raise _invalid(
            "The endpoint URL must be an absolute http(s) URL, like https://example.com/hooks."
        )
    if "@" in parts.netloc:
        raise _invalid("The endpoint URL must not contain a user name or password.")
    if "#" in url:
        raise _invalid("The endpoint URL must not contain a fragment (#...).")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise _invalid("The endpoint URL has no host.")
    literal = _parse_ip(host)
    if literal is None:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError as exc:
            raise _invalid(f"The endpoint URL's host {host!r} is not a valid host name.") from exc
    if scheme != "https" and not (allow_private and _is_loopback_host(host)):
        raise _invalid(
            "The endpoint URL must use https (plain http is only allowed to a loopback address "
            f"in development, where {_ALLOW_HINT})."
        )

    if literal is not None:
        addresses: Sequence[str] = [host]
    else:
        try:
            addresses = list(resolve(host))
        except (OSError, UnicodeError):
            addresses = []
        if not addresses:
            raise _invalid(f"The endpoint URL's host {host!r} cannot be resolved.")
    if not allow_private:
        for text in addresses:
            ip = _parse_ip(text)
            reason = "not an IP address" if ip is None else why_refused(ip)
            if reason is not None:
                raise _invalid(
                    f"The endpoint URL's host {host!r} resolves to {text}, which is refused "
                    f"({reason}): webhooks are only sent to public addresses; {_ALLOW_HINT}."
                )

    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def resolve_host(host: str) -> list[str]:
    """Every address `host` resolves to (the real resolver; the caller passes it in)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))
