"""A bare FastAPI app: one ``async def`` GET returning a small JSON dict.

It is the reference point for ``bench/create.py``'s GET throughput: the same framework, served by
the same ``uvicorn.run`` call as ``signet serve`` (see ``src/signet/cli.py``), doing no work.

Run: ``python bench/bare_app.py --port 8123``
"""

from __future__ import annotations

import argparse

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"status": "ok", "id": "00000000-0000-0000-0000-000000000000"}


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    # The same keyword arguments as signet.cli.cmd_serve: uvloop + httptools (uvicorn[standard]),
    # one worker, the access log governed by the log level.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        proxy_headers=True,
        server_header=False,
    )


if __name__ == "__main__":
    main()
