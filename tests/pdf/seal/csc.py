"""A real CSC signing service for tests: certomancer-csc-dummy over the test PKI's keys
(``pki.py``), on 127.0.0.1, in a thread with its own event loop. Credentials are
``signet/<certificate label>``, e.g. ``signet/remote-signer``. It records each call's path,
``Authorization`` header and JSON body, to show what Signet sent."""

from __future__ import annotations

import asyncio
import threading
import warnings
from typing import Any

from aiohttp import web
from csc_dummy.csc_dummy_server import CSCWithCertomancer

from .pki import CertomancerPki, free_port


class RunningCSC:
    def __init__(self, pki: CertomancerPki, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.calls: list[tuple[str, str | None, Any]] = []
        with warnings.catch_warnings():  # its app keys are plain strings (aiohttp warns)
            warnings.simplefilter("ignore")
            service = CSCWithCertomancer(pki.config)
        service.register_routes()
        calls = self.calls

        @web.middleware
        async def record(request: web.Request, handler: Any) -> web.StreamResponse:
            body = await request.json() if request.can_read_body else None
            calls.append((request.path, request.headers.get("Authorization"), body))
            return await handler(request)

        service.app.middlewares.append(record)
        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(service.app, access_log=None)
        started = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", self.port)
            self._loop.run_until_complete(site.start())
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        if not started.wait(30):
            raise RuntimeError("the CSC test service did not start")

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()

    def __enter__(self) -> RunningCSC:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
