"""Whole signing flows over HTTP against a cluster, as a client and two signers would drive them:
create (a 3-page PDF) → send → both signers open their page and finish → the sealed final PDF.

Every call may go to any node. A call that meets a dead node (connection refused or reset, a
503, or a 502/504 from a dying proxy) is tried again on the next node until its deadline; POSTs
carry an ``Idempotency-Key``, so a create or send whose answer was lost is answered from the
database on the retry instead of being done twice.
"""

from __future__ import annotations

import base64
import itertools
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from fixtures.pdfs import make_pdf

PNG_1PX = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
RETRYABLE = {409, 502, 503, 504}  # 409: IDEMPOTENCY_KEY_IN_USE while the first try runs
THREE_PAGES = make_pdf(3, text="Scale agreement page")


class Unreachable(AssertionError):
    """No node answered a call before its deadline."""


@dataclass
class Nodes:
    """Base URLs to try in turn, and the API key."""

    urls: list[str]
    key: str
    timeout: float = 60.0
    _turn: itertools.count[int] = field(default_factory=itertools.count)
    _clients: dict[str, httpx.Client] = field(default_factory=dict)

    def client(self, url: str) -> httpx.Client:
        if url not in self._clients:
            self._clients[url] = httpx.Client(base_url=url, timeout=self.timeout)
        return self._clients[url]

    def close(self) -> None:
        for c in self._clients.values():
            c.close()

    def order(self, prefer: int | None) -> list[str]:
        start = next(self._turn) if prefer is None else prefer
        return [self.urls[(start + i) % len(self.urls)] for i in range(len(self.urls))]

    def call(
        self,
        method: str,
        path: str,
        *,
        prefer: int | None = None,
        deadline: float = 120.0,
        api: bool = True,
        retry_on: set[int] = RETRYABLE,
        **kw: Any,
    ) -> httpx.Response:
        """``method path`` on the preferred node, then the others, until an answer that is not
        retryable or ``deadline`` seconds; every try of one POST carries the same key."""
        headers = dict(kw.pop("headers", {}))
        if api:
            headers["Authorization"] = self.key
        if method == "POST" and api:
            headers.setdefault("Idempotency-Key", uuid.uuid4().hex)
        end = time.monotonic() + deadline
        last: dict[str, str] = {}
        while time.monotonic() < end:
            for url in self.order(prefer):
                try:
                    r = self.client(url).request(method, path, headers=headers, **kw)
                except httpx.TransportError as exc:
                    last[url] = repr(exc)
                    continue
                if r.status_code not in retry_on:
                    return r
                last[url] = f"{r.status_code} {r.text[:200]}"
            time.sleep(0.25)
        raise Unreachable(f"{method} {path}: no answer in {deadline}s (last answers: {last})")


def two_signer_body(
    tag: str, pdf: bytes = THREE_PAGES, ordered: bool = False, pages: int = 3
) -> dict[str, Any]:
    """A document for two signers (the second signs on its last page), in turn when ``ordered``
    (else in any order); their addresses are unique to ``tag``."""
    return {
        "name": f"Scale {tag}",
        "document": base64.b64encode(pdf).decode(),
        "recipients": [
            {"id": "temp_1", "first_name": "Ada", "last_name": tag, "designation": "Signer",
             "email": f"ada-{tag}@example.com", "order": 1},
            {"id": "temp_2", "first_name": "Bob", "last_name": tag, "designation": "Signer",
             "email": f"bob-{tag}@example.com", "order": 2},
        ],
        "fields": [
            {"type": "signature", "recipient_id": "temp_1", "page_number": 1,
             "position": {"x": 10, "y": 80, "width": 30, "height": 8}},
            {"type": "signature", "recipient_id": "temp_2", "page_number": pages,
             "position": {"x": 10, "y": 80, "width": 30, "height": 8}},
        ],
        "settings": {"use_signing_order": ordered},
    }  # fmt: skip


def create(
    nodes: Nodes,
    tag: str,
    *,
    prefer: int | None = None,
    pdf: bytes = THREE_PAGES,
    ordered: bool = False,
    pages: int = 3,
) -> Any:
    body = two_signer_body(tag, pdf, ordered, pages)
    r = nodes.call("POST", "/v1/signing-requests", json=body, prefer=prefer)
    assert r.status_code == 201, r.text
    return r.json()


def send(nodes: Nodes, request_id: str, *, prefer: int | None = None) -> None:
    r = nodes.call("POST", f"/v1/signing-requests/{request_id}/send", prefer=prefer)
    # A send whose process died after its commit but before its answer was kept under the key
    # runs again once the key's lease lapses, and finds the request sent.
    if r.status_code >= 400 and r.json().get("code") == "ALREADY_SENT":
        return
    assert r.status_code == 200, r.text


def detail(nodes: Nodes, request_id: str, *, prefer: int | None = None) -> Any:
    r = nodes.call("GET", f"/v1/signing-requests/{request_id}", prefer=prefer)
    assert r.status_code == 200, r.text
    return r.json()


def _finished(nodes: Nodes, request_id: str, recipient_id: str) -> bool:
    r = nodes.call("GET", f"/v1/signing-requests/{request_id}/users")
    assert r.status_code == 200, r.text
    body = r.json()
    users = body if isinstance(body, list) else body.get("results", body.get("users", []))
    return any(u["id"] == recipient_id and u.get("finished_date") for u in users)


def sign(
    nodes: Nodes, request_id: str, recipient_id: str, *, prefer: int | None = None, tries: int = 20
) -> None:
    """Open the signing page and finish, as the signer's browser does. A finish whose answer was
    lost (the node died) is checked through the API before it is tried again."""
    for _ in range(tries):
        page = nodes.call("GET", f"/signing/{recipient_id}", prefer=prefer, api=False)
        assert page.status_code == 200, page.text[:300]
        csrf = re.search(r'data-csrf="([^"]+)"', page.text)
        if csrf is None:  # the page says there is nothing left to sign
            assert _finished(nodes, request_id, recipient_id), page.text[:300]
            return
        try:
            r = nodes.call(
                "POST",
                f"/signing/{recipient_id}/finish",
                prefer=prefer,
                api=False,
                deadline=5,
                json={
                    "consent": True,
                    "values": {},
                    "signature": PNG_1PX,
                    "signature_kind": "drawn",
                },  # fmt: skip
                headers={"X-Signet-CSRF": csrf.group(1)},
            )
        except Unreachable:
            continue
        if r.status_code == 200:
            return
        if _finished(nodes, request_id, recipient_id):
            return  # an earlier try went through; its answer was lost
        raise AssertionError(f"finish {recipient_id}: {r.status_code} {r.text[:300]}")
    raise AssertionError(f"finish {recipient_id}: no node took it in {tries} tries")


def wait_sealed(nodes: Nodes, request_id: str, timeout: float = 180.0) -> Any:
    end = time.monotonic() + timeout
    while True:
        body = detail(nodes, request_id)
        if body.get("final_document_download_url"):
            return body
        if time.monotonic() > end:
            raise AssertionError(f"{request_id} not sealed in {timeout}s: {body.get('status')}")
        time.sleep(0.2)


def download(nodes: Nodes, url: str, *, prefer: int | None = None) -> bytes:
    """A signed file link, fetched from a node of our choosing (the path is node-independent)."""
    path = re.sub(r"^https?://[^/]+", "", url)
    r = nodes.call("GET", path, prefer=prefer, api=False)
    assert r.status_code == 200, r.text[:300]
    return r.content


def run_flow(nodes: Nodes, tag: str) -> str:
    """One whole flow on any nodes; the request's id once its final PDF is sealed."""
    created = create(nodes, tag)
    send(nodes, created["id"])
    for recipient in created["recipients"]:
        sign(nodes, created["id"], recipient["id"])
    wait_sealed(nodes, created["id"])
    return str(created["id"])
