"""Fetch a PDF from a URL a client gave us (PandaDoc ``POST /documents {url}``), refusing
anything that points inside the network (docs/compat/pandadoc.md#creating-from-a-url).

https only, port 443 (``allow_private`` — the operator's ``SIGNET_WEBHOOK_ALLOW_PRIVATE`` —
also allows http, other ports and private addresses). Every address the name resolves to is
checked, and the connection goes to the checked address (``webhooks.netguard``), so a second
DNS answer cannot redirect it. At most 3 redirects, each checked again; 30 s in all; the body
is streamed and cut off past the size limit; it must start with ``%PDF-``.
"""

from __future__ import annotations

import time
from urllib.parse import urljoin

import httpx

from signet.webhooks import netguard
from signet.webhooks.netguard import UrlRefused

__all__ = ["FetchFailed", "UrlRefused", "check_source_url", "fetch_pdf"]

MAX_REDIRECTS = 3
TIMEOUT_SECONDS = 30.0


class FetchFailed(Exception):
    """The URL was allowed but the PDF could not be fetched; ``str(exc)`` says why."""


def _check(url: str, allow_private: bool) -> netguard.Target:
    scheme, _host, port = netguard.check_url(url, allow_private=allow_private)
    if not allow_private and (scheme != "https" or port != 443):
        raise UrlRefused("must be an https URL on port 443")
    try:
        return netguard.resolve_target(url, allow_private=allow_private)
    except OSError as exc:
        raise UrlRefused(f"the host does not resolve ({exc.__class__.__name__})") from exc


def check_source_url(url: str, *, allow_private: bool) -> None:
    """Check a URL at request time (form, port, every resolved address); raise UrlRefused."""
    _check(url, allow_private)


def fetch_pdf(
    url: str, *, allow_private: bool, limit: int, timeout: float = TIMEOUT_SECONDS
) -> bytes:
    """The PDF at ``url``. Raises UrlRefused (a refused address, also after a redirect) or
    FetchFailed (network error, HTTP error, too large, too slow, not a PDF)."""
    deadline = time.monotonic() + timeout
    current = url
    with httpx.Client(
        follow_redirects=False, trust_env=False, limits=httpx.Limits(max_keepalive_connections=0)
    ) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            target = _check(current, allow_private)
            left = deadline - time.monotonic()
            if left <= 0:
                raise FetchFailed(f"the download took longer than {timeout:.0f} seconds")
            request = netguard.pinned_request(
                client,
                target,
                method="GET",
                headers={"Accept": "application/pdf, */*"},
                timeout=httpx.Timeout(left),
            )
            try:
                response = client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                raise FetchFailed(f"the download took longer than {timeout:.0f} seconds") from exc
            except httpx.HTTPError as exc:
                raise FetchFailed(f"could not connect ({exc.__class__.__name__})") from exc
            try:
                if response.is_redirect:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchFailed("a redirect without a Location header")
                    current = urljoin(current, location)
                    continue
                if response.status_code != 200:
                    raise FetchFailed(f"the server answered HTTP {response.status_code}")
                return _read(response, limit, deadline, timeout)
            finally:
                response.close()
    raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")


def _read(response: httpx.Response, limit: int, deadline: float, timeout: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise FetchFailed(f"the file is larger than {limit // (1024 * 1024)} MB")
    buf = bytearray()
    try:
        for chunk in response.iter_bytes():
            buf += chunk
            if len(buf) > limit:
                raise FetchFailed(f"the file is larger than {limit // (1024 * 1024)} MB")
            if time.monotonic() > deadline:
                raise FetchFailed(f"the download took longer than {timeout:.0f} seconds")
            if len(buf) >= 5 and bytes(buf[:5]) != b"%PDF-":
                raise FetchFailed("the file is not a PDF (it does not start with %PDF-)")
    except httpx.HTTPError as exc:
        raise FetchFailed(f"the download failed ({exc.__class__.__name__})") from exc
    if bytes(buf[:5]) != b"%PDF-":
        raise FetchFailed("the file is not a PDF (it does not start with %PDF-)")
    return bytes(buf)
