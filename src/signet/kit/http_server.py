"""The HTTP protocol ``signet serve`` runs: uvicorn's, with a bound on the size of a request head.

uvicorn's httptools protocol reads a request head of any size (a 16 MB ``Authorization`` header
is buffered whole before the app sees it), and its h11 protocol bounds it only when told to.
The app itself refuses heads past 32 KiB with a 431 in each face's format; this bound, well
above that, stops the bytes at the connection.

It also ends a kept-alive connection after ``REQUESTS_PER_CONNECTION`` requests (its last
response says ``connection: close``), as nginx's ``keepalive_requests`` does. With several API
processes (``signet serve --workers N``) a connection stays with the process that accepted it;
a client that keeps a few connections open would otherwise load one process and leave the
others idle. The client opens a new connection, and the process that is free accepts it first.
See docs/operations.md, "Several API processes".
"""

from __future__ import annotations

# httptools comes with uvicorn[standard], which Signet depends on.
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 1024 * 1024
# Requests one kept-alive connection carries before the server closes it; a reconnect on the
# same host costs well under a millisecond, a request at least one.
REQUESTS_PER_CONNECTION = 20
# uvicorn's ``http=`` argument; a string, so that ``--workers`` processes can import it.
HTTP_PROTOCOL = "signet.kit.http_server:BoundedHeadHttpToolsProtocol"

_RESPONSE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 36\r\n"
    b"connection: close\r\n"
    b"\r\n"
    b"The request headers are too large.\r\n"
)


class BoundedHeadHttpToolsProtocol(HttpToolsProtocol):
    """Counts the bytes fed to the parser while a request head is incomplete; past
    ``MAX_HEAD_BYTES`` answers 431 and closes the connection. A count may include the end of
    the previous request's body (one read, at most 256 KiB), hence the generous bound."""

    _in_head = True
    _head_bytes = 0
    _requests = 0

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self._in_head or self.transport.is_closing():
            return
        self._head_bytes += len(data)
        if self._head_bytes > MAX_HEAD_BYTES:
            self.transport.write(_RESPONSE)
            self.transport.close()

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()
        self._requests += 1

    def on_message_complete(self) -> None:
        self._in_head, self._head_bytes = True, 0
        super().on_message_complete()
        # Only once the whole request is read and before its answer starts: closing with body
        # bytes still unread (an early 401 or 413) would reset the connection, and the client
        # would see a connection error instead of the answer. Else a later request closes it.
        cycle = self.cycle
        if self._requests >= REQUESTS_PER_CONNECTION and cycle and not cycle.response_started:
            cycle.keep_alive = False
