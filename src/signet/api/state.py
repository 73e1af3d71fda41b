"""The application context under the name the faces use for it (``state: State``)."""

from __future__ import annotations

from signet.context import AppContext as AppState

__all__ = ["AppState"]
