"""A stream of API calls from a few threads while a test breaks something underneath: each
thread creates a signing request (Firma face), sends it, and reads back earlier ones on both
faces. Every answer is kept, so the test can check what each call got."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from fixtures.pdfs import b64, make_pdf
from fixtures.requests import create_body, signer

ONE_PAGE = b64(make_pdf(1))


@dataclass(frozen=True)
class Answer:
    call: str  # "create", "send", "get", "pandadoc-get"
    status: int | None  # None: no HTTP answer at all (the error is in ``body``)
    headers: dict[str, str]
    body: Any
    at: float


@dataclass
class Load:
    base_url: str
    key: str
    threads: int = 3
    answers: list[Answer] = field(default_factory=list)
    created: dict[str, str] = field(default_factory=dict)  # request id -> its signer's email
    sent: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    def start(self) -> None:
        for i in range(self.threads):
            t = threading.Thread(target=self._run, name=f"load-{i}", daemon=True)
            t.start()
            self._workers.append(t)

    def stop(self) -> None:
        self._stop.set()
        for t in self._workers:
            t.join(60)
        assert not any(t.is_alive() for t in self._workers), "a load thread did not stop"

    def count(self, call: str, status: int | None) -> int:
        with self._lock:
            return sum(1 for a in self.answers if a.call == call and a.status == status)

    def wait_for(self, call: str, status: int, more_than: int, timeout: float) -> None:
        """Until more than ``more_than`` ``call`` answers had ``status``."""
        deadline = time.monotonic() + timeout
        while self.count(call, status) <= more_than:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no more {call} answers with {status} after {timeout}s: {self.summary()}; "
                    f"the first answers neither a success nor a 503: {self.odd()[:3]}"
                )
            time.sleep(0.1)

    def odd(self) -> list[Answer]:
        """Answers that are neither a success nor a 503."""
        with self._lock:
            return [a for a in self.answers if a.status not in (200, 201, 503)]

    def summary(self) -> dict[tuple[str, int | None], int]:
        with self._lock:
            out: dict[tuple[str, int | None], int] = {}
            for a in self.answers:
                out[(a.call, a.status)] = out.get((a.call, a.status), 0) + 1
            return out

    def _record(self, call: str, response: httpx.Response | Exception) -> Answer:
        if isinstance(response, Exception):
            answer = Answer(call, None, {}, repr(response), time.monotonic())
        else:
            try:
                body: Any = response.json()
            except ValueError:
                body = response.text
            answer = Answer(
                call, response.status_code, dict(response.headers), body, time.monotonic()
            )
        with self._lock:
            self.answers.append(answer)
        return answer

    def _call(self, client: httpx.Client, call: str, method: str, url: str, **kw: Any) -> Answer:
        try:
            return self._record(call, client.request(method, url, **kw))
        except httpx.HTTPError as exc:
            return self._record(call, exc)

    def _run(self) -> None:
        headers = {"Authorization": self.key}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=60) as client:
            while not self._stop.is_set():
                n = next(self._seq)
                email = f"signer-{uuid.uuid4().hex[:12]}@example.com"
                body = create_body(
                    name=f"Outage {n}", document=ONE_PAGE, recipients=[signer(email=email)]
                )
                made = self._call(client, "create", "POST", "/v1/signing-requests", json=body)
                if made.status == 201:
                    sid = made.body["id"]
                    with self._lock:
                        self.created[sid] = email
                    sent = self._call(client, "send", "POST", f"/v1/signing-requests/{sid}/send")
                    if sent.status == 200:
                        with self._lock:
                            self.sent.append(sid)
                with self._lock:
                    known = next(reversed(self.created), None)
                if known:
                    self._call(client, "get", "GET", f"/v1/signing-requests/{known}")
                    self._call(client, "pandadoc-get", "GET", f"/public/v1/documents/{known}")
                time.sleep(0.05)
