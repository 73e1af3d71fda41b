"""Typed dependency aliases so endpoints read like specs: ``auth: Auth, state: State``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from signet.api.auth import AuthContext, authenticate
from signet.api.state import AppState


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.signet
    return state


Auth = Annotated[AuthContext, Depends(authenticate)]
State = Annotated[AppState, Depends(get_state)]

# A page past this is empty anyway; the bound keeps the row offset inside a 64-bit integer.
MAX_PAGE = 1_000_000
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page")]
