"""Fast JSON responses: pydantic models are dumped to bytes by pydantic-core, dicts by orjson."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel
from starlette.responses import Response


class JSONBytes(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        if isinstance(content, bytes):
            return content
        if isinstance(content, BaseModel):
            return content.model_dump_json().encode()
        return orjson.dumps(content)


def json_response(
    content: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> JSONBytes:
    return JSONBytes(content, status_code=status_code, headers=headers)
