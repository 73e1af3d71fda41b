"""Outbound URL guard: refuse URLs that point into private networks, and connect only to the
address that was checked (docs/compat/webhooks.md#outbound-addresses).

Used by webhook delivery and by anything else that fetches a URL a client gave us. Two steps:

* :func:`check_url` reads the URL (scheme, host, port) and, when the host is an IP literal,
  checks it; it does no DNS lookup, so it is cheap enough for request validation.
* :func:`resolve_target` resolves the host, checks **every** address, and returns a
  :class:`Target` pinned to one checked address. :func:`pinned_request` then builds an httpx
  request that connects to that address while keeping the original ``Host`` header and TLS SNI
  (so certificates are verified against the name), which defeats DNS rebinding: the name is
  never resolved a second time.

With ``allow_private`` (the operator's ``SIGNET_WEBHOOK_ALLOW_PRIVATE``) every address and
plain ``http`` are allowed; the connection is still pinned.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

__all__ = [
    "IPAddress",
    "Target",
    "UrlRefused",
    "blocked_reason",
    "check_url",
    "pinned_request",
    "resolve_target",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Names that always mean "this machine", whatever the resolver says.
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


class UrlRefused(ValueError):
    """The URL is malformed, uses a refused scheme, or points at a refused address.

    ``str(exc)`` is a sentence for the API user, e.g. "the host resolves to a private address
    (10.0.0.1)".
    """


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``address``) and what to call it (``host``)."""

    url: str
    scheme: str
    host: str  # as written in the URL, without brackets, lower-case
    port: int
    address: IPAddress


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv6 one (mapped, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def blocked_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` must not be contacted, or None when it is a public unicast address.

    Refused: loopback, RFC 1918 and other private ranges, link-local (169.254/16, where cloud
    metadata lives; fe80::/10), CGNAT 100.64/10, 0/8 and unspecified, multicast, reserved,
    fc00::/7, and IPv4 addresses wrapped in IPv6 (::ffff:a.b.c.d, 6to4, NAT64) when the
    wrapped address is refused.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = blocked_reason(inner)
            if reason:
                return reason
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_unspecified:
        return "an unspecified address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "a shared (CGNAT) address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved:
        return "a reserved address"
    if not ip.is_global:
        return "a non-public address"
    return None


def _parse_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_url(url: str, *, allow_private: bool) -> tuple[str, str, int]:
    """Check the form of ``url`` and any IP literal in it; returns (scheme, host, port).

    Requires an absolute ``https`` URL with a host and no user info (``http`` too when
    ``allow_private``). Raises :class:`UrlRefused` with a message for the API user.
    """
    if not isinstance(url, str) or not url.strip():
        raise UrlRefused("must be an absolute URL")
    if any(ch.isspace() for ch in url) or len(url) > 2048:
        raise UrlRefused("must be a URL without spaces, at most 2048 characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UrlRefused("is not a valid URL") from None
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if allow_private else ("https",)
    if scheme not in allowed:
        raise UrlRefused("must use https")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise UrlRefused("must include a host name")
    try:  # internationalised names travel as their ASCII (IDNA) form
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise UrlRefused("has an invalid host name") from None
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("must not contain a user name or password")
    port = port or (443 if scheme == "https" else 80)
    if not allow_private:
        if host in _LOCAL_NAMES or host.endswith(".localhost"):
            raise UrlRefused("must not point at this server (localhost)")
        ip = _parse_ip(host)
        if ip is not None and (reason := blocked_reason(ip)):
            raise UrlRefused(f"must not point at {reason} ({ip})")
    return scheme, host, port


def resolve_target(url: str, *, allow_private: bool) -> Target:
    """Check ``url``, resolve its host and check every address; pin the first one.

    Raises :class:`UrlRefused` when the URL is refused or any address it resolves to is
    (a name that resolves to one public and one private address is refused), and
    ``OSError`` (``socket.gaierror``) when the name does not resolve.
    """
    scheme, host, port = check_url(url, allow_private=allow_private)
    literal = _parse_ip(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = []
        for info in infos:
            # Strip an IPv6 zone ("fe80::1%eth0") before parsing.
            ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if ip not in addresses:
                addresses.append(ip)
        if not addresses:
            raise OSError(f"{host} did not resolve to any address")
    if not allow_private:
        for ip in addresses:
            if reason := blocked_reason(ip):
                raise UrlRefused(f"the host {host} resolves to {reason} ({ip})")
    return Target(url=url, scheme=scheme, host=host, port=port, address=addresses[0])


def pinned_request(
    client: httpx.Client,
    target: Target,
    *,
    method: str = "POST",
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
    timeout: httpx.Timeout | float | None = None,
) -> httpx.Request:
    """An httpx request to ``target.url`` that connects to ``target.address``.

    The URL's host is replaced by the checked address; the ``Host`` header keeps the original
    name (and port when it is not the default), and TLS uses the original name for SNI and
    certificate verification. Send it with a client that does not follow redirects, ignores
    proxy settings from the environment and does not keep connections alive, so a connection
    made for one name is never reused for another.
    """
    original = httpx.URL(target.url)
    pinned = original.copy_with(host=str(target.address))
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if ":" not in target.host else f"[{target.host}]"
    if target.port != default_port:
        host_header = f"{host_header}:{target.port}"
    all_headers = {"Host": host_header, **(headers or {})}
    extensions: dict[str, object] = {}
    if target.scheme == "https":
        extensions["sni_hostname"] = target.host
    request = client.build_request(
        method,
        pinned,
        headers=all_headers,
        content=content,
        timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
        extensions=extensions,
    )
    return request
