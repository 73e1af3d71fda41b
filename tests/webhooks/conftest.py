"""Fixtures for webhook tests (the helpers themselves live in ``webhook_kit``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from webhook_kit import Receiver

from signet.db import transaction
from signet.workspaces.service import ensure_workspace


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.start()
    yield r
    r.stop()


@pytest.fixture(scope="session")
def protected_workspace_exists(app: Any) -> None:
    """Make sure some workspace is the protected (first) one before tests make their own, so
    the ``api`` workspace is never the company's protected workspace (whose key would manage
    company-level webhooks that receive every workspace's events)."""
    with transaction(app.state.signet.db.write) as session:
        ensure_workspace(session, "protected-default")


@pytest.fixture
def api(protected_workspace_exists: None, api: Any) -> Any:
    """The root ``api`` client, made after the protected workspace exists."""
    return api


@pytest.fixture
def other_api(protected_workspace_exists: None, other_api: Any) -> Any:
    return other_api
