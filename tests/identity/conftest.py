"""The identity tests use the PandaDoc face's helpers too (imported by name)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "api" / "pandadoc"))

from pandadoc_helpers import PandaDoc  # noqa: E402


@pytest.fixture
def pd(api, app):  # type: ignore[no-untyped-def]
    return PandaDoc(api, app)
